/* SPDX-License-Identifier: MIT */
/* wire.c - framed SOCK_SEQPACKET I/O, fd passing and peer credentials. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"
#include "wire.h"

int wire_send(int sock, const void *msg, size_t len, int passfd, int flags)
{
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (passfd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* SOCK_SEQPACKET sends all or nothing. */
	return (size_t)n == len ? 0 : -EIO;
}

long wire_recv(int sock, void *buf, size_t bufsize, int *fd_out,
	       unsigned *nfds, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = bufsize };
	union {
		/* room for more fds than we accept, so extras are seen and closed */
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	unsigned got = 0;
	ssize_t n;

	if (fd_out)
		*fd_out = -1;
	/* A blocking receive returns -EINTR: its caller may want to stop. */
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR && (flags & MSG_DONTWAIT));
	if (n < 0)
		return -errno;

	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (got == 0 && fd_out)
				*fd_out = fd;
			else
				close(fd);
			got++;
		}
	}
	if (nfds)
		*nfds = got;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (mh.msg_flags & MSG_CTRUNC)
		return -EBADMSG;
	return (long)n;
}

int wire_peercred(int sock, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return -errno;
	return len == sizeof(*cred) ? 0 : -EIO;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int wire_probe(const char *path, pid_t *holder)
{
	struct sockaddr_un sa;
	struct ucred cred;
	struct stat st;
	int fd, r;

	if (holder)
		*holder = 0;
	r = fill_addr(&sa, path);
	if (r < 0)
		return r;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? WIRE_ABSENT : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	/* Non-blocking: a live daemon with a full backlog says EAGAIN. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		if (holder && wire_peercred(fd, &cred) == 0)
			*holder = cred.pid;
		r = -EADDRINUSE;
	} else if (errno == ECONNREFUSED) {
		r = WIRE_STALE; /* nobody listens: left behind by a crash */
	} else {
		/* EAGAIN (backlog full), EPROTOTYPE (someone else's stream
		 * socket), EACCES...: someone owns it; not ours to remove */
		r = -EADDRINUSE;
	}
	close(fd);
	return r;
}

int wire_listen(const char *path, unsigned mode, int backlog)
{
	struct sockaddr_un sa;
	int fd, r;

	r = fill_addr(&sa, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Bind first: only when the path is taken is it looked at, and only
	 * a socket nobody listens on is removed. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno == EADDRINUSE ? wire_probe(path, NULL) : -errno;
		if (r == WIRE_STALE && unlink(path) < 0 && errno != ENOENT)
			r = -errno;
		if (r >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			r = -errno;
		if (r < 0)
			goto fail;
	}
	if (chmod(path, mode) < 0 || listen(fd, backlog) < 0) {
		r = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

int wire_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, r;

	r = fill_addr(&sa, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}
