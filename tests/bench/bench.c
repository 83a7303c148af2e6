/* SPDX-License-Identifier: MIT */
/*
 * bench - the intxd benchmark driver (make bench; see doc/performance.md).
 *
 * Everything is measured in one run, on this machine, by this process:
 *   floor    a direct eventfd ping-pong between two processes, and a minimal
 *            relay (source -> relay -> client over eventfds, ack back), both
 *            with nothing but eventfds and with the sim device's work
 *            (raise, drain, unmask, lower) on the same sides as in intxd;
 *            and that sim relay waiting on its two fds (DIR/irq, the ACK)
 *            at once, as a broker must: with epoll, and with io_uring when
 *            built with liburing (relay-mux.h);
 *   intxd    the real daemon (fork+exec on a temporary config) and real
 *            libintx clients (bench-client): raise from this process with
 *            simdev_raise(), the handler lowers the device, libintx acks;
 *   baseline the same in mode = broadcast, N clients sharing one line;
 *   scale    daemon CPU with 1 and 256 unrelated clients; peak RSS.
 * Latency is CLOCK_MONOTONIC from just before the raise (or the first
 * eventfd write) to the first instruction of the client's handler, passed
 * back through a shared page.  CPU time and wakeups per interrupt come from
 * /proc/PID/schedstat (the per-task runtime getrusage() is scaled to, and
 * the count of times the task was scheduled in) of every process involved,
 * before and after the measured loop.
 *
 *   bench [--out DIR] [--quick] [--reps N] [--busy-limit PCT] [--core]
 *         [--uring-ring-writes]
 * (the last: the io_uring floor writes its eventfds through the ring, the
 * slower way, relay-mux.h) needs INTXD and BENCH_CLIENT in the environment; writes DIR/bench.csv and
 * DIR/lat-*.dat (latency quantiles for the plot); prints the table.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "launch.h"
#include "probe.h"
#include "relay-mux.h"
#include "simdev.h"

#define MAXPROC 80
#define PLACE_FREE (-1)

/* Where each role runs: a CPU number or PLACE_FREE. */
struct place {
	const char *name;
	int source, relay, client;
};

static const struct place ONE_CPU = { "1cpu", 0, 0, 0 };
static const struct place CROSS = { "cross", 0, 1, 0 };
static const struct place FREE = { "free", PLACE_FREE, PLACE_FREE, PLACE_FREE };
/* intxd left unpinned by the bench: its own cpu = places it (issue 11) */
static const struct place CONF = { "conf", 0, PLACE_FREE, 0 };

struct result {
	char name[64];
	const char *place;
	unsigned n;          /* clients (or devices) in the scenario */
	uint32_t *lat;       /* ns */
	size_t nlat;
	uint64_t ints;       /* interrupts measured */
	uint64_t elapsed_ns;
	uint64_t cpu_ns;     /* every process but the raising one */
	uint64_t daemon_ns;  /* intxd (or the relay) alone */
	uint64_t wakeups;    /* times client processes were scheduled in */
	uint64_t rss_kib;    /* daemon peak RSS */
	uint64_t dmn_cs, cli_cs; /* context switches (voluntary + not) */
	double p50, p99, p999;
	bool ok;
	char note[96];       /* why a floor did not run (e.g. no io_uring) */
	bool busy;           /* other work on the machine during the run */
	double foreign;      /* CPUs' worth of other processes' time, in % of one */
	double steal;        /* steal time, % of one CPU */
	double niced;        /* niced processes' time (others'), % of one CPU */
	double sys_dmn, sys_cli; /* syscalls per interrupt (strace -c), or < 0 */
	char sys_list[2][256];   /* the daemon's and the clients' syscalls */
	uint32_t *hopd[BHOP_N];  /* per-hop ns (traced runs): hop k = k-1 -> k */
	size_t nhop;
};

static const char *intxd_path, *client_path, *out_dir;
static char work[64];
static struct bench_shm *shm;
static int shm_fd, done_fd;
static FILE *csv;
static unsigned scale = 1; /* --quick divides iterations by 4 */
static volatile uint64_t *hops; /* enum bench_hop slots, shared page */
static int hop_fd;
static bool tracing;            /* this run marks hops */
static bool counting;           /* this run counts syscalls with strace */
static double busy_limit = 10;  /* % of one CPU of others' time: busy */
static bool uring_ring_writes;  /* --uring-ring-writes: relay-mux.h */

