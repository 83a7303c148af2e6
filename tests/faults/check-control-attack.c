/* SPDX-License-Identifier: MIT */
/*
 * check-control-attack.c - the control socket's promises (intxctl(8),
 * intxd(8), doc/protocol.md) against the real intxd on sim devices, each
 * test an interleaving or a peer that tries to break one:
 *   - a peer that connects and never says HELLO does not hold a session
 *     slot (max-sessions, max-sessions-per-uid) for ever;
 *   - a read-only member of the socket's group is refused every admin
 *     operation with the documented words, and nothing changes; root's
 *     admin errors are the documented ones, and the session goes on;
 *   - a monitor that never reads stalls neither the daemon nor the
 *     interrupt path, costs bounded memory, misses events as promised and
 *     is told how many (a MISSED event);
 *     one that asks something with its socket full gets every reply;
 *   - mask against an interrupt in flight: an ACK does not unmask a masked
 *     device, an unmask does not release a device whose client owes an
 *     ACK, a mask survives a reload that redefines the device, and a
 *     pending interrupt stays pending under a mask;
 *   - an fd sent with a control request is not kept by the daemon;
 *   - every --json view parses, whatever bytes a failure reason holds.
 * Waits are on replies, MONITOR events and end of file, never on timers.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "rawclient.h"
#include "simdev.h"
#include "wire.h"

#define T_MS 20000
/* unused gids and uids, as check-control uses them */
#define G_SOCKET 61100
#define G_ADMIN 61101
#define U_READER (H_UID_BASE + 4)

static struct h_env env;

/* the mask tests run on a selective and on a broadcast line */
static const char *const mode_keys[] = {
	"ack-timeout-ms = 0\nmode = selective",
	"ack-timeout-ms = 0\nmode = broadcast",
};

static void setup(void)
{
	h_setup(&env);
}

static void teardown(void)
{
	h_teardown(&env);
}

/* A control session as root. */
static int control_open(void)
{
	int fd = h_connect(&env);

	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	return fd;
}

/* ADMIN op on fd; the reply's type, its errno and text in err/text. */
static int admin(int fd, uint32_t op, const char *arg, int *err, char *text,
		 size_t size)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_admin a;
	long n;
	int t;

	memset(&a, 0, sizeof(a));
	proto_hdr(&a.hdr, INTX_MSG_ADMIN, sizeof(a));
	a.op = op;
	snprintf(a.device, sizeof(a.device), "%s", arg);
	if (wire_send(fd, &a, sizeof(a), -1, 0) < 0)
		return -1;
	n = h_recv(fd, buf, sizeof(buf), T_MS);
	if (n <= 0)
		return -1;
	t = proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON);
	*err = 0;
	if (text)
		text[0] = 0;
	if (t == INTX_MSG_ERROR) {
		struct intx_msg_error m;

		memcpy(&m, buf, sizeof(m));
		*err = m.error;
		if (text)
			snprintf(text, size, "%s", m.text);
	}
	return t;
}

/* ADMIN op as root, which must succeed. */
static void admin_ok(uint32_t op, const char *arg)
{
	char text[INTX_TEXT_MAX];
	int fd = control_open(), err;

	ck_assert_msg(admin(fd, op, arg, &err, text, sizeof(text)) == INTX_MSG_DONE,
		      "admin %u %s: %d %s", op, arg, err, text);
	close(fd);
}

static bool sim_masked(const char *dir)
{
	struct simdev s;
	struct simdev_state st;

	ck_assert_int_eq(simdev_open(&s, dir), 0);
	ck_assert_int_eq(simdev_state(&s, &st), 0);
	simdev_close(&s);
	return st.masked;
}

/*
 * 1. A peer that connects and says nothing must not hold its place under
 * max-sessions-per-uid for ever: four silent connections and two that do
 * say HELLO (one at once, one late, after all the others connected) fill
 * the uid's six places (a seventh is refused, EUSERS), and intxd must close
 * every silent one - each on its own deadline, one timer each - and neither
 * HELLO-sayer, so that a peer that does say HELLO gets in again.
 */
