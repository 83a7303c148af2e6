/* SPDX-License-Identifier: MIT */
/*
 * check-clock.c - intxd's timers (src/intxd/clock.c) on a real libevent
 * base and the real clock: they fire in order, never early, once; cancel,
 * re-arm and free work from inside a callback; a callback that arms a
 * timer for a time already past does not run it in the same round, nor
 * holds back a timer due in that round; timers of two loops juggled from
 * one callback keep apart; and
 * an armed timer leaves no time-out in the loop's wait (the reason they
 * are on a timerfd: doc/performance.md).  Times are a few milliseconds;
 * the assertions are on order and on "not before", never on "how soon".
 */
#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "check-run.h"
#include "clock.h"

#define MS 1000000ull
#define NT 64

static struct event_base *base;
static struct itimer *tm[NT];
static uint64_t due[NT];
static unsigned fired[NT], order[4 * NT], nfired;
static unsigned rounds; /* loop turns while the test ran */

static void on_timer(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	ck_assert_msg(now_ns() >= due[i], "timer %u fired %llu ns early", i,
		      (unsigned long long)(due[i] - now_ns()));
	ck_assert_uint_lt(nfired, 4 * NT);
	order[nfired++] = i;
	fired[i]++;
}

static void setup(void)
{
	unsigned i;

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	memset(fired, 0, sizeof(fired));
	nfired = rounds = 0;
	for (i = 0; i < NT; i++) {
		tm[i] = itimer_new(base, on_timer, (void *)(uintptr_t)i);
		ck_assert_ptr_nonnull(tm[i]);
	}
}

static void teardown(void)
{
	unsigned i;

	for (i = 0; i < NT; i++)
		itimer_free(tm[i]);
	event_base_free(base);
}

static void arm(unsigned i, uint64_t at)
{
	due[i] = at;
	itimer_arm(tm[i], at);
}

/* Turn the loop until want timers fired (or 2 s passed: a failure). */
static void run_until(unsigned want)
{
	uint64_t give_up = now_ns() + 2000 * MS;

	while (nfired < want && now_ns() < give_up) {
		event_base_loop(base, EVLOOP_ONCE);
		rounds++;
	}
	ck_assert_uint_eq(nfired, want);
}

START_TEST(in_order_never_early)
{
	uint64_t t0 = now_ns();
	unsigned i;

	/* armed in a scrambled order, due 0.1 ms apart */
	for (i = 0; i < NT; i++) {
		unsigned k = (i * 37) % NT;

		arm(k, t0 + 2 * MS + k * 100000u);
	}
	run_until(NT);
	for (i = 0; i < NT; i++) {
		ck_assert_uint_eq(order[i], i);
		ck_assert_uint_eq(fired[i], 1);
		ck_assert(!itimer_armed(tm[i]));
	}
}
END_TEST

START_TEST(cancel_and_rearm)
{
	uint64_t t0 = now_ns();

	arm(0, t0 + 1 * MS);
	arm(1, t0 + 2 * MS);
	arm(2, t0 + 3 * MS);
	itimer_cancel(tm[0]);         /* the earliest: the timerfd fires early */
	arm(1, t0 + 4 * MS);          /* put off */
	arm(2, t0 + 2 * MS);          /* brought forward */
	ck_assert_uint_eq(itimer_when(tm[1]), t0 + 4 * MS);
	run_until(2);
	ck_assert_uint_eq(order[0], 2);
	ck_assert_uint_eq(order[1], 1);
	ck_assert_uint_eq(fired[0], 0);
}
END_TEST

/* A time already past fires at the next turn of the loop. */
START_TEST(past_fires_at_once)
{
	arm(5, now_ns() - 10 * MS);
	arm(6, 0);
	run_until(2);
	ck_assert_uint_le(rounds, 2);
}
END_TEST

static unsigned round_of[NT];

static void on_rearm_self(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	round_of[fired[i]] = rounds;
	on_timer(arg);
	if (fired[i] < 3)
		arm(i, now_ns() - MS); /* past: the next round, not this one */
}

