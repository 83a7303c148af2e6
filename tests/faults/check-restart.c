/* SPDX-License-Identifier: MIT */
/*
 * check-restart.c - the promises of `intxctl restart` (intxd(8)
 * "Restart", intxctl(8), doc/protocol.md) under the interleavings that
 * could break them: a configuration that no longer loads, an exec that
 * fails, a signal while the new image starts, an acknowledgement written
 * to the old image's ACK pipe as it executes, and many restarts in a row
 * (the daemon's fds stay flat).  The real intxd on the sim backend, real
 * intxctl and real clients; nothing sleeps to synchronise.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "intx.h"
#include "rawclient.h"
#include "simdev.h"
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

/* Forget what the daemon told the notify socket so far. */
static void notify_drain(void)
{
	char buf[512];

	while (recv(env.notify_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Wait for READY=1 (the new image's, after notify_drain()); fails if the
 * daemon exits instead. */
static void wait_ready(void)
{
	ck_assert_msg(h_notified(&env, "READY=1", T_MS), "intxd did not send READY=1");
}

static void assert_alive(void)
{
	int st = 0;

	ck_assert_msg(waitpid(env.daemon, &st, WNOHANG) == 0,
		      "intxd is gone (status 0x%x)", st);
}

/* intxctl restart, which must succeed; the same process serves after. */
static void restart_ok(void)
{
	char out[2048];

	ck_assert_msg(h_ctl(&env, out, sizeof(out), "restart", NULL) == 0, "%s", out);
	assert_alive();
}

/* A round trip on a fresh MONITOR session: every connection closed before
 * it (intxctl's, the old monitor's) is one the daemon has seen end. */
static void barrier(void)
{
	if (env.monitor >= 0)
		close(env.monitor);
	h_monitor(&env);
}

/*
 * Many restarts with a client and a monitor connected: the client is
 * served after each (it reconnected and resubscribed), the daemon is the
 * same process, and it holds as many fds after the last as after the
 * first (nothing leaks over the exec: every fd it opens is close-on-exec
 * or kept on purpose).
 */
START_TEST(fds_flat_across_restarts)
{
	struct h_client a;
	pid_t pid;
	unsigned fds = 0, now, i;

	h_world(&env, "");
	pid = env.daemon;
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	for (i = 0; i < 5; i++) {
		restart_ok();
		h_raise(env.dev[0]);
		ck_assert_msg(h_client_wait_handled(&a, i + 1, T_MS),
			      "restart %u: the client was not served", i);
		barrier();
		now = h_count_fds(pid);
		if (i == 0)
			fds = now;
		ck_assert_msg(now == fds, "restart %u: %u fds, %u after the first", i,
			      now, fds);
	}
	ck_assert_int_eq(env.daemon, pid);
	ck_assert(h_log_has(&env, "restart: executing again"));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/*
 * A configuration that no longer loads: the restart is refused with every
 * problem, before the exec, and the running daemon goes on serving (a new
 * image would have exited on it, leaving nobody on the socket).
 */
START_TEST(bad_config_refused)
{
	struct h_client a;
	char out[4096];

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\nno-such-key = 1\n"
		     "[client a]\nuid = %d\ndevices = d0, nowhere\n",
	       env.dev[0], H_UID_A);
	ck_assert_int_eq(h_ctl(&env, out, sizeof(out), "restart", NULL), 1);
	ck_assert_msg(strstr(out, "no-such-key") && strstr(out, "nowhere"),
		      "intxctl restart did not say every problem: %s", out);
	assert_alive();
	ck_assert(!h_log_has(&env, "restart: executing again"));
	/* the same session of the same daemon still serves */
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/*
 * The exec itself fails (here: intxd dropped privileges to `nobody` and
 * its binary is root's alone, mode 0700): intxctl restart says why at
 * once, and the daemon goes on as it was, its sessions and all.
 */
START_TEST(exec_fails_goes_on)
{
	struct passwd *pw = getpwnam("nobody");
	struct h_client a;
	char bin[200], out[2048], cmd[600];

	if (!pw) {
		printf("SKIP exec_fails_goes_on: no user nobody\n");
		return;
	}
	snprintf(bin, sizeof(bin), "%s/intxd-root-only", env.dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 0700 '%s'", getenv("INTXD"),
		 bin, bin);
	ck_assert_int_eq(system(cmd), 0);
	setenv("INTXD", bin, 1); /* this test's process only */
	h_world(&env, "user = nobody");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	ck_assert_int_eq(h_ctl(&env, out, sizeof(out), "restart", NULL), 1);
	ck_assert_msg(strstr(out, "Permission denied") && strstr(out, "exec"),
		      "intxctl restart did not say the exec failed: %s", out);
	assert_alive();
	ck_assert(h_log_has(&env, "going on as before"));
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	/* and it answers requests as before */
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "status", NULL) == 0, "%s", out);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

static void on_alarm(int sig)
{
	(void)sig;
}

/* Open the FIFO at fifo for writing: returns once intxd opens it to read
 * its config.  An alarm guards the wait (not a synchronisation: a daemon
 * that never reads fails the test instead of hanging it). */
static int fifo_open_writer(const char *fifo)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	int fd;

	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	alarm(T_MS / 1000);
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	alarm(0);
	ck_assert_msg(fd >= 0, "nobody read the config %s: %s", fifo, strerror(errno));
	return fd;
}

/* Write text into the FIFO's open write end fd and close it; then wait
 * (inotify watch ino on it) until the reader closed it too: the next
 * open is then the next reader's, never the same reader's again. */
static void fifo_feed(int ino, int fd, const char *text)
{
	int64_t deadline = h_now_ms() + T_MS;
	ssize_t n = write(fd, text, strlen(text));
	int err = errno;

	close(fd);
	ck_assert_msg(n == (ssize_t)strlen(text),
		      "the daemon did not read its config (write: %zd of %zu, %s)", n,
		      strlen(text), n < 0 ? strerror(err) : "short");
	for (;;) {
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		struct pollfd p = { .fd = ino, .events = POLLIN };
		int left = (int)(deadline - h_now_ms());
		ssize_t k;
		char *at;

		ck_assert_msg(left > 0 && poll(&p, 1, left) == 1,
			      "the daemon did not close its config");
		k = read(ino, buf, sizeof(buf));
		ck_assert_int_gt(k, 0);
		for (at = buf; at < buf + k;) {
			const struct inotify_event *ev = (const void *)at;

			if (ev->mask & IN_CLOSE_NOWRITE)
				return;
			at += sizeof(*ev) + ev->len;
		}
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 16384);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_gt(fread(buf, 1, 16383, f), 0);
	fclose(f);
	return buf;
}

/*
 * SIGHUP (systemctl reload) and SIGTERM while the new image starts: an
 * exec resets caught signals to their default, which for SIGHUP is to
 * terminate.  The config is a FIFO, so the test knows when the new image
 * is reading it (before it could have set up any handler; the old image
 * reads it first, to check it) and signals it then: the daemon must live,
 * and the SIGHUP must still mean a reload.
 */
/* Start intxctl CMD; its pid. */
static pid_t ctl_start(const char *cmd)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd >= 0)
			dup2(fd, 1);
		execl(getenv("INTXCTL"), "intxctl", "--socket", env.sock, cmd,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The standard world's daemon, started again on its config through the
 * FIFO fifo (env.conf names it after); returns the config's text and an
 * inotify watch on the FIFO for fifo_feed(). */
static char *world_on_fifo(char *fifo, size_t size, int *ino)
{
	char *text;
	pid_t feeder;
	int fd, st;

	h_world(&env, "");
	h_daemon_stop(&env);
	text = slurp(env.conf);
	ck_assert_int_lt(snprintf(fifo, size, "%s/conf.fifo", env.dir), (int)size);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	snprintf(env.conf, sizeof(env.conf), "%s", fifo);
	feeder = fork();
	ck_assert_int_ge(feeder, 0);
	if (feeder == 0) {
		fd = open(fifo, O_WRONLY | O_CLOEXEC);
		_exit(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : 1);
	}
	h_daemon_start(&env);
	ck_assert_int_eq(waitpid(feeder, &st, 0), feeder);
	ck_assert_int_eq(st, 0);
	*ino = inotify_init1(IN_CLOEXEC);
	ck_assert_int_ge(*ino, 0);
	ck_assert_int_ge(inotify_add_watch(*ino, fifo, IN_CLOSE_NOWRITE), 0);
	return text;
}

START_TEST(sighup_while_exec)
{
	char fifo[sizeof(env.conf)], *text;
	struct h_client a;
	pid_t re;
	int fd, st, ino;

	text = world_on_fifo(fifo, sizeof(fifo), &ino);
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));

	notify_drain();
	re = ctl_start("restart");
	/* the old image checks the config it is to restart with */
	fifo_feed(ino, fifo_open_writer(fifo), text);
	fd = fifo_open_writer(fifo); /* the new image reads it */
	ck_assert_int_eq(kill(env.daemon, SIGHUP), 0);
	fifo_feed(ino, fd, text);
	wait_ready();
	/* the SIGHUP is a reload of the new image: it reads the FIFO again
	 * (and answers intxctl only then) */
	fifo_feed(ino, fifo_open_writer(fifo), text);
	wait_ready();
	ck_assert_int_eq(waitpid(re, &st, 0), re);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "intxctl restart: 0x%x", st);
	assert_alive();
	ck_assert(h_log_has(&env, "SIGHUP: reloading"));
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));

	/* SIGTERM in the same place stops it cleanly, not by the signal */
	notify_drain();
	re = ctl_start("restart");
	fifo_feed(ino, fifo_open_writer(fifo), text);
	fd = fifo_open_writer(fifo);
	ck_assert_int_eq(kill(env.daemon, SIGTERM), 0);
	fifo_feed(ino, fd, text);
	ck_assert_int_eq(waitpid(env.daemon, &st, 0), env.daemon);
	env.daemon = -1;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "intxd did not stop cleanly (status 0x%x)", st);
	(void)waitpid(re, &st, 0);
	h_client_stop(&a);
	close(ino);
	free(text);
}
END_TEST

