/* SPDX-License-Identifier: MIT */
/* request.c - the peer side of one connection to intxd (see request.h). */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monotime.h"
#include "request.h"
#include "wire.h"

void req_init(struct req *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->rx_fd = -1;
}

void req_close(struct req *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->rx_fd >= 0)
		close(r->rx_fd);
	r->rx_fd = -1;
}

static void forget(struct req *r)
{
	r->connect_err = 0;
	r->refused_err = 0;
	r->errtext[0] = '\0';
}

int req_send(struct req *r, const void *msg, size_t len)
{
	if (r->fd < 0)
		return -ENOTCONN;
	return wire_send(r->fd, msg, len, -1, 0);
}

/* Wait for the socket to become readable within timeout_ms; a signal does
 * not cut a request short (the reply would desynchronise the stream). */
static int wait_readable(int fd, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	for (;;) {
		int64_t left = deadline - mono_ms();

		n = poll(&p, 1, left > 0 ? (int)left : 0);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int req_recv(struct req *r, void *buf, int timeout_ms, int flags)
{
	unsigned nfds = 0;
	int fd = -1, type;
	long n;

	if (r->fd < 0)
		return -ENOTCONN;
	if (timeout_ms >= 0 && !(flags & MSG_DONTWAIT)) {
		int e = wait_readable(r->fd, timeout_ms);

		if (e < 0)
			return e;
	}
	n = wire_recv(r->fd, buf, INTX_MSG_MAX, &fd, &nfds, flags);
	if (n == -ECONNRESET) {
		/* The daemon hung up with our request unread: the kernel
		 * says so first, then hands over what it sent before
		 * closing (its reason, at a session limit). */
		long again = wire_recv(r->fd, buf, INTX_MSG_MAX, &fd, &nfds,
				       MSG_DONTWAIT);

		if (again > 0)
			n = again;
	}
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return (int)n; /* -EAGAIN, -EINTR, -EMSGSIZE, -EBADMSG, ... */
	type = proto_check(buf, (size_t)n, nfds, INTX_FROM_DAEMON);
	if (type == -EPROTONOSUPPORT)
		r->peer_version = ((const struct intx_hdr *)buf)->version;
	/* WELCOME may carry the notification pipe, SUBSCRIBED a vfio
	 * device's fd, DMA_FD its container, ACK_PIPE_FD the ACK pipe; kept
	 * for the caller to take.
	 * proto_check refused any other message that carries one. */
	if (fd >= 0 && (type == INTX_MSG_WELCOME || type == INTX_MSG_SUBSCRIBED ||
			type == INTX_MSG_DMA_FD || type == INTX_MSG_ACK_PIPE_FD)) {
		if (r->rx_fd >= 0)
			close(r->rx_fd);
		r->rx_fd = fd;
	} else if (fd >= 0) {
		close(fd);
	}
	return type;
}

int req_error(struct req *r, const struct intx_msg_error *e)
{
	snprintf(r->errtext, sizeof(r->errtext), "%s", e->text);
	if (e->error <= 0 || e->error >= 4096)
		return -EPROTO;
	return -e->error;
}

int req_call(struct req *r, const void *msg, size_t len, int reply_type,
	     int timeout_ms, req_other_fn other, void *arg, void *buf)
{
	unsigned req_type = ((const struct intx_hdr *)msg)->type;
	const union req_buf *m = buf;
	int e;

	forget(r);
	e = req_send(r, msg, len);
	for (;;) {
		int type;

		if (e < 0) {
			/* A daemon that refuses a peer at accept (a session
			 * limit) says why and hangs up, maybe before our
			 * request went out: its reason is still waiting. */
			type = req_recv(r, buf, -1, MSG_DONTWAIT);
			if (type != INTX_MSG_ERROR)
				return e;
		} else {
			type = req_recv(r, buf, timeout_ms, 0);
		}

		if (type < 0)
			return type;
		if (type == reply_type)
			return 0;
		if (type == INTX_MSG_ERROR && m->error.req_type != 0 &&
		    m->error.req_type != req_type)
			continue; /* about an ACK, which has no reply */
		if (type == INTX_MSG_ERROR) {
			/* req_type 0: the session ends (a limit at accept);
			 * it answers this request too. */
			e = req_error(r, &m->error);
			if (e != -EPROTO)
				r->refused_err = e;
			return e;
		}
		if (!other)
			return -EPROTO;
		e = other(arg, buf, type);
		if (e < 0)
			return e;
	}
}

int req_hello(struct req *r, const char *path, uint32_t role,
	      const char *client, int timeout_ms, req_other_fn other,
	      void *arg, void *buf)
{
	struct intx_msg_hello h = { .role = role };
	int fd, e;

	forget(r);
	if (strlen(path) >= sizeof(r->path))
		return -ENAMETOOLONG;
	strcpy(r->path, path);
	req_close(r);
	fd = wire_connect(path);
	if (fd < 0) {
		r->connect_err = fd;
		/* No socket file, or one nobody listens on: either way
		 * intxd is not running. */
		return fd == -ENOENT || fd == -ENOTDIR ? -ECONNREFUSED : fd;
	}
	r->fd = fd;
	proto_hdr(&h.hdr, INTX_MSG_HELLO, sizeof(h));
	e = proto_strset(h.client, sizeof(h.client), client ? client : "");
	if (e < 0)
		return e;
	return req_call(r, &h, sizeof(h), INTX_MSG_WELCOME, timeout_ms, other,
			arg, buf);
}

/* The group that may use path: the socket's, or its directory's when the
 * socket cannot even be looked at.  Written into name. */
static void group_of(const char *path, char *name, size_t len)
{
	char dir[sizeof(((struct req *)0)->path)];
	struct group gr, *g = NULL;
	char grbuf[1024];
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(dir, sizeof(dir), "%s", path);
		if (stat(dirname(dir), &st) < 0) {
			snprintf(name, len, "of the socket");
			return;
		}
	}
	if (getgrgid_r(st.st_gid, &gr, grbuf, sizeof(grbuf), &g) == 0 && g)
		snprintf(name, len, "%s", g->gr_name);
	else
		snprintf(name, len, "%u", (unsigned)st.st_gid);
}

const char *req_explain(const struct req *r, int err, char *buf, size_t len)
{
	if (err > 0)
		err = -err;
	if (r->connect_err && (err == r->connect_err || err == -ECONNREFUSED ||
			       err == -ENOTCONN)) {
		struct stat st;
		char grp[64];

		switch (r->connect_err) {
		case -ENOENT:
		case -ENOTDIR:
			snprintf(buf, len, "intxd is not running (no socket at %s)",
				 r->path);
			return buf;
		case -ECONNREFUSED:
			if (lstat(r->path, &st) == 0 && !S_ISSOCK(st.st_mode))
				snprintf(buf, len, "%s is not a socket: is intxd "
					 "configured with another path?", r->path);
			else
				snprintf(buf, len, "intxd is not running (nobody "
					 "listens on %s)", r->path);
			return buf;
		case -EACCES:
		case -EPERM:
			group_of(r->path, grp, sizeof(grp));
			snprintf(buf, len, "permission denied on %s (add the user "
				 "to group %s)", r->path, grp);
			return buf;
		default:
			snprintf(buf, len, "cannot connect to %s: %s", r->path,
				 strerror(-r->connect_err));
			return buf;
		}
	}
	if (r->refused_err && err == r->refused_err && r->errtext[0]) {
		snprintf(buf, len, "refused by intxd: %s", r->errtext);
		return buf;
	}
	if (err == -ETIMEDOUT && r->path[0]) {
		snprintf(buf, len, "intxd at %s did not answer in time (is it "
			 "stopped?)", r->path);
		return buf;
	}
	if (err == -EPROTONOSUPPORT && r->peer_version) {
		snprintf(buf, len, "intxd speaks protocol version %u, this "
			 "program %u", r->peer_version, INTX_PROTO_VERSION);
		return buf;
	}
	return NULL;
}
