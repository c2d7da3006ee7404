/*
 * irq_pingpong: the C reference for irq-latency-* and snapshot-latency.
 *
 *   irq_pingpong <dev> <config> <rounds> <snapshot-registers 0..4> [<touch-pages>]
 *
 * QEMU's edu device behind uio_pci_generic: raise an interrupt (write 0x60),
 * wait for it (poll + 4-byte read of <dev>, /dev/uioN), optionally read
 * 4 registers (id, liveness, status, irq status: what onInterrupt
 * snapshots), ack it (write 0x64) and unmask INTx (clear bit 0x400 of the PCI
 * command register through <config>, sysfs device/config), timing each round
 * trip with CLOCK_MONOTONIC. Prints {"latencies": [ns...], "service": [ns...],
 * "missed": M}: "service" is poll returned -> acked, the part of each round
 * trip where the snapshot reads happen, without the wake-up before it and the
 * unmask after it (both vary by more than 4 reads cost); rxuio's serviced()
 * with no re-arm stamps the same two points (IrqSnapshot.time, servicedAt).
 * "starts" are the rounds' start stamps (CLOCK_MONOTONIC ns), stored after
 * the timed span, for placing them in an ftrace trace (RXUIO_BENCH_TRACE).
 *
 * The optional argument is for a diagnostic, never the reference:
 * <touch-pages> pages of memory written between round trips (outside the
 * timed spans), the way a runtime's work between interrupts evicts what
 * the emulator had cached for the service path.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define INTX_DISABLE	0x400

static const unsigned snapshot_offsets[4] = { 0x00, 0x04, 0x20, 0x24 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void unmask(int config)
{
	uint16_t command;

	if (pread(config, &command, 2, 4) != 2) {
		perror("pread config");
		exit(1);
	}
	if (command & INTX_DISABLE) {
		command &= ~INTX_DISABLE;
		if (pwrite(config, &command, 2, 4) != 2) {
			perror("pwrite config");
			exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: irq_pingpong <dev> <config> <rounds> <snapshot 0..4> [<touch-pages>]\n");
		return 2;
	}
	long rounds = strtol(argv[3], NULL, 0);
	int nregs = atoi(argv[4]);
	long touch = argc == 6 ? strtol(argv[5], NULL, 0) : 0;
	int fd = open(argv[1], O_RDWR | O_CLOEXEC);
	int config = open(argv[2], O_RDWR | O_CLOEXEC);

	if (fd < 0 || config < 0 || rounds < 1 || nregs < 0 || nregs > 4 || touch < 0) {
		perror("open");
		return 1;
	}
	volatile uint32_t *bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	volatile char *scratch = touch > 0 ? malloc((size_t)touch * 4096) : NULL;
	if (bar == MAP_FAILED || (touch > 0 && scratch == NULL)) {
		perror("mmap");
		return 1;
	}
	uint64_t *latencies = calloc(rounds, sizeof(*latencies));
	uint64_t *service = calloc(rounds, sizeof(*service));
	uint64_t *starts = calloc(rounds, sizeof(*starts));
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int32_t count, last = -1;
	uint32_t values[4], sink = 0;
	long missed = 0;

	bar[EDU_IRQ_ACK / 4] = 0xffffffff;	/* start from a quiet, unmasked line */
	unmask(config);
	for (long i = 0; i < rounds; i++) {
		uint64_t start = now_ns();

		bar[EDU_IRQ_RAISE / 4] = 1;
		if (poll(&pfd, 1, 5000) != 1) {
			fprintf(stderr, "irq_pingpong: no interrupt in round %ld\n", i);
			return 1;
		}
		uint64_t woke = now_ns();

		if (read(fd, &count, 4) != 4) {
			perror("read");
			return 1;
		}
		for (int r = 0; r < nregs; r++)
			values[r] = bar[snapshot_offsets[r] / 4];
		bar[EDU_IRQ_ACK / 4] = 1;
		uint64_t acked = now_ns();

		unmask(config);
		uint64_t end = now_ns();

		latencies[i] = end - start;
		service[i] = acked - woke;
		starts[i] = start;
		if (last != -1 && count - last > 1)
			missed += count - last - 1;
		last = count;
		for (int r = 0; r < nregs; r++)
			sink += values[r];
		for (long p = 0; p < touch; p++)
			scratch[p * 4096]++;
	}
	printf("{\"missed\": %ld, \"sink\": %" PRIu32 ", \"latencies\": [", missed, sink);
	for (long i = 0; i < rounds; i++)
		printf("%s%" PRIu64, i ? "," : "", latencies[i]);
	printf("], \"service\": [");
	for (long i = 0; i < rounds; i++)
		printf("%s%" PRIu64, i ? "," : "", service[i]);
	printf("], \"starts\": [");
	for (long i = 0; i < rounds; i++)
		printf("%s%" PRIu64, i ? "," : "", starts[i]);
	printf("]}\n");
	return 0;
}
