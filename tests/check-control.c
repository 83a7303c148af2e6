/* SPDX-License-Identifier: MIT */
/*
 * check-control.c - intxctl and the control role with the real daemon:
 * replies of any length (1024 devices, 1024 clients: issue 9 item 6),
 * read-only control for the socket's group and administration for root and
 * admin-group, with real uids (issue 10 item 4), a reload that reports every
 * problem (item 5), and the operations of item 8.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "rawclient.h"
#include "simdev.h"
#include "wire.h"

#define WAIT_MS 20000
#define NBIG 1024
#define OUT_MAX (16u << 20)

/* unused gids for the socket's group and admin-group */
#define G_SOCKET 61100
#define G_ADMIN 61101
#define U_READER (H_UID_BASE + 4)
#define U_ADMIN (H_UID_BASE + 5)
#define U_STRANGER (H_UID_BASE + 6)

static const char *intxctl(void)
{
	const char *p = getenv("INTXCTL");

	ck_assert_msg(p && *p, "INTXCTL is not set (run through make check)");
	return p;
}

static unsigned count_prefix(const char *out, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned k = 0;
	const char *p = out;

	while (p && *p) {
		if (strncmp(p, prefix, n) == 0)
			k++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return k;
}

static unsigned count_str(const char *out, const char *s)
{
	unsigned k = 0;

	for (const char *p = out; (p = strstr(p, s)); p += strlen(s))
		k++;
	return k;
}

/* intxctl -s SOCK ARGS... (at most 4), as root. */
static int ctl(struct h_env *e, char *out, size_t size, const char *a1,
	       const char *a2, const char *a3)
{
	return h_run(out, size, intxctl(), "-s", e->sock, a1, a2, a3, (char *)NULL);
}

/* The big world: NBIG sim devices, NBIG clients each bound to one. */
static void big_world(struct h_env *e)
{
	size_t cap = 512u * NBIG * 2, len = 0;
	char *body = malloc(cap);
	unsigned i;

	ck_assert_ptr_nonnull(body);
	for (i = 0; i < NBIG; i++) {
		char dir[160];

		snprintf(dir, sizeof(dir), "%s/sim/simdev%04u", e->dir, i);
		/* in-process, the code intx-sim create runs: a thousand
		 * execs would be the test's whole run time */
		ck_assert_int_eq(simdev_create(dir, 11, 0x1234, 0x11e8), 0);
		len += (size_t)snprintf(body + len, cap - len,
					"[device simdev%04u]\nbackend = sim\npath = %s\n",
					i, dir);
	}
	for (i = 0; i < NBIG; i++)
		len += (size_t)snprintf(body + len, cap - len,
					"[client cli%04u]\nuid = %u\ndevices = simdev%04u\n",
					i, 70000 + i, i);
	ck_assert_uint_lt(len, cap);
	h_conf(e, "max-sessions = 2048\n%s", body);
	free(body);
	h_daemon_start(e);
}

/* Read records of type rtype up to LIST_END; returns how many came, or
 * -1 if the session ended first. */
static long read_list(int fd, int rtype, struct intx_msg_status *st)
{
	unsigned char buf[INTX_MSG_MAX];
	long k = 0;

	for (;;) {
		long n = h_recv(fd, buf, sizeof(buf), WAIT_MS);
		int t;

		if (n <= 0)
			return -1;
		t = proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON);
		if (t == INTX_MSG_LIST_END) {
			struct intx_msg_list_end end;

			memcpy(&end, buf, sizeof(end));
			ck_assert_int_eq((long)end.count, k);
			return k;
		}
		ck_assert_int_eq(t, rtype);
		if (st)
			memcpy(st, buf, sizeof(*st));
		k++;
	}
}

/* out (a --json view) parses, and holds NBIG devices and NBIG clients;
 * skipped without python3 (contrib/deps.sh --test installs it). */
