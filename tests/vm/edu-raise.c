/* SPDX-License-Identifier: MIT */
/*
 * edu-raise --socket PATH --client NAME DEV... - raise edu interrupts on
 * the devices, round robin, one in flight per device, until SIGTERM: the
 * traffic of other owners on the line the e1000 shares (e1000-guest.sh).
 * BAR0 is borrowed as edu-test does: subscribe, map through the vfio
 * device fd, unsubscribe (the mapping keeps it).  A raise counts once its
 * owner acknowledged the device (pending bits 0x24 read 0); one not
 * acknowledged within 30 s is a failure (a bound on a hang, not a timing
 * test: a loaded host can starve the guest for seconds).  Prints
 * "raised DEV N" per device.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <intx.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int nop(const struct intx_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return INTX_NONE;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	volatile uint32_t *bar[8];
	unsigned long raised[8] = { 0 };
	struct intx_client *c;
	int n = argc - 5, i, rc = 0;

	if (argc < 6 || n > 8 || strcmp(argv[1], "--socket") || strcmp(argv[3], "--client")) {
		fprintf(stderr, "usage: edu-raise --socket PATH --client NAME DEV...\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	c = intx_open(argv[2], argv[4]);
	if (!c)
		return 1;
	for (i = 0; i < n; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri),
					       .index = VFIO_PCI_BAR0_REGION_INDEX };
		const char *d = argv[5 + i];
		void *p = MAP_FAILED;
		int fd;

		if (intx_subscribe(c, d, nop, NULL) < 0)
			return 1;
		fd = intx_device_fd(c, d);
		if (fd >= 0 && ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) == 0)
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				 (off_t)ri.offset);
		if (p == MAP_FAILED) {
			fprintf(stderr, "edu-raise: %s: BAR0: %s\n", d, strerror(errno));
			return 1;
		}
		bar[i] = p;
		(void)intx_unsubscribe(c, d);
	}
	printf("ready\n");
	while (!stop) {
		for (i = 0; i < n && !stop; i++) {
			double t = now();

			bar[i][0x60 / 4] = 1;
			while (bar[i][0x24 / 4] && now() - t < 30)
				sched_yield();
			if (bar[i][0x24 / 4]) {
				printf("edu-raise: %s: not acknowledged in 30 s\n", argv[5 + i]);
				rc = 1;
				stop = 1;
			}
			raised[i]++;
		}
	}
	for (i = 0; i < n; i++)
		printf("raised %s %lu\n", argv[5 + i], raised[i]);
	intx_close(c);
	return rc;
}
