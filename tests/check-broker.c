/* SPDX-License-Identifier: MIT */
/*
 * check-broker.c - the real intxd on the sim backend, with real intx-sim and
 * real client processes (the example driver, each as its own uid) on a
 * private socket.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "intx.h"
#include "simdev.h"
#include "wire.h"

#define T_MS 20000
#define UID_A H_UID_A
#define UID_B H_UID_B
#define UID_C H_UID_C
#define UID_NOBODY H_UID_NOBODY

static struct h_env env;
#define dev env.dev
#define arg env.arg

/* The Status scan under test: the routing tests run once per strategy
 * (loop index 0: the default, only the device that signalled; 1: every
 * unmasked device on the line, the reference). */
static const char *const scans[] = { "signalled", "line" };
static const char *scan = "signalled";

static void world(const char *mode)
{
	char keys[96];

	snprintf(keys, sizeof(keys), "mode = %s\nscan = %s", mode, scan);
	h_world(&env, keys);
}

static void setup(void)
{
	h_setup(&env);
}

static void teardown(void)
{
	h_teardown(&env);
}

static void start_clients(struct h_client *a, struct h_client *b,
			  struct h_client *c)
{
	ck_assert(h_client_start(&env, a, UID_A, "a", arg[0], arg[1], NULL));
	ck_assert(h_client_start(&env, b, UID_B, "b", arg[2], NULL));
	ck_assert(h_client_start(&env, c, UID_C, "c", arg[3], arg[4], arg[5], NULL));
}

/* Every raise reaches its owner and nobody else. */
START_TEST(selective_routing)
{
	scan = scans[_i];
	struct h_client a, b, c;
	struct intx_msg_device d;
	struct intx_msg_line l;
	const unsigned rounds = 40;
	unsigned r, i;
	char out[256];

	world("selective");
	start_clients(&a, &b, &c);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 6; i++) {
			struct h_client *owner = i < 2 ? &a : i == 2 ? &b : &c;
			unsigned want = owner->handled + 1;

			/* the real tool for some, the same library for speed */
			if (r % 10 == 0)
				ck_assert_int_eq(h_run(out, sizeof(out),
						       getenv("INTX_SIM"), "raise",
						       dev[i], NULL), 0);
			else
				h_raise(dev[i]);
			ck_assert_msg(h_client_wait_handled(owner, want, T_MS),
				      "d%u: its owner did not handle raise %u", i, r);
		}
	}
	ck_assert_uint_eq(a.handled, 2 * rounds);
	ck_assert_uint_eq(b.handled, rounds);
	ck_assert_uint_eq(c.handled, 3 * rounds);
	for (i = 0; i < 6; i++) {
		char name[8];

		snprintf(name, sizeof(name), "d%u", i);
		h_settle(&env, name, rounds, &d);
		ck_assert_uint_eq(d.raised, rounds);
		ck_assert_uint_eq(d.delivered, rounds); /* one subscriber each */
		ck_assert_uint_eq(d.acked, rounds);
		ck_assert_uint_eq(d.handled, rounds);
		ck_assert_uint_eq(d.flags & INTX_F_MASKED, 0);
	}
	h_line(&env, "irq11", &l);
	ck_assert_uint_eq(l.devices, 5);
	ck_assert_uint_eq(l.spurious, 0);
	ck_assert_uint_eq(l.flags & INTX_F_BROADCAST, 0);
	h_client_stop(&a);
	h_client_stop(&b);
	h_client_stop(&c);
	/* nobody was woken for a device that was not asserting */
	ck_assert_uint_eq(a.none + b.none + c.none, 0);
	h_daemon_stop(&env);
}
END_TEST

