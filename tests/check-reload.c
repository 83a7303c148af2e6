/* SPDX-License-Identifier: MIT */
/*
 * check-reload.c - reloading the config (intxctl reload and SIGHUP) under
 * the real daemon with real clients: devices added and removed, a device
 * moved between clients while it asserts, and a bad config that leaves the
 * running one in place.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "rawclient.h"
#include "wire.h"

#define T_MS 20000

static struct h_env env;

static void setup(void)
{
	h_setup(&env);
}

static void teardown(void)
{
	h_teardown(&env);
}

static int ctl(char *out, size_t size, const char *cmd)
{
	return h_run(out, size, getenv("INTXCTL"), "--socket", env.sock, cmd, NULL);
}

/* The standard world's config, with the clients' bindings given. */
static void reload_ok(void)
{
	char out[1024];

	ck_assert_msg(ctl(out, sizeof(out), "reload") == 0, "%s", out);
}

static void conf_with(const char *extra_devices, const char *a, const char *b,
		      const char *c)
{
	unsigned i;
	char devs[2048] = "";

	for (i = 0; i < H_NDEV; i++)
		snprintf(devs + strlen(devs), sizeof(devs) - strlen(devs),
			 "[device d%u]\nbackend = sim\npath = %s\n", i, env.dev[i]);
	h_conf(&env, "%s%s[client a]\nuid = %d\ndevices = %s\n"
		     "[client b]\nuid = %d\ndevices = %s\n"
		     "[client c]\nuid = %d\ndevices = %s\n",
	       devs, extra_devices, H_UID_A, a, H_UID_B, b, H_UID_C, c);
}

static bool has_device(const char *name)
{
	char out[8192], pat[64];

	ck_assert_int_eq(ctl(out, sizeof(out), "devices"), 0);
	snprintf(pat, sizeof(pat), "\n%s ", name);
	return strstr(out, pat) != NULL;
}

START_TEST(add_and_remove)
{
	struct h_client a, a2;
	struct intx_msg_device d;
	struct intx_msg_line before, after;
	const char *d6 = h_sim(&env, "d6", 11);
	char extra[256], arg6[200];

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_line(&env, "irq11", &before);
	ck_assert_uint_ge(before.events, 1);

	/* d6 comes and is a's, c loses d5; the rest is as it was */
	snprintf(extra, sizeof(extra), "[device d6]\nbackend = sim\npath = %s\n", d6);
	conf_with(extra, "d0 d1 d6", "d2", "d3 d4");
	reload_ok();
	ck_assert(has_device("d6"));
	ck_assert(has_device("d0"));
	ck_assert(h_log_has(&env, "1 added, 0 removed") ||
		  h_log_has(&env, "0 redefined, 1 added"));

	/* the line kept its counters (rebuilt by the reload) */
	h_line(&env, "irq11", &after);
	ck_assert_uint_ge(after.events, before.events);

	/* the session survived, and d0 kept its state and counters */
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 2, T_MS));
	h_settle(&env, "d0", 2, &d);
	ck_assert_uint_eq(d.raised, 2);

	/* the new device works for a new session of a */
	snprintf(arg6, sizeof(arg6), "d6=%s", d6);
	ck_assert(h_client_start(&env, &a2, H_UID_A, "a", arg6, NULL));
	h_raise(d6);
	ck_assert(h_client_wait_handled(&a2, 1, T_MS));
	ck_assert_uint_eq(a.none + a2.none, 0);
	h_client_stop(&a);
	h_client_stop(&a2);
	h_daemon_stop(&env);
}
END_TEST

START_TEST(remove_device)
{
	struct h_client c;

	h_world(&env, "");
	ck_assert(h_client_start(&env, &c, H_UID_C, "c", env.arg[3], env.arg[5], NULL));
	/* d5 is no longer in the config: gone from the tables */
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[device d3]\nbackend = sim\npath = %s\n"
		     "[client c]\nuid = %d\ndevices = d3\n",
	       env.dev[0], env.dev[3], H_UID_C);
	reload_ok();
	ck_assert(!has_device("d5"));
	ck_assert(!has_device("d1"));
	h_raise(env.dev[3]);
	ck_assert(h_client_wait_handled(&c, 1, T_MS));
	h_client_stop(&c);
	h_daemon_stop(&env);
}
END_TEST

