/* SPDX-License-Identifier: MIT */
/*
 * clock.c - now_ns() and itimers: one timerfd per event base, and a heap of
 * the armed timers ordered by when they are due.
 *
 * Why not libevent's timers: with any of them pending, every wait of the
 * loop is an epoll_wait() with a time-out, and the kernel sets up and
 * cancels a high-resolution timer around each sleep.  intxd nearly always
 * has a timer pending (the ack deadline, the line-health tick), and it
 * sleeps twice per interrupt; the timerfd is set again only when the
 * earliest deadline changes, which the ledger's lazy deadline makes rare.
 * `make bench` measured the difference (doc/performance.md).
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* The timers of one event base, and the timerfd that wakes it for them. */
struct itimers {
	struct event_base *base;
	int fd;
	struct event *ev;
	struct itimer **heap; /* armed timers, earliest first */
	unsigned n, cap;
	unsigned refs;     /* itimers made on this base */
	uint64_t fd_at;    /* when the timerfd fires; 0: it is not set */
	uint64_t round_at; /* in on_fd(): the round's now; else 0 */
	struct itimers *next;
};

struct itimer {
	struct itimers *set;
	void (*cb)(void *);
	void *arg;
	uint64_t at;  /* the time asked for */
	uint64_t key; /* the heap's order: at, or after the round arming it */
	unsigned idx; /* in set->heap, while armed */
	bool armed;
};

/* Every base with timers (intxd has one); found by itimer_new(). */
static struct itimers *sets;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void place(struct itimers *s, unsigned i, struct itimer *t)
{
	s->heap[i] = t;
	t->idx = i;
}

static void sift_up(struct itimers *s, unsigned i)
{
	struct itimer *t = s->heap[i];

	while (i > 0 && s->heap[(i - 1) / 2]->key > t->key) {
		place(s, i, s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(s, i, t);
}

static void sift_down(struct itimers *s, unsigned i)
{
	struct itimer *t = s->heap[i];

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= s->n)
			break;
		if (c + 1 < s->n && s->heap[c + 1]->key < s->heap[c]->key)
			c++;
		if (s->heap[c]->key >= t->key)
			break;
		place(s, i, s->heap[c]);
		i = c;
	}
	place(s, i, t);
}

static void heap_remove(struct itimers *s, struct itimer *t)
{
	unsigned i = t->idx;
	struct itimer *last = s->heap[--s->n];

	t->armed = false;
	if (i == s->n)
		return;
	place(s, i, last);
	sift_down(s, i);
	sift_up(s, last->idx);
}

/*
 * Set the timerfd for the earliest armed timer, when it would otherwise
 * fire too late.  Never to disarm it or to put it off: a timerfd that fires
 * early finds nothing due and is set again (on_fd), which costs one wakeup
 * where doing it here would cost a system call at every cancel or re-arm.
 */
static void program(struct itimers *s)
{
	struct itimerspec its;
	uint64_t at;

	if (!s->n)
		return;
	at = s->heap[0]->key ? s->heap[0]->key : 1; /* all zeros would disarm */
	if (s->fd_at && s->fd_at <= at)
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(at / 1000000000u);
	its.it_value.tv_nsec = (long)(at % 1000000000u);
	if (timerfd_settime(s->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		/* cannot happen with a valid fd and time; a timer that never
		 * fires would hang a deadline, so say it loudly */
		log_err("timerfd_settime: %s", strerror(errno));
		return;
	}
	s->fd_at = at;
}

static void set_put(struct itimers *s);

/*
 * The timerfd fired: run every timer due now.  One popped at a time, so a
 * callback may arm, cancel or free any timer, itself included; one armed
 * by a callback for a time not after this round's now is ordered just
 * after it (itimer_arm), so it runs in the next round (the timerfd is set
 * in the past: at once), not in this one, as libevent ran a timer added
 * from a callback, and behind every timer due in this round: a callback
 * that keeps arming for the past cannot hold them back.
 */
static void on_fd(evutil_socket_t fd, short what, void *arg)
{
	struct itimers *s = arg;
	uint64_t expirations, now = now_ns();

	(void)what;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_err("timerfd read: %s", strerror(errno));
	s->fd_at = 0; /* a one-shot timerfd that fired is disarmed */
	s->refs++; /* a callback may free every timer: s stays until the end */
	s->round_at = now;
	while (s->n && s->heap[0]->key <= now) {
		struct itimer *t = s->heap[0];

		heap_remove(s, t);
		t->cb(t->arg);
	}
	s->round_at = 0;
	program(s);
	set_put(s);
}

static struct itimers *set_of(struct event_base *base)
{
	struct itimers *s;

	for (s = sets; s; s = s->next)
		if (s->base == base)
			return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->base = base;
	s->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->fd >= 0)
		s->ev = event_new(base, s->fd, EV_READ | EV_PERSIST, on_fd, s);
	if (s->fd < 0 || !s->ev || event_add(s->ev, NULL) < 0) {
		if (s->ev)
			event_free(s->ev);
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	s->next = sets;
	sets = s;
	return s;
}

static void set_put(struct itimers *s)
{
	struct itimers **p;

	if (--s->refs)
		return;
	for (p = &sets; *p != s; p = &(*p)->next)
		;
	*p = s->next;
	event_free(s->ev);
	close(s->fd);
	free(s->heap);
	free(s);
}

struct itimer *itimer_new(struct event_base *base, void (*cb)(void *), void *arg)
{
	struct itimer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->set = set_of(base);
	if (!t->set) {
		free(t);
		return NULL;
	}
	t->set->refs++;
	t->cb = cb;
	t->arg = arg;
	return t;
}

void itimer_arm(struct itimer *t, uint64_t at_ns)
{
	struct itimers *s = t->set;

	if (t->armed)
		heap_remove(s, t);
	if (s->n == s->cap) {
		unsigned cap = s->cap ? 2 * s->cap : 8;
		struct itimer **h = realloc(s->heap, cap * sizeof(*h));

		if (!h) {
			/* as libevent's evtimer_add() failing: not armed */
			log_err("itimer: out of memory");
			return;
		}
		s->heap = h;
		s->cap = cap;
	}
	t->at = at_ns;
	t->key = s->round_at && at_ns <= s->round_at ? s->round_at + 1 : at_ns;
	t->armed = true;
	place(s, s->n++, t);
	sift_up(s, t->idx);
	program(s);
}

void itimer_cancel(struct itimer *t)
{
	/* nothing to set: a cancel never brings the earliest time forward */
	if (t->armed)
		heap_remove(t->set, t);
}

bool itimer_armed(const struct itimer *t)
{
	return t->armed;
}

uint64_t itimer_when(const struct itimer *t)
{
	return t->at;
}

void itimer_free(struct itimer *t)
{
	if (!t)
		return;
	itimer_cancel(t);
	set_put(t->set);
	free(t);
}
