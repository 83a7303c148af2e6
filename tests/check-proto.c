/* SPDX-License-Identifier: MIT */
/*
 * check-proto.c - the wire contract: proto_check's table, and framed I/O
 * with fd passing over a real SOCK_SEQPACKET socketpair.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-run.h"
#include "cpulist.h"
#include "cpuset.h"
#include "proto.h"
#include "wire.h"

struct kind {
	unsigned type;
	size_t len;
	enum intx_side from;
	unsigned fds; /* most fds it may carry */
};

static const struct kind kinds[] = {
	{ INTX_MSG_HELLO, sizeof(struct intx_msg_hello), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_SUBSCRIBE, sizeof(struct intx_msg_subscribe), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_UNSUBSCRIBE, sizeof(struct intx_msg_unsubscribe), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_ACK, sizeof(struct intx_msg_ack), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_DMA, sizeof(struct intx_msg_dma), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_ACK_PIPE, sizeof(struct intx_msg_ack_pipe), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_QUERY, sizeof(struct intx_msg_query), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_ADMIN, sizeof(struct intx_msg_admin), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_MONITOR, sizeof(struct intx_msg_monitor), INTX_FROM_CLIENT, 0 },
	{ INTX_MSG_WELCOME, sizeof(struct intx_msg_welcome), INTX_FROM_DAEMON, 1 },
	{ INTX_MSG_SUBSCRIBED, sizeof(struct intx_msg_subscribed), INTX_FROM_DAEMON, 1 },
	{ INTX_MSG_UNSUBSCRIBED, sizeof(struct intx_msg_unsubscribed), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_NOTIFY, sizeof(struct intx_msg_notify), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_ERROR, sizeof(struct intx_msg_error), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_REVOKED, sizeof(struct intx_msg_revoked), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_DMA_FD, sizeof(struct intx_msg_dma_fd), INTX_FROM_DAEMON, 1 },
	{ INTX_MSG_ACK_PIPE_FD, sizeof(struct intx_msg_ack_pipe_fd), INTX_FROM_DAEMON, 1 },
	{ INTX_MSG_STATUS, sizeof(struct intx_msg_status), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_LINE, sizeof(struct intx_msg_line), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_DEVICE, sizeof(struct intx_msg_device), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_CLIENT, sizeof(struct intx_msg_client), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_LIST_END, sizeof(struct intx_msg_list_end), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_DONE, sizeof(struct intx_msg_done), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_EVENT, sizeof(struct intx_msg_event), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_TEXT, sizeof(struct intx_msg_text), INTX_FROM_DAEMON, 0 },
	{ INTX_MSG_FAILURE, sizeof(struct intx_msg_failure), INTX_FROM_DAEMON, 0 },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* A field of a message, by offset and size. */
struct fld {
	unsigned type;
	size_t off, size;
	const char *what;
};

#define FLD(t, st, m) { t, offsetof(st, m), sizeof(((st *)0)->m), #st "." #m }

static const struct fld strings[] = {
	FLD(INTX_MSG_HELLO, struct intx_msg_hello, client),
	FLD(INTX_MSG_WELCOME, struct intx_msg_welcome, client),
	FLD(INTX_MSG_SUBSCRIBE, struct intx_msg_subscribe, device),
	FLD(INTX_MSG_SUBSCRIBED, struct intx_msg_subscribed, device),
	FLD(INTX_MSG_ADMIN, struct intx_msg_admin, device),
	FLD(INTX_MSG_ERROR, struct intx_msg_error, text),
	FLD(INTX_MSG_REVOKED, struct intx_msg_revoked, text),
	FLD(INTX_MSG_STATUS, struct intx_msg_status, version),
	FLD(INTX_MSG_LINE, struct intx_msg_line, name),
	FLD(INTX_MSG_DEVICE, struct intx_msg_device, name),
	FLD(INTX_MSG_DEVICE, struct intx_msg_device, line),
	FLD(INTX_MSG_DEVICE, struct intx_msg_device, pci),
	FLD(INTX_MSG_DEVICE, struct intx_msg_device, backend),
	FLD(INTX_MSG_TEXT, struct intx_msg_text, text),
	FLD(INTX_MSG_FAILURE, struct intx_msg_failure, device),
	FLD(INTX_MSG_FAILURE, struct intx_msg_failure, reason),
	FLD(INTX_MSG_CLIENT, struct intx_msg_client, name),
	FLD(INTX_MSG_EVENT, struct intx_msg_event, device),
	FLD(INTX_MSG_EVENT, struct intx_msg_event, client),
};

static const struct fld reserved[] = {
	FLD(INTX_MSG_HELLO, struct intx_msg_hello, reserved),
	FLD(INTX_MSG_UNSUBSCRIBE, struct intx_msg_unsubscribe, reserved),
	FLD(INTX_MSG_UNSUBSCRIBED, struct intx_msg_unsubscribed, reserved),
	FLD(INTX_MSG_ACK, struct intx_msg_ack, reserved),
	FLD(INTX_MSG_DMA, struct intx_msg_dma, reserved),
	FLD(INTX_MSG_DMA_FD, struct intx_msg_dma_fd, reserved),
	FLD(INTX_MSG_ACK_PIPE, struct intx_msg_ack_pipe, reserved),
	FLD(INTX_MSG_ACK_PIPE_FD, struct intx_msg_ack_pipe_fd, reserved),
	FLD(INTX_MSG_ERROR, struct intx_msg_error, reserved),
	FLD(INTX_MSG_QUERY, struct intx_msg_query, reserved),
	FLD(INTX_MSG_ADMIN, struct intx_msg_admin, reserved),
	FLD(INTX_MSG_DONE, struct intx_msg_done, reserved),
	FLD(INTX_MSG_DEVICE, struct intx_msg_device, reserved),
	FLD(INTX_MSG_MONITOR, struct intx_msg_monitor, reserved),
	FLD(INTX_MSG_TEXT, struct intx_msg_text, reserved),
};

static const struct kind *kind_of(unsigned type)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].type == type)
			return &kinds[i];
	return NULL;
}

