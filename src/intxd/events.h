/* SPDX-License-Identifier: MIT */
/*
 * events.h - what `intxctl monitor` sees: every EVENT the daemon emits goes
 * through events_emit(), the one place that knows who is monitoring.
 */
#ifndef INTXD_EVENTS_H
#define INTXD_EVENTS_H

#include <stdint.h>

#include "daemon.h"

void events_send(struct daemon *d, uint32_t kind, uint32_t flags, uint64_t seq,
		 const char *device, const char *client);

/* Cheap when nobody monitors: the interrupt path calls it unconditionally. */
static inline void events_emit(struct daemon *d, uint32_t kind, uint32_t flags,
			       uint64_t seq, const char *device,
			       const char *client)
{
	if (d->monitors)
		events_send(d, kind, flags, seq, device, client);
}

#endif
