/* SPDX-License-Identifier: MIT */
/*
 * check-libintx.c - libintx against a fake daemon.
 *
 * The fake daemon is a thread that listens on a socket in a private temp
 * directory and plays one script: what it expects from the library and what
 * it answers.  It never asserts (check's assertions belong to the test's own
 * thread); it records what it saw and the first thing that went wrong, and
 * the test asserts on that after joining it.  Both sides synchronise only
 * through the socket: every wait is a blocking read of the next message.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-run.h"
#include "cpulist.h"
#include "cpuset.h"
#include "intx.h"
#include "irqinfo.h"
#include "proto.h"
#include "wire.h"

/* Bound on every wait of the fake daemon, so a library that fails to send
 * something ends the test with a message rather than a hang. */
#define PEER_WAIT_MS 3000

struct fake {
	int lfd, cfd;
	pthread_t thr;
	void (*script)(struct fake *f);
	char err[512];

	/* what the fake saw */
	struct intx_msg_hello hello;
	struct intx_msg_ack acks[8];
	int nacks;
	char subs[8][INTX_NAME_MAX];
	int nsubs;
	uint32_t unsub_id;
	int pass_fd; /* an fd to send with SUBSCRIBED, -1 for none */
	int pipe_w;  /* the write end of the notification pipe, or -1 */
	int ack_r;   /* the read end of the ACK pipe it gave, or -1 */
};

static char tmpdir[64], sockpath[96];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/check-libintx-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(sockpath, sizeof(sockpath), "%s/intxd.sock", tmpdir);
}

static void teardown(void)
{
	unlink(sockpath);
	rmdir(tmpdir);
}