static enum intx_side other(enum intx_side s)
{
	return s == INTX_FROM_CLIENT ? INTX_FROM_DAEMON : INTX_FROM_CLIENT;
}

/* A valid message of kind k in buf (zeroed: empty strings, zero reserved). */
static void make(unsigned char *buf, const struct kind *k)
{
	struct intx_hdr h;

	memset(buf, 0, INTX_MSG_MAX + 16);
	proto_hdr(&h, k->type, k->len);
	memcpy(buf, &h, sizeof(h));
}

static void set_hdr_len(unsigned char *buf, uint32_t len)
{
	memcpy(buf + offsetof(struct intx_hdr, len), &len, sizeof(len));
}

START_TEST(accepts_every_valid_message)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct kind *k = &kinds[_i];

	make(buf, k);
	ck_assert_uint_le(k->len, INTX_MSG_MAX);
	ck_assert_int_eq(proto_check(buf, k->len, 0, k->from), (int)k->type);
	/* as many fds as the table allows */
	ck_assert_int_eq(proto_check(buf, k->len, k->fds, k->from), (int)k->type);
	ck_assert_str_ne(proto_type_name(k->type), "UNKNOWN");
}
END_TEST

START_TEST(accepts_full_strings)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct fld *f = &strings[_i];
	const struct kind *k = kind_of(f->type);

	/* the longest string that fits: size - 1 bytes and the NUL */
	make(buf, k);
	memset(buf + f->off, 'a', f->size - 1);
	ck_assert_msg(proto_check(buf, k->len, 0, k->from) == (int)k->type,
		      "%s", f->what);
}
END_TEST