static inline void hop(enum bench_hop h)
{
	if (tracing)
		hops[h] = bench_now();
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	if (cpu == PLACE_FREE) {
		for (i = 0; i < CPU_SETSIZE && i < 1024; i++)
			CPU_SET(i, &set);
	} else {
		CPU_SET(cpu, &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set) < 0 && cpu != PLACE_FREE)
		die("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

static void probe_end(struct result *r, const struct probe *p, const pid_t *pids,
		      unsigned n)
{
	r->busy = probe_busy(p, pids, n, busy_limit, &r->foreign, &r->niced, &r->steal);
}

/*
 * Count a process's system calls with strace -c over part of a run:
 * start attaches and waits until the kernel says it is traced.
 */
static pid_t strace_start(pid_t pid, const char *file)
{
	char ps[16];
	pid_t sp;
	int waited;

	snprintf(ps, sizeof(ps), "%d", (int)pid);
	sp = fork();
	if (sp < 0)
		die("fork: %s", strerror(errno));
	if (sp == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp("strace", "strace", "-c", "-q", "-o", file, "-p", ps, (char *)NULL);
		_exit(127);
	}
	for (waited = 0; waited < 10000; waited++) {
		struct timespec ts = { 0, 1000000 };

		if (proc_status(pid, "TracerPid: %llu") == (uint64_t)sp)
			return sp;
		/* strace gives no other sign that it has attached */
		nanosleep(&ts, NULL);
	}
	die("strace did not attach to %d (is strace installed?)", (int)pid);
	return -1;
}

/* Stop it; calls per interrupt, and the list of the frequent ones. */
static double strace_stop(pid_t sp, const char *file, uint64_t ints, char *list,
			  size_t len)
{
	char line[256], name[64];
	double total = -1, secs, usecs;
	unsigned long long calls;
	float pct;
	FILE *f;
	int st;

	kill(sp, SIGINT);
	waitpid(sp, &st, 0);
	list[0] = 0;
	f = fopen(file, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *c = line;
		int n = 0;

		/* "% time seconds usecs/call calls [errors] syscall" */
		if (sscanf(line, "%f %lf %lf %llu%n", &pct, &secs, &usecs, &calls, &n) != 4)
			continue;
		c += n;
		while (*c == ' ' || (*c >= '0' && *c <= '9'))
			c++;
		if (sscanf(c, "%63s", name) != 1)
			continue;
		if (!strcmp(name, "total")) {
			total = (double)calls / (double)ints;
			continue;
		}
		if ((double)calls / (double)ints >= 0.01) {
			size_t l = strlen(list);

			snprintf(list + l, len - l, "%s%s %.2f", l ? ", " : "", name,
				 (double)calls / (double)ints);
		}
	}
	fclose(f);
	return total;
}

static void hops_alloc(struct result *r, size_t cap)
{
	int k;

	for (k = 1; k < BHOP_N; k++) {
		r->hopd[k] = calloc(cap ? cap : 1, sizeof(uint32_t));
		if (!r->hopd[k])
			die("out of memory");
	}
}

/* One traced interrupt's hops, if every one was marked. */
static void hops_sample(struct result *r, uint64_t raise)
{
	uint64_t t[BHOP_N];
	int k;

	t[BHOP_RAISE] = raise;
	t[BHOP_HANDLER] = shm->t_handler[0];
	t[BHOP_HANDLER_END] = shm->t_handler_end[0];
	t[BHOP_WAKE] = hops[BHOP_WAKE];
	t[BHOP_NOTIFIED] = hops[BHOP_NOTIFIED];
	t[BHOP_ACK_READ] = hops[BHOP_ACK_READ];
	t[BHOP_UNMASKED] = hops[BHOP_UNMASKED];
	for (k = 1; k < BHOP_N; k++)
		if (t[k] < t[k - 1] || t[k] - t[k - 1] > UINT32_MAX)
			return;
	for (k = 1; k < BHOP_N; k++)
		r->hopd[k][r->nhop] = (uint32_t)(t[k] - t[k - 1]);
	r->nhop++;
}

static void hops_clear(void)
{
	int k;

	for (k = 0; k < BHOP_N; k++)
		hops[k] = 0;
	shm->t_handler[0] = shm->t_handler_end[0] = 0;
}

static void efd_write(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		_exit(1);
}

static uint64_t efd_read(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		_exit(1);
	return v;
}

/* The spinning floor's read (issue 11): a non-blocking eventfd read for
 * up to us microseconds, then a blocking wait in poll(). */
static uint64_t efd_read_spin(int fd, unsigned us)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v, until = bench_now() + (uint64_t)us * 1000;

	for (;;) {
		if (read(fd, &v, sizeof(v)) == sizeof(v))
			return v;
		if (errno != EAGAIN)
			_exit(1);
		if (bench_now() >= until && poll(&p, 1, -1) < 0 && errno != EINTR)
			_exit(1);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double quantile(const uint32_t *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return n ? v[i] / 1000.0 : 0;
}

static void result_init(struct result *r, const char *name, const char *place,
			unsigned n, size_t cap)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->place = place;
	r->n = n;
	r->sys_dmn = r->sys_cli = -1;
	r->lat = calloc(cap ? cap : 1, sizeof(*r->lat));
	if (!r->lat)
		die("out of memory");
}

static void sample(struct result *r, uint64_t from, uint64_t to)
{
	uint64_t d = to > from ? to - from : 0;

	r->lat[r->nlat++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Sort, take percentiles, write the quantile file for the plot. */
static void result_finish(struct result *r, const char *plot_name)
{
	qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_u32);
	r->p50 = quantile(r->lat, r->nlat, 0.50);
	r->p99 = quantile(r->lat, r->nlat, 0.99);
	r->p999 = quantile(r->lat, r->nlat, 0.999);
	r->ok = r->nlat > 0;
	if (plot_name && r->nlat) {
		char path[512];
		FILE *f;
		int i;

		snprintf(path, sizeof(path), "%s/lat-%s.dat", out_dir, plot_name);
		f = fopen(path, "w");
		if (!f)
			die("%s: %s", path, strerror(errno));
		for (i = 0; i <= 1000; i++)
			fprintf(f, "%.4f %.3f\n", quantile(r->lat, r->nlat, i / 1000.0),
				i / 1000.0);
		fclose(f);
	}
	fprintf(csv, "%s,%s,%u,%zu,%.2f,%.2f,%.2f,%.0f,%.2f,%.2f,%.2f,%llu\n",
		r->name, r->place, r->n, r->nlat, r->p50, r->p99, r->p999,
		r->elapsed_ns ? r->ints * 1e9 / (double)r->elapsed_ns : 0,
		r->ints ? r->cpu_ns / 1000.0 / (double)r->ints : 0,
		r->ints ? r->daemon_ns / 1000.0 / (double)r->ints : 0,
		r->ints ? (double)r->wakeups / (double)r->ints : 0,
		(unsigned long long)r->rss_kib);
	fflush(csv);
}

static pid_t fork_pinned(int cpu)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* a bench that dies must not leave intxd and clients behind
		 * holding run.sh's pipe open */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin(cpu);
	}
	return pid;
}

static void reap(pid_t *pids, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

/* --- the floor ---------------------------------------------------------- */

/* The first five are also the core scenarios' numbers (enum core_sc). */
enum floor_kind { PINGPONG, RELAY_EFD, RELAY_SIM, RELAY_SIM_EPOLL, RELAY_SIM_URING,
		  RELAY_EFD_SPIN };

static bool sim_floor(enum floor_kind k)
{
	return k == RELAY_SIM || k == RELAY_SIM_EPOLL || k == RELAY_SIM_URING;
}

/* Spin-before-block (issue 11): the spinning floor's bound, and intxd's
 * (spin-us = and bench-client --spin) in its spin rows. */
#define SPIN_US 100
static unsigned client_spin_us; /* bench-client --spin, while set */

/* relay-efd whose relay and client spin on non-blocking eventfds */
static void floor_relay_efd_spin(int e1, int e2, int e3, int e4)
{
	for (;;) {
		efd_read_spin(e1, SPIN_US);
		efd_write(e2);
		efd_read_spin(e3, SPIN_US);
		efd_write(e4);
	}
}

static void floor_relay_efd(int e1, int e2, int e3, int e4)
{
	for (;;) {
		efd_read(e1);
		efd_write(e2);
		efd_read(e3);
		efd_write(e4);
	}
}

/*
 * The relay with the sim device's work: it owns DIR/irq as intxd does,
 * drains and unmasks as backend-sim does, with no other logic.  The
 * multiplexing kinds wait for DIR/irq and e3 at once (relay-mux.h); when
 * one cannot be set up the parent reads 2 + errno from done_fd, not 1.
 */
static void floor_relay_sim(enum floor_kind kind, const char *dir, int e2, int e3, int e4)
{
	struct simdev sd;
	char buf[64];
	int fd, r;

	if (simdev_open(&sd, dir) < 0 || (fd = simdev_serve(&sd)) < 0)
		_exit(1);
	/* it blocks in read() itself, as a relay with one fd can */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		_exit(1);
	if (kind != RELAY_SIM) {
		const struct relay_mux m = { &sd, fd, e2, e3, e4, tracing ? hops : NULL,
					     done_fd, uring_ring_writes };

		r = kind == RELAY_SIM_EPOLL ? relay_mux_epoll(&m) : relay_mux_uring(&m);
		if (write(done_fd, &(uint64_t){ 2 + (uint64_t)-r }, 8) != 8)
			_exit(1);
		_exit(0);
	}
	if (write(done_fd, &(uint64_t){ 1 }, 8) != 8)
		_exit(1);
	for (;;) {
		if (read(fd, buf, sizeof(buf)) <= 0)
			_exit(1);
		hop(BHOP_WAKE);
		efd_write(e2);
		hop(BHOP_NOTIFIED);
		efd_read(e3);
		hop(BHOP_ACK_READ);
		simdev_unmask(&sd);
		hop(BHOP_UNMASKED);
		efd_write(e4);
	}
}

static void floor_client(int e2, int e3, const char *dir, unsigned spin)
{
	struct simdev own, *sd = NULL;
	uint8_t b[2];

	/* its own open file: flock() excludes per open file description */
	if (dir) {
		if (simdev_open(&own, dir) < 0)
			_exit(1);
		sd = &own;
	}

	for (;;) {
		if (spin)
			efd_read_spin(e2, spin);
		else
			efd_read(e2);
		shm->t_handler[0] = bench_now();
		if (sd && pread(sd->cfg_fd, b, 2, PCI_STATUS) == 2 &&
		    (b[0] & PCI_STATUS_INTERRUPT))
			simdev_lower(sd);
		shm->t_handler_end[0] = bench_now();
		efd_write(e3);
	}
}

static void run_floor(struct result *r, enum floor_kind kind,
		      const struct place *pl, unsigned iters)
{
	static const char *names[] = { "pingpong", "relay-efd", "relay-sim",
				       "relay-sim-epoll", "relay-sim-uring",
				       "relay-efd spin" };
	int e[5], i;
	pid_t pids[2] = { 0, 0 };
	uint64_t run0[2] = { 0, 0 }, cnt0[2] = { 0, 0 }, run1[2], cnt1[2], t0 = 0;
	unsigned warm = iters / 10;
	char dir[128], name[64], sf[2][256];
	struct simdev sd;
	uint64_t cs0[2] = { 0, 0 };
	pid_t sp[2] = { 0, 0 };
	struct probe pr = { 0 };
	uint64_t v;

	snprintf(name, sizeof(name), "floor %s", names[kind]);
	result_init(r, name, pl->name, 1, iters);
	for (i = 1; i <= 4; i++) {
		e[i] = eventfd(0, EFD_CLOEXEC | (kind == RELAY_EFD_SPIN ? EFD_NONBLOCK : 0));
		if (e[i] < 0)
			die("eventfd: %s", strerror(errno));
	}
	snprintf(dir, sizeof(dir), "%s/floor-sim", work);
	if (sim_floor(kind)) {
		if (simdev_create(dir, 10, 0x1af4, 0x1000) < 0 ||
		    simdev_open(&sd, dir) < 0)
			die("sim device %s", dir);
	}
	pin(pl->source);
	if (kind == PINGPONG) {
		/* B answers A: e1 there, e2 back. */
		pids[0] = fork_pinned(pl->relay);
		if (pids[0] == 0) {
			for (;;) {
				efd_read(e[1]);
				shm->t_handler[0] = bench_now();
				efd_write(e[2]);
			}
		}
	} else {
		pids[0] = fork_pinned(pl->relay);
		if (pids[0] == 0) {
			if (kind == RELAY_EFD)
				floor_relay_efd(e[1], e[2], e[3], e[4]);
			if (kind == RELAY_EFD_SPIN)
				floor_relay_efd_spin(e[1], e[2], e[3], e[4]);
			floor_relay_sim(kind, dir, e[2], e[3], e[4]);
		}
		/* the relay services DIR/irq, or says why it cannot */
		if (sim_floor(kind) && (v = efd_read(done_fd)) != 1) {
			if (kind == RELAY_SIM_URING && v - 2 == ENOSYS)
				snprintf(r->note, sizeof(r->note),
					 "not built (configure found no liburing)");
			else
				snprintf(r->note, sizeof(r->note), "%s: %s",
					 kind == RELAY_SIM_URING ? "kernel refused io_uring"
								 : "relay setup failed",
					 strerror((int)(v - 2)));
			reap(pids, 2);
			goto out;
		}
		pids[1] = fork_pinned(pl->client);
		if (pids[1] == 0)
			floor_client(e[2], e[3], sim_floor(kind) ? dir : NULL,
				     kind == RELAY_EFD_SPIN ? SPIN_US : 0);
	}
	if (tracing)
		hops_alloc(r, iters);
	for (i = 0; i < (int)(iters + warm); i++) {
		uint64_t t;

		if (i == (int)warm) {
			schedstat(pids[0], &run0[0], &cnt0[0]);
			schedstat(pids[1], &run0[1], &cnt0[1]);
			cnt0[0] = wakeups(pids[0]);
			cnt0[1] = pids[1] ? wakeups(pids[1]) : 0;
			cs0[0] = ctxsw(pids[0]);
			cs0[1] = pids[1] ? ctxsw(pids[1]) : 0;
			if (counting) {
				snprintf(sf[0], sizeof(sf[0]), "%s/strace-relay", work);
				snprintf(sf[1], sizeof(sf[1]), "%s/strace-client", work);
				sp[0] = strace_start(pids[0], sf[0]);
				if (pids[1])
					sp[1] = strace_start(pids[1], sf[1]);
			}
			probe_start(&pr, pids, 2);
			t0 = bench_now();
		}
		if (tracing)
			hops_clear();
		t = bench_now();
		if (sim_floor(kind))
			simdev_raise(&sd);
		else
			efd_write(e[1]);
		if (kind == RELAY_EFD_SPIN)
			efd_read_spin(e[4], 0); /* the source does not spin */
		else
			efd_read(kind == PINGPONG ? e[2] : e[4]);
		if (i >= (int)warm) {
			sample(r, t, shm->t_handler[0]);
			if (tracing)
				hops_sample(r, t);
		}
	}
	r->elapsed_ns = bench_now() - t0;
	r->ints = iters;
	probe_end(r, &pr, pids, 2);
	if (counting) {
		r->sys_dmn = strace_stop(sp[0], sf[0], iters, r->sys_list[0],
					 sizeof(r->sys_list[0]));
		if (pids[1])
			r->sys_cli = strace_stop(sp[1], sf[1], iters, r->sys_list[1],
						 sizeof(r->sys_list[1]));
	}
	schedstat(pids[0], &run1[0], &cnt1[0]);
	schedstat(pids[1], &run1[1], &cnt1[1]);
	cnt1[0] = wakeups(pids[0]);
	cnt1[1] = pids[1] ? wakeups(pids[1]) : 0;
	r->dmn_cs = ctxsw(pids[0]) - cs0[0];
	r->cli_cs = pids[1] ? ctxsw(pids[1]) - cs0[1] : 0;
	r->daemon_ns = run1[0] - run0[0];
	r->cpu_ns = r->daemon_ns + (pids[1] ? run1[1] - run0[1] : 0);
	r->wakeups = pids[1] ? cnt1[1] - cnt0[1] : cnt1[0] - cnt0[0];
	reap(pids, 2);
out:
	for (i = 1; i <= 4; i++)
		close(e[i]);
	if (sim_floor(kind))
		simdev_close(&sd);
	pin(PLACE_FREE);
}

/* --- intxd -------------------------------------------------------------- */

enum layout {
	ONE_CLIENT,     /* one process, one session subscribed to every device */
	CLIENT_PER_DEV, /* one process and one identity per device */
	SESSIONS_1PROC, /* one identity and session per device, one process */
};

struct ixcfg {
	const char *mode;
	unsigned ndev, nlines;
	enum layout layout;
	unsigned idle;    /* sessions of an unrelated client on another line */
	bool raise_all;   /* all devices at once; else one, rotating */
	bool rotate;      /* rotate the raised device (else always d0) */
	const char *cpu;  /* cpu = in [intxd] (issue 11), or NULL */
	unsigned spin_us; /* spin-us = in [intxd] */
};

struct ix {
	pid_t daemon;
	pid_t procs[MAXPROC];
	unsigned nprocs;
	struct simdev *sims;
	char dir[128], sock[160];
};

static void write_conf(const struct ixcfg *c, struct ix *x, const char *conf)
{
	FILE *f = fopen(conf, "w");
	unsigned i, j;

	if (!f)
		die("%s: %s", conf, strerror(errno));
	/* every client is uid 0: no per-uid session cap (256 of them) */
	fprintf(f, "[intxd]\nsocket = %s\nmode = %s\nstorm-limit = 100000000\n"
		   "ack-timeout-ms = 60000\nmax-sessions-per-uid = 0\n", x->sock, c->mode);
	if (c->cpu)
		fprintf(f, "cpu = %s\n", c->cpu);
	if (c->spin_us)
		fprintf(f, "spin-us = %u\n", c->spin_us);
	for (i = 0; i < c->ndev; i++)
		fprintf(f, "[device d%u]\nbackend = sim\npath = %s/d%u\nline = auto\n",
			i, x->dir, i);
	if (c->idle)
		fprintf(f, "[device idle]\nbackend = sim\npath = %s/idle\nline = auto\n"
			   "[client idle]\nuid = 0\ndevices = idle\n", x->dir);
	if (c->layout == ONE_CLIENT) {
		fprintf(f, "[client c0]\nuid = 0\ndevices = ");
		for (j = 0; j < c->ndev; j++)
			fprintf(f, "%sd%u", j ? ", " : "", j);
		fprintf(f, "\n");
	} else {
		for (i = 0; i < c->ndev; i++)
			fprintf(f, "[client c%u]\nuid = 0\ndevices = d%u\n", i, i);
	}
	if (fclose(f) != 0)
		die("%s: %s", conf, strerror(errno));
}

static void wait_ready(int nfd, pid_t pid)
{
	int r = bench_wait_ready(nfd, pid, 20000);

	if (r == -ECHILD)
		die("intxd exited before READY=1 (see %s/intxd.log)", work);
	if (r < 0)
		die("intxd did not send READY=1");
}

static void start_client(struct ix *x, int cpu, char **specs, unsigned nspecs)
{
	const struct bench_client bc = { client_path, x->sock, x->dir, shm_fd, done_fd,
					 client_spin_us };
	int r;

	if (x->nprocs == MAXPROC)
		die("too many processes");
	r = bench_client_start(&bc, specs, nspecs, fork_pinned, cpu, &x->procs[x->nprocs]);
	if (x->procs[x->nprocs] > 0)
		x->nprocs++;
	if (r == -EPIPE)
		die("bench-client %s did not get ready (see stderr)", specs[0]);
	if (r < 0)
		die("start_client: %s", strerror(-r));
}

static bool masked(struct simdev *s)
{
	uint8_t b[2];

	return pread(s->cfg_fd, b, 2, PCI_COMMAND) == 2 &&
	       (b[1] & (PCI_COMMAND_INTX_DISABLE >> 8));
}

static void ix_start(const struct ixcfg *c, const struct place *pl, struct ix *x)
{
	char conf[200], path[200], notify[108];
	unsigned i;
	int nfd;

	memset(x, 0, sizeof(*x));
	snprintf(x->dir, sizeof(x->dir), "%s/ix", work);
	snprintf(x->sock, sizeof(x->sock), "%s/intxd.sock", work);
	snprintf(conf, sizeof(conf), "%s/intxd.conf", work);
	x->sims = calloc(c->ndev, sizeof(*x->sims));
	for (i = 0; i < c->ndev; i++) {
		snprintf(path, sizeof(path), "%s/d%u", x->dir, i);
		if (simdev_create(path, 10 + (int)(i % c->nlines), 0x1af4, 0x1000) < 0 ||
		    simdev_open(&x->sims[i], path) < 0)
			die("sim device %s", path);
	}
	snprintf(path, sizeof(path), "%s/idle", x->dir);
	if (c->idle && simdev_create(path, 200, 0x1af4, 0x1000) < 0)
		die("sim device %s", path);
	write_conf(c, x, conf);

	snprintf(notify, sizeof(notify), "%s/notify", work);
	nfd = bench_notify_socket(notify);
	if (nfd < 0)
		die("notify socket: %s", strerror(-nfd));
	x->daemon = fork_pinned(pl->relay);
	if (x->daemon == 0) {
		int fd;

		snprintf(path, sizeof(path), "%s/intxd.log", work);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		setenv("NOTIFY_SOCKET", notify, 1);
		if (tracing) {
			char fds[16];

			snprintf(fds, sizeof(fds), "%d", hop_fd);
			setenv("INTXD_HOPTRACE_FD", fds, 1);
		}
		execl(intxd_path, "intxd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	wait_ready(nfd, x->daemon);
	close(nfd);

	/* clients */
	if (c->layout == ONE_CLIENT) {
		size_t len = 8 + c->ndev * 16;
		char *spec = malloc(len), *p = spec;

		p += sprintf(p, "c0:");
		for (i = 0; i < c->ndev; i++)
			p += sprintf(p, "%sd%u=%u", i ? "," : "", i, i);
		start_client(x, pl->client, &spec, 1);
		free(spec);
	} else {
		char **specs = calloc(c->ndev, sizeof(*specs));

		for (i = 0; i < c->ndev; i++) {
			specs[i] = malloc(48);
			snprintf(specs[i], 48, "c%u:d%u=%u", i, i, i);
			if (c->layout == CLIENT_PER_DEV)
				start_client(x, pl->client, &specs[i], 1);
		}
		if (c->layout == SESSIONS_1PROC)
			start_client(x, pl->client, specs, c->ndev);
		for (i = 0; i < c->ndev; i++)
			free(specs[i]);
		free(specs);
	}
	if (c->idle) {
		char **specs = calloc(c->idle, sizeof(*specs));

		for (i = 0; i < c->idle; i++)
			specs[i] = "idle:idle=511";
		start_client(x, pl->client, specs, c->idle);
		free(specs);
	}
}

static void ix_stop(const struct ixcfg *c, struct ix *x)
{
	char cmd[256];
	unsigned i;
	int st;

	reap(x->procs, x->nprocs);
	kill(x->daemon, SIGTERM);
	waitpid(x->daemon, &st, 0);
	for (i = 0; i < c->ndev; i++)
		simdev_close(&x->sims[i]);
	free(x->sims);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
	(void)system(cmd);
}

static bool wait_done(uint64_t want)
{
	uint64_t got = 0;

	while (got < want) {
		struct pollfd p = { .fd = done_fd, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1)
			return false;
		got += efd_read(done_fd);
	}
	return true;
}

static void run_intxd(struct result *r, const char *name, const struct ixcfg *c,
		      const struct place *pl, unsigned iters, unsigned n)
{
	uint64_t run0[MAXPROC + 1], cnt0[MAXPROC + 1], run1, cnt1, t0 = 0;
	unsigned warm = iters / 10 + 10, i, k, nr = c->raise_all ? c->ndev : 1;
	uint64_t cs0[MAXPROC + 1] = { 0 };
	pid_t all[MAXPROC + 1], sp[2] = { 0, 0 };
	char sf[2][256];
	struct probe pr = { 0 };
	struct ix x;

	result_init(r, name, pl->name, n, (size_t)iters * nr);
	ix_start(c, pl, &x);
	all[0] = x.daemon;
	memcpy(all + 1, x.procs, x.nprocs * sizeof(*all));
	pin(pl->source);
	if (tracing)
		hops_alloc(r, iters);
	for (i = 0; i < iters + warm; i++) {
		unsigned first = c->rotate ? i % c->ndev : 0;
		uint64_t want = 0;

		if (i == warm) {
			schedstat(x.daemon, &run0[0], &cnt0[0]);
			cs0[0] = ctxsw(x.daemon);
			for (k = 0; k < x.nprocs; k++) {
				schedstat(x.procs[k], &run0[k + 1], &cnt0[k + 1]);
				cnt0[k + 1] = wakeups(x.procs[k]);
				cs0[k + 1] = ctxsw(x.procs[k]);
			}
			if (counting) {
				snprintf(sf[0], sizeof(sf[0]), "%s/strace-intxd", work);
				snprintf(sf[1], sizeof(sf[1]), "%s/strace-client", work);
				sp[0] = strace_start(x.daemon, sf[0]);
				sp[1] = strace_start(x.procs[0], sf[1]);
			}
			probe_start(&pr, all, x.nprocs + 1);
			t0 = bench_now();
		}
		if (tracing)
			hops_clear();
		for (k = first; k < first + nr; k++) {
			shm->t_raise[k] = bench_now();
			simdev_raise(&x.sims[k]);
			want++;
		}
		if (!wait_done(want)) {
			fprintf(stderr, "bench: %s: time-out waiting for the clients "
					"(see %s/intxd.log)\n", name, work);
			break;
		}
		for (k = first; k < first + nr; k++) {
			uint64_t spins = 0;

			/* intxd unmasks on the last ack: then the next raise
			 * is a new interrupt. */
			while (masked(&x.sims[k]))
				if (++spins % 4096 == 0 &&
				    bench_now() - shm->t_raise[k] > 5000000000ull)
					die("%s: device d%u never unmasked", name, k);
				else
					sched_yield();
			/* intxd marks the unmask just after it (an intxd
			 * without hoptrace never does: then no hop samples) */
			while (tracing && !hops[BHOP_UNMASKED] &&
			       bench_now() - shm->t_raise[k] < 100000000ull)
				sched_yield();
			if (i >= warm) {
				sample(r, shm->t_raise[k], shm->t_handler[k]);
				if (tracing)
					hops_sample(r, shm->t_raise[k]);
			}
		}
	}
	r->elapsed_ns = bench_now() - t0;
	r->ints = (uint64_t)iters * nr;
	probe_end(r, &pr, all, x.nprocs + 1);
	if (counting) {
		r->sys_dmn = strace_stop(sp[0], sf[0], r->ints, r->sys_list[0],
					 sizeof(r->sys_list[0]));
		r->sys_cli = strace_stop(sp[1], sf[1], r->ints, r->sys_list[1],
					 sizeof(r->sys_list[1]));
	}
	schedstat(x.daemon, &run1, &cnt1);
	r->daemon_ns = run1 - run0[0];
	r->dmn_cs = ctxsw(x.daemon) - cs0[0];
	r->cpu_ns = r->daemon_ns;
	for (k = 0; k < x.nprocs; k++) {
		schedstat(x.procs[k], &run1, &cnt1);
		cnt1 = wakeups(x.procs[k]);
		r->cpu_ns += run1 - run0[k + 1];
		r->wakeups += cnt1 - cnt0[k + 1];
		r->cli_cs += ctxsw(x.procs[k]) - cs0[k + 1];
	}
	r->rss_kib = vm_hwm_kib(x.daemon);
	pin(PLACE_FREE);
	ix_stop(c, &x);
}

/* --- what the sim device's work costs, one call at a time ------------- */

struct simcost {
	double raise, drain, unmask, lower, status; /* us per call */
};

/* The device-side syscalls of one interrupt, timed in this process alone
 * (a second handle services DIR/irq, standing in for intxd). */
static void measure_simdev(struct simcost *sc, unsigned iters)
{
	uint64_t t[6], sum[5] = { 0 };
	char dir[128], buf[64];
	struct simdev sd, srv;
	unsigned i;
	uint8_t b[2];
	int fd;

	snprintf(dir, sizeof(dir), "%s/cost", work);
	if (simdev_create(dir, 10, 0x1af4, 0x1000) < 0 || simdev_open(&sd, dir) < 0 ||
	    simdev_open(&srv, dir) < 0 || (fd = simdev_serve(&srv)) < 0)
		die("sim device %s", dir);
	pin(0);
	for (i = 0; i < iters; i++) {
		t[0] = bench_now();
		simdev_raise(&sd);
		t[1] = bench_now();
		if (read(fd, buf, sizeof(buf)) <= 0)
			die("read %s/irq", dir);
		t[2] = bench_now();
		if (pread(sd.cfg_fd, b, 2, PCI_STATUS) != 2)
			die("pread");
		t[3] = bench_now();
		simdev_lower(&sd);
		t[4] = bench_now();
		simdev_unmask(&sd);
		t[5] = bench_now();
		sum[0] += t[1] - t[0];
		sum[1] += t[2] - t[1];
		sum[2] += t[3] - t[2];
		sum[3] += t[4] - t[3];
		sum[4] += t[5] - t[4];
	}
	pin(PLACE_FREE);
	sc->raise = sum[0] / 1e3 / iters;
	sc->drain = sum[1] / 1e3 / iters;
	sc->status = sum[2] / 1e3 / iters;
	sc->lower = sum[3] / 1e3 / iters;
	sc->unmask = sum[4] / 1e3 / iters;
	simdev_close(&srv);
	simdev_close(&sd);
}

/* --- the report --------------------------------------------------------- */

static double per(uint64_t v, uint64_t n) { return n ? (double)v / (double)n : 0; }

static double rate(const struct result *r)
{
	return r->elapsed_ns ? r->ints * 1e9 / (double)r->elapsed_ns : 0;
}

static void row(const struct result *r)
{
	if (r->note[0]) {
		printf("%-34s %-5s %s\n", r->name, r->place, r->note);
		return;
	}
	printf("%-34s %-5s %7.1f %7.1f %8.1f %9.0f %8.1f %8.1f %7.2f %6.2f %6.2f %5.0f%% %5.0f%%%s\n",
	       r->name, r->place, r->p50, r->p99, r->p999, rate(r),
	       per(r->cpu_ns, r->ints) / 1000.0, per(r->daemon_ns, r->ints) / 1000.0,
	       per(r->wakeups, r->ints), per(r->dmn_cs, r->ints), per(r->cli_cs, r->ints),
	       r->foreign, r->niced, r->busy ? " BUSY" : "");
}

static void header(void)
{
	printf("%-34s %-5s %7s %7s %8s %9s %8s %8s %7s %6s %6s %6s %6s\n", "scenario", "place",
	       "p50 us", "p99 us", "p99.9 us", "ints/s", "cpu us", "dmn us", "wakeups",
	       "dmn cs", "cli cs", "other", "niced");
	printf("%-34s %-5s %7s %7s %8s %9s %8s %8s %7s %6s %6s %6s %6s\n", "", "", "", "", "",
	       "", "/int", "/int", "/int", "/int", "/int", "cpu", "cpu");
}

static const char *verdict(bool ok) { return ok ? "met" : "NOT met"; }

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and spread (min, max) of n values; false if none. */
struct stat3 {
	double med, lo, hi;
	unsigned n;
};

static struct stat3 stat3(double *v, unsigned n)
{
	struct stat3 st = { 0, 0, 0, n };

	if (!n)
		return st;
	qsort(v, n, sizeof(*v), cmp_d);
	st.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	st.lo = v[0];
	st.hi = v[n - 1];
	return st;
}

static void pstat(const char *fmt, struct stat3 st)
{
	char b[64];

	snprintf(b, sizeof(b), fmt, st.med);
	printf(" %7s", b);
	snprintf(b, sizeof(b), "(%.*f-%.*f)", st.med < 10 ? 2 : 1, st.lo,
		 st.med < 10 ? 2 : 1, st.hi);
	printf(" %-13s", b);
}

#define MAXREPS 15
/* the floors' numbers are their enum floor_kind's */
enum core_sc { SC_PING, SC_EFD, SC_SIM, SC_EPOLL, SC_URING, SC_IX, SC_N };
_Static_assert((int)SC_URING == (int)RELAY_SIM_URING && (int)SC_EPOLL == (int)RELAY_SIM_EPOLL,
	       "core scenarios and floor kinds share their numbers");
static const char *core_names[SC_N] = { "floor pingpong", "floor relay-efd",
					"floor relay-sim", "floor relay-sim-epoll",
					"floor relay-sim-uring", "intxd 1 client 1 device" };
static struct result core[MAXREPS][2][SC_N];
static unsigned reps = 5;
static bool core_only; /* --core: the repetitions, hops and syscalls only */

/* Every rep BUSY: the medians take them all, and say so. */
static bool all_busy;

/* One field of one scenario over the reps that were not busy. */
static struct stat3 over_reps(unsigned pl, unsigned sc,
			      double (*get)(const struct result *))
{
	double v[MAXREPS];
	unsigned r, n = 0;

	for (r = 0; r < reps; r++)
		if ((all_busy || !core[r][pl][sc].busy) && core[r][pl][sc].ok)
			v[n++] = get(&core[r][pl][sc]);
	return stat3(v, n);
}

/* A ratio of two scenarios (intxd / a floor, a floor / relay-efd) over the
 * reps in which neither was busy. */
static struct stat3 ratio_reps(unsigned pl, unsigned num, unsigned floor,
			       double (*get)(const struct result *))
{
	double v[MAXREPS];
	unsigned r, n = 0;

	for (r = 0; r < reps; r++) {
		const struct result *a = &core[r][pl][num], *b = &core[r][pl][floor];

		if ((all_busy || (!a->busy && !b->busy)) && a->ok && b->ok && get(b) > 0)
			v[n++] = get(a) / get(b);
	}
	return stat3(v, n);
}

static double g_p50(const struct result *r) { return r->p50; }
static double g_p99(const struct result *r) { return r->p99; }
static double g_rate(const struct result *r) { return rate(r); }
static double g_cpu(const struct result *r) { return per(r->cpu_ns, r->ints) / 1000.0; }
static double g_dmn(const struct result *r) { return per(r->daemon_ns, r->ints) / 1000.0; }
static double g_dcs(const struct result *r) { return per(r->dmn_cs, r->ints); }
static double g_ccs(const struct result *r) { return per(r->cli_cs, r->ints); }

static const char *hop_names[BHOP_N] = {
	"", "raise -> daemon has read the fd", "-> notification written",
	"written -> client handler", "handler (Status, lower)",
	"handler end -> ACK read", "ACK read -> unmasked",
};

static double hop_med(const struct result *r, int k)
{
	if (!r->nhop)
		return 0;
	qsort(r->hopd[k], r->nhop, sizeof(uint32_t), cmp_u32);
	return r->hopd[k][r->nhop / 2] / 1000.0;
}

int main(int argc, char **argv)
{
	static struct result conc, bc[4], sel[4], scale1, scale256, rss, hopr[2][3],
		cnt[5], plc[4];
	static const unsigned ns[4] = { 1, 4, 16, 64 };
	uint64_t tstart = bench_now();
	unsigned it, i, r, j, nbusy = 0;
	const struct place *pls[2] = { &ONE_CPU, &CROSS };
	char path[512];
	struct simcost sc;
	struct ixcfg one = { .mode = "selective", .ndev = 1, .nlines = 1,
			     .layout = ONE_CLIENT };

	out_dir = ".";
	signal(SIGPIPE, SIG_IGN); /* raises write to sim FIFOs (simdev.h) */
	for (i = 1; i < (unsigned)argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < (unsigned)argc)
			out_dir = argv[++i];
		else if (!strcmp(argv[i], "--quick"))
			scale = 4;
		else if (!strcmp(argv[i], "--reps") && i + 1 < (unsigned)argc)
			reps = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--busy-limit") && i + 1 < (unsigned)argc)
			busy_limit = atof(argv[++i]);
		else if (!strcmp(argv[i], "--core"))
			core_only = true;
		else if (!strcmp(argv[i], "--uring-ring-writes"))
			uring_ring_writes = true;
		else
			die("usage: bench [--out DIR] [--quick] [--reps N] [--busy-limit PCT] "
			    "[--core] [--uring-ring-writes]");
	}
	if (reps < 1 || reps > MAXREPS)
		die("--reps: 1 to %d", MAXREPS);
	intxd_path = getenv("INTXD");
	client_path = getenv("BENCH_CLIENT");
	if (!intxd_path || !client_path)
		die("INTXD and BENCH_CLIENT must be set (run through make bench)");
	if (geteuid() != 0)
		die("run as root (the daemon opens sim devices and admits uid 0)");
	strcpy(work, "/tmp/intxd-bench.XXXXXX");
	if (!mkdtemp(work))
		die("mkdtemp: %s", strerror(errno));
	shm_fd = memfd_create("bench-shm", 0); /* inherited by bench-client */
	if (shm_fd < 0 || ftruncate(shm_fd, sizeof(*shm)) < 0)
		die("memfd: %s", strerror(errno));
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	hop_fd = memfd_create("bench-hops", 0); /* INTXD_HOPTRACE_FD */
	if (hop_fd < 0 || ftruncate(hop_fd, 4096) < 0)
		die("memfd: %s", strerror(errno));
	hops = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, hop_fd, 0);
	if (hops == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	done_fd = eventfd(0, 0);
	if (done_fd < 0)
		die("eventfd: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/bench.csv", out_dir);
	csv = fopen(path, "w");
	if (!csv)
		die("%s: %s", path, strerror(errno));
	fprintf(csv, "scenario,placement,n,samples,p50_us,p99_us,p999_us,rate_per_s,"
		     "cpu_us_per_int,daemon_us_per_int,client_wakeups_per_int,daemon_hwm_kib\n");
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "bench: working in %s\n", work);

	measure_simdev(&sc, 20000 / scale);
	/*
	 * The core comparison, interleaved: every repetition runs every
	 * scenario in both placements, in an order that turns with the
	 * repetition, so that a busy spell hits one repetition of each
	 * rather than all of one.
	 */
	it = 10000 / scale;
	for (r = 0; r < reps; r++) {
		fprintf(stderr, "bench: repetition %u of %u\n", r + 1, reps);
		for (i = 0; i < 2; i++) {
			for (j = 0; j < SC_N; j++) {
				unsigned k = (j + r) % SC_N;
				struct result *x = &core[r][i][k];
				char plot[64];

				if (k == SC_IX)
					run_intxd(x, core_names[k], &one, pls[i], it, 1);
				else
					run_floor(x, (enum floor_kind)k, pls[i], it);
				snprintf(plot, sizeof(plot), "%s-%s",
					 k == SC_IX ? "intxd" : core_names[k] + 6, pls[i]->name);
				result_finish(x, r == 0 ? plot : NULL);
				nbusy += x->busy;
			}
		}
	}
	fprintf(stderr, "bench: per-hop breakdown and system calls\n");
	tracing = true;
	for (i = 0; i < 2; i++) {
		run_floor(&hopr[i][0], RELAY_SIM, pls[i], it);
		result_finish(&hopr[i][0], NULL);
		run_intxd(&hopr[i][1], "intxd (traced)", &one, pls[i], it, 1);
		result_finish(&hopr[i][1], NULL);
		run_floor(&hopr[i][2], RELAY_SIM_EPOLL, pls[i], it);
		result_finish(&hopr[i][2], NULL);
	}
	tracing = false;
	counting = true;
	run_floor(&cnt[0], RELAY_EFD, &ONE_CPU, 2000);
	result_finish(&cnt[0], NULL);
	run_floor(&cnt[1], RELAY_SIM, &ONE_CPU, 2000);
	result_finish(&cnt[1], NULL);
	run_floor(&cnt[2], RELAY_SIM_EPOLL, &ONE_CPU, 2000);
	result_finish(&cnt[2], NULL);
	run_floor(&cnt[3], RELAY_SIM_URING, &ONE_CPU, 2000);
	result_finish(&cnt[3], NULL);
	run_intxd(&cnt[4], "intxd", &one, &ONE_CPU, 2000, 1);
	result_finish(&cnt[4], NULL);
	counting = false;
	if (!core_only) {
		struct ixcfg cc = { .mode = "selective", .ndev = 16, .nlines = 4,
				    .layout = ONE_CLIENT, .raise_all = true };

		fprintf(stderr, "bench: 16 devices on 4 lines at once\n");
		run_intxd(&conc, "intxd 1 client 16 dev/4 lines", &cc, &FREE,
			  4000 / scale, 16);
		result_finish(&conc, "intxd-16dev-free");
	}
	for (i = 0; !core_only && i < 4; i++) {
		struct ixcfg b = { .mode = "broadcast", .ndev = ns[i], .nlines = 1,
				   .layout = CLIENT_PER_DEV, .rotate = true };
		unsigned bit = (ns[i] >= 64 ? 2000 : ns[i] >= 16 ? 4000 : 8000) / scale;
		char name[64], plot[32];

		fprintf(stderr, "bench: broadcast and selective, N = %u\n", ns[i]);
		snprintf(name, sizeof(name), "broadcast N=%u (owner)", ns[i]);
		snprintf(plot, sizeof(plot), "broadcast-%u", ns[i]);
		run_intxd(&bc[i], name, &b, &ONE_CPU, bit, ns[i]);
		result_finish(&bc[i], plot);
		b.mode = "selective";
		snprintf(name, sizeof(name), "selective N=%u (owner)", ns[i]);
		snprintf(plot, sizeof(plot), "selective-%u", ns[i]);
		run_intxd(&sel[i], name, &b, &ONE_CPU, bit, ns[i]);
		result_finish(&sel[i], plot);
	}
	if (!core_only) {
		struct ixcfg s = { .mode = "selective", .ndev = 1, .nlines = 1,
				   .layout = ONE_CLIENT, .idle = 1 };
		struct ixcfg m = { .mode = "selective", .ndev = 64, .nlines = 8,
				   .layout = SESSIONS_1PROC, .raise_all = true };

		fprintf(stderr, "bench: cost of scale\n");
		/* a small difference to see: long runs, so noise averages out */
		run_intxd(&scale1, "scale: +1 unrelated client", &s, &ONE_CPU,
			  30000 / scale * 2, 1);
		result_finish(&scale1, NULL);
		s.idle = 256;
		run_intxd(&scale256, "scale: +256 unrelated clients", &s, &ONE_CPU,
			  30000 / scale * 2, 256);
		result_finish(&scale256, NULL);
		run_intxd(&rss, "rss: 64 dev/8 lines, 64 clients", &m, &FREE,
			  1000 / scale, 64);
		result_finish(&rss, NULL);
	}

	if (!core_only) {
		struct ixcfg p = one;

		/* intxd placed by its config rather than by the bench, and
		 * spin-before-block on both sides against a spinning floor */
		fprintf(stderr, "bench: placement by cpu = and spinning\n");
		p.cpu = "0";
		run_intxd(&plc[0], "intxd cpu = 0 (config)", &p, &CONF, it, 1);
		result_finish(&plc[0], NULL);
		p.cpu = "1";
		run_intxd(&plc[1], "intxd cpu = 1 (config)", &p, &CONF, it, 1);
		result_finish(&plc[1], NULL);
		run_floor(&plc[2], RELAY_EFD_SPIN, &CROSS, it);
		result_finish(&plc[2], NULL);
		p.cpu = NULL;
		p.spin_us = SPIN_US;
		client_spin_us = SPIN_US;
		run_intxd(&plc[3], "intxd spin-us both sides", &p, &CROSS, it, 1);
		result_finish(&plc[3], NULL);
		client_spin_us = 0;
	}

	printf("\nsim device work, us per call on CPU 0 (no wakeups): simdev_raise %.2f "
	       "(compare-and-swap, write to the FIFO), drain read %.2f, "
	       "Status pread %.2f, simdev_lower %.2f, simdev_unmask %.2f\n",
	       sc.raise, sc.drain, sc.status, sc.lower, sc.unmask);
	printf("\nintxd benchmark: %ld CPUs online; latency = raise -> client handler start\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("placement: 1cpu = every process pinned to CPU 0 (sched_setaffinity); cross = "
	       "source and client on CPU 0, relay/intxd on CPU 1; free = not pinned\n");
	printf("cs = context switches (voluntary + involuntary, /proc/PID/status) of the "
	       "daemon/relay and of the clients; other cpu = CPU time of everything else "
	       "on the machine at nice <= 0 (schedstat of every other task, kernel threads "
	       "too) in %% of one "
	       "CPU, niced = at nice > 0 (shown, not held against a run); BUSY = other "
	       "over %.0f %% (or steal over 2 %%): left out of the medians\n", busy_limit);

	printf("\nrepetitions (%u, interleaved; %u scenario runs BUSY)\n\n", reps, nbusy);
	header();
	for (r = 0; r < reps; r++)
		for (i = 0; i < 2; i++)
			for (j = 0; j < SC_N; j++)
				row(&core[r][i][j]);

	all_busy = nbusy == reps * 2 * SC_N;
	if (all_busy)
		printf("\nEVERY REPETITION WAS BUSY: median (min-max) over all of them; "
		       "not figures to quote\n\n");
	else
		printf("\nmedian (min-max) over the repetitions not BUSY\n\n");
	printf("%-26s %-5s %2s %7s %-13s %7s %-13s %7s %-13s %7s %-13s %7s %-13s\n",
	       "scenario", "place", "n", "p50 us", "", "p99 us", "", "cpu/int", "",
	       "dmn/int", "", "dmn cs", "");
	for (i = 0; i < 2; i++)
		for (j = 0; j < SC_N; j++) {
			printf("%-26s %-5s %2u", core_names[j], pls[i]->name,
			       over_reps(i, j, g_p50).n);
			if (core[0][i][j].note[0]) {
				printf(" %s\n", core[0][i][j].note);
				continue;
			}
			pstat("%.1f", over_reps(i, j, g_p50));
			pstat("%.1f", over_reps(i, j, g_p99));
			pstat("%.1f", over_reps(i, j, g_cpu));
			pstat("%.1f", over_reps(i, j, g_dmn));
			pstat("%.2f", over_reps(i, j, g_dcs));
			printf("\n");
		}

	printf("\nratios intxd / floor, per repetition (both not BUSY): median (min-max)\n");
	for (i = 0; i < 2; i++) {
		/* intxd against three floors; then what multiplexing alone
		 * costs: the epoll and io_uring relays against relay-efd */
		static const unsigned num[5] = { SC_IX, SC_IX, SC_IX, SC_EPOLL, SC_URING };
		static const unsigned fl[5] = { SC_EFD, SC_SIM, SC_EPOLL, SC_EFD, SC_EFD };

		for (j = 0; j < 5; j++) {
			struct stat3 a = ratio_reps(i, num[j], fl[j], g_p50);
			struct stat3 b = ratio_reps(i, num[j], fl[j], g_p99);
			struct stat3 c = ratio_reps(i, num[j], fl[j], g_cpu);

			if (core[0][i][num[j]].note[0]) {
				printf("  %-5s %s / %s: %s\n", pls[i]->name, core_names[num[j]] + 6,
				       core_names[fl[j]] + 6, core[0][i][num[j]].note);
				continue;
			}
			printf("  %-5s %s%s/ %-9s n=%u: p50 %.2fx (%.2f-%.2f)  p99 %.2fx (%.2f-%.2f)  "
			       "cpu/int %.2fx (%.2f-%.2f)", pls[i]->name,
			       num[j] == SC_IX ? "" : core_names[num[j]] + 6,
			       num[j] == SC_IX ? "" : " ", core_names[fl[j]] + 6,
			       a.n, a.med, a.lo, a.hi, b.med, b.lo, b.hi, c.med, c.lo, c.hi);
			if (num[j] == SC_IX && fl[j] == SC_EFD)
				printf("  targets <= 1.15x / 1.3x / 1.3x: %s / %s / %s",
				       verdict(a.n && a.med <= 1.15), verdict(b.n && b.med <= 1.3),
				       verdict(c.n && c.med <= 1.3));
			printf("\n");
		}
	}
	{
		struct stat3 a = over_reps(0, SC_IX, g_rate), b = over_reps(1, SC_IX, g_rate);

		printf("  intxd rate: 1cpu %.0f/s (%.0f-%.0f), cross %.0f/s (%.0f-%.0f)\n",
		       a.med, a.lo, a.hi, b.med, b.lo, b.hi);
		(void)g_ccs;
	}

	printf("\nper-hop breakdown, median us (one traced run each; intxd marks its hops "
	       "with INTXD_HOPTRACE_FD)\n");
	printf("  %-32s %12s %12s %12s %12s %12s %12s\n", "hop", "relay 1cpu", "epoll 1cpu",
	       "intxd 1cpu", "relay cross", "epoll cross", "intxd cross");
	for (j = 1; j < BHOP_N; j++) {
		printf("  %-32s", hop_names[j]);
		for (i = 0; i < 2; i++)
			printf(" %12.2f %12.2f %12.2f", hop_med(&hopr[i][0], (int)j),
			       hop_med(&hopr[i][2], (int)j), hop_med(&hopr[i][1], (int)j));
		printf("\n");
	}
	printf("  %-32s", "samples (BUSY marked *)");
	for (i = 0; i < 2; i++)
		printf(" %11zu%s %11zu%s %11zu%s", hopr[i][0].nhop, hopr[i][0].busy ? "*" : " ",
		       hopr[i][2].nhop, hopr[i][2].busy ? "*" : " ",
		       hopr[i][1].nhop, hopr[i][1].busy ? "*" : " ");
	printf("\n");

	printf("\nsystem calls per interrupt (strace -c attached to each process, 1cpu, "
	       "2000 interrupts; counts only, strace slows them down)\n");
	for (i = 0; i < 5; i++) {
		const char *nm = cnt[i].name + (strncmp(cnt[i].name, "floor ", 6) ? 0 : 6);

		if (cnt[i].note[0])
			printf("  %-16s %s\n", nm, cnt[i].note);
		else
			printf("  %-16s daemon/relay %.2f [%s]\n  %-16s client %.2f [%s]\n",
			       nm, cnt[i].sys_dmn, cnt[i].sys_list[0], "",
			       cnt[i].sys_cli, cnt[i].sys_list[1]);
	}

	if (core_only)
		goto out;
	printf("\nsingle runs\n\n");
	header();
	row(&conc);
	for (i = 0; i < 4; i++) {
		row(&bc[i]);
		row(&sel[i]);
	}
	row(&scale1);
	row(&scale256);
	row(&rss);

	printf("\nfirst-round targets (single runs)\n");
	for (i = 0; i < 4; i++) {
		double cpu = per(bc[i].cpu_ns, bc[i].ints) / per(sel[i].cpu_ns, sel[i].ints);
		double lat = bc[i].p50 / sel[i].p50;
		const char *tc = "", *tl = "";

		if (ns[i] == 16) {
			tc = cpu >= 2.5 ? " (>= 2.5x: met)" : " (>= 2.5x: NOT met)";
			tl = lat >= 2 ? " (>= 2x: met)" : " (>= 2x: NOT met)";
		} else if (ns[i] == 64) {
			tc = cpu >= 8 ? " (>= 8x: met)" : " (>= 8x: NOT met)";
			tl = lat >= 5 ? " (>= 5x: met)" : " (>= 5x: NOT met)";
		}
		printf("  N=%-3u broadcast / selective: wakeups %.2f vs %.2f, cpu/int %.2fx%s, owner p50 %.2fx%s\n",
		       ns[i], per(bc[i].wakeups, bc[i].ints), per(sel[i].wakeups, sel[i].ints),
		       cpu, tc, lat, tl);
	}
	{
		double d1 = per(scale1.daemon_ns, scale1.ints);
		double d256 = per(scale256.daemon_ns, scale256.ints);
		double chg = d1 > 0 ? d256 / d1 - 1 : 0;

		printf("  daemon cpu/int, 1 -> 256 unrelated clients: %.2f -> %.2f us (%+.1f %%; "
		       "target within 10 %%: %s)\n", d1 / 1000, d256 / 1000, chg * 100,
		       verdict(chg <= 0.10 && chg >= -0.10));
		printf("  daemon peak RSS, 64 devices + 64 clients: %.2f MiB (target <= 8 MiB: %s)\n",
		       rss.rss_kib / 1024.0, verdict(rss.rss_kib <= 8192));
	}
	printf("\nplacement and spinning (issue 11; single runs)\n\n");
	header();
	for (i = 0; i < 4; i++)
		row(&plc[i]);
	printf("  conf = intxd started unpinned and placed by its own cpu = (source and "
	       "client on CPU 0): cpu = 0 is the 1cpu placement, cpu = 1 the cross one\n"
	       "  spin rows (cross): the relay and its client, or intxd (spin-us) and "
	       "libintx (intx_set_spin), poll for up to %u us before blocking; their "
	       "cpu/int is higher by design\n", SPIN_US);
out:
	printf("\nrun time %.1f s; CSV %s/bench.csv\n", (bench_now() - tstart) / 1e9, out_dir);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
		(void)system(cmd);
	}
	return 0;
}