/* d2 moves from b to c while it asserts and b sits on it: b's claim is
 * dropped, the device interrupts again and waits for c. */
START_TEST(move_asserting_device)
{
	struct h_client b, c2;
	struct intx_msg_device d;

	h_world(&env, "ack-timeout-ms = 0");
	ck_assert(h_client_start(&env, &b, H_UID_B, "b", "--hang", "d2", env.arg[2], NULL));
	h_monitor(&env);
	h_raise(env.dev[2]);
	ck_assert(h_monitor_wait(&env, INTX_EV_DELIVER, "d2", T_MS));
	conf_with("", "d0 d1", "d0", "d2 d3 d4 d5");
	reload_ok();
	ck_assert(h_monitor_wait(&env, INTX_EV_RAISE, "d2", T_MS));
	h_device(&env, "d2", &d);
	ck_assert_uint_eq(d.flags & INTX_F_PENDING, INTX_F_PENDING);
	ck_assert(h_log_has(&env, "no longer bound"));
	ck_assert(h_client_start(&env, &c2, H_UID_C, "c", env.arg[2], NULL));
	ck_assert(h_client_wait_handled(&c2, 1, T_MS));
	h_settle(&env, "d2", 1, &d);
	ck_assert_uint_eq(d.handled, 1);
	printf("FIGURES reload_move            raised=1 handled=1 lost=0 "
	       "notifications=%llu\n", (unsigned long long)d.delivered);
	kill(b.pid, SIGKILL);
	h_client_stop(&b);
	h_client_stop(&c2);
	h_daemon_stop(&env);
}
END_TEST

/* A config with errors: refused with FILE:LINE, the old one keeps running. */
START_TEST(bad_config_keeps_running)
{
	struct h_client a;
	char out[1024], want[200];

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\nbogus = 1\n", env.dev[0]);
	ck_assert_int_eq(ctl(out, sizeof(out), "reload"), 1);
	snprintf(want, sizeof(want), "%s:7: unknown key 'bogus'", env.conf);
	ck_assert_msg(strstr(out, want), "got: %s", out);
	ck_assert(h_log_has(&env, "the running configuration stays"));
	ck_assert(has_device("d5"));
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/* SIGHUP reloads too, announced to systemd with RELOADING=1, READY=1. */
START_TEST(sighup)
{
	char buf[512], extra[256];
	const char *d6 = h_sim(&env, "d6", 10);
	bool reloading = false;

	h_world(&env, "");
	snprintf(extra, sizeof(extra), "[device d6]\nbackend = sim\npath = %s\n", d6);
	conf_with(extra, "d0 d1", "d2", "d3 d4 d5 d6");
	ck_assert_int_eq(kill(env.daemon, SIGHUP), 0);
	for (;;) {
		struct pollfd p = { .fd = env.notify_fd, .events = POLLIN };
		ssize_t n;

		ck_assert_int_eq(poll(&p, 1, T_MS), 1);
		n = recv(env.notify_fd, buf, sizeof(buf) - 1, 0);
		ck_assert_int_gt(n, 0);
		buf[n] = 0;
		if (strstr(buf, "RELOADING=1"))
			reloading = true;
		else if (reloading && strstr(buf, "READY=1"))
			break;
	}
	ck_assert(has_device("d6"));
	h_daemon_stop(&env);
}
END_TEST

/* Sim devices d0 at dir0 and d1 at dir1; client x (uid 0) bound to devices. */
static void conf_x(const char *dir0, const char *dir1, const char *devices)
{
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[device d1]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = %s\n", dir0, dir1, devices);
}

/* The next message on x's notification pipe is REVOKED for id, with err. */
static void expect_revoked(struct rc *x, uint32_t id, int err)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_revoked r;

	ck_assert_int_eq(rc_unasked(x, buf, T_MS), INTX_MSG_REVOKED);
	memcpy(&r, buf, sizeof(r));
	ck_assert_uint_eq(r.device_id, id);
	ck_assert_int_eq(r.error, err);
}

/*
 * A reload unbinds d0 from x, a later one binds it again: x is told it
 * lost d0 (REVOKED), so it knows to subscribe again, and hears d0 then.
 * Removed and added back: told again, with ENOENT.
 */
