/* SPDX-License-Identifier: MIT */
/*
 * check-model.c - a deterministic simulation of the broker core.
 *
 * The real daemon core (lines, devices, the ledger, sessions, reload) runs
 * in this process on real sim devices and a fake clock (model-clock.c):
 * no root, no fork, no sleeps.  From a seed it builds a random world and a
 * random sequence of events - raise, lower, connect, subscribe, unsubscribe,
 * ACK on time / late / with a stale seq / never, on the socket or the
 * ACK pipe (issue 11; an ACK on the pipe then UNSUBSCRIBE with the socket
 * ready first must count the ACK), crash, reload (bind,
 * unbind, move, redefine, remove, add, change a gid), admin mask/unmask,
 * time passing deadlines - and after every step checks the promises of
 * doc/protocol.md against what the clients saw and what the devices are:
 *
 *  I1 a notification reaches only a session subscribed to, and whose
 *     client is bound to, the device it names; its token is that device
 *     (selective) or a device of its line (broadcast); never twice;
 *  I2 a device is unmasked, or notified anew, only once every notification
 *     of its interrupt is settled: acknowledged with its seq, its session
 *     gone, its device taken away, or its own client's deadline passed
 *     under a policy that releases it;
 *  I3 an ACK with a stale seq settles nothing (it is I2's business);
 *  I4 no hang: a masked device is held by the daemon for a reason that
 *     shows (owed, pending, throttled, admin, failed) - ledger_check();
 *  I5 after a reload, each live session is subscribed to each device it
 *     had and is still bound to, or was told (REVOKED); a session its
 *     client no longer admits is ended;
 *  I6 at the end, with every client acknowledging and lowering, every
 *     device that somebody hears is idle, unmasked and quiet;
 *  I7 a device is notified of a new interrupt only if it asserted since
 *     its previous one: never of a signal an unmask already consumed.
 *
 * A failing seed is shrunk to a shorter event list and printed; replay it
 * with INTX_MODEL_SEED=N (and INTX_MODEL_STEPS=K).  INTX_MODEL_SECONDS
 * bounds the run (make check-model-long).  make check runs 1000 seeds.
 */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check-run.h"
#include "client.h"
#include "conf.h"
#include "daemon.h"
#include "device.h"
#include "ledger.h"
#include "line.h"
#include "log.h"
#include "model-clock.h"
#include "proto.h"
#include "session.h"
#include "simdev.h"
#include "wire.h"

#define MAX_LINES 4
#define MAX_DEV 32
#define MAX_CLI 6
#define MAX_SES 10
#define MAX_NOTES 256
#define MS 1000000ull

enum op {
	OP_RAISE, OP_LOWER, OP_CONNECT, OP_SUBSCRIBE, OP_UNSUBSCRIBE, OP_ACK,
	OP_ACK_STALE, OP_HANDLE, OP_CRASH, OP_RELOAD, OP_ADMIN, OP_TIME,
	OP_ACK_UNSUB, OP_COUNT
};
static const char *const op_names[] = {
	"raise", "lower", "connect", "subscribe", "unsubscribe", "ack",
	"ack-stale", "handle", "crash", "reload", "admin", "time",
	"ack-unsubscribe",
};
/* how often each is drawn */
static const unsigned op_weight[] = { 16, 5, 4, 10, 2, 14, 3, 12, 1, 3, 1, 8, 3 };

struct event_step {
	uint8_t op;
	uint32_t a, b, c;
};

struct mdev {
	char name[16];
	char dir[128];
	struct simdev sd;
	int line;
	bool present;  /* in the config */
	bool admin;
	bool alias;    /* its path written as DIR/. (a redefinition) */
	/* I7: asserting now; asserted since its last notified seq */
	bool asserting, asserted_since, notified;
	uint64_t last_seq;
};

struct mcli {
	char name[16];
	int64_t timeout; /* ms; -1: the global one */
	int policy;      /* -1: the global one */
	bool bound[MAX_DEV];
	bool by_gid;     /* admitted by gid = 0 instead of uid = 0 */
	bool refused;    /* its gid changed: admits nobody here */
};

struct note {
	uint32_t via, token;
	uint64_t seq, at;
	bool open;
};

struct mses {
	int fd, nfd;
	int afd; /* the ACK pipe's write end, or -1 */
	uint32_t id; /* the daemon's session id */
	int cli;
	bool alive;
	bool sub[MAX_DEV];     /* granted, by model device index */
	uint32_t devid[MAX_DEV];
	struct note notes[MAX_NOTES];
	unsigned nnotes;
	int subq[64];              /* SUBSCRIBEs sent, answers due in order */
	unsigned subq_head, subq_tail;
};

/* One run: the world, the daemon, and what the clients saw. */
struct model {
	uint64_t seed, rng;
	char dir[64];
	char conf[96];
	int nlines, ndev, ncli;
	bool broadcast, scan_line;
	int64_t g_timeout;
	int g_policy;
	unsigned storm;
	struct mdev dev[MAX_DEV];
	struct mcli cli[MAX_CLI];
	struct mses ses[MAX_SES];
	int nses;
	struct event_base *base;
	struct daemon *d;
	uint64_t now;
	char fail[512];
	unsigned steps_run;
};

/* INTX_MODEL_TRACE: print each step and what the sessions are told */
static bool trace;

/* What the runs exercised, summed (so that a run that checks nothing shows). */
static struct {
	uint64_t notes, acks, stale, revoked, ended, reloads, timeouts, late;
	uint64_t pipe_acks, ack_unsubs; /* ACKs on the pipe; ack-unsubscribe checked */
} seen;

static uint64_t rnd(struct model *m)
{
	/* xorshift64* */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 2685821657736338717ull;
}

static unsigned pick(struct model *m, unsigned n)
{
	return n ? (unsigned)(rnd(m) % n) : 0;
}