START_TEST(rejects_missing_nul)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct fld *f = &strings[_i];
	const struct kind *k = kind_of(f->type);

	make(buf, k);
	memset(buf + f->off, 'a', f->size);
	ck_assert_msg(proto_check(buf, k->len, 0, k->from) == -EBADMSG,
		      "%s without NUL accepted", f->what);
}
END_TEST

START_TEST(rejects_nonzero_reserved)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct fld *f = &reserved[_i];
	const struct kind *k = kind_of(f->type);

	/* first and last byte of the field, each on its own */
	make(buf, k);
	buf[f->off] = 1;
	ck_assert_msg(proto_check(buf, k->len, 0, k->from) == -EBADMSG,
		      "%s first byte", f->what);
	make(buf, k);
	buf[f->off + f->size - 1] = 0x80;
	ck_assert_msg(proto_check(buf, k->len, 0, k->from) == -EBADMSG,
		      "%s last byte", f->what);
}
END_TEST

START_TEST(rejects_wrong_version)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct kind *k = &kinds[_i];
	static const uint16_t bad[] = { 0, INTX_PROTO_VERSION + 1, 0xffff };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make(buf, k);
		memcpy(buf + offsetof(struct intx_hdr, version), &bad[i],
		       sizeof(bad[i]));
		ck_assert_int_eq(proto_check(buf, k->len, 0, k->from),
				 -EPROTONOSUPPORT);
	}
}
END_TEST

START_TEST(rejects_wrong_direction)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct kind *k = &kinds[_i];

	make(buf, k);
	ck_assert_int_eq(proto_check(buf, k->len, 0, other(k->from)), -EBADMSG);
}
END_TEST

START_TEST(rejects_bad_lengths)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct kind *k = &kinds[_i];

	/* short and long, with a header that agrees: the table says no */
	make(buf, k);
	set_hdr_len(buf, (uint32_t)k->len - 1);
	ck_assert_int_eq(proto_check(buf, k->len - 1, 0, k->from), -EBADMSG);
	make(buf, k);
	set_hdr_len(buf, (uint32_t)k->len + 1);
	ck_assert_int_eq(proto_check(buf, k->len + 1, 0, k->from), -EBADMSG);
	make(buf, k);
	set_hdr_len(buf, (uint32_t)k->len + 8);
	ck_assert_int_eq(proto_check(buf, k->len + 8, 0, k->from), -EBADMSG);

	/* right size, but hdr.len disagrees with what arrived */
	make(buf, k);
	set_hdr_len(buf, (uint32_t)k->len + 8);
	ck_assert_int_eq(proto_check(buf, k->len, 0, k->from), -EBADMSG);
	make(buf, k);
	set_hdr_len(buf, 0);
	ck_assert_int_eq(proto_check(buf, k->len, 0, k->from), -EBADMSG);

	/* shorter than a header */
	make(buf, k);
	ck_assert_int_eq(proto_check(buf, 0, 0, k->from), -EBADMSG);
	ck_assert_int_eq(proto_check(buf, sizeof(struct intx_hdr) - 1, 0,
				     k->from), -EBADMSG);
}
END_TEST

START_TEST(rejects_extra_fds)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	const struct kind *k = &kinds[_i];

	make(buf, k);
	ck_assert_int_eq(proto_check(buf, k->len, k->fds + 1, k->from), -EBADMSG);
}
END_TEST

START_TEST(rejects_unknown_types)
{
	unsigned char buf[INTX_MSG_MAX + 16];
	/* gaps in both ranges, both range ends, and far beyond */
	static const uint16_t bad[] = { 0x00, 0x07, 0x0f, 0x13, 0x3f, 0x48,
		0x4f, 0x59, 0x7f, 0x80, 0xffff };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct intx_hdr h;

		memset(buf, 0, sizeof(buf));
		proto_hdr(&h, (enum intx_msg_type)bad[i], 16);
		memcpy(buf, &h, sizeof(h));
		ck_assert_int_eq(proto_check(buf, 16, 0, INTX_FROM_CLIENT), -EBADMSG);
		ck_assert_int_eq(proto_check(buf, 16, 0, INTX_FROM_DAEMON), -EBADMSG);
		ck_assert_str_eq(proto_type_name(bad[i]), "UNKNOWN");
	}
}
END_TEST