START_TEST(silent_peer_lets_go)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_error m;
	int silent[4], late, prompt, extra, i;
	struct pollfd p[2];
	long n;

	h_world(&env, "max-sessions-per-uid = 6");
	silent[0] = h_connect(&env);
	late = h_connect(&env);
	silent[1] = h_connect(&env);
	prompt = control_open();
	silent[2] = h_connect(&env);
	silent[3] = h_connect(&env);
	extra = h_connect(&env);
	ck_assert_int_eq(h_recv_error(extra, T_MS), EUSERS);
	close(extra);
	ck_assert_int_eq(h_hello(late, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	/* intxd ends them (end of file, after an ERROR saying why) */
	for (i = 0; i < 4; i++) {
		for (;;) {
			n = h_recv(silent[i], buf, sizeof(buf), 3 * T_MS);
			ck_assert_msg(n >= 0, "silent connection %d still open", i);
			if (n == 0)
				break;
			ck_assert_int_eq(proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON),
					 INTX_MSG_ERROR);
			memcpy(&m, buf, sizeof(m));
			ck_assert_int_eq(m.error, ETIMEDOUT);
		}
		close(silent[i]);
	}
	ck_assert(h_log_has(&env, "no HELLO"));
	/* the HELLO-sayers' deadlines were before the last silent one's: had
	 * intxd ended them, their ERROR and end of file would be there now */
	p[0] = (struct pollfd){ .fd = late, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = prompt, .events = POLLIN };
	ck_assert_int_eq(poll(p, 2, 0), 0);
	/* and the four places are free again: intxd has seen the silent ones
	 * end by now (it closed them itself) */
	for (i = 0; i < 4; i++)
		silent[i] = control_open();
	for (i = 0; i < 4; i++)
		close(silent[i]);
	close(late);
	close(prompt);
	h_daemon_stop(&env);
}
END_TEST

/* In a child of uid U_READER, group G_SOCKET: every ADMIN op in turn,
 * one line per reply on out. */
static void reader_child(struct h_env *e, int out, const char *arg)
{
	static const struct {
		uint32_t op;
		const char *arg;
	} ops[] = {
		{ INTX_ADMIN_MASK, "d0" },
		{ INTX_ADMIN_UNMASK, "d0" },
		{ INTX_ADMIN_RELOAD, "" },
		{ INTX_ADMIN_RELOAD_REPORT, "" },
		{ INTX_ADMIN_LOG_LEVEL, "debug" },
		{ INTX_ADMIN_RESTART, "" },
		{ INTX_ADMIN_QUARANTINE, "0000:00:1f.7" },
		{ INTX_ADMIN_RELEASE, "0000:00:1f.7" },
		{ 99, "" },
	};
	char text[INTX_TEXT_MAX];
	int fd = wire_connect(e->sock), err;
	unsigned i;

	(void)arg;
	if (fd < 0 || h_hello(fd, INTX_ROLE_CONTROL, "") != INTX_MSG_WELCOME) {
		dprintf(out, "no session\n");
		return;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int t = admin(fd, ops[i].op, ops[i].arg, &err, text, sizeof(text));

		dprintf(out, "%u=%s %d %s\n", ops[i].op,
			t > 0 ? proto_type_name((unsigned)t) : "EOF", err, text);
	}
	/* the session goes on: a query is still answered */
	h_query(fd, INTX_Q_STATUS);
	{
		unsigned char buf[INTX_MSG_MAX];
		long n = h_recv(fd, buf, sizeof(buf), T_MS);

		dprintf(out, "query=%s\n", n > 0 && proto_check(buf, (size_t)n, 0,
			INTX_FROM_DAEMON) == INTX_MSG_STATUS ? "STATUS" : "none");
	}
	close(fd);
}

/*
 * 2. A member of the socket's group, not of admin-group, tries every admin
 * operation (and one intxd does not have): each is refused with EPERM and
 * the documented words, the session goes on, and nothing changed.
 */