static bool failf(struct model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool failf(struct model *m, const char *fmt, ...)
{
	va_list ap;

	if (m->fail[0])
		return false;
	va_start(ap, fmt);
	vsnprintf(m->fail, sizeof(m->fail), fmt, ap);
	va_end(ap);
	return false;
}

/* --- the world ---------------------------------------------------------- */

static void gen_world(struct model *m)
{
	static const int64_t timeouts[] = { -1, -1, 0, 30, 100, 250 };
	int i, k;

	m->nlines = 1 + (int)pick(m, MAX_LINES);
	m->ndev = 0;
	for (i = 0; i < m->nlines; i++) {
		int n = 1 + (int)pick(m, 8);

		for (k = 0; k < n && m->ndev < MAX_DEV - 4; k++) {
			struct mdev *v = &m->dev[m->ndev];

			snprintf(v->name, sizeof(v->name), "d%d", m->ndev);
			v->line = i;
			v->present = true;
			m->ndev++;
		}
	}
	/* spares, added by reloads */
	for (i = 0; i < 4; i++) {
		struct mdev *v = &m->dev[m->ndev];

		snprintf(v->name, sizeof(v->name), "d%d", m->ndev);
		v->line = (int)pick(m, (unsigned)m->nlines);
		v->present = false;
		m->ndev++;
	}
	m->ncli = 1 + (int)pick(m, MAX_CLI);
	for (i = 0; i < m->ncli; i++) {
		struct mcli *c = &m->cli[i];

		snprintf(c->name, sizeof(c->name), "c%d", i);
		c->timeout = timeouts[pick(m, 6)];
		c->policy = (int)pick(m, 5) - 1; /* -1 twice as often */
		if (c->policy > CONF_ACK_DROP)
			c->policy = -1;
		c->by_gid = pick(m, 3) == 0;
		for (k = 0; k < m->ndev; k++)
			c->bound[k] = m->dev[k].present && pick(m, 3) == 0;
		c->bound[pick(m, (unsigned)m->ndev - 4)] = true;
	}
	m->broadcast = pick(m, 3) == 0;
	m->scan_line = pick(m, 2) == 0;
	m->g_timeout = pick(m, 4) == 0 ? 0 : 100;
	m->g_policy = (int)pick(m, 3);
	m->storm = pick(m, 4) == 0 ? 20 : 0;
}

static void write_conf(struct model *m)
{
	FILE *f = fopen(m->conf, "w");
	int i, k;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "[intxd]\nsocket = %s/sock\nmode = %s\nscan = %s\n"
		   "ack-timeout-ms = %lld\nack-timeout-policy = %s\n"
		   "storm-limit = %u\nmax-sessions-per-uid = 0\n",
		m->dir, m->broadcast ? "broadcast" : "selective",
		m->scan_line ? "line" : "signalled", (long long)m->g_timeout,
		m->g_policy == CONF_ACK_WAIT ? "wait" :
		m->g_policy == CONF_ACK_DROP ? "drop" : "redeliver", m->storm);
	for (i = 0; i < m->ndev; i++)
		if (m->dev[i].present)
			fprintf(f, "[device %s]\nbackend = sim\npath = %s%s\nline = l%d\n",
				m->dev[i].name, m->dev[i].dir,
				m->dev[i].alias ? "/." : "", m->dev[i].line);
	for (i = 0; i < m->ncli; i++) {
		const struct mcli *c = &m->cli[i];
		bool first = true;

		fprintf(f, "[client %s]\n%s = %d\ndevices = ", c->name,
			c->by_gid ? "gid" : "uid", c->refused ? 4242 : 0);
		for (k = 0; k < m->ndev; k++)
			if (c->bound[k] && m->dev[k].present) {
				fprintf(f, "%s%s", first ? "" : ", ", m->dev[k].name);
				first = false;
			}
		if (first)
			fprintf(f, "%s", "none-such"); /* replaced below */
		fprintf(f, "\n");
		if (c->timeout >= 0)
			fprintf(f, "ack-timeout-ms = %lld\n", (long long)c->timeout);
		if (c->policy >= 0)
			fprintf(f, "ack-timeout-policy = %s\n",
				c->policy == CONF_ACK_WAIT ? "wait" :
				c->policy == CONF_ACK_DROP ? "drop" : "redeliver");
	}
	fclose(f);
}

/* Every client keeps at least one present device (the parser wants one). */
static void keep_bindings_valid(struct model *m)
{
	int i, k;

	for (i = 0; i < m->ncli; i++) {
		bool any = false;

		for (k = 0; k < m->ndev; k++)
			any |= m->cli[i].bound[k] && m->dev[k].present;
		for (k = 0; !any && k < m->ndev; k++)
			if (m->dev[k].present)
				any = m->cli[i].bound[k] = true;
	}
}

static bool bound(const struct model *m, int cli, int dv)
{
	return m->cli[cli].bound[dv] && m->dev[dv].present && !m->cli[cli].refused;
}

static struct device *ddev(const struct model *m, int dv)
{
	unsigned i;

	for (i = 0; i < m->d->ndevices; i++)
		if (m->d->devices[i] && strcmp(m->d->devices[i]->name, m->dev[dv].name) == 0)
			return m->d->devices[i];
	return NULL;
}

static int dev_by_id(const struct model *m, uint32_t id)
{
	const struct device *x = daemon_device(m->d, id);
	int i;

	for (i = 0; x && i < m->ndev; i++)
		if (strcmp(m->dev[i].name, x->name) == 0)
			return i;
	return -1;
}

static struct session *dses(const struct model *m, const struct mses *ms)
{
	struct session *s;

	TAILQ_FOREACH(s, &m->d->sessions, entry)
		if (s->id == ms->id)
			return s;
	return NULL;
}

/* --- what the clients see -------------------------------------------------- */

static int64_t own_timeout(const struct model *m, int cli)
{
	return m->cli[cli].timeout >= 0 ? m->cli[cli].timeout : m->g_timeout;
}

static int own_policy(const struct model *m, int cli)
{
	return m->cli[cli].policy >= 0 ? m->cli[cli].policy : m->g_policy;
}

/* Is note n of session ms released by its own deadline?  (redeliver and
 * drop release; wait keeps the device masked.) */
