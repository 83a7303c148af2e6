/* SPDX-License-Identifier: MIT */
/*
 * check-spin.c - the promises about spin-before-block and placement
 * (issue 11) attacked with the real daemon and real libintx clients: what
 * a spinning intxd must still do (its timers, signals, control requests,
 * new sessions), that an idle one does not spin, spin-us's bounds, that
 * cpu = LIST gives clients and the log the CPUs the kernel really gave,
 * and what intx_set_spin() must keep of intx_dispatch()'s promises (its
 * time-out, EINTR, a revoked device, a session without a pipe).  How much
 * sooner spinning delivers is the bench's business: nothing here is a
 * latency.  The figures measured are CPU time (the daemon's over an idle
 * second, bounded at about five times what its ticks cost and well below
 * what spinning after them burnt; the client thread's, which a busy
 * machine can only make smaller) and voluntary context switches.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "intx.h"
#include "simdev.h"

#define T_MS 10000

static struct h_env env;
static const char *dev0, *dev1;
static char extra[300]; /* a further config section (a device), or "" */

static void setup(void)
{
	h_setup(&env);
	dev0 = h_sim(&env, "d0", 11);
	dev1 = h_sim(&env, "d1", 10); /* another line */
	extra[0] = 0;
}

static void teardown(void)
{
	h_teardown(&env);
}

/* d0 (IRQ 11) for client "burst", d1 (IRQ 10) for client "stuck"; keys
 * go into [intxd], stuck_keys into [client stuck]; then extra. */
static void conf(const char *keys, const char *stuck_keys)
{
	h_conf(&env, "%s\n[device d0]\nbackend = sim\npath = %s\n"
	       "[device d1]\nbackend = sim\npath = %s\n"
	       "[client burst]\nuid = 0\ndevices = d0\n"
	       "[client stuck]\nuid = 0\ndevices = d1\n%s\n%s",
	       keys, dev0, dev1, stuck_keys, extra);
}

/* The daemon's time on a CPU so far, in ns (schedstat's first field). */
static uint64_t runtime_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%llu", &ns), 1);
	fclose(f);
	return ns;
}

/* Read what the daemon sends to our NOTIFY_SOCKET (WATCHDOG=1) for ms:
 * left unread, its queue would fill and the daemon block in sd_notify(),
 * which would look like a daemon that does not spin.  Returns how many. */
