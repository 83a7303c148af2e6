/* SPDX-License-Identifier: MIT */
/*
 * probe.c - what the benchmark drivers (bench, scale) read of processes in
 * /proc, and the BUSY mark: was the machine busy with something else
 * during a run (probe.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "probe.h"

/* Runtime (ns) and times scheduled in, from /proc/PID/schedstat. */
void schedstat(pid_t pid, uint64_t *run, uint64_t *cnt)
{
	unsigned long long a = 0, b = 0, c = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu %llu %llu", &a, &b, &c) != 3)
			a = c = 0;
		fclose(f);
	}
	*run = a;
	*cnt = c;
}

/* One number from /proc/PID/status, read with fmt ("Key: %llu"); 0 if none. */
uint64_t proc_status(pid_t pid, const char *fmt)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Voluntary context switches: each one is a sleep, so one wakeup. */
uint64_t wakeups(pid_t pid)
{
	return proc_status(pid, "voluntary_ctxt_switches: %llu");
}

uint64_t vm_hwm_kib(pid_t pid)
{
	return proc_status(pid, "VmHWM: %llu kB");
}

/* Context switches, voluntary and not. */
uint64_t ctxsw(pid_t pid)
{
	return wakeups(pid) + proc_status(pid, "nonvoluntary_ctxt_switches: %llu");
}

/* A small /proc file whole into buf, NUL-terminated: its length, 0 for
 * empty, or -1 (a thread that exited in between). */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/*
 * The runtime (schedstat, ns) of every other task on the machine, kernel
 * threads included, split by nice: a nice > 0 job yields to the
 * benchmark, so it is shown apart and not held against a run.
 */
static void others_ns(const pid_t *ours, unsigned nours, uint64_t *fg, uint64_t *niced)
{
	struct dirent *e, *t;
	DIR *d = opendir("/proc"), *td;

	*fg = *niced = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[600];
		unsigned i;
		pid_t pid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(e->d_name);
		for (i = 0; i < nours && ours[i] != pid; i++)
			;
		if (i < nours || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		td = opendir(path);
		if (!td)
			continue;
		while ((t = readdir(td))) {
			char buf[1024], *p;
			unsigned long long run = 0;
			long nice = 0;

			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/schedstat",
				 e->d_name, t->d_name);
			if (read_small(path, buf, sizeof(buf)) <= 0)
				continue;
			run = strtoull(buf, NULL, 10);
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stat", e->d_name,
				 t->d_name);
			if (read_small(path, buf, sizeof(buf)) <= 0)
				continue;
			p = strrchr(buf, ')');
			/* after the name: fields 3 to 18, then nice (19) */
			if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
				      "%*u %*u %*d %*d %*d %ld", &nice) != 1)
				nice = 0;
			if (nice > 0)
				*niced += run;
			else
				*fg += run;
		}
		closedir(td);
	}
	closedir(d);
}

static void cpu_stat(uint64_t *busy, uint64_t *steal)
{
	unsigned long long v[10] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	*busy = *steal = 0;
	if (!f)
		return;
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
		   &v[9]) >= 8) {
		*busy = (v[0] + v[1] + v[2] + v[5] + v[6]) * (1000000000ull / hz);
		*steal = v[7] * (1000000000ull / hz);
	}
	fclose(f);
}

void probe_start(struct probe *p, const pid_t *pids, unsigned n)
{
	uint64_t busy;

	p->t = bench_now();
	cpu_stat(&busy, &p->steal);
	others_ns(pids, n, &p->busy, &p->nice);
}

bool probe_busy(const struct probe *p, const pid_t *pids, unsigned n, double limit,
		double *foreign, double *niced, double *steal)
{
	struct probe e;
	double wall;

	probe_start(&e, pids, n);
	wall = (double)(e.t - p->t);
	/* a task that exited in between takes its time with it: clamp */
	*foreign = wall > 0 && e.busy > p->busy ?
		100.0 * (double)(e.busy - p->busy) / wall : 0;
	*niced = wall > 0 && e.nice > p->nice ?
		100.0 * (double)(e.nice - p->nice) / wall : 0;
	*steal = wall > 0 ? 100.0 * (double)(e.steal - p->steal) / wall : 0;
	/* steal is counted in ticks: meaningless over a short run */
	return *foreign > limit || (wall > 5e8 && *steal > 2);
}