START_TEST(unbind_rebind_tells_the_client)
{
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 11);
	struct intx_msg_notify n;
	struct rc x;
	uint32_t id;

	conf_x(d0, d1, "d0 d1");
	h_daemon_start(&env);
	rc_open(&env, &x, "x");
	id = rc_sub(&x, "d0");
	conf_x(d0, d1, "d1");
	reload_ok();
	expect_revoked(&x, id, EACCES);
	conf_x(d0, d1, "d0 d1");
	reload_ok();
	ck_assert_uint_eq(rc_sub(&x, "d0"), id);
	h_raise(d0);
	ck_assert(rc_notify(&x, &n, T_MS));
	ck_assert_uint_eq(n.device_id, id);
	rc_lower(d0);
	rc_ack(&x, &n, n.seq, true);
	/* removed: told, with ENOENT */
	h_conf(&env, "[device d1]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = d1\n", d1);
	reload_ok();
	expect_revoked(&x, id, ENOENT);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/*
 * Names that are prefixes of each other ("d" < "d0" < "d00" < "d000", and
 * their clients) matched through reload's sorted index: the middle device
 * goes, a longer name comes, its client moves to it; each other session
 * keeps its own device, its id and its notifications, and only the
 * removed device's subscriber is told.
 */
START_TEST(prefix_names)
{
	static const char *const names[] = { "d", "d0", "d00" };
	const char *dir[4];
	struct intx_msg_notify n;
	struct rc x[3];
	uint32_t id[3];
	char out[512];
	int i;

	/* h_sim's paths: 8 rotating buffers, these 4 stay apart */
	for (i = 0; i < 3; i++)
		dir[i] = h_sim(&env, names[i], 11);
	dir[3] = h_sim(&env, "d000", 11);
	h_conf(&env, "[device d]\nbackend = sim\npath = %s\n"
		     "[device d0]\nbackend = sim\npath = %s\n"
		     "[device d00]\nbackend = sim\npath = %s\n"
		     "[client c]\nuid = 0\ndevices = d\n"
		     "[client c0]\nuid = 0\ndevices = d0\n"
		     "[client c00]\nuid = 0\ndevices = d00\n",
	       dir[0], dir[1], dir[2]);
	h_daemon_start(&env);
	rc_open(&env, &x[0], "c");
	rc_open(&env, &x[1], "c0");
	rc_open(&env, &x[2], "c00");
	for (i = 0; i < 3; i++)
		id[i] = rc_sub(&x[i], names[i]);
	h_conf(&env, "[device d000]\nbackend = sim\npath = %s\n"
		     "[device d00]\nbackend = sim\npath = %s\n"
		     "[device d]\nbackend = sim\npath = %s\n"
		     "[client c00]\nuid = 0\ndevices = d00\n"
		     "[client c0]\nuid = 0\ndevices = d000\n"
		     "[client c]\nuid = 0\ndevices = d\n",
	       dir[3], dir[2], dir[0]);
	reload_ok();
	ck_assert(h_log_has(&env, "2 device(s) kept, 0 redefined, 1 added, 1 removed"));
	expect_revoked(&x[1], id[1], ENOENT);
	ck_assert(!has_device("d0"));
	/* d and d00: the same sessions, ids and notifications */
	for (i = 0; i < 3; i += 2) {
		h_raise(dir[i]);
		ck_assert(rc_notify(&x[i], &n, T_MS));
		ck_assert_uint_eq(n.device_id, id[i]);
		rc_lower(dir[i]);
		rc_ack(&x[i], &n, n.seq, true);
	}
	/* c0's session goes on, now with d000 */
	(void)rc_sub(&x[1], "d000");
	h_raise(dir[3]);
	ck_assert(rc_notify(&x[1], &n, T_MS));
	rc_lower(dir[3]);
	rc_ack(&x[1], &n, n.seq, true);
	ck_assert_msg(ctl(out, sizeof(out), "clients") == 0, "%s", out);
	ck_assert_msg(strstr(out, "c00 ") && strstr(out, "c0 "), "%s", out);
	for (i = 0; i < 3; i++)
		rc_close(&x[i]);
	h_daemon_stop(&env);
}
END_TEST