/* INTx Disable in the sim device's Command register. */
static bool sim_masked(const char *dir)
{
	struct simdev_state st;
	struct simdev sd;

	ck_assert_int_eq(simdev_open(&sd, dir), 0);
	ck_assert_int_eq(simdev_state(&sd, &st), 0);
	simdev_close(&sd);
	return st.masked;
}

/* A control session that sends RESTART by hand; returns its fd once the
 * DONE came. */
static int raw_restart_send(void)
{
	struct intx_msg_admin m;
	int fd = h_connect(&env);

	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_ADMIN, sizeof(m));
	m.op = INTX_ADMIN_RESTART;
	notify_drain();
	ck_assert_int_eq(wire_send(fd, &m, sizeof(m), -1, 0), 0);
	return fd;
}

/* The rest of a raw RESTART: DONE, then the end of the session at the
 * exec. */
static void raw_restart_done(int fd)
{
	unsigned char buf[INTX_MSG_MAX];
	long n = h_recv(fd, buf, sizeof(buf), T_MS);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON), INTX_MSG_DONE);
	n = h_recv(fd, buf, sizeof(buf), T_MS);
	ck_assert_msg(n == 0 || n == -ECONNRESET, "the session did not end at the exec: %ld", n);
	close(fd);
}

/* The new image's first interrupt of d5 reaches c once: c lowers and
 * acknowledges it, the daemon counts the ACK and unmasks d5, and tells c
 * nothing more.  Closes c. */