/* ADMIN LOG_LEVEL's names, the one table intxctl and intxd share */
START_TEST(log_levels)
{
	ck_assert_int_eq(proto_log_level("error"), 3);
	ck_assert_int_eq(proto_log_level("err"), 3);
	ck_assert_int_eq(proto_log_level("warning"), 4);
	ck_assert_int_eq(proto_log_level("warn"), 4);
	ck_assert_int_eq(proto_log_level("notice"), 5);
	ck_assert_int_eq(proto_log_level("info"), 6);
	ck_assert_int_eq(proto_log_level("debug"), 7);
	ck_assert_int_eq(proto_log_level(""), -1);
	ck_assert_int_eq(proto_log_level("crit"), -1);
	ck_assert_int_eq(proto_log_level("Debug"), -1);
	ck_assert_int_eq(proto_log_level("debug "), -1);
	ck_assert_str_eq(proto_type_name(INTX_MSG_TEXT), "TEXT");
	ck_assert_str_eq(proto_type_name(INTX_MSG_FAILURE), "FAILURE");
}
END_TEST

START_TEST(strset)
{
	char f[8];

	memset(f, 'x', sizeof(f));
	ck_assert_int_eq(proto_strset(f, sizeof(f), "abc"), 0);
	ck_assert_str_eq(f, "abc");
	/* NUL-padded: nothing of the old content survives */
	for (size_t i = 3; i < sizeof(f); i++)
		ck_assert_int_eq(f[i], 0);
	ck_assert_int_eq(proto_strset(f, sizeof(f), "1234567"), 0);
	ck_assert_int_eq(proto_strset(f, sizeof(f), "12345678"), -ENAMETOOLONG);
	ck_assert_int_eq(proto_strset(f, sizeof(f), NULL), 0);
	ck_assert_str_eq(f, "");
	ck_assert_str_eq(proto_type_name(INTX_MSG_NOTIFY), "NOTIFY");
}
END_TEST

/* --- wire -------------------------------------------------------------- */

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sv), 0);
}

static struct intx_msg_notify notify_msg(void)
{
	struct intx_msg_notify n = { .device_id = 7, .token = 9, .seq = 42,
				     .raised_ns = 123456789 };

	proto_hdr(&n.hdr, INTX_MSG_NOTIFY, sizeof(n));
	return n;
}

START_TEST(wire_round_trip)
{
	struct intx_msg_notify n = notify_msg(), m;
	unsigned char buf[INTX_MSG_MAX];
	unsigned nfds = 99;
	int sv[2], fd = 99;

	pair(sv);
	ck_assert_int_eq(wire_send(sv[0], &n, sizeof(n), -1, 0), 0);
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), &fd, &nfds, 0),
			 (long)sizeof(n));
	ck_assert_int_eq(fd, -1);
	ck_assert_uint_eq(nfds, 0);
	ck_assert_int_eq(proto_check(buf, sizeof(n), nfds, INTX_FROM_DAEMON),
			 INTX_MSG_NOTIFY);
	memcpy(&m, buf, sizeof(m));
	ck_assert_int_eq(memcmp(&m, &n, sizeof(n)), 0);

	/* nothing more waiting: -EAGAIN without blocking */
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), &fd, &nfds,
				   MSG_DONTWAIT), -EAGAIN);
	/* the peer goes away: end of stream, then sends fail quietly */
	close(sv[0]);
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), &fd, &nfds, 0), 0);
	ck_assert_int_eq(wire_send(sv[1], &n, sizeof(n), -1, 0), -EPIPE);
	close(sv[1]);
}
END_TEST

