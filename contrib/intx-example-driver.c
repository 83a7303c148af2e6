/* SPDX-License-Identifier: MIT */
/*
 * intx-example-driver - a userspace driver for sim devices, written against
 * libintx the way a real one would be: one handler per device that asks its
 * device "was it you?" (Status bit 3) and, if so, acknowledges the device
 * (intx-sim's lower) and claims the interrupt.
 *
 *   intx-example-driver [--socket PATH] [--client NAME] [--count N]
 *                       [--stuck DEV] [--hang DEV] [--slow MS] DEV=DIR...
 *
 * Misbehaviours, for fault tests and demos: --stuck never acknowledges the
 * device itself (it keeps asserting: a storm); --hang blocks in DEV's first
 * handler call until SIGUSR1 (intxd gets no ack meanwhile), then goes on as
 * usual; --slow sleeps MS ms in each handler call before looking at the
 * device.
 *
 * Prints "ready" once subscribed, then one line per handler call:
 * "<client> <device> <seq> handled|none", and a summary when it stops
 * (SIGTERM/SIGINT, or after --count claimed interrupts).
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <intx.h>

#include "simdev.h"

struct dev {
	const char *name;
	struct simdev sim;
	unsigned long handled, none;
	bool stuck, hang;
};

/* Signals arrive on a signalfd, watched beside intx_fd(): no handler can
 * slip between a flag test and a blocking wait. */
static int sig_fd = -1;
static bool stop;
static const char *client_name = "?";
static unsigned slow_ms;

/* Read one pending signal: SIGUSR1 resumes a hung handler, the others stop. */
static bool take_signal(void)
{
	struct signalfd_siginfo si;

	if (read(sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return false;
	if (si.ssi_signo != SIGUSR1)
		stop = true;
	return si.ssi_signo == SIGUSR1;
}

static int handler(const struct intx_event *ev, void *arg)
{
	struct dev *d = arg;
	int mine;

	if (d->hang) {
		printf("%s %s %llu hang\n", client_name, ev->device,
		       (unsigned long long)ev->seq);
		while (!stop && !take_signal())
			;
		d->hang = false;
		if (stop)
			return INTX_NONE;
	}
	if (slow_ms) {
		struct timespec ts = { slow_ms / 1000, (long)(slow_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	mine = simdev_asserting(&d->sim); /* "was it you?": Status bit 3 */
	if (mine) {
		if (!d->stuck)
			simdev_lower(&d->sim); /* acknowledge the device itself */
		d->handled++;
	} else {
		d->none++;
	}
	printf("%s %s %llu %s\n", client_name, ev->device,
	       (unsigned long long)ev->seq, mine ? "handled" : "none");
	return mine ? INTX_HANDLED : INTX_NONE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "stuck", required_argument, NULL, 'S' },
		{ "hang", required_argument, NULL, 'H' },
		{ "slow", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *stuck = "", *hang = "";
	const char *sock = NULL, *want = NULL;
	unsigned long count = 0, total = 0, none = 0;
	sigset_t sigs;
	struct intx_client *c;
	struct dev *devs;
	int o, i, n, r;

	while ((o = getopt_long(argc, argv, "s:c:n:", opts, NULL)) != -1) {
		if (o == 'S')
			stuck = optarg;
		else if (o == 'H')
			hang = optarg;
		else if (o == 'w')
			slow_ms = (unsigned)strtoul(optarg, NULL, 0);
		else if (o == 's')
			sock = optarg;
		else if (o == 'c')
			want = optarg;
		else if (o == 'n')
			count = strtoul(optarg, NULL, 0);
		else
			return 2;
	}
	n = argc - optind;
	if (n <= 0) {
		fprintf(stderr, "usage: intx-example-driver [--socket PATH] [--client NAME] "
				"[--count N] DEV=DIR...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		perror("intx-example-driver: signalfd");
		return 1;
	}

	c = intx_open(sock, want);
	if (!c) {
		fprintf(stderr, "intx-example-driver: connect: %s\n", intx_strerror(errno));
		return 1;
	}
	client_name = intx_client_name(c);
	devs = calloc((size_t)n, sizeof(*devs));
	if (!devs)
		return 1;
	for (i = 0; i < n; i++) {
		char *arg = argv[optind + i], *eq = strchr(arg, '=');

		if (!eq) {
			fprintf(stderr, "intx-example-driver: expected DEV=DIR, got '%s'\n", arg);
			return 2;
		}
		*eq = 0;
		devs[i].name = arg;
		devs[i].stuck = strcmp(arg, stuck) == 0;
		devs[i].hang = strcmp(arg, hang) == 0;
		r = simdev_open(&devs[i].sim, eq + 1);
		if (r < 0) {
			fprintf(stderr, "intx-example-driver: %s: %s\n", eq + 1, strerror(-r));
			return 1;
		}
		r = intx_subscribe(c, arg, handler, &devs[i]);
		if (r < 0) {
			fprintf(stderr, "intx-example-driver: subscribe %s: %s\n", arg,
				intx_strerror(r));
			return 1;
		}
	}
	printf("ready\n");

	/* The caller's own loop, as an application with other fds would have:
	 * intx_fd() beside a signalfd; intx_dispatch(c, 0) when it is readable.
	 * While intxd is away (restarting) intx_fd() is negative: retry often. */
	while (!stop && (!count || total < count)) {
		struct pollfd p[2] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = intx_fd(c), .events = POLLIN },
		};

		if (poll(p, 2, p[1].fd < 0 ? 50 : -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			(void)take_signal();
		if (stop)
			break;
		if (p[1].fd >= 0 && !p[1].revents)
			continue;
		r = intx_dispatch(c, 0);
		if (r == -ENODEV) {
			/* a device was taken away (a reload, or a restart that
			 * no longer has it): say so, and serve the others */
			printf("lost: %s\n", intx_last_error(c));
			fflush(stdout);
			continue;
		}
		if (r < 0 && r != -ENOTCONN) {
			fprintf(stderr, "intx-example-driver: %s\n", intx_strerror(r));
			break;
		}
		for (total = 0, none = 0, i = 0; i < n; i++) {
			total += devs[i].handled;
			none += devs[i].none;
		}
	}
	printf("summary %s handled=%lu none=%lu\n", client_name, total, none);
	for (i = 0; i < n; i++)
		simdev_close(&devs[i].sim);
	free(devs);
	intx_close(c);
	return 0;
}