START_TEST(readonly_refused_everything)
{
	static const uint32_t refused[] = {
		INTX_ADMIN_MASK, INTX_ADMIN_UNMASK, INTX_ADMIN_RELOAD,
		INTX_ADMIN_RELOAD_REPORT, INTX_ADMIN_LOG_LEVEL, INTX_ADMIN_RESTART,
		INTX_ADMIN_QUARANTINE, INTX_ADMIN_RELEASE, 99,
	};
	static const char *const names[] = {
		"mask", "unmask", "reload", "reload", "log-level", "restart",
		"quarantine", "release", "this operation",
	};
	static const gid_t groups[] = { G_SOCKET };
	struct intx_msg_device d;
	char out[4096], want[200];
	unsigned i;
	int st;

	ck_assert_ptr_null(getgrgid(G_SOCKET));
	ck_assert_ptr_null(getgrgid(G_ADMIN));
	h_world(&env, "socket-group = 61100\nadmin-group = 61101\nlog-level = info\n");
	st = h_as_user(&env, U_READER, groups, 1, reader_child, "", out, sizeof(out));
	ck_assert_msg(st == 0, "child: %d", st);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(want, sizeof(want), "%u=ERROR %d %s needs root or group "
			 "61101 (admin-group); uid %u is read-only\n", refused[i],
			 EPERM, names[i], (unsigned)U_READER);
		ck_assert_msg(strstr(out, want), "want '%s' in:\n%s", want, out);
	}
	ck_assert_msg(strstr(out, "query=STATUS\n"), "%s", out);
	/* nothing happened: no mask, no reload, no restart, no level change */
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.flags & INTX_F_ADMIN, 0);
	ck_assert(!h_log_has(&env, "reload asked"));
	ck_assert(!h_log_has(&env, "restart asked"));
	ck_assert(!h_log_has(&env, "log level debug"));
	ck_assert(!h_log_has(&env, "masked by pid"));
	ck_assert(h_log_has(&env, "is read-only"));
	h_daemon_stop(&env);
}
END_TEST

/*
 * 2b. Root's admin errors, each the documented errno, each leaving the
 * session open for the next request (doc/protocol.md, ADMIN): no such
 * device, an unknown log level, a QUARANTINE/RELEASE of something that is
 * not a PCI address or of a function that does not exist (read from
 * sysfs only: nothing is written), an operation intxd does not have, a
 * QUERY of nothing it knows.
 */
START_TEST(admin_errors)
{
	static const struct {
		uint32_t op;
		const char *arg;
		int err;
	} cases[] = {
		{ INTX_ADMIN_MASK, "nosuch", ENOENT },
		{ INTX_ADMIN_UNMASK, "nosuch", ENOENT },
		{ INTX_ADMIN_LOG_LEVEL, "loud", EINVAL },
		{ INTX_ADMIN_QUARANTINE, "d0", EINVAL },
		{ INTX_ADMIN_RELEASE, "00:1f", EINVAL },
		{ INTX_ADMIN_QUARANTINE, "0000:ff:1f.7", ENOENT },
		{ INTX_ADMIN_RELEASE, "0000:ff:1f.7", ENOENT },
		{ 99, "", EOPNOTSUPP },
	};
	char text[INTX_TEXT_MAX];
	struct intx_msg_query q;
	unsigned i;
	int fd, err;

	h_world(&env, "");
	fd = control_open();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(admin(fd, cases[i].op, cases[i].arg, &err, text, sizeof(text)) ==
			      INTX_MSG_ERROR, "op %u %s: not refused", cases[i].op,
			      cases[i].arg);
		ck_assert_msg(err == cases[i].err, "op %u %s: errno %d (%s), not %d",
			      cases[i].op, cases[i].arg, err, text, cases[i].err);
	}
	ck_assert_msg(admin(fd, INTX_ADMIN_LOG_LEVEL, "loud", &err, text, sizeof(text)) ==
		      INTX_MSG_ERROR && strstr(text, "unknown log level 'loud'"), "%s", text);
	memset(&q, 0, sizeof(q));
	proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
	q.what = 77;
	ck_assert_int_eq(wire_send(fd, &q, sizeof(q), -1, 0), 0);
	ck_assert_int_eq(h_recv_error(fd, T_MS), EINVAL);
	/* and the session still answers */
	ck_assert_int_eq(admin(fd, INTX_ADMIN_MASK, "d0", &err, NULL, 0), INTX_MSG_DONE);
	close(fd);
	h_daemon_stop(&env);
}
END_TEST

