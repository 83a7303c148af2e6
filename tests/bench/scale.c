/* SPDX-License-Identifier: MIT */
/*
 * scale - intxd at the config's limits (issue 11; tests/bench/scale.sh runs
 * it, doc/performance.md says what it measures).
 *
 *   scale [--out DIR] [--reps N] [--busy-limit PCT] [--devices N]
 *         [--lines N] [--rounds N]
 * needs INTXD, INTXCTL and BENCH_CLIENT in the environment and root.
 *
 * Each repetition starts the real intxd on N sim devices (default 1024, the
 * most conf.c takes) spread over the lines (default 64), one [client cK]
 * per device (1024, the most conf.c takes), and measures: start-up (exec to
 * READY=1, and to the socket answering), the clients' sessions (one
 * bench-client process with a session per client, each subscribed to its
 * device), each intxctl view, a reload of a one-line change, an interrupt
 * load with every line busy at once (one device of each line raised
 * together, rotating, each owner's handler lowering it and libintx
 * acking), the daemon's CPU per interrupt from /proc/PID/schedstat, and its
 * VmHWM.  The same repetition then measures intxd with one device and one
 * client the same way: the per-interrupt CPU figure the big one is
 * compared with.  Every phase is probed for other work on the machine and
 * marked BUSY as bench's runs are (probe.c); medians leave those out.
 * Every process runs on CPU 0, bench's 1cpu placement.
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
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "launch.h"
#include "probe.h"
#include "simdev.h"

#define MAXREPS 15

/* The figures of one repetition; a phase's BUSY mark next to each. */
enum fig {
	F_START,      /* ms, exec -> READY=1 */
	F_ACCEPT,     /* ms, exec -> a connection answered */
	F_SESSIONS,   /* ms, all client sessions subscribed */
	F_DEVJSON,    /* ms, intxctl --json devices */
	F_DEVICES,    /* ms, intxctl devices */
	F_STATS,      /* ms, intxctl stats */
	F_LINES,      /* ms, intxctl lines */
	F_CLIENTS,    /* ms, intxctl clients */
	F_RELOAD,     /* ms, intxctl reload of a one-line change */
	F_RATE,       /* interrupts/s, every line busy */
	F_DMN,        /* us of intxd CPU per interrupt, every line busy */
	F_DCS,        /* intxd context switches per interrupt, every line busy */
	F_RATE1,      /* interrupts/s, one device */
	F_DMN1,       /* us of intxd CPU per interrupt, one device */
	F_DCS1,       /* intxd context switches per interrupt, one device */
	F_RSS,        /* KiB, intxd's VmHWM at the end */
	F_N
};

static const struct {
	const char *name, *unit;
} figs[F_N] = {
	[F_START] = { "start: exec -> READY=1", "ms" },
	[F_ACCEPT] = { "start: exec -> socket answers", "ms" },
	[F_SESSIONS] = { "all client sessions subscribed", "ms" },
	[F_DEVJSON] = { "intxctl --json devices", "ms" },
	[F_DEVICES] = { "intxctl devices", "ms" },
	[F_STATS] = { "intxctl stats", "ms" },
	[F_LINES] = { "intxctl lines", "ms" },
	[F_CLIENTS] = { "intxctl clients", "ms" },
	[F_RELOAD] = { "intxctl reload (one line changed)", "ms" },
	[F_RATE] = { "interrupts/s, every line busy", "/s" },
	[F_DMN] = { "intxd CPU per interrupt, every line busy", "us" },
	[F_DCS] = { "intxd context switches per int, every line", "" },
	[F_RATE1] = { "interrupts/s, 1 device 1 client", "/s" },
	[F_DMN1] = { "intxd CPU per interrupt, 1 device", "us" },
	[F_DCS1] = { "intxd context switches per int, 1 device", "" },
	[F_RSS] = { "intxd VmHWM", "KiB" },
};

static double val[MAXREPS][F_N];
static bool busy[MAXREPS][F_N], have[MAXREPS][F_N];
static double other[MAXREPS][F_N]; /* others' CPU in the phase, % of one */
static double busy_limit = 10;
static const char *intxd_path, *intxctl_path, *client_path;
static char work[64];
static struct bench_shm *shm;
static int shm_fd, done_fd;

struct world {
	unsigned ndev, nlines;
	char dir[128], sock[160], conf[160], log[160];
	struct simdev *sims;
	pid_t daemon, client;
};

/* what die() stops: never leave a daemon behind */
static pid_t live[2];

