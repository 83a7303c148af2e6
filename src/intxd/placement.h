/* SPDX-License-Identifier: MIT */
/*
 * placement.h - the CPUs intxd's event loop runs on (cpu = in [intxd]),
 * and the CPU hint given to clients (SUBSCRIBED.cpus, intx_cpu()).
 *
 * cpu = LIST pins the daemon to LIST; cpu = irq to the union of the
 * effective affinity (/proc/irq/N/effective_affinity_list) of the host
 * IRQs of the lines served, followed every PLACEMENT_FOLLOW_MS when
 * irqbalance moves one; with no such line (sim devices only) it says so
 * and stays unpinned.  cpu = none (the default) leaves the affinity intxd
 * was started with, and restores it after a reload from a pinned config.
 * The daemon is single-threaded: pinning the calling thread pins it all.
 */
#ifndef INTXD_PLACEMENT_H
#define INTXD_PLACEMENT_H

#include <sched.h>

struct daemon;
struct device;
struct line;

#define PLACEMENT_FOLLOW_MS 1000

/* At start and after every reload: pin as d->conf says (logs what it
 * did and why not).  0 or -errno (out of memory only: a CPU set that
 * cannot be applied is logged, and the daemon runs on the CPUs it was
 * started with, even if an earlier config had pinned it). */
int placement_apply(struct daemon *d);
void placement_free(struct daemon *d);

/* Give back the CPUs intxd started with (before intxctl restart's exec:
 * the new image takes its own as the ones to go back to). */
void placement_unpin(struct daemon *d);

/* The CPUs of l's IRQ: 0, -ENODATA (no host IRQ: a named or sim line)
 * or -errno reading /proc. */
int placement_line_cpus(const struct line *l, cpu_set_t *out);

/* Where a client of dev runs best: the daemon's CPUs when it is pinned,
 * else the CPUs of dev's IRQ; -ENODATA when there is no hint. */
int placement_hint(const struct daemon *d, const struct device *dev, cpu_set_t *out);

/* The CPUs the daemon may run on now (sched_getaffinity). */
int placement_current(cpu_set_t *out);

#endif