static void served_once(struct rc *c)
{
	struct intx_msg_notify n;
	struct intx_msg_device d;

	ck_assert(rc_notify(c, &n, T_MS));
	rc_lower(env.dev[5]);
	rc_ack(c, &n, n.seq, true);
	h_settle(&env, "d5", 1, &d);
	ck_assert(!(d.flags & INTX_F_MASKED));
	ck_assert(!rc_notify(c, &n, 0));
	rc_close(c);
}

/*
 * An interrupt in flight at the exec: the client's handler made the
 * device stop asserting, the restart was asked on another connection, and
 * only then the handler wrote its ACK to the old image's ACK pipe, which
 * the exec closed (an ACK written just before it may die unread alike).
 * The new image must find the device quiet and unmask it: not masked for
 * ever, and no notification for an interrupt that was handled.  The next
 * raise is delivered once, to the client that subscribed again.
 */
START_TEST(ack_in_flight_at_exec)
{
	struct intx_msg_notify n, n2;
	struct intx_msg_device d;
	struct intx_msg_ack ack;
	struct rc c;
	ssize_t k;

	h_world(&env, "ack-timeout-ms = 0");
	rc_open(&env, &c, "root");
	rc_ack_pipe(&c);
	rc_sub(&c, "d5");
	h_raise(env.dev[5]);
	ck_assert(rc_notify(&c, &n, T_MS));
	rc_lower(env.dev[5]);
	raw_restart_done(raw_restart_send());
	/* the old image has gone: its end of the pipe is closed (EPIPE) or
	 * about to be, the ACK unread */
	rc_ack_rec(&ack, &n, n.seq, true);
	k = write(c.afd, &ack, sizeof(ack));
	ck_assert_msg(k == (ssize_t)sizeof(ack) || (k < 0 && errno == EPIPE),
		      "ACK pipe: %s", strerror(errno));
	wait_ready();
	h_device(&env, "d5", &d);
	ck_assert_msg(!(d.flags & (INTX_F_MASKED | INTX_F_PENDING | INTX_F_INFLIGHT)),
		      "d5 after the restart: flags 0x%x", d.flags);
	/* and so says the device itself (its Command register) */
	ck_assert_msg(!sim_masked(env.dev[5]), "d5 stays masked after the restart");
	/* the old session ended with the exec */
	ck_assert(!rc_alive(&c));
	rc_close(&c);

	rc_open(&env, &c, "root");
	rc_sub(&c, "d5");
	ck_assert(!rc_notify(&c, &n2, 0));
	h_raise(env.dev[5]);
	served_once(&c);
	h_daemon_stop(&env);
}
END_TEST

