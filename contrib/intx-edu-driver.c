/* SPDX-License-Identifier: MIT */
/*
 * intx-edu-driver - a userspace driver for QEMU's edu device, written
 * against libintx: the handler asks its device "was it you?" (edu register
 * 0x24, the pending interrupt bits) and, if so, acknowledges the device
 * (writes the bits to 0x64, which lowers its INTx) and claims the interrupt.
 *
 *   intx-edu-driver [--socket PATH] [--client NAME] [--count N] [--late]
 *                   [--quiet] [--bench N [--source self|fact] [--spin US]] DEV=BDF...
 *   intx-edu-driver --direct uio|vfio --bench N [--source self|fact] [--spin US]
 *                   [--quiet] BDF
 *   intx-edu-driver --relay uio|vfio [--relay-cpu CPU] --bench N
 *                   [--source self|fact] [--spin US] [--quiet] BDF
 *
 * BAR0 is reached through the device fd intxd passes with the subscription
 * when the device is a vfio one (intx_device_fd(): VFIO_DEVICE_GET_REGION_INFO,
 * mmap), else through /sys/bus/pci/devices/BDF/resource0 (uio_pci_generic).
 *
 * --late: a driver that acknowledges intxd before its device.  The first
 * call claims the interrupt without touching the device; intxd unmasks it,
 * the device still asserts (level) and interrupts again; the second call
 * acknowledges the device.
 *
 * --bench N: the driver interrupts itself, one interrupt in flight: it
 * raises (edu 0x60), waits for its handler, raises again; after 100 not
 * counted (warm-up), N counted, it prints "bench interrupts=N seconds=S
 * rate=R/s p50=Xus p99=Yus csw=C cpu=U" (latency: the raise to the
 * handler's first instruction; C: the driver's context switches per
 * interrupt, U: its CPU time per interrupt, us, user + system; both
 * over the counted run, from the first counted raise to the last handler)
 * and exits.  Every path waits without a time-out (intxd's, direct,
 * relay: a timed wait arms a kernel timer around each sleep, which under
 * TCG costs more than a direct driver's cycle); a 1 s watchdog timer ends
 * a run that saw no interrupt for 2 s.  One device only.
 *
 * --source self (default): the raise is edu's "raise interrupt" register,
 * which QEMU asserts inside the driver's MMIO write: the interrupt is there
 * before the driver's next instruction, so a direct driver never sleeps.
 * --source fact: the raise is a factorial (edu 0x08, with "interrupt when
 * done" set in status 0x20), which edu computes in a thread of its own and
 * signals from there, as a real device signals when its work is done: the
 * driver may have to sleep for it, direct or not.
 *
 * --spin US: spin-before-block for up to US microseconds - intx_set_spin()
 * through intxd; with --direct, polling the interrupt fd without blocking
 * for up to US before blocking.
 *
 * --direct uio|vfio: no broker, for comparison (tests/vm/check-vm-bench.sh):
 * the driver opens the device's interrupt itself (contrib/intx-direct.h:
 * /dev/uioN and Command bit 10 through sysfs config, or the VFIO INTx
 * eventfd and VFIO_DEVICE_SET_IRQS), calls the same handler and unmasks
 * after it - what intxd does for it otherwise.
 *
 * --relay uio|vfio: the zero-logic broker, the floor any broker that
 * follows the spec's data path pays (contrib/intx-relay.h): the device is
 * opened as with --direct, but a relay child (on CPU CPU with --relay-cpu)
 * waits on its interrupt, notifies the driver through an eventfd, waits
 * for its ack on another and unmasks; the driver waits for the
 * notification (--spin: polling first), runs the same handler and acks.
 * The bench line then ends with "daemon-csw=X daemon-cpu=Y": the relay
 * child's context switches and CPU time (us) per counted interrupt (its
 * /proc/PID/status and schedstat), as intxd's in tests/vm/bench-guest.sh.
 *
 * Prints "ready" once subscribed and mapped, then one line per handler
 * call: "<client> <device> <seq> handled|none|deferred" (unless --quiet),
 * and "summary <client> handled=N none=N deferred=N" when it stops
 * (SIGTERM/SIGINT, or after --count claimed interrupts).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/vfio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <intx.h>

#include "intx-direct.h"
#include "intx-relay.h"

#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_STATUS_IRQFACT 0x80 /* interrupt when the factorial is done */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_MAP_SIZE 4096 /* the registers we use are in the first page */
#define BENCH_WARMUP 100