static void __attribute__((format(printf, 2, 3)))
peer_fail(struct fake *f, const char *fmt, ...)
{
	va_list ap;

	if (f->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

#define PEER_EXPECT(f, cond)                                                 \
	do {                                                                 \
		if (!(cond)) {                                               \
			peer_fail(f, "%s:%d: %s", __FILE__, __LINE__, #cond);\
			return;                                              \
		}                                                            \
	} while (0)

static int peer_accept(struct fake *f)
{
	struct pollfd p = { .fd = f->lfd, .events = POLLIN };

	if (poll(&p, 1, PEER_WAIT_MS) != 1) {
		peer_fail(f, "nobody connected");
		return -1;
	}
	f->cfd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (f->cfd < 0) {
		peer_fail(f, "accept: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Receive the next message; it must pass proto_check and be of type. */
static int peer_recv(struct fake *f, void *buf, unsigned type)
{
	struct pollfd p = { .fd = f->cfd, .events = POLLIN };
	unsigned nfds;
	long n;
	int t;

	if (poll(&p, 1, PEER_WAIT_MS) != 1) {
		peer_fail(f, "waited in vain for %s", proto_type_name(type));
		return -1;
	}
	n = wire_recv(f->cfd, buf, INTX_MSG_MAX, NULL, &nfds, 0);
	if (n <= 0) {
		peer_fail(f, "wanted %s, got %s", proto_type_name(type),
			  n == 0 ? "end of stream" : strerror((int)-n));
		return -1;
	}
	t = proto_check(buf, (size_t)n, nfds, INTX_FROM_CLIENT);
	if (t != (int)type) {
		peer_fail(f, "wanted %s, got %s (%d)", proto_type_name(type),
			  t < 0 ? "invalid message" : proto_type_name((unsigned)t), t);
		return -1;
	}
	return 0;
}

static int peer_send(struct fake *f, void *msg, unsigned type, size_t len,
		     int fd)
{
	int r;

	proto_hdr(msg, type, len);
	r = wire_send(f->cfd, msg, len, fd, 0);
	if (r < 0)
		peer_fail(f, "send %s: %s", proto_type_name(type), strerror(-r));
	return r;
}

/* Accept, expect HELLO and answer WELCOME (as the name asked, or "vm1"),
 * with fd (a notification pipe) or without (-1). */
static int peer_welcome_fd(struct fake *f, int fd)
{
	struct intx_msg_welcome w = { .session = 77 };

	if (peer_accept(f) < 0 || peer_recv(f, &f->hello, INTX_MSG_HELLO) < 0)
		return -1;
	if (f->hello.role != INTX_ROLE_CLIENT) {
		peer_fail(f, "HELLO role %u", f->hello.role);
		return -1;
	}
	strcpy(w.client, f->hello.client[0] ? f->hello.client : "vm1");
	return peer_send(f, &w, INTX_MSG_WELCOME, sizeof(w), fd);
}

static int peer_welcome(struct fake *f)
{
	return peer_welcome_fd(f, -1);
}

/* peer_welcome() handing over a notification pipe, as intxd does; its
 * write end is f->pipe_w. */
static int peer_welcome_pipe(struct fake *f)
{
	int pp[2], r;

	if (pipe2(pp, O_CLOEXEC) < 0) {
		peer_fail(f, "pipe: %s", strerror(errno));
		return -1;
	}
	f->pipe_w = pp[1];
	r = peer_welcome_fd(f, pp[0]);
	close(pp[0]);
	return r;
}

/* Expect SUBSCRIBE; remember the device's name. */
static int peer_subscribe_req(struct fake *f)
{
	struct intx_msg_subscribe s;

	if (peer_recv(f, &s, INTX_MSG_SUBSCRIBE) < 0)
		return -1;
	if (f->nsubs < 8)
		strcpy(f->subs[f->nsubs++], s.device);
	return 0;
}

static int peer_subscribed(struct fake *f, uint32_t id)
{
	struct intx_msg_subscribed r = { .device_id = id };

	strcpy(r.device, f->subs[f->nsubs - 1]);
	return peer_send(f, &r, INTX_MSG_SUBSCRIBED, sizeof(r), -1);
}

static int peer_subscribe(struct fake *f, uint32_t id)
{
	if (peer_subscribe_req(f) < 0)
		return -1;
	return peer_subscribed(f, id);
}

static int peer_notify(struct fake *f, uint32_t id, uint32_t token,
		       uint64_t seq)
{
	struct intx_msg_notify n = { .device_id = id, .token = token, .seq = seq,
				     .raised_ns = seq * 1000 + 1 };

	return peer_send(f, &n, INTX_MSG_NOTIFY, sizeof(n), -1);
}

static int peer_ack(struct fake *f)
{
	struct intx_msg_ack a;

	if (peer_recv(f, &a, INTX_MSG_ACK) < 0)
		return -1;
	if (f->nacks < 8)
		f->acks[f->nacks++] = a;
	return 0;
}

static int peer_error(struct fake *f, int err, unsigned req, const char *text)
{
	struct intx_msg_error e = { .error = err, .req_type = (uint16_t)req };

	strcpy(e.text, text);
	return peer_send(f, &e, INTX_MSG_ERROR, sizeof(e), -1);
}

/* Stay connected until the client closes (a daemon that lives on). */
static void peer_linger(struct fake *f)
{
	char b[INTX_MSG_MAX];

	while (recv(f->cfd, b, sizeof(b), 0) > 0)
		;
}

static void *peer_main(void *arg)
{
	struct fake *f = arg;

	f->script(f);
	/* Hanging up is part of every script's end: the library sees end of
	 * stream exactly as it would from a daemon that exits. */
	if (f->cfd >= 0)
		close(f->cfd);
	if (f->pipe_w >= 0)
		close(f->pipe_w);
	if (f->ack_r >= 0)
		close(f->ack_r);
	close(f->lfd);
	return NULL;
}

/* pass_fd: an fd the script may send (and close), or -1. */
static void fake_start_fd(struct fake *f, void (*script)(struct fake *),
			  int pass_fd)
{
	memset(f, 0, sizeof(*f));
	f->cfd = -1;
	f->pipe_w = -1;
	f->ack_r = -1;
	f->pass_fd = pass_fd;
	f->script = script;
	f->lfd = wire_listen(sockpath, 0600, 4);
	ck_assert_int_ge(f->lfd, 0);
	ck_assert_int_eq(pthread_create(&f->thr, NULL, peer_main, f), 0);
}

static void fake_start(struct fake *f, void (*script)(struct fake *))
{
	fake_start_fd(f, script, -1);
}

static void fake_join(struct fake *f)
{
	ck_assert_int_eq(pthread_join(f->thr, NULL), 0);
	ck_assert_msg(f->err[0] == 0, "fake daemon: %s", f->err);
}

/* --- handlers that record what ran ------------------------------------- */

struct calls {
	char log[16][24];
	int n;
	uint64_t seq[16];
	uint64_t raised_ns[16];
	struct intx_client *c;
	int nested; /* what intx_dispatch() said from inside a handler */
};

static void record(struct calls *k, const char *who, const struct intx_event *ev)
{
	if (k->n < 16) {
		snprintf(k->log[k->n], sizeof(k->log[0]), "%s:%s", who, ev->device);
		k->seq[k->n] = ev->seq;
		k->raised_ns[k->n] = ev->raised_ns;
		k->n++;
	}
}

static int h_none_a(const struct intx_event *ev, void *arg)
{
	record(arg, "A", ev);
	return INTX_NONE;
}

static int h_handled_b(const struct intx_event *ev, void *arg)
{
	struct calls *k = arg;

	record(k, "B", ev);
	if (k->c)
		k->nested = intx_dispatch(k->c, 0);
	return INTX_HANDLED;
}

static int h_never(const struct intx_event *ev, void *arg)
{
	record(arg, "NEVER", ev);
	return INTX_HANDLED;
}

static int h_none_c(const struct intx_event *ev, void *arg)
{
	record(arg, "C", ev);
	return INTX_NONE;
}

static int h_handled(const struct intx_event *ev, void *arg)
{
	record(arg, "H", ev);
	return INTX_HANDLED;
}

/* What the lost-device callback was told, last call. */
struct lost_calls {
	int n;
	struct intx_client *c;
	char name[INTX_NAME_MAX];
	int err;
	char reason[INTX_TEXT_MAX];
};

static void on_lost(struct intx_client *c, const char *device, int err,
		    const char *reason, void *arg)
{
	struct lost_calls *l = arg;

	l->n++;
	l->c = c;
	snprintf(l->name, sizeof(l->name), "%s", device);
	l->err = err;
	snprintf(l->reason, sizeof(l->reason), "%s", reason ? reason : "(null)");
}

/* Dispatch until want notifications ran; each call must make progress. */
static void dispatch_n(struct intx_client *c, int want)
{
	int got = 0;

	while (got < want) {
		int r = intx_dispatch(c, 2000);

		ck_assert_msg(r > 0, "intx_dispatch: %d (%s)", r, intx_strerror(r));
		got += r;
	}
	ck_assert_int_eq(got, want);
}

/* --- open -------------------------------------------------------------- */

static void script_welcome(struct fake *f)
{
	peer_welcome(f);
}

START_TEST(open_welcome)
{
	struct intx_client *c;
	struct fake f;

	fake_start(&f, script_welcome);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(intx_client_name(c), "vm1");
	ck_assert_int_ge(intx_fd(c), 0);
	ck_assert(fcntl(intx_fd(c), F_GETFD) & FD_CLOEXEC);
	fake_join(&f);
	ck_assert_uint_eq(f.hello.role, INTX_ROLE_CLIENT);
	ck_assert_str_eq(f.hello.client, "vm1");
	intx_close(c);
}
END_TEST

START_TEST(open_default_from_environment)
{
	struct intx_client *c;
	struct fake f;

	fake_start(&f, script_welcome);
	ck_assert_int_eq(setenv("INTXD_SOCKET", sockpath, 1), 0);
	/* NULL path: $INTXD_SOCKET; NULL name: whatever the daemon admits */
	c = intx_open(NULL, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(intx_client_name(c), "vm1");
	fake_join(&f);
	ck_assert_str_eq(f.hello.client, "");
	intx_close(c);
	unsetenv("INTXD_SOCKET");
}
END_TEST

static void script_refuse_hello(struct fake *f)
{
	struct intx_msg_hello h;

	if (peer_accept(f) < 0 || peer_recv(f, &h, INTX_MSG_HELLO) < 0)
		return;
	peer_error(f, EPERM, INTX_MSG_HELLO, "uid 1000 matches no client");
}

START_TEST(open_refused)
{
	struct fake f;

	fake_start(&f, script_refuse_hello);
	errno = 0;
	ck_assert_ptr_null(intx_open(sockpath, "vm1"));
	ck_assert_int_eq(errno, EPERM);
	/* the daemon's own words reach the caller */
	ck_assert_str_eq(intx_last_error(NULL),
			 "refused by intxd: uid 1000 matches no client");
	fake_join(&f);
}
END_TEST

static void script_other_version(struct fake *f)
{
	struct intx_msg_welcome w = { .session = 1 };
	struct intx_msg_hello h;

	if (peer_accept(f) < 0 || peer_recv(f, &h, INTX_MSG_HELLO) < 0)
		return;
	proto_hdr(&w.hdr, INTX_MSG_WELCOME, sizeof(w));
	w.hdr.version = INTX_PROTO_VERSION + 1;
	strcpy(w.client, "vm1");
	if (wire_send(f->cfd, &w, sizeof(w), -1, 0) < 0)
		peer_fail(f, "send");
}

START_TEST(open_version_mismatch)
{
	struct fake f;

	fake_start(&f, script_other_version);
	errno = 0;
	ck_assert_ptr_null(intx_open(sockpath, "vm1"));
	ck_assert_int_eq(errno, EPROTONOSUPPORT);
	ck_assert_str_eq(intx_strerror(-EPROTONOSUPPORT),
			 "intxd speaks another protocol version");
	fake_join(&f);
}
END_TEST

/* A daemon restarting three times in a row (intxctl restart): each image
 * hangs up on the HELLO it did not answer; the fourth answers. */
static void script_hang_up_thrice(struct fake *f)
{
	struct intx_msg_hello h;
	int i;

	for (i = 0; i < 3; i++) {
		if (peer_accept(f) < 0 || peer_recv(f, &h, INTX_MSG_HELLO) < 0)
			return;
		close(f->cfd);
		f->cfd = -1;
	}
	(void)peer_welcome(f);
}

START_TEST(open_across_restarts_in_a_row)
{
	struct intx_client *c;
	struct fake f;

	fake_start(&f, script_hang_up_thrice);
	c = intx_open(sockpath, "vm1");
	ck_assert_msg(c != NULL, "intx_open: %s", intx_last_error(NULL));
	ck_assert_str_eq(intx_client_name(c), "vm1");
	fake_join(&f);
	intx_close(c);
}
END_TEST

START_TEST(open_no_daemon)
{
	char want[256];
	int fd;

	/* no socket at all: not "no such device" */
	errno = 0;
	ck_assert_ptr_null(intx_open(sockpath, "vm1"));
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_str_eq(intx_strerror(errno), "intxd is not running");
	snprintf(want, sizeof(want), "intxd is not running (no socket at %s)",
		 sockpath);
	ck_assert_str_eq(intx_last_error(NULL), want);

	/* a socket left behind by a daemon that died */
	fd = wire_listen(sockpath, 0600, 1);
	ck_assert_int_ge(fd, 0);
	close(fd);
	errno = 0;
	ck_assert_ptr_null(intx_open(sockpath, "vm1"));
	ck_assert_int_eq(errno, ECONNREFUSED);
	snprintf(want, sizeof(want), "intxd is not running (nobody listens "
		 "on %s)", sockpath);
	ck_assert_str_eq(intx_last_error(NULL), want);
	ck_assert_int_eq(unlink(sockpath), 0);

	/* a file that is no socket: a wrong path, not a dead daemon */
	fd = open(sockpath, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_ptr_null(intx_open(sockpath, "vm1"));
	snprintf(want, sizeof(want), "%s is not a socket: is intxd configured "
		 "with another path?", sockpath);
	ck_assert_str_eq(intx_last_error(NULL), want);
}
END_TEST

/* An uid and gid nobody has (checked), for a peer without access. */
#define OUTSIDER 61077

START_TEST(open_permission_denied)
{
	struct group *g = getgrgid(65534);
	char want[256], got[256] = "";
	int lfd, p[2], status;
	pid_t pid;
	ssize_t n;

	ck_assert_ptr_null(getpwuid(OUTSIDER));
	ck_assert_ptr_nonnull(g);
	/* the socket is the group's, as intxd makes it for group "intx";
	 * the directory lets anyone reach it */
	lfd = wire_listen(sockpath, 0660, 1);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(chown(sockpath, 0, g->gr_gid), 0);
	ck_assert_int_eq(chmod(tmpdir, 0711), 0);
	snprintf(want, sizeof(want), "permission denied on %s (add the user "
		 "to group %s)", sockpath, g->gr_name);

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *e;
		int err;

		if (setgroups(0, NULL) < 0 || setgid(OUTSIDER) < 0 ||
		    setuid(OUTSIDER) < 0)
			_exit(3);
		errno = 0;
		if (intx_open(sockpath, "vm1"))
			_exit(4);
		err = errno;
		e = intx_last_error(NULL);
		if (dprintf(p[1], "%d %s", err, e ? e : "(null)") < 0)
			_exit(5);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child status %#x", status);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(atoi(got), EACCES);
	ck_assert_str_eq(strchr(got, ' ') + 1, want);
	close(lfd);
}
END_TEST

/* --- subscribe --------------------------------------------------------- */

static void script_subscribe(struct fake *f)
{
	if (peer_welcome(f) < 0)
		return;
	/* nic0 comes with an fd, as a vfio device will */
	if (peer_subscribe_req(f) < 0)
		return;
	{
		struct intx_msg_subscribed r = { .device_id = 3,
						 .flags = INTX_SUB_BROADCAST };

		strcpy(r.device, "nic0");
		if (peer_send(f, &r, INTX_MSG_SUBSCRIBED, sizeof(r), f->pass_fd) < 0)
			return;
		close(f->pass_fd);
	}
	if (peer_subscribe_req(f) < 0)
		return;
	peer_error(f, EACCES, INTX_MSG_SUBSCRIBE, "vm1 is not bound to disk9");
	if (peer_subscribe_req(f) < 0)
		return;
	peer_error(f, ENOENT, INTX_MSG_SUBSCRIBE, "no device nope");
}

START_TEST(subscribe_ok_and_refused)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;
	int p[2], fd;
	char ch;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	fake_start_fd(&f, script_subscribe, p[1]);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "nic0", h_handled, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "disk9", h_handled, &k), -EACCES);
	ck_assert_str_eq(intx_last_error(c),
			 "refused by intxd: vm1 is not bound to disk9");
	ck_assert_int_eq(intx_subscribe(c, "nope", h_handled, &k), -ENOENT);
	/* refused devices leave no trace */
	ck_assert_int_eq(intx_unsubscribe(c, "disk9"), -ENOENT);
	/* bad arguments never reach the daemon */
	ck_assert_int_eq(intx_subscribe(c, "", h_handled, &k), -EINVAL);
	ck_assert_int_eq(intx_subscribe(c, "nic0", NULL, &k), -EINVAL);
	ck_assert_int_eq(intx_subscribe(c,
		"0123456789012345678901234567890123456789012345678901234567890123",
		h_handled, &k), -ENAMETOOLONG);
	/* a second handler for nic0 is local: the script expects no more */
	ck_assert_int_eq(intx_subscribe(c, "nic0", h_none_a, &k), 0);
	fake_join(&f);
	ck_assert_int_eq(f.nsubs, 3);
	ck_assert_str_eq(f.subs[0], "nic0");
	ck_assert_str_eq(f.subs[1], "disk9");
	ck_assert_str_eq(f.subs[2], "nope");
	ck_assert_int_eq(k.n, 0);
	/* the fd that came with SUBSCRIBED is the subscription's: really
	 * the one sent, close-on-exec, and only for that device */
	fd = intx_device_fd(c, "nic0");
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(write(fd, "v", 1), 1);
	ck_assert_int_eq(read(p[0], &ch, 1), 1);
	ck_assert_int_eq(ch, 'v');
	ck_assert_int_eq(intx_device_fd(c, "disk9"), -ENOENT);
	/* and it goes with the client: no writer is left */
	intx_close(c);
	ck_assert_int_eq(read(p[0], &ch, 1), 0);
	close(p[0]);
}
END_TEST

/* --- notify and the handler chain -------------------------------------- */

static void script_chain(struct fake *f)
{
	if (peer_welcome(f) < 0 || peer_subscribe(f, 3) < 0 ||
	    peer_subscribe(f, 4) < 0)
		return;
	/* token differs from device_id, as in broadcast mode: must echo */
	if (peer_notify(f, 3, 30, 1) < 0 || peer_ack(f) < 0)
		return;
	if (peer_notify(f, 4, 4, 2) < 0 || peer_ack(f) < 0)
		return;
}

START_TEST(notify_runs_chain_in_order)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;

	fake_start(&f, script_chain);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	k.c = c;
	k.nested = 12345;
	/* nic0: A says not mine, B claims it, the last never runs */
	ck_assert_int_eq(intx_subscribe(c, "nic0", h_none_a, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "nic0", h_handled_b, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "nic0", h_never, &k), 0);
	/* disk0: nobody claims it */
	ck_assert_int_eq(intx_subscribe(c, "disk0", h_none_c, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "disk0", h_none_a, &k), 0);

	dispatch_n(c, 2);
	fake_join(&f);

	ck_assert_int_eq(k.n, 4);
	ck_assert_str_eq(k.log[0], "A:nic0");
	ck_assert_str_eq(k.log[1], "B:nic0");
	ck_assert_str_eq(k.log[2], "C:disk0");
	ck_assert_str_eq(k.log[3], "A:disk0");
	ck_assert_uint_eq(k.seq[0], 1);
	ck_assert_uint_eq(k.raised_ns[1], 1001);
	ck_assert_uint_eq(k.seq[2], 2);
	/* handlers may not re-enter intx_dispatch */
	ck_assert_int_eq(k.nested, -EDEADLK);

	ck_assert_int_eq(f.nacks, 2);
	ck_assert_uint_eq(f.acks[0].device_id, 3);
	ck_assert_uint_eq(f.acks[0].token, 30);
	ck_assert_uint_eq(f.acks[0].seq, 1);
	ck_assert_uint_eq(f.acks[0].flags, INTX_ACK_HANDLED);
	ck_assert_uint_eq(f.acks[1].device_id, 4);
	ck_assert_uint_eq(f.acks[1].token, 4);
	ck_assert_uint_eq(f.acks[1].seq, 2);
	ck_assert_uint_eq(f.acks[1].flags, 0);
	intx_close(c);
}
END_TEST

static void script_notify_before_reply(struct fake *f)
{
	if (peer_welcome(f) < 0 || peer_subscribe(f, 1) < 0)
		return;
	/* while the library waits for SUBSCRIBED of d2, d1 interrupts; and
	 * d2 is pending, so it is notified right after SUBSCRIBED */
	if (peer_subscribe_req(f) < 0 || peer_notify(f, 1, 1, 5) < 0)
		return;
	/* and a complaint about some earlier ACK is not the reply either */
	if (peer_error(f, EPROTO, INTX_MSG_ACK, "acknowledgement of nothing") < 0 ||
	    peer_subscribed(f, 2) < 0 || peer_notify(f, 2, 2, 6) < 0)
		return;
	if (peer_ack(f) < 0 || peer_ack(f) < 0)
		return;
}

START_TEST(notify_before_reply_is_queued)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;

	fake_start(&f, script_notify_before_reply);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "d2", h_handled, &k), 0);
	/* handlers run only from intx_dispatch */
	ck_assert_int_eq(k.n, 0);
	dispatch_n(c, 2);
	fake_join(&f);
	ck_assert_int_eq(k.n, 2);
	ck_assert_str_eq(k.log[0], "H:d1");
	ck_assert_uint_eq(k.seq[0], 5);
	ck_assert_str_eq(k.log[1], "H:d2");
	ck_assert_uint_eq(k.seq[1], 6);
	ck_assert_int_eq(f.nacks, 2);
	ck_assert_uint_eq(f.acks[0].device_id, 1);
	ck_assert_uint_eq(f.acks[0].seq, 5);
	ck_assert_uint_eq(f.acks[0].flags, INTX_ACK_HANDLED);
	ck_assert_uint_eq(f.acks[1].device_id, 2);
	ck_assert_uint_eq(f.acks[1].seq, 6);
	/* nothing left over; the fake daemon has hung up and nobody
	 * listens any more */
	ck_assert_int_eq(intx_dispatch(c, 0), -ENOTCONN);
	intx_close(c);
}
END_TEST

/* --- unsubscribe ------------------------------------------------------- */

static void script_unsubscribe(struct fake *f)
{
	struct intx_msg_unsubscribe u;
	struct intx_msg_unsubscribed r = { 0 };

	if (peer_welcome(f) < 0 || peer_subscribe(f, 9) < 0)
		return;
	/* a notification for d is queued while e is being subscribed */
	if (peer_subscribe_req(f) < 0 || peer_notify(f, 9, 9, 3) < 0 ||
	    peer_subscribed(f, 10) < 0)
		return;
	/* unsubscribing d acks the queued one (unclaimed) first */
	if (peer_ack(f) < 0 || peer_recv(f, &u, INTX_MSG_UNSUBSCRIBE) < 0)
		return;
	f->unsub_id = u.device_id;
	r.device_id = u.device_id;
	/* d interrupts once more before the daemon reads UNSUBSCRIBE: that
	 * NOTIFY is owed an ack all the same */
	if (peer_notify(f, 9, 9, 7) < 0 ||
	    peer_send(f, &r, INTX_MSG_UNSUBSCRIBED, sizeof(r), -1) < 0)
		return;
	/* e keeps working */
	if (peer_notify(f, 10, 10, 4) < 0 || peer_ack(f) < 0 || peer_ack(f) < 0)
		return;
}

START_TEST(unsubscribe_acks_queue_first)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;

	fake_start(&f, script_unsubscribe);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d", h_handled, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "e", h_handled, &k), 0);
	ck_assert_int_eq(intx_unsubscribe(c, "d"), 0);
	ck_assert_int_eq(intx_unsubscribe(c, "d"), -ENOENT);
	dispatch_n(c, 2);
	fake_join(&f);
	ck_assert_uint_eq(f.unsub_id, 9);
	ck_assert_int_eq(f.nacks, 3);
	ck_assert_uint_eq(f.acks[0].device_id, 9);
	ck_assert_uint_eq(f.acks[0].seq, 3);
	ck_assert_uint_eq(f.acks[0].flags, 0);
	/* the crossed one: acked, unclaimed, in arrival order */
	ck_assert_uint_eq(f.acks[1].device_id, 9);
	ck_assert_uint_eq(f.acks[1].seq, 7);
	ck_assert_uint_eq(f.acks[1].flags, 0);
	ck_assert_uint_eq(f.acks[2].device_id, 10);
	ck_assert_uint_eq(f.acks[2].flags, INTX_ACK_HANDLED);
	/* d's handler never ran */
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.log[0], "H:e");
	intx_close(c);
}
END_TEST