START_TEST(callback_rearms_itself_for_the_past)
{
	itimer_free(tm[7]);
	tm[7] = itimer_new(base, on_rearm_self, (void *)(uintptr_t)7);
	arm(7, now_ns());
	run_until(3);
	ck_assert_uint_eq(fired[7], 3);
	/* one firing per round: a callback that keeps arming for the past
	 * cannot hold the loop (the old libevent timers behaved the same) */
	ck_assert_uint_lt(round_of[0], round_of[1]);
	ck_assert_uint_lt(round_of[1], round_of[2]);
}
END_TEST

/* A callback that keeps arming itself for a time already past (a busy
 * loop of one timer) must not hold back a timer that was due, and armed,
 * before the round: that one runs in the same round, as libevent ran
 * every expired timer of a round. */
static uint64_t fixed_past;

static void on_rearm_fixed(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	on_timer(arg);
	if (fired[i] < 5)
		arm(i, fixed_past);
}

START_TEST(rearm_for_the_past_starves_no_one)
{
	uint64_t now = now_ns();

	itimer_free(tm[8]);
	tm[8] = itimer_new(base, on_rearm_fixed, (void *)(uintptr_t)8);
	fixed_past = now - 10 * MS;
	arm(8, fixed_past);
	arm(9, now - 5 * MS); /* due, later than 8's time */
	run_until(6);
	ck_assert_uint_eq(order[0], 8);
	ck_assert_uint_eq(order[1], 9);
	ck_assert_uint_eq(fired[8], 5);
	ck_assert_uint_eq(fired[9], 1);
}
END_TEST

/*
 * Two loops, each with its own timerfd, and callbacks of one round that
 * cancel, re-arm and arm again timers of both, several times over: every
 * timer armed at the end of the round fires once, at or after the time it
 * was last armed for, and none that ended cancelled fires.
 */
static struct event_base *base2;
static struct itimer *other[4];

static void on_juggle(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg, k;
	uint64_t now = now_ns();

	on_timer(arg);
	if (i != 30)
		return;
	for (k = 0; k < 3; k++) {
		arm(31, now + MS);          /* due in the next round */
		itimer_cancel(tm[31]);
		arm(31, now - MS);          /* past: the next round */
		itimer_cancel(tm[32]);      /* was due in this round */
		arm(32, now + 2 * MS);
		itimer_arm(other[k], now + MS);
		itimer_cancel(other[k]);
		itimer_arm(other[k], now + 3 * MS);
		itimer_cancel(other[(k + 1) % 4]);
	}
	itimer_cancel(tm[33]);
	arm(33, now + MS);
}

START_TEST(juggle_in_a_round_on_two_loops)
{
	uint64_t at = now_ns() + MS;
	unsigned i, want;

	base2 = event_base_new();
	ck_assert_ptr_nonnull(base2);
	for (i = 30; i <= 33; i++) {
		itimer_free(tm[i]);
		tm[i] = itimer_new(base, on_juggle, (void *)(uintptr_t)i);
		arm(i, at);
	}
	for (i = 0; i < 4; i++) {
		other[i] = itimer_new(base2, on_timer, (void *)(uintptr_t)(40 + i));
		ck_assert_ptr_nonnull(other[i]);
		due[40 + i] = at;
		itimer_arm(other[i], at);
	}
	/* 30 goes first (it was armed first, same time as the others) */
	run_until(1);
	ck_assert_uint_eq(order[0], 30);
	for (i = 0; i < 3; i++)
		due[40 + i] = itimer_when(other[i]);
	ck_assert(!itimer_armed(other[3]));
	ck_assert(itimer_armed(other[0]) && itimer_armed(other[1]) &&
		  itimer_armed(other[2]));
	want = 4; /* 30, then 31, 32, 33 */
	run_until(want);
	/* and the other loop: its three, once each, 43 never */
	for (i = 0; i < 200 && nfired < want + 3; i++)
		event_base_loop(base2, EVLOOP_ONCE);
	ck_assert_uint_eq(nfired, want + 3);
	for (i = 30; i <= 33; i++)
		ck_assert_uint_eq(fired[i], 1);
	for (i = 40; i <= 42; i++)
		ck_assert_uint_eq(fired[i], 1);
	ck_assert_uint_eq(fired[43], 0);
	for (i = 0; i < 4; i++)
		itimer_free(other[i]);
	event_base_free(base2);
}
END_TEST