/*
 * ACK on the ACK pipe after REVOKED: the reload took d0 and with it what
 * x owed (d0 unmasks without it); the late ACK settles nothing, is no
 * error, and the session goes on - acking d1 on the pipe still works.
 */
START_TEST(pipe_ack_after_revoked)
{
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 12);
	struct intx_msg_notify n0, n1;
	struct intx_msg_device d;
	struct rc x;
	uint32_t id;

	conf_x(d0, d1, "d0 d1");
	h_daemon_start(&env);
	h_monitor(&env);
	rc_open(&env, &x, "x");
	rc_ack_pipe(&x);
	id = rc_sub(&x, "d0");
	rc_sub(&x, "d1");
	h_raise(d0);
	ck_assert(rc_notify(&x, &n0, T_MS));
	rc_lower(d0);
	conf_x(d0, d1, "d1");
	reload_ok();
	expect_revoked(&x, id, EACCES);
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", n0.seq, INTX_EV_ACK);
	rc_pack(&x, &n0, n0.seq, true); /* late: d0 is no longer x's */
	h_raise(d1);
	ck_assert(rc_notify(&x, &n1, T_MS));
	rc_lower(d1);
	rc_pack(&x, &n1, n1.seq, true);
	rc_expect_event(&env, INTX_EV_UNMASK, "d1", n1.seq, 0);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.acked, 0);
	ck_assert_uint_eq(d.flags & (INTX_F_INFLIGHT | INTX_F_MASKED), 0);
	h_device(&env, "d1", &d);
	ck_assert_uint_eq(d.acked, 1);
	ck_assert(rc_alive(&x));
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/* DMA (the VFIO container, for a vfio driver's mappings): refused for a
 * device without an IOMMU container (sim) and for one the session is not
 * subscribed to - after a reload took it away too; the session goes on. */
static void expect_dma_refused(struct rc *x, uint32_t id, int err)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_dma m;
	struct intx_msg_error e;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_DMA, sizeof(m));
	m.device_id = id;
	ck_assert_int_eq(wire_send(x->fd, &m, sizeof(m), -1, 0), 0);
	rc_reply(x, buf, sizeof(buf), INTX_MSG_ERROR);
	memcpy(&e, buf, sizeof(e));
	ck_assert_int_eq(e.error, err);
	ck_assert_int_eq(e.req_type, INTX_MSG_DMA);
	ck_assert(rc_alive(x));
}

START_TEST(dma_needs_an_iommu_and_a_subscription)
{
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 11);
	struct rc x;
	uint32_t id;

	conf_x(d0, d1, "d0 d1");
	h_daemon_start(&env);
	rc_open(&env, &x, "x");
	expect_dma_refused(&x, 0, ENOENT);
	id = rc_sub(&x, "d0");
	expect_dma_refused(&x, id, EOPNOTSUPP);
	ck_assert(h_log_has(&env, "device 'd0' has no IOMMU container for DMA (sim backend)"));
	conf_x(d0, d1, "d1");
	reload_ok();
	expect_revoked(&x, id, EACCES);
	expect_dma_refused(&x, id, ENOENT);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/* The same through libintx (the example driver, as client a): it is told
 * it lost d0, and goes on serving d1. */