static bool released_by_deadline(const struct model *m, const struct mses *ms,
				 const struct note *n)
{
	int64_t t = own_timeout(m, ms->cli);

	return t > 0 && own_policy(m, ms->cli) != CONF_ACK_WAIT &&
	       m->now >= n->at + (uint64_t)t * MS;
}

/* Under `drop`, one deadline passed ends the session: all it owed goes. */
static bool dropped(const struct model *m, const struct mses *ms)
{
	int64_t t = own_timeout(m, ms->cli);
	unsigned k;

	if (t <= 0 || own_policy(m, ms->cli) != CONF_ACK_DROP)
		return false;
	for (k = 0; k < ms->nnotes; k++)
		if (ms->notes[k].open && m->now >= ms->notes[k].at + (uint64_t)t * MS)
			return true;
	return false;
}

/* I2: may token's interrupt seq be over (device unmasked, or renotified)? */
static bool check_settled(struct model *m, uint32_t token, uint64_t below,
			  const char *what)
{
	int i;
	unsigned k;

	for (i = 0; i < m->nses; i++) {
		struct mses *ms = &m->ses[i];

		for (k = 0; ms->alive && k < ms->nnotes; k++) {
			struct note *n = &ms->notes[k];

			if (!n->open || n->token != token || n->seq >= below)
				continue;
			/* forgiven, or its session is being ended: an ACK
			 * for it (the client may still send one) is late */
			if (released_by_deadline(m, ms, n) || dropped(m, ms))
				continue;
			return failf(m, "I2: %s of device %u (seq %llu) while session %u "
				     "of %s still owes seq %llu through %u (notified at "
				     "%llu ms, now %llu ms)", what, token,
				     (unsigned long long)below, ms->id,
				     m->cli[ms->cli].name, (unsigned long long)n->seq,
				     n->via, (unsigned long long)(n->at / MS),
				     (unsigned long long)(m->now / MS));
		}
	}
	return true;
}

static void on_notify(struct model *m, struct mses *ms,
		      const struct intx_msg_notify *n)
{
	int via = dev_by_id(m, n->device_id), tok = dev_by_id(m, n->token);
	unsigned k;

	if (via < 0 || tok < 0) {
		failf(m, "I1: notification names no device (%u, %u)", n->device_id,
		      n->token);
		return;
	}
	if (!ms->sub[via] || !bound(m, ms->cli, via))
		failf(m, "I1: session %u of %s notified through %s, which it is %s",
		      ms->id, m->cli[ms->cli].name, m->dev[via].name,
		      ms->sub[via] ? "not bound to" : "not subscribed to");
	if (m->broadcast ? m->dev[via].line != m->dev[tok].line : via != tok)
		failf(m, "I1: token %s through %s: not its %s", m->dev[tok].name,
		      m->dev[via].name, m->broadcast ? "line" : "device");
	for (k = 0; k < ms->nnotes; k++)
		if (ms->notes[k].via == n->device_id && ms->notes[k].token == n->token &&
		    ms->notes[k].seq == n->seq)
			failf(m, "I1: session %u notified twice of %s seq %llu", ms->id,
			      m->dev[tok].name, (unsigned long long)n->seq);
	/* I2: a new interrupt of token only once the older ones are settled */
	check_settled(m, n->token, n->seq, "notification");
	if (!m->dev[tok].notified || n->seq != m->dev[tok].last_seq) {
		struct mdev *d = &m->dev[tok];

		if (!d->asserting && !d->asserted_since)
			failf(m, "I7: %s notified of seq %llu, but it has not asserted "
			      "since seq %llu", d->name, (unsigned long long)n->seq,
			      (unsigned long long)d->last_seq);
		/* still asserting: it may fire again once unmasked (level) */
		d->asserted_since = d->asserting;
		d->last_seq = n->seq;
		d->notified = true;
	}
	if (ms->nnotes == MAX_NOTES) {
		/* forget the oldest closed ones */
		unsigned w = 0;

		for (k = 0; k < ms->nnotes; k++)
			if (ms->notes[k].open &&
			    !released_by_deadline(m, ms, &ms->notes[k]))
				ms->notes[w++] = ms->notes[k];
		ms->nnotes = w;
		ck_assert_uint_lt(ms->nnotes, MAX_NOTES);
	}
	seen.notes++;
	if (trace)
		fprintf(stderr, "    t=%llu ms: session %u (%s) told of %s seq %llu through %s\n",
			(unsigned long long)(m->now / MS), ms->id, m->cli[ms->cli].name,
			m->dev[tok].name, (unsigned long long)n->seq, m->dev[via].name);
	ms->notes[ms->nnotes++] = (struct note){ n->device_id, n->token, n->seq,
						 m->now, true };
}

/* The device stops asserting (its driver quieted it). */
static void lower(struct model *m, int k)
{
	(void)simdev_lower(&m->dev[k].sd);
	m->dev[k].asserting = false;
}

/* Settle the model's own notes that the daemon settles without an ACK. */
static void close_notes(struct mses *ms, uint32_t via)
{
	unsigned k;

	for (k = 0; k < ms->nnotes; k++)
		if (ms->notes[k].via == via)
			ms->notes[k].open = false;
}

static void end_session(struct model *m, struct mses *ms)
{
	(void)m;
	ms->alive = false;
	close(ms->fd);
	if (ms->nfd >= 0)
		close(ms->nfd);
	if (ms->afd >= 0)
		close(ms->afd);
	ms->fd = ms->nfd = ms->afd = -1;
}