/*
 * The same, but the handler had not run: the device still asserts at the
 * exec, unacknowledged.  The new image finds it masked and asserting and
 * holds it for its owner, who is told once it subscribes again.
 */
START_TEST(unacked_at_exec_redelivered)
{
	struct intx_msg_notify n;
	struct intx_msg_device d;
	struct rc c;

	h_world(&env, "ack-timeout-ms = 0");
	rc_open(&env, &c, "root");
	rc_sub(&c, "d5");
	h_raise(env.dev[5]);
	ck_assert(rc_notify(&c, &n, T_MS));
	raw_restart_done(raw_restart_send());
	wait_ready();
	h_device(&env, "d5", &d);
	ck_assert_msg((d.flags & (INTX_F_MASKED | INTX_F_PENDING)) ==
		      (INTX_F_MASKED | INTX_F_PENDING), "d5 after the restart: flags 0x%x",
		      d.flags);
	rc_close(&c);
	rc_open(&env, &c, "root");
	rc_sub(&c, "d5");
	served_once(&c);
	h_daemon_stop(&env);
}
END_TEST

/*
 * intxctl mask holds until intxctl unmask (intxctl(8)), also over a
 * restart: the new image must not unmask the device, nor deliver what it
 * asserted while masked; intxctl unmask does, once.
 */
