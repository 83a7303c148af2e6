/* SPDX-License-Identifier: MIT */
/*
 * cpulist.h - CPU lists as taskset -c, /proc/irq/N/effective_affinity_list
 * and the config write them ("0,2-3"), to and from a cpu_set_t.  Used by
 * intxd's config, placement and logs, and intxctl's views.  The protocol
 * carries sets as bitmaps, not lists (cpuset.h).
 */
#ifndef INTX_CPULIST_H
#define INTX_CPULIST_H

#include <sched.h>
#include <stddef.h>

/* Room for the list of any cpu_set_t, NUL included: an item ("A", "A-B")
 * and its comma take at most 10 characters while CPUs have 4 digits, and
 * items are apart by at least one CPU not in the set. */
#define CPULIST_MAX ((CPU_SETSIZE + 1) / 2 * 10 + 1)
_Static_assert(CPU_SETSIZE <= 10000, "CPULIST_MAX counts 4 digits a CPU");

/* s: decimal CPU numbers and ranges A-B, comma-separated, no blanks, each
 * below CPU_SETSIZE; at least one.  0 and *out, or -EINVAL (syntax, an
 * empty list, a range backwards) or -ERANGE (a CPU >= CPU_SETSIZE). */
int cpulist_parse(const char *s, cpu_set_t *out);

/* set as a list with ranges into buf ("" for an empty set).  0, or
 * -ENOSPC when it did not fit: buf is then "", as for no list, never the
 * items that fit (a smaller set, which a client would pin itself to).  A
 * buffer of CPULIST_MAX always fits. */
int cpulist_format(const cpu_set_t *set, char *buf, size_t size);

#endif