/* The baseline: every subscriber on the line runs its handlers. */
START_TEST(broadcast_routing)
{
	scan = scans[_i];
	struct h_client a, b, c;
	struct intx_msg_device d;
	const unsigned rounds = 10;
	unsigned r;

	world("broadcast");
	start_clients(&a, &b, &c);
	for (r = 0; r < rounds; r++) {
		char line[256];

		h_raise(dev[2]); /* b's device, on the shared line */
		/* a hears it for d0 and d1, c for d3 and d4: all say "none" */
		ck_assert(h_client_wait_handled(&b, r + 1, T_MS));
		while (a.none < 2 * (r + 1))
			ck_assert(h_client_line(&a, line, sizeof(line), T_MS));
		while (c.none < 2 * (r + 1))
			ck_assert(h_client_line(&c, line, sizeof(line), T_MS));
	}
	h_settle(&env, "d2", 5 * rounds, &d);
	ck_assert_uint_eq(d.raised, rounds);
	/* each wakeup of d2 waited for all five notified handler chains */
	ck_assert_uint_eq(d.acked, 5 * rounds);
	ck_assert_uint_eq(d.handled, rounds);
	ck_assert_uint_eq(d.flags & INTX_F_BROADCAST, INTX_F_BROADCAST);
	/* d5 is on the other line: c's handler for it never ran */
	h_device(&env, "d5", &d);
	ck_assert_uint_eq(d.delivered, 0);
	ck_assert_uint_eq(a.handled + c.handled, 0);
	h_client_stop(&a);
	h_client_stop(&b);
	h_client_stop(&c);
	h_daemon_stop(&env);
}
END_TEST

/* Several devices asserting at once: each owner is told once. */
START_TEST(simultaneous)
{
	scan = scans[_i];
	struct h_client a, b, c;
	struct intx_msg_device d;
	char out[256];
	unsigned i;

	world("selective");
	start_clients(&a, &b, &c);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTX_SIM"), "raise",
				       dev[0], dev[2], dev[3], dev[4], NULL), 0);
		ck_assert(h_client_wait_handled(&a, i + 1, T_MS));
		ck_assert(h_client_wait_handled(&b, i + 1, T_MS));
		ck_assert(h_client_wait_handled(&c, 2 * (i + 1), T_MS));
	}
	h_device(&env, "d1", &d);
	ck_assert_uint_eq(d.raised, 0);
	h_device(&env, "d4", &d);
	ck_assert_uint_eq(d.raised, 20);
	ck_assert_uint_eq(d.delivered, 20);
	h_client_stop(&a);
	h_client_stop(&b);
	h_client_stop(&c);
	ck_assert_uint_eq(a.handled, 20);
	ck_assert_uint_eq(c.handled, 40);
	ck_assert_uint_eq(a.none + b.none + c.none, 0);
	h_daemon_stop(&env);
}
END_TEST

static void admin(const char *op, const char *device)
{
	char out[512];

	ck_assert_msg(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			    env.sock, op, device, NULL) == 0,
		      "intxctl %s %s: %s", op, device, out);
}

/* Raised while masked: nothing until unmasked, then exactly once. */
START_TEST(raised_while_masked)
{
	scan = scans[_i];
	struct h_client a;
	struct intx_msg_device d;

	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], arg[1], NULL));
	admin("mask", "d0");
	h_raise(dev[0]);
	h_raise(dev[0]); /* level: twice is still one interrupt */
	/* the line is quiet for d0; d1 still works (and proves the loop ran) */
	h_raise(dev[1]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.raised, 0);
	ck_assert_uint_eq(d.flags & INTX_F_ADMIN, INTX_F_ADMIN);
	admin("unmask", "d0");
	ck_assert(h_client_wait_handled(&a, 2, T_MS));
	h_settle(&env, "d0", 1, &d);
	ck_assert_uint_eq(d.raised, 1);
	ck_assert_uint_eq(d.flags & (INTX_F_ADMIN | INTX_F_MASKED), 0);
	h_client_stop(&a);
	ck_assert_uint_eq(a.handled, 2);
	ck_assert_uint_eq(a.none, 0);
	h_daemon_stop(&env);
}
END_TEST

/* A wakeup with no device asserting is spurious: counted, sent nowhere,
 * and the device is not left masked. */
