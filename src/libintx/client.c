/* SPDX-License-Identifier: MIT */
/*
 * client.c - libintx: one connection to intxd, its subscriptions and their
 * handler chains.
 *
 * The connection is a strict request/reply stream (HELLO, SUBSCRIBE,
 * UNSUBSCRIBE) interleaved with NOTIFYs the daemon may send at any time.  A
 * NOTIFY that arrives while a request waits for its reply goes to a queue
 * and is handled at the next intx_dispatch(), so handlers only ever run from
 * intx_dispatch() and every NOTIFY is acknowledged exactly once.
 *
 * When the daemon goes away the queue is dropped (its tokens belong to the
 * dead session) and intx_dispatch() reconnects and resubscribes; the daemon
 * re-delivers whatever still asserts, which is what level triggering buys.
 *
 * Library code never logs: every failure is a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "intx.h"
#include "proto.h"
#include "wire.h"

/* A reply that takes longer than this means the daemon is wedged; the
 * connection is dropped so that a late reply cannot desynchronise it. */
#define REPLY_TIMEOUT_MS 10000

/* Reconnect back-off: first retry soon (a restart takes a moment), then
 * double up to about a second. */
#define BACKOFF_MIN_MS 10
#define BACKOFF_MAX_MS 1000

/*
 * The daemon keeps at most one notification outstanding per (device,
 * token) and masks the device until it is acknowledged, so the queue stays
 * small; this cap only stops a broken daemon from making us allocate
 * without end.
 */
#define QUEUE_MAX 65536

struct handler {
	intx_handler_fn fn;
	void *arg;
};

struct sub {
	char name[INTX_NAME_MAX];
	uint32_t device_id; /* valid while live */
	uint32_t flags;     /* SUBSCRIBED.flags */
	bool live;          /* subscribed on the current connection */
	int dev_fd;         /* came with SUBSCRIBED (vfio device), or -1 */
	struct handler *handlers;
	unsigned nhandlers, cap;
};

struct intx_client {
	int fd; /* -1 while disconnected */
	/* The last connected fd, held open (dead) until a new connection
	 * is up, so that the new fd never reuses its number: a caller that
	 * watches intx_fd() in epoll can tell it changed by comparing. */
	int stale_fd;
	int rx_fd; /* the fd that came with the last SUBSCRIBED, or -1 */
	/* The notification pipe WELCOME handed over (read end, blocking):
	 * NOTIFYs arrive there, replies on the socket.  -1 with a daemon
	 * that sends NOTIFY on the socket.  Kept stale like fd. */
	int nfd, stale_nfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char want[INTX_NAME_MAX]; /* the name asked for in HELLO */
	char name[INTX_NAME_MAX]; /* the name WELCOME admitted */
	uint32_t session;

	struct sub *subs;
	unsigned nsubs, subcap;

	struct intx_msg_notify *queue; /* FIFO: head .. head+nqueue */
	unsigned qhead, nqueue, qcap;

	bool in_dispatch;  /* handlers may not re-enter intx_dispatch() */
	int64_t retry_at;  /* CLOCK_MONOTONIC ms of the next reconnect try */
	unsigned backoff_ms;
};

/* Every message the daemon may send, so a received packet can be read
 * through the right member without aliasing games. */
union msgbuf {
	struct intx_hdr hdr;
	struct intx_msg_welcome welcome;
	struct intx_msg_subscribed subscribed;
	struct intx_msg_unsubscribed unsubscribed;
	struct intx_msg_notify notify;
	struct intx_msg_error error;
	unsigned char raw[INTX_MSG_MAX];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1: none), as a poll() time-out. */
static int left_ms(int64_t deadline)
{
	int64_t d;

	if (deadline < 0)
		return -1;
	d = deadline - now_ms();
	if (d <= 0)
		return 0;
	return d > INT32_MAX ? INT32_MAX : (int)d;
}

static void queue_clear(struct intx_client *c)
{
	c->qhead = 0;
	c->nqueue = 0;
}