static void json_rows(struct h_env *e, const char *out, const char *view)
{
	char file[200], res[4096], n[16];
	FILE *f;

	if (h_run(res, sizeof(res), "/usr/bin/env", "python3", "-c", "import json",
		  (char *)NULL) != 0) {
		printf("long_replies: %s --json not parsed, no python3\n", view);
		return;
	}
	snprintf(file, sizeof(file), "%s/%s.json", e->dir, view);
	snprintf(n, sizeof(n), "%d", NBIG);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(out, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(h_run(res, sizeof(res), "/usr/bin/env", "python3", "-c",
			    "import json, sys\n"
			    "d = json.load(open(sys.argv[1]))\n"
			    "n = int(sys.argv[2])\n"
			    "assert len(d['devices']) == n, len(d['devices'])\n"
			    "assert len(d['clients']) == n, len(d['clients'])\n",
			    file, n, (char *)NULL) == 0,
		      "intxctl --json %s: %s", view, res);
}

START_TEST(long_replies)
{
	char *out = malloc(OUT_MAX);
	struct intx_msg_status st;
	struct h_env e;
	int slow, probe;

	ck_assert_ptr_nonnull(out);
	h_setup(&e);
	big_world(&e);

	/*
	 * A reader that does not keep up: ask for every device, read nothing
	 * until the daemon is known to have got that far (a second session's
	 * round trip is answered after it), then read it all.  The reply is
	 * far larger than the socket's buffer.
	 */
	slow = h_connect(&e);
	ck_assert_int_eq(h_hello(slow, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	h_query(slow, INTX_Q_DEVICES);
	h_query(slow, INTX_Q_STATUS); /* pipelined: answered after */
	probe = h_connect(&e);
	ck_assert_int_eq(h_hello(probe, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	h_query(probe, INTX_Q_STATUS);
	ck_assert_int_eq(read_list(probe, INTX_MSG_STATUS, &st), 1);
	close(probe);
	ck_assert_msg(read_list(slow, INTX_MSG_DEVICE, NULL) == NBIG,
		      "the reply to a reader that did not keep up was cut short");
	ck_assert_int_eq(read_list(slow, INTX_MSG_STATUS, NULL), 1);
	close(slow);
	/* no driver is connected: the control sessions are not counted */
	ck_assert_uint_eq(st.sessions, 0);
	ck_assert_uint_eq(st.devices, NBIG);
	ck_assert_uint_eq(st.clients, NBIG);

	/* every view, through intxctl */
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "devices", NULL, NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "simdev"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "devices", "--json", NULL), 0);
	ck_assert_uint_eq(count_str(out, "\"name\":\"simdev"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "clients", NULL, NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "cli"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "clients", "--json", NULL), 0);
	ck_assert_uint_eq(count_str(out, "\"name\":\"cli"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "stats", NULL, NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "simdev"), NBIG);
	ck_assert_uint_eq(count_prefix(out, "cli"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "stats", "--prometheus", NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "intxd_device_raised_total{"), NBIG);
	ck_assert_uint_eq(count_prefix(out, "intxd_client_acked_total{"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "status", "--json", NULL), 0);
	ck_assert_msg(strstr(out, "\"sessions\":0"), "status counts itself: %s", out);
	/* and --json of 1024 rows each parses whole (python3's json) */
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "stats", "--json", NULL), 0);
	json_rows(&e, out, "stats");

	h_daemon_stop(&e);
	h_teardown(&e);
	free(out);
}
END_TEST

/*
 * intxd at the config's limits (issue 11): 1024 devices on 64 lines, 1024
 * clients, each with a session subscribed to its device, started with a
 * soft RLIMIT_NOFILE of 1024; every view answers completely, and one device
 * of every line raised at once reaches its owner, and its owner only.  No
 * timing is asserted.
 */
#define NLINES 64

START_TEST(at_the_limits)
{
	char *out = malloc(OUT_MAX), *body = malloc(512u * NBIG * 2);
	struct rc *rc = calloc(NBIG, sizeof(*rc));
	size_t cap = 512u * NBIG * 2, len = 0;
	struct intx_msg_status st;
	struct rlimit rl;
	struct h_env e;
	unsigned i;
	int fd;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(rc);
	/* two fds a session here, about three in intxd: more than a login
	 * shell's 1024 (intxd's unit has LimitNOFILE=65536) */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 4 * NBIG) {
		rl.rlim_cur = rl.rlim_max = rl.rlim_max > 4 * NBIG ? rl.rlim_max : 4 * NBIG;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	h_setup(&e);
	/* a login shell's soft limit: intxd raises it to the hard one.  Not
	 * under valgrind (tests/valgrind-intxd.sh, make check-valgrind): it
	 * sizes its fd table from the soft limit it starts with and refuses
	 * to raise it, so there intxd starts with the hard one. */
	e.nofile = 8 * NBIG;
	e.nofile_soft = getenv("INTXD_REAL") ? 0 : 1024;
	for (i = 0; i < NBIG; i++) {
		char dir[160];

		snprintf(dir, sizeof(dir), "%s/sim/simdev%04u", e.dir, i);
		ck_assert_int_eq(simdev_create(dir, 10 + (int)(i % NLINES), 0x1234, 0x11e8), 0);
		len += (size_t)snprintf(body + len, cap - len,
					"[device simdev%04u]\nbackend = sim\npath = %s\n"
					"[client cli%04u]\nuid = 0\ndevices = simdev%04u\n",
					i, dir, i, i);
	}
	ck_assert_uint_lt(len, cap);
	h_conf(&e, "max-sessions = %u\nmax-sessions-per-uid = 0\n%s", NBIG + 16, body);
	free(body);
	h_daemon_start(&e);
	for (i = 0; i < NBIG; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cli%04u", i);
		rc_open(&e, &rc[i], name);
		snprintf(name, sizeof(name), "simdev%04u", i);
		ck_assert_uint_eq(rc_sub(&rc[i], name), i);
	}

	/* every view, complete */
	fd = h_connect(&e);
	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	h_query(fd, INTX_Q_STATUS);
	ck_assert_int_eq(read_list(fd, INTX_MSG_STATUS, &st), 1);
	h_query(fd, INTX_Q_DEVICES);
	ck_assert_int_eq(read_list(fd, INTX_MSG_DEVICE, NULL), NBIG);
	close(fd);
	ck_assert_uint_eq(st.sessions, NBIG);
	ck_assert_uint_eq(st.devices, NBIG);
	ck_assert_uint_eq(st.clients, NBIG);
	ck_assert_uint_eq(st.lines, NLINES);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "devices", NULL, NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "simdev"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "--json", "devices", NULL), 0);
	ck_assert_uint_eq(count_str(out, "\"name\":\"simdev"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "lines", NULL, NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "irq"), NLINES);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "clients", NULL, NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "cli"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "stats", NULL, NULL), 0);
	ck_assert_uint_eq(count_prefix(out, "simdev"), NBIG);
	ck_assert_uint_eq(count_prefix(out, "cli"), NBIG);
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "status", "--json", NULL), 0);
	ck_assert_msg(strstr(out, "\"sessions\":1024"), "status: %s", out);

	/* a reload at that size keeps every session and subscription */
	ck_assert_int_eq(ctl(&e, out, OUT_MAX, "reload", NULL, NULL), 0);

	/* one device of every line at once: each owner is told, nobody else */
	for (i = 0; i < NLINES; i++) {
		char dir[160];

		snprintf(dir, sizeof(dir), "%s/sim/simdev%04u", e.dir, NBIG - 1 - i);
		h_raise(dir);
	}
	for (i = 0; i < NLINES; i++) {
		unsigned k = NBIG - 1 - i;
		struct intx_msg_notify n;
		char dir[160];

		ck_assert_msg(rc_notify(&rc[k], &n, WAIT_MS), "simdev%04u's owner was not told", k);
		ck_assert_uint_eq(n.device_id, k);
		snprintf(dir, sizeof(dir), "%s/sim/simdev%04u", e.dir, k);
		rc_lower(dir);
		rc_ack(&rc[k], &n, n.seq, true);
	}
	for (i = 0; i < NLINES; i++) {
		struct intx_msg_device dev;
		char name[32];

		snprintf(name, sizeof(name), "simdev%04u", NBIG - 1 - i);
		h_settle(&e, name, 1, &dev);
		ck_assert_uint_eq(dev.raised, 1);
		ck_assert_uint_eq(dev.delivered, 1);
	}
	for (i = 0; i < NBIG - NLINES; i++) {
		unsigned char buf[INTX_MSG_MAX];

		ck_assert_msg(rc_unasked(&rc[i], buf, 0) == 0,
			      "cli%04u was told of another client's device", i);
	}
	for (i = 0; i < NBIG; i++)
		ck_assert_msg(rc_alive(&rc[i]), "session %u ended", i);
	for (i = 0; i < NBIG; i++)
		rc_close(&rc[i]);
	h_daemon_stop(&e);
	h_teardown(&e);
	free(rc);
	free(out);
}
END_TEST

