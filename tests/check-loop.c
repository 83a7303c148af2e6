/* SPDX-License-Identifier: MIT */
/*
 * check-loop.c - intxd's event loop (loop.c) and spin-us, in one process
 * on a real libevent base and a fake now_ns() (this file's, linked before
 * libintxd.a, which then leaves clock.c out).  The fake clock moves
 * SPIN_STEP_NS at every read, and a read is one turn of the spin: so the
 * spin's length is counted in reads, with no timing in the test.  A burst
 * is fed by the clock itself: its next event is written to a pipe when
 * the fake time reaches it, so an event comes only while the loop spins;
 * a loop that blocks instead sees no more of the burst, and a real-time
 * timer (a guard, long) ends the run once the clock stood still.
 */
#include <check.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "loop.h"

#define SPIN_STEP_NS 10000u /* 10 us per clock read */

static struct {
	uint64_t now;
	unsigned reads;
	int pipe[2];
	uint64_t next_at; /* the burst's next event, fake time; 0: none */
	uint64_t gap_ns;  /* between the burst's events */
	unsigned left;    /* events of the burst still to come */
	unsigned served;
	unsigned reads_at_last; /* reads when the last event was served */
	struct daemon d;
	struct conf conf;
} t;

uint64_t now_ns(void)
{
	uint64_t at = t.now;

	t.now += SPIN_STEP_NS;
	t.reads++;
	if (t.left > 0 && t.next_at && t.now >= t.next_at) {
		ck_assert_int_eq(write(t.pipe[1], "x", 1), 1);
		t.next_at = 0;
	}
	return at;
}

/* An interrupt, as device.c's callback serves it: loop_busy(), then the
 * work; the next of the burst is due gap_ns of fake time later. */
static void on_event(evutil_socket_t fd, short what, void *arg)
{
	char c;

	(void)what;
	(void)arg;
	ck_assert_int_eq(read(fd, &c, 1), 1);
	loop_busy(&t.d);
	t.served++;
	t.reads_at_last = t.reads;
	if (t.left > 0 && --t.left > 0)
		t.next_at = t.now + t.gap_ns;
}

/* The guard: the loop is asleep when the fake clock was not read since
 * its last firing (a loop that spins reads it); then the run is over.  A
 * test preempted in the middle of a burst goes on. */
static unsigned guard_reads;
static const struct timeval guard_tv = { 0, 200000 };
static struct event *ev_guard;

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (t.reads != guard_reads) {
		guard_reads = t.reads;
		ck_assert_int_eq(evtimer_add(ev_guard, &guard_tv), 0);
		return;
	}
	event_base_loopexit(arg, NULL);
}

static struct event *ev_pipe;

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	t.now = 1000000000000ull;
	ck_assert_int_eq(pipe(t.pipe), 0);
	t.d.base = event_base_new();
	ck_assert_ptr_nonnull(t.d.base);
	t.d.conf = &t.conf;
	ev_pipe = event_new(t.d.base, t.pipe[0], EV_READ | EV_PERSIST, on_event, NULL);
	ck_assert_int_eq(event_add(ev_pipe, NULL), 0);
	ev_guard = evtimer_new(t.d.base, on_guard, t.d.base);
	guard_reads = ~0u;
}

static void teardown(void)
{
	event_free(ev_pipe);
	event_free(ev_guard);
	event_base_free(t.d.base);
	close(t.pipe[0]);
	close(t.pipe[1]);
}

/* Start a burst of n events gap_us apart and run the loop until the
 * guard (real time) ends it. */
static void run_burst(unsigned n, unsigned gap_us)
{
	t.left = n;
	t.gap_ns = (uint64_t)gap_us * 1000u;
	ck_assert_int_eq(write(t.pipe[1], "x", 1), 1);
	ck_assert_int_eq(evtimer_add(ev_guard, &guard_tv), 0);
	ck_assert_int_eq(loop_run(&t.d), 0);
}

/* Events 60 us apart with spin-us = 100: each comes while the loop spins
 * after the one before, so the whole burst is served awake ("a burst's
 * next interrupt then finds the daemon awake", intxd.conf(5)); and after
 * the last one the loop spins spin-us more, no longer. */
START_TEST(burst_keeps_it_spinning)
{
	t.conf.spin_us = 100;
	run_burst(20, 60);
	ck_assert_uint_eq(t.served, 20);
	/* 100 us of 10 us reads after the last event, then it blocks */
	ck_assert_uint_le(t.reads - t.reads_at_last, 100 / 10 + 2);
	ck_assert_uint_ge(t.reads - t.reads_at_last, 100 / 10);
}
END_TEST