static int queue_push(struct intx_client *c, const struct intx_msg_notify *n)
{
	if (c->qhead + c->nqueue == c->qcap) {
		if (c->qhead > 0) {
			/* Slide down before growing: the queue is usually
			 * drained from the front between bursts. */
			memmove(c->queue, c->queue + c->qhead,
				c->nqueue * sizeof(*c->queue));
			c->qhead = 0;
		} else {
			unsigned ncap = c->qcap ? c->qcap * 2 : 8;
			struct intx_msg_notify *q;

			if (c->nqueue >= QUEUE_MAX)
				return -EPROTO;
			q = reallocarray(c->queue, ncap, sizeof(*q));
			if (!q)
				return -ENOMEM;
			c->queue = q;
			c->qcap = ncap;
		}
	}
	c->queue[c->qhead + c->nqueue++] = *n;
	return 0;
}

static struct sub *sub_by_name(struct intx_client *c, const char *name)
{
	for (unsigned i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i].name, name) == 0)
			return &c->subs[i];
	return NULL;
}

static struct sub *sub_by_id(struct intx_client *c, uint32_t id)
{
	for (unsigned i = 0; i < c->nsubs; i++)
		if (c->subs[i].live && c->subs[i].device_id == id)
			return &c->subs[i];
	return NULL;
}

static void sub_remove(struct intx_client *c, struct sub *s)
{
	unsigned i = (unsigned)(s - c->subs);

	if (s->dev_fd >= 0)
		close(s->dev_fd);
	free(s->handlers);
	memmove(&c->subs[i], &c->subs[i + 1],
		(c->nsubs - i - 1) * sizeof(*c->subs));
	c->nsubs--;
}

/* Forget the connection.  Queued notifications are dropped, not acked:
 * their tokens mean nothing to the next daemon, which re-delivers every
 * device that still asserts once we resubscribe. */
static void disconnect(struct intx_client *c)
{
	if (c->fd >= 0 && c->stale_fd < 0)
		c->stale_fd = c->fd;
	else if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->nfd >= 0 && c->stale_nfd < 0)
		c->stale_nfd = c->nfd;
	else if (c->nfd >= 0)
		close(c->nfd);
	c->nfd = -1;
	/* an fd whose SUBSCRIBED was never taken up (a broken reply) */
	if (c->rx_fd >= 0)
		close(c->rx_fd);
	c->rx_fd = -1;
	queue_clear(c);
	for (unsigned i = 0; i < c->nsubs; i++) {
		c->subs[i].live = false;
		/* A device fd belongs to the daemon that sent it; holding it
		 * would keep a restarted daemon from opening the VFIO group.
		 * Resubscribing brings a new one. */
		if (c->subs[i].dev_fd >= 0)
			close(c->subs[i].dev_fd);
		c->subs[i].dev_fd = -1;
	}
}

/* True for the errors that mean the daemon is gone rather than that one
 * request failed. */
static bool is_disconnect(int r)
{
	return r == -ECONNRESET || r == -EPIPE || r == -ENOTCONN ||
	       r == -ESHUTDOWN;
}

static int send_msg(struct intx_client *c, const void *msg, size_t len)
{
	int r;

	if (c->fd < 0)
		return -ENOTCONN;
	r = wire_send(c->fd, msg, len, -1, 0);
	if (r < 0) {
		disconnect(c);
		return is_disconnect(r) ? -ENOTCONN : r;
	}
	return 0;
}

/*
 * Receive and check one message.  flags: 0 (blocking, bounded by
 * REPLY_TIMEOUT_MS) or MSG_DONTWAIT.  Returns the type, -EAGAIN when
 * nothing waits, or a negative errno after which the connection is gone
 * (-ENOTCONN for end of stream).
 */
static int recv_now(struct intx_client *c, union msgbuf *m, int flags);

static int recv_msg(struct intx_client *c, union msgbuf *m, int flags)
{
	if (c->fd < 0)
		return -ENOTCONN;
	if (!(flags & MSG_DONTWAIT)) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r;

		do
			r = poll(&p, 1, REPLY_TIMEOUT_MS);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			r = -errno;
			disconnect(c);
			return r;
		}
		if (r == 0) {
			disconnect(c);
			return -ETIMEDOUT;
		}
	}
	return recv_now(c, m, flags);
}

/* Receive and check one message: without MSG_DONTWAIT it blocks (the
 * caller knows no time-out is due: intx_dispatch(c, -1)). */