/* --- reconnect --------------------------------------------------------- */

static void script_first_life(struct fake *f)
{
	if (peer_welcome(f) < 0 || peer_subscribe(f, 1) < 0 ||
	    peer_subscribe(f, 2) < 0)
		return;
	/* then the daemon dies */
}

static void script_second_life(struct fake *f)
{
	/* new ids: the library must use what the new daemon says */
	if (peer_welcome(f) < 0 || peer_subscribe(f, 11) < 0 ||
	    peer_subscribe(f, 12) < 0)
		return;
	/* d2 still asserts: the new daemon re-delivers it */
	if (peer_notify(f, 12, 12, 99) < 0 || peer_ack(f) < 0)
		return;
	peer_linger(f);
}

START_TEST(reconnect_and_resubscribe)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake a, b;
	int oldfd;

	fake_start(&a, script_first_life);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_none_a, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "d2", h_handled, &k), 0);
	oldfd = intx_fd(c);
	ck_assert_int_ge(oldfd, 0);
	fake_join(&a);

	/* The daemon is gone and nobody listens: with no time to wait, the
	 * library says so and has no fd to offer. */
	ck_assert_int_eq(intx_dispatch(c, 0), -ENOTCONN);
	ck_assert_int_eq(intx_fd(c), -ENOTCONN);
	{
		char want[256];

		snprintf(want, sizeof(want), "intxd is not running (nobody "
			 "listens on %s)", sockpath);
		ck_assert_str_eq(intx_last_error(c), want);
	}

	/* A new daemon listens on the same path. */
	fake_start(&b, script_second_life);
	dispatch_n(c, 1);
	/* a new fd, and one a caller comparing numbers can tell apart */
	ck_assert_int_ge(intx_fd(c), 0);
	ck_assert_int_ne(intx_fd(c), oldfd);
	intx_close(c);
	fake_join(&b);

	ck_assert_str_eq(b.hello.client, "vm1");
	ck_assert_int_eq(b.nsubs, 2);
	ck_assert_str_eq(b.subs[0], "d1");
	ck_assert_str_eq(b.subs[1], "d2");
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.log[0], "H:d2");
	ck_assert_uint_eq(k.seq[0], 99);
	ck_assert_int_eq(b.nacks, 1);
	ck_assert_uint_eq(b.acks[0].device_id, 12);
	ck_assert_uint_eq(b.acks[0].token, 12);
	ck_assert_uint_eq(b.acks[0].seq, 99);
	ck_assert_uint_eq(b.acks[0].flags, INTX_ACK_HANDLED);
}
END_TEST

