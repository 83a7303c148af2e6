/* SPDX-License-Identifier: MIT */
/* placement.c - see placement.h. */
#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "cpulist.h"
#include "daemon.h"
#include "device.h"
#include "irqinfo.h"
#include "line.h"
#include "linewatch.h"
#include "log.h"
#include "placement.h"

struct placement {
	cpu_set_t orig;    /* the affinity intxd was started with */
	cpu_set_t applied; /* what we set last (valid when pinned) */
	cpu_set_t got;     /* what the kernel gave for it: its CPUs that are
			    * online and in our cpuset (valid when pinned) */
	bool pinned;
	bool told_no_irq;  /* "cpu = irq: no host IRQ" said */
	cpu_set_t refused; /* the last set sched_setaffinity refused, said */
	bool told_refused;
	struct itimer *follow; /* cpu = irq: irqbalance may move an IRQ */
};

int placement_current(cpu_set_t *out)
{
	CPU_ZERO(out);
	return sched_getaffinity(0, sizeof(*out), out) < 0 ? -errno : 0;
}

int placement_line_cpus(const struct line *l, cpu_set_t *out)
{
	if (!linewatch_hw_line(l))
		return -ENODATA;
	return irqinfo_affinity("/proc", l->irq, out);
}

/* cpu = irq: the union of the served host IRQs' CPUs; false if none. */
static bool irq_cpus(const struct daemon *d, cpu_set_t *out)
{
	cpu_set_t one;
	bool any = false;
	unsigned i;

	CPU_ZERO(out);
	for (i = 0; i < d->nlines; i++) {
		if (placement_line_cpus(d->lines[i], &one) < 0)
			continue;
		CPU_OR(out, out, &one);
		any = true;
	}
	return any && CPU_COUNT(out) > 0;
}

static void unpin(struct placement *p)
{
	if (!p->pinned)
		return;
	if (sched_setaffinity(0, sizeof(p->orig), &p->orig) < 0)
		log_err("cannot restore the CPUs intxd started with: %s", strerror(errno));
	else
		log_info("running unpinned again");
	p->pinned = false;
}

/* After sched_setaffinity(cpus): the kernel kept those of cpus that are
 * online and allowed, silently.  They, not cpus, are where intxd runs, the
 * clients' hint and what the log says (list: their text, when fewer). */
static void gave(struct placement *p, const cpu_set_t *cpus, char *list, size_t size)
{
	if (placement_current(&p->got) < 0 || CPU_COUNT(&p->got) == 0) {
		p->got = *cpus;
		return;
	}
	if (!CPU_EQUAL(&p->got, cpus))
		cpulist_format(&p->got, list, size); /* CPULIST_MAX: it fits */
}

static void set(struct placement *p, const cpu_set_t *cpus, const char *why)
{
	char list[CPULIST_MAX];

	if (p->pinned && CPU_EQUAL(cpus, &p->applied))
		return;
	cpulist_format(cpus, list, sizeof(list));
	if (sched_setaffinity(0, sizeof(*cpus), cpus) < 0) {
		/* once per set: the follow timer would say it every second */
		if (!p->told_refused || !CPU_EQUAL(cpus, &p->refused))
			log_err("cannot run on CPU(s) %s (%s): %s; running on the CPUs "
				"intxd started with", list, why, strerror(errno));
		p->refused = *cpus;
		p->told_refused = true;
		/* not an earlier config's CPUs, nor a hint to clients of them */
		unpin(p);
		return;
	}
	p->told_refused = false;
	p->applied = *cpus;
	p->pinned = true;
	gave(p, cpus, list, sizeof(list));
	log_info("running on CPU(s) %s (%s)", list, why);
}

static void follow_irq(struct daemon *d)
{
	struct placement *p = d->placement;
	cpu_set_t cpus;

	if (irq_cpus(d, &cpus)) {
		p->told_no_irq = false;
		set(p, &cpus, "cpu = irq: the served lines' IRQs");
		return;
	}
	unpin(p);
	if (!p->told_no_irq)
		log_warn("cpu = irq: no served line has a host IRQ (sim devices "
			 "have none); running unpinned");
	p->told_no_irq = true;
}

static void follow_again(struct placement *p)
{
	itimer_arm(p->follow, now_ns() + PLACEMENT_FOLLOW_MS * 1000000ull);
}

static void on_follow(void *arg)
{
	struct daemon *d = arg;

	if (d->conf->cpu != CONF_CPU_IRQ)
		return;
	follow_irq(d);
	follow_again(d->placement);
}

int placement_apply(struct daemon *d)
{
	struct placement *p = d->placement;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		if (placement_current(&p->orig) < 0) {
			log_warn("cannot read the CPUs intxd may run on: %s",
				 strerror(errno));
			CPU_ZERO(&p->orig);
		}
		p->follow = itimer_new(d->base, on_follow, d);
		if (!p->follow) {
			free(p);
			return -ENOMEM;
		}
		d->placement = p;
	}
	switch (d->conf->cpu) {
	case CONF_CPU_LIST:
		itimer_cancel(p->follow);
		set(p, &d->conf->cpus, "cpu =");
		break;
	case CONF_CPU_IRQ:
		follow_irq(d);
		follow_again(p);
		break;
	default:
		itimer_cancel(p->follow);
		unpin(p);
		break;
	}
	return 0;
}

void placement_free(struct daemon *d)
{
	if (!d->placement)
		return;
	itimer_free(d->placement->follow);
	free(d->placement);
	d->placement = NULL;
}

void placement_unpin(struct daemon *d)
{
	if (d->placement)
		unpin(d->placement);
}

int placement_hint(const struct daemon *d, const struct device *dev, cpu_set_t *out)
{
	if (d->placement && d->placement->pinned) {
		*out = d->placement->got;
		return 0;
	}
	if (dev->line && placement_line_cpus(dev->line, out) == 0 && CPU_COUNT(out) > 0)
		return 0;
	return -ENODATA;
}
