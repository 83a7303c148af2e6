/* SPDX-License-Identifier: MIT */
/*
 * intx-example-driver - a userspace driver for sim devices, written against
 * libintx the way a real one would be: one handler per device that asks its
 * device "was it you?" (Status bit 3) and, if so, acknowledges the device
 * (intx-sim's lower) and claims the interrupt.
 *
 *   intx-example-driver [--socket PATH] [--client NAME] [--count N] DEV=DIR...
 *
 * Prints "ready" once subscribed, then one line per handler call:
 * "<client> <device> <seq> handled|none", and a summary when it stops
 * (SIGTERM/SIGINT, or after --count claimed interrupts).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intx.h>

#include "simdev.h"

struct dev {
	const char *name;
	struct simdev sim;
	unsigned long handled, none;
};

static volatile sig_atomic_t stop;
static const char *client_name = "?";

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int handler(const struct intx_event *ev, void *arg)
{
	struct dev *d = arg;
	struct simdev_state st;
	int mine;

	mine = simdev_state(&d->sim, &st) == 0 && st.asserting;
	if (mine) {
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
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *want = NULL;
	unsigned long count = 0, total = 0, none = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	struct intx_client *c;
	struct dev *devs;
	int o, i, n, r;

	while ((o = getopt_long(argc, argv, "s:c:n:", opts, NULL)) != -1) {
		if (o == 's')
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
	/* no SA_RESTART: a signal ends the wait in intx_dispatch() */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

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

	while (!stop && (!count || total < count)) {
		r = intx_dispatch(c, -1);
		if (r < 0 && r != -EINTR) {
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