struct dev {
	const char *name;
	const char *bdf;
	volatile uint32_t *bar; /* BAR0, mapped */
	bool deferred;          /* --late: the device still owes its ack */
	unsigned long handled, none, deferrals;
};

static volatile sig_atomic_t stop;
static const char *client_name = "?";
static bool late, quiet;
static bool bench_fact;     /* --source fact: edu's own thread raises */
static unsigned bench_spin; /* --spin US */
/* --bench: when the last raise was written, the latencies (ns) so far */
static uint64_t bench_raised, bench_t0, *bench_lat;
static unsigned long bench_n, bench_seen, bench_raises;
/* context switches and CPU time (ns): [0] before the first counted raise,
 * [1] after the last handler; the relay child's (--relay) beside them */
static long bench_csw[2], bench_dcsw[2];
static uint64_t bench_t1, bench_cpu[2], bench_dcpu[2];
static struct relay *bench_relay; /* --relay: the child whose figures count */
static bool bench_dok = true;     /* its figures could be read */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The edu device allows 32-bit accesses only, below 0x80. */
static uint32_t rd(const struct dev *d, unsigned off)
{
	return d->bar[off / 4];
}

static void wr(const struct dev *d, unsigned off, uint32_t v)
{
	d->bar[off / 4] = v;
}

static int handler(const struct intx_event *ev, void *arg)
{
	struct dev *d = arg;
	uint64_t t = bench_lat ? now_ns() : 0; /* first: the latency's end */
	uint32_t pending = rd(d, EDU_IRQ_STATUS);
	const char *verdict;

	if (bench_lat && pending && bench_seen < BENCH_WARMUP + bench_n) {
		if (bench_seen >= BENCH_WARMUP)
			bench_lat[bench_seen - BENCH_WARMUP] = t - bench_raised;
		bench_seen++;
	}

	if (!pending) {
		d->none++;
		verdict = "none";
	} else if (late && !d->deferred) {
		/* Claimed, but the device is left asserting: it must come
		 * back once intxd unmasks it. */
		d->deferred = true;
		d->deferrals++;
		verdict = "deferred";
	} else {
		wr(d, EDU_IRQ_ACK, pending); /* acknowledge the device itself */
		d->deferred = false;
		d->handled++;
		verdict = "handled";
	}
	if (!quiet)
		printf("%s %s %llu %s\n", client_name, ev ? ev->device : d->name,
		       ev ? (unsigned long long)ev->seq : 0ull, verdict);
	return pending ? INTX_HANDLED : INTX_NONE;
}

/* BAR0 through the vfio device fd intxd gave us. */
static int map_vfio(struct dev *d, int fd)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_BAR0_REGION_INDEX };
	void *p;

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return -errno;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP) || ri.size < EDU_MAP_SIZE)
		return -ENOTSUP;
	p = mmap(NULL, EDU_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)ri.offset);
	if (p == MAP_FAILED)
		return -errno;
	d->bar = p;
	return 0;
}

