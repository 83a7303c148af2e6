/* SPDX-License-Identifier: MIT */
/*
 * bench-client - the client side of the benchmark: a libintx driver for
 * sim devices whose handler does what a real one does (read its device's
 * Status, acknowledge the device when it asserts) and stamps the handler's
 * start time into the shared page.
 *
 *   bench-client --socket PATH --simdir DIR --shm FD --done FD --ready FD
 *                CLIENT:DEV=IDX[,DEV=IDX...]...
 *
 * Each CLIENT:... argument is one connection (one intxd session) admitted
 * as CLIENT and subscribed to the listed devices (DIR/DEV); IDX is the
 * device's slot in the shared page.  After each intx_dispatch() in which
 * handlers claimed interrupts it adds their number to the done eventfd
 * (the owner's signal only: the driver then waits for intxd's unmask,
 * which follows the last ack).  SIGTERM ends it.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/pci_regs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <intx.h>

#include "bench.h"
#include "simdev.h"

struct dev {
	struct simdev sim;
	unsigned idx;
};

static struct bench_shm *shm;
static uint64_t nhandled; /* handlers that found their device asserting */

static int handler(const struct intx_event *ev, void *arg)
{
	uint64_t t = bench_now();
	struct dev *d = arg;
	uint8_t b[2];

	(void)ev;
	shm->t_handler[d->idx] = t;
	shm->calls[d->idx]++;
	/* "Was it you?": the device's Status, bit 3. */
	if (pread(d->sim.cfg_fd, b, 2, PCI_STATUS) != 2 ||
	    !(b[0] & PCI_STATUS_INTERRUPT))
		return INTX_NONE;
	simdev_lower(&d->sim); /* acknowledge the device itself */
	shm->handled[d->idx]++;
	nhandled++;
	shm->t_handler_end[d->idx] = bench_now();
	return INTX_HANDLED;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-client: %s: %s\n", what, intx_strerror(err));
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "simdir", required_argument, NULL, 'd' },
		{ "shm", required_argument, NULL, 'm' },
		{ "done", required_argument, NULL, 'e' },
		{ "ready", required_argument, NULL, 'r' },
		{ "spin", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *simdir = ".";
	int shm_fd = -1, done_fd = -1, ready_fd = -1, o, i, n;
	unsigned spin = 0;
	struct intx_client **conns;
	struct pollfd *pfd;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'd': simdir = optarg; break;
		case 'm': shm_fd = atoi(optarg); break;
		case 'e': done_fd = atoi(optarg); break;
		case 'r': ready_fd = atoi(optarg); break;
		case 'p': spin = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	n = argc - optind;
	if (n <= 0 || shm_fd < 0 || done_fd < 0) {
		fprintf(stderr, "usage: bench-client --socket PATH --simdir DIR --shm FD "
				"--done FD [--ready FD] [--spin US] CLIENT:DEV=IDX[,...]...\n");
		return 2;
	}
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		die("mmap", errno);
	conns = calloc((size_t)n, sizeof(*conns));
	pfd = calloc((size_t)n, sizeof(*pfd));
	if (!conns || !pfd)
		die("calloc", ENOMEM);
	for (i = 0; i < n; i++) {
		char *spec = strdup(argv[optind + i]), *colon, *tok, *save = NULL;

		colon = spec ? strchr(spec, ':') : NULL;
		if (!colon)
			die("bad connection spec", EINVAL);
		*colon = 0;
		conns[i] = intx_open(sock, spec);
		if (!conns[i])
			die("intx_open", errno);
		if (spin && (o = intx_set_spin(conns[i], spin)) < 0)
			die("intx_set_spin", -o);
		for (tok = strtok_r(colon + 1, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '='), path[512];
			struct dev *d = calloc(1, sizeof(*d));
			int r;

			if (!eq || !d)
				die("bad device spec", EINVAL);
			*eq = 0;
			d->idx = (unsigned)atoi(eq + 1);
			if (d->idx >= BENCH_DEVS)
				die("device index", ERANGE);
			snprintf(path, sizeof(path), "%s/%s", simdir, tok);
			r = simdev_open(&d->sim, path);
			if (r < 0)
				die(path, -r);
			r = intx_subscribe(conns[i], tok, handler, d);
			if (r < 0)
				die(tok, r);
		}
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			die("ready", errno);
		close(ready_fd);
	}
	for (;;) {
		uint64_t before = nhandled, ran;
		int r;

		if (n == 1) {
			r = intx_dispatch(conns[0], -1);
			if (r < 0 && r != -EINTR)
				die("intx_dispatch", r);
		} else {
			for (i = 0; i < n; i++)
				pfd[i] = (struct pollfd){ .fd = intx_fd(conns[i]),
							  .events = POLLIN };
			if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
				die("poll", errno);
			for (i = 0; i < n; i++) {
				if (!pfd[i].revents)
					continue;
				r = intx_dispatch(conns[i], 0);
				if (r < 0 && r != -EINTR)
					die("intx_dispatch", r);
			}
		}
		ran = nhandled - before;
		if (ran && write(done_fd, &ran, sizeof(ran)) != sizeof(ran))
			die("done", errno);
	}
}
