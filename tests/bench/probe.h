/* SPDX-License-Identifier: MIT */
/*
 * probe.h - /proc readings shared by the benchmark drivers, and the BUSY
 * mark of a run (doc/performance.md, "Repetitions, spread and busy runs").
 */
#ifndef TESTS_BENCH_PROBE_H
#define TESTS_BENCH_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Runtime (ns) and times scheduled in, from /proc/PID/schedstat. */
void schedstat(pid_t pid, uint64_t *run, uint64_t *cnt);
/* One number from /proc/PID/status, read with fmt ("Key: %llu"); 0 if none. */
uint64_t proc_status(pid_t pid, const char *fmt);
/* Voluntary context switches: each one is a sleep, so one wakeup. */
uint64_t wakeups(pid_t pid);
uint64_t vm_hwm_kib(pid_t pid);
/* Context switches, voluntary and not. */
uint64_t ctxsw(pid_t pid);

/*
 * Was the machine busy with something else during a run?  The runtime of
 * every task but ours (pids, and this process; kernel threads count), and
 * the steal time, over the run's wall time.
 */
struct probe {
	uint64_t t, busy, steal, nice;
};

void probe_start(struct probe *p, const pid_t *pids, unsigned n);
/* At the run's end: others' time and steal in % of one CPU (niced tasks
 * apart, not held against the run); true when over limit % (or steal over
 * 2 % in a run longer than 0.5 s): BUSY. */
bool probe_busy(const struct probe *p, const pid_t *pids, unsigned n, double limit,
		double *foreign, double *niced, double *steal);

#endif