static void on_message(struct model *m, struct mses *ms, const void *buf, int type)
{
	int k;

	switch (type) {
	case INTX_MSG_SUBSCRIBED: {
		const struct intx_msg_subscribed *r = buf;

		for (k = 0; k < m->ndev; k++)
			if (strcmp(m->dev[k].name, r->device) == 0)
				break;
		ck_assert_int_lt(k, m->ndev);
		if (!bound(m, ms->cli, k))
			failf(m, "I1: %s granted %s, not bound to it",
			      m->cli[ms->cli].name, r->device);
		ms->sub[k] = true;
		ms->devid[k] = r->device_id;
		if (ms->subq_head == ms->subq_tail || ms->subq[ms->subq_head++ % 64] != k)
			failf(m, "SUBSCRIBED %s out of turn", r->device);
		break;
	}
	case INTX_MSG_REVOKED: {
		const struct intx_msg_revoked *r = buf;

		seen.revoked++;
		for (k = 0; k < m->ndev; k++)
			if (ms->sub[k] && ms->devid[k] == r->device_id) {
				ms->sub[k] = false;
				close_notes(ms, r->device_id);
			}
		break;
	}
	case INTX_MSG_ERROR: {
		const struct intx_msg_error *e = buf;

		/* a refused SUBSCRIBE: refused only what it may not have */
		if (e->req_type == INTX_MSG_SUBSCRIBE) {
			struct device *x;

			if (ms->subq_head == ms->subq_tail) {
				failf(m, "a refusal of no SUBSCRIBE: %s", e->text);
				break;
			}
			k = ms->subq[ms->subq_head++ % 64];
			x = m->dev[k].present ? ddev(m, k) : NULL;
			if (bound(m, ms->cli, k) && x && !x->failed && e->error != EALREADY)
				failf(m, "subscribe to bound %s refused: %s",
				      m->dev[k].name, e->text);
		} else if (e->req_type == INTX_MSG_ACK_PIPE) {
			/* ack-unsubscribe asks again to have a socket message
			 * ready before the pipe's ACK */
			if (e->error != EALREADY)
				failf(m, "ACK_PIPE refused: %s", e->text);
		} else if (e->req_type != INTX_MSG_UNSUBSCRIBE) {
			failf(m, "unexpected error %d for %s: %s", e->error,
			      proto_type_name(e->req_type), e->text);
		}
		break;
	}
	case INTX_MSG_NOTIFY:
		on_notify(m, ms, buf);
		break;
	case INTX_MSG_UNSUBSCRIBED:
		break;
	default:
		failf(m, "unexpected %s", proto_type_name((unsigned)type));
	}
}

/* Read everything every session has been sent.  true if anything came. */
static bool collect(struct model *m)
{
	unsigned char buf[INTX_MSG_MAX];
	bool any = false;
	int i;

	for (i = 0; i < m->nses; i++) {
		struct mses *ms = &m->ses[i];

		while (ms->alive) {
			long n = wire_recv(ms->fd, buf, sizeof(buf), NULL, NULL, MSG_DONTWAIT);
			int t;

			if (n == -EAGAIN)
				break;
			any = true;
			if (n <= 0) {
				/* the daemon ended it (drop policy, or no longer admitted) */
				seen.ended++;
				end_session(m, ms);
				break;
			}
			t = proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON);
			ck_assert_int_gt(t, 0);
			on_message(m, ms, buf, t);
		}
		while (ms->alive && ms->nfd >= 0) {
			/* whole messages, each written at once (NOTIFY, REVOKED) */
			struct intx_hdr h;
			ssize_t n = read(ms->nfd, &h, sizeof(h));
			int t;

			if (n != (ssize_t)sizeof(h))
				break;
			ck_assert_uint_le(h.len, sizeof(buf));
			memcpy(buf, &h, sizeof(h));
			ck_assert_int_eq(read(ms->nfd, buf + sizeof(h), h.len - sizeof(h)),
					 (ssize_t)(h.len - sizeof(h)));
			t = proto_check(buf, h.len, 0, INTX_FROM_DAEMON);
			ck_assert_msg(t == INTX_MSG_NOTIFY || t == INTX_MSG_REVOKED,
				      "%s on the pipe", proto_type_name((unsigned)t));
			any = true;
			on_message(m, ms, buf, t);
		}
	}
	return any;
}

/* Run the daemon until nothing moves, fire due timers, read what came. */
static void pump(struct model *m)
{
	int quiet = 0, rounds = 0;

	while (quiet < 2 && rounds++ < 1000) {
		bool any;

		event_base_loop(m->base, EVLOOP_NONBLOCK);
		any = collect(m);
		any |= model_clock_fire_one();
		quiet = any ? 0 : quiet + 1;
	}
	ck_assert_int_lt(rounds, 1000);
}

/* --- the invariants at rest ------------------------------------------------ */

static bool check_rest(struct model *m)
{
	char why[256];
	int i, k;

	if (ledger_check(m->d, why, sizeof(why)) < 0)
		return failf(m, "I4: %s", why);
	for (i = 0; i < m->ndev; i++) {
		struct device *x = m->dev[i].present ? ddev(m, i) : NULL;
		struct simdev_state st;

		if (!x || x->failed)
			continue;
		ck_assert_int_eq(simdev_state(&m->dev[i].sd, &st), 0);
		if (!st.masked && x->state != DEV_IDLE)
			return failf(m, "I4: %s unmasked but %s", x->name,
				     x->state == DEV_PENDING ? "pending" : "in flight");
		if (st.masked && !device_held(x))
			return failf(m, "I4: %s masked, and the daemon holds it for "
				     "no reason", x->name);
		if (!st.masked && !check_settled(m, x->id, x->seq + 1, "unmask"))
			return false;
	}
	/* I5: every subscription the client still may have is still there */
	for (i = 0; i < m->nses; i++) {
		struct mses *ms = &m->ses[i];
		struct session *s = ms->alive ? dses(m, ms) : NULL;

		if (!ms->alive)
			continue;
		if (!s || s->dead)
			return failf(m, "I5: session %u alive for its client, gone in "
				     "the daemon", ms->id);
		if (m->cli[ms->cli].refused)
			return failf(m, "I5: session %u of %s no longer admitted, still "
				     "alive", ms->id, m->cli[ms->cli].name);
		for (k = 0; k < m->ndev; k++) {
			if (!ms->sub[k])
				continue;
			if (!bound(m, ms->cli, k))
				return failf(m, "I5: session %u still thinks it has %s, "
					     "unbound, and was not told", ms->id,
					     m->dev[k].name);
			if (ms->devid[k] >= s->ndevices || !s->subscribed[ms->devid[k]])
				return failf(m, "I5: session %u deaf to %s: subscribed "
					     "for the client, not in the daemon", ms->id,
					     m->dev[k].name);
		}
	}
	return true;
}

