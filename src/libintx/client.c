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
 * Whenever the library gives up on a connection it closes it at once: an
 * open socket is a live session to the daemon, which would keep it
 * subscribed, its devices masked and its place under max-sessions-per-uid.
 *
 * A device that a new connection refuses (or that the daemon takes away)
 * is "lost": its handlers go, and intx_dispatch() says so (-ENODEV, and
 * the lost-device callback) instead of carrying on silently.
 *
 * Library code never logs: every failure is a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "intx.h"
#include "cpuset.h"
#include "monotime.h"
#include "proto.h"
#include "request.h"
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
	uint8_t cpus[INTX_CPUSET_BYTES]; /* SUBSCRIBED.cpus: intx_cpu()'s */
	bool live;          /* subscribed on the current connection */
	int dev_fd;         /* came with SUBSCRIBED (vfio device), or -1 */
	int dma_fd;         /* came with DMA_FD (the VFIO container), or -1 */
	bool dma;           /* the caller asked for it: ask again after a
			     * reconnect, so the new daemon knows this
			     * session maps (and cleans up after it) */
	struct handler *handlers;
	unsigned nhandlers, cap;
};

/* A device taken from us, told to the caller at the next intx_dispatch(). */
struct lost {
	char name[INTX_NAME_MAX];
	int err;                  /* negative errno: why */
	char text[INTX_TEXT_MAX]; /* the daemon's words, or "" */
};

struct intx_client {
	/* The socket (rq.fd, -1 while disconnected), an fd that came with a
	 * reply (rq.rx_fd) and what the daemon last said. */
	struct req rq;
	/* The number of the last connected fd, held by a placeholder (a
	 * pipe at end of file, not the dead socket) until a new connection
	 * is up, so that the new fd never reuses the number: a caller that
	 * watches intx_fd() in epoll can tell it changed by comparing. */
	int stale_fd;
	/* The notification pipe WELCOME handed over (read end, blocking):
	 * what the daemon sends unasked (NOTIFY, REVOKED) arrives there,
	 * replies on the socket.  -1 with a daemon that sends them on the
	 * socket.  Its number is held like fd's.  pipe_buf is read_pipe()'s:
	 * its first pipe_ncarry bytes are the start of a message a read cut
	 * (the pipe is a byte stream), so the next read goes on after them. */
	int nfd, stale_nfd;
	/* The ACK pipe's write end (non-blocking), when the daemon gave one:
	 * a pipe write costs less than a seqpacket message.  afd_hold is a
	 * read end of the same pipe that we never read: with it the pipe
	 * always has a reader, so a write after the daemon closed its end
	 * gives EAGAIN once the pipe is full (the ACK then goes on the
	 * socket), never SIGPIPE. */
	int afd, afd_hold;
	unsigned char pipe_buf[2048 + INTX_MSG_MAX];
	unsigned pipe_ncarry;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char want[INTX_NAME_MAX]; /* the name asked for in HELLO */
	char name[INTX_NAME_MAX]; /* the name WELCOME admitted */
	uint32_t session;

	struct sub *subs;
	unsigned nsubs, subcap;

	struct intx_msg_notify *queue; /* FIFO: head .. head+nqueue */
	unsigned qhead, nqueue, qcap;

	struct lost *lost; /* not yet reported by intx_dispatch() */
	unsigned nlost, lostcap;
	bool lost_unnamed; /* one more, not recorded for want of memory */
	intx_lost_fn on_lost;
	void *lost_arg;

	bool in_dispatch;  /* handlers may not re-enter intx_dispatch() */
	unsigned spin_us;  /* intx_set_spin(): poll this long before blocking */
	int64_t retry_at;  /* CLOCK_MONOTONIC ms of the next reconnect try */
	unsigned backoff_ms;

	char errbuf[256]; /* intx_last_error() */
};

/* What intx_last_error(NULL) tells about the thread's last intx_open(). */
static __thread char open_error[256];

/* Every message the daemon may send, so a received packet can be read
 * through the right member without aliasing games. */
union msgbuf {
	struct intx_hdr hdr;
	struct intx_msg_welcome welcome;
	struct intx_msg_subscribed subscribed;
	struct intx_msg_unsubscribed unsubscribed;
	struct intx_msg_notify notify;
	struct intx_msg_revoked revoked;
	struct intx_msg_dma_fd dma_fd;
	struct intx_msg_ack_pipe_fd ack_pipe_fd;
	struct intx_msg_error error;
	unsigned char raw[INTX_MSG_MAX];
};