/* In the child: the reply's name, with errno and text for an ERROR. */
static void say_reply(int out, const char *what, const unsigned char *buf, long n)
{
	int t = n > 0 ? proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON) : -1;

	if (t == INTX_MSG_ERROR) {
		struct intx_msg_error m;

		memcpy(&m, buf, sizeof(m));
		dprintf(out, "%s=ERROR %d %s\n", what, m.error, m.text);
	} else {
		dprintf(out, "%s=%s\n", what, t > 0 ? proto_type_name((unsigned)t) : "EOF");
	}
}

/* In the child: HELLO as control; STATUS; MONITOR; then ADMIN MASK d0 and
 * UNMASK d0 when arg says "admin". */
static void child_control(struct h_env *e, int out, const char *arg)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_hello h;
	int fd = wire_connect(e->sock);
	long n;

	if (fd < 0) {
		dprintf(out, "connect=%s\n", strerror(-fd));
		return;
	}
	memset(&h, 0, sizeof(h));
	proto_hdr(&h.hdr, INTX_MSG_HELLO, sizeof(h));
	h.role = INTX_ROLE_CONTROL;
	wire_send(fd, &h, sizeof(h), -1, 0);
	n = h_recv(fd, buf, sizeof(buf), WAIT_MS);
	say_reply(out, "hello", buf, n);
	if (n <= 0 || proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON) != INTX_MSG_WELCOME)
		return;
	h_query(fd, INTX_Q_STATUS);
	n = h_recv(fd, buf, sizeof(buf), WAIT_MS);
	say_reply(out, "status", buf, n);
	n = h_recv(fd, buf, sizeof(buf), WAIT_MS); /* LIST_END */
	say_reply(out, "end", buf, n);
	for (uint32_t op = INTX_ADMIN_MASK; op <= INTX_ADMIN_UNMASK; op++) {
		struct intx_msg_admin a;

		memset(&a, 0, sizeof(a));
		proto_hdr(&a.hdr, INTX_MSG_ADMIN, sizeof(a));
		a.op = op;
		strcpy(a.device, "d0");
		wire_send(fd, &a, sizeof(a), -1, 0);
		n = h_recv(fd, buf, sizeof(buf), WAIT_MS);
		say_reply(out, op == INTX_ADMIN_MASK ? "mask" : "unmask", buf, n);
	}
	{
		struct intx_msg_monitor m;

		memset(&m, 0, sizeof(m));
		proto_hdr(&m.hdr, INTX_MSG_MONITOR, sizeof(m));
		wire_send(fd, &m, sizeof(m), -1, 0);
		h_query(fd, INTX_Q_STATUS); /* proves MONITOR was taken */
		n = h_recv(fd, buf, sizeof(buf), WAIT_MS);
		say_reply(out, "monitor", buf, n);
	}
	(void)arg;
	close(fd);
}