START_TEST(admin_mask_across_restart)
{
	struct intx_msg_device d;
	struct h_client a;
	char out[1024];

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "mask", "d0", NULL) == 0, "%s", out);
	h_raise(env.dev[0]); /* pending in the device, masked */
	restart_ok();
	h_device(&env, "d0", &d);
	ck_assert_msg(d.flags & INTX_F_ADMIN, "d0 lost its mask: flags 0x%x", d.flags);
	ck_assert(sim_masked(env.dev[0]));
	ck_assert_uint_eq(d.raised, 0);
	ck_assert(h_log_has(&env, "still masked by the administrator"));
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "unmask", "d0", NULL) == 0, "%s", out);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/*
 * intxd dropped privileges to `user`; the config now names another user,
 * which the new image could not become (it is no longer root) and would
 * exit on.  The restart is refused before the exec, saying so.
 */
START_TEST(user_change_refused)
{
	struct h_client a;
	char out[2048], *text, *at;
	FILE *f;

	if (!getpwnam("nobody") || !getpwnam("daemon")) {
		printf("SKIP user_change_refused: no user nobody or daemon\n");
		return;
	}
	h_world(&env, "user = nobody");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	text = slurp(env.conf);
	at = strstr(text, "user = nobody");
	ck_assert_ptr_nonnull(at);
	f = fopen(env.conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%.*suser = daemon%s", (int)(at - text), text, at + strlen("user = nobody"));
	ck_assert_int_eq(fclose(f), 0);
	free(text);
	ck_assert_int_eq(h_ctl(&env, out, sizeof(out), "restart", NULL), 1);
	ck_assert_msg(strstr(out, "user"), "intxctl restart did not say why: %s", out);
	assert_alive();
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/* intxctl monitor, its output (stdout and stderr) read as a client's. */
static void monitor_start(struct h_client *m)
{
	int p[2];

	memset(m, 0, sizeof(*m));
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	m->pid = fork();
	ck_assert_int_ge(m->pid, 0);
	if (m->pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(getenv("INTXCTL"), "intxctl", "--socket", env.sock, "monitor",
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	m->out = p[0];
}

/*
 * intxctl monitor while the daemon restarts: its session ends with the
 * exec, and it connects again to the new image and goes on printing
 * (instead of exiting with 'Connection reset by peer').
 */
START_TEST(monitor_across_restart)
{
	struct h_client a, m;
	unsigned i;

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	monitor_start(&m);
	/* its MONITOR is in place once it prints an event: raise until it
	 * does (it may not have connected for the first) */
	for (i = 0;; i++) {
		ck_assert_msg(i < 20, "intxctl monitor printed nothing");
		h_raise(env.dev[0]);
		ck_assert(h_client_wait_handled(&a, i + 1, T_MS));
		if (h_client_wait_text(&m, "device=d0 ", 1000))
			break;
	}
	restart_ok();
	ck_assert_msg(h_client_wait_text(&m, "monitoring it again", T_MS),
		      "intxctl monitor did not come back: %s", m.buf);
	barrier(); /* its new MONITOR is read */
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, i + 2, T_MS));
	ck_assert_msg(h_client_wait_text(&m, "device=d0 ", T_MS),
		      "intxctl monitor printed nothing after the restart");
	h_client_stop(&m);
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/*
 * A reload whose new device does not open: documented as no error (the
 * reload goes on without it, and it is opened again on a timer), so the
 * rest is applied; but intxctl reload must say so ("reports every
 * problem"), and exits 0.
 */
START_TEST(reload_reports_unopened_device)
{
	struct h_client a;
	char out[4096], missing[200];
	const char *d6 = h_sim(&env, "d6", 11);
	unsigned i;
	FILE *f;

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	snprintf(missing, sizeof(missing), "%s/sim/nowhere", env.dir);
	f = fopen(env.conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[intxd]\nsocket = %s\nsocket-mode = 0666\n", env.sock);
	for (i = 0; i < H_NDEV; i++)
		fprintf(f, "[device d%u]\nbackend = sim\npath = %s\n", i, env.dev[i]);
	fprintf(f, "[device d6]\nbackend = sim\npath = %s\n"
		   "[device d9]\nbackend = sim\npath = %s\n"
		   "[client a]\nuid = %d\ndevices = d0, d6, d9\n", d6, missing, H_UID_A);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(h_ctl(&env, out, sizeof(out), "reload", NULL), 0);
	ck_assert_msg(strstr(out, "d9") && strstr(out, missing),
		      "intxctl reload did not say d9 did not open: '%s'", out);
	ck_assert_msg(!strstr(out, "'d6'"), "d6 opened, but: '%s'", out);
	/* the rest is applied: d6 is served, a's session lives */
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "devices", NULL) == 0 &&
		      strstr(out, "\nd6 "), "%s", out);
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/*
 * intxctl restart and intxctl CMD at once, rounds times: both succeed
 * every time and the daemon is the same process; the client is served
 * after.
 */
static void restart_with(const char *cmd, unsigned rounds)
{
	struct h_client a;
	unsigned i;

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	for (i = 0; i < rounds; i++) {
		pid_t p1 = ctl_start("restart"), p2 = ctl_start(cmd);
		int s1, s2;

		ck_assert_int_eq(waitpid(p1, &s1, 0), p1);
		ck_assert_int_eq(waitpid(p2, &s2, 0), p2);
		ck_assert_msg(WIFEXITED(s1) && WEXITSTATUS(s1) == 0 && WIFEXITED(s2) &&
			      WEXITSTATUS(s2) == 0, "round %u: intxctl restart 0x%x, %s 0x%x",
			      i, s1, cmd, s2);
		assert_alive();
	}
	h_raise(env.dev[0]);
	ck_assert(h_client_wait_handled(&a, 1, T_MS));
	h_client_stop(&a);
	h_daemon_stop(&env);
}

/*
 * Two intxctl restart at once, a few times: the second is answered by the
 * old image (DONE), or finds it gone at the exec before its answer came,
 * or is answered by the new one; it succeeds in every case, as the daemon
 * did restart.
 */
START_TEST(two_restarts_at_once)
{
	restart_with("restart", 4);
}
END_TEST

/*
 * intxctl reload while intxctl restart runs, a few times: the reload is
 * answered by the old image, or by the new one, or its session ends with
 * the exec before the answer; in that case it asks the new image (a
 * reload is the same whoever does it).
 */
START_TEST(reload_during_restart)
{
	restart_with("reload", 6);
}
END_TEST

static int h_none(const struct intx_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return INTX_NONE;
}

/*
 * A driver that starts (intx_open) while intxd restarts, again and again:
 * a connection the old image accepted but did not answer before its exec
 * is hung up on, and intx_open must then ask the new image on the same
 * socket rather than fail.  Every intx_open succeeds.
 */
START_TEST(open_during_restarts)
{
	struct intx_client *c;
	unsigned opened = 0;
	pid_t re;
	int st;

	h_world(&env, "");
	re = fork();
	ck_assert_int_ge(re, 0);
	if (re == 0) {
		int i, ok = 1;

		for (i = 0; i < 6 && ok; i++) {
			pid_t p = ctl_start("restart");

			ok = waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
		}
		_exit(ok ? 0 : 1);
	}
	while (waitpid(re, &st, WNOHANG) == 0) {
		int r;

		c = intx_open(env.sock, "root");
		ck_assert_msg(c != NULL, "intx_open during a restart: %s (after %u)",
			      intx_strerror(-errno), opened);
		r = intx_subscribe(c, "d5", h_none, NULL);
		ck_assert_msg(r == 0, "intx_subscribe during a restart: %s (after %u)",
			      intx_strerror(r), opened);
		intx_close(c);
		opened++;
	}
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "intxctl restart failed");
	printf("open_during_restarts: %u intx_open() across 6 restarts\n", opened);
	assert_alive();
	h_daemon_stop(&env);
}
END_TEST

/* d5's handler: the device stops asserting, as its driver's would. */
static int h_lower_d5(const struct intx_event *ev, void *arg)
{
	(void)ev;
	rc_lower(env.dev[5]);
	(*(int *)arg)++;
	return INTX_HANDLED;
}

/*
 * intx_subscribe while the daemon is away (a restart between two calls
 * of a driver's start-up): the library reconnects and resubscribes what
 * it has, so it takes this one too, and the next intx_dispatch() makes
 * it; not -ENOTCONN, which no caller could act on.
 */
START_TEST(subscribe_while_away)
{
	struct intx_client *c;
	int ran = 0;
	int64_t end;

	h_world(&env, "ack-timeout-ms = 0");
	c = intx_open(env.sock, "root");
	ck_assert_ptr_nonnull(c);
	h_daemon_stop(&env);
	ck_assert_int_eq(intx_dispatch(c, 0), -ENOTCONN); /* it saw it go */
	ck_assert_int_eq(intx_subscribe(c, "d5", h_lower_d5, &ran), 0);
	h_daemon_start(&env);
	h_raise(env.dev[5]);
	/* (a guard: without it a lost interrupt hangs until Check's time-out) */
	end = h_now_ms() + T_MS;
	while (!ran) {
		ck_assert_msg(h_now_ms() < end, "d5's interrupt never reached the handler");
		ck_assert_int_ge(intx_dispatch(c, T_MS), 0);
	}
	ck_assert_int_eq(ran, 1);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/*
 * SIGTERM (systemctl stop) while a restart is under way, before its exec:
 * here while the old image checks the config (a FIFO, so the test knows).
 * The stop must win: intxd exits 0 rather than executing itself again
 * with the SIGTERM forgotten.
 */
START_TEST(sigterm_before_exec_stops)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char fifo[sizeof(env.conf)], *text;
	pid_t re;
	int fd, st, ino;

	text = world_on_fifo(fifo, sizeof(fifo), &ino);
	re = ctl_start("restart");
	fd = fifo_open_writer(fifo); /* the old image checks it */
	ck_assert_int_eq(kill(env.daemon, SIGTERM), 0);
	fifo_feed(ino, fd, text);
	/* a time-out guard, not a synchronisation: a daemon that restarted
	 * instead waits for its config for ever */
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0); /* no SA_RESTART */
	alarm(T_MS / 1000);
	ck_assert_msg(waitpid(env.daemon, &st, 0) == env.daemon,
		      "intxd did not stop: it executed itself again instead");
	alarm(0);
	env.daemon = -1;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "intxd did not stop cleanly (status 0x%x)", st);
	(void)waitpid(re, &st, 0);
	close(ino);
	free(text);
}
END_TEST

