/* SPDX-License-Identifier: MIT */
/*
 * control.c - intxctl's sessions: who may do what, snapshots of the model
 * (streamed as the socket drains, so a reply of any length gets through)
 * and administration.
 */
#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "control.h"
#include "cpuset.h"
#include "backend.h"
#include "daemon.h"
#include "device.h"
#include "fdstore.h"
#include "line.h"
#include "linewatch.h"
#include "log.h"
#include "placement.h"
#include "session.h"
#include "wire.h"

#define PEER_GROUPS_MAX 64
/* not a query: TEXT lines then an ERROR (a reload's problems) */
#define CONTROL_TEXT 0

union record {
	struct intx_hdr hdr;
	struct intx_msg_text text;
	struct intx_msg_error error;
	struct intx_msg_status status;
	struct intx_msg_line line;
	struct intx_msg_device device;
	struct intx_msg_client client;
	struct intx_msg_failure failure;
	struct intx_msg_list_end end;
};

/* A control session's own state, hung on its session. */
struct control {
	struct session *s;
	unsigned rights;   /* CONTROL_READ | CONTROL_ADMIN */
	/* the reply being streamed: QUERY what (or CONTROL_TEXT), the next
	 * index, records sent */
	bool busy;
	uint32_t what;
	unsigned next, count;
	/* CONTROL_TEXT: lines (malloc'd, '\n' between; next is the offset
	 * of the one to send), then last: the ERROR that ends a reload's
	 * report, or a request's one reply (DONE, ERROR), which waits for
	 * room as a list does */
	char *text;
	union record last;
	struct event *ev_write; /* on the session's socket, while busy */
	bool restart; /* asked for the restart under way */
};

static void make_status(struct session *s, struct intx_msg_status *m)
{
	struct daemon *d = s->daemon;
	const struct session *o;
	cpu_set_t cpus;
	unsigned i;

	memset(m, 0, sizeof(*m));
	proto_hdr(&m->hdr, INTX_MSG_STATUS, sizeof(*m));
	proto_strset(m->version, sizeof(m->version), PKGVERSION);
	m->uptime_ns = now_ns() - d->start_ns;
	m->mode = (uint32_t)d->conf->mode;
	m->pid = (uint32_t)getpid();
	m->lines = d->nlines;
	for (i = 0; i < d->ndevices; i++)
		m->devices += d->devices[i] != NULL;
	m->clients = d->nclients;
	/* drivers' sessions: not intxctl's own, nor one not yet admitted */
	TAILQ_FOREACH(o, &d->sessions, entry)
		m->sessions += o->role == INTX_ROLE_CLIENT && !o->dead;
	for (i = 0; i < d->ndevices; i++) {
		if (!d->devices[i])
			continue;
		m->raised += d->devices[i]->n.raised;
		m->delivered += d->devices[i]->n.delivered;
		m->acked += d->devices[i]->n.acked;
	}
	for (i = 0; i < d->nlines; i++)
		m->spurious += d->lines[i]->spurious;
	if (placement_current(&cpus) == 0)
		cpuset_to_wire(&cpus, m->cpus);
}

static void make_line(const struct line *l, struct intx_msg_line *m)
{
	cpu_set_t cpus;

	memset(m, 0, sizeof(*m));
	proto_hdr(&m->hdr, INTX_MSG_LINE, sizeof(*m));
	memcpy(m->name, l->name, sizeof(m->name));
	m->irq = l->irq;
	m->flags = l->broadcast ? INTX_F_BROADCAST : 0;
	linewatch_line_info(l->daemon, l, &m->rogues, &m->flags);
	m->devices = l->ndevs;
	m->events = l->events;
	m->spurious = l->spurious;
	m->status_reads = l->status_reads;
	m->merged = l->merged;
	if (placement_line_cpus(l, &cpus) == 0)
		cpuset_to_wire(&cpus, m->cpus);
}