/* --- the events ------------------------------------------------------------ */

static struct mses *live_ses(struct model *m, uint32_t r)
{
	int i, n = 0;

	for (i = 0; i < m->nses; i++)
		n += m->ses[i].alive;
	if (!n)
		return NULL;
	r %= (uint32_t)n;
	for (i = 0; i < m->nses; i++)
		if (m->ses[i].alive && r-- == 0)
			return &m->ses[i];
	return NULL;
}

static struct note *open_note(struct mses *ms, uint32_t r)
{
	unsigned k, n = 0;

	for (k = 0; k < ms->nnotes; k++)
		n += ms->notes[k].open;
	if (!n)
		return NULL;
	r %= n;
	for (k = 0; k < ms->nnotes; k++)
		if (ms->notes[k].open && r-- == 0)
			return &ms->notes[k];
	return NULL;
}

/* An ACK on the socket, or (pipe, when the session has one) the ACK pipe. */
static void send_ack(struct mses *ms, const struct note *n, uint64_t seq,
		     bool handled, bool pipe)
{
	struct intx_msg_ack a;

	pipe = pipe && ms->afd >= 0;
	if (trace)
		fprintf(stderr, "    session %u acks token %u seq %llu through %u%s%s\n",
			ms->id, n->token, (unsigned long long)seq, n->via,
			handled ? " (handled)" : "", pipe ? " on the pipe" : "");
	memset(&a, 0, sizeof(a));
	proto_hdr(&a.hdr, INTX_MSG_ACK, sizeof(a));
	a.device_id = n->via;
	a.token = n->token;
	a.seq = seq;
	a.flags = handled ? INTX_ACK_HANDLED : 0;
	if (pipe) {
		ck_assert_int_eq(write(ms->afd, &a, sizeof(a)), (ssize_t)sizeof(a));
		seen.pipe_acks++;
	}
	else
		ck_assert_int_eq(wire_send(ms->fd, &a, sizeof(a), -1, 0), 0);
}

static void send_ack_pipe_req(struct mses *ms)
{
	struct intx_msg_ack_pipe r;

	memset(&r, 0, sizeof(r));
	proto_hdr(&r.hdr, INTX_MSG_ACK_PIPE, sizeof(r));
	ck_assert_int_eq(wire_send(ms->fd, &r, sizeof(r), -1, 0), 0);
}

/* Half the sessions ask for an ACK pipe at connect. */
static void get_ack_pipe(struct model *m, struct mses *ms)
{
	unsigned char buf[INTX_MSG_MAX];
	unsigned nfds = 0;
	int fd = -1;
	long n;

	send_ack_pipe_req(ms);
	event_base_loop(m->base, EVLOOP_NONBLOCK);
	n = wire_recv(ms->fd, buf, sizeof(buf), &fd, &nfds, MSG_DONTWAIT);
	ck_assert_int_eq(proto_check(buf, (size_t)n, nfds, INTX_FROM_DAEMON),
			 INTX_MSG_ACK_PIPE_FD);
	ck_assert_int_ge(fd, 0);
	ms->afd = fd;
}

static void do_connect(struct model *m, uint32_t a)
{
	struct intx_msg_hello h;
	unsigned char buf[INTX_MSG_MAX];
	struct mses *ms;
	int sv[2], pfd = -1;
	unsigned nfds = 0;
	long n;

	for (ms = m->ses; ms < m->ses + m->nses && ms->alive; ms++)
		;
	if (ms == m->ses + MAX_SES)
		return;
	if (ms == m->ses + m->nses)
		m->nses++;
	memset(ms, 0, sizeof(*ms));
	ms->cli = (int)(a % (uint32_t)m->ncli);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(session_new(m->d, sv[1]), 0);
	memset(&h, 0, sizeof(h));
	proto_hdr(&h.hdr, INTX_MSG_HELLO, sizeof(h));
	h.role = INTX_ROLE_CLIENT;
	ck_assert_int_eq(proto_strset(h.client, sizeof(h.client),
				      m->cli[ms->cli].name), 0);
	ck_assert_int_eq(wire_send(sv[0], &h, sizeof(h), -1, 0), 0);
	event_base_loop(m->base, EVLOOP_NONBLOCK);
	n = wire_recv(sv[0], buf, sizeof(buf), &pfd, &nfds, MSG_DONTWAIT);
	ms->fd = sv[0];
	ms->nfd = -1;
	ms->afd = -1;
	if (m->cli[ms->cli].refused) {
		ck_assert_int_eq(proto_check(buf, (size_t)n, nfds, INTX_FROM_DAEMON),
				 INTX_MSG_ERROR);
		ms->alive = false;
		close(sv[0]);
		return;
	}
	ck_assert_int_eq(proto_check(buf, (size_t)n, nfds, INTX_FROM_DAEMON),
			 INTX_MSG_WELCOME);
	ms->id = ((const struct intx_msg_welcome *)buf)->session;
	ms->nfd = pfd;
	if (pfd >= 0)
		fcntl(pfd, F_SETFL, O_NONBLOCK);
	ms->alive = true;
	if (a & 0x100)
		get_ack_pipe(m, ms);
}

static void do_subscribe(struct model *m, struct mses *ms, uint32_t b)
{
	struct intx_msg_subscribe r;
	int k = (int)(b % (uint32_t)m->ndev), j;

	/* mostly what it may have, sometimes what it may not */
	for (j = 0; b % 5 && j < m->ndev && !bound(m, ms->cli, k); j++)
		k = (k + 1) % m->ndev;

	if (!m->dev[k].present || ms->subq_tail - ms->subq_head == 64)
		return;
	memset(&r, 0, sizeof(r));
	proto_hdr(&r.hdr, INTX_MSG_SUBSCRIBE, sizeof(r));
	ck_assert_int_eq(proto_strset(r.device, sizeof(r.device), m->dev[k].name), 0);
	ms->subq[ms->subq_tail++ % 64] = k;
	ck_assert_int_eq(wire_send(ms->fd, &r, sizeof(r), -1, 0), 0);
}