static int recv_now(struct intx_client *c, union msgbuf *m, int flags)
{
	unsigned nfds = 0;
	int fd = -1, type;
	long n;

	if (c->fd < 0)
		return -ENOTCONN;
	n = wire_recv(c->fd, m->raw, sizeof(m->raw), &fd, &nfds, flags);
	if (n == -EINTR)
		return -EINTR;
	if (n == -EAGAIN)
		return -EAGAIN;
	if (n <= 0) {
		disconnect(c);
		if (n == 0 || is_disconnect((int)n))
			return -ENOTCONN;
		/* -EMSGSIZE, -EBADMSG: the daemon broke the contract. */
		return (int)n;
	}
	type = proto_check(m->raw, (size_t)n, nfds, INTX_FROM_DAEMON);
	/* SUBSCRIBED may carry an fd (a vfio device's), kept for
	 * subscribe_one(); WELCOME the notification pipe, kept for hello(). */
	if (fd >= 0 && (type == INTX_MSG_SUBSCRIBED || type == INTX_MSG_WELCOME)) {
		if (c->rx_fd >= 0)
			close(c->rx_fd);
		c->rx_fd = fd;
	} else if (fd >= 0) {
		close(fd);
	}
	if (type < 0) {
		disconnect(c);
		return type;
	}
	return type;
}

/* ERROR.error must be a plausible errno; anything else is a broken peer. */
static int error_of(const struct intx_msg_error *e)
{
	if (e->error <= 0 || e->error >= 4096)
		return -EPROTO;
	return -e->error;
}

/*
 * Send a request and wait for its reply (reply_type, or ERROR).  NOTIFYs
 * met on the way are queued.  The reply is left in *m.  Returns 0, the
 * daemon's negative errno, or a negative errno after which the connection
 * is gone.
 */
static int request(struct intx_client *c, const void *req, size_t len,
		   int reply_type, union msgbuf *m)
{
	const struct intx_hdr *h = req;
	unsigned req_type = h->type;
	int r;

	r = send_msg(c, req, len);
	if (r < 0)
		return r;
	for (;;) {
		int type = recv_msg(c, m, 0);

		if (type < 0)
			return type;
		if (type == INTX_MSG_NOTIFY) {
			r = queue_push(c, &m->notify);
			if (r < 0) {
				disconnect(c);
				return r;
			}
			continue;
		}
		if (type == reply_type)
			return 0;
		if (type == INTX_MSG_ERROR && m->error.req_type != 0 &&
		    m->error.req_type != req_type) {
			/* About an earlier message that has no reply of its
			 * own (a refused ACK): not the answer to this one. */
			continue;
		}
		if (type == INTX_MSG_ERROR) {
			/* req_type 0 is a session-wide error (the daemon is
			 * about to drop us); it fails this request too. */
			r = error_of(&m->error);
			if (r == -EPROTO)
				disconnect(c);
			return r;
		}
		/* Anything else is out of order: we have one request in
		 * flight and never asked for records or events. */
		disconnect(c);
		return -EPROTO;
	}
}

/* *reached: whether a daemon accepted the connection, which tells "not
 * there (yet)" from "there, and said no" whatever the errno. */
static int hello(struct intx_client *c, bool *reached)
{
	struct intx_msg_hello h = { .role = INTX_ROLE_CLIENT };
	union msgbuf m;
	int fd, r;

	*reached = false;
	fd = wire_connect(c->path);
	if (fd < 0)
		return fd; /* -ENOENT, -ECONNREFUSED: nobody listens (yet) */
	*reached = true;
	c->fd = fd;
	proto_hdr(&h.hdr, INTX_MSG_HELLO, sizeof(h));
	(void)proto_strset(h.client, sizeof(h.client), c->want);
	r = request(c, &h, sizeof(h), INTX_MSG_WELCOME, &m);
	if (r < 0) {
		/* A refused HELLO is followed by the daemon closing. */
		disconnect(c);
		return r;
	}
	/* A daemon that admits us as another client than the one asked for
	 * would hand us someone else's devices. */
	if (c->want[0] && strcmp(m.welcome.client, c->want) != 0) {
		disconnect(c);
		return -EPROTO;
	}
	memcpy(c->name, m.welcome.client, sizeof(c->name));
	c->session = m.welcome.session;
	if (c->stale_fd >= 0)
		close(c->stale_fd);
	c->stale_fd = -1;
	if (c->stale_nfd >= 0)
		close(c->stale_nfd);
	c->stale_nfd = -1;
	if (c->rx_fd >= 0) {
		/* intx_dispatch(c, -1) waits in read() on it */
		c->nfd = c->rx_fd;
		c->rx_fd = -1;
		if (fcntl(c->nfd, F_SETFL, fcntl(c->nfd, F_GETFL) & ~O_NONBLOCK) < 0) {
			disconnect(c);
			return -errno;
		}
	}
	return 0;
}