static void make_device(const struct device *dev, struct intx_msg_device *m)
{
	memset(m, 0, sizeof(*m));
	proto_hdr(&m->hdr, INTX_MSG_DEVICE, sizeof(*m));
	memcpy(m->name, dev->name, sizeof(m->name));
	if (dev->line)
		memcpy(m->line, dev->line->name, sizeof(m->line));
	memcpy(m->pci, dev->pci, sizeof(m->pci));
	if (dev->ops)
		proto_strset(m->backend, sizeof(m->backend), dev->ops->name);
	m->irq = dev->irq;
	m->flags = device_flags(dev);
	m->subscribers = dev->nsubs;
	m->seq = dev->seq;
	m->raised = dev->n.raised;
	m->delivered = dev->n.delivered;
	m->acked = dev->n.acked;
	m->handled = dev->n.handled;
	m->latency_ns[0] = device_latency(dev, 0.5);
	m->latency_ns[1] = device_latency(dev, 0.99);
	m->latency_ns[2] = device_latency(dev, 0.999);
	m->timeouts = dev->n.timeouts;
	m->storms = dev->n.storms;
	m->latency_count = dev->n.lat_count;
	m->latency_sum_ns = dev->n.lat_sum;
}

static void make_failure(const struct device *dev, struct intx_msg_failure *m)
{
	memset(m, 0, sizeof(*m));
	proto_hdr(&m->hdr, INTX_MSG_FAILURE, sizeof(*m));
	memcpy(m->device, dev->name, sizeof(m->device));
	proto_strset(m->reason, sizeof(m->reason), dev->fail_reason[0] ?
		     dev->fail_reason : "see intxd's log");
}

static void make_client(const struct client *c, struct intx_msg_client *m)
{
	memset(m, 0, sizeof(*m));
	proto_hdr(&m->hdr, INTX_MSG_CLIENT, sizeof(*m));
	proto_strset(m->name, sizeof(m->name), c->name);
	m->uid = (int32_t)c->conf->uid;
	m->gid = (int32_t)c->conf->gid;
	m->sessions = c->sessions;
	m->devices = c->conf->ndevices;
	m->delivered = c->delivered;
	m->acked = c->acked;
	m->handled = c->handled;
	m->unhandled = c->unhandled;
	m->timeouts = c->timeouts;
}


/*
 * The cursor's next message: a record, else LIST_END (returns false once
 * LIST_END is made).  Looked up by index each time: a reload between two
 * writable wakeups may have changed the arrays, never the indexes' meaning
 * beyond "the next one".
 */
static bool make_next(struct control *ctl, union record *r)
{
	struct daemon *d = ctl->s->daemon;

	switch (ctl->what) {
	case CONTROL_TEXT:
		if (ctl->text && ctl->text[ctl->next]) {
			const char *t = ctl->text + ctl->next;
			size_t n = strcspn(t, "\n");

			memset(&r->text, 0, sizeof(r->text));
			proto_hdr(&r->text.hdr, INTX_MSG_TEXT, sizeof(r->text));
			r->text.req_type = INTX_MSG_ADMIN;
			snprintf(r->text.text, sizeof(r->text.text), "%.*s", (int)n, t);
			ctl->next += (unsigned)(n + (t[n] == '\n'));
			return true;
		}
		*r = ctl->last;
		return false;
	case INTX_Q_STATUS:
		if (ctl->next++ == 0) {
			make_status(ctl->s, &r->status);
			return true;
		}
		break;
	case INTX_Q_LINES:
		if (ctl->next < d->nlines) {
			make_line(d->lines[ctl->next++], &r->line);
			return true;
		}
		break;
	case INTX_Q_DEVICES:
		while (ctl->next < d->ndevices && !d->devices[ctl->next])
			ctl->next++;
		if (ctl->next < d->ndevices) {
			make_device(d->devices[ctl->next++], &r->device);
			return true;
		}
		break;
	case INTX_Q_FAILED:
		while (ctl->next < d->ndevices &&
		       !(d->devices[ctl->next] && d->devices[ctl->next]->failed))
			ctl->next++;
		if (ctl->next < d->ndevices) {
			make_failure(d->devices[ctl->next++], &r->failure);
			return true;
		}
		break;
	case INTX_Q_CLIENTS:
		if (ctl->next < d->nclients) {
			make_client(d->clients[ctl->next++], &r->client);
			return true;
		}
		break;
	}
	memset(&r->end, 0, sizeof(r->end));
	proto_hdr(&r->end.hdr, INTX_MSG_LIST_END, sizeof(r->end));
	r->end.what = ctl->what;
	r->end.count = ctl->count;
	return false;
}