static void script_second_life_refuses(struct fake *f)
{
	if (peer_welcome(f) < 0 || peer_subscribe_req(f) < 0)
		return;
	/* the new config dropped d1 from this client */
	if (peer_error(f, EACCES, INTX_MSG_SUBSCRIBE, "not bound") < 0 ||
	    peer_subscribe(f, 5) < 0)
		return;
	if (peer_notify(f, 5, 5, 1) < 0 || peer_ack(f) < 0)
		return;
}

START_TEST(reconnect_reports_refused_resubscription)
{
	struct lost_calls lost = { 0 };
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake a, b;

	fake_start(&a, script_first_life);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "d2", h_handled, &k), 0);
	fake_join(&a);

	ck_assert_int_eq(intx_on_lost(c, on_lost, &lost), 0);
	fake_start(&b, script_second_life_refuses);
	/* the loss is reported once, with the device and the reason; d2
	 * keeps working */
	ck_assert_int_eq(intx_dispatch(c, 2000), -ENODEV);
	ck_assert_int_eq(lost.n, 1);
	ck_assert_str_eq(lost.name, "d1");
	ck_assert_int_eq(lost.err, -EACCES);
	ck_assert_str_eq(lost.reason, "not bound");
	ck_assert_ptr_eq(lost.c, c);
	ck_assert_str_eq(intx_last_error(c),
			 "lost device d1: refused by intxd: not bound");
	ck_assert_int_eq(intx_unsubscribe(c, "d1"), -ENOENT);
	dispatch_n(c, 1);
	fake_join(&b);
	ck_assert_int_eq(lost.n, 1);
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.log[0], "H:d2");
	ck_assert_int_eq(b.nacks, 1);
	ck_assert_uint_eq(b.acks[0].device_id, 5);
	intx_close(c);
}
END_TEST