static unsigned long rss_kb(pid_t pid)
{
	char path[64], line[256];
	unsigned long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * 3. A monitor that never reads while interrupts flow: the interrupt path
 * goes on at full rate (every raise handled), the daemon's memory stays
 * bounded (the events wait in the socket, not in intxd), the monitor misses
 * events rather than stalling anybody (doc/protocol.md, MONITOR), and once
 * it reads again, what it gets are whole EVENTs, then a MISSED event that
 * counts the rest, then the new ones.
 */
#define FLOOD 3000
START_TEST(slow_monitor)
{
	struct h_client a;
	struct intx_msg_device d;
	unsigned char buf[INTX_MSG_MAX];
	unsigned long before = 0, after;
	unsigned long long missed;
	unsigned i, events = 0;
	int fd;

	h_world(&env, "ack-timeout-ms = 0");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	/* MONITOR is in effect before the flood */
	fd = h_monitor_open(&env);
	for (i = 0; i < FLOOD; i++) {
		/* measured once the interrupt path ran (and the socket is
		 * full): valgrind's code cache is in RSS too */
		if (i == 300)
			before = rss_kb(env.daemon);
		h_raise(env.dev[0]);
		ck_assert_msg(h_client_wait_handled(&a, i + 1, T_MS),
			      "raise %u was not handled with a monitor not reading", i);
	}
	after = rss_kb(env.daemon);
	h_settle(&env, "d0", FLOOD, &d);
	ck_assert_uint_eq(d.handled, FLOOD);
	/* 4 events an interrupt, 176 bytes each: FLOOD of them queued in
	 * intxd would be 2 MB; the socket holds a few hundred KB */
	ck_assert_msg(after < before + 1024, "intxd grew from %lu to %lu kB",
		      before, after);
	/* now read what waited: whole EVENTs, fewer than were emitted */
	for (;;) {
		long n = h_recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		ck_assert_int_eq(proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON),
				 INTX_MSG_EVENT);
		events++;
	}
	ck_assert_uint_gt(events, 0);
	ck_assert_uint_lt(events, 4 * FLOOD);
	/* and the monitor still hears what happens next, told first how
	 * many it missed: with those it read, every event emitted, 4 for
	 * each interrupt (raise, deliver, ack, unmask) */
	h_raise(env.dev[0]);
	{
		struct intx_msg_event ev;
		long n = h_recv(fd, buf, sizeof(buf), T_MS);

		ck_assert_msg(n > 0, "the monitor heard nothing after it read again");
		memcpy(&ev, buf, sizeof(ev));
		ck_assert_msg(ev.kind == INTX_EV_MISSED, "event %u first, not MISSED",
			      ev.kind);
		missed = ev.seq;
		/* at least: a spurious wakeup would add one */
		ck_assert_uint_ge(events + missed, 4 * FLOOD);
		n = h_recv(fd, buf, sizeof(buf), T_MS);
		ck_assert_int_gt(n, 0);
		memcpy(&ev, buf, sizeof(ev));
		ck_assert_uint_eq(ev.kind, INTX_EV_RAISE);
		ck_assert_uint_eq(ev.seq, d.seq + 1);
	}
	printf("FIGURES slow_monitor raised=%d events_read=%u missed=%llu rss_kb=%lu->%lu\n",
	       FLOOD + 1, events, (unsigned long long)missed, before, after);
	close(fd);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/*
 * 3b. One reply per request (doc/protocol.md §5), also for a session that
 * monitors: its socket full of unread EVENTs, it asks MASK and UNMASK in
 * turn, 41 times (small replies: a few squeeze into a full socket, not
 * forty), then QUERY.
 * Each request must get its reply once the peer reads (events missed
 * meanwhile), not end the session as a peer that does not read its
 * replies.
 */
START_TEST(monitor_full_then_ask)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_admin a;
	struct h_client c;
	unsigned i, done = 0, ends = 0, events = 0;
	int fd;

	h_world(&env, "ack-timeout-ms = 0");
	ck_assert(h_client_start(&env, &c, H_UID_A, "a", env.arg[0], NULL));
	fd = h_monitor_open(&env);
	/* more events than the socket holds (4 an interrupt) */
	for (i = 0; i < 500; i++) {
		h_raise(env.dev[0]);
		ck_assert(h_client_wait_handled(&c, i + 1, T_MS));
	}
	/* mask, unmask, ...: small replies, then a query's */
	for (i = 0; i < 41; i++) {
		memset(&a, 0, sizeof(a));
		proto_hdr(&a.hdr, INTX_MSG_ADMIN, sizeof(a));
		a.op = i % 2 ? INTX_ADMIN_UNMASK : INTX_ADMIN_MASK;
		strcpy(a.device, "d1");
		ck_assert_int_eq(wire_send(fd, &a, sizeof(a), -1, 0), 0);
	}
	h_query(fd, INTX_Q_STATUS);
	/* read until both replies came (or the session ended) */
	while (ends == 0) {
		long n = h_recv(fd, buf, sizeof(buf), T_MS);
		int t;

		ck_assert_msg(n > 0, "the session ended (%ld) after %u events, "
			      "%u DONE", n, events, done);
		t = proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON);
		if (t == INTX_MSG_EVENT)
			events++;
		else if (t == INTX_MSG_DONE)
			done++;
		else if (t == INTX_MSG_LIST_END)
			ends++;
		else
			ck_assert_msg(t == INTX_MSG_STATUS, "unexpected %d", t);
	}
	ck_assert_uint_eq(done, 41);
	{
		struct intx_msg_device d;

		h_device(&env, "d1", &d);
		ck_assert_uint_ne(d.flags & INTX_F_ADMIN, 0);
	}
	printf("FIGURES monitor_full_then_ask events_read=%u\n", events);
	close(fd);
	h_client_stop(&c);
	h_daemon_stop(&env);
}
END_TEST

