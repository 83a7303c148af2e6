/* SPDX-License-Identifier: MIT */
/* control.c - snapshots of the model for intxctl, and administration. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "control.h"
#include "backend.h"
#include "daemon.h"
#include "device.h"
#include "line.h"
#include "linewatch.h"
#include "log.h"
#include "session.h"

static int send_status(struct session *s)
{
	struct daemon *d = s->daemon;
	struct intx_msg_status m;
	unsigned i;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_STATUS, sizeof(m));
	proto_strset(m.version, sizeof(m.version), PKGVERSION);
	m.uptime_ns = now_ns() - d->start_ns;
	m.mode = (uint32_t)d->conf->mode;
	m.pid = (uint32_t)getpid();
	m.lines = d->nlines;
	for (i = 0; i < d->ndevices; i++)
		m.devices += d->devices[i] != NULL;
	m.clients = d->nclients;
	m.sessions = d->nsessions;
	for (i = 0; i < d->ndevices; i++) {
		if (!d->devices[i])
			continue;
		m.raised += d->devices[i]->raised;
		m.delivered += d->devices[i]->delivered;
		m.acked += d->devices[i]->acked;
	}
	for (i = 0; i < d->nlines; i++)
		m.spurious += d->lines[i]->spurious;
	return session_send(s, &m, sizeof(m), -1);
}

static int send_line(struct session *s, const struct line *l)
{
	struct intx_msg_line m;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_LINE, sizeof(m));
	memcpy(m.name, l->name, sizeof(m.name));
	m.irq = l->irq;
	m.flags = l->broadcast ? INTX_F_BROADCAST : 0;
	linewatch_line_info(s->daemon, l, &m.rogues, &m.flags);
	m.devices = l->ndevs;
	m.events = l->events;
	m.spurious = l->spurious;
	m.status_reads = l->status_reads;
	m.merged = l->merged;
	return session_send(s, &m, sizeof(m), -1);
}

static int send_device(struct session *s, const struct device *dev)
{
	struct intx_msg_device m;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_DEVICE, sizeof(m));
	memcpy(m.name, dev->name, sizeof(m.name));
	if (dev->line)
		memcpy(m.line, dev->line->name, sizeof(m.line));
	memcpy(m.pci, dev->pci, sizeof(m.pci));
	if (dev->ops)
		proto_strset(m.backend, sizeof(m.backend), dev->ops->name);
	m.irq = dev->irq;
	m.flags = device_flags(dev);
	m.subscribers = dev->nsubs;
	m.seq = dev->seq;
	m.raised = dev->raised;
	m.delivered = dev->delivered;
	m.acked = dev->acked;
	m.handled = dev->handled;
	m.latency_ns[0] = device_latency(dev, 0.5);
	m.latency_ns[1] = device_latency(dev, 0.99);
	m.latency_ns[2] = device_latency(dev, 0.999);
	m.timeouts = dev->timeouts;
	m.storms = dev->storms;
	m.latency_count = dev->lat_count;
	m.latency_sum_ns = dev->lat_sum;
	return session_send(s, &m, sizeof(m), -1);
}

static int send_client(struct session *s, const struct client *c)
{
	struct intx_msg_client m;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_CLIENT, sizeof(m));
	proto_strset(m.name, sizeof(m.name), c->name);
	m.uid = (int32_t)c->conf->uid;
	m.gid = (int32_t)c->conf->gid;
	m.sessions = c->sessions;
	m.devices = c->conf->ndevices;
	m.delivered = c->delivered;
	m.acked = c->acked;
	m.handled = c->handled;
	m.unhandled = c->unhandled;
	m.timeouts = c->timeouts;
	return session_send(s, &m, sizeof(m), -1);
}

int control_query(struct session *s, const struct intx_msg_query *q)
{
	struct daemon *d = s->daemon;
	struct intx_msg_list_end end;
	unsigned i, n = 0;
	int r = 0;

	switch (q->what) {
	case INTX_Q_STATUS:
		r = send_status(s);
		n = 1;
		break;
	case INTX_Q_LINES:
		for (i = 0; i < d->nlines && r == 0; i++, n++)
			r = send_line(s, d->lines[i]);
		break;
	case INTX_Q_DEVICES:
		for (i = 0; i < d->ndevices && r == 0; i++)
			if (d->devices[i]) {
				r = send_device(s, d->devices[i]);
				n++;
			}
		break;
	case INTX_Q_CLIENTS:
		for (i = 0; i < d->nclients && r == 0; i++, n++)
			r = send_client(s, d->clients[i]);
		break;
	default:
		return session_error(s, EINVAL, INTX_MSG_QUERY, "unknown query");
	}
	if (r < 0)
		return r;
	memset(&end, 0, sizeof(end));
	proto_hdr(&end.hdr, INTX_MSG_LIST_END, sizeof(end));
	end.what = q->what;
	end.count = n;
	return session_send(s, &end, sizeof(end), -1);
}

static int send_done(struct session *s, unsigned type)
{
	struct intx_msg_done m;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_DONE, sizeof(m));
	m.req_type = type;
	return session_send(s, &m, sizeof(m), -1);
}

int control_admin(struct session *s, const struct intx_msg_admin *m)
{
	struct daemon *d = s->daemon;
	unsigned i;
	int r;

	if (m->op == INTX_ADMIN_RELOAD) {
		char msg[INTX_TEXT_MAX];

		log_info("reload asked by pid %d", (int)s->cred.pid);
		r = daemon_reload(d, msg, sizeof(msg));
		if (r < 0)
			return session_error(s, -r, INTX_MSG_ADMIN, msg);
		return send_done(s, INTX_MSG_ADMIN);
	}
	if (m->op == INTX_ADMIN_QUARANTINE || m->op == INTX_ADMIN_RELEASE) {
		char why[48];

		snprintf(why, sizeof(why), "intxctl, pid %d", (int)s->cred.pid);
		r = m->op == INTX_ADMIN_QUARANTINE ? linewatch_quarantine(d, m->device, why) :
						     linewatch_release(d, m->device, why);
		if (r < 0)
			return session_error(s, -r, INTX_MSG_ADMIN, strerror(-r));
		return send_done(s, INTX_MSG_ADMIN);
	}
	if (m->op != INTX_ADMIN_MASK && m->op != INTX_ADMIN_UNMASK)
		return session_error(s, EOPNOTSUPP, INTX_MSG_ADMIN,
				     "operation not supported by this intxd");
	for (i = 0; i < d->ndevices; i++) {
		struct device *dev = d->devices[i];

		if (!dev || strcmp(dev->name, m->device) != 0)
			continue;
		r = device_admin_mask(dev, m->op == INTX_ADMIN_MASK);
		if (r < 0)
			return session_error(s, -r, INTX_MSG_ADMIN, strerror(-r));
		log_full(LOG_NOTICE, dev->name, dev->line->name, NULL, "%s by pid %d",
			 m->op == INTX_ADMIN_MASK ? "masked" : "unmasked",
			 (int)s->cred.pid);
		return send_done(s, INTX_MSG_ADMIN);
	}
	return session_error(s, ENOENT, INTX_MSG_ADMIN, "no such device");
}