/* Milliseconds left until deadline (-1: none), as a poll() time-out. */
static int left_ms(int64_t deadline)
{
	int64_t d;

	if (deadline < 0)
		return -1;
	d = deadline - mono_ms();
	if (d <= 0)
		return 0;
	return d > INT32_MAX ? INT32_MAX : (int)d;
}

static void queue_clear(struct intx_client *c)
{
	c->qhead = 0;
	c->nqueue = 0;
}

/* n: a checked NOTIFY, at any alignment (read_pipe() parses in place). */
static int queue_push(struct intx_client *c, const void *n)
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
	memcpy(&c->queue[c->qhead + c->nqueue++], n, sizeof(*c->queue));
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
	if (s->dma_fd >= 0)
		close(s->dma_fd);
	free(s->handlers);
	memmove(&c->subs[i], &c->subs[i + 1],
		(c->nsubs - i - 1) * sizeof(*c->subs));
	c->nsubs--;
}

/*
 * End the connection behind fd at once but keep its number taken: a pipe
 * at end of file replaces it (dup3 closes the old file in the same step),
 * so poll() on the old number sees a hang-up, as from a dead daemon, and
 * the next connection gets another number.  Returns the number held, or
 * -1 when it could only be closed (out of fds).
 */
static int retire(int fd)
{
	int p[2], held = -1;

	if (fd < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) == 0) {
		close(p[1]);
		if (dup3(p[0], fd, O_CLOEXEC) == fd)
			held = fd;
		close(p[0]);
	}
	if (held < 0)
		close(fd);
	return held;
}

static void ack_pipe_close(struct intx_client *c)
{
	if (c->afd >= 0)
		close(c->afd);
	if (c->afd_hold >= 0)
		close(c->afd_hold);
	c->afd = c->afd_hold = -1;
}

/* Forget the connection.  Queued notifications are dropped, not acked:
 * their tokens mean nothing to the next daemon, which re-delivers every
 * device that still asserts once we resubscribe. */
static void disconnect(struct intx_client *c)
{
	/* The pipe first: once the daemon sees the socket end, nothing of
	 * the session is left open here. */
	if (c->nfd >= 0) {
		if (c->stale_nfd >= 0)
			close(c->stale_nfd);
		c->stale_nfd = retire(c->nfd);
	}
	c->nfd = -1;
	c->pipe_ncarry = 0;
	ack_pipe_close(c);
	if (c->rq.fd >= 0) {
		if (c->stale_fd >= 0)
			close(c->stale_fd);
		c->stale_fd = retire(c->rq.fd);
	}
	c->rq.fd = -1;
	/* an fd whose SUBSCRIBED was never taken up (a broken reply) */
	req_close(&c->rq);
	queue_clear(c);
	for (unsigned i = 0; i < c->nsubs; i++) {
		c->subs[i].live = false;
		/* A device fd belongs to the daemon that sent it; holding it
		 * would keep a restarted daemon from opening the VFIO group.
		 * Resubscribing brings a new one. */
		if (c->subs[i].dev_fd >= 0)
			close(c->subs[i].dev_fd);
		c->subs[i].dev_fd = -1;
		/* The container outlives this copy (intxd keeps it, across a
		 * restart too), and with it the caller's DMA mappings. */
		if (c->subs[i].dma_fd >= 0)
			close(c->subs[i].dma_fd);
		c->subs[i].dma_fd = -1;
	}
}

/* True for the errors that mean the daemon is gone rather than that one
 * request failed. */
static bool is_disconnect(int r)
{
	return r == -ECONNRESET || r == -EPIPE || r == -ENOTCONN ||
	       r == -ESHUTDOWN;
}

/* A receive or a request failed with r on our side (not a refusal by the
 * daemon): the connection is of no further use.  -ENOTCONN stands for
 * every way of losing the daemon. */
static int conn_failed(struct intx_client *c, int r)
{
	disconnect(c);
	return is_disconnect(r) ? -ENOTCONN : r;
}

static int send_msg(struct intx_client *c, const void *msg, size_t len)
{
	int r = req_send(&c->rq, msg, len);

	return r < 0 ? conn_failed(c, r) : 0;
}

/* Record that device s is gone (refused on resubscription, or taken by
 * the daemon): its handlers are dropped now, so none runs again, and the
 * caller hears of it from the next intx_dispatch().  Notifications of it
 * still queued are dropped unacknowledged: the daemon that refused or
 * revoked the device owes it nothing from this session. */