START_TEST(wire_passes_fd)
{
	struct intx_msg_subscribed s = { .device_id = 1 };
	unsigned char buf[INTX_MSG_MAX];
	int sv[2], p[2], fd = -1;
	unsigned nfds = 0;
	char c = 0;

	pair(sv);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	proto_hdr(&s.hdr, INTX_MSG_SUBSCRIBED, sizeof(s));
	strcpy(s.device, "nic0");
	ck_assert_int_eq(wire_send(sv[0], &s, sizeof(s), p[1], 0), 0);
	close(p[1]);
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), &fd, &nfds, 0),
			 (long)sizeof(s));
	ck_assert_uint_eq(nfds, 1);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(proto_check(buf, sizeof(s), nfds, INTX_FROM_DAEMON),
			 INTX_MSG_SUBSCRIBED);
	/* close-on-exec, and really the pipe we sent */
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	close(fd);
	/* the only writer is gone now: the fd was not leaked elsewhere */
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(wire_closes_unwanted_fd)
{
	struct intx_msg_notify n = notify_msg();
	unsigned char buf[INTX_MSG_MAX];
	unsigned nfds = 0;
	int sv[2], p[2];
	char c;

	pair(sv);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(wire_send(sv[0], &n, sizeof(n), p[1], 0), 0);
	close(p[1]);
	/* fd_out NULL: the fd is counted and closed */
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), NULL, &nfds, 0),
			 (long)sizeof(n));
	ck_assert_uint_eq(nfds, 1);
	ck_assert_int_eq(proto_check(buf, sizeof(n), nfds, INTX_FROM_DAEMON),
			 -EBADMSG);
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(wire_closes_extra_fds)
{
	struct intx_msg_subscribed s = { .device_id = 1 };
	unsigned char buf[INTX_MSG_MAX];
	union {
		char b[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &s, .iov_len = sizeof(s) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm;
	int sv[2], p1[2], p2[2], fds[2], fd = -1;
	unsigned nfds = 0;
	char c;

	pair(sv);
	ck_assert_int_eq(pipe2(p1, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(p2, O_CLOEXEC | O_NONBLOCK), 0);
	proto_hdr(&s.hdr, INTX_MSG_SUBSCRIBED, sizeof(s));
	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	fds[0] = p1[1];
	fds[1] = p2[1];
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	ck_assert_int_eq(sendmsg(sv[0], &mh, 0), (ssize_t)sizeof(s));
	close(p1[1]);
	close(p2[1]);

	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), &fd, &nfds, 0),
			 (long)sizeof(s));
	ck_assert_uint_eq(nfds, 2);
	ck_assert_int_ge(fd, 0);
	/* more than SUBSCRIBED may carry */
	ck_assert_int_eq(proto_check(buf, sizeof(s), nfds, INTX_FROM_DAEMON),
			 -EBADMSG);
	/* the first is ours (its pipe still has a writer), the second was
	 * closed (its pipe is at end of file) */
	ck_assert_int_eq(read(p1[0], &c, 1), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(read(p2[0], &c, 1), 0);
	close(fd);
	ck_assert_int_eq(read(p1[0], &c, 1), 0);
	close(p1[0]);
	close(p2[0]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(wire_oversized)
{
	unsigned char big[INTX_MSG_MAX + 88], buf[INTX_MSG_MAX];
	struct intx_msg_notify n = notify_msg();
	unsigned nfds = 0;
	int sv[2], fd = -1;

	pair(sv);
	memset(big, 0xab, sizeof(big));
	ck_assert_int_eq(wire_send(sv[0], big, sizeof(big), -1, 0), 0);
	ck_assert_int_eq(wire_send(sv[0], &n, sizeof(n), -1, 0), 0);
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), &fd, &nfds, 0),
			 -EMSGSIZE);
	/* consumed: the next message is intact */
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), &fd, &nfds, 0),
			 (long)sizeof(n));
	ck_assert_int_eq(memcmp(buf, &n, sizeof(n)), 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(wire_listen_connect_peercred)
{
	char dir[] = "/tmp/check-proto-XXXXXX", path[64];
	struct ucred cred;
	struct stat st;
	int l, c, a;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	l = wire_listen(path, 0600, 4);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	c = wire_connect(path);
	ck_assert_int_ge(c, 0);
	ck_assert(fcntl(c, F_GETFD) & FD_CLOEXEC);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(wire_peercred(a, &cred), 0);
	ck_assert_int_eq(cred.pid, getpid());
	ck_assert_uint_eq(cred.uid, getuid());
	close(a);
	close(c);
	close(l);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(wire_connect(path), -ENOENT);
}
END_TEST

/* --- CPU sets (STATUS/LINE/SUBSCRIBED.cpus) -------------------------- */

/* set through a LINE record on a socket pair, checked as a peer checks it;
 * what came out of the record's bitmap. */
static cpu_set_t line_round_trip(const cpu_set_t *set, struct intx_msg_line *got)
{
	struct intx_msg_line m = { .irq = 11 };
	unsigned char buf[INTX_MSG_MAX];
	cpu_set_t out;
	unsigned nfds;
	int sv[2];

	proto_hdr(&m.hdr, INTX_MSG_LINE, sizeof(m));
	strcpy(m.name, "l0");
	cpuset_to_wire(set, m.cpus);
	pair(sv);
	ck_assert_int_eq(wire_send(sv[0], &m, sizeof(m), -1, 0), 0);
	ck_assert_int_eq(wire_recv(sv[1], buf, sizeof(buf), NULL, &nfds, 0),
			 (long)sizeof(m));
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(proto_check(buf, sizeof(m), nfds, INTX_FROM_DAEMON),
			 INTX_MSG_LINE);
	memcpy(got, buf, sizeof(*got));
	ck_assert_int_eq(cpuset_from_wire(got->cpus, &out), CPU_COUNT(set));
	return out;
}

/* Every other CPU of 1024: 512 CPUs, a list of about 2000 characters. */
START_TEST(cpuset_every_other_1024)
{
	struct intx_msg_line got;
	char list[CPULIST_MAX];
	cpu_set_t set, out, back;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < 1024; i += 2)
		CPU_SET(i, &set);
	out = line_round_trip(&set, &got);
	ck_assert_int_eq(CPU_COUNT(&out), 512);
	ck_assert(CPU_EQUAL(&out, &set));
	/* the bit layout is the same on every host: CPU i, bit i % 8 of
	 * byte i / 8 */
	for (i = 0; i < INTX_CPUSET_BYTES; i++)
		ck_assert_uint_eq(got.cpus[i], 0x55);
	/* and the list for humans holds every CPU */
	ck_assert_int_eq(cpulist_format(&out, list, sizeof(list)), 0);
	ck_assert_uint_gt(strlen(list), 1900);
	ck_assert_int_eq(cpulist_parse(list, &back), 0);
	ck_assert(CPU_EQUAL(&back, &set));
	ck_assert_int_eq(strncmp(list, "0,2,4,", 6), 0);
	ck_assert_str_eq(list + strlen(list) - 10, ",1020,1022");
}
END_TEST