#define FLOOD2 1000
struct lines {
	int fd;
	char buf[1 << 16];
	size_t len;
};

/* The next line from l->fd into line: 1, 0 if none came in timeout_ms,
 * -1 at end of file. */
static int next_line(struct lines *l, char *line, size_t size, int timeout_ms)
{
	for (;;) {
		char *nl = memchr(l->buf, '\n', l->len);
		struct pollfd pp = { .fd = l->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t k = (size_t)(nl - l->buf) + 1;

			ck_assert_uint_lt(k, size);
			memcpy(line, l->buf, k);
			line[k] = 0;
			memmove(l->buf, l->buf + k, l->len - k);
			l->len -= k;
			return 1;
		}
		ck_assert_uint_lt(l->len, sizeof(l->buf));
		if (poll(&pp, 1, timeout_ms) == 0)
			return 0;
		n = read(l->fd, l->buf + l->len, sizeof(l->buf) - l->len);
		if (n <= 0)
			return -1;
		l->len += (size_t)n;
	}
}

/*
 * 3c. intxctl --json monitor behind a pipe nobody reads: intxctl blocks,
 * intxd does not, and once the pipe is read what comes is whole JSON
 * lines, with a "missed" one counting what intxctl never got, and events
 * after it.  A missed count goes out with the next event that finds room,
 * and intxctl's MONITOR has no reply: where the pipe stays idle (nothing
 * to say yet), another interrupt is raised.
 */