START_TEST(libintx_client_hears_of_the_loss)
{
	struct h_client a;

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], env.arg[1], NULL));
	conf_with("", "d1", "d2", "d3 d4 d5");
	reload_ok();
	ck_assert(h_client_wait_text(&a, "lost: lost device d0", T_MS));
	h_raise(env.dev[1]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/* The next STATUS= the daemon tells systemd. */
static void next_status(char *buf, size_t size)
{
	for (;;) {
		struct pollfd p = { .fd = env.notify_fd, .events = POLLIN };
		ssize_t n;

		ck_assert_int_eq(poll(&p, 1, T_MS), 1);
		n = recv(env.notify_fd, buf, size - 1, 0);
		ck_assert_int_gt(n, 0);
		buf[n] = 0;
		if (strstr(buf, "STATUS="))
			return;
	}
}

/* A device that cannot be opened at start (its sim device does not exist
 * yet) is refused with why; once it can be, intxd opens it by itself, no
 * reload needed, and serves it. */
START_TEST(failed_device_opens_again)
{
	char late[200], buf[512];
	unsigned char r[INTX_MSG_MAX];
	struct intx_msg_subscribe m;
	struct intx_msg_error e;
	struct intx_msg_notify n;
	struct rc x;

	snprintf(late, sizeof(late), "%s/sim/late", env.dir);
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = d0\n", late);
	h_daemon_start(&env);
	rc_open(&env, &x, "x");
	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_SUBSCRIBE, sizeof(m));
	strcpy(m.device, "d0");
	ck_assert_int_eq(wire_send(x.fd, &m, sizeof(m), -1, 0), 0);
	rc_reply(&x, r, sizeof(r), INTX_MSG_ERROR);
	memcpy(&e, r, sizeof(e));
	ck_assert_int_eq(e.error, ENODEV);
	ck_assert_msg(strstr(e.text, "opens it again"), "%s", e.text);
	/* the device appears; the daemon says it serves it, unasked */
	ck_assert_str_eq(h_sim(&env, "late", 11), late);
	do
		next_status(buf, sizeof(buf));
	while (strstr(buf, "failed"));
	ck_assert_msg(strstr(buf, "STATUS=serving 1 device(s)"), "%s", buf);
	ck_assert(h_log_has(&env, "1 failed device(s) opened again"));
	rc_sub(&x, "d0");
	h_raise(late);
	ck_assert(rc_notify(&x, &n, T_MS));
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/* A client admitted by gid: when its gid changes, its session ends. */
START_TEST(gid_change_ends_session)
{
	const char *d0 = h_sim(&env, "d0", 11);
	unsigned char buf[INTX_MSG_MAX];
	struct rc x;

	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[client g]\ngid = 0\ndevices = d0\n", d0);
	h_daemon_start(&env);
	rc_open(&env, &x, "g");
	rc_sub(&x, "d0");
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[client g]\ngid = 4242\ndevices = d0\n", d0);
	reload_ok();
	ck_assert_int_eq(h_recv(x.fd, buf, sizeof(buf), T_MS), 0);
	ck_assert(h_log_has(&env, "no longer admits it"));
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/*
 * d0 redefined (the same sim device under another path, so it is closed
 * and opened again) while x holds seq 1 of it, still asserting: the
 * redefined device interrupts again, and its numbering goes on (seq 2) so
 * that x's ACK of seq 1 is late and does not settle seq 2.
 */
START_TEST(redefined_device_keeps_numbering)
{
	const char *d0 = h_sim(&env, "d0", 11);
	struct intx_msg_notify n1, n2;
	struct rc x;

	h_conf(&env, "ack-timeout-ms = 0\n[device d0]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = d0\n", d0);
	h_daemon_start(&env);
	h_monitor(&env);
	rc_open(&env, &x, "x");
	rc_sub(&x, "d0");
	h_raise(d0);
	ck_assert(rc_notify(&x, &n1, T_MS));
	ck_assert_uint_eq(n1.seq, 1);
	h_conf(&env, "ack-timeout-ms = 0\n[device d0]\nbackend = sim\npath = %s/.\n"
		     "[client x]\nuid = 0\ndevices = d0\n", d0);
	reload_ok();
	ck_assert(h_log_has(&env, "reload: device opened again"));
	ck_assert(rc_notify(&x, &n2, T_MS));
	ck_assert_uint_eq(n2.seq, 2);
	rc_ack(&x, &n1, n1.seq, true); /* late */
	rc_lower(d0);
	rc_ack(&x, &n2, n2.seq, true);
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", 2, 0);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reload");
	TCase *t = tcase_create("reload");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, add_and_remove);
	tcase_add_test(t, remove_device);
	tcase_add_test(t, move_asserting_device);
	tcase_add_test(t, bad_config_keeps_running);
	tcase_add_test(t, sighup);
	tcase_add_test(t, unbind_rebind_tells_the_client);
	tcase_add_test(t, gid_change_ends_session);
	tcase_add_test(t, libintx_client_hears_of_the_loss);
	tcase_add_test(t, failed_device_opens_again);
	tcase_add_test(t, redefined_device_keeps_numbering);
	tcase_add_test(t, dma_needs_an_iommu_and_a_subscription);
	tcase_add_test(t, pipe_ack_after_revoked);
	tcase_add_test(t, prefix_names);
	suite_add_tcase(s, t);
	return check_run(s);
}