static unsigned drain_notify(int ms)
{
	int64_t end = h_now_ms() + ms;
	unsigned n = 0;
	char buf[512];

	for (;;) {
		struct pollfd p = { .fd = env.notify_fd, .events = POLLIN };
		int64_t left = end - h_now_ms();

		if (left <= 0)
			return n;
		if (poll(&p, 1, (int)left) > 0 &&
		    recv(env.notify_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			n++;
	}
}

static int lower(const struct intx_event *ev, void *arg)
{
	(void)ev;
	ck_assert_int_eq(simdev_lower(arg), 0);
	return INTX_HANDLED;
}

static int hold(const struct intx_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return INTX_HANDLED;
}

/* One interrupt of d0 handled by a spinning client, acknowledged. */
static void one_interrupt(void)
{
	struct intx_msg_device rec;
	struct intx_client *c = intx_open(env.sock, "burst");
	struct simdev sd;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_set_spin(c, 1000), 0);
	ck_assert_int_eq(simdev_open(&sd, dev0), 0);
	ck_assert_int_eq(intx_subscribe(c, "d0", lower, &sd), 0);
	ck_assert_int_eq(simdev_raise(&sd), 0);
	ck_assert_int_eq(intx_dispatch(c, T_MS), 1);
	h_settle(&env, "d0", 1, &rec);
	intx_close(c);
	simdev_close(&sd);
}

/*
 * An idle daemon does not spin: with spin-us = 1000, a watchdog tick
 * every 2 ms (WATCHDOG_USEC = 4 ms) and cpu = irq's follow timer, a loop
 * that spun after every wakeup would be on a CPU half of an idle second;
 * the ticks alone cost a few ms.  (The spinning after an interrupt is
 * check-loop's, on a fake clock.)
 */
START_TEST(idle_does_not_spin)
{
	uint64_t before, used;
	unsigned ticks;

	conf("spin-us = 1000\ncpu = irq", "");
	setenv("WATCHDOG_USEC", "4000", 1);
	h_daemon_start(&env);
	unsetenv("WATCHDOG_USEC");
	one_interrupt();
	before = runtime_ns(env.daemon);
	ticks = drain_notify(1000);
	used = runtime_ns(env.daemon) - before;
	printf("idle_does_not_spin: %u watchdog ticks, %llu us on a CPU in an idle second\n",
	       ticks, (unsigned long long)(used / 1000));
	/* the watchdog did tick: this measured something */
	ck_assert_uint_ge(ticks, 10);
	/* (under valgrind, INTXD_REAL, the ticks cost what they cost there) */
	ck_assert_msg(getenv("INTXD_REAL") || used < 100000000ull,
		      "an idle spin-us = 1000 daemon ran %llu us of an idle second",
		      (unsigned long long)(used / 1000));
	h_daemon_stop(&env);
}
END_TEST

/*
 * spin-us = waits for a driver's burst: a control session asking (intxctl
 * status in a loop, a dashboard polling stats) is no reason to keep a CPU
 * busy.  50 STATUS queries 3 ms apart (a gap that is the scenario, a
 * dashboard polling, not a wait for anything): a daemon that spun 1000 us
 * after each ran about 50 ms; one that does not, about 1.
 */
START_TEST(control_does_not_spin)
{
	unsigned char buf[INTX_MSG_MAX];
	uint64_t before, used;
	int fd, i;

	conf("spin-us = 1000", "");
	h_daemon_start(&env);
	fd = h_connect(&env);
	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	before = runtime_ns(env.daemon);
	for (i = 0; i < 50; i++) {
		struct timespec gap = { 0, 3000000 };

		(void)nanosleep(&gap, NULL);
		h_query(fd, INTX_Q_STATUS);
		ck_assert_int_gt(h_recv(fd, buf, sizeof(buf), 5000), 0);
		ck_assert_int_eq(((struct intx_hdr *)buf)->type, INTX_MSG_STATUS);
		ck_assert_int_gt(h_recv(fd, buf, sizeof(buf), 5000), 0);
		ck_assert_int_eq(((struct intx_hdr *)buf)->type, INTX_MSG_LIST_END);
	}
	used = runtime_ns(env.daemon) - before;
	printf("control_does_not_spin: %llu us on a CPU for 50 STATUS queries\n",
	       (unsigned long long)(used / 1000));
	ck_assert_msg(getenv("INTXD_REAL") || used < 25000000ull,
		      "a spin-us = 1000 daemon ran %llu us for 50 control requests",
		      (unsigned long long)(used / 1000));
	close(fd);
	h_daemon_stop(&env);
}
END_TEST

/* The burst: a child that raises d0 again as soon as it has handled it,
 * as client "burst" spinning 1000 us, until stop is closed.  It keeps a
 * spinning daemon from ever blocking (loop.h: it spins until spin-us
 * passes without an interrupt or ACK). */
static pid_t burst_start(int *stop_w)
{
	int stop[2], go[2];
	pid_t pid;
	char b;

	ck_assert_int_eq(pipe(stop), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct intx_client *c = intx_open(env.sock, "burst");
		struct pollfd p = { .fd = stop[0], .events = POLLIN };
		struct simdev sd;
		unsigned n = 0;

		close(stop[1]);
		close(go[0]);
		if (!c || intx_set_spin(c, 1000) < 0 || simdev_open(&sd, dev0) < 0 ||
		    intx_subscribe(c, "d0", lower, &sd) < 0)
			_exit(2);
		while (poll(&p, 1, 0) == 0) {
			/* (fails once SIGTERM took the daemon: no matter) */
			(void)simdev_raise(&sd);
			if (intx_dispatch(c, 100) > 0 && ++n == 10)
				(void)!write(go[1], "g", 1);
		}
		_exit(0);
	}
	close(stop[0]);
	close(go[1]);
	/* it has handled ten: the burst is on */
	ck_assert_int_eq(read(go[0], &b, 1), 1);
	close(go[0]);
	*stop_w = stop[1];
	return pid;
}

static void burst_stop(pid_t pid, int stop_w)
{
	int st;

	close(stop_w);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "burst child: 0x%x", st);
}

/* A session's end, seen by its client: its notification pipe (intx_fd)
 * hangs up.  *notified: a notification came first. */