START_TEST(reconnect_reports_refused_hello)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake a, b;

	fake_start(&a, script_first_life);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "d2", h_handled, &k), 0);
	fake_join(&a);

	/* the restarted daemon no longer admits us: said at once, not
	 * hidden behind the time-out */
	fake_start(&b, script_refuse_hello);
	ck_assert_int_eq(intx_dispatch(c, 2000), -EPERM);
	ck_assert_int_eq(intx_fd(c), -ENOTCONN);
	fake_join(&b);
	ck_assert_int_eq(k.n, 0);
	intx_close(c);
}
END_TEST

/* --- a connection given up is closed at once ---------------------------- */

/* After the library gave up on the connection, the daemon's end must see
 * end of stream while the client lives on: an open socket is a live
 * session that keeps its devices masked and counts against
 * max-sessions-per-uid. */
static void peer_expect_eof(struct fake *f)
{
	struct pollfd p = { .fd = f->cfd, .events = POLLIN };
	char b[INTX_MSG_MAX];
	ssize_t n;

	if (poll(&p, 1, PEER_WAIT_MS) != 1) {
		peer_fail(f, "the library kept the connection open");
		return;
	}
	n = recv(f->cfd, b, sizeof(b), 0);
	if (n != 0)
		peer_fail(f, "wanted end of stream, got %zd", n);
}

static void script_bogus_message(struct fake *f)
{
	struct intx_msg_unsubscribed u = { .device_id = 1 };

	if (peer_welcome(f) < 0 || peer_subscribe(f, 1) < 0)
		return;
	/* a reply to nothing: the daemon broke the contract */
	if (peer_send(f, &u, INTX_MSG_UNSUBSCRIBED, sizeof(u), -1) < 0)
		return;
	peer_expect_eof(f);
}

START_TEST(protocol_error_closes_connection)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;
	int oldfd;

	fake_start(&f, script_bogus_message);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k), 0);
	oldfd = intx_fd(c);
	ck_assert_int_eq(intx_dispatch(c, 2000), -EPROTO);
	/* the fake sees end of stream before intx_close() */
	fake_join(&f);
	ck_assert_int_eq(intx_fd(c), -ENOTCONN);
	/* the old number stays taken, so a new connection's differs */
	ck_assert_int_ge(fcntl(oldfd, F_GETFD), 0);
	intx_close(c);
}
END_TEST

static void script_bogus_reply(struct fake *f)
{
	struct intx_msg_unsubscribed u = { .device_id = 1 };

	if (peer_welcome(f) < 0 || peer_subscribe_req(f) < 0)
		return;
	/* SUBSCRIBE answered with UNSUBSCRIBED */
	if (peer_send(f, &u, INTX_MSG_UNSUBSCRIBED, sizeof(u), -1) < 0)
		return;
	peer_expect_eof(f);
}

START_TEST(bad_reply_closes_connection)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;

	fake_start(&f, script_bogus_reply);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k), -EPROTO);
	fake_join(&f);
	intx_close(c);
}
END_TEST

/* WELCOME with a notification pipe, as intxd sends it; then a record on
 * the pipe whose length cannot be (shorter than its own header). */
static void script_torn_pipe(struct fake *f)
{
	struct intx_hdr bad = { INTX_PROTO_VERSION, INTX_MSG_NOTIFY, 3 };
	struct pollfd p;

	if (peer_welcome_pipe(f) < 0 || peer_subscribe(f, 1) < 0)
		return;
	if (write(f->pipe_w, &bad, sizeof(bad)) != (ssize_t)sizeof(bad)) {
		peer_fail(f, "write: %s", strerror(errno));
		return;
	}
	peer_expect_eof(f);
	/* and nobody reads the pipe any more: a writer hears of it */
	p = (struct pollfd){ .fd = f->pipe_w, .events = POLLOUT };
	if (poll(&p, 1, PEER_WAIT_MS) != 1 || !(p.revents & POLLERR))
		peer_fail(f, "the library kept the notification pipe open");
}