static void on_free_others(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	on_timer(arg);
	if (i == 10) {
		/* 11 is due too (same time): freed before its turn */
		itimer_free(tm[11]);
		tm[11] = NULL;
		itimer_cancel(tm[12]);
		itimer_free(tm[10]); /* and itself */
		tm[10] = NULL;
	}
}

START_TEST(free_from_a_callback)
{
	uint64_t at = now_ns() + MS;
	unsigned i;

	for (i = 10; i <= 13; i++) {
		itimer_free(tm[i]);
		tm[i] = itimer_new(base, on_free_others, (void *)(uintptr_t)i);
		arm(i, at + (i == 10 ? 0 : 100000u));
	}
	run_until(2);
	ck_assert_uint_eq(order[0], 10);
	ck_assert_uint_eq(order[1], 13);
	ck_assert_uint_eq(fired[11] + fired[12], 0);
}
END_TEST

static void on_free_all(void *arg)
{
	unsigned i;

	on_timer(arg);
	for (i = 0; i < NT; i++) {
		itimer_free(tm[i]);
		tm[i] = NULL;
	}
}

/* The last timer of the loop freed from a callback: its timerfd and
 * heap go, after the round that runs the callback (valgrind sees the rest). */
START_TEST(free_everything_from_a_callback)
{
	uint64_t at = now_ns() + MS;
	unsigned i;

	for (i = 20; i <= 22; i++) {
		itimer_free(tm[i]);
		tm[i] = itimer_new(base, on_free_all, (void *)(uintptr_t)i);
		arm(i, at);
	}
	run_until(1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_uint_eq(nfired, 1);
	/* timers made afterwards get a new timerfd and work */
	tm[0] = itimer_new(base, on_timer, (void *)(uintptr_t)0);
	ck_assert_ptr_nonnull(tm[0]);
	arm(0, now_ns() + MS);
	run_until(2);
}
END_TEST

static int count_timeouts(const struct event_base *b, const struct event *ev, void *arg)
{
	(void)b;
	if (event_pending(ev, EV_TIMEOUT, NULL))
		++*(unsigned *)arg;
	return 0;
}

/* The point of the timerfd: armed timers put no time-out in epoll_wait(). */
START_TEST(no_timeout_in_the_wait)
{
	unsigned n = 0;

	arm(0, now_ns() + 60000 * MS);
	arm(1, now_ns() + 5 * MS);
	event_base_foreach_event(base, count_timeouts, &n);
	ck_assert_uint_eq(n, 0);
	run_until(1);
	ck_assert_uint_eq(order[0], 1);
}
END_TEST

/* Random arms, re-arms and cancels against a plain list: the heap keeps
 * the order through every kind of change. */
START_TEST(random_against_a_list)
{
	uint64_t t0 = now_ns() + 3 * MS;
	bool armed[NT] = { false };
	unsigned i, k, want = 0;

	srand(12345);
	for (k = 0; k < 2000; k++) {
		i = (unsigned)rand() % NT;
		if (rand() % 4 == 0) {
			itimer_cancel(tm[i]);
			armed[i] = false;
		} else {
			/* distinct times, so the order is the test's to know */
			arm(i, t0 + (uint64_t)((unsigned)rand() % 1000) * 1000u * NT + i);
			armed[i] = true;
		}
		ck_assert(itimer_armed(tm[i]) == armed[i]);
	}
	for (i = 0; i < NT; i++)
		want += armed[i];
	run_until(want);
	for (k = 0; k < want; k++) {
		ck_assert(armed[order[k]]);
		ck_assert_uint_eq(fired[order[k]], 1);
	}
	for (k = 1; k < want; k++)
		ck_assert_uint_le(due[order[k - 1]], due[order[k]]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("itimer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, in_order_never_early);
	tcase_add_test(tc, cancel_and_rearm);
	tcase_add_test(tc, past_fires_at_once);
	tcase_add_test(tc, callback_rearms_itself_for_the_past);
	tcase_add_test(tc, rearm_for_the_past_starves_no_one);
	tcase_add_test(tc, juggle_in_a_round_on_two_loops);
	tcase_add_test(tc, free_from_a_callback);
	tcase_add_test(tc, free_everything_from_a_callback);
	tcase_add_test(tc, no_timeout_in_the_wait);
	tcase_add_test(tc, random_against_a_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