static void die(const char *fmt, ...)
{
	va_list ap;

	for (unsigned i = 0; i < 2; i++)
		if (live[i] > 0)
			kill(live[i], SIGTERM);

	va_start(ap, fmt);
	fprintf(stderr, "scale: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double ms_since(uint64_t t0)
{
	return (double)(bench_now() - t0) / 1e6;
}

static void write_conf(const struct world *w, const char *storm)
{
	FILE *f = fopen(w->conf, "w");
	unsigned i;

	if (!f)
		die("%s: %s", w->conf, strerror(errno));
	/* every client is uid 0: no per-uid session cap */
	fprintf(f, "[intxd]\nsocket = %s\nstorm-limit = %s\nack-timeout-ms = 60000\n"
		   "max-sessions = %u\nmax-sessions-per-uid = 0\n",
		w->sock, storm, w->ndev + 64);
	for (i = 0; i < w->ndev; i++)
		fprintf(f, "[device d%u]\nbackend = sim\npath = %s/d%u\nline = auto\n", i,
			w->dir, i);
	for (i = 0; i < w->ndev; i++)
		fprintf(f, "[client c%u]\nuid = 0\ndevices = d%u\n", i, i);
	if (fclose(f) != 0)
		die("%s: %s", w->conf, strerror(errno));
}

/* A CONTROL connection that says HELLO and gets WELCOME: accepting. */
static bool answers(const char *sock)
{
	char out[16];
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(intxctl_path, "intxctl", "-s", sock, "status", (char *)NULL);
		_exit(127);
	}
	(void)out;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

/* Start intxd on w's config: exec -> READY=1 and -> answering, in ms. */
static void start_daemon(struct world *w, double *ready_ms, double *accept_ms)
{
	char notify[108];
	uint64_t t0;
	int nfd, r;

	snprintf(notify, sizeof(notify), "%s/notify", work);
	nfd = bench_notify_socket(notify);
	if (nfd < 0)
		die("notify socket: %s", strerror(-nfd));
	t0 = bench_now();
	w->daemon = fork();
	if (w->daemon < 0)
		die("fork: %s", strerror(errno));
	if (w->daemon == 0) {
		int fd = open(w->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		setenv("NOTIFY_SOCKET", notify, 1);
		execl(intxd_path, "intxd", "-c", w->conf, (char *)NULL);
		_exit(127);
	}
	live[0] = w->daemon;
	r = bench_wait_ready(nfd, w->daemon, 60000);
	if (r == -ECHILD)
		die("intxd exited before READY=1 (see %s)", w->log);
	if (r < 0)
		die("intxd did not send READY=1 (see %s)", w->log);
	*ready_ms = ms_since(t0);
	close(nfd);
	if (!answers(w->sock))
		die("intxd does not answer on %s", w->sock);
	*accept_ms = ms_since(t0);
}

/* One bench-client process with a session per client cK on dK. */
static void start_clients(struct world *w)
{
	const struct bench_client bc = { client_path, w->sock, w->dir, shm_fd, done_fd, 0 };
	char **specs = calloc(w->ndev ? w->ndev : 1, sizeof(*specs));
	unsigned i;
	int r;

	if (!specs)
		die("start_clients: %s", strerror(ENOMEM));
	for (i = 0; i < w->ndev; i++) {
		specs[i] = malloc(48);
		if (!specs[i])
			die("start_clients: %s", strerror(ENOMEM));
		snprintf(specs[i], 48, "c%u:d%u=%u", i, i, i);
	}
	r = bench_client_start(&bc, specs, w->ndev, NULL, -1, &w->client);
	live[1] = w->client;
	if (r == -EPIPE)
		die("bench-client did not get ready (see its stderr)");
	if (r < 0)
		die("start_clients: %s", strerror(-r));
	for (i = 0; i < w->ndev; i++)
		free(specs[i]);
	free(specs);
}

static void make_world(struct world *w, unsigned ndev, unsigned nlines, const char *name)
{
	char path[200];
	unsigned i;

	memset(w, 0, sizeof(*w));
	w->ndev = ndev;
	w->nlines = nlines;
	snprintf(w->dir, sizeof(w->dir), "%s/%s", work, name);
	snprintf(w->sock, sizeof(w->sock), "%s/%s.sock", work, name);
	snprintf(w->conf, sizeof(w->conf), "%s/%s.conf", work, name);
	snprintf(w->log, sizeof(w->log), "%s/%s.log", work, name);
	w->sims = calloc(ndev, sizeof(*w->sims));
	if (!w->sims)
		die("calloc");
	for (i = 0; i < ndev; i++) {
		snprintf(path, sizeof(path), "%s/d%u", w->dir, i);
		if (simdev_create(path, 10 + (int)(i % nlines), 0x1af4, 0x1000) < 0 ||
		    simdev_open(&w->sims[i], path) < 0)
			die("sim device %s", path);
	}
	write_conf(w, "100000000");
}

static void stop_world(struct world *w)
{
	char cmd[300];
	unsigned i;
	int st;

	if (w->client > 0) {
		kill(w->client, SIGTERM);
		waitpid(w->client, &st, 0);
	}
	kill(w->daemon, SIGTERM);
	waitpid(w->daemon, &st, 0);
	live[0] = live[1] = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "scale: intxd exited with status %d (see %s)\n", st, w->log);
	for (i = 0; i < w->ndev; i++)
		simdev_close(&w->sims[i]);
	free(w->sims);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	(void)system(cmd);
}

/* intxctl -s SOCK args... to a file; its wall time in ms (the reply is
 * checked complete by tests/check-control, not here: exit status only). */
static double ctl_ms(const struct world *w, const char *a1, const char *a2)
{
	char out[200];
	uint64_t t0 = bench_now();
	pid_t pid;
	int st;

	snprintf(out, sizeof(out), "%s/ctl.out", work);
	pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		execl(intxctl_path, "intxctl", "-s", w->sock, a1, a2, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("intxctl %s %s failed", a1, a2 ? a2 : "");
	return ms_since(t0);
}

static bool masked(struct simdev *s)
{
	uint8_t b[2];

	return pread(s->cfg_fd, b, 2, PCI_COMMAND) == 2 &&
	       (b[1] & (PCI_COMMAND_INTX_DISABLE >> 8));
}

static uint64_t efd_read(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/*
 * rounds rounds of: one device of every line raised together (rotating
 * over each line's devices), wait for every owner's handler and for intxd
 * to unmask each.  Fills the rate and the daemon's CPU per interrupt.
 */
static bool load(struct world *w, unsigned rounds, double *rate, double *dmn_us,
		 double *dmn_cs)
{
	unsigned per = w->ndev < w->nlines ? w->ndev : w->nlines;
	unsigned warm = rounds / 10 + 2, i, k;
	uint64_t run0 = 0, run1, cnt, t0 = 0, ints = 0, cs0 = 0;

	for (i = 0; i < rounds + warm; i++) {
		unsigned base = (i * per) % w->ndev;
		uint64_t got = 0;

		if (i == warm) {
			schedstat(w->daemon, &run0, &cnt);
			cs0 = ctxsw(w->daemon);
			t0 = bench_now();
		}
		for (k = 0; k < per; k++) {
			unsigned d = (base + k) % w->ndev;

			shm->t_raise[d] = bench_now();
			simdev_raise(&w->sims[d]);
		}
		while (got < per) {
			struct pollfd p = { .fd = done_fd, .events = POLLIN };

			if (poll(&p, 1, 10000) != 1) {
				fprintf(stderr, "scale: time-out waiting for the handlers "
						"(see %s)\n", w->log);
				return false;
			}
			got += efd_read(done_fd);
		}
		for (k = 0; k < per; k++) {
			unsigned d = (base + k) % w->ndev;

			/* intxd unmasks on the last ack: then the next raise
			 * is a new interrupt */
			while (masked(&w->sims[d]))
				if (bench_now() - shm->t_raise[d] > 10000000000ull)
					die("device d%u never unmasked", d);
				else
					sched_yield();
		}
		if (i >= warm)
			ints += per;
	}
	schedstat(w->daemon, &run1, &cnt);
	*rate = (double)ints / ((double)(bench_now() - t0) / 1e9);
	*dmn_us = (double)(run1 - run0) / (double)ints / 1000.0;
	*dmn_cs = (double)(ctxsw(w->daemon) - cs0) / (double)ints;
	return true;
}

/* One phase probed for other work: mark the figures it produced. */
struct phase {
	struct probe p;
	pid_t pids[2];
};

static void phase_start(struct phase *ph, const struct world *w)
{
	ph->pids[0] = w->daemon;
	ph->pids[1] = w->client;
	probe_start(&ph->p, ph->pids, w->client > 0 ? 2 : 1);
}

static void phase_end(const struct phase *ph, unsigned rep, enum fig from, enum fig to)
{
	double foreign, niced, steal;
	bool b = probe_busy(&ph->p, ph->pids, ph->pids[1] > 0 ? 2 : 1, busy_limit,
			    &foreign, &niced, &steal);

	for (enum fig f = from; f <= to; f++) {
		busy[rep][f] = b;
		other[rep][f] = foreign;
	}
}

static void set(unsigned rep, enum fig f, double v)
{
	val[rep][f] = v;
	have[rep][f] = true;
}

static void one_rep(unsigned rep, unsigned ndev, unsigned nlines, unsigned rounds)
{
	struct world w, one;
	struct phase ph;
	double a, b, c;
	uint64_t t0;

	make_world(&w, ndev, nlines, "big");
	ph.pids[1] = 0;
	probe_start(&ph.p, NULL, 0);
	start_daemon(&w, &a, &b);
	ph.pids[0] = w.daemon;
	set(rep, F_START, a);
	set(rep, F_ACCEPT, b);
	phase_end(&ph, rep, F_START, F_ACCEPT);

	phase_start(&ph, &w);
	t0 = bench_now();
	start_clients(&w);
	set(rep, F_SESSIONS, ms_since(t0));
	ph.pids[1] = w.client; /* ours, not others' work */
	phase_end(&ph, rep, F_SESSIONS, F_SESSIONS);

	phase_start(&ph, &w);
	set(rep, F_DEVJSON, ctl_ms(&w, "--json", "devices"));
	set(rep, F_DEVICES, ctl_ms(&w, "devices", NULL));
	set(rep, F_STATS, ctl_ms(&w, "stats", NULL));
	set(rep, F_LINES, ctl_ms(&w, "lines", NULL));
	set(rep, F_CLIENTS, ctl_ms(&w, "clients", NULL));
	phase_end(&ph, rep, F_DEVJSON, F_CLIENTS);

	write_conf(&w, "99999999"); /* one line changed */
	phase_start(&ph, &w);
	set(rep, F_RELOAD, ctl_ms(&w, "reload", NULL));
	phase_end(&ph, rep, F_RELOAD, F_RELOAD);

	phase_start(&ph, &w);
	if (load(&w, rounds, &a, &b, &c)) {
		set(rep, F_RATE, a);
		set(rep, F_DMN, b);
		set(rep, F_DCS, c);
	}
	phase_end(&ph, rep, F_RATE, F_DCS);
	set(rep, F_RSS, (double)vm_hwm_kib(w.daemon));
	stop_world(&w);

	/* the one-device figure, same repetition, same load loop */
	make_world(&one, 1, 1, "one");
	start_daemon(&one, &a, &b);
	start_clients(&one);
	phase_start(&ph, &one);
	if (load(&one, rounds * nlines, &a, &b, &c)) {
		set(rep, F_RATE1, a);
		set(rep, F_DMN1, b);
		set(rep, F_DCS1, c);
	}
	phase_end(&ph, rep, F_RATE1, F_DCS1);
	stop_world(&one);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max over the repetitions not BUSY (all when every one
 * was); how many were used in *n, and whether they were all BUSY. */
static double over_reps(unsigned reps, enum fig f, double *lo, double *hi, unsigned *n,
		   bool *allbusy)
{
	double v[MAXREPS];
	unsigned r, k = 0, nb = 0, nh = 0;

	for (r = 0; r < reps; r++) {
		nh += have[r][f];
		nb += have[r][f] && busy[r][f];
	}
	*allbusy = nh && nb == nh;
	for (r = 0; r < reps; r++)
		if (have[r][f] && (*allbusy || !busy[r][f]))
			v[k++] = val[r][f];
	*n = k;
	if (!k) {
		*lo = *hi = 0;
		return 0;
	}
	qsort(v, k, sizeof(*v), cmp_d);
	*lo = v[0];
	*hi = v[k - 1];
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

int main(int argc, char **argv)
{
	unsigned reps = 3, ndev = 1024, nlines = 64, rounds = 400, r, nrep_busy = 0;
	const char *out = ".";
	double lo, hi, med, dlo, dhi, d1, ratio[MAXREPS];
	unsigned n, nr = 0;
	bool ab;
	FILE *csv;
	char path[300];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--busy-limit") && i + 1 < argc)
			busy_limit = atof(argv[++i]);
		else if (!strcmp(argv[i], "--devices") && i + 1 < argc)
			ndev = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--lines") && i + 1 < argc)
			nlines = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quick"))
			rounds = 100;
		else
			die("usage: scale [--out DIR] [--reps N] [--busy-limit PCT] "
			    "[--devices N] [--lines N] [--rounds N] [--quick]");
	}
	if (reps < 1 || reps > MAXREPS || ndev < 1 || ndev > BENCH_DEVS || nlines < 1 ||
	    nlines > ndev || rounds < 1)
		die("bad --reps (1-%d), --devices (1-%d), --lines or --rounds", MAXREPS,
		    BENCH_DEVS);
	intxd_path = getenv("INTXD");
	intxctl_path = getenv("INTXCTL");
	client_path = getenv("BENCH_CLIENT");
	if (!intxd_path || !intxctl_path || !client_path)
		die("set INTXD, INTXCTL and BENCH_CLIENT (make bench does)");
	/* on tmpfs: the writeback of 2000 new files would be kernel threads'
	 * work in the next phases, and mark them BUSY */
	strcpy(work, "/dev/shm/intxd-scale.XXXXXX");
	if (!mkdtemp(work))
		strcpy(work, "/tmp/intxd-scale.XXXXXX");
	if (!work[0] || (strncmp(work, "/tmp/", 5) == 0 && !mkdtemp(work)))
		die("mkdtemp: %s", strerror(errno));
	chmod(work, 0755);
	shm_fd = memfd_create("scale-shm", 0);
	if (shm_fd < 0 || ftruncate(shm_fd, sizeof(*shm)) < 0)
		die("memfd: %s", strerror(errno));
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	done_fd = eventfd(0, 0);
	if (shm == MAP_FAILED || done_fd < 0)
		die("shm/eventfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	{
		/* bench's 1cpu placement for every process (inherited): on an
		 * idle vCPU a cross-CPU wake-up costs tens of us and would
		 * decide the one-device figure, not intxd */
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("sched_setaffinity: %s", strerror(errno));
	}

	printf("intxd at the config's limits: %u devices on %u lines, %u clients with a "
	       "session each (sim backend), every process on CPU 0; %u repetitions, "
	       "%u rounds of every line busy\n",
	       ndev, nlines, ndev, reps, rounds);
	fflush(stdout);
	for (r = 0; r < reps; r++) {
		one_rep(r, ndev, nlines, rounds);
		for (enum fig f = 0; f < F_N; f++)
			if (busy[r][f]) {
				nrep_busy++;
				break;
			}
	}

	snprintf(path, sizeof(path), "%s/scale.csv", out);
	csv = fopen(path, "w");
	if (csv) {
		fprintf(csv, "rep,figure,unit,value,busy,other_cpu_pct\n");
		for (r = 0; r < reps; r++)
			for (enum fig f = 0; f < F_N; f++)
				if (have[r][f])
					fprintf(csv, "%u,\"%s\",%s,%.3f,%d,%.1f\n", r,
						figs[f].name, figs[f].unit, val[r][f],
						busy[r][f], other[r][f]);
		fclose(csv);
	}
	printf("\n%u of %u repetitions had a BUSY phase (others' CPU over %.0f %% of "
	       "one CPU, or steal): median (min-max) over the phases not BUSY\n\n",
	       nrep_busy, reps, busy_limit);
	printf("%-44s %4s %2s %12s %23s\n", "figure", "unit", "n", "median", "(min-max)");
	for (enum fig f = 0; f < F_N; f++) {
		char sp[64];

		med = over_reps(reps, f, &lo, &hi, &n, &ab);
		snprintf(sp, sizeof(sp), "(%.*f-%.*f)", med < 100 ? 2 : 0, lo,
			 med < 100 ? 2 : 0, hi);
		printf("%-44s %4s %2u %12.*f %23s%s\n", figs[f].name, figs[f].unit, n,
		       med < 100 ? 2 : 0, med, sp, ab ? "  ALL BUSY" : "");
	}
	/* per repetition, both loads of the same repetition not BUSY */
	for (r = 0; r < reps; r++)
		if (have[r][F_DMN] && have[r][F_DMN1] && val[r][F_DMN1] > 0 &&
		    !busy[r][F_DMN] && !busy[r][F_DMN1])
			ratio[nr++] = val[r][F_DMN] / val[r][F_DMN1];
	if (nr) {
		qsort(ratio, nr, sizeof(*ratio), cmp_d);
		med = nr % 2 ? ratio[nr / 2] : (ratio[nr / 2 - 1] + ratio[nr / 2]) / 2;
		printf("\nintxd CPU per interrupt, every line busy / 1 device, per "
		       "repetition: %.2fx (%.2f-%.2f), n=%u; target <= 1.10x: %s\n",
		       med, ratio[0], ratio[nr - 1], nr, med <= 1.10 ? "met" : "NOT met");
	} else {
		med = over_reps(reps, F_DMN, &dlo, &dhi, &n, &ab);
		d1 = over_reps(reps, F_DMN1, &lo, &hi, &n, &ab);
		printf("\nintxd CPU per interrupt, every line busy / 1 device: no "
		       "repetition had both loads not BUSY; medians of all: %.2fx\n",
		       d1 > 0 ? med / d1 : 0);
	}
	printf("csv: %s\n", path);
	snprintf(path, sizeof(path), "rm -rf '%s'", work);
	(void)system(path);
	return 0;
}