static void do_unsubscribe(struct model *m, struct mses *ms, uint32_t b)
{
	struct intx_msg_unsubscribe r;
	int k = (int)(b % (uint32_t)m->ndev);

	if (!ms->sub[k])
		return;
	memset(&r, 0, sizeof(r));
	proto_hdr(&r.hdr, INTX_MSG_UNSUBSCRIBE, sizeof(r));
	r.device_id = ms->devid[k];
	ck_assert_int_eq(wire_send(ms->fd, &r, sizeof(r), -1, 0), 0);
	/* what it owed through it is settled by the unsubscribe */
	ms->sub[k] = false;
	close_notes(ms, ms->devid[k]);
}

static void do_reload(struct model *m, uint32_t a, uint32_t b, uint32_t c)
{
	char msg[INTX_TEXT_MAX];
	int dv = (int)(b % (uint32_t)m->ndev), cl = (int)(c % (uint32_t)m->ncli);
	int i, k, taken = -1, moved = -1;

	switch (a % 8) {
	case 0: /* bind or unbind */
		m->cli[cl].bound[dv] = !m->cli[cl].bound[dv];
		break;
	case 1: /* move: from whoever has it to cl alone */
		for (i = 0; i < m->ncli; i++)
			m->cli[i].bound[dv] = i == cl;
		break;
	case 2: /* another line: the device is kept, and moved */
		m->dev[dv].line = (m->dev[dv].line + 1) % MAX_LINES;
		moved = dv;
		break;
	case 6: /* redefine: the same device under another path, reopened
		 * (masked still, if the administrator masked it) */
		m->dev[dv].alias = !m->dev[dv].alias;
		taken = dv;
		break;
	case 3: /* remove (not the last one: a client needs a device) */
		for (i = 0, k = 0; i < m->ndev; i++)
			k += m->dev[i].present;
		if (k < 2)
			break;
		m->dev[dv].present = false;
		m->dev[dv].admin = false;
		taken = dv;
		break;
	case 4: /* add (back) */
		m->dev[dv].present = true;
		break;
	case 5: /* a client admitted by gid stops being admitted, or comes back */
		if (m->cli[cl].by_gid)
			m->cli[cl].refused = !m->cli[cl].refused;
		break;
	default: /* nothing changes */
		break;
	}
	keep_bindings_valid(m);
	write_conf(m);
	/* What the reload takes away is released: all a session whose client
	 * no longer admits it owed; what was owed through a device its client
	 * loses; everything of a device removed or redefined (its interrupt,
	 * and what was owed through it); on a broadcast line, what was owed
	 * between a device that moves and the others of its old line. */
	for (i = 0; i < m->nses; i++) {
		struct mses *ms = &m->ses[i];
		unsigned j;

		for (j = 0; ms->alive && j < ms->nnotes; j++) {
			struct note *n = &ms->notes[j];
			int t = dev_by_id(m, n->token), v = dev_by_id(m, n->via);

			if (m->cli[ms->cli].refused || t < 0 || v < 0 ||
			    !bound(m, ms->cli, v) || t == taken || v == taken ||
			    (t != v && (t == moved || v == moved)))
				n->open = false;
		}
	}
	if (daemon_reload(m->d, msg, sizeof(msg)) < 0)
		failf(m, "the generated config was refused: %s", msg);
	seen.reloads++;
}

/*
 * A request on the socket (ACK_PIPE again, refused), an ACK on the pipe,
 * then UNSUBSCRIBE of its device, before the daemon runs: the socket is
 * ready first, yet the ACK was written before the UNSUBSCRIBE and must
 * settle the notification (counted acked), unless nothing was owed.
 */
static void do_ack_unsub(struct model *m, struct mses *ms, struct note *n)
{
	int v = dev_by_id(m, n->via), t = dev_by_id(m, n->token);
	struct device *tok = t >= 0 && m->dev[t].present ? ddev(m, t) : NULL;
	bool owed = !released_by_deadline(m, ms, n) && !dropped(m, ms);
	uint64_t before = tok ? tok->n.acked : 0;

	if (v < 0 || !ms->sub[v])
		return;
	send_ack_pipe_req(ms);
	send_ack(ms, n, n->seq, false, true);
	n->open = false;
	seen.acks++;
	do_unsubscribe(m, ms, (uint32_t)v);
	pump(m);
	seen.ack_unsubs += owed && tok;
	if (owed && tok && tok->n.acked != before + 1)
		failf(m, "ACK on the pipe of %s seq %llu before UNSUBSCRIBE not "
		      "counted (acked %llu, was %llu)", tok->name,
		      (unsigned long long)n->seq, (unsigned long long)tok->n.acked,
		      (unsigned long long)before);
}

