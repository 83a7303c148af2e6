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
	struct intx_msg_event m;
	struct session *s;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_EVENT, sizeof(m));
	m.kind = kind;
	m.flags = flags;
	m.ts_ns = now_ns();
	m.seq = seq;
	snprintf(m.device, sizeof(m.device), "%s", device ? device : "");
	snprintf(m.client, sizeof(m.client), "%s", client ? client : "");
	TAILQ_FOREACH(s, &d->sessions, entry) {
		/* A reply waiting for room gets it first: the events in
		 * between are missed. */
		if (!s->monitor || s->dead || control_busy(s))
			continue;
		/* A monitor that cannot keep up misses events; nobody waits. */
		(void)wire_send(s->fd, &m, sizeof(m), -1, MSG_DONTWAIT);
	}
}