/* The last CPU a cpu_set_t holds, alone, with CPU 0, and every CPU: a
 * bitmap with no zero byte is no unterminated string. */
START_TEST(cpuset_cpu_1023)
{
	struct intx_msg_line got;
	cpu_set_t set, out;
	int i;

	CPU_ZERO(&set);
	CPU_SET(1023, &set);
	out = line_round_trip(&set, &got);
	ck_assert(CPU_ISSET(1023, &out) && CPU_COUNT(&out) == 1);
	ck_assert_uint_eq(got.cpus[127], 0x80);
	for (i = 0; i < 127; i++)
		ck_assert_uint_eq(got.cpus[i], 0);

	CPU_SET(0, &set);
	out = line_round_trip(&set, &got);
	ck_assert(CPU_EQUAL(&out, &set));
	ck_assert_uint_eq(got.cpus[0], 0x01);

	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	out = line_round_trip(&set, &got);
	ck_assert_int_eq(CPU_COUNT(&out), 1024);
}
END_TEST

/* No set known: all zero bits, read back as none (intx_cpu()'s -ENODATA). */
START_TEST(cpuset_none)
{
	struct intx_msg_line got;
	uint8_t wire[INTX_CPUSET_BYTES];
	cpu_set_t set, out;

	CPU_ZERO(&set);
	out = line_round_trip(&set, &got);
	ck_assert_int_eq(CPU_COUNT(&out), 0);
	for (int i = 0; i < INTX_CPUSET_BYTES; i++)
		ck_assert_uint_eq(got.cpus[i], 0);
	/* to_wire clears what was in the field before */
	memset(wire, 0xff, sizeof(wire));
	cpuset_to_wire(&set, wire);
	ck_assert_int_eq(cpuset_from_wire(wire, &out), 0);
}
END_TEST