/* Without spin-us the loop blocks after every wakeup: the second event,
 * due only while it would spin, never comes. */
START_TEST(no_spin_blocks_at_once)
{
	t.conf.spin_us = 0;
	run_burst(20, 60);
	ck_assert_uint_eq(t.served, 1);
	ck_assert_uint_eq(t.reads, 0);
}
END_TEST

/* An event later than spin-us after the last one finds the loop asleep. */
START_TEST(gap_longer_than_spin_blocks)
{
	t.conf.spin_us = 100;
	run_burst(20, 150);
	ck_assert_uint_eq(t.served, 1);
}
END_TEST

/* A timer's wakeup alone (the watchdog, linewatch, placement follow, a
 * deadline with nothing else) is no burst: the loop goes back to sleep
 * without spinning, or an idle daemon would burn spin-us after each tick. */
static unsigned tick_reads[3];
static unsigned nticks;

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	const struct timeval again = { 0, 1000 };

	(void)fd;
	(void)what;
	(void)arg;
	tick_reads[nticks++] = t.reads;
	if (nticks < 3)
		evtimer_add(ev_guard, &again);
	else
		event_base_loopexit(t.d.base, NULL);
}

START_TEST(timers_alone_do_not_spin)
{
	const struct timeval first = { 0, 1000 };

	t.conf.spin_us = 1000;
	nticks = 0;
	event_free(ev_guard);
	ev_guard = evtimer_new(t.d.base, on_tick, NULL);
	ck_assert_int_eq(evtimer_add(ev_guard, &first), 0);
	ck_assert_int_eq(loop_run(&t.d), 0);
	ck_assert_uint_eq(nticks, 3);
	ck_assert_uint_eq(tick_reads[2], 0);
}
END_TEST

/* What is due while it spins is served while it spins: a timer (here,
 * armed by the event's handler, due at once) and the loop's end
 * (loopexit, as SIGTERM's handler and intxctl stop call it) - the loop
 * returns with spin time left. */
static struct event *ev_stop;

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopexit(t.d.base, NULL);
}

static void on_event_stop(evutil_socket_t fd, short what, void *arg)
{
	const struct timeval now = { 0, 0 };

	on_event(fd, what, arg);
	ck_assert_int_eq(evtimer_add(ev_stop, &now), 0);
}

START_TEST(exit_while_spinning)
{
	ev_stop = evtimer_new(t.d.base, on_stop, NULL);
	event_free(ev_pipe);
	ev_pipe = event_new(t.d.base, t.pipe[0], EV_READ | EV_PERSIST,
			    on_event_stop, NULL);
	ck_assert_int_eq(event_add(ev_pipe, NULL), 0);
	t.conf.spin_us = 1000;
	t.left = 1;
	ck_assert_int_eq(write(t.pipe[1], "x", 1), 1);
	ck_assert_int_eq(loop_run(&t.d), 0);
	ck_assert_uint_eq(t.served, 1);
	/* it did spin (the timer was served by a turn of the spin), and
	 * stopped long before spin-us */
	ck_assert_uint_ge(t.reads, 1);
	ck_assert_uint_lt(t.reads, 1000 / 10);
	event_free(ev_stop);
}
END_TEST

/* spin-us is read at every wakeup: a reload to 0 (here, by the handler
 * of the burst's second event) stops the spin after that event. */
static void on_event_reload(evutil_socket_t fd, short what, void *arg)
{
	on_event(fd, what, arg);
	if (t.served == 2)
		t.conf.spin_us = 0;
}

START_TEST(reload_to_zero_stops_spinning)
{
	event_free(ev_pipe);
	ev_pipe = event_new(t.d.base, t.pipe[0], EV_READ | EV_PERSIST,
			    on_event_reload, NULL);
	ck_assert_int_eq(event_add(ev_pipe, NULL), 0);
	t.conf.spin_us = 100;
	run_burst(20, 60);
	ck_assert_uint_eq(t.served, 2);
	ck_assert_uint_eq(t.reads, t.reads_at_last);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("spin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, burst_keeps_it_spinning);
	tcase_add_test(tc, no_spin_blocks_at_once);
	tcase_add_test(tc, gap_longer_than_spin_blocks);
	tcase_add_test(tc, timers_alone_do_not_spin);
	tcase_add_test(tc, exit_while_spinning);
	tcase_add_test(tc, reload_to_zero_stops_spinning);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