/* In the child: exec the copy of intxctl with arg as its command line. */
static void child_intxctl(struct h_env *e, int out, const char *arg)
{
	char path[200], a1[64] = "", a2[64] = "";

	snprintf(path, sizeof(path), "%s/intxctl", e->dir);
	sscanf(arg, "%63s %63s", a1, a2);
	dup2(out, 1);
	dup2(out, 2);
	if (a2[0])
		execl(path, "intxctl", "-s", e->sock, a1, a2, (char *)NULL);
	else
		execl(path, "intxctl", "-s", e->sock, a1, (char *)NULL);
	_exit(127);
}

/* A copy of intxctl the other uids can run (the checkout may be 0700). */
static void copy_intxctl(struct h_env *e)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/intxctl' && chmod 0755 '%s/intxctl'",
		 intxctl(), e->dir, e->dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(rights_by_group)
{
	static const gid_t reader[] = { G_SOCKET };
	static const gid_t admin[] = { G_ADMIN };
	char out[4096], want[300];
	struct h_env e;

	ck_assert_ptr_null(getgrgid(G_SOCKET));
	ck_assert_ptr_null(getgrgid(G_ADMIN));
	h_setup(&e);
	h_world(&e, "socket-group = 61100\nadmin-group = 61101\n");
	copy_intxctl(&e);

	/* the socket's group: reads and monitors, may not administer */
	ck_assert_int_eq(h_as_user(&e, U_READER, reader, 1, child_control, "",
				   out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "hello=WELCOME\n"), "%s", out);
	ck_assert_msg(strstr(out, "status=STATUS\n"), "%s", out);
	ck_assert_msg(strstr(out, "end=LIST_END\n"), "%s", out);
	ck_assert_msg(strstr(out, "mask=ERROR 1 mask needs root or group 61101 (admin-group)"),
		      "%s", out);
	ck_assert_msg(strstr(out, "unmask=ERROR 1 "), "%s", out);
	ck_assert_msg(strstr(out, "monitor=STATUS\n"), "%s", out);

	/* admin-group: everything */
	ck_assert_int_eq(h_as_user(&e, U_ADMIN, admin, 1, child_control, "",
				   out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "hello=WELCOME\n"), "%s", out);
	ck_assert_msg(strstr(out, "mask=DONE\n"), "%s", out);
	ck_assert_msg(strstr(out, "unmask=DONE\n"), "%s", out);

	/* neither: refused at HELLO, saying what would do */
	ck_assert_int_eq(h_as_user(&e, U_STRANGER, NULL, 0, child_control, "",
				   out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "hello=ERROR 1 control needs root or group 61100"),
		      "%s", out);

	/* and intxctl says so */
	ck_assert_int_eq(h_as_user(&e, U_READER, reader, 1, child_intxctl, "devices",
				   out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "d0") && strstr(out, "d5"), "%s", out);
	ck_assert_int_eq(h_as_user(&e, U_READER, reader, 1, child_intxctl, "mask d0",
				   out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "intxctl: mask d0: Operation not permitted "
			      "(intxd: mask needs root or group 61101"), "%s", out);
	ck_assert_int_eq(h_as_user(&e, U_STRANGER, NULL, 0, child_intxctl, "status",
				   out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "intxctl: refused by intxd: control "
		 "needs root or group 61100");
	ck_assert_msg(strstr(out, want), "%s", out);
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

START_TEST(root_only_without_groups)
{
	static const gid_t some[] = { G_SOCKET };
	char out[4096];
	struct h_env e;

	h_setup(&e);
	h_world(&e, ""); /* no socket-group: the socket's group is root's */
	ck_assert_int_eq(h_as_user(&e, U_READER, some, 1, child_control, "",
				   out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "hello=ERROR 1 control needs root"), "%s", out);
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

START_TEST(reload_reports_every_problem)
{
	char out[8192];
	struct h_env e;
	FILE *f;

	h_setup(&e);
	h_world(&e, "");
	f = fopen(e.conf, "a");
	ck_assert_ptr_nonnull(f);
	fputs("[intxd]\nmode = sideways\n[device x1]\nbackend = nope\npath = /x\n"
	      "[client z]\nuid = 1\ndevices = nosuch\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "reload", NULL, NULL), 1);
	ck_assert_msg(strstr(out, "'sideways' for 'mode'"), "%s", out);
	ck_assert_msg(strstr(out, "'nope' for 'backend'"), "%s", out);
	ck_assert_msg(strstr(out, "nosuch"), "%s", out);
	ck_assert_msg(strstr(out, "intxctl: reload: "), "%s", out);
	/* the running config stays and serves */
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "devices", NULL, NULL), 0);
	ck_assert_msg(strstr(out, "d5"), "%s", out);

	/* a single problem is the ERROR's own text */
	h_conf(&e, "mode = sideways\n");
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "reload", NULL, NULL), 1);
	ck_assert_msg(strstr(out, "'sideways' for 'mode'"), "%s", out);
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

START_TEST(log_level_at_runtime)
{
	char out[4096];
	struct h_env e;

	h_setup(&e);
	h_world(&e, "log-level = warning\n");
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "log-level", "debug", NULL), 0);
	ck_assert_msg(h_log_has(&e, "log level debug (was warning)"), "not logged");
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "log-level", "loud", NULL), 2);
	ck_assert_msg(strstr(out, "unknown level 'loud'"), "%s", out);
	/* debug is on now: a session's subscription is a debug message */
	{
		struct h_client c;

		ck_assert(h_client_start(&e, &c, H_UID_A, "a", e.arg[0], NULL));
		/* intxd logs it right after SUBSCRIBED, in the same wakeup:
		 * any later answer proves the line is written */
		ck_assert_int_eq(ctl(&e, out, sizeof(out), "status", NULL, NULL), 0);
		h_client_stop(&c);
	}
	ck_assert(h_log_has(&e, "subscribed"));
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