/*
 * A SIGHUP storm (as fast as kill(2) goes) while a client is served and
 * three restarts happen: the daemon lives, reloads, serves, and still
 * stops cleanly on SIGTERM.
 */
START_TEST(sighup_storm)
{
	struct h_client a;
	pid_t storm, drain;
	unsigned i;
	int st, go[2];

	h_world(&env, "");
	ck_assert(h_client_start(&env, &a, H_UID_A, "a", env.arg[0], NULL));
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	storm = fork();
	ck_assert_int_ge(storm, 0);
	if (storm == 0) {
		struct pollfd p = { .fd = go[0], .events = POLLIN };

		close(go[1]);
		/* until the test closes its end */
		while (poll(&p, 1, 0) == 0)
			if (kill(env.daemon, SIGHUP) < 0)
				_exit(1);
		_exit(0);
	}
	close(go[0]);
	/* every reload says RELOADING=1 and READY=1: a full notify socket
	 * would block the daemon (the service manager reads its own) */
	drain = fork();
	ck_assert_int_ge(drain, 0);
	if (drain == 0) {
		char buf[512];

		close(go[1]);
		while (recv(env.notify_fd, buf, sizeof(buf), 0) >= 0 || errno == EINTR)
			;
		_exit(0);
	}
	for (i = 0; i < 9; i++) {
		h_raise(env.dev[0]);
		ck_assert(h_client_wait_handled(&a, i + 1, T_MS));
		if (i % 3 == 2)
			restart_ok();
	}
	close(go[1]);
	ck_assert_int_eq(waitpid(storm, &st, 0), storm);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "kill failed: the daemon died");
	kill(drain, SIGKILL);
	ck_assert_int_eq(waitpid(drain, &st, 0), drain);
	assert_alive();
	ck_assert(h_log_has(&env, "SIGHUP: reloading"));
	h_client_stop(&a);
	h_daemon_stop(&env);
}
END_TEST