/* The longest lists there are fit CPULIST_MAX: pairs ("0-1,3-4,...")
 * and single CPUs apart ("0,2,..."), from the high CPUs down as well. */
START_TEST(cpulist_max_fits)
{
	static const int step[] = { 3, 2 };
	char list[CPULIST_MAX], small[16];
	cpu_set_t set, back;

	for (int k = 0; k < 2; k++) {
		CPU_ZERO(&set);
		for (int i = CPU_SETSIZE - 1; i >= 0; i -= step[k]) {
			CPU_SET(i, &set);
			if (step[k] == 3 && i > 0)
				CPU_SET(i - 1, &set);
		}
		ck_assert_int_eq(cpulist_format(&set, list, sizeof(list)), 0);
		ck_assert_int_eq(cpulist_parse(list, &back), 0);
		ck_assert(CPU_EQUAL(&back, &set));
		/* a short buffer: no list, never the CPUs that fit */
		ck_assert_int_eq(cpulist_format(&set, small, sizeof(small)), -ENOSPC);
		ck_assert_str_eq(small, "");
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("proto");
	TCase *t = tcase_create("check");
	TCase *w = tcase_create("wire");
	TCase *c;
	int ns = (int)(sizeof(strings) / sizeof(strings[0]));
	int nr = (int)(sizeof(reserved) / sizeof(reserved[0]));

	tcase_add_loop_test(t, accepts_every_valid_message, 0, (int)NKINDS);
	tcase_add_loop_test(t, accepts_full_strings, 0, ns);
	tcase_add_loop_test(t, rejects_missing_nul, 0, ns);
	tcase_add_loop_test(t, rejects_nonzero_reserved, 0, nr);
	tcase_add_loop_test(t, rejects_wrong_version, 0, (int)NKINDS);
	tcase_add_loop_test(t, rejects_wrong_direction, 0, (int)NKINDS);
	tcase_add_loop_test(t, rejects_bad_lengths, 0, (int)NKINDS);
	tcase_add_loop_test(t, rejects_extra_fds, 0, (int)NKINDS);
	tcase_add_test(t, rejects_unknown_types);
	tcase_add_test(t, strset);
	tcase_add_test(t, log_levels);
	suite_add_tcase(s, t);

	tcase_add_test(w, wire_round_trip);
	tcase_add_test(w, wire_passes_fd);
	tcase_add_test(w, wire_closes_unwanted_fd);
	tcase_add_test(w, wire_closes_extra_fds);
	tcase_add_test(w, wire_oversized);
	tcase_add_test(w, wire_listen_connect_peercred);
	suite_add_tcase(s, w);

	c = tcase_create("cpuset");
	tcase_add_test(c, cpuset_every_other_1024);
	tcase_add_test(c, cpuset_cpu_1023);
	tcase_add_test(c, cpuset_none);
	tcase_add_test(c, cpulist_max_fits);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return check_run(suite());
}