static void device_lost(struct intx_client *c, struct sub *s, int err,
			const char *text)
{
	if (c->nlost == c->lostcap) {
		unsigned ncap = c->lostcap ? c->lostcap * 2 : 4;
		struct lost *v = reallocarray(c->lost, ncap, sizeof(*v));

		if (v) {
			c->lost = v;
			c->lostcap = ncap;
		}
	}
	if (c->nlost < c->lostcap) {
		struct lost *l = &c->lost[c->nlost++];

		memcpy(l->name, s->name, sizeof(l->name));
		l->err = err;
		snprintf(l->text, sizeof(l->text), "%s", text ? text : "");
	} else {
		c->lost_unnamed = true; /* still -ENODEV, without the name */
	}
	if (s->live) {
		for (unsigned i = 0; i < c->nqueue;) {
			struct intx_msg_notify *n = &c->queue[c->qhead + i];

			if (n->device_id != s->device_id) {
				i++;
				continue;
			}
			memmove(n, n + 1, (c->nqueue - i - 1) * sizeof(*n));
			c->nqueue--;
		}
	}
	sub_remove(c, s);
}

/*
 * The daemon took device_id from this session (REVOKED; err: why, text:
 * its words): the same path as a device refused on resubscription.  An id
 * we do not hold is no news (we unsubscribed it meanwhile).
 */
static int device_revoked(struct intx_client *c, uint32_t device_id, int err,
			  const char *text)
{
	struct sub *s = sub_by_id(c, device_id);

	if (s)
		device_lost(c, s, err, text);
	return 0;
}

/*
 * A message that is not the reply to a request (checked, at any
 * alignment): a NOTIFY (queued for intx_dispatch()), or a device taken
 * away.  0 or a negative errno after which the connection must go.  The
 * signature is req_other_fn's.
 */
static int async_msg(void *arg, void *msg, int type)
{
	struct intx_client *c = arg;
	struct intx_msg_revoked rv;

	switch (type) {
	case INTX_MSG_NOTIFY:
		return queue_push(c, msg);
	case INTX_MSG_REVOKED:
		memcpy(&rv, msg, sizeof(rv));
		return device_revoked(c, rv.device_id, -rv.error, rv.text);
	default:
		/* We have one request in flight and never asked for
		 * records or events. */
		return -EPROTO;
	}
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
	int r = req_call(&c->rq, req, len, reply_type, REPLY_TIMEOUT_MS,
			 async_msg, c, m);

	/* The daemon's refusal leaves the session as it was; an ERROR
	 * that is not a plausible errno is a broken daemon. */
	if (r < 0 && r != c->rq.refused_err)
		return conn_failed(c, r);
	return r;
}

/* Ask for the ACK pipe.  Without one (refused, or no /proc to hold a
 * read end with) ACKs go on the socket: 0 all the same. */
static int ack_pipe_open(struct intx_client *c)
{
	struct intx_msg_ack_pipe req = { 0 };
	char path[64];
	union msgbuf m;
	int r, fd;

	proto_hdr(&req.hdr, INTX_MSG_ACK_PIPE, sizeof(req));
	r = request(c, &req, sizeof(req), INTX_MSG_ACK_PIPE_FD, &m);
	if (r < 0)
		return c->rq.fd < 0 ? r : 0;
	fd = c->rq.rx_fd;
	c->rq.rx_fd = -1;
	if (fd < 0)
		return conn_failed(c, -EPROTO);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* non-blocking whatever came: a full pipe sends the ACK on the
	 * socket rather than stall the handler loop */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
		c->afd_hold = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->afd_hold < 0) {
		close(fd); /* the daemon sees end of file: socket ACKs */
		return 0;
	}
	c->afd = fd;
	return 0;
}

/* *reached: whether a daemon accepted the connection, which tells "not
 * there (yet)" from "there, and said no" whatever the errno. */