/* BAR0 through sysfs (a uio device: nobody claimed the region). */
static int map_sysfs(struct dev *d)
{
	char path[128];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", d->bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, EDU_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	d->bar = p;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* This process's context switches so far, voluntary or not. */
static long csw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* This process's CPU time so far, user + system, ns. */
static uint64_t cpu_ns(void)
{
	struct rusage ru;
	struct timeval t;

	getrusage(RUSAGE_SELF, &ru);
	timeradd(&ru.ru_utime, &ru.ru_stime, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_usec * 1000u;
}

/* The counters at the first counted raise (0) or after the last handler
 * (1); read before the clock at 0 and after it at 1, so the reads are out
 * of the run's time. */
static void bench_sample(int i)
{
	bench_csw[i] = csw();
	bench_cpu[i] = cpu_ns();
	if (bench_relay && relay_stats(bench_relay, &bench_dcsw[i], &bench_dcpu[i]) < 0)
		bench_dok = false;
}

/* The run is over (or stopped): the end of its time and counters. */
static void bench_end(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &off, NULL);
	bench_t1 = now_ns();
	bench_sample(1);
}

/* The bench's watchdog: no interrupt for two ticks of a 1 s timer, and
 * the run is lost (a driver waiting without a time-out would wait for
 * ever).  The waits of every path have no time-out instead of each its
 * own (a timed poll() arms a timer around each sleep, which costs more
 * under TCG than a direct driver's whole cycle): a run compares the
 * paths, not their time-outs. */
static void on_bench_alarm(int sig)
{
	static const char msg[] = "intx-edu-driver: bench: no interrupt in 2 s\n";
	static unsigned long last = (unsigned long)-1;
	static int idle;
	unsigned long seen = *(volatile unsigned long *)&bench_seen;

	(void)sig;
	idle = seen == last ? idle + 1 : 0;
	last = seen;
	if (idle >= 2) {
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(1);
		_exit(1);
	}
}

static void bench_watch(void)
{
	struct sigaction sa = { .sa_handler = on_bench_alarm, .sa_flags = SA_RESTART };
	struct itimerval every = { { 1, 0 }, { 1, 0 } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
}

/* Raise the next interrupt, unless the run is over: 1 raised, 0 done. */
static int bench_raise(struct dev *d)
{
	bool first = bench_seen == BENCH_WARMUP && !bench_t0;

	if (bench_seen >= BENCH_WARMUP + bench_n || stop)
		return 0;
	bench_raises++;
	if (first)
		bench_sample(0);
	bench_raised = now_ns();
	if (first)
		bench_t0 = bench_raised; /* the first counted raise */
	/* 1! is done at once; edu ignores 0x08 while computing, but by the
	 * handler it has finished (it clears "computing" before raising) */
	wr(d, bench_fact ? EDU_FACTORIAL : EDU_IRQ_RAISE, 1);
	return 1;
}

/* --source fact: edu raises when a factorial is done (or stops). */
static void bench_source(struct dev *d, bool on)
{
	if (bench_fact)
		wr(d, EDU_STATUS, on ? EDU_STATUS_IRQFACT : 0);
}

static int bench_report(void)
{
	double secs = (double)(bench_t1 - bench_t0) / 1e9;
	long sw = bench_csw[1] - bench_csw[0];
	uint64_t cpu = bench_cpu[1] - bench_cpu[0];

	if (bench_seen < BENCH_WARMUP + bench_n) {
		fprintf(stderr, "intx-edu-driver: bench: stopped after %lu interrupts\n",
			bench_seen);
		return 1;
	}
	qsort(bench_lat, bench_n, sizeof(*bench_lat), cmp_u64);
	printf("bench interrupts=%lu seconds=%.3f rate=%.0f/s p50=%.1fus p99=%.1fus csw=%.2f "
	       "cpu=%.1f",
	       bench_n, secs, (double)bench_n / secs, bench_lat[bench_n / 2] / 1e3,
	       bench_lat[bench_n * 99 / 100] / 1e3, (double)sw / (double)bench_n,
	       (double)cpu / 1e3 / (double)bench_n);
	if (bench_relay && bench_dok)
		printf(" daemon-csw=%.2f daemon-cpu=%.1f",
		       (double)(bench_dcsw[1] - bench_dcsw[0]) / (double)bench_n,
		       (double)(bench_dcpu[1] - bench_dcpu[0]) / 1e3 / (double)bench_n);
	printf("\n");
	if (bench_relay && !bench_dok) {
		fprintf(stderr, "intx-edu-driver: bench: the relay's /proc figures: unreadable\n");
		return 1;
	}
	return 0;
}

/* --direct: the device's interrupt without intxd; with relay (--relay), a
 * relay child waits on it and unmasks, the zero-logic broker
 * (intx-relay.h) on relay_cpu (-1: anywhere). */
static int run_direct(const char *kind, const char *bdf, bool relay, int relay_cpu)
{
	struct dev d = { .name = relay ? "relay" : "direct", .bdf = bdf };
	struct relay rl = { .pid = -1, .notify = -1, .ack = -1 };
	struct direct dd;
	int r;

	r = direct_open(&dd, strcmp(kind, "vfio") == 0 ? DIRECT_VFIO : DIRECT_UIO, bdf);
	if (r < 0) {
		fprintf(stderr, "intx-edu-driver: --%s %s %s: %s\n", d.name, kind, bdf,
			strerror(-r));
		return 1;
	}
	r = dd.kind == DIRECT_VFIO ? map_vfio(&d, dd.dev_fd) : map_sysfs(&d);
	if (r < 0) {
		fprintf(stderr, "intx-edu-driver: %s: mapping BAR0: %s\n", bdf, strerror(-r));
		return 1;
	}
	bench_source(&d, true);
	if (relay) {
		r = relay_start(&rl, &dd, relay_cpu, bench_spin > 0);
		if (r < 0) {
			fprintf(stderr, "intx-edu-driver: --relay: %s\n", strerror(-r));
			return 1;
		}
		bench_relay = &rl;
	}
	printf("ready\n");
	bench_watch();
	for (r = bench_raise(&d); r > 0; ) {
		uint64_t until = now_ns() + (uint64_t)bench_spin * 1000u;

		if (relay) {
			/* blocks: the child's death (SIGCHLD) or a signal ends it */
			r = relay_wait(&rl, bench_spin);
			r = r < 0 ? r : 1;
		} else {
			/* --spin: poll without sleeping first, as libintx does */
			do
				r = direct_wait(&dd, 0);
			while (r == 0 && bench_spin && now_ns() < until);
			if (r == 0)
				r = direct_wait(&dd, -1);
		}
		if (r < 0 && r != -EINTR)
			break;
		if (r < 0)
			continue;
		(void)handler(NULL, &d);
		r = relay ? relay_ack(&rl) : direct_unmask(&dd);
		if (r < 0) {
			fprintf(stderr, "intx-edu-driver: %s: %s\n", relay ? "ack" : "unmask",
				strerror(-r));
			break;
		}
		r = bench_raise(&d);
	}
	bench_end();
	relay_stop(&rl, &dd);
	bench_source(&d, false);
	munmap((void *)d.bar, EDU_MAP_SIZE);
	direct_close(&dd);
	return bench_report();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "late", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "bench", required_argument, NULL, 'b' },
		{ "direct", required_argument, NULL, 'd' },
		{ "relay", required_argument, NULL, 'r' },
		{ "relay-cpu", required_argument, NULL, 'C' },
		{ "source", required_argument, NULL, 'S' },
		{ "spin", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *want = NULL, *direct = NULL;
	bool relay = false;
	int relay_cpu = -1;
	unsigned long count = 0, total = 0, none = 0, deferrals = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	struct intx_client *c;
	struct dev *devs;
	int o, i, n, r;

	while ((o = getopt_long(argc, argv, "s:c:n:lqb:d:r:C:S:p:", opts, NULL)) != -1) {
		if (o == 's')
			sock = optarg;
		else if (o == 'c')
			want = optarg;
		else if (o == 'n')
			count = strtoul(optarg, NULL, 0);
		else if (o == 'l')
			late = true;
		else if (o == 'q')
			quiet = true;
		else if (o == 'b')
			bench_n = strtoul(optarg, NULL, 0);
		else if (o == 'd' || o == 'r') {
			direct = optarg;
			relay = o == 'r';
		} else if (o == 'C')
			relay_cpu = atoi(optarg);
		else if (o == 'S' && (!strcmp(optarg, "self") || !strcmp(optarg, "fact")))
			bench_fact = !strcmp(optarg, "fact");
		else if (o == 'p')
			bench_spin = (unsigned)strtoul(optarg, NULL, 0);
		else
			return 2;
	}
	n = argc - optind;
	if (n <= 0 || (direct && (n != 1 || !bench_n ||
				  (strcmp(direct, "uio") && strcmp(direct, "vfio")))) ||
	    (bench_n && n != 1) || bench_spin > INTX_SPIN_MAX_US ||
	    (relay_cpu >= 0 && !relay)) {
		fprintf(stderr, "usage: intx-edu-driver [--socket PATH] [--client NAME] "
				"[--count N] [--late] [--quiet]\n"
				"         [--bench N [--source self|fact] [--spin US]] DEV=BDF...\n"
				"       intx-edu-driver --direct uio|vfio --bench N "
				"[--source self|fact] [--spin US] [--quiet] BDF\n"
				"       intx-edu-driver --relay uio|vfio [--relay-cpu CPU] "
				"--bench N [--source self|fact]\n"
				"                       [--spin US] [--quiet] BDF\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* no SA_RESTART: a signal ends the wait in intx_dispatch() at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* --relay: the relay child's death ends the wait for it */
	if (relay)
		sigaction(SIGCHLD, &sa, NULL);
	if (bench_n) {
		bench_lat = calloc(bench_n, sizeof(*bench_lat));
		if (!bench_lat)
			return 1;
	}
	if (direct)
		return run_direct(direct, argv[optind], relay, relay_cpu);

	c = intx_open(sock, want);
	if (!c) {
		fprintf(stderr, "intx-edu-driver: connect: %s\n", intx_strerror(errno));
		return 1;
	}
	client_name = intx_client_name(c);
	r = intx_set_spin(c, bench_spin);
	if (r < 0) {
		fprintf(stderr, "intx-edu-driver: --spin: %s\n", intx_strerror(r));
		return 1;
	}
	devs = calloc((size_t)n, sizeof(*devs));
	if (!devs)
		return 1;
	for (i = 0; i < n; i++) {
		char *arg = argv[optind + i], *eq = strchr(arg, '=');
		int fd;

		if (!eq) {
			fprintf(stderr, "intx-edu-driver: expected DEV=BDF, got '%s'\n", arg);
			return 2;
		}
		*eq = 0;
		devs[i].name = arg;
		devs[i].bdf = eq + 1;
		/* Subscribe first: a vfio device's fd comes with it.  An
		 * interrupt pending from before waits in the queue until
		 * intx_dispatch(), by when the device is mapped. */
		r = intx_subscribe(c, arg, handler, &devs[i]);
		if (r < 0) {
			fprintf(stderr, "intx-edu-driver: subscribe %s: %s\n", arg,
				intx_strerror(r));
			return 1;
		}
		fd = intx_device_fd(c, arg);
		r = fd >= 0 ? map_vfio(&devs[i], fd) : map_sysfs(&devs[i]);
		if (r < 0) {
			fprintf(stderr, "intx-edu-driver: %s: mapping BAR0 %s: %s\n", arg,
				fd >= 0 ? "through vfio" : "through sysfs", strerror(-r));
			return 1;
		}
	}
	if (bench_n)
		bench_source(&devs[0], true);
	printf("ready\n");
	if (bench_n)
		bench_watch();

	while (!stop && (!count || total < count)) {
		if (bench_n && devs[0].handled == bench_raises) {
			/* the handler ran (and libintx acknowledged it): the
			 * next one; intxd unmasks meanwhile */
			if (!bench_raise(&devs[0]))
				break;
		} else if (bench_n && now_ns() - bench_raised > 2000000000u) {
			fprintf(stderr, "intx-edu-driver: bench: no interrupt in 2 s\n");
			break;
		}
		/* bounded: a signal that lands between the test of stop and
		 * the wait is seen within 100 ms instead of never (--bench:
		 * unbounded, its watchdog ends a lost run, as on the direct
		 * path) */
		r = intx_dispatch(c, bench_n ? -1 : 100);
		/* -ENOTCONN: intxd is away (restarting); the next call
		 * reconnects and resubscribes */
		if (r < 0 && r != -EINTR && r != -ENOTCONN) {
			fprintf(stderr, "intx-edu-driver: %s\n", intx_strerror(r));
			break;
		}
		for (total = 0, none = 0, deferrals = 0, i = 0; i < n; i++) {
			total += devs[i].handled;
			none += devs[i].none;
			deferrals += devs[i].deferrals;
		}
	}
	if (bench_n)
		bench_end();
	printf("summary %s handled=%lu none=%lu deferred=%lu\n", client_name, total,
	       none, deferrals);
	if (bench_n)
		bench_source(&devs[0], false);
	if (bench_n && bench_report())
		return 1;
	for (i = 0; i < n; i++)
		munmap((void *)devs[i].bar, EDU_MAP_SIZE);
	free(devs);
	intx_close(c);
	return 0;
}