START_TEST(command_line)
{
	char out[8192];
	struct h_env e;

	h_setup(&e);
	ck_assert_int_eq(h_run(out, sizeof(out), intxctl(), "-s", "", "status",
			       (char *)NULL), 2);
	ck_assert_msg(strstr(out, "empty"), "%s", out);
	ck_assert_int_eq(h_run(out, sizeof(out), intxctl(), "help", (char *)NULL), 0);
	ck_assert_msg(strstr(out, "log-level") && strstr(out, "devices"), "%s", out);
	ck_assert_int_eq(h_run(out, sizeof(out), intxctl(), "help", "mask",
			       (char *)NULL), 0);
	ck_assert_msg(strstr(out, "usage: intxctl") && strstr(out, "mask DEVICE"),
		      "%s", out);
	ck_assert_int_eq(h_run(out, sizeof(out), intxctl(), "devices", "--help",
			       (char *)NULL), 0);
	ck_assert_msg(strstr(out, "usage: intxctl") && strstr(out, "devices"), "%s", out);
	/* no daemon: said in those words */
	ck_assert_int_eq(h_run(out, sizeof(out), intxctl(), "-s", e.sock, "status",
			       (char *)NULL), 1);
	ck_assert_msg(strstr(out, "intxd is not running (no socket at"), "%s", out);
	h_teardown(&e);
}
END_TEST