START_TEST(spurious)
{
	scan = scans[_i];
	struct h_client a;
	struct intx_msg_line l;
	char path[200], out[256];

	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], arg[1], NULL));
	h_monitor(&env);
	/* the interrupt signal without the Status bit: what a shared line
	 * does when another (unmanaged) device fires */
	snprintf(path, sizeof(path), "%s/irq", dev[0]);
	{
		int fd = open(path, O_WRONLY | O_NONBLOCK);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, "x", 1), 1);
		close(fd);
	}
	ck_assert(h_monitor_wait(&env, INTX_EV_SPURIOUS, "d0", T_MS));
	h_line(&env, "irq11", &l);
	ck_assert_uint_eq(l.spurious, 1);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTX_SIM"), "raise", dev[0],
			       NULL), 0);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	ck_assert_uint_eq(a.none, 0);
	h_daemon_stop(&env);
}
END_TEST

/* A device nobody subscribes to stays masked and pending, and is
 * delivered when its client subscribes. */
START_TEST(late_subscribe)
{
	scan = scans[_i];
	struct h_client c;
	struct intx_msg_device d;

	world("selective");
	h_monitor(&env);
	h_raise(dev[4]);
	ck_assert(h_monitor_wait(&env, INTX_EV_RAISE, "d4", T_MS));
	h_device(&env, "d4", &d);
	ck_assert_uint_eq(d.flags & (INTX_F_PENDING | INTX_F_MASKED),
			  INTX_F_PENDING | INTX_F_MASKED);
	ck_assert(h_client_start(&env, &c, UID_C, "c", arg[3], arg[4], NULL));
	ck_assert(h_client_wait_handled(&c, 1, T_MS));
	h_settle(&env, "d4", 1, &d);
	ck_assert_uint_eq(d.raised, 1);
	ck_assert_uint_eq(d.delivered, 1);
	ck_assert_uint_eq(d.flags & INTX_F_MASKED, 0);
	h_client_stop(&c);
	ck_assert_uint_eq(c.none, 0);
	h_daemon_stop(&env);
}
END_TEST

/* A device raised before intxd started is serviced once it runs. */
START_TEST(raised_before_start)
{
	struct h_client a;
	unsigned i;

	for (i = 0; i < 6; i++) {
		char name[8];

		snprintf(name, sizeof(name), "d%u", i);
		dev[i] = h_sim(&env, name, 11);
		snprintf(arg[i], sizeof(arg[i]), "d%u=%s", i, dev[i]);
	}
	h_raise(dev[1]);
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[device d1]\nbackend = sim\npath = %s\n"
		     "[client a]\nuid = %d\ndevices = d0 d1\n",
	       dev[0], dev[1], UID_A);
	h_daemon_start(&env);
	ck_assert(h_client_start(&env, &a, UID_A, NULL, arg[0], arg[1], NULL));
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	ck_assert_uint_eq(a.none, 0);
	h_daemon_stop(&env);
}
END_TEST

/* After a refusal or a bad peer, the daemon still serves a good client. */
static void still_serving(struct h_client *a)
{
	unsigned want = a->handled + 1;

	h_raise(dev[0]);
	ck_assert_msg(h_client_wait_handled(a, want, T_MS),
		      "the daemon stopped serving after a bad peer");
}

START_TEST(refuse_unknown_uid)
{
	struct h_client a, x;

	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], NULL));
	/* a uid no client admits: refused, and the refusal is logged with
	 * who asked (the daemon logs before it answers) */
	ck_assert(!h_client_start(&env, &x, UID_NOBODY, NULL, arg[0], NULL));
	ck_assert_msg(strstr(x.early, "connect:"), "got: %s", x.early);
	ck_assert(h_log_has(&env, "no client in the config admits uid 61007"));
	/* a client name whose uid does not match */
	ck_assert(!h_client_start(&env, &x, UID_B, "a", arg[0], NULL));
	ck_assert_msg(strstr(x.early, "connect:"), "got: %s", x.early);
	ck_assert(h_log_has(&env, "uid 61002 gid 61002 may not act as client 'a'"));
	/* a client name that does not exist */
	ck_assert(!h_client_start(&env, &x, UID_B, "zz", arg[2], NULL));
	ck_assert(h_log_has(&env, "no client named 'zz'"));
	still_serving(&a);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