/* Send what the socket has room for; when it is full, wait for it to
 * drain (reading no request meanwhile, so replies never interleave). */
static int pump(struct control *ctl)
{
	struct session *s = ctl->s;

	while (ctl->busy && !s->dead) {
		union record r;
		unsigned next = ctl->next;
		bool more = make_next(ctl, &r);
		int e = wire_send(s->fd, &r, r.hdr.len, -1, MSG_DONTWAIT);

		if (e == -EAGAIN) {
			ctl->next = next; /* made again when there is room */
			event_del(s->ev_read);
			if (event_add(ctl->ev_write, NULL) < 0) {
				session_kill(s, "cannot wait for the socket");
				return -ENOMEM;
			}
			return 0;
		}
		if (e < 0) {
			session_kill(s, strerror(-e));
			return e;
		}
		if (more) {
			ctl->count++;
		} else {
			ctl->busy = false;
			free(ctl->text);
			ctl->text = NULL;
		}
	}
	if (!s->dead)
		event_add(s->ev_read, NULL); /* requests again */
	return 0;
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)pump(arg);
}

bool control_busy(const struct session *s)
{
	return s->ctl && s->ctl->busy;
}

/*
 * A request's one reply, m (len bytes), sent as a list's records are:
 * when the socket is full (a monitor's unread EVENTs fill it) it waits
 * for room, and the session's next request with it, rather than end a
 * session that reads, only late.  reply_after() sends TEXT records first,
 * a line of text each (malloc'd, taken over; NULL: none).
 */
static int reply_after(struct control *ctl, char *text, const void *m, size_t len)
{
	memset(&ctl->last, 0, sizeof(ctl->last));
	memcpy(&ctl->last, m, len);
	free(ctl->text);
	ctl->text = text;
	ctl->busy = true;
	ctl->what = CONTROL_TEXT;
	ctl->next = 0;
	ctl->count = 0;
	return pump(ctl);
}

static int reply(struct control *ctl, const void *m, size_t len)
{
	return reply_after(ctl, NULL, m, len);
}

static int control_error(struct session *s, int err, unsigned req_type,
			 const char *text)
{
	struct intx_msg_error m;

	proto_error(&m, err, req_type, text);
	return reply(s->ctl, &m, sizeof(m));
}

int control_query(struct session *s, const struct intx_msg_query *q)
{
	struct control *ctl = s->ctl;

	if (q->what < INTX_Q_STATUS || q->what > INTX_Q_FAILED)
		return control_error(s, EINVAL, INTX_MSG_QUERY, "unknown query");
	ctl->busy = true;
	ctl->what = q->what;
	ctl->next = 0;
	ctl->count = 0;
	return pump(ctl);
}

static int send_done(struct session *s, unsigned type)
{
	struct intx_msg_done m;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_DONE, sizeof(m));
	m.req_type = type;
	return reply(s->ctl, &m, sizeof(m));
}

/* The group of the socket the peer came through: socket-group, else the
 * group its path has (systemd's SocketGroup= under socket activation,
 * where the path may not be the config's); -1 if unknown. */
static int64_t socket_group(const struct session *s)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	struct stat st;

	if (s->daemon->conf->socket_gid >= 0)
		return s->daemon->conf->socket_gid;
	memset(&sa, 0, sizeof(sa));
	/* an accepted socket's name is the listening socket's path */
	if (getsockname(s->fd, (struct sockaddr *)&sa, &len) < 0 ||
	    sa.sun_family != AF_UNIX || !sa.sun_path[0] ||
	    len >= sizeof(sa))
		return -1;
	if (stat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		return (int64_t)st.st_gid;
	return -1;
}