START_TEST(intxctl_monitor_behind_a_full_pipe)
{
	const char *intxctl = getenv("INTXCTL");
	unsigned long long missed = 0, events = 0, v;
	static struct lines l;
	struct h_client c;
	char line[1024];
	unsigned i, n = 0;
	int p[2], st, r;
	pid_t pid;

	ck_assert_msg(intxctl && *intxctl, "INTXCTL is not set (run through make check)");
	h_world(&env, "ack-timeout-ms = 0");
	ck_assert(h_client_start(&env, &c, H_UID_A, "a", env.arg[0], NULL));
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		execl(intxctl, "intxctl", "-s", env.sock, "--json", "monitor", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	l.fd = p[0];
	l.len = 0;
	/* monitoring: an event came */
	while ((r = next_line(&l, line, sizeof(line), 200)) == 0) {
		h_raise(env.dev[0]);
		ck_assert(h_client_wait_handled(&c, ++n, T_MS));
		ck_assert_uint_lt(n, 100);
	}
	ck_assert_int_eq(r, 1);
	/* nobody reads the pipe now: every raise must still be handled */
	for (i = 0; i < FLOOD2; i++) {
		h_raise(env.dev[0]);
		ck_assert_msg(h_client_wait_handled(&c, ++n, T_MS),
			      "raise %u not handled behind a stuck intxctl monitor", i);
	}
	/* read again, to a "missed" line and an event after it */
	for (i = 0;;) {
		const char *q;

		r = next_line(&l, line, sizeof(line), 200);
		ck_assert_int_ge(r, 0);
		if (r == 0) {
			h_raise(env.dev[0]);
			ck_assert(h_client_wait_handled(&c, ++n, T_MS));
			ck_assert_uint_lt(++i, 100);
			continue;
		}
		ck_assert_msg(line[0] == '{' && strstr(line, "}\n"), "not a JSON line: %s",
			      line);
		q = strstr(line, "\"seq\":");
		ck_assert_ptr_nonnull(q);
		ck_assert_int_eq(sscanf(q, "\"seq\":%llu", &v), 1);
		if (strstr(line, "\"kind\":\"missed\"")) {
			ck_assert_uint_gt(v, 0);
			missed += v;
			continue;
		}
		events++;
		if (missed)
			break;
	}
	printf("FIGURES intxctl_monitor_behind_a_full_pipe raised=%u lines=%llu "
	       "missed=%llu\n", n, events, missed);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	close(p[0]);
	h_client_stop(&c);
	h_daemon_stop(&env);
}
END_TEST

/* d5's notification for the root client, with d5 asserting still. */
static void notified(struct rc *c, struct intx_msg_notify *n)
{
	rc_open(&env, c, "root");
	(void)rc_sub(c, "d5");
	h_raise(env.dev[5]);
	ck_assert(rc_notify(c, n, T_MS));
}

/*
 * d5 as the daemon has it once everything already signalled is handled:
 * a device that intxd unmasked while it asserts signals again at once, and
 * that signal is handled, at the latest, in the loop iteration that
 * answers the first of two queries sent one after the other.  And no
 * NOTIFY is in c's pipe, nor any raise counted, past seq, nor an UNMASK
 * event on the monitor, if there is one.
 */
static void quiet(struct rc *c, uint64_t seq, struct intx_msg_device *d)
{
	unsigned char buf[INTX_MSG_MAX];

	h_device(&env, "d5", d);
	h_device(&env, "d5", d);
	ck_assert_uint_eq(d->seq, seq);
	ck_assert_int_eq(rc_unasked(c, buf, 0), 0);
	/* nor was it unmasked meanwhile (the monitor hears it at once) */
	for (;;) {
		struct intx_msg_event ev;
		long n = env.monitor >= 0 ? h_recv(env.monitor, buf, sizeof(buf), 0) : 0;

		if (n <= 0)
			break;
		memcpy(&ev, buf, sizeof(ev));
		ck_assert_msg(ev.hdr.type != INTX_MSG_EVENT || ev.kind != INTX_EV_UNMASK ||
			      strcmp(ev.device, "d5") != 0, "d5 was unmasked");
	}
}

/* The next NOTIFY on c is d5's interrupt number seq; then the test ends. */
static void notified_then_end(struct rc *c, uint64_t seq)
{
	struct intx_msg_notify n;

	ck_assert(rc_notify(c, &n, T_MS));
	ck_assert_uint_eq(n.seq, seq);
	rc_close(c);
	h_daemon_stop(&env);
}

/* The flags of d that tell who holds it: the administrator, a mask, a debt. */
static uint32_t holds(const struct intx_msg_device *d)
{
	return d->flags & (INTX_F_ADMIN | INTX_F_MASKED | INTX_F_INFLIGHT);
}

/*
 * 4a. mask while the notification is in flight, then the ACK: the device
 * must stay masked (the ACK settles the ledger, the administrator's mask
 * holds the device), and its interrupt comes after unmask, once.
 */
START_TEST(mask_in_flight)
{
	struct intx_msg_notify n;
	struct intx_msg_device d;
	struct rc c;

	h_world(&env, mode_keys[_i]);
	h_monitor(&env);
	notified(&c, &n);
	admin_ok(INTX_ADMIN_MASK, "d5");
	rc_ack(&c, &n, n.seq, true);
	rc_expect_event(&env, INTX_EV_ACK, "d5", n.seq, 0);
	quiet(&c, n.seq, &d);
	ck_assert_uint_eq(d.acked, 1);
	ck_assert_uint_eq(holds(&d), INTX_F_ADMIN | INTX_F_MASKED);
	ck_assert(sim_masked(env.dev[5]));
	admin_ok(INTX_ADMIN_UNMASK, "d5");
	notified_then_end(&c, n.seq + 1);
}
END_TEST

/*
 * 4b. mask and unmask while the client owes the ACK: the unmask must not
 * release the device (the ledger decides), no second NOTIFY may come, and
 * the ACK then unmasks it (still asserting: notified afresh).
 */
START_TEST(unmask_while_owed)
{
	struct intx_msg_notify n;
	struct intx_msg_device d;
	struct rc c;

	h_world(&env, mode_keys[_i]);
	h_monitor(&env);
	notified(&c, &n);
	admin_ok(INTX_ADMIN_MASK, "d5");
	admin_ok(INTX_ADMIN_UNMASK, "d5");
	quiet(&c, n.seq, &d);
	ck_assert_uint_eq(holds(&d), INTX_F_MASKED | INTX_F_INFLIGHT);
	ck_assert(sim_masked(env.dev[5]));
	rc_ack(&c, &n, n.seq, true);
	notified_then_end(&c, n.seq + 1);
}
END_TEST

/*
 * 4d. mask a device whose interrupt is pending (it asserted while nobody
 * was subscribed): "its interrupts stay pending until unmask" (intxctl(8))
 * holds for that one too.  A subscriber that comes while it is masked is
 * not told; unmask delivers it.
 */
START_TEST(mask_pending)
{
	struct intx_msg_device d;
	struct rc c;

	h_world(&env, mode_keys[_i]);
	h_monitor(&env);
	h_raise(env.dev[5]);
	rc_expect_event(&env, INTX_EV_RAISE, "d5", 1, 0);
	admin_ok(INTX_ADMIN_MASK, "d5");
	rc_open(&env, &c, "root");
	(void)rc_sub(&c, "d5");
	quiet(&c, 1, &d);
	ck_assert_uint_eq(d.delivered, 0);
	ck_assert_uint_eq(d.flags & (INTX_F_ADMIN | INTX_F_PENDING),
			  INTX_F_ADMIN | INTX_F_PENDING);
	admin_ok(INTX_ADMIN_UNMASK, "d5");
	notified_then_end(&c, 1);
}
END_TEST

/* Reload to the config of d0 and d5 (at path dir), the root client on d5. */
static void reload_d5(const char *dir)
{
	h_conf(&env,
	       "[intxd]\nack-timeout-ms = 0\n"
	       "[device d0]\nbackend = sim\npath = %s\n"
	       "[device d5]\nbackend = sim\npath = %s\n"
	       "[client root]\nuid = 0\ndevices = d5\n",
	       env.dev[0], dir);
	admin_ok(INTX_ADMIN_RELOAD, "");
}

/*
 * 4c. mask, then reloads that redefine the device (another sim path): the
 * administrator's mask is the administrator's, not the old device
 * object's, and must hold for the device reopened under the same name,
 * quiet or asserting when it is reopened; unmask then delivers.
 */
START_TEST(mask_across_reload)
{
	struct intx_msg_device d;
	const char *quiet_dir, *loud_dir;
	struct rc c;

	h_world(&env, "ack-timeout-ms = 0");
	h_monitor(&env);
	rc_open(&env, &c, "root");
	(void)rc_sub(&c, "d5");
	admin_ok(INTX_ADMIN_MASK, "d5");
	/* reopened quiet: masked all the same (Command bit 10 set) */
	quiet_dir = h_sim(&env, "d5q", 10);
	reload_d5(quiet_dir);
	quiet(&c, 0, &d);
	ck_assert_msg(d.flags & INTX_F_ADMIN, "d5 lost its mask in the reload: %#x",
		      d.flags);
	ck_assert(sim_masked(quiet_dir));
	/* reopened asserting: not raised, not delivered */
	loud_dir = h_sim(&env, "d5l", 10);
	h_raise(loud_dir);
	reload_d5(loud_dir);
	quiet(&c, 0, &d);
	ck_assert_msg(d.flags & INTX_F_ADMIN, "d5 lost its mask in the reload: %#x",
		      d.flags);
	/* the subscription carried over: unmask, and the interrupt comes */
	admin_ok(INTX_ADMIN_UNMASK, "d5");
	notified_then_end(&c, 1);
}
END_TEST

/*
 * 5. A control request carrying an fd is malformed (only SUBSCRIBED may
 * carry one): the session ends with EBADMSG and intxd keeps no copy of
 * the fd.
 */
START_TEST(request_with_fd)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_query q;
	unsigned base;
	int fd, p[2];

	h_world(&env, "");
	fd = control_open();
	base = h_count_fds(env.daemon);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	memset(&q, 0, sizeof(q));
	proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
	q.what = INTX_Q_STATUS;
	ck_assert_int_eq(wire_send(fd, &q, sizeof(q), p[1], 0), 0);
	close(p[1]);
	ck_assert_int_eq(h_recv_error(fd, T_MS), EBADMSG);
	ck_assert_int_eq(h_recv(fd, buf, sizeof(buf), T_MS), 0);
	close(fd);
	/* the pipe's write end: intxd closed its copy (end of file here) */
	{
		struct pollfd pp = { .fd = p[0], .events = POLLIN };

		ck_assert_int_eq(poll(&pp, 1, T_MS), 1);
		ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 0);
	}
	close(p[0]);
	ck_assert_uint_le(h_count_fds(env.daemon), base);
	h_daemon_stop(&env);
}
END_TEST

