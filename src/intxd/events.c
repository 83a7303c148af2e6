/* SPDX-License-Identifier: MIT */
/* events.c - the monitor fan-out. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "control.h"
#include "events.h"
#include "proto.h"
#include "session.h"
#include "wire.h"

void events_send(struct daemon *d, uint32_t kind, uint32_t flags, uint64_t seq,
		 const char *device, const char *client)
{
	struct intx_msg_event m, gap;
	struct session *s;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_EVENT, sizeof(m));
	m.kind = kind;
	m.flags = flags;
	m.ts_ns = now_ns();
	m.seq = seq;
	snprintf(m.device, sizeof(m.device), "%s", device ? device : "");
	snprintf(m.client, sizeof(m.client), "%s", client ? client : "");
	memset(&gap, 0, sizeof(gap));
	proto_hdr(&gap.hdr, INTX_MSG_EVENT, sizeof(gap));
	gap.kind = INTX_EV_MISSED;
	gap.ts_ns = m.ts_ns;
	TAILQ_FOREACH(s, &d->sessions, entry) {
		if (!s->monitor || s->dead)
			continue;
		/*
		 * A monitor that cannot keep up misses events; nobody waits.
		 * It is told how many, first thing once there is room.  A
		 * reply waiting for room gets it before any event.
		 */
		if (s->missed && !control_busy(s)) {
			gap.seq = s->missed;
			if (wire_send(s->fd, &gap, sizeof(gap), -1, MSG_DONTWAIT) == 0)
				s->missed = 0;
		}
		if (s->missed || control_busy(s) ||
		    wire_send(s->fd, &m, sizeof(m), -1, MSG_DONTWAIT) < 0)
			s->missed++;
	}
}