static bool hung_up(struct intx_client *c, int timeout_ms, bool *notified)
{
	struct pollfd p = { .fd = intx_fd(c), .events = POLLIN };
	int64_t end = h_now_ms() + timeout_ms;

	ck_assert_int_ge(p.fd, 0);
	*notified = false;
	while (h_now_ms() < end) {
		if (poll(&p, 1, (int)(end - h_now_ms())) < 0)
			return false;
		if (p.revents & (POLLHUP | POLLERR))
			return true;
		if (p.revents & POLLIN) {
			/* the NOTIFY it will never acknowledge: wait on for
			 * the hang-up alone */
			*notified = true;
			p.events = 0;
		}
	}
	return false;
}

/*
 * While a burst keeps the daemon spinning without a pause, everything
 * else it owes is still done: an interrupt of another line, that client's
 * ack deadline (policy drop: its session ends), intxctl status and reload
 * (to a new spin-us), a new session, the retry that opens a failed device
 * once it is there (the service manager hears of it), SIGHUP, and
 * SIGTERM - and the burst (whose every ACK comes while the daemon spins)
 * is served all along.
 */
START_TEST(serves_while_spinning)
{
	struct intx_msg_device r0, r1;
	struct intx_client *stuck, *late;
	uint64_t handled0;
	bool notified;
	char out[4096];
	int stop;
	pid_t burst;

	/* d2's sim device is made only during the burst: it starts failed */
	snprintf(extra, sizeof(extra), "[device d2]\nbackend = sim\npath = %s/sim/d2\n",
		 env.dir);
	conf("spin-us = 1000", "ack-timeout-ms = 100\nack-timeout-policy = drop\n");
	h_daemon_start(&env);
	ck_assert_msg(strstr(env.ready, ", 1 failed"), "%s", env.ready);
	stuck = intx_open(env.sock, "stuck");
	ck_assert_ptr_nonnull(stuck);
	ck_assert_int_eq(intx_subscribe(stuck, "d1", hold, NULL), 0);
	burst = burst_start(&stop);
	h_device(&env, "d0", &r0);
	handled0 = r0.handled;

	/* d1's client is notified, never acknowledges: the deadline ends
	 * its session */
	h_raise(dev1);
	ck_assert_msg(hung_up(stuck, T_MS, &notified), "no ack deadline while spinning");
	ck_assert_msg(notified, "d1 (another line) was not notified");
	h_device(&env, "d1", &r1);
	ck_assert_uint_eq(r1.timeouts, 1);
	ck_assert(h_log_has(&env, "ends: acknowledgement time-out"));

	/* control requests are answered, a reload is applied */
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "status", NULL) == 0, "%s", out);
	conf("spin-us = 500", "");
	ck_assert_msg(h_ctl(&env, out, sizeof(out), "reload", NULL) == 0, "%s", out);
	/* a new session is let in */
	late = intx_open(env.sock, "stuck");
	ck_assert_ptr_nonnull(late);
	ck_assert_int_eq(intx_subscribe(late, "d1", hold, NULL), 0);
	intx_close(late);

	/* the failed device is opened again by the retry timer */
	h_sim(&env, "d2", 12);
	ck_assert_msg(h_notified(&env, "STATUS=serving 3 device(s)", 30000),
		      "d2 was not opened again while spinning");
	/* SIGHUP reloads, here to a config without d2 */
	extra[0] = 0;
	conf("spin-us = 1000", "");
	ck_assert_int_eq(kill(env.daemon, SIGHUP), 0);
	ck_assert_msg(h_notified(&env, "STATUS=serving 2 device(s)", T_MS),
		      "no reload on SIGHUP while spinning");

	/* the burst went on all along */
	h_device(&env, "d0", &r0);
	ck_assert_uint_gt(r0.handled, handled0);
	/* SIGTERM in the middle of it: a clean stop */
	h_daemon_stop(&env);
	burst_stop(burst, stop);
	intx_close(stuck);
}
END_TEST