/*
 * 6. Every --json view parses as JSON, whatever the strings hold: a failed
 * device's reason carries its path, and a path may hold a quote, a
 * backslash, a tab and a byte that is not UTF-8 (doc/protocol.md §10:
 * escaped, U+FFFD).  Checked by python3's json module, which is strict.
 */
START_TEST(json_strings_escaped)
{
	static const char *const views[] = { "status", "lines", "devices",
					     "clients", "stats" };
	const char *intxctl = getenv("INTXCTL");
	char out[1 << 16], file[200], weird[160];
	unsigned i;
	FILE *f;

	ck_assert_msg(intxctl && *intxctl, "INTXCTL is not set (run through make check)");
	if (h_run(out, sizeof(out), "/usr/bin/env", "python3", "-c", "import json",
		  (char *)NULL) != 0) {
		printf("json_strings_escaped: SKIP, no python3 (contrib/deps.sh --test)\n");
		return;
	}
	snprintf(weird, sizeof(weird), "%s/we\"ird\\pa\tth\xff", env.dir);
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[device odd]\nbackend = sim\npath = %s\n"
		     "[client a]\nuid = %d\ndevices = d0 odd\n",
	       h_sim(&env, "d0", 11), weird, H_UID_A);
	h_daemon_start(&env);
	snprintf(file, sizeof(file), "%s/view.json", env.dir);
	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		ck_assert_int_eq(h_run(out, sizeof(out), intxctl, "-s", env.sock, "--json",
				       views[i], (char *)NULL), 0);
		f = fopen(file, "w");
		ck_assert_ptr_nonnull(f);
		fputs(out, f);
		fclose(f);
		/* one object, and the odd reason whole: escaped, not cut */
		ck_assert_msg(h_run(out, sizeof(out), "/usr/bin/env", "python3", "-c",
				    "import json, sys\n"
				    "d = json.load(open(sys.argv[1]))\n"
				    "assert isinstance(d, dict)\n"
				    "ds = d.get('devices')\n"
				    "for x in ds if isinstance(ds, list) else []:\n"
				    "    if x['name'] == 'odd':\n"
				    "        assert 'we\"ird\\\\pa\\tth\\ufffd' in x['reason'], x['reason']\n",
				    file, (char *)NULL) == 0,
			      "intxctl --json %s: %s", views[i], out);
	}
	h_daemon_stop(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control-attack");
	TCase *t = tcase_create("control-attack");

	tcase_set_timeout(t, 240);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, silent_peer_lets_go);
	tcase_add_test(t, readonly_refused_everything);
	tcase_add_test(t, admin_errors);
	tcase_add_test(t, slow_monitor);
	tcase_add_test(t, monitor_full_then_ask);
	tcase_add_test(t, intxctl_monitor_behind_a_full_pipe);
	tcase_add_loop_test(t, mask_in_flight, 0, 2);
	tcase_add_loop_test(t, unmask_while_owed, 0, 2);
	tcase_add_test(t, mask_across_reload);
	tcase_add_loop_test(t, mask_pending, 0, 2);
	tcase_add_test(t, request_with_fd);
	tcase_add_test(t, json_strings_escaped);
	suite_add_tcase(s, t);
	return check_run(s);
}
