/*
 * irq_pingpong_threaded: a diagnostic for irq-latency-*, not a reference.
 *
 *   irq_pingpong_threaded <dev> <config> <rounds>
 *
 * irq_pingpong.c's round trip (raise -> wake -> ack -> unmask on QEMU's edu
 * behind uio_pci_generic) with rxuio's serviced() design and no Node.js: the
 * main thread raises the interrupt and waits in epoll_wait (as libuv does);
 * a SCHED_FIFO 1 service thread blocked in poll() on the device and a stop
 * eventfd (as native/irq_service.cc) reads the count, acks, unmasks INTx by
 * read-modify-write of the command word, stamps, and hands the event to the
 * main thread through an eventfd (as uv_async_send). Latency = service
 * thread's stamp after the unmask - main thread's stamp before the raise,
 * rxuio's servicedAt - raise. Against irq_pingpong it prices the design (a
 * second thread, so a context switch per interrupt on one CPU); against
 * rxuio, what Node.js and rxuio add on top. Prints {"latencies": [ns...],
 * "missed": M, "starts": [ns...]} (the start stamps, for RXUIO_BENCH_TRACE).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define INTX_DISABLE	0x400

static int dev, config, stop_fd, handoff_fd;
static volatile uint32_t *bar;
/* Written by the service thread before the hand-off, read by main after it. */
static uint64_t serviced_at;
static int32_t serviced_count;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void unmask(void)
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

static void *service(void *unused)
{
	struct sched_param param = { .sched_priority = 1 };
	struct pollfd fds[2] = { { .fd = dev, .events = POLLIN }, { .fd = stop_fd, .events = POLLIN } };
	const uint64_t one = 1;
	int32_t count;

	(void)unused;
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) != 0) {
		fprintf(stderr, "irq_pingpong_threaded: SCHED_FIFO refused\n");
		exit(1);
	}
	for (;;) {
		if (poll(fds, 2, -1) < 0)
			continue;
		if (fds[1].revents)
			return NULL;
		if (read(dev, &count, 4) != 4)
			continue;
		bar[EDU_IRQ_ACK / 4] = 1;
		unmask();
		serviced_at = now_ns();
		serviced_count = count;
		if (write(handoff_fd, &one, 8) != 8) {
			perror("write handoff");
			exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: irq_pingpong_threaded <dev> <config> <rounds>\n");
		return 2;
	}
	long rounds = strtol(argv[3], NULL, 0);

	dev = open(argv[1], O_RDWR | O_CLOEXEC);
	config = open(argv[2], O_RDWR | O_CLOEXEC);
	stop_fd = eventfd(0, EFD_CLOEXEC);
	handoff_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int loop = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ready = { .events = EPOLLIN };

	if (dev < 0 || config < 0 || stop_fd < 0 || handoff_fd < 0 || loop < 0 || rounds < 1 ||
	    epoll_ctl(loop, EPOLL_CTL_ADD, handoff_fd, &ready) != 0) {
		perror("open");
		return 1;
	}
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);
	if (bar == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	uint64_t *latencies = calloc(rounds, sizeof(*latencies));
	uint64_t *starts = calloc(rounds, sizeof(*starts));
	int32_t last = -1;
	long missed = 0;
	pthread_t thread;

	bar[EDU_IRQ_ACK / 4] = 0xffffffff;	/* start from a quiet, unmasked line */
	unmask();
	if (pthread_create(&thread, NULL, service, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	usleep(10000);	/* the thread is in poll() before the first raise */
	for (long i = 0; i < rounds; i++) {
		uint64_t start = now_ns(), handed;

		bar[EDU_IRQ_RAISE / 4] = 1;
		if (epoll_wait(loop, &ready, 1, 5000) != 1 || read(handoff_fd, &handed, 8) != 8) {
			fprintf(stderr, "irq_pingpong_threaded: no interrupt in round %ld\n", i);
			return 1;
		}
		latencies[i] = serviced_at - start;
		starts[i] = start;
		if (last != -1 && serviced_count - last > 1)
			missed += serviced_count - last - 1;
		last = serviced_count;
	}
	const uint64_t one = 1;

	if (write(stop_fd, &one, 8) != 8 || pthread_join(thread, NULL) != 0)
		return 1;
	printf("{\"missed\": %ld, \"latencies\": [", missed);
	for (long i = 0; i < rounds; i++)
		printf("%s%" PRIu64, i ? "," : "", latencies[i]);
	printf("], \"starts\": [");
	for (long i = 0; i < rounds; i++)
		printf("%s%" PRIu64, i ? "," : "", starts[i]);
	printf("]}\n");
	return 0;
}