static int hello(struct intx_client *c, bool *reached)
{
	union msgbuf m;
	unsigned flags;
	int r;

	r = req_hello(&c->rq, c->path, INTX_ROLE_CLIENT, c->want,
		      REPLY_TIMEOUT_MS, async_msg, c, &m);
	*reached = c->rq.fd >= 0;
	if (r < 0) {
		/* A refused HELLO is followed by the daemon closing. */
		disconnect(c);
		return is_disconnect(r) ? -ENOTCONN : r;
	}
	/* A daemon that admits us as another client than the one asked for
	 * would hand us someone else's devices. */
	if (c->want[0] && strcmp(m.welcome.client, c->want) != 0) {
		disconnect(c);
		return -EPROTO;
	}
	memcpy(c->name, m.welcome.client, sizeof(c->name));
	c->session = m.welcome.session;
	flags = m.welcome.flags;
	if (c->stale_fd >= 0)
		close(c->stale_fd);
	c->stale_fd = -1;
	if (c->stale_nfd >= 0)
		close(c->stale_nfd);
	c->stale_nfd = -1;
	if (c->rq.rx_fd >= 0) {
		/* intx_dispatch(c, -1) waits in read() on it */
		c->nfd = c->rq.rx_fd;
		c->rq.rx_fd = -1;
		if (fcntl(c->nfd, F_SETFL, fcntl(c->nfd, F_GETFL) & ~O_NONBLOCK) < 0) {
			r = -errno;
			disconnect(c);
			return r;
		}
	}
	if (flags & INTX_WELCOME_ACK_PIPE)
		return ack_pipe_open(c);
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
	s->dev_fd = c->rq.rx_fd;
	c->rq.rx_fd = -1;
	s->device_id = m.subscribed.device_id;
	s->flags = m.subscribed.flags;
	memcpy(s->cpus, m.subscribed.cpus, sizeof(s->cpus));
	s->live = true;
	return 0;
}

/*
 * Connect, say HELLO and resubscribe every device.  A device the new
 * daemon refuses (its config changed, it failed) is lost: dropped with its
 * handlers and reported by intx_dispatch(); the connection stays.
 */
static int dma_fd(struct intx_client *c, const char *device);

