/*
 * vadc_consumer: the C reference for irq-rate-max and soak-rss.
 *
 *   vadc_consumer <dev> <hz> <ms>
 *
 * Runs kmod/uio_vadc at <hz> samples/s with one event per sample (WATERMARK
 * 1) for <ms> milliseconds, and consumes it as rxuio's pipeline does: wait
 * for each event (poll + 4-byte read of /dev/uioN, the count jump giving the
 * missed events), copy every new sample out of the ring, in place, checking
 * its value (sample n is (n & 0xffff) << 16 | tri(n) << 4) and decoding its
 * 12 bits into a block. A sample overwritten before it was read is lost. The
 * ring's length is the device's RING_LEN register (module parameter
 * ring_len), so C and rxuio read the same ring. Prints {"produced", "checked", "lost",
 * "wrong", "events", "missed", "countDelta", "seconds"}: events + missed
 * must equal countDelta, the move of sysfs `event` over the run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RATE		(0x008 / 4)
#define WATERMARK	(0x00c / 4)
#define SEQ		(0x010 / 4)
#define RING_LEN	(0x018 / 4)
#define RING		(0x800 / 4)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t sample(uint32_t n)
{
	uint32_t p = n % 8190;

	return (n & 0xffff) << 16 | (p <= 4095 ? p : 8190 - p) << 4;
}

struct account {
	uint32_t next, len;	/* len: RING_LEN, a power of two */
	long checked, lost, wrong;
	uint16_t *block;	/* the decoded samples of one wake-up */
	long sum;		/* of every decoded sample, so the decoding is not optimised away */
};

static void drain(volatile uint32_t *regs, uint32_t seq, struct account *a)
{
	uint32_t n = 0;

	if (seq - a->next > a->len) {
		a->lost += seq - a->next - a->len;
		a->next = seq - a->len;
	}
	for (; a->next != seq; a->next++) {
		uint32_t value = regs[RING + a->next % a->len];

		if (value == sample(a->next)) {
			a->checked++;
			a->block[n++] = (value >> 4) & 0xfff;
		} else if (regs[SEQ] - a->next >= a->len) {
			a->lost++;	/* overwritten meanwhile */
		} else {
			a->wrong++;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		a->sum += a->block[i];
}

/* The device's interrupt count from /sys/class/uio/uioN/event. */
static int32_t sysfs_count(const char *dev)
{
	char path[256];
	const char *name = strrchr(dev, '/');
	long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/uio/%s/event", name ? name + 1 : dev);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &value) != 1) {
		perror(path);
		exit(1);
	}
	fclose(f);
	return (int32_t)value;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: vadc_consumer <dev> <hz> <ms>\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR | O_CLOEXEC);
	uint32_t hz = strtoul(argv[2], NULL, 0);
	uint64_t ms = strtoull(argv[3], NULL, 0);

	if (fd < 0) {
		perror("open");
		return 1;
	}
	/* The register page says how long the ring is, and so how much to map. */
	long page = sysconf(_SC_PAGESIZE);
	volatile uint32_t *regs = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (regs == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	uint32_t len = regs[RING_LEN];
	size_t size = ((RING + len) * 4 + page - 1) / page * page;

	munmap((void *)regs, page);
	regs = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (regs == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int32_t on = 1, off = 0, count, first, last;
	long events = 0, missed = 0;

	regs[RATE] = hz;
	regs[WATERMARK] = 1;
	first = last = sysfs_count(argv[1]);
	struct account a = { .next = regs[SEQ], .len = len, .block = calloc(len, 2) };
	if (!a.block) {
		perror("calloc");
		return 1;
	}
	uint32_t seq0 = a.next;
	uint64_t start = now_ns(), end = start + ms * 1000000ull;

	if (write(fd, &on, 4) != 4) {
		perror("irqcontrol");
		return 1;
	}
	while (now_ns() < end) {
		if (poll(&pfd, 1, 100) != 1)
			continue;
		if (read(fd, &count, 4) != 4) {
			perror("read");
			return 1;
		}
		missed += count - last - 1;
		last = count;
		events++;
		drain(regs, regs[SEQ], &a);
	}
	if (write(fd, &off, 4) != 4) {
		perror("irqcontrol");
		return 1;
	}
	double seconds = (now_ns() - start) / 1e9;
	/* Events raised just before the stop belong to this run too. */
	while (poll(&pfd, 1, 50) == 1 && read(fd, &count, 4) == 4) {
		missed += count - last - 1;
		last = count;
		events++;
	}
	uint32_t seq = regs[SEQ];

	drain(regs, seq, &a);
	printf("{\"produced\": %u, \"checked\": %ld, \"lost\": %ld, \"wrong\": %ld, "
	       "\"events\": %ld, \"missed\": %ld, \"countDelta\": %d, \"seconds\": %.6f, "
	       "\"ringLength\": %u, \"sum\": %ld}\n",
	       seq - seq0, a.checked, a.lost, a.wrong, events, missed,
	       last - first, seconds, len, a.sum);
	return 0;
}
