/* SPDX-License-Identifier: MIT */
/*
 * cpuset.h - a cpu_set_t as protocol 2 carries it (STATUS.cpus, LINE.cpus,
 * SUBSCRIBED.cpus): INTX_CPUSET_BYTES bytes, CPU i is bit i % 8 of byte
 * i / 8, the same on every host whatever cpu_set_t's own layout; all zero
 * bits = no set known.  intxd writes it, libintx and intxctl read it: the
 * one place that knows the bit layout.
 */
#ifndef INTX_CPUSET_H
#define INTX_CPUSET_H

#include <sched.h>
#include <stdint.h>

#include "proto.h"

/* set into wire; an empty set is "none known". */
void cpuset_to_wire(const cpu_set_t *set, uint8_t wire[INTX_CPUSET_BYTES]);

/* wire into *out; returns how many CPUs it holds, 0 for none known. */
int cpuset_from_wire(const uint8_t wire[INTX_CPUSET_BYTES], cpu_set_t *out);

#endif
