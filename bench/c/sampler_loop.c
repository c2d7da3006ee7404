/*
 * sampler_loop: the C reference for sampler-jitter-p99.
 *
 *   sampler_loop <file> <file-offset> <register-offset> <hz> <samples>
 *
 * What native/sampler.cc's thread does, minus JS: sleep with
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) to the deadlines
 * start + k * period, read one 32-bit register (volatile) of a read-only
 * MAP_SHARED mapping, and record how late each read was (read time minus
 * deadline). A wake-up a whole period or more late skips those deadlines
 * and counts them as overruns, as the sampler does. Timer slack is set to
 * 1 ns (PR_SET_TIMERSLACK), as the sampler thread sets it.
 * Prints {"samples": N, "overruns": O, "lateness": [ns...]}.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: sampler_loop <file> <file-offset> <register-offset> <hz> <samples>\n");
		return 2;
	}
	off_t file_offset = strtoll(argv[2], NULL, 0);
	size_t reg = strtoull(argv[3], NULL, 0);
	uint64_t period = 1000000000ull / strtoull(argv[4], NULL, 0);
	long samples = strtol(argv[5], NULL, 0);
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

	if (fd < 0 || samples < 1 || reg % 4 != 0 || reg + 4 > 4096) {
		perror("sampler_loop");
		return 1;
	}
	const volatile uint8_t *base = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, file_offset);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	uint64_t *lateness = calloc(samples, sizeof(*lateness));

	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	uint64_t deadline = now_ns() + period, overruns = 0;
	uint32_t sink = 0;

	for (long i = 0; i < samples; deadline += period) {
		struct timespec until = { deadline / 1000000000ull, deadline % 1000000000ull };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) != 0)
			;
		uint64_t now = now_ns();
		if (now - deadline >= period) {
			uint64_t skipped = (now - deadline) / period;
			overruns += skipped;
			deadline += skipped * period;
		}
		sink += *(const volatile uint32_t *)(base + reg);
		lateness[i++] = now_ns() - deadline;
	}
	printf("{\"samples\": %ld, \"overruns\": %" PRIu64 ", \"sink\": %" PRIu32 ", \"lateness\": [",
	       samples, overruns, sink);
	for (long i = 0; i < samples; i++)
		printf("%s%" PRIu64, i ? "," : "", lateness[i]);
	printf("]}\n");
	return 0;
}