START_TEST(failed_devices)
{
	char out[1 << 16], want[300];
	struct h_env e;
	const char *d0;

	h_setup(&e);
	d0 = h_sim(&e, "d0", 11);
	h_conf(&e, "[device d0]\nbackend = sim\npath = %s\n"
		   "[device gone]\nbackend = sim\npath = %s/nothing-here\n"
		   "[client a]\nuid = %d\ndevices = d0 gone\n", d0, e.dir, H_UID_A);
	h_daemon_start(&e);
	/* the service manager hears the served devices, not the failed */
	ck_assert_msg(strstr(e.ready, "STATUS=serving 1 device(s) on 2 line(s), 1 failed"),
		      "%s", e.ready);
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "devices", NULL, NULL), 0);
	snprintf(want, sizeof(want), "cannot open %s/nothing-here", e.dir);
	ck_assert_msg(strstr(out, "failed") && strstr(out, want), "%s", out);
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "devices", "--json", NULL), 0);
	ck_assert_msg(strstr(out, "\"reason\":\"cannot open"), "%s", out);
	ck_assert_msg(strstr(out, "\"reason\":\"\""), "%s", out); /* d0 */
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "status", NULL, NULL), 0);
	ck_assert_msg(strstr(out, "failed:    1\n"), "%s", out);
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "status", "--json", NULL), 0);
	ck_assert_msg(strstr(out, "\"failed\":1"), "%s", out);
	ck_assert_int_eq(ctl(&e, out, sizeof(out), "stats", "--prometheus", NULL), 0);
	ck_assert_msg(strstr(out, "intxd_device_ack_timeouts_total{device=\"d0\""), "%s", out);
	ck_assert_msg(strstr(out, "intxd_device_storms_total{device=\"gone\""), "%s", out);
	ck_assert_msg(strstr(out, "intxd_devices_failed 1\n"), "%s", out);
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

START_TEST(check_config_absent_pci)
{
	char out[4096];
	struct h_env e;

	h_setup(&e);
	/* bus ff, device 1f, function 7: no host has it in practice */
	h_conf(&e, "[device nic]\nbackend = uio\npci = 0000:ff:1f.7\n"
		   "[device pretend]\nbackend = sim\npath = %s/sim\npci = 0000:fe:1f.7\n"
		   "[client a]\nuid = %d\ndevices = nic\n", e.dir, H_UID_A);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXD"), "-c", e.conf,
			       "--check-config", (char *)NULL), 0);
	ck_assert_msg(strstr(out, "warning: device 'nic': no PCI device 0000:ff:1f.7"),
		      "%s", out);
	ck_assert_msg(strstr(out, "configuration OK"), "%s", out);
	/* a sim device's address is a name, not looked for */
	ck_assert_msg(!strstr(out, "0000:fe:1f.7"), "%s", out);
	h_teardown(&e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control");
	TCase *t = tcase_create("control");

	tcase_set_timeout(t, 240);
	tcase_add_test(t, command_line);
	tcase_add_test(t, rights_by_group);
	tcase_add_test(t, root_only_without_groups);
	tcase_add_test(t, reload_reports_every_problem);
	tcase_add_test(t, log_level_at_runtime);
	tcase_add_test(t, failed_devices);
	tcase_add_test(t, check_config_absent_pci);
	tcase_add_test(t, long_replies);
	tcase_add_test(t, at_the_limits);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
