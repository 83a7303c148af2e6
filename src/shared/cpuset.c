/* SPDX-License-Identifier: MIT */
/* cpuset.c - see cpuset.h. */
#include <string.h>

#include "cpuset.h"

/* Every CPU a cpu_set_t can name has a bit on the wire, and no more. */
_Static_assert(INTX_CPUSET_BYTES * 8 == CPU_SETSIZE, "wire CPU set size");

void cpuset_to_wire(const cpu_set_t *set, uint8_t wire[INTX_CPUSET_BYTES])
{
	int i;

	memset(wire, 0, INTX_CPUSET_BYTES);
	/* bit by bit: cpu_set_t's words are host-endian, the wire is not */
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, set))
			wire[i / 8] |= (uint8_t)(1u << (i % 8));
}

int cpuset_from_wire(const uint8_t wire[INTX_CPUSET_BYTES], cpu_set_t *out)
{
	int i;

	CPU_ZERO(out);
	for (i = 0; i < CPU_SETSIZE; i++)
		if (wire[i / 8] & (1u << (i % 8)))
			CPU_SET(i, out);
	return CPU_COUNT(out);
}