START_TEST(torn_pipe_closes_connection_and_pipe)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;

	fake_start(&f, script_torn_pipe);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k), 0);
	ck_assert_int_eq(intx_dispatch(c, 2000), -EPROTO);
	fake_join(&f);
	ck_assert_int_eq(k.n, 0);
	intx_close(c);
}
END_TEST

/* --- a device lost while its handler runs -------------------------------- */

static void script_notify_then_die(struct fake *f)
{
	if (peer_welcome(f) < 0 || peer_subscribe(f, 1) < 0 ||
	    peer_subscribe(f, 2) < 0)
		return;
	(void)peer_notify(f, 1, 1, 7);
	/* and the daemon dies before the ack */
}

static void script_restart_without_d1(struct fake *f)
{
	if (peer_welcome(f) < 0 || peer_subscribe_req(f) < 0)
		return;
	/* the restarted daemon's config no longer has d1 */
	if (peer_error(f, ENOENT, INTX_MSG_SUBSCRIBE, "no device d1") < 0 ||
	    peer_subscribe(f, 22) < 0)
		return;
	if (peer_notify(f, 22, 22, 1) < 0 || peer_ack(f) < 0)
		return;
	peer_linger(f);
}

struct restart {
	struct fake *a, *b;
	struct calls k;
};

/* d1's handler: the daemon dies and comes back while it runs. */
static int h_restart(const struct intx_event *ev, void *arg)
{
	struct restart *rs = arg;

	record(&rs->k, "R", ev);
	fake_join(rs->a);
	fake_start(rs->b, script_restart_without_d1);
	return INTX_HANDLED;
}

START_TEST(device_lost_while_handler_runs)
{
	struct lost_calls lost = { 0 };
	struct restart rs = { 0 };
	struct intx_client *c;
	struct fake a, b;

	rs.a = &a;
	rs.b = &b;
	fake_start(&a, script_notify_then_die);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_on_lost(c, on_lost, &lost), 0);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_restart, &rs), 0);
	ck_assert_int_eq(intx_subscribe(c, "d2", h_handled, &rs.k), 0);
	/* the handler ran, its ack met a dead daemon, the new one refused
	 * d1: that is what the caller must hear, not "1 handled" */
	ck_assert_int_eq(intx_dispatch(c, 2000), -ENODEV);
	ck_assert_int_eq(rs.k.n, 1);
	ck_assert_str_eq(rs.k.log[0], "R:d1");
	ck_assert_int_eq(lost.n, 1);
	ck_assert_str_eq(lost.name, "d1");
	ck_assert_int_eq(lost.err, -ENOENT);
	ck_assert_str_eq(lost.reason, "no device d1");
	ck_assert_str_eq(intx_last_error(c),
			 "lost device d1: refused by intxd: no device d1");
	/* d1 is gone, d2 lives on */
	ck_assert_int_eq(intx_unsubscribe(c, "d1"), -ENOENT);
	dispatch_n(c, 1);
	ck_assert_str_eq(rs.k.log[1], "H:d2");
	ck_assert_int_eq(lost.n, 1);
	intx_close(c);
	fake_join(&b);
	ck_assert_int_eq(b.nacks, 1);
	ck_assert_uint_eq(b.acks[0].device_id, 22);
}
END_TEST

/* --- a device taken away by a reload (REVOKED) ----------------------------- */

/* Both on the pipe, as intxd sends them: a NOTIFY of d2, then REVOKED of
 * d1; then, once the library has acked the first, another NOTIFY of d2. */
static void script_revoke(struct fake *f)
{
	struct intx_msg_notify n = { .device_id = 2, .token = 2, .seq = 1 };
	struct intx_msg_revoked r = { .device_id = 1, .error = EACCES };
	unsigned char both[sizeof(n) + sizeof(r)];

	if (peer_welcome_pipe(f) < 0 || peer_subscribe(f, 1) < 0 ||
	    peer_subscribe(f, 2) < 0)
		return;
	proto_hdr(&n.hdr, INTX_MSG_NOTIFY, sizeof(n));
	proto_hdr(&r.hdr, INTX_MSG_REVOKED, sizeof(r));
	strcpy(r.text, "client 'vm1' is no longer bound to device 'd1'");
	/* in one write, so that one read takes both whatever the timing */
	memcpy(both, &n, sizeof(n));
	memcpy(both + sizeof(n), &r, sizeof(r));
	if (write(f->pipe_w, both, sizeof(both)) != (ssize_t)sizeof(both) ||
	    peer_ack(f) < 0)
		return;
	n.seq = 2;
	if (write(f->pipe_w, &n, sizeof(n)) != (ssize_t)sizeof(n) || peer_ack(f) < 0)
		return;
	peer_expect_eof(f);
}

START_TEST(revoked_device_is_reported)
{
	struct lost_calls lost = { 0 };
	struct intx_client *c;
	struct calls k1 = { 0 }, k2 = { 0 };
	struct fake f;

	fake_start(&f, script_revoke);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_on_lost(c, on_lost, &lost), 0);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k1), 0);
	ck_assert_int_eq(intx_subscribe(c, "d2", h_handled, &k2), 0);
	/* d1's loss is news at once; d2's interrupt waits for the next call */
	ck_assert_int_eq(intx_dispatch(c, 2000), -ENODEV);
	ck_assert_int_eq(lost.n, 1);
	ck_assert_str_eq(lost.name, "d1");
	ck_assert_int_eq(lost.err, -EACCES);
	ck_assert_str_eq(lost.reason, "client 'vm1' is no longer bound to device 'd1'");
	ck_assert_int_eq(intx_unsubscribe(c, "d1"), -ENOENT);
	dispatch_n(c, 2);
	ck_assert_int_eq(k2.n, 2);
	ck_assert_int_eq(k1.n, 0);
	intx_close(c);
	fake_join(&f);
	ck_assert_int_eq(f.nacks, 2);
}
END_TEST

/* --- a burst on the pipe that one read cannot take whole ------------------ */

#define BURST 100

/* In one write (atomic: under PIPE_BUF): a REVOKED of a device the client
 * does not hold (no news), then BURST NOTIFYs of d1.  The REVOKED puts the
 * NOTIFYs off the library's read size, so a read ends inside one and the
 * next must go on from its start.  Every ACK must come, in order. */