START_TEST(refuse_unbound_device)
{
	struct h_client a, x;

	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], NULL));
	/* b asks for a's device: refused, the session goes on */
	ck_assert(!h_client_start(&env, &x, UID_B, "b", arg[0], NULL));
	ck_assert_msg(strstr(x.early, "subscribe d0:"), "got: %s", x.early);
	ck_assert(h_log_has(&env, "client 'b' is not bound to device 'd0'"));
	/* and for one that does not exist */
	ck_assert(!h_client_start(&env, &x, UID_B, "b", "nosuch=/nonexistent", NULL));
	ck_assert_msg(strstr(x.early, "nonexistent"), "got: %s", x.early);
	still_serving(&a);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/* Send raw bytes as a fresh session; expect ERROR(err) and then EOF. */
static void bad_peer(const void *msg, size_t len, int passfd, int err)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_error e;
	int fd = h_connect(&env);
	long n;

	ck_assert_int_eq(wire_send(fd, msg, len, passfd, 0), 0);
	n = h_recv(fd, buf, sizeof(buf), T_MS);
	ck_assert_int_eq(n, sizeof(e));
	ck_assert_int_eq(proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON),
			 INTX_MSG_ERROR);
	memcpy(&e, buf, sizeof(e));
	ck_assert_int_eq(e.error, err);
	ck_assert_int_eq(h_recv(fd, buf, sizeof(buf), T_MS), 0);
	close(fd);
}

START_TEST(refuse_bad_messages)
{
	struct h_client a;
	struct intx_msg_hello h;
	unsigned char big[4096];
	int i;

	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], NULL));
	memset(&h, 0, sizeof(h));
	proto_hdr(&h.hdr, INTX_MSG_HELLO, sizeof(h));
	h.role = INTX_ROLE_CLIENT;

	h.hdr.version = 99; /* a version from the future */
	bad_peer(&h, sizeof(h), -1, EPROTONOSUPPORT);
	still_serving(&a);
	h.hdr.version = INTX_PROTO_VERSION;

	bad_peer(&h, sizeof(h) - 4, -1, EBADMSG); /* truncated */
	h.reserved = 1;                           /* reserved not zero */
	bad_peer(&h, sizeof(h), -1, EBADMSG);
	h.reserved = 0;
	memset(h.client, 'x', sizeof(h.client)); /* no NUL */
	bad_peer(&h, sizeof(h), -1, EBADMSG);
	memset(h.client, 0, sizeof(h.client));
	bad_peer(&h, sizeof(h), 0, EBADMSG); /* an fd where none belongs */
	bad_peer("\x01", 1, -1, EBADMSG);    /* shorter than a header */
	memset(big, 0xab, sizeof(big));
	bad_peer(big, sizeof(big), -1, EMSGSIZE); /* oversized */
	h.hdr.type = 0x3f;                        /* unknown type */
	bad_peer(&h, sizeof(h), -1, EBADMSG);
	still_serving(&a);

	/* a flood of sessions that say nothing and leave */
	for (i = 0; i < 200; i++)
		close(h_connect(&env));
	still_serving(&a);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

START_TEST(intxctl_views)
{
	struct h_client a;
	char out[8192];

	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], arg[1], NULL));
	h_raise(dev[1]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "devices", NULL), 0);
	ck_assert_msg(strstr(out, "d1") && strstr(out, "irq11"), "%s", out);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "--json", "clients", NULL), 0);
	ck_assert_msg(strstr(out, "\"a\""), "%s", out);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "status", NULL), 0);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "lines", NULL), 0);
	ck_assert_msg(strstr(out, "irq10") && strstr(out, "irq11"), "%s", out);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "stats", NULL), 0);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "mask", "nosuch", NULL), 1);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "frobnicate", NULL), 2);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/* stats --prometheus is valid text exposition format, as promtool (from
 * Debian's prometheus package, installed by contrib/deps.sh --test) sees
 * it, and carries the counters. */