/* spin-us out of 0..1000 is a config error, not clamped or wrapped. */
START_TEST(spin_us_bounds)
{
	static const char *const bad[] = { "1001", "-1", "4294967296",
					   "18446744073709551616", "1e3", "" };
	char out[4096], keys[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(keys, sizeof(keys), "spin-us = %s", bad[i]);
		conf(keys, "");
		ck_assert_msg(h_run(out, sizeof(out), getenv("INTXD"), "-c", env.conf,
				    "--check-config", (char *)NULL) == 1,
			      "spin-us = %s accepted: %s", bad[i], out);
		ck_assert_msg(strstr(out, "spin-us"), "%s", out);
	}
	conf("spin-us = 1000", "");
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXD"), "-c", env.conf,
			       "--check-config", (char *)NULL), 0);
	conf("spin-us = 0", "");
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXD"), "-c", env.conf,
			       "--check-config", (char *)NULL), 0);
}
END_TEST

static cpu_set_t affinity(pid_t pid)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	ck_assert_int_eq(sched_getaffinity(pid, sizeof(s), &s), 0);
	return s;
}

/*
 * cpu = a list of which only some CPUs are online and allowed (here: the
 * last CPU this test may use, and the first it may not: offline, absent
 * or outside its cpuset).  The kernel pins intxd to the usable ones; the
 * clients' hint and the log must say those, not the list as written -
 * a driver would pin itself to a CPU the daemon does not run on.
 */
START_TEST(list_partly_usable)
{
	cpu_set_t orig = affinity(0), want, got;
	struct intx_client *c;
	char keys[64], text[64];
	int last = -1, off = -1, i;

	for (i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &orig))
			last = i;
		else if (off < 0)
			off = i;
	}
	ck_assert_int_ge(last, 0);
	ck_assert_int_ge(off, 0);
	snprintf(keys, sizeof(keys), "cpu = %d,%d", last, off);
	conf(keys, "");
	h_daemon_start(&env);
	CPU_ZERO(&want);
	CPU_SET(last, &want);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &want), "intxd not on CPU %d alone", last);

	c = intx_open(env.sock, "burst");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d0", hold, NULL), 0);
	ck_assert_int_eq(intx_cpu(c, "d0", &got), 0);
	ck_assert_msg(CPU_EQUAL(&got, &want), "intx_cpu(): %d CPUs, not CPU %d",
		      CPU_COUNT(&got), last);
	intx_close(c);
	snprintf(text, sizeof(text), "running on CPU(s) %d (cpu =)", last);
	ck_assert_msg(h_log_has(&env, text), "the log does not say '%s'", text);
	h_daemon_stop(&env);
}
END_TEST

/* The calling thread's CPU time, in us. */
static int64_t thread_cpu_us(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A client spinning 1000 us, subscribed to d0 (nothing raised). */
static struct intx_client *spinner(void)
{
	struct intx_client *c;

	conf("", "");
	h_daemon_start(&env);
	c = intx_open(env.sock, "burst");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_set_spin(c, 1000), 0);
	ck_assert_int_eq(intx_subscribe(c, "d0", hold, NULL), 0);
	return c;
}

/*
 * intx_dispatch(c, 0) does not wait, and so does not spin either
 * (libintx(3): only a call that may wait spins); a time-out shorter than
 * the spin is the spin's bound.  CPU time, not wall time: a thread that
 * is not running is not spinning, so a busy machine can only make these
 * smaller.  Twenty spins of 1000 us would be 20000 us.
 */