static void script_burst(struct fake *f)
{
	struct intx_msg_revoked r = { .device_id = 7, .error = ENOENT };
	unsigned char buf[sizeof(r) + BURST * sizeof(struct intx_msg_notify)];

	if (peer_welcome_pipe(f) < 0 || peer_subscribe(f, 1) < 0)
		return;
	proto_hdr(&r.hdr, INTX_MSG_REVOKED, sizeof(r));
	memcpy(buf, &r, sizeof(r));
	for (unsigned i = 0; i < BURST; i++) {
		struct intx_msg_notify n = { .device_id = 1, .token = i + 1,
					     .seq = i + 1 };

		proto_hdr(&n.hdr, INTX_MSG_NOTIFY, sizeof(n));
		memcpy(buf + sizeof(r) + i * sizeof(n), &n, sizeof(n));
	}
	if (write(f->pipe_w, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		peer_fail(f, "write: %s", strerror(errno));
		return;
	}
	for (unsigned i = 0; i < BURST; i++) {
		struct intx_msg_ack a;

		if (peer_recv(f, &a, INTX_MSG_ACK) < 0)
			return;
		if (a.token != i + 1 || a.seq != i + 1) {
			peer_fail(f, "ACK %u: token %u seq %llu", i, a.token,
				  (unsigned long long)a.seq);
			return;
		}
	}
	peer_expect_eof(f);
}

/* Counts the interrupts; each must be the next in sequence. */
static int h_in_order(const struct intx_event *ev, void *arg)
{
	int *n = arg;

	ck_assert_uint_eq(ev->seq, (uint64_t)*n + 1);
	(*n)++;
	return INTX_HANDLED;
}

START_TEST(pipe_burst_cut_by_read)
{
	struct intx_client *c;
	struct fake f;
	int n = 0;

	fake_start(&f, script_burst);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_in_order, &n), 0);
	dispatch_n(c, BURST);
	ck_assert_int_eq(n, BURST);
	intx_close(c);
	fake_join(&f);
}
END_TEST

/* --- the ACK pipe (issue 11) ---------------------------------------------- */

/* WELCOME with a notification pipe and INTX_WELCOME_ACK_PIPE; the library
 * must ask ACK_PIPE, answered with a pipe's write end (grant) or ERROR
 * EMFILE. */
static int peer_welcome_ack_pipe(struct fake *f, bool grant)
{
	struct intx_msg_welcome w = { .session = 78, .flags = INTX_WELCOME_ACK_PIPE };
	struct intx_msg_ack_pipe q;
	struct intx_msg_ack_pipe_fd r;
	int pp[2], ap[2];

	if (pipe2(pp, O_CLOEXEC) < 0) {
		peer_fail(f, "pipe: %s", strerror(errno));
		return -1;
	}
	f->pipe_w = pp[1];
	if (peer_accept(f) < 0 || peer_recv(f, &f->hello, INTX_MSG_HELLO) < 0) {
		close(pp[0]);
		return -1;
	}
	strcpy(w.client, "vm1");
	if (peer_send(f, &w, INTX_MSG_WELCOME, sizeof(w), pp[0]) < 0) {
		close(pp[0]);
		return -1;
	}
	close(pp[0]);
	if (peer_recv(f, &q, INTX_MSG_ACK_PIPE) < 0)
		return -1;
	if (!grant)
		return peer_error(f, EMFILE, INTX_MSG_ACK_PIPE, "no ACK pipe");
	if (pipe2(ap, O_CLOEXEC | O_NONBLOCK) < 0) {
		peer_fail(f, "pipe: %s", strerror(errno));
		return -1;
	}
	f->ack_r = ap[0];
	memset(&r, 0, sizeof(r));
	if (peer_send(f, &r, INTX_MSG_ACK_PIPE_FD, sizeof(r), ap[1]) < 0) {
		close(ap[1]);
		return -1;
	}
	close(ap[1]);
	return 0;
}

static int peer_notify_pipe(struct fake *f, uint32_t id, uint64_t seq)
{
	struct intx_msg_notify n = { .device_id = id, .token = id, .seq = seq };

	proto_hdr(&n.hdr, INTX_MSG_NOTIFY, sizeof(n));
	if (write(f->pipe_w, &n, sizeof(n)) != (ssize_t)sizeof(n)) {
		peer_fail(f, "write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Granted: the ACK comes as one whole record on the ACK pipe, none on
 * the socket (which only ends). */
static void script_ack_pipe(struct fake *f)
{
	struct pollfd p;
	struct intx_msg_ack a;
	unsigned char buf[2 * sizeof(a)];

	if (peer_welcome_ack_pipe(f, true) < 0 || peer_subscribe(f, 1) < 0 ||
	    peer_notify_pipe(f, 1, 7) < 0)
		return;
	p = (struct pollfd){ .fd = f->ack_r, .events = POLLIN };
	if (poll(&p, 1, PEER_WAIT_MS) != 1) {
		peer_fail(f, "no ACK on the ACK pipe");
		return;
	}
	/* one whole record, and no more */
	PEER_EXPECT(f, read(f->ack_r, buf, sizeof(buf)) == (ssize_t)sizeof(a));
	memcpy(&a, buf, sizeof(a));
	PEER_EXPECT(f, proto_check(&a, sizeof(a), 0, INTX_FROM_CLIENT) == INTX_MSG_ACK);
	f->acks[f->nacks++] = a;
	peer_expect_eof(f);
}

/* Refused: the ACK comes on the socket. */
static void script_ack_pipe_refused(struct fake *f)
{
	if (peer_welcome_ack_pipe(f, false) < 0 || peer_subscribe(f, 1) < 0 ||
	    peer_notify_pipe(f, 1, 7) < 0 || peer_ack(f) < 0)
		return;
	peer_expect_eof(f);
}

START_TEST(ack_goes_down_the_ack_pipe)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;

	fake_start(&f, _i ? script_ack_pipe_refused : script_ack_pipe);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d1", h_handled, &k), 0);
	ck_assert_int_eq(intx_dispatch(c, 2000), 1);
	intx_close(c);
	fake_join(&f);
	ck_assert_int_eq(f.nacks, 1);
	ck_assert_uint_eq(f.acks[0].seq, 7);
	ck_assert_uint_eq(f.acks[0].device_id, 1);
	ck_assert_uint_eq(f.acks[0].flags, INTX_ACK_HANDLED);
}
END_TEST

START_TEST(strerror_texts)
{
	ck_assert_str_eq(intx_strerror(-ENOENT), "no such device");
	/* the limit on sessions at accept (libintx(3) lists it) */
	ck_assert_str_eq(intx_strerror(-EAGAIN), "intxd is at its session limit");
	ck_assert_str_eq(intx_strerror(ENOTCONN), "not connected to intxd");
	ck_assert_str_eq(intx_strerror(0), "success");
	/* anything else falls back to the C library's words */
	ck_assert_str_eq(intx_strerror(-EROFS), strerror(EROFS));
	intx_close(NULL);
	ck_assert_int_eq(intx_dispatch(NULL, 0), -EINVAL);
}
END_TEST

/* --- CPU sets of any size (SUBSCRIBED.cpus, LINE.cpus) ---------------- */

/* A long affinity: every other CPU of 1024 and CPU 1023 (513 CPUs, a list
 * of 2000 characters), read from a stand-in /proc as intxd's placement
 * reads /proc/irq/N/effective_affinity_list. */
#define LONG_IRQ 45
static uint8_t long_wire[INTX_CPUSET_BYTES];
static cpu_set_t long_set;
static char long_list[CPULIST_MAX];

static void long_affinity(void)
{
	char path[256], proc[128];
	size_t len = 0;
	FILE *fp;
	int c;

	for (c = 0; c < 1022; c += 2)
		len += (size_t)snprintf(long_list + len, sizeof(long_list) - len, "%d,", c);
	snprintf(long_list + len, sizeof(long_list) - len, "1022-1023");
	snprintf(proc, sizeof(proc), "%s/proc", tmpdir);
	ck_assert_int_eq(mkdir(proc, 0700), 0);
	snprintf(path, sizeof(path), "%s/irq", proc);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/irq/%d", proc, LONG_IRQ);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/irq/%d/effective_affinity_list", proc,
		 LONG_IRQ);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "%s\n", long_list);
	ck_assert_int_eq(fclose(fp), 0);

	ck_assert_int_eq(irqinfo_affinity(proc, LONG_IRQ, &long_set), 0);
	ck_assert_int_eq(CPU_COUNT(&long_set), 513);
	cpuset_to_wire(&long_set, long_wire);

	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/irq/%d", proc, LONG_IRQ);
	ck_assert_int_eq(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/irq", proc);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rmdir(proc), 0);
}

/* nic0: the long set; sim0: none known. */
static void script_cpus(struct fake *f)
{
	struct intx_msg_subscribed r = { .device_id = 1 };

	if (peer_welcome(f) < 0 || peer_subscribe_req(f) < 0)
		return;
	strcpy(r.device, "nic0");
	memcpy(r.cpus, long_wire, sizeof(r.cpus));
	if (peer_send(f, &r, INTX_MSG_SUBSCRIBED, sizeof(r), -1) < 0)
		return;
	if (peer_subscribe(f, 2) < 0)
		return;
	peer_linger(f);
}

START_TEST(cpu_hint_whole)
{
	struct intx_client *c;
	struct calls k = { 0 };
	struct fake f;
	cpu_set_t got;

	long_affinity();
	fake_start(&f, script_cpus);
	c = intx_open(sockpath, "vm1");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "nic0", h_handled, &k), 0);
	ck_assert_int_eq(intx_subscribe(c, "sim0", h_handled, &k), 0);
	CPU_ZERO(&got);
	ck_assert_int_eq(intx_cpu(c, "nic0", &got), 0);
	ck_assert_int_eq(CPU_COUNT(&got), 513);
	ck_assert(CPU_ISSET(1023, &got) && CPU_ISSET(1022, &got) && CPU_ISSET(0, &got));
	ck_assert_msg(CPU_EQUAL(&got, &long_set), "intx_cpu() lost CPUs");
	/* none known: -ENODATA, and the caller's set untouched */
	ck_assert_int_eq(intx_cpu(c, "sim0", &got), -ENODATA);
	ck_assert(CPU_EQUAL(&got, &long_set));
	intx_close(c);
	fake_join(&f);
}
END_TEST

