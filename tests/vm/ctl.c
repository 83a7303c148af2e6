/* SPDX-License-Identifier: MIT */
/* ctl.c - the VM tests' control session with intxd (see ctl.h). */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "ctl.h"
#include "proto.h"
#include "wire.h"

int ctl_recv(int fd, void *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned nfds = 0;
	long n;
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return r < 0 ? -errno : -ETIMEDOUT;
	n = wire_recv(fd, buf, size, NULL, &nfds, 0);
	if (n <= 0)
		return n == 0 ? -ECONNRESET : (int)n;
	return proto_check(buf, (size_t)n, nfds, INTX_FROM_DAEMON);
}

int ctl_open(const char *path, int timeout_ms)
{
	struct intx_msg_hello h = { .role = INTX_ROLE_CONTROL };
	unsigned char buf[INTX_MSG_MAX];
	int fd, r;

	fd = wire_connect(path);
	if (fd < 0)
		return fd;
	proto_hdr(&h.hdr, INTX_MSG_HELLO, sizeof(h));
	r = wire_send(fd, &h, sizeof(h), -1, 0);
	if (r >= 0)
		r = ctl_recv(fd, buf, sizeof(buf), timeout_ms);
	if (r != INTX_MSG_WELCOME) {
		close(fd);
		return r < 0 ? r : -EPROTO;
	}
	return fd;
}