START_TEST(prometheus_format)
{
	struct h_client a;
	char out[16384], cmd[512], path[160];
	FILE *f;

	if (access("/usr/bin/promtool", X_OK) != 0) {
		printf("prometheus_format: SKIP, no promtool (contrib/deps.sh --test)\n");
		return;
	}
	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], NULL));
	h_raise(dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "stats", "--prometheus", NULL), 0);
	ck_assert_msg(strstr(out, "intxd_device_raised_total{"), "%s", out);
	snprintf(path, sizeof(path), "%s/metrics.txt", env.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(out, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	ck_assert_msg(h_run(out, sizeof(out), "/bin/sh", "-c", cmd, NULL) == 0,
		      "promtool check metrics: %s", out);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

static int h_claim(const struct intx_event *ev, void *unused)
{
	(void)ev;
	(void)unused;
	return INTX_HANDLED;
}

/*
 * A libintx client that gives up on a wedged daemon (its reply time-out,
 * 10 s) must end its session then, not at its next reconnect: the daemon,
 * once it runs again, sees the session gone and unmasks the device whose
 * acknowledgement the client owed.  (Kept open, the session held d5 masked
 * for good with ack-timeout-ms = 0, and a slot of max-sessions-per-uid.)
 */
START_TEST(client_timeout_ends_session)
{
	struct intx_client *c;

	h_world(&env, "ack-timeout-ms = 0");
	c = intx_open(env.sock, "root");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d5", h_claim, NULL), 0);
	h_monitor(&env);
	h_raise(dev[5]);
	/* delivered; the client does not dispatch, so it owes the ack */
	ck_assert(h_monitor_wait(&env, INTX_EV_DELIVER, "d5", T_MS));
	ck_assert_int_eq(kill(env.daemon, SIGSTOP), 0);
	ck_assert_int_eq(intx_subscribe(c, "d0", h_claim, NULL), -ETIMEDOUT);
	{
		char want[256];

		snprintf(want, sizeof(want), "intxd at %s did not answer in "
			 "time (is it stopped?)", env.sock);
		ck_assert_str_eq(intx_last_error(c), want);
	}
	ck_assert_int_eq(kill(env.daemon, SIGCONT), 0);
	ck_assert_msg(h_monitor_wait(&env, INTX_EV_UNMASK, "d5", T_MS),
		      "the timed-out session lives on: d5 stays masked");
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* d5's handler: intxd restarts, its new config no longer binds d5 to
 * root, while the handler runs. */
static int h_restart_without_d5(const struct intx_event *ev, void *ran)
{
	(void)ev;
	(*(int *)ran)++;
	h_daemon_stop(&env);
	h_conf(&env, "ack-timeout-ms = 0\n"
		     "[device d4]\nbackend = sim\npath = %s\n"
		     "[device d5]\nbackend = sim\npath = %s\n"
		     "[client root]\nuid = 0\ndevices = d4\n", dev[4], dev[5]);
	h_daemon_start(&env);
	return INTX_HANDLED;
}

struct lost_seen {
	int n, err;
	char device[INTX_NAME_MAX];
};

static void on_lost(struct intx_client *c, const char *device, int err,
		    const char *reason, void *p)
{
	struct lost_seen *l = p;

	(void)c;
	(void)reason;
	l->n++;
	l->err = err;
	snprintf(l->device, sizeof(l->device), "%s", device);
}

/*
 * The connection is lost while a handler runs and the restarted daemon
 * refuses the device: intx_dispatch() must say so (-ENODEV, and the lost
 * callback names the device) rather than count the notification handled
 * and drop the device's handlers in silence.  Issue 9 item 12.
 */
START_TEST(device_lost_across_restart)
{
	struct lost_seen lost = { 0 };
	struct intx_client *c;
	int ran = 0, r;

	h_world(&env, "ack-timeout-ms = 0");
	c = intx_open(env.sock, "root");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_on_lost(c, on_lost, &lost), 0);
	ck_assert_int_eq(intx_subscribe(c, "d5", h_restart_without_d5, &ran), 0);
	h_raise(dev[5]);
	/* The ACK goes down the ACK pipe, whose write does not fail when the
	 * daemon is gone (issue 11): the handled notification is counted,
	 * and the next intx_dispatch() finds the pipe at its end and says
	 * so - never silence. */
	r = intx_dispatch(c, T_MS);
	if (r == 1)
		r = intx_dispatch(c, T_MS);
	ck_assert_int_eq(r, -ENODEV);
	ck_assert_int_eq(ran, 1);
	ck_assert_int_eq(lost.n, 1);
	ck_assert_str_eq(lost.device, "d5");
	ck_assert_int_eq(lost.err, -EACCES);
	ck_assert_int_eq(intx_unsubscribe(c, "d5"), -ENOENT);
	/* the session itself is up on the new daemon */
	ck_assert_int_ge(intx_fd(c), 0);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* d5's handler: the device stops asserting, as its driver's would. */
static int h_lower_d5(const struct intx_event *ev, void *ran)
{
	struct simdev sd;

	(void)ev;
	ck_assert_int_eq(simdev_open(&sd, dev[5]), 0);
	ck_assert_int_eq(simdev_lower(&sd), 0);
	simdev_close(&sd);
	(*(int *)ran)++;
	return INTX_HANDLED;
}

/*
 * Each reconnection after a daemon restart asks the new daemon for an ACK
 * pipe of its own and closes the old one's two ends: the ACK of the first
 * interrupt after each restart reaches the new daemon (d5 unmasks), and
 * the client holds as many fds after the third restart as after the first.
 */
START_TEST(ack_pipe_across_restarts)
{
	struct intx_client *c;
	unsigned fds = 0;
	int ran = 0, seen, i;

	h_world(&env, "ack-timeout-ms = 0");
	c = intx_open(env.sock, "root");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d5", h_lower_d5, &ran), 0);
	for (i = 0; i < 3; i++) {
		h_daemon_stop(&env);
		h_daemon_start(&env);
		if (env.monitor >= 0)
			close(env.monitor);
		h_monitor(&env);
		h_raise(dev[5]);
		/* the first call finds the old daemon gone and reconnects */
		for (seen = ran; ran == seen;)
			ck_assert_int_ge(intx_dispatch(c, T_MS), 0);
		ck_assert_msg(h_monitor_wait(&env, INTX_EV_UNMASK, "d5", T_MS),
			      "restart %d: the ACK did not reach the new daemon", i);
		if (i == 0)
			fds = h_count_fds(0);
	}
	ck_assert_uint_eq(h_count_fds(0), fds);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* How many of pid's fds from 3 up are a pipe another of them is too (a
 * pipe's write end and a read end of it). */
static unsigned count_shared_pipes(pid_t pid)
{
	struct dirent *e;
	char dir[64], path[64 + sizeof(e->d_name)], links[64][64];
	unsigned n = 0, k = 0, i, j;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) && k < 64) {
		ssize_t len;

		if (e->d_name[0] == '.' || atoi(e->d_name) < 3)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, links[k], sizeof(links[k]) - 1);
		if (len > 0 && strncmp(links[k], "pipe:", 5) == 0)
			links[k++][len] = '\0';
	}
	closedir(d);
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			if (i != j && strcmp(links[i], links[j]) == 0) {
				n++;
				break;
			}
	return n;
}

/*
 * A driver of another uid than intxd's gets the ACK pipe too: it holds the
 * ACK pipe's write end and a read end of that pipe it opened through
 * /proc/self/fd (two fds of one pipe) - which the kernel refused to
 * a uid that may not read the pipe, so libintx dropped the ACK pipe for
 * every driver not run as root.  Its interrupts still work.
 */
START_TEST(ack_pipe_for_another_uid)
{
	struct h_client a;

	world("selective");
	ck_assert(h_client_start(&env, &a, UID_A, "a", arg[0], arg[1], NULL));
	ck_assert_uint_eq(count_shared_pipes(a.pid), 2);
	h_raise(dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	ck_assert_uint_eq(a.handled, 1);
	h_daemon_stop(&env);
}
END_TEST

/* How many fds from 3 up a program exec'd by this process holds.  It is
 * cat, looked at once it has echoed a byte: by then its dynamic loader has
 * closed what it opened (a count taken just after the exec could include
 * the loader's own fd for a library). */
static unsigned fds_after_exec(void)
{
	int in[2], out[2], st;
	unsigned n = 0;
	char c = 'x', dir[64];
	struct dirent *e;
	DIR *d;
	pid_t pid;

	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(126);
		execl("/bin/cat", "cat", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	ck_assert_int_eq(write(in[1], &c, 1), 1);
	ck_assert_int_eq(read(out[0], &c, 1), 1);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.' && atoi(e->d_name) >= 3;
	closedir(d);
	close(in[1]); /* end of file: cat exits */
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(out[0]);
	return n;
}

/*
 * A libintx client that forks and execs passes none of its connection on:
 * the socket, the notification pipe, the ACK pipe's write end and the read
 * end it holds are all close-on-exec (a program run from a driver would
 * otherwise keep the ACK pipe open after the driver is gone).
 */
START_TEST(exec_inherits_no_session_fd)
{
	struct intx_client *c;
	unsigned before;

	h_world(&env, "");
	before = fds_after_exec();
	c = intx_open(env.sock, "root");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d5", h_claim, NULL), 0);
	ck_assert_uint_eq(fds_after_exec(), before);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* intxctl says what to do when there is no daemon to talk to, and passes
 * on the daemon's own reason for a refusal. */
START_TEST(intxctl_says_why)
{
	char out[4096], want[256];
	int fd;

	h_world(&env, "max-sessions = 1");
	/* the one session allowed, so the next is refused with a reason */
	fd = h_connect(&env);
	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "status", NULL), 1);
	ck_assert_msg(strstr(out, "refused by intxd: intxd has 1 sessions, its "
			     "limit"), "%s", out);
	close(fd);
	h_daemon_stop(&env);

	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXCTL"), "--socket",
			       env.sock, "status", NULL), 1);
	/* no daemon: the socket is gone or nobody listens on it */
	snprintf(want, sizeof(want), "%s)", env.sock);
	ck_assert_msg(strstr(out, "intxctl: intxd is not running (") &&
		      strstr(out, want), "%s", out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("broker");
	TCase *t;

	t = tcase_create("routing");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, selective_routing, 0, 2);
	tcase_add_loop_test(t, broadcast_routing, 0, 2);
	tcase_add_loop_test(t, simultaneous, 0, 2);
	tcase_add_loop_test(t, raised_while_masked, 0, 2);
	tcase_add_loop_test(t, spurious, 0, 2);
	tcase_add_loop_test(t, late_subscribe, 0, 2);
	tcase_add_test(t, raised_before_start);
	suite_add_tcase(s, t);

	t = tcase_create("refusals");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, refuse_unknown_uid);
	tcase_add_test(t, refuse_unbound_device);
	tcase_add_test(t, refuse_bad_messages);
	suite_add_tcase(s, t);

	t = tcase_create("libintx");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, client_timeout_ends_session);
	tcase_add_test(t, device_lost_across_restart);
	tcase_add_test(t, ack_pipe_across_restarts);
	tcase_add_test(t, ack_pipe_for_another_uid);
	tcase_add_test(t, exec_inherits_no_session_fd);
	tcase_add_test(t, intxctl_says_why);
	suite_add_tcase(s, t);

	t = tcase_create("intxctl");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, intxctl_views);
	tcase_add_test(t, prometheus_format);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