/* intxctl lines, twice (--json, then the table): LINE 45 with the long
 * set, LINE "named" with none. */
static void script_lines(struct fake *f)
{
	struct intx_msg_welcome w = { .session = 5 };
	struct intx_msg_line l = { .irq = LONG_IRQ };
	struct intx_msg_list_end e = { .what = INTX_Q_LINES, .count = 2 };
	struct intx_msg_query q;

	for (int n = 0; n < 2; n++) {
		if (peer_accept(f) < 0 || peer_recv(f, &f->hello, INTX_MSG_HELLO) < 0)
			return;
		if (peer_send(f, &w, INTX_MSG_WELCOME, sizeof(w), -1) < 0 ||
		    peer_recv(f, &q, INTX_MSG_QUERY) < 0)
			return;
		PEER_EXPECT(f, q.what == INTX_Q_LINES);
		strcpy(l.name, "irq45");
		l.irq = LONG_IRQ;
		memcpy(l.cpus, long_wire, sizeof(l.cpus));
		if (peer_send(f, &l, INTX_MSG_LINE, sizeof(l), -1) < 0)
			return;
		strcpy(l.name, "named");
		l.irq = -1;
		memset(l.cpus, 0, sizeof(l.cpus));
		if (peer_send(f, &l, INTX_MSG_LINE, sizeof(l), -1) < 0 ||
		    peer_send(f, &e, INTX_MSG_LIST_END, sizeof(e), -1) < 0)
			return;
		peer_linger(f);
		close(f->cfd);
		f->cfd = -1;
	}
}

/* What intxctl -s sockpath ARGS printed (all of it), and its status. */
static int run_intxctl(const char *args, char *out, size_t size)
{
	const char *prog = getenv("INTXCTL");
	char cmd[512];
	size_t n = 0, got;
	FILE *p;

	ck_assert_msg(prog && *prog, "INTXCTL is not set (run through make check)");
	snprintf(cmd, sizeof(cmd), "'%s' -s '%s' %s", prog, sockpath, args);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (n + 1 < size && (got = fread(out + n, 1, size - 1 - n, p)) > 0)
		n += got;
	out[n] = 0;
	ck_assert_uint_lt(n + 1, size);
	return pclose(p);
}

START_TEST(intxctl_lines_whole)
{
	char out[16384], want[CPULIST_MAX + 64];
	struct fake f;

	long_affinity();
	fake_start(&f, script_lines);
	ck_assert_int_eq(run_intxctl("--json lines", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "\"cpus\":\"%s\"", long_list);
	ck_assert_msg(strstr(out, want), "no whole list in %s", out);
	ck_assert_msg(strstr(out, "\"cpus\":\"\""), "no empty list in %s", out);
	ck_assert_int_eq(run_intxctl("lines", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "  %s\n", long_list);
	ck_assert_msg(strstr(out, want), "no whole list in %s", out);
	fake_join(&f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("libintx");
	TCase *t = tcase_create("fake-daemon");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, open_welcome);
	tcase_add_test(t, open_default_from_environment);
	tcase_add_test(t, open_refused);
	tcase_add_test(t, open_across_restarts_in_a_row);
	tcase_add_test(t, open_version_mismatch);
	tcase_add_test(t, open_no_daemon);
	tcase_add_test(t, open_permission_denied);
	tcase_add_test(t, subscribe_ok_and_refused);
	tcase_add_test(t, notify_runs_chain_in_order);
	tcase_add_test(t, notify_before_reply_is_queued);
	tcase_add_test(t, unsubscribe_acks_queue_first);
	tcase_add_test(t, reconnect_and_resubscribe);
	tcase_add_test(t, reconnect_reports_refused_resubscription);
	tcase_add_test(t, reconnect_reports_refused_hello);
	tcase_add_test(t, protocol_error_closes_connection);
	tcase_add_test(t, bad_reply_closes_connection);
	tcase_add_test(t, torn_pipe_closes_connection_and_pipe);
	tcase_add_test(t, device_lost_while_handler_runs);
	tcase_add_test(t, revoked_device_is_reported);
	tcase_add_test(t, pipe_burst_cut_by_read);
	tcase_add_loop_test(t, ack_goes_down_the_ack_pipe, 0, 2);
	tcase_add_test(t, strerror_texts);
	suite_add_tcase(s, t);

	t = tcase_create("cpus");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, cpu_hint_whole);
	tcase_add_test(t, intxctl_lines_whole);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