static int subscribe_one(struct intx_client *c, struct sub *s)
{
	struct intx_msg_subscribe req = { 0 };
	union msgbuf m;
	int r;

	proto_hdr(&req.hdr, INTX_MSG_SUBSCRIBE, sizeof(req));
	memcpy(req.device, s->name, sizeof(req.device));
	r = request(c, &req, sizeof(req), INTX_MSG_SUBSCRIBED, &m);
	if (r < 0)
		return r;
	if (strcmp(m.subscribed.device, s->name) != 0) {
		disconnect(c);
		return -EPROTO;
	}
	if (s->dev_fd >= 0)
		close(s->dev_fd);
	s->dev_fd = c->rx_fd;
	c->rx_fd = -1;
	s->device_id = m.subscribed.device_id;
	s->flags = m.subscribed.flags;
	s->live = true;
	return 0;
}

/*
 * Connect, say HELLO and resubscribe every device.  A device the new
 * daemon refuses (its config changed) is dropped with its handlers and its
 * errno returned, once the others are subscribed; the connection stays.
 */
static int connect_all(struct intx_client *c, bool *reached)
{
	int r, first = 0;

	r = hello(c, reached);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < c->nsubs;) {
		r = subscribe_one(c, &c->subs[i]);
		if (r < 0 && c->fd < 0)
			return r; /* lost the daemon again */
		if (r < 0) {
			if (!first)
				first = r;
			sub_remove(c, &c->subs[i]);
			continue;
		}
		i++;
	}
	return first;
}

/*
 * Reconnect with back-off until deadline (ms, -1: none).  -ENOTCONN when
 * the time is up and the daemon is still away; another negative errno when
 * the daemon answered but refused (after which we are disconnected again,
 * unless only a resubscription failed).
 */
static int reconnect(struct intx_client *c, int64_t deadline)
{
	for (;;) {
		int64_t now = now_ms();
		bool reached;
		int r;

		if (now >= c->retry_at) {
			r = connect_all(c, &reached);
			if (c->fd >= 0) {
				c->backoff_ms = 0;
				c->retry_at = 0;
				return r;
			}
			c->backoff_ms = c->backoff_ms ?
				(c->backoff_ms * 2 > BACKOFF_MAX_MS ?
				 BACKOFF_MAX_MS : c->backoff_ms * 2) :
				BACKOFF_MIN_MS;
			c->retry_at = now_ms() + c->backoff_ms;
			/* The daemon is up but said no: tell the caller
			 * now rather than hiding it behind a time-out.  A
			 * daemon that hung up or stalled mid-HELLO is one
			 * still starting or stopping: keep trying. */
			if (reached && r != -ENOTCONN && r != -ETIMEDOUT)
				return r;
			continue;
		}
		if (deadline >= 0 && now >= deadline)
			return -ENOTCONN;
		{
			int64_t until = c->retry_at;
			struct timespec ts;

			if (deadline >= 0 && deadline < until)
				until = deadline;
			ts.tv_sec = (until - now) / 1000;
			ts.tv_nsec = (long)((until - now) % 1000) * 1000000;
			/* A signal ends the wait, as it ends poll() in
			 * intx_dispatch(): the caller may want to stop. */
			if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
				return -EINTR;
		}
	}
}

static const char *default_path(void)
{
	const char *p = secure_getenv("INTXD_SOCKET");

	return p && *p ? p : INTX_DEFAULT_SOCKET;
}

struct intx_client *intx_open(const char *socket_path, const char *client_name)
{
	struct intx_client *c;
	bool reached;
	int r;