static bool in_group(const struct session *s, int64_t gid, const gid_t *groups,
		     unsigned ngroups)
{
	unsigned i;

	if (gid < 0)
		return false;
	if ((int64_t)s->cred.gid == gid)
		return true;
	for (i = 0; i < ngroups; i++)
		if ((int64_t)groups[i] == gid)
			return true;
	return false;
}

static const char *group_name(int64_t gid, char *buf, size_t n)
{
	struct group *g = gid >= 0 ? getgrgid((gid_t)gid) : NULL;

	if (g)
		snprintf(buf, n, "%s", g->gr_name);
	else
		snprintf(buf, n, "%lld", (long long)gid);
	return buf;
}

int control_admit(struct session *s, char *why, size_t n)
{
	const struct conf *c = s->daemon->conf;
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t glen = sizeof(groups);
	unsigned ngroups = 0, rights = 0;
	int64_t sgid = socket_group(s);
	struct control *ctl;
	char gname[64];

	if (getsockopt(s->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		ngroups = glen / sizeof(gid_t);
	if (s->cred.uid == 0 || in_group(s, c->admin_gid, groups, ngroups))
		rights = CONTROL_READ | CONTROL_ADMIN;
	else if (sgid > 0 && in_group(s, sgid, groups, ngroups))
		rights = CONTROL_READ;
	if (!rights) {
		if (sgid > 0)
			snprintf(why, n, "control needs root or group %s (the "
				 "socket's); uid %u is in neither",
				 group_name(sgid, gname, sizeof(gname)),
				 (unsigned)s->cred.uid);
		else
			snprintf(why, n, "control needs root (the socket has no "
				 "group of its own: socket-group =); uid %u is not",
				 (unsigned)s->cred.uid);
		return -EPERM;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (ctl)
		ctl->ev_write = event_new(s->daemon->base, s->fd, EV_WRITE,
					  on_writable, ctl);
	if (!ctl || !ctl->ev_write) {
		free(ctl);
		snprintf(why, n, "out of memory");
		return -ENOMEM;
	}
	ctl->s = s;
	ctl->rights = rights;
	s->ctl = ctl;
	return (int)rights;
}

void control_free(struct session *s)
{
	if (!s->ctl)
		return;
	event_free(s->ctl->ev_write);
	free(s->ctl->text);
	free(s->ctl);
	s->ctl = NULL;
}

/* An ADMIN operation needs the admin right: root or admin-group. */
static bool may_admin(struct session *s, const char *what)
{
	const struct conf *c = s->daemon->conf;
	char text[INTX_TEXT_MAX], gname[64];

	if (s->ctl->rights & CONTROL_ADMIN)
		return true;
	if (c->admin_gid >= 0)
		snprintf(text, sizeof(text), "%s needs root or group %s "
			 "(admin-group); uid %u is read-only", what,
			 group_name(c->admin_gid, gname, sizeof(gname)),
			 (unsigned)s->cred.uid);
	else
		snprintf(text, sizeof(text), "%s needs root (no admin-group is "
			 "configured); uid %u is read-only", what,
			 (unsigned)s->cred.uid);
	log_full(LOG_NOTICE, NULL, NULL, NULL, "session %u (pid %d): %s", s->id,
		 (int)s->cred.pid, text);
	(void)control_error(s, EPERM, INTX_MSG_ADMIN, text);
	return false;
}

/* A reload or restart refused for its config: ERROR r, after every problem
 * in msg (malloc'd, taken over) as TEXT when report, or the first one in
 * the ERROR's text. */
static int refuse(struct session *s, int r, char *msg, bool report)
{
	struct intx_msg_error m;
	unsigned n = 0;

	for (const char *p = msg; *p; p++)
		n += *p == '\n';
	n += msg[0] != 0;
	proto_error(&m, -r, INTX_MSG_ADMIN, "");
	/* lines: every problem as TEXT, unless one fits the ERROR itself */
	if (report && (n > 1 || strlen(msg) >= sizeof(m.text))) {
		snprintf(m.text, sizeof(m.text),
			 "%u problem(s) in the configuration; the running one stays", n);
		return reply_after(s->ctl, msg, &m, sizeof(m));
	}
	msg[strcspn(msg, "\n")] = 0; /* the first problem */
	snprintf(m.text, sizeof(m.text), "%s",
		 n ? msg : "the configuration does not load; the running one stays");
	free(msg);
	return reply(s->ctl, &m, sizeof(m));
}

/* RELOAD: a failure's ERROR says the first problem.  RELOAD_REPORT:
 * every problem, a TEXT each, then ERROR; streamed like a query's
 * records, so a config with many errors gets through.  One that went
 * through but left devices unopened says each as TEXT before its DONE. */
static int reload(struct session *s, bool report)
{
	struct intx_msg_done done;
	size_t size = 64 * 1024;
	char *msg = malloc(size);
	int r;

	if (!msg)
		return control_error(s, ENOMEM, INTX_MSG_ADMIN, "out of memory");
	log_info("reload asked by pid %d", (int)s->cred.pid);
	r = daemon_reload(s->daemon, msg, size);
	if (r < 0)
		return refuse(s, r, msg, report);
	if (s->daemon->conf->log_level >= 0)
		log_set_level(s->daemon->conf->log_level);
	if (!report || !msg[0]) {
		free(msg);
		return send_done(s, INTX_MSG_ADMIN);
	}
	/* applied, but devices did not open: each as TEXT, then DONE */
	memset(&done, 0, sizeof(done));
	proto_hdr(&done.hdr, INTX_MSG_DONE, sizeof(done));
	done.req_type = INTX_MSG_ADMIN;
	return reply_after(s->ctl, msg, &done, sizeof(done));
}

/* RESTART: refused, with every problem, if the config does not load now
 * (the new image would exit on it); else DONE, and the exec once the loop
 * has stopped (main.c).  The exec ends this session with the others; if
 * it fails, control_restart_failed() says so here. */
static int restart(struct session *s)
{
	struct daemon *d = s->daemon;
	size_t size = 64 * 1024;
	char *msg = malloc(size);
	int r;

	if (!msg)
		return control_error(s, ENOMEM, INTX_MSG_ADMIN, "out of memory");
	log_info("restart asked by pid %d", (int)s->cred.pid);
	r = daemon_check_config(d, msg, size);
	if (r < 0) {
		log_err("restart refused: the configuration does not load");
		return refuse(s, r, msg, true);
	}
	free(msg);
	r = send_done(s, INTX_MSG_ADMIN);
	if (r < 0)
		return r;
	s->ctl->restart = true;
	fdstore_request_exec();
	/* at once, not after one more turn of the loop (loopexit): the
	 * connections that turn would accept would die with the exec, and
	 * those left queued are the new image's */
	event_base_loopbreak(d->base);
	return 0;
}

void control_restart_failed(struct daemon *d, int err)
{
	char text[INTX_TEXT_MAX];
	struct session *s;

	snprintf(text, sizeof(text), "exec /proc/self/exe: %s; intxd goes on as it was",
		 strerror(-err));
	TAILQ_FOREACH(s, &d->sessions, entry)
		if (s->ctl && s->ctl->restart && !s->dead) {
			s->ctl->restart = false;
			(void)control_error(s, -err, INTX_MSG_ADMIN, text);
		}
}

static int set_log_level(struct session *s, const char *name)
{
	int level = proto_log_level(name), old = log_get_level();
	char text[INTX_TEXT_MAX];

	if (level < 0) {
		snprintf(text, sizeof(text), "unknown log level '%s': expected %s",
			 name, LOG_LEVEL_NAMES);
		return control_error(s, EINVAL, INTX_MSG_ADMIN, text);
	}
	/* said at the more verbose of the two levels, so it is seen when
	 * either one shows notices */
	if (level < old)
		log_full(LOG_NOTICE, NULL, NULL, NULL, "log level %s (was %s), set by pid %d",
			 log_level_name(level), log_level_name(old), (int)s->cred.pid);
	log_set_level(level);
	if (level >= old)
		log_full(LOG_NOTICE, NULL, NULL, NULL, "log level %s (was %s), set by pid %d",
			 log_level_name(level), log_level_name(old), (int)s->cred.pid);
	return send_done(s, INTX_MSG_ADMIN);
}

static const char *op_name(uint32_t op)
{
	switch (op) {
	case INTX_ADMIN_MASK:
		return "mask";
	case INTX_ADMIN_UNMASK:
		return "unmask";
	case INTX_ADMIN_RELOAD:
	case INTX_ADMIN_RELOAD_REPORT:
		return "reload";
	case INTX_ADMIN_LOG_LEVEL:
		return "log-level";
	case INTX_ADMIN_RESTART:
		return "restart";
	case INTX_ADMIN_QUARANTINE:
		return "quarantine";
	case INTX_ADMIN_RELEASE:
		return "release";
	default:
		return "this operation";
	}
}

int control_admin(struct session *s, const struct intx_msg_admin *m)
{
	struct daemon *d = s->daemon;
	unsigned i;
	int r;

	if (!may_admin(s, op_name(m->op)))
		return 0;
	if (m->op == INTX_ADMIN_RELOAD || m->op == INTX_ADMIN_RELOAD_REPORT)
		return reload(s, m->op == INTX_ADMIN_RELOAD_REPORT);
	if (m->op == INTX_ADMIN_LOG_LEVEL)
		return set_log_level(s, m->device);
	if (m->op == INTX_ADMIN_RESTART)
		return restart(s);
	if (m->op == INTX_ADMIN_QUARANTINE || m->op == INTX_ADMIN_RELEASE) {
		char why[48];

		snprintf(why, sizeof(why), "intxctl, pid %d", (int)s->cred.pid);
		r = m->op == INTX_ADMIN_QUARANTINE ? linewatch_quarantine(d, m->device, why) :
						     linewatch_release(d, m->device, why);
		if (r < 0)
			return control_error(s, -r, INTX_MSG_ADMIN, strerror(-r));
		return send_done(s, INTX_MSG_ADMIN);
	}
	if (m->op != INTX_ADMIN_MASK && m->op != INTX_ADMIN_UNMASK)
		return control_error(s, EOPNOTSUPP, INTX_MSG_ADMIN,
				     "operation not supported by this intxd");
	for (i = 0; i < d->ndevices; i++) {
		struct device *dev = d->devices[i];

		if (!dev || strcmp(dev->name, m->device) != 0)
			continue;
		r = device_admin_mask(dev, m->op == INTX_ADMIN_MASK);
		if (r < 0)
			return control_error(s, -r, INTX_MSG_ADMIN, strerror(-r));
		log_full(LOG_NOTICE, dev->name, dev->line->name, NULL, "%s by pid %d",
			 m->op == INTX_ADMIN_MASK ? "masked" : "unmasked",
			 (int)s->cred.pid);
		return send_done(s, INTX_MSG_ADMIN);
	}
	return control_error(s, ENOENT, INTX_MSG_ADMIN, "no such device");
}

void control_notify_ready(struct daemon *d)
{
	unsigned i, n = 0, failed = 0;
	char extra[32] = "";

	for (i = 0; i < d->ndevices; i++) {
		n += d->devices[i] != NULL;
		failed += d->devices[i] && d->devices[i]->failed;
	}
	if (failed) {
		log_warn("%u device(s) failed and are not served "
			 "(intxctl devices says why)", failed);
		snprintf(extra, sizeof(extra), ", %u failed", failed);
	}
	/* a failed device is not served: not counted as such */
	sd_notifyf(0, "READY=1\nSTATUS=serving %u device(s) on %u line(s)%s",
		   n - failed, d->nlines, extra);
}