static void run_step(struct model *m, const struct event_step *e)
{
	if (trace)
		fprintf(stderr, "  t=%llu ms: %s a=%u b=%u c=%u\n",
			(unsigned long long)(m->now / MS), op_names[e->op], e->a, e->b, e->c);
	struct mses *ms;
	struct note *n;
	int dv = (int)(e->a % (uint32_t)m->ndev);

	switch (e->op) {
	case OP_RAISE:
		if (m->dev[dv].present) {
			(void)simdev_raise(&m->dev[dv].sd);
			m->dev[dv].asserting = m->dev[dv].asserted_since = true;
		}
		break;
	case OP_LOWER:
		lower(m, dv);
		break;
	case OP_CONNECT:
		do_connect(m, e->a);
		break;
	case OP_SUBSCRIBE:
		if ((ms = live_ses(m, e->a)))
			do_subscribe(m, ms, e->b);
		break;
	case OP_UNSUBSCRIBE:
		if ((ms = live_ses(m, e->a)))
			do_unsubscribe(m, ms, e->b);
		break;
	case OP_ACK:
	case OP_HANDLE:
		if ((ms = live_ses(m, e->a)) && (n = open_note(ms, e->b))) {
			int v = dev_by_id(m, n->via);

			/* the handler quiets its device, as a driver reading
			 * its interrupt register does */
			if (e->op == OP_HANDLE && v >= 0)
				lower(m, v);
			send_ack(ms, n, n->seq, e->op == OP_HANDLE, e->c & 1);
			n->open = false;
			seen.acks++;
		}
		break;
	case OP_ACK_STALE:
		/* an ACK of an interrupt before the one owed: settles nothing */
		if ((ms = live_ses(m, e->a)) && (n = open_note(ms, e->b)) && n->seq > 1) {
			send_ack(ms, n, n->seq - 1 - e->c % 2, true, e->c & 2);
			seen.stale++;
		}
		break;
	case OP_ACK_UNSUB:
		if ((ms = live_ses(m, e->a)) && ms->afd >= 0 &&
		    (n = open_note(ms, e->b)))
			do_ack_unsub(m, ms, n);
		break;
	case OP_CRASH:
		if ((ms = live_ses(m, e->a)))
			end_session(m, ms);
		break;
	case OP_RELOAD:
		do_reload(m, e->a, e->b, e->c);
		break;
	case OP_ADMIN: {
		struct device *x = m->dev[dv].present ? ddev(m, dv) : NULL;

		/* a failed device refuses (ENODEV): nothing changed */
		if (x && device_admin_mask(x, !m->dev[dv].admin) == 0)
			m->dev[dv].admin = !m->dev[dv].admin;
		break;
	}
	case OP_TIME: {
		/* move the clock, firing what falls due on the way */
		uint64_t to = m->now + (1 + e->b % 300) * MS, at;

		while (model_clock_next(&at) && at <= to) {
			if (at > m->now)
				m->now = at;
			model_clock_set(m->now);
			pump(m);
		}
		m->now = to;
		model_clock_set(m->now);
		break;
	}
	}
	pump(m);
}