	if (!socket_path)
		socket_path = default_path();
	if (!client_name)
		client_name = "";
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->fd = -1;
	c->stale_fd = -1;
	c->rx_fd = -1;
	c->nfd = -1;
	c->stale_nfd = -1;
	if (strlen(socket_path) >= sizeof(c->path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(c->path, socket_path);
	r = proto_strset(c->want, sizeof(c->want), client_name);
	if (r < 0)
		goto fail;
	r = hello(c, &reached);
	if (r < 0)
		goto fail;
	return c;
fail:
	intx_close(c);
	errno = -r;
	return NULL;
}

int intx_subscribe(struct intx_client *c, const char *device,
		   intx_handler_fn fn, void *arg)
{
	struct sub *s;
	int r;

	if (!c || !device || !*device || !fn)
		return -EINVAL;
	if (strlen(device) >= INTX_NAME_MAX)
		return -ENAMETOOLONG;
	s = sub_by_name(c, device);
	if (!s) {
		struct sub ns = { .dev_fd = -1 };

		if (c->fd < 0)
			return -ENOTCONN;
		if (c->nsubs == c->subcap) {
			unsigned ncap = c->subcap ? c->subcap * 2 : 4;
			struct sub *v = reallocarray(c->subs, ncap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			c->subs = v;
			c->subcap = ncap;
		}
		strcpy(ns.name, device);
		/* Ask first, record after: a refused device leaves no trace. */
		r = subscribe_one(c, &ns);
		if (r < 0)
			return r;
		c->subs[c->nsubs++] = ns;
		s = &c->subs[c->nsubs - 1];
	}
	if (s->nhandlers == s->cap) {
		unsigned ncap = s->cap ? s->cap * 2 : 2;
		struct handler *h = reallocarray(s->handlers, ncap, sizeof(*h));

		if (!h) {
			/* A subscription without a handler would ack
			 * everything unhandled; keep the state honest. */
			if (s->nhandlers == 0) {
				(void)intx_unsubscribe(c, device);
			}
			return -ENOMEM;
		}
		s->handlers = h;
		s->cap = ncap;
	}
	s->handlers[s->nhandlers++] = (struct handler){ fn, arg };
	return 0;
}

static int ack(struct intx_client *c, const struct intx_msg_notify *n,
	       bool handled)
{
	struct intx_msg_ack a = {
		.device_id = n->device_id,
		.token = n->token,
		.seq = n->seq,
		.flags = handled ? INTX_ACK_HANDLED : 0,
	};

	proto_hdr(&a.hdr, INTX_MSG_ACK, sizeof(a));
	return send_msg(c, &a, sizeof(a));
}

int intx_unsubscribe(struct intx_client *c, const char *device)
{
	struct intx_msg_unsubscribe req = { 0 };
	union msgbuf m;
	struct sub *s;
	uint32_t id;
	int r;

	if (!c || !device)
		return -EINVAL;
	s = sub_by_name(c, device);
	if (!s)
		return -ENOENT;
	if (!s->live) {
		/* Not subscribed on this connection: nothing to tell. */
		sub_remove(c, s);
		return 0;
	}
	id = s->device_id;

	/* Queued notifications of the device are acked (unclaimed) now:
	 * the caller asked for its handlers to stop, and the device should
	 * not stay masked until the next intx_dispatch(). */
	for (unsigned i = 0; i < c->nqueue;) {
		struct intx_msg_notify *n = &c->queue[c->qhead + i];

		if (n->device_id != id) {
			i++;
			continue;
		}
		r = ack(c, n, false);
		if (r < 0)
			break;
		memmove(n, n + 1, (c->nqueue - i - 1) * sizeof(*n));
		c->nqueue--;
	}
	/* The local state goes whatever the daemon says: the caller asked
	 * for the handlers to stop running. */
	sub_remove(c, s);
	if (c->fd < 0)
		return 0;

	proto_hdr(&req.hdr, INTX_MSG_UNSUBSCRIBE, sizeof(req));
	req.device_id = id;
	r = request(c, &req, sizeof(req), INTX_MSG_UNSUBSCRIBED, &m);
	if (r < 0)
		return c->fd < 0 && r == -ENOTCONN ? 0 : r;
	if (m.unsubscribed.device_id != id) {
		disconnect(c);
		return -EPROTO;
	}
	/* A NOTIFY that crossed the UNSUBSCRIBE on the wire stays queued:
	 * the daemon still counts it as owed, so intx_dispatch() acks it
	 * (unclaimed, as no handler is left to run). */
	return 0;
}

int intx_fd(struct intx_client *c)
{
	if (!c)
		return -EINVAL;
	if (c->fd < 0)
		return -ENOTCONN;
	return c->nfd >= 0 ? c->nfd : c->fd;
}

int intx_device_fd(struct intx_client *c, const char *device)
{
	struct sub *s;

	if (!c || !device)
		return -EINVAL;
	s = sub_by_name(c, device);
	if (!s || s->dev_fd < 0)
		return -ENOENT;
	return s->dev_fd;
}

const char *intx_client_name(struct intx_client *c)
{
	return c ? c->name : NULL;
}

/* Run the handler chain of one notification and ack it.  The sub is looked
 * up again for every handler because a handler may subscribe (moving the
 * array) or unsubscribe (ending the chain). */
static int run_one(struct intx_client *c, const struct intx_msg_notify *n)
{
	char name[INTX_NAME_MAX] = "";
	struct intx_event ev = { .seq = n->seq, .raised_ns = n->raised_ns };
	bool handled = false;
	struct sub *s;

	s = sub_by_id(c, n->device_id);
	if (s)
		memcpy(name, s->name, sizeof(name));
	/* A copy: ev.device must outlive anything the handler does. */
	ev.device = name;
	for (unsigned i = 0; !handled; i++) {
		struct handler h;

		s = sub_by_id(c, n->device_id);
		if (!s || i >= s->nhandlers)
			break;
		h = s->handlers[i];
		handled = h.fn(&ev, h.arg) == INTX_HANDLED;
	}
	/* Acked even when a handler unsubscribed the device meanwhile: the
	 * daemon owes the device an ack for every notification it sent. */
	if (c->fd < 0)
		return -ENOTCONN; /* a handler's request lost the daemon */
	return ack(c, n, handled);
}

/* Read everything waiting without blocking; NOTIFYs are queued. */
/* Read at most one message (waiting for it unless flags has MSG_DONTWAIT):
 * a NOTIFY goes to the queue.  Returns 1 if one was read, 0 if none was
 * waiting, or a negative errno.  One at a
 * time, so the first interrupt's handlers run (and its ack goes out)
 * before the read that finds the socket empty. */
static int drain_one(struct intx_client *c, int flags)
{
	union msgbuf m;
	int type = recv_now(c, &m, flags);

	if (type == -EAGAIN)
		return 0;
	if (type < 0)
		return type;
	if (type == INTX_MSG_NOTIFY) {
		int r = queue_push(c, &m.notify);

		if (r < 0) {
			disconnect(c);
			return r;
		}
		return 1;
	}
	if (type == INTX_MSG_ERROR) {
		/* A session-wide complaint (e.g. an ack time-out);
		 * the close that usually follows is what matters. */
		if (error_of(&m.error) == -EPROTO) {
			disconnect(c);
			return -EPROTO;
		}
		return 1;
	}
	/* No request is in flight, so no reply may come. */
	disconnect(c);
	return -EPROTO;
}

/* Handle the queue front to back, counting into *done; 0 or -errno. */
static int run_queue(struct intx_client *c, int *done)
{
	while (c->nqueue > 0) {
		struct intx_msg_notify msg = c->queue[c->qhead];
		int r;

		c->qhead++;
		c->nqueue--;
		if (c->nqueue == 0)
			c->qhead = 0;
		r = run_one(c, &msg);
		(*done)++;
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Read what the notification pipe holds, waiting up to the deadline (-1:
 * in read() itself).  One read takes every whole NOTIFY queued (the daemon
 * writes them atomically).  Returns how many were queued, 0 on time-out,
 * -ENOTCONN when the daemon closed the pipe, or a negative errno.
 */
static int read_pipe(struct intx_client *c, int64_t deadline)
{
	struct intx_msg_notify batch[64];
	ssize_t n;
	int k, r;

	if (deadline >= 0) {
		struct pollfd p = { .fd = c->nfd, .events = POLLIN };

		r = poll(&p, 1, left_ms(deadline));
		if (r < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (r == 0)
			return 0;
	}
	n = read(c->nfd, batch, sizeof(batch));
	if (n < 0)
		return errno == EINTR ? -EINTR : -errno;
	if (n == 0 || n % (ssize_t)sizeof(batch[0])) {
		/* end of file: the session is over; a torn record: broken */
		r = n == 0 ? -ENOTCONN : -EPROTO;
		disconnect(c);
		return r;
	}
	for (k = 0; k < n / (ssize_t)sizeof(batch[0]); k++) {
		if (proto_check(&batch[k], sizeof(batch[k]), 0, INTX_FROM_DAEMON) !=
		    INTX_MSG_NOTIFY) {
			disconnect(c);
			return -EPROTO;
		}
		r = queue_push(c, &batch[k]);
		if (r < 0) {
			disconnect(c);
			return r;
		}
	}
	return k;
}

static int dispatch(struct intx_client *c, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int done = 0, r;

	for (;;) {
		struct pollfd p;

		if (c->fd < 0) {
			r = reconnect(c, deadline);
			if (r < 0 || c->fd < 0)
				return done ? done : r;
		}
		/* Queued first (they came in during a request), then one
		 * fresh message at a time until the socket is empty. */
		r = run_queue(c, &done);
		if (r == -ENOTCONN)
			continue; /* acks lost with the daemon, which will
				   * re-deliver; reconnect so intx_fd() is
				   * worth watching again */
		if (r < 0)
			return done ? done : r;
		if (c->nfd >= 0) {
			/* everything but NOTIFY comes as a reply to a request */
			if (done > 0)
				return done;
			r = read_pipe(c, deadline);
			if (r == -ENOTCONN)
				continue; /* reconnect within the time left */
			if (r < 0)
				return r;
			if (r == 0)
				return 0;
			continue;
		}
		r = drain_one(c, MSG_DONTWAIT);
		if (r == -ENOTCONN && done > 0)
			return done; /* the next call reconnects */
		if (r == -ENOTCONN)
			continue; /* lost: reconnect within the time left */
		if (r < 0)
			return done ? done : r;
		if (r > 0)
			continue;
		if (done > 0)
			return done;

		if (deadline < 0) {
			/* No time-out: wait in the read itself, one system
			 * call fewer than poll() then read. */
			r = drain_one(c, 0);
			if (r == -EINTR)
				return -EINTR;
			if (r < 0 && r != -ENOTCONN)
				return r;
			continue;
		}
		p = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		r = poll(&p, 1, left_ms(deadline));
		if (r < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (r == 0)
			return 0;
		/* Readable or hung up: the next read tells which. */
	}
}

int intx_dispatch(struct intx_client *c, int timeout_ms)
{
	int r;

	if (!c)
		return -EINVAL;
	if (c->in_dispatch)
		return -EDEADLK;
	c->in_dispatch = true;
	r = dispatch(c, timeout_ms);
	c->in_dispatch = false;
	return r;
}

void intx_close(struct intx_client *c)
{
	if (!c)
		return;
	/* Closing the socket is the whole goodbye: the daemon releases the
	 * session's subscriptions and outstanding notifications. */
	disconnect(c);
	if (c->stale_fd >= 0)
		close(c->stale_fd);
	if (c->stale_nfd >= 0)
		close(c->stale_nfd);
	if (c->rx_fd >= 0)
		close(c->rx_fd);
	for (unsigned i = 0; i < c->nsubs; i++)
		free(c->subs[i].handlers);
	free(c->subs);
	free(c->queue);
	free(c);
}

struct errtext {
	int err;
	const char *text;
};

/* The errnos intxd and libintx produce, in the words of this domain. */
static const struct errtext errtexts[] = {
	{ EACCES, "client not bound to this device" },
	{ EPERM, "credentials not admitted by intxd" },
	{ ENOENT, "no such device" },
	{ ESRCH, "no such client in the intxd configuration" },
	{ ENOTCONN, "not connected to intxd" },
	{ ECONNREFUSED, "intxd is not running" },
	{ EPROTONOSUPPORT, "intxd speaks another protocol version" },
	{ EPROTO, "protocol error: unexpected message from intxd" },
	{ EBADMSG, "malformed message" },
	{ EMSGSIZE, "message too long" },
	{ ENAMETOOLONG, "name too long" },
	{ ETIMEDOUT, "intxd did not answer in time" },
	{ EUSERS, "too many sessions for this user" },
	{ EBUSY, "device busy" },
	{ ENODEV, "device failed: its backend reported an error" },
	{ EDEADLK, "intx_dispatch() called from a handler" },
	{ EINVAL, "invalid argument" },
	{ ENOMEM, "out of memory" },
};

const char *intx_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	for (size_t i = 0; i < sizeof(errtexts) / sizeof(errtexts[0]); i++)
		if (errtexts[i].err == err)
			return errtexts[i].text;
	/* glibc returns static text for every errno it knows. */
	return strerror(err);
}