static int connect_all(struct intx_client *c, bool *reached)
{
	int r;

	r = hello(c, reached);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < c->nsubs;) {
		r = subscribe_one(c, &c->subs[i]);
		if (r < 0 && c->rq.fd < 0)
			return r; /* lost the daemon again */
		if (r < 0) {
			device_lost(c, &c->subs[i], r, c->rq.errtext);
			continue;
		}
		if (c->subs[i].dma && dma_fd(c, c->subs[i].name) < 0 && c->rq.fd < 0)
			return -ENOTCONN;
		i++;
	}
	return 0;
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
		int64_t now = mono_ms();
		bool reached;
		int r;

		if (now >= c->retry_at) {
			r = connect_all(c, &reached);
			if (c->rq.fd >= 0) {
				c->backoff_ms = 0;
				c->retry_at = 0;
				return r;
			}
			c->backoff_ms = c->backoff_ms ?
				(c->backoff_ms * 2 > BACKOFF_MAX_MS ?
				 BACKOFF_MAX_MS : c->backoff_ms * 2) :
				BACKOFF_MIN_MS;
			c->retry_at = mono_ms() + c->backoff_ms;
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

/* err in words into buf: what the connection knows about it, or else
 * intx_strerror()'s text. */
static void explain(const struct req *rq, int err, char *buf, size_t len)
{
	if (!req_explain(rq, err, buf, len))
		snprintf(buf, len, "%s", intx_strerror(err));
}

/* Every public call returns through here: intx_last_error() words err. */
static int fail(struct intx_client *c, int err)
{
	if (c && err < 0)
		explain(&c->rq, err, c->errbuf, sizeof(c->errbuf));
	return err;
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
	req_init(&c->rq);
	c->stale_fd = -1;
	c->nfd = -1;
	c->stale_nfd = -1;
	c->afd = c->afd_hold = -1;
	if (strlen(socket_path) >= sizeof(c->path)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(c->path, socket_path);
	r = proto_strset(c->want, sizeof(c->want), client_name);
	if (r < 0)
		goto fail;
	r = hello(c, &reached);
	/* hung up on before the answer: an intxd that executes itself again
	 * (intxctl restart) keeps its socket, and a new image answers; asked
	 * again with back-off, as reconnect() asks, for as long as a reply may
	 * take, since restarts may follow each other */
	if (r == -ENOTCONN && reached)
		r = reconnect(c, mono_ms() + REPLY_TIMEOUT_MS);
	if (r < 0)
		goto fail;
	return c;
fail:
	explain(&c->rq, r, open_error, sizeof(open_error));
	intx_close(c);
	errno = -r;
	return NULL;
}

static int unsubscribe(struct intx_client *c, const char *device);

static int subscribe(struct intx_client *c, const char *device,
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
		struct sub ns = { .dev_fd = -1, .dma_fd = -1 };

		if (c->nsubs == c->subcap) {
			unsigned ncap = c->subcap ? c->subcap * 2 : 4;
			struct sub *v = reallocarray(c->subs, ncap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			c->subs = v;
			c->subcap = ncap;
		}
		strcpy(ns.name, device);
		/* Ask first, record after: a refused device leaves no trace.
		 * With the daemon away (restarting), it is recorded and asked
		 * for at the reconnection, as the others are: refused then,
		 * it is lost (intx_on_lost). */
		r = c->rq.fd >= 0 ? subscribe_one(c, &ns) : -ENOTCONN;
		if (r < 0 && r != -ENOTCONN)
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
				(void)unsubscribe(c, device);
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
	if (c->afd >= 0) {
		ssize_t w;

		/* whole or not at all: shorter than PIPE_BUF */
		do
			w = write(c->afd, &a, sizeof(a));
		while (w < 0 && errno == EINTR);
		if (w == (ssize_t)sizeof(a))
			return 0;
		/* Full (the daemon is not reading): the socket takes it,
		 * after the pipe's records (the daemon drains them first). */
	}
	return send_msg(c, &a, sizeof(a));
}

static int unsubscribe(struct intx_client *c, const char *device)
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
	if (c->rq.fd < 0)
		return 0;

	proto_hdr(&req.hdr, INTX_MSG_UNSUBSCRIBE, sizeof(req));
	req.device_id = id;
	r = request(c, &req, sizeof(req), INTX_MSG_UNSUBSCRIBED, &m);
	if (r < 0)
		return c->rq.fd < 0 && r == -ENOTCONN ? 0 : r;
	if (m.unsubscribed.device_id != id) {
		disconnect(c);
		return -EPROTO;
	}
	/* A NOTIFY that crossed the UNSUBSCRIBE on the wire stays queued:
	 * the daemon still counts it as owed, so intx_dispatch() acks it
	 * (unclaimed, as no handler is left to run). */
	return 0;
}

int intx_subscribe(struct intx_client *c, const char *device,
		   intx_handler_fn fn, void *arg)
{
	return fail(c, subscribe(c, device, fn, arg));
}

int intx_unsubscribe(struct intx_client *c, const char *device)
{
	return fail(c, unsubscribe(c, device));
}

int intx_on_lost(struct intx_client *c, intx_lost_fn fn, void *arg)
{
	if (!c)
		return -EINVAL;
	c->on_lost = fn;
	c->lost_arg = arg;
	return 0;
}

const char *intx_last_error(struct intx_client *c)
{
	if (!c)
		return open_error[0] ? open_error : NULL;
	return c->errbuf[0] ? c->errbuf : NULL;
}

int intx_fd(struct intx_client *c)
{
	if (!c)
		return -EINVAL;
	if (c->rq.fd < 0)
		return -ENOTCONN;
	return c->nfd >= 0 ? c->nfd : c->rq.fd;
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

int intx_set_spin(struct intx_client *c, unsigned usec)
{
	if (!c)
		return -EINVAL;
	if (usec > INTX_SPIN_MAX_US)
		return -ERANGE;
	c->spin_us = usec;
	return 0;
}

int intx_cpu(struct intx_client *c, const char *device, cpu_set_t *cpus)
{
	cpu_set_t set;
	struct sub *s;

	if (!c || !device || !cpus)
		return -EINVAL;
	s = sub_by_name(c, device);
	if (!s)
		return -ENOENT;
	/* *cpus is left alone when there is no hint */
	if (cpuset_from_wire(s->cpus, &set) == 0)
		return -ENODATA;
	*cpus = set;
	return 0;
}

static int dma_fd(struct intx_client *c, const char *device)
{
	struct intx_msg_dma req = { 0 };
	union msgbuf m;
	struct sub *s;
	int r;

	if (!c || !device)
		return -EINVAL;
	s = sub_by_name(c, device);
	if (!s)
		return -ENOENT;
	if (s->dma_fd >= 0)
		return s->dma_fd;
	if (!s->live)
		return -ENOTCONN;
	proto_hdr(&req.hdr, INTX_MSG_DMA, sizeof(req));
	req.device_id = s->device_id;
	r = request(c, &req, sizeof(req), INTX_MSG_DMA_FD, &m);
	if (r < 0)
		return r;
	/* request() may have run handlers that unsubscribed: look again */
	s = sub_by_name(c, device);
	if (m.dma_fd.device_id != req.device_id || c->rq.rx_fd < 0 || !s) {
		req_close(&c->rq);
		return s ? conn_failed(c, -EPROTO) : -ENOENT;
	}
	s->dma_fd = c->rq.rx_fd;
	s->dma = true;
	c->rq.rx_fd = -1;
	return s->dma_fd;
}

int intx_dma_fd(struct intx_client *c, const char *device)
{
	return fail(c, dma_fd(c, device));
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
	if (c->rq.fd < 0)
		return -ENOTCONN; /* a handler's request lost the daemon */
	return ack(c, n, handled);
}

/* Read at most one message (waiting for it unless flags has MSG_DONTWAIT):
 * a NOTIFY goes to the queue.  Returns 1 if one was read, 0 if none was
 * waiting, or a negative errno.  One at a time, so the first interrupt's
 * handlers run (and its ack goes out) before the read that finds the
 * socket empty. */
static int drain_one(struct intx_client *c, int flags)
{
	union msgbuf m;
	int r, type = req_recv(&c->rq, &m, -1, flags);

	if (type == -EAGAIN)
		return 0;
	if (type == -EINTR)
		return -EINTR;
	if (type < 0)
		return conn_failed(c, type);
	if (type == INTX_MSG_ERROR) {
		/* A complaint about an ACK, or a session-wide one; the
		 * close that usually follows is what matters. */
		if (req_error(&c->rq, &m.error) == -EPROTO)
			return conn_failed(c, -EPROTO);
		return 1;
	}
	/* No request is in flight, so no reply may come. */
	r = async_msg(c, &m, type);
	if (r < 0)
		return conn_failed(c, r);
	return 1;
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

/* Spin-before-block (intx_set_spin()), before a wait until deadline (-1:
 * none): poll fd without waiting for up to spin-us, never past the
 * deadline.  1 when fd became readable, 0 when the time ran out (or
 * there is no spin), -errno. */
static int spin(const struct intx_client *c, int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t until = mono_ns() + (int64_t)c->spin_us * 1000;
	int r;

	if (c->spin_us == 0)
		return 0;
	if (deadline >= 0 && deadline * 1000000 < until)
		until = deadline * 1000000;
	for (;;) {
		if (mono_ns() >= until)
			return 0;
		r = poll(&p, 1, 0);
		if (r != 0)
			return r < 0 ? -errno : 1;
	}
}

/*
 * Read what the notification pipe holds, waiting up to the deadline (-1:
 * in read() itself).  One read takes every whole message queued (NOTIFY,
 * REVOKED; the daemon writes each atomically, but a read may end inside
 * one, whose start waits at the front of pipe_buf).  Returns how many were
 * taken, 0 on time-out, -ENOTCONN when the daemon closed the pipe, or a
 * negative errno.
 */
static int read_pipe(struct intx_client *c, int64_t deadline)
{
	unsigned char *buf = c->pipe_buf;
	size_t have, off = 0;
	ssize_t n;
	int k = 0, r;

	r = spin(c, c->nfd, deadline);
	if (r < 0)
		return r;
	if (deadline >= 0 && r == 0) {
		struct pollfd p = { .fd = c->nfd, .events = POLLIN };

		r = poll(&p, 1, left_ms(deadline));
		if (r < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (r == 0)
			return 0;
	}
	n = read(c->nfd, buf + c->pipe_ncarry,
		 sizeof(c->pipe_buf) - c->pipe_ncarry);
	if (n < 0)
		return errno == EINTR ? -EINTR : -errno;
	if (n == 0) {
		/* end of file: the session is over */
		disconnect(c);
		return -ENOTCONN;
	}
	have = c->pipe_ncarry + (size_t)n;
	/* Each message is checked and taken where it lies: no copy but
	 * the queue's own. */
	while (have - off >= sizeof(struct intx_hdr)) {
		struct intx_hdr h;
		int type;

		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > INTX_MSG_MAX) {
			disconnect(c);
			return -EPROTO;
		}
		if (have - off < h.len)
			break;
		type = proto_check(buf + off, h.len, 0, INTX_FROM_DAEMON);
		r = type == INTX_MSG_NOTIFY || type == INTX_MSG_REVOKED ?
			    async_msg(c, buf + off, type) : -EPROTO;
		if (r < 0) {
			disconnect(c);
			return r;
		}
		off += h.len;
		k++;
	}
	/* Only a message the read cut moves, to the front for the next. */
	c->pipe_ncarry = (unsigned)(have - off);
	if (c->pipe_ncarry > 0 && off > 0)
		memmove(buf, buf + off, c->pipe_ncarry);
	return k;
}

static int dispatch(struct intx_client *c, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	int done = 0, r;

	for (;;) {
		struct pollfd p;

		/* A lost device is news the caller must have now, not
		 * after the next interrupt. */
		if (c->nlost > 0 || c->lost_unnamed)
			return done;
		if (c->rq.fd < 0) {
			r = reconnect(c, deadline);
			if (r < 0 || c->rq.fd < 0)
				return done ? done : r;
			continue;
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
			/* the rest comes as the reply to a request */
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

		/* no notification pipe (the daemon was out of fds): spin
		 * on the socket */
		r = spin(c, c->rq.fd, deadline);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
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
		p = (struct pollfd){ .fd = c->rq.fd, .events = POLLIN };
		r = poll(&p, 1, left_ms(deadline));
		if (r < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (r == 0)
			return 0;
		/* Readable or hung up: the next read tells which. */
	}
}

/*
 * Tell the caller about the devices lost since the last call: the lost
 * callback for each, intx_last_error() for the first.  -ENODEV, whatever
 * else this intx_dispatch() did: a program that counts notifications can
 * do without one count, but not without knowing a device is gone.
 */
static int report_lost(struct intx_client *c)
{
	const struct lost *l = c->lost; /* the first */
	unsigned n = c->nlost;

	c->lost_unnamed = false;
	if (n == 0)
		snprintf(c->errbuf, sizeof(c->errbuf), "lost a device "
			 "(out of memory to say which)");
	else if (l->text[0])
		snprintf(c->errbuf, sizeof(c->errbuf),
			 "lost device %s: refused by intxd: %s", l->name, l->text);
	else
		snprintf(c->errbuf, sizeof(c->errbuf), "lost device %s: %s",
			 l->name, intx_strerror(l->err));
	/* A callback may subscribe again, and a device may be lost on the
	 * way: that one is kept for the next call. */
	for (unsigned i = 0; i < n; i++) {
		struct lost one = c->lost[i];

		if (c->on_lost)
			c->on_lost(c, one.name, one.err,
				   one.text[0] ? one.text : NULL, c->lost_arg);
	}
	if (c->nlost > n)
		memmove(c->lost, c->lost + n, (c->nlost - n) * sizeof(*c->lost));
	c->nlost -= n;
	return -ENODEV;
}

int intx_dispatch(struct intx_client *c, int timeout_ms)
{
	int r;

	if (!c)
		return -EINVAL;
	if (c->in_dispatch)
		return -EDEADLK;
	c->in_dispatch = true;
	r = c->nlost > 0 || c->lost_unnamed ? 0 : dispatch(c, timeout_ms);
	if (c->nlost > 0 || c->lost_unnamed)
		r = report_lost(c);
	else
		r = fail(c, r);
	c->in_dispatch = false;
	return r;
}

void intx_close(struct intx_client *c)
{
	if (!c)
		return;
	/* Closing the socket is the whole goodbye: the daemon releases the
	 * session's subscriptions and outstanding notifications.  Closed
	 * here, pipe first as disconnect() does, and not retired: no number
	 * needs holding once the client is gone. */
	if (c->nfd >= 0)
		close(c->nfd);
	c->nfd = -1;
	req_close(&c->rq);
	disconnect(c);
	if (c->stale_fd >= 0)
		close(c->stale_fd);
	if (c->stale_nfd >= 0)
		close(c->stale_nfd);
	for (unsigned i = 0; i < c->nsubs; i++)
		free(c->subs[i].handlers);
	free(c->subs);
	free(c->lost);
	free(c->queue);
	free(c);
}

struct errtext {
	int err;
	const char *text;
};

/* The errnos intxd and libintx produce, in the words of this domain. */
static const struct errtext errtexts[] = {
	{ EACCES, "permission denied: not bound to this device, or no access "
		  "to intxd's socket" },
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
	{ EAGAIN, "intxd is at its session limit" },
	{ EBUSY, "device busy" },
	{ ENODEV, "device lost or failed (intx_last_error() says which)" },
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
