/* SPDX-License-Identifier: MIT */
/* rawclient.c - see rawclient.h. */
#include <check.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rawclient.h"
#include "simdev.h"
#include "wire.h"

#define RC_TIMEOUT_MS 20000

void rc_open(struct h_env *e, struct rc *c, const char *client)
{
	c->fd = h_connect(e);
	c->afd = -1;
	ck_assert_int_eq(h_hello_pipe(c->fd, INTX_ROLE_CLIENT, client, &c->pfd),
			 INTX_MSG_WELCOME);
}

void rc_close(struct rc *c)
{
	close(c->fd);
	close(c->pfd);
	if (c->afd >= 0)
		close(c->afd);
}

int rc_ask_ack_pipe(int fd, void *buf, int *afd)
{
	struct intx_msg_ack_pipe m;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned nfds = 0;
	long n;

	*afd = -1;
	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_ACK_PIPE, sizeof(m));
	ck_assert_int_eq(wire_send(fd, &m, sizeof(m), -1, 0), 0);
	ck_assert_int_eq(poll(&p, 1, RC_TIMEOUT_MS), 1);
	n = wire_recv(fd, buf, INTX_MSG_MAX, afd, &nfds, 0);
	ck_assert_int_gt(n, 0);
	return proto_check(buf, (size_t)n, nfds, INTX_FROM_DAEMON);
}

void rc_ack_pipe(struct rc *c)
{
	unsigned char buf[INTX_MSG_MAX];
	int fd;

	ck_assert_int_eq(rc_ask_ack_pipe(c->fd, buf, &fd), INTX_MSG_ACK_PIPE_FD);
	ck_assert_int_ge(fd, 0);
	c->afd = fd;
}

void rc_ack_rec(struct intx_msg_ack *a, const struct intx_msg_notify *n,
		uint64_t seq, bool handled)
{
	memset(a, 0, sizeof(*a));
	proto_hdr(&a->hdr, INTX_MSG_ACK, sizeof(*a));
	a->device_id = n->device_id;
	a->token = n->token;
	a->seq = seq;
	a->flags = handled ? INTX_ACK_HANDLED : 0;
}

void rc_pack(struct rc *c, const struct intx_msg_notify *n, uint64_t seq,
	     bool handled)
{
	struct intx_msg_ack a;

	rc_ack_rec(&a, n, seq, handled);
	ck_assert_int_eq(write(c->afd, &a, sizeof(a)), (ssize_t)sizeof(a));
}

void rc_unsub_send(struct rc *c, uint32_t device_id)
{
	struct intx_msg_unsubscribe m;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_UNSUBSCRIBE, sizeof(m));
	m.device_id = device_id;
	ck_assert_int_eq(wire_send(c->fd, &m, sizeof(m), -1, 0), 0);
}

long rc_reply(struct rc *c, void *buf, size_t size, int want)
{
	long n = h_recv(c->fd, buf, size, RC_TIMEOUT_MS);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON), want);
	return n;
}

uint32_t rc_sub(struct rc *c, const char *dev)
{
	struct intx_msg_subscribe m;
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_subscribed r;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_SUBSCRIBE, sizeof(m));
	ck_assert_int_eq(proto_strset(m.device, sizeof(m.device), dev), 0);
	ck_assert_int_eq(wire_send(c->fd, &m, sizeof(m), -1, 0), 0);
	rc_reply(c, buf, sizeof(buf), INTX_MSG_SUBSCRIBED);
	memcpy(&r, buf, sizeof(r));
	return r.device_id;
}

int rc_unasked(struct rc *c, void *buf, int timeout_ms)
{
	struct pollfd p = { .fd = c->pfd, .events = POLLIN };
	struct intx_hdr h;

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	/* whole messages, each written at once: the header, then the rest */
	ck_assert_int_eq(read(c->pfd, &h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_uint_ge(h.len, sizeof(h));
	ck_assert_uint_le(h.len, INTX_MSG_MAX);
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(read(c->pfd, (char *)buf + sizeof(h), h.len - sizeof(h)),
			 (ssize_t)(h.len - sizeof(h)));
	return proto_check(buf, h.len, 0, INTX_FROM_DAEMON);
}

bool rc_notify(struct rc *c, struct intx_msg_notify *n, int timeout_ms)
{
	unsigned char buf[INTX_MSG_MAX];
	int t = rc_unasked(c, buf, timeout_ms);

	if (!t)
		return false;
	ck_assert_int_eq(t, INTX_MSG_NOTIFY);
	memcpy(n, buf, sizeof(*n));
	return true;
}

void rc_ack(struct rc *c, const struct intx_msg_notify *n, uint64_t seq,
	    bool handled)
{
	struct intx_msg_ack a;

	rc_ack_rec(&a, n, seq, handled);
	ck_assert_int_eq(wire_send(c->fd, &a, sizeof(a), -1, 0), 0);
}

bool rc_alive(struct rc *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char b;

	if (poll(&p, 1, 0) == 0)
		return true;
	return recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
}

void rc_expect_event(struct h_env *e, uint32_t kind, const char *dev,
		     uint64_t seq, uint32_t never)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_event ev;

	for (;;) {
		long n = h_recv(e->monitor, buf, sizeof(buf), RC_TIMEOUT_MS);

		ck_assert_msg(n > 0, "no event %u of %s (seq %llu) came", kind, dev,
			      (unsigned long long)seq);
		if (proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON) != INTX_MSG_EVENT)
			continue;
		memcpy(&ev, buf, sizeof(ev));
		if (strcmp(ev.device, dev) != 0)
			continue;
		ck_assert_msg(ev.kind != never || kind == never,
			      "event %u of %s (seq %llu) before the awaited %u", never,
			      dev, (unsigned long long)ev.seq, kind);
		if (ev.kind == kind && (!seq || ev.seq == seq))
			return;
	}
}

void rc_lower(const char *dir)
{
	struct simdev s;

	ck_assert_int_eq(simdev_open(&s, dir), 0);
	ck_assert_int_eq(simdev_lower(&s), 0);
	simdev_close(&s);
}
