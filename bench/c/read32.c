/*
 * read32: the C reference for the read32 and view-read benchmarks.
 *
 *   read32 <file> <length> <iterations> single
 *     `iterations` volatile 32-bit reads cycling over the first 16 words of
 *     the mapping, one read per loop turn: what `region.read32(off)` does,
 *     minus the JS call.
 *   read32 <file> <length> <iterations> sweep
 *     `iterations` passes summing every 32-bit word of the mapping with
 *     volatile reads: what a loop over a Uint32Array on `region.view()` does.
 *
 * The file is mapped MAP_SHARED read-write, exactly as rxuio maps a region.
 * Prints {"reads": N, "ns": T, "sum": S}: S, a uint32_t sum like the JS side's
 * `| 0` sum, keeps the compiler from dropping the reads.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: read32 <file> <length> <iterations> single|sweep\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return usage();
	const char *path = argv[1];
	size_t length = strtoull(argv[2], NULL, 0);
	uint64_t iterations = strtoull(argv[3], NULL, 0);
	int sweep = strcmp(argv[4], "sweep") == 0;

	if (!sweep && strcmp(argv[4], "single") != 0)
		return usage();
	if (length < 64 || length % 4 != 0) {
		fprintf(stderr, "read32: length must be a multiple of 4, at least 64\n");
		return 2;
	}
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	void *base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	const volatile uint32_t *words = base;
	size_t count = length / 4;
	uint32_t sum = 0;
	uint64_t reads = 0;
	uint64_t start = now_ns();

	if (sweep) {
		for (uint64_t pass = 0; pass < iterations; pass++)
			for (size_t i = 0; i < count; i++)
				sum += words[i];
		reads = iterations * count;
	} else {
		for (uint64_t i = 0; i < iterations; i++)
			sum += words[i & 15];
		reads = iterations;
	}
	uint64_t elapsed = now_ns() - start;

	printf("{\"reads\": %" PRIu64 ", \"ns\": %" PRIu64 ", \"sum\": %" PRIu32 "}\n",
	       reads, elapsed, sum);
	munmap(base, length);
	close(fd);
	return 0;
}