START_TEST(timeout_bounds_the_spin)
{
	struct intx_client *c = spinner();
	int64_t cpu;
	int i;

	cpu = thread_cpu_us();
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(intx_dispatch(c, 0), 0);
	cpu = thread_cpu_us() - cpu;
	ck_assert_msg(cpu < 5000, "20 x intx_dispatch(c, 0) spun %lld us", (long long)cpu);

	/* time-outs of 1 ms: at most 1 ms of spin each */
	cpu = thread_cpu_us();
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(intx_dispatch(c, 1), 0);
	cpu = thread_cpu_us() - cpu;
	ck_assert_msg(cpu < 5 * 1000 + 2000, "5 x intx_dispatch(c, 1) ran %lld us",
		      (long long)cpu);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* The wait after the spin still ends with a signal (libintx(3): EINTR);
 * the signal comes long after the spin. */
static void on_alarm(int sig)
{
	(void)sig;
}

START_TEST(signal_after_spin)
{
	struct intx_client *c = spinner();
	const struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */

	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_assert_int_eq(intx_dispatch(c, -1), -EINTR);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_assert_int_eq(intx_dispatch(c, 60000), -EINTR);
	signal(SIGALRM, SIG_DFL);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* A device taken away (reload) while its client spins and waits: the
 * client hears of it at once (ENODEV), not at its time-out. */
START_TEST(revoked_while_waiting)
{
	struct intx_client *c = spinner();
	char out[4096];
	pid_t pid;
	int st;

	/* the config without d0 for burst, reloaded by a child meanwhile */
	h_conf(&env, "[device d1]\nbackend = sim\npath = %s\n"
	       "[client burst]\nuid = 0\ndevices = d1\n", dev1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(h_ctl(&env, out, sizeof(out), "reload", NULL));
	ck_assert_int_eq(intx_dispatch(c, 60000), -ENODEV);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* Voluntary context switches of the calling thread: a wait that slept. */
static long slept(void)
{
	struct rusage ru;

	ck_assert_int_eq(getrusage(RUSAGE_THREAD, &ru), 0);
	return ru.ru_nvcsw;
}

/* intx_dispatch(c, 1) with a spin of 1000 us spins up to its 1 ms
 * deadline and then does not sleep: no voluntary context switch.  (A
 * thread preempted meanwhile switches involuntarily, which is not
 * counted: this holds on a busy machine too.) */
static void spins_to_deadline(struct intx_client *c, const char *what)
{
	long before = slept();

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(intx_dispatch(c, 1), 0);
	ck_assert_msg(slept() == before, "%s: intx_dispatch(c, 1) slept %ld times "
		      "instead of spinning", what, slept() - before);
}

/*
 * A session without a notification pipe (the daemon was out of fds: its
 * notifications come on the socket, intxd(8)) spins like any other:
 * intx_set_spin() is the client's, not the pipe's.  The daemon is given
 * 40 fds and as many control sessions as leave it one for our connection
 * and none for its pipe.
 */
START_TEST(no_pipe_still_spins)
{
	struct intx_client *c;
	struct simdev sd;
	int fds[48], n = 0;

	env.nofile = 40;
	/* a client with its pipe: the measure holds */
	c = spinner();
	spins_to_deadline(c, "with a pipe");
	intx_close(c);

	if (getenv("INTXD_REAL")) {
		/* valgrind keeps fds of its own below the limit: the count
		 * below would not leave the daemon one */
		h_daemon_stop(&env);
		return;
	}
	/* each WELCOME says the daemon holds that connection's fd */
	while (h_count_fds(env.daemon) < env.nofile - 1) {
		ck_assert_int_lt(n, 48);
		fds[n] = h_connect(&env);
		ck_assert_int_eq(h_hello(fds[n], INTX_ROLE_CONTROL, NULL), INTX_MSG_WELCOME);
		n++;
	}
	c = intx_open(env.sock, "burst");
	ck_assert_ptr_nonnull(c);
	ck_assert(h_log_has(&env, "no notification pipe"));
	ck_assert_int_eq(intx_set_spin(c, 1000), 0);
	ck_assert_int_eq(simdev_open(&sd, dev0), 0);
	ck_assert_int_eq(intx_subscribe(c, "d0", lower, &sd), 0);
	spins_to_deadline(c, "on the socket");
	/* and its notifications come */
	ck_assert_int_eq(simdev_raise(&sd), 0);
	ck_assert_int_eq(intx_dispatch(c, T_MS), 1);
	simdev_close(&sd);
	intx_close(c);
	while (n > 0)
		close(fds[--n]);
	h_daemon_stop(&env);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("spin");
	TCase *t = tcase_create("daemon");
	TCase *p = tcase_create("placement");
	TCase *l = tcase_create("libintx");

	tcase_set_timeout(t, 120);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, idle_does_not_spin);
	tcase_add_test(t, control_does_not_spin);
	tcase_add_test(t, serves_while_spinning);
	tcase_add_test(t, spin_us_bounds);
	suite_add_tcase(s, t);

	tcase_set_timeout(p, 120);
	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_test(p, list_partly_usable);
	suite_add_tcase(s, p);

	tcase_set_timeout(l, 120);
	tcase_add_checked_fixture(l, setup, teardown);
	tcase_add_test(l, timeout_bounds_the_spin);
	tcase_add_test(l, signal_after_spin);
	tcase_add_test(l, revoked_while_waiting);
	tcase_add_test(l, no_pipe_still_spins);
	suite_add_tcase(s, l);
	return s;
}

int main(void)
{
	return check_run(suite());
}
