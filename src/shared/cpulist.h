/* SPDX-License-Identifier: MIT */
/*
 * cpulist.h - CPU lists as taskset -c, /proc/irq/N/effective_affinity_list
 * and the config write them ("0,2-3"), to and from a cpu_set_t.  Used by
 * intxd's config and placement, intxctl and libintx's intx_cpu().
 */
#ifndef INTX_CPULIST_H
#define INTX_CPULIST_H

#include <sched.h>
#include <stddef.h>

/* s: decimal CPU numbers and ranges A-B, comma-separated, no blanks, each
 * below CPU_SETSIZE; at least one.  0 and *out, or -EINVAL (syntax, an
 * empty list, a range backwards) or -ERANGE (a CPU >= CPU_SETSIZE). */
int cpulist_parse(const char *s, cpu_set_t *out);

/* set as a list with ranges into buf ("" for an empty set).  0, or
 * -ENOSPC when it did not fit: buf is then "", as for no list, never the
 * items that fit (a smaller set, which a client would pin itself to). */
int cpulist_format(const cpu_set_t *set, char *buf, size_t size);

#endif
