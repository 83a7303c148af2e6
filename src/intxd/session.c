/* SPDX-License-Identifier: MIT */
/* session.c - one peer's connection and its state machine. */
#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "client.h"
#include "clock.h"
#include "conf.h"
#include "control.h"
#include "cpuset.h"
#include "daemon.h"
#include "device.h"
#include "hoptrace.h"
#include "ledger.h"
#include "line.h"
#include "log.h"
#include "loop.h"
#include "placement.h"
#include "session.h"
#include "wire.h"

/* Messages handled per wakeup, so one busy peer cannot starve the others. */
#define SESSION_BATCH 64
#define SESSION_GROUPS_MAX 64
/* A peer says HELLO at once (libintx, intxctl); one that does not would
 * hold a place under max-sessions and max-sessions-per-uid for ever.  As
 * long as libintx waits for a reply. */
#define SESSION_HELLO_S 10

static const char *session_who(const struct session *s)
{
	return s->client ? s->client->name : NULL;
}

/* Log a refusal with who asked, and tell the peer. */
static void session_refuse(struct session *s, int err, unsigned req_type,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

int session_send(struct session *s, const void *msg, size_t len, int passfd)
{
	int r;

	if (s->dead)
		return -ECONNRESET;
	r = wire_send(s->fd, msg, len, passfd, MSG_DONTWAIT);
	if (r == -EAGAIN)
		session_kill(s, "peer does not read its replies");
	else if (r < 0)
		session_kill(s, strerror(-r));
	return r;
}

int session_error(struct session *s, int err, unsigned req_type,
		  const char *text)
{
	struct intx_msg_error m;

	proto_error(&m, err, req_type, text);
	return session_send(s, &m, sizeof(m), -1);
}

static void session_refuse(struct session *s, int err, unsigned req_type,
			   const char *fmt, ...)
{
	char text[INTX_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (log_allow(&s->daemon->log_refusals, "refusal"))
		log_full(LOG_WARNING, NULL, NULL, session_who(s),
			 "refused session %u (pid %d uid %u gid %u)%s%s: %s", s->id,
			 (int)s->cred.pid, (unsigned)s->cred.uid, (unsigned)s->cred.gid,
			 req_type ? " " : "", req_type ? proto_type_name(req_type) : "",
			 text);
	(void)session_error(s, err, req_type, text);
}

static void on_write(evutil_socket_t fd, short what, void *arg);

static void on_kill(evutil_socket_t fd, short what, void *arg)
{
	session_free(arg);
}

static void on_hello_late(void *arg)
{
	struct session *s = arg;

	if (s->role || s->dead)
		return;
	session_refuse(s, ETIMEDOUT, 0, "no HELLO within %d s of connecting",
		       SESSION_HELLO_S);
	session_kill(s, "no HELLO");
}

void session_kill(struct session *s, const char *why)
{
	if (s->dead)
		return;
	s->dead = true;
	/* A driver's session ending is news; a peer that never said HELLO
	 * (a probe, a flood) is noise past the rate limit. */
	if (why && (s->client || log_allow(&s->daemon->log_sessions, "session")))
		log_full(s->client ? LOG_INFO : LOG_DEBUG, NULL, NULL,
			 session_who(s), "session %u (pid %d) ends: %s", s->id,
			 (int)s->cred.pid, why);
	event_del(s->ev_read);
	event_del(s->ev_write);
	if (s->ev_ack)
		event_del(s->ev_ack);
	/* Freed from the loop, never from under a caller iterating over it. */
	event_active(s->ev_kill, 0, 0);
}

static int admit_client(struct session *s, const struct intx_msg_hello *m)
{
	struct daemon *d = s->daemon;
	gid_t groups[SESSION_GROUPS_MAX];
	socklen_t glen = sizeof(groups);
	unsigned ngroups = 0, i;
	struct intx_msg_welcome w;
	int pipefd[2], r;

	if (getsockopt(s->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		ngroups = glen / sizeof(gid_t);
	/* kept: a reload checks the session again against the new config */
	free(s->groups);
	s->groups = ngroups ? malloc(ngroups * sizeof(gid_t)) : NULL;
	s->ngroups = s->groups ? ngroups : 0;
	if (s->groups)
		memcpy(s->groups, groups, ngroups * sizeof(gid_t));

	for (i = 0; i < d->nclients; i++) {
		struct client *c = d->clients[i];

		if (m->client[0] && strcmp(c->name, m->client) != 0)
			continue;
		if (client_admits(c, &s->cred, groups, ngroups)) {
			s->client = c;
			break;
		}
		if (m->client[0]) {
			session_refuse(s, EPERM, INTX_MSG_HELLO,
				       "uid %u gid %u may not act as client '%s'",
				       (unsigned)s->cred.uid, (unsigned)s->cred.gid,
				       m->client);
			return -EPERM;
		}
	}
	if (!s->client) {
		if (m->client[0])
			session_refuse(s, ESRCH, INTX_MSG_HELLO,
				       "no client named '%s' in the config", m->client);
		else
			session_refuse(s, EPERM, INTX_MSG_HELLO,
				       "no client in the config admits uid %u gid %u",
				       (unsigned)s->cred.uid, (unsigned)s->cred.gid);
		return -EPERM;
	}
	/* The notification channel: NOTIFY goes down a pipe, a third of the
	 * cost of a seqpacket message; replies stay on the socket.  Out of
	 * fds, the session does without: NOTIFY then comes on the socket. */
	pipefd[0] = pipefd[1] = -1;
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == 0) {
		struct event *ev = event_new(s->daemon->base, pipefd[1], EV_WRITE,
					     on_write, s);

		if (!ev) {
			close(pipefd[0]);
			close(pipefd[1]);
			s->client = NULL;
			return -ENOMEM;
		}
		event_free(s->ev_write);
		s->ev_write = ev;
		s->nfd = pipefd[1];
	} else {
		log_full(LOG_WARNING, NULL, NULL, s->client->name,
			 "session %u: no notification pipe (%s); notifications "
			 "go on the socket", s->id, strerror(errno));
		/* not to be trusted after a failure (valgrind fills it in) */
		pipefd[0] = pipefd[1] = -1;
	}
	s->client->sessions++;
	s->role = INTX_ROLE_CLIENT;
	memset(&w, 0, sizeof(w));
	proto_hdr(&w.hdr, INTX_MSG_WELCOME, sizeof(w));
	w.session = s->id;
	w.flags = INTX_WELCOME_ACK_PIPE;
	memcpy(w.client, s->client->name, strlen(s->client->name) + 1);
	log_full(LOG_INFO, NULL, NULL, s->client->name,
		 "session %u: pid %d uid %u admitted", s->id, (int)s->cred.pid,
		 (unsigned)s->cred.uid);
	r = session_send(s, &w, sizeof(w), pipefd[0]);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	return r;
}

static int on_hello(struct session *s, const struct intx_msg_hello *m)
{
	struct intx_msg_welcome w;
	char why[INTX_TEXT_MAX];

	if (s->role) {
		session_refuse(s, EPROTO, INTX_MSG_HELLO, "HELLO sent twice");
		return -EPROTO;
	}
	/* it came: no wakeup for the deadline (a refused one ends anyway) */
	itimer_cancel(s->hello);
	if (m->role == INTX_ROLE_CLIENT)
		return admit_client(s, m);
	if (m->role != INTX_ROLE_CONTROL) {
		session_refuse(s, EINVAL, INTX_MSG_HELLO, "unknown role %u", m->role);
		return -EINVAL;
	}
	if (control_admit(s, why, sizeof(why)) < 0) {
		session_refuse(s, EPERM, INTX_MSG_HELLO, "%s", why);
		return -EPERM;
	}
	s->role = INTX_ROLE_CONTROL;
	memset(&w, 0, sizeof(w));
	proto_hdr(&w.hdr, INTX_MSG_WELCOME, sizeof(w));
	w.session = s->id;
	return session_send(s, &w, sizeof(w), -1);
}

static struct device *device_by_name(struct daemon *d, const char *name)
{
	unsigned i;

	for (i = 0; i < d->ndevices; i++)
		if (d->devices[i] && strcmp(d->devices[i]->name, name) == 0)
			return d->devices[i];
	return NULL;
}

static int on_subscribe(struct session *s, const struct intx_msg_subscribe *m)
{
	struct device *dev = device_by_name(s->daemon, m->device);
	struct intx_msg_subscribed r;
	cpu_set_t cpus;
	int fd, ret;

	if (!dev) {
		session_refuse(s, ENOENT, INTX_MSG_SUBSCRIBE,
			       "no device named '%s'", m->device);
		return 0;
	}
	if (!client_bound(s->client, dev->name)) {
		session_refuse(s, EACCES, INTX_MSG_SUBSCRIBE,
			       "client '%s' is not bound to device '%s'",
			       s->client->name, dev->name);
		return 0;
	}
	if (dev->failed) {
		session_refuse(s, ENODEV, INTX_MSG_SUBSCRIBE,
			       "device '%s' has failed (%s); intxd opens it "
			       "again, with back-off, and at a reload",
			       dev->name, dev->fail_reason[0] ? dev->fail_reason : "?");
		return 0;
	}
	if (s->subscribed[dev->id]) {
		session_refuse(s, EALREADY, INTX_MSG_SUBSCRIBE,
			       "already subscribed to '%s'", dev->name);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	proto_hdr(&r.hdr, INTX_MSG_SUBSCRIBED, sizeof(r));
	r.device_id = dev->id;
	r.flags = dev->line->broadcast ? INTX_SUB_BROADCAST : 0;
	memcpy(r.device, dev->name, sizeof(r.device));
	if (placement_hint(s->daemon, dev, &cpus) == 0)
		cpuset_to_wire(&cpus, r.cpus);
	fd = dev->ops->client_fd ? dev->ops->client_fd(dev) : -1;
	ret = session_send(s, &r, sizeof(r), fd);
	if (ret < 0)
		return ret;
	ret = device_subscribe(dev, s);
	if (ret < 0) {
		session_kill(s, "out of memory");
		return ret;
	}
	log_full(LOG_DEBUG, dev->name, dev->line->name, s->client->name,
		 "session %u subscribed", s->id);
	return 0;
}

static int on_unsubscribe(struct session *s, const struct intx_msg_unsubscribe *m)
{
	struct intx_msg_unsubscribed r;

	if (m->device_id >= s->ndevices || !s->subscribed[m->device_id]) {
		session_refuse(s, ENOENT, INTX_MSG_UNSUBSCRIBE,
			       "not subscribed to device %u", m->device_id);
		return 0;
	}
	device_unsubscribe(s->daemon->devices[m->device_id], s);
	memset(&r, 0, sizeof(r));
	proto_hdr(&r.hdr, INTX_MSG_UNSUBSCRIBED, sizeof(r));
	r.device_id = m->device_id;
	return session_send(s, &r, sizeof(r), -1);
}

/* The device's VFIO container, for the client's DMA mappings
 * (backend-vfio.c says why a container fd and what it lets a client do). */
static int on_dma(struct session *s, const struct intx_msg_dma *m)
{
	struct intx_msg_dma_fd r;
	struct device *dev;
	int fd;

	if (m->device_id >= s->ndevices || !s->subscribed[m->device_id]) {
		session_refuse(s, ENOENT, INTX_MSG_DMA,
			       "not subscribed to device %u", m->device_id);
		return 0;
	}
	dev = s->daemon->devices[m->device_id];
	fd = dev->ops->dma_fd ? dev->ops->dma_fd(dev, !(s->subscribed[dev->id] & SUB_DMA))
			      : -EOPNOTSUPP;
	if (fd < 0) {
		session_refuse(s, -fd, INTX_MSG_DMA, "device '%s' has no IOMMU "
			       "container for DMA (%s backend%s)", dev->name,
			       dev->ops->name, dev->ops->dma_fd ? ", no-IOMMU" : "");
		return 0;
	}
	memset(&r, 0, sizeof(r));
	proto_hdr(&r.hdr, INTX_MSG_DMA_FD, sizeof(r));
	r.device_id = m->device_id;
	s->subscribed[dev->id] |= SUB_DMA; /* device_unsubscribe puts it */
	log_full(LOG_INFO, dev->name, dev->line->name, s->client->name,
		 "session %u given the IOMMU container for DMA", s->id);
	return session_send(s, &r, sizeof(r), fd);
}

static int on_ack(struct session *s, const struct intx_msg_ack *m)
{
	hop_mark(HOP_ACK_READ);
	if (m->token >= s->ndevices || m->device_id >= s->ndevices) {
		session_refuse(s, EPROTO, INTX_MSG_ACK,
			       "acknowledgement of no notification");
		return 0;
	}
	/* Late (its deadline forgave it, a reload took the device away, or a
	 * stale seq): nothing is owed; nothing to answer. */
	(void)ledger_ack(s, m);
	return 0;
}

/* The client closed its end of the ACK pipe (it acks on the socket now),
 * or the session ends. */
static void ack_pipe_close(struct session *s)
{
	int fd = event_get_fd(s->ev_ack);

	event_free(s->ev_ack);
	s->ev_ack = NULL;
	close(fd);
	s->ack_ncarry = 0;
}

/* Records read per read(): a burst of ACKs costs one system call. */
#define ACK_BATCH 64

/*
 * Take the ACK records waiting in the pipe, one read() per ACK_BATCH of
 * them; all: until the pipe is empty (before a socket message or the
 * session's end, so that an ACK written before it counts first), else one
 * read (the level-triggered event calls again for the rest).  The pipe is
 * a stream: a record a read cuts (the client wrote it in pieces) waits in
 * ack_carry for the rest, so what counts does not depend on when we read.
 * 0, or a negative errno once the session is killed.
 */
static int ack_pipe_drain(struct session *s, bool all)
{
	struct intx_msg_ack recs[ACK_BATCH];
	unsigned char *buf = (unsigned char *)recs;
	size_t want, have, i, budget = SIZE_MAX;
	ssize_t n;
	int avail;

	/* all: what was written before the socket message is in the pipe
	 * now; take that much and no more, or a client that keeps writing
	 * would keep the daemon here */
	if (all && s->ev_ack &&
	    ioctl(event_get_fd(s->ev_ack), FIONREAD, &avail) == 0)
		budget = avail > 0 ? (size_t)avail : 0;
	while (s->ev_ack && !s->dead) {
		memcpy(buf, s->ack_carry, s->ack_ncarry);
		want = sizeof(recs) - s->ack_ncarry;
		n = read(event_get_fd(s->ev_ack), buf + s->ack_ncarry, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			int err = errno;

			session_kill(s, strerror(err));
			return -err;
		}
		if (n == 0 && s->ack_ncarry) {
			session_refuse(s, EBADMSG, INTX_MSG_ACK,
				       "ACK pipe closed inside a record (%u of %zu bytes)",
				       s->ack_ncarry, sizeof(recs[0]));
			session_kill(s, NULL);
			return -EBADMSG;
		}
		if (n == 0) {
			log_full(LOG_DEBUG, NULL, NULL, session_who(s),
				 "session %u closed its ACK pipe; acks by socket",
				 s->id);
			ack_pipe_close(s);
			return 0;
		}
		have = s->ack_ncarry + (size_t)n;
		s->ack_ncarry = (unsigned)(have % sizeof(recs[0]));
		memcpy(s->ack_carry, buf + have - s->ack_ncarry, s->ack_ncarry);
		for (i = 0; i < have / sizeof(recs[0]) && !s->dead; i++) {
			if (proto_check(&recs[i], sizeof(recs[i]), 0,
					INTX_FROM_CLIENT) != INTX_MSG_ACK) {
				session_refuse(s, EBADMSG, INTX_MSG_ACK,
					       "ACK pipe: record %zu is no valid ACK", i);
				session_kill(s, NULL);
				return -EBADMSG;
			}
			(void)on_ack(s, &recs[i]);
		}
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if (!all || (size_t)n < want || budget == 0)
			break;
	}
	return s->dead ? -ECONNRESET : 0;
}

static void on_ack_ready(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	loop_busy(s->daemon);
	(void)ack_pipe_drain(s, false);
}

/* Give the session an ACK pipe: its read end stays here, private (the
 * client cannot make it blocking), its write end goes to the client. */
static int on_ack_pipe(struct session *s)
{
	struct intx_msg_ack_pipe_fd r;
	int p[2], ret;

	if (s->ev_ack) {
		session_refuse(s, EALREADY, INTX_MSG_ACK_PIPE,
			       "the session has an ACK pipe");
		return 0;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		session_refuse(s, errno, INTX_MSG_ACK_PIPE,
			       "no ACK pipe (%s); ack on the socket", strerror(errno));
		return 0;
	}
	/* The client opens a read end of its own through /proc/self/fd
	 * (proto.h says why), which the kernel checks against the pipe's
	 * mode: a pipe is made 0600, ours, and a driver of another uid could
	 * not.  Readable by all is no leak: only a process that may look
	 * into the client's or our fds reaches the pipe, and it holds no
	 * more than the client's own ACKs.  (fchown would need CAP_CHOWN.) */
	if (fchmod(p[0], S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH) < 0)
		log_full(LOG_DEBUG, NULL, NULL, session_who(s),
			 "session %u: ACK pipe left mode 0600 (%s): a driver of "
			 "another uid acks on the socket", s->id, strerror(errno));
	s->ev_ack = event_new(s->daemon->base, p[0], EV_READ | EV_PERSIST,
			      on_ack_ready, s);
	if (!s->ev_ack || event_add(s->ev_ack, NULL) < 0) {
		if (s->ev_ack)
			event_free(s->ev_ack);
		s->ev_ack = NULL;
		close(p[0]);
		close(p[1]);
		session_refuse(s, ENOMEM, INTX_MSG_ACK_PIPE,
			       "no ACK pipe (out of memory); ack on the socket");
		return 0;
	}
	memset(&r, 0, sizeof(r));
	proto_hdr(&r.hdr, INTX_MSG_ACK_PIPE_FD, sizeof(r));
	ret = session_send(s, &r, sizeof(r), p[1]);
	close(p[1]);
	return ret;
}

static int session_dispatch(struct session *s, int type, const void *buf)
{
	if (type == INTX_MSG_HELLO)
		return on_hello(s, buf);
	if (!s->role) {
		session_refuse(s, EPROTO, (unsigned)type, "HELLO must come first");
		return -EPROTO;
	}
	if (s->role == INTX_ROLE_CLIENT) {
		switch (type) {
		case INTX_MSG_SUBSCRIBE:
			return on_subscribe(s, buf);
		case INTX_MSG_UNSUBSCRIBE:
			return on_unsubscribe(s, buf);
		case INTX_MSG_ACK:
			return on_ack(s, buf);
		case INTX_MSG_DMA:
			return on_dma(s, buf);
		case INTX_MSG_ACK_PIPE:
			return on_ack_pipe(s);
		}
	} else {
		switch (type) {
		case INTX_MSG_QUERY:
			return control_query(s, buf);
		case INTX_MSG_ADMIN:
			return control_admin(s, buf);
		case INTX_MSG_MONITOR:
			if (!s->monitor) {
				s->monitor = true;
				s->daemon->monitors++;
			}
			return 0;
		}
	}
	session_refuse(s, EOPNOTSUPP, (unsigned)type, "not allowed in this role");
	return 0;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	unsigned char buf[INTX_MSG_MAX];
	int k;

	/* a driver's message (an ACK, a SUBSCRIBE) is work of a burst that
	 * spin-us = waits for; a control request or a monitor is not */
	if (s->role == INTX_ROLE_CLIENT)
		loop_busy(s->daemon);
	for (k = 0; k < SESSION_BATCH && !s->dead && !control_busy(s); k++) {
		unsigned nfds = 0;
		long n = wire_recv(fd, buf, sizeof(buf), NULL, &nfds, MSG_DONTWAIT);
		int type;

		if (n == -EAGAIN)
			return;
		/* What the ACK pipe holds was written before this message
		 * (or this end of file) was sent: it counts first. */
		if (s->ev_ack && ack_pipe_drain(s, true) < 0)
			return;
		if (n == 0) {
			session_kill(s, "peer closed the connection");
			return;
		}
		if (n == -EMSGSIZE) {
			session_refuse(s, EMSGSIZE, 0, "message longer than %d bytes",
				       INTX_MSG_MAX);
			session_kill(s, NULL);
			return;
		}
		if (n < 0) {
			session_kill(s, strerror((int)-n));
			return;
		}
		type = proto_check(buf, (size_t)n, nfds, INTX_FROM_CLIENT);
		if (type == -EPROTONOSUPPORT) {
			session_refuse(s, EPROTONOSUPPORT, 0,
				       "protocol version %u is not supported; intxd speaks %d",
				       (unsigned)(buf[0] | buf[1] << 8),
				       INTX_PROTO_VERSION);
			session_kill(s, NULL);
			return;
		}
		if (type < 0) {
			struct intx_hdr h;

			memcpy(&h, buf, n >= (long)sizeof(h) ? sizeof(h) : 0);
			session_refuse(s, EBADMSG, 0,
				       "malformed message (type %s, %ld bytes, %u fds)",
				       n >= (long)sizeof(h) ? proto_type_name(h.type) : "?",
				       n, nfds);
			session_kill(s, NULL);
			return;
		}
		if (session_dispatch(s, type, buf) < 0) {
			session_kill(s, NULL);
			return;
		}
		/*
		 * A client sends one ACK per NOTIFY and usually nothing after
		 * it: stop here rather than pay a recvmsg that finds the
		 * socket empty on every interrupt.  If more is queued, the
		 * (level-triggered) event loop calls again.
		 */
		if (type == INTX_MSG_ACK)
			return;
	}
}

/* A NOTIFY or REVOKED down the pipe (atomic: shorter than PIPE_BUF), or
 * the socket when the session has no pipe. */
static int unasked_send(struct session *s, const union session_unasked *m)
{
	size_t len = m->hdr.len;
	ssize_t n;

	if (s->nfd < 0)
		return wire_send(s->fd, m, len, -1, MSG_DONTWAIT);
	do
		n = write(s->nfd, m, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? -errno : -EIO;
}

static void flush_backlog(struct session *s)
{
	unsigned i;

	for (i = 0; i < s->nbacklog; i++) {
		int r = unasked_send(s, &s->backlog[i]);

		if (r == -EAGAIN)
			break;
		if (r < 0) {
			session_kill(s, strerror(-r));
			return;
		}
	}
	memmove(s->backlog, s->backlog + i, (s->nbacklog - i) * sizeof(*s->backlog));
	s->nbacklog -= i;
	if (s->nbacklog)
		event_add(s->ev_write, NULL);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	flush_backlog(arg);
}

/* Send m now, or after what is queued before it. */
static void unasked(struct session *s, const union session_unasked *m)
{
	int r = -EAGAIN;

	if (s->dead)
		return;
	if (!s->nbacklog)
		r = unasked_send(s, m);
	if (r == -EAGAIN) {
		/*
		 * The reader is slow.  Each (device, token) is owed at most once
		 * until acked (the device stays masked), and a device is
		 * revoked once, so the backlog cannot outgrow the devices the
		 * session may hear about.
		 */
		if (s->nbacklog == s->backlog_cap) {
			unsigned cap = s->backlog_cap ? s->backlog_cap * 2 : 8;
			void *n = realloc(s->backlog, cap * sizeof(*s->backlog));

			if (!n) {
				session_kill(s, "out of memory");
				return;
			}
			s->backlog = n;
			s->backlog_cap = cap;
		}
		s->backlog[s->nbacklog++] = *m;
		event_add(s->ev_write, NULL);
	} else if (r < 0) {
		session_kill(s, strerror(-r));
	}
}

void session_notify(struct session *s, uint32_t device_id, uint32_t token,
		    uint64_t seq, uint64_t ts)
{
	union session_unasked m;

	proto_hdr(&m.hdr, INTX_MSG_NOTIFY, sizeof(m.notify));
	m.notify.device_id = device_id;
	m.notify.token = token;
	m.notify.seq = seq;
	m.notify.raised_ns = ts;
	unasked(s, &m);
	hop_mark(HOP_NOTIFIED);
}

void session_revoke(struct session *s, struct device *dev, int err,
		    const char *why)
{
	union session_unasked m;

	device_unsubscribe(dev, s);
	log_full(LOG_INFO, dev->name, NULL, session_who(s),
		 "session %u loses device %s: %s", s->id, dev->name, why);
	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_REVOKED, sizeof(m.revoked));
	m.revoked.device_id = dev->id;
	m.revoked.error = err;
	snprintf(m.revoked.text, sizeof(m.revoked.text), "%s", why);
	/* after every NOTIFY of it: the client drops what it still has queued */
	unasked(s, &m);
}

/* The limits on sessions, total and per uid, checked at accept: a peer
 * over them is told why and closed before it costs anything more. */
static int session_admit_count(struct daemon *d, struct session *s)
{
	const struct conf *c = d->conf;
	struct intx_msg_error m;
	struct session *o;
	unsigned same = 0;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_ERROR, sizeof(m));
	if (d->nsessions >= c->max_sessions) {
		m.error = EAGAIN;
		snprintf(m.text, sizeof(m.text), "intxd has %u sessions, its limit",
			 d->nsessions);
	} else if (c->max_sessions_per_uid) {
		TAILQ_FOREACH(o, &d->sessions, entry)
			if (!o->dead && o->cred.uid == s->cred.uid)
				same++;
		if (same >= c->max_sessions_per_uid) {
			m.error = EUSERS;
			snprintf(m.text, sizeof(m.text),
				 "uid %u has %u sessions, the limit (max-sessions-per-uid)",
				 (unsigned)s->cred.uid, same);
		}
	}
	if (!m.error)
		return 0;
	if (log_allow(&d->log_refusals, "refusal"))
		log_full(LOG_WARNING, NULL, NULL, NULL,
			 "refused a connection (pid %d uid %u): %s", (int)s->cred.pid,
			 (unsigned)s->cred.uid, m.text);
	(void)wire_send(s->fd, &m, sizeof(m), -1, MSG_DONTWAIT);
	return -m.error;
}

int session_new(struct daemon *d, int fd)
{
	struct session *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->daemon = d;
	s->fd = fd;
	s->nfd = -1;
	s->id = ++d->next_session;
	s->ndevices = d->ndevices;
	r = wire_peercred(fd, &s->cred);
	if (r < 0)
		goto fail;
	r = session_admit_count(d, s);
	if (r < 0) {
		session_free(s);
		return r;
	}
	s->subscribed = calloc(d->ndevices ? d->ndevices : 1, 1);
	s->ev_read = event_new(d->base, fd, EV_READ | EV_PERSIST, on_read, s);
	s->ev_write = event_new(d->base, fd, EV_WRITE, on_write, s);
	s->ev_kill = event_new(d->base, -1, 0, on_kill, s);
	s->hello = itimer_new(d->base, on_hello_late, s);
	r = -ENOMEM;
	if (!s->subscribed || !s->ev_read || !s->ev_write ||
	    !s->ev_kill || !s->hello || event_add(s->ev_read, NULL) < 0)
		goto fail;
	itimer_arm(s->hello, now_ns() + SESSION_HELLO_S * 1000000000ull);
	TAILQ_INSERT_TAIL(&d->sessions, s, entry);
	d->nsessions++;
	s->linked = true;
	return 0;
fail:
	log_warn("cannot set up a session for a new connection: %s", strerror(-r));
	session_free(s);
	return r;
}

int session_grow(struct session *s, unsigned ndevices)
{
	uint8_t *sub;

	if (ndevices <= s->ndevices)
		return 0;
	sub = realloc(s->subscribed, ndevices);
	if (!sub)
		return -ENOMEM;
	s->subscribed = sub;
	memset(s->subscribed + s->ndevices, 0, ndevices - s->ndevices);
	s->ndevices = ndevices;
	return 0;
}

void session_free(struct session *s)
{
	struct daemon *d;
	unsigned i;

	if (!s)
		return;
	d = s->daemon;
	if (s->linked) {
		TAILQ_REMOVE(&d->sessions, s, entry);
		d->nsessions--;
	}
	if (s->monitor)
		d->monitors--;
	/* Stop hearing about devices, settling what is owed through each:
	 * the last debt unmasks, and a device still asserting interrupts again
	 * for the subscribers that remain (or waits, masked, for the next). */
	for (i = 0; s->subscribed && i < s->ndevices; i++)
		if (s->subscribed[i])
			device_unsubscribe(d->devices[i], s);
	if (s->linked)
		ledger_drop_session(d, s);
	if (s->client)
		s->client->sessions--;
	control_free(s);
	if (s->ev_read)
		event_free(s->ev_read);
	if (s->ev_write)
		event_free(s->ev_write);
	if (s->ev_kill)
		event_free(s->ev_kill);
	itimer_free(s->hello);
	close(s->fd);
	if (s->ev_ack)
		ack_pipe_close(s);
	if (s->nfd >= 0)
		close(s->nfd);
	free(s->subscribed);
	free(s->groups);
	free(s->backlog);
	free(s);
}