/* The configuration with d0 alone at path (a path with no sim: it fails
 * to open), bound to client a. */
static void conf_d0(const char *path)
{
	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[client a]\nuid = %d\ndevices = d0\n", path, H_UID_A);
}

/*
 * intxctl mask holds across a reload and a restart alike (intxctl(8)),
 * also for a device that failed to open meanwhile: a reload keeps the
 * mask of the failed device for when it opens again, and so must a
 * restart, which carries the masks over the exec.
 */
START_TEST(admin_mask_of_failed_device_across_restart)
{
	const char *d0 = h_sim(&env, "d0", 11);
	struct intx_msg_device d;
	char out[1024], missing[200];

	snprintf(missing, sizeof(missing), "%s/sim/nowhere", env.dir);
	conf_d0(d0);
	h_daemon_start(&env);
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "mask", "d0", NULL) == 0, "%s", out);
	conf_d0(missing);
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "reload", NULL) == 0, "%s", out);
	h_device(&env, "d0", &d);
	ck_assert_msg((d.flags & (INTX_F_FAILED | INTX_F_ADMIN)) ==
			      (INTX_F_FAILED | INTX_F_ADMIN),
		      "d0 not failed and masked after the reload: flags 0x%x", d.flags);
	restart_ok();
	conf_d0(d0);
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "reload", NULL) == 0, "%s", out);
	h_device(&env, "d0", &d);
	ck_assert_msg(!(d.flags & INTX_F_FAILED), "d0 did not open again: flags 0x%x",
		      d.flags);
	ck_assert_msg(d.flags & INTX_F_ADMIN, "d0 lost its mask: flags 0x%x", d.flags);
	ck_assert(sim_masked(d0));
	h_daemon_stop(&env);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("restart");
	TCase *t = tcase_create("restart");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, fds_flat_across_restarts);
	tcase_add_test(t, bad_config_refused);
	tcase_add_test(t, exec_fails_goes_on);
	tcase_add_test(t, sighup_while_exec);
	tcase_add_test(t, ack_in_flight_at_exec);
	tcase_add_test(t, unacked_at_exec_redelivered);
	tcase_add_test(t, admin_mask_across_restart);
	tcase_add_test(t, two_restarts_at_once);
	tcase_add_test(t, user_change_refused);
	tcase_add_test(t, monitor_across_restart);
	tcase_add_test(t, reload_reports_unopened_device);
	tcase_add_test(t, reload_during_restart);
	tcase_add_test(t, open_during_restarts);
	tcase_add_test(t, subscribe_while_away);
	tcase_add_test(t, sigterm_before_exec_stops);
	tcase_add_test(t, sighup_storm);
	suite_add_tcase(s, t);
	t = tcase_create("masks");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, admin_mask_of_failed_device_across_restart);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