/* --- one run --------------------------------------------------------------- */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void world_up(struct model *m)
{
	struct conf *c;
	int i;

	m->rng = m->seed * 0x9E3779B97F4A7C15ull + 1;
	gen_world(m);
	snprintf(m->dir, sizeof(m->dir), "/tmp/intx-model.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(m->dir));
	snprintf(m->conf, sizeof(m->conf), "%s/intxd.conf", m->dir);
	for (i = 0; i < m->ndev; i++) {
		snprintf(m->dev[i].dir, sizeof(m->dev[i].dir), "%s/%s", m->dir,
			 m->dev[i].name);
		ck_assert_int_eq(simdev_create(m->dev[i].dir, 10 + m->dev[i].line,
					       0x1234, 0x11e8), 0);
		ck_assert_int_eq(simdev_open(&m->dev[i].sd, m->dev[i].dir), 0);
	}
	write_conf(m);
	ck_assert_int_eq(conf_load(m->conf, stderr, &c), 0);
	m->base = event_base_new();
	ck_assert_ptr_nonnull(m->base);
	ck_assert_int_eq(daemon_new(m->base, c, m->conf, &m->d), 0);
	m->now = now_ns();
	pump(m);
}

static void world_down(struct model *m)
{
	int i;

	for (i = 0; i < m->nses; i++)
		if (m->ses[i].alive)
			end_session(m, &m->ses[i]);
	daemon_free(m->d);
	event_base_free(m->base);
	for (i = 0; i < m->ndev; i++)
		simdev_close(&m->dev[i].sd);
	nftw(m->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* I6: everyone subscribes to what it may, handles and acknowledges all. */
static void drain(struct model *m)
{
	int round, i, k;

	for (i = 0; i < m->nses; i++)
		for (k = 0; m->ses[i].alive && k < m->ndev; k++)
			if (bound(m, m->ses[i].cli, k) && !m->ses[i].sub[k])
				do_subscribe(m, &m->ses[i], (uint32_t)k);
	pump(m);
	for (round = 0; round < 50 && !m->fail[0]; round++) {
		struct event_step t = { OP_TIME, 0, 999, 0 };

		/* each round: a failed device refuses unmask until it is back */
		for (k = 0; k < m->ndev; k++)
			if (m->dev[k].admin && m->dev[k].present && ddev(m, k) &&
			    device_admin_mask(ddev(m, k), false) == 0)
				m->dev[k].admin = false;

		for (k = 0; k < m->ndev; k++)
			lower(m, k);
		for (i = 0; i < m->nses; i++) {
			struct mses *ms = &m->ses[i];
			unsigned j;

			for (j = 0; ms->alive && j < ms->nnotes; j++)
				if (ms->notes[j].open) {
					send_ack(ms, &ms->notes[j], ms->notes[j].seq, true,
						 j % 2);
					ms->notes[j].open = false;
				}
		}
		pump(m);
		run_step(m, &t);
		run_step(m, &t);
		if (!check_rest(m))
			return;
	}
	for (k = 0; k < m->ndev; k++) {
		struct device *x = m->dev[k].present ? ddev(m, k) : NULL;
		struct simdev_state st;
		bool heard = false;

		if (!x || x->failed)
			continue;
		for (i = 0; i < m->nses; i++)
			for (int j = 0; j < m->ndev; j++)
				heard |= m->ses[i].alive && m->ses[i].sub[j] &&
					 (j == k || (m->broadcast &&
						     m->dev[j].line == m->dev[k].line));
		ck_assert_int_eq(simdev_state(&m->dev[k].sd, &st), 0);
		if (heard && (x->state != DEV_IDLE || st.masked || st.asserting))
			failf(m, "I6: %s not idle at the end (state %d, %s, %s)",
			      x->name, (int)x->state, st.masked ? "masked" : "unmasked",
			      st.asserting ? "asserting" : "quiet");
	}
}

static void gen_steps(struct model *m, struct event_step *ev, unsigned n)
{
	unsigned total = 0, i, k;

	for (k = 0; k < OP_COUNT; k++)
		total += op_weight[k];
	for (i = 0; i < n; i++) {
		unsigned r = pick(m, total);

		for (k = 0; r >= op_weight[k]; k++)
			r -= op_weight[k];
		ev[i].op = (uint8_t)k;
		ev[i].a = (uint32_t)rnd(m);
		ev[i].b = (uint32_t)rnd(m);
		ev[i].c = (uint32_t)rnd(m);
	}
	/* a world starts with its clients connected */
	for (i = 0; i < n && i < 3; i++)
		ev[i].op = OP_CONNECT;
}

/* Run the steps in a fresh world of the seed: true if every check held. */
static bool run(uint64_t seed, const struct event_step *ev, unsigned n,
		char *fail, size_t failsize)
{
	struct model *m = calloc(1, sizeof(*m));
	unsigned i;
	bool ok;

	ck_assert_ptr_nonnull(m);
	m->seed = seed;
	world_up(m);
	for (i = 0; i < n && !m->fail[0]; i++) {
		run_step(m, &ev[i]);
		if (!m->fail[0])
			check_rest(m);
		m->steps_run = i + 1;
	}
	if (!m->fail[0])
		drain(m);
	ok = !m->fail[0];
	if (!ok && getenv("INTX_MODEL_DUMP")) {
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "cat >&2 '%s'", m->conf);
		if (system(cmd) != 0)
			fprintf(stderr, "(no config to show)\n");
	}
	for (i = 0; i < m->d->ndevices; i++)
		if (m->d->devices[i])
			seen.timeouts += m->d->devices[i]->n.timeouts;
	for (i = 0; i < m->d->nclients; i++)
		seen.late += m->d->clients[i]->late_acks;
	if (!ok)
		snprintf(fail, failsize, "after step %u: %s", m->steps_run, m->fail);
	world_down(m);
	free(m);
	return ok;
}

/* Drop what the failure does not need: chunks, then single steps. */
static unsigned shrink(uint64_t seed, struct event_step *ev, unsigned n)
{
	char fail[600];
	unsigned chunk, i;

	for (chunk = n / 2; chunk >= 1; chunk /= 2) {
		for (i = 0; i + chunk <= n;) {
			struct event_step *t = malloc(n * sizeof(*t));

			memcpy(t, ev, i * sizeof(*t));
			memcpy(t + i, ev + i + chunk, (n - i - chunk) * sizeof(*t));
			if (!run(seed, t, n - chunk, fail, sizeof(fail))) {
				memcpy(ev, t, (n - chunk) * sizeof(*t));
				n -= chunk;
			} else {
				i += chunk;
			}
			free(t);
		}
	}
	return n;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

START_TEST(model_seeds)
{
	uint64_t first = env_u64("INTX_MODEL_SEED", 1), seeds, steps, seconds;
	struct timespec t0, t;
	uint64_t s, ran = 0, total_steps = 0;

	seeds = getenv("INTX_MODEL_SEED") ? 1 : env_u64("INTX_MODEL_SEEDS", 1000);
	steps = env_u64("INTX_MODEL_STEPS", 300);
	seconds = env_u64("INTX_MODEL_SECONDS", 0);
	if (seconds)
		seeds = UINT64_MAX;
	log_setup(getenv("INTX_MODEL_TRACE") ? LOG_DEBUG : LOG_CRIT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (s = first; s - first < seeds; s++) {
		struct event_step *ev = calloc(steps, sizeof(*ev));
		struct model g = { .seed = s };
		char fail[600];

		g.rng = s * 0x9E3779B97F4A7C15ull + 1;
		gen_world(&g); /* the same draws world_up makes */
		gen_steps(&g, ev, (unsigned)steps);
		if (!run(s, ev, (unsigned)steps, fail, sizeof(fail))) {
			unsigned n = shrink(s, ev, (unsigned)steps), i;

			trace = getenv("INTX_MODEL_TRACE");
			run(s, ev, n, fail, sizeof(fail));
			fprintf(stderr, "check-model: seed %llu fails %s\n"
				"shortest sequence found (%u steps; replay with "
				"INTX_MODEL_SEED=%llu INTX_MODEL_STEPS=%llu):\n",
				(unsigned long long)s, fail, n, (unsigned long long)s,
				(unsigned long long)steps);
			for (i = 0; i < n; i++)
				fprintf(stderr, "  %3u %s a=%u b=%u c=%u\n", i,
					op_names[ev[i].op], ev[i].a, ev[i].b, ev[i].c);
			free(ev);
			ck_abort_msg("seed %llu: %s", (unsigned long long)s, fail);
		}
		free(ev);
		ran++;
		total_steps += steps;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (seconds && (uint64_t)(t.tv_sec - t0.tv_sec) >= seconds)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	fprintf(stderr, "check-model: %llu seeds from %llu x %llu steps, all "
		"invariants held (%.1f s)\n", (unsigned long long)ran,
		(unsigned long long)first, (unsigned long long)steps,
		(double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9);
	fprintf(stderr, "check-model: exercised %llu notifications, %llu acks, "
		"%llu stale acks, %llu late acks, %llu time-outs, %llu reloads, "
		"%llu revocations, %llu sessions ended by the daemon, %llu ACKs on "
		"the pipe, %llu ACK-then-UNSUBSCRIBE checked\n",
		(unsigned long long)seen.notes, (unsigned long long)seen.acks,
		(unsigned long long)seen.stale, (unsigned long long)seen.late,
		(unsigned long long)seen.timeouts, (unsigned long long)seen.reloads,
		(unsigned long long)seen.revoked, (unsigned long long)seen.ended,
		(unsigned long long)seen.pipe_acks, (unsigned long long)seen.ack_unsubs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("seeds");

	tcase_add_test(tc, model_seeds);
	tcase_set_timeout(tc, 0);
	suite_add_tcase(s, tc);
	return check_run(s);
}
