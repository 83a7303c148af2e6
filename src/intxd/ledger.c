/* SPDX-License-Identifier: MIT */
/* ledger.c - who owes which acknowledgement, until when, and what then. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "device.h"
#include "events.h"
#include "ledger.h"
#include "line.h"
#include "log.h"
#include "proto.h"
#include "session.h"

static void on_deadline(void *arg)
{
	ledger_expire(arg);
}

int ledger_init(struct daemon *d)
{
	d->deadlines = itimer_new(d->base, on_deadline, d);
	return d->deadlines ? 0 : -ENOMEM;
}

void ledger_fini(struct daemon *d)
{
	itimer_free(d->deadlines);
	d->deadlines = NULL;
}

void ledger_free(struct ledger *l)
{
	free(l->debts);
	memset(l, 0, sizeof(*l));
}

/* A client's own deadline (ms, 0: none) and policy, or the global ones. */
static int64_t timeout_of(const struct daemon *d, const struct client *c)
{
	return c->conf->ack_timeout_ms >= 0 ? c->conf->ack_timeout_ms
					    : d->conf->ack_timeout_ms;
}

static int policy_of(const struct daemon *d, const struct client *c)
{
	return c->conf->ack_policy >= 0 ? c->conf->ack_policy : d->conf->ack_policy;
}

static void arm(struct daemon *d, uint64_t deadline)
{
	if (!itimer_armed(d->deadlines) || itimer_when(d->deadlines) > deadline)
		itimer_arm(d->deadlines, deadline);
}

/* The interrupt's last debt went: the device is done with it. */
static void settle(struct device *tok, bool by_ack)
{
	if (tok->owed.n == 0 && tok->state == DEV_INFLIGHT)
		device_done(tok, by_ack);
}

static void remove_at(struct device *tok, unsigned i)
{
	tok->owed.debts[i] = tok->owed.debts[--tok->owed.n];
}

bool ledger_deliver(struct device *tok, struct device *via, struct session *s,
		    uint64_t now)
{
	struct daemon *d = tok->daemon;
	struct ledger *l = &tok->owed;
	struct ledger_debt *x;
	int64_t ms;

	if (s->dead || !s->client)
		return false;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 4;
		struct ledger_debt *n = realloc(l->debts, cap * sizeof(*n));

		if (!n) {
			session_kill(s, "out of memory");
			return false;
		}
		l->debts = n;
		l->cap = cap;
	}
	x = &l->debts[l->n++];
	ms = timeout_of(d, s->client);
	x->s = s;
	x->via = via;
	x->seq = tok->seq;
	x->deadline = ms > 0 ? now + (uint64_t)ms * 1000000u : 0;
	x->policy = (uint8_t)policy_of(d, s->client);
	x->overdue = false;
	tok->state = DEV_INFLIGHT;
	tok->n.delivered++;
	s->client->delivered++;
	session_notify(s, via->id, tok->id, tok->seq, tok->raised_ns);
	events_emit(d, INTX_EV_DELIVER, 0, tok->seq, via->name, s->client->name);
	if (x->deadline)
		arm(d, x->deadline);
	return true;
}

int ledger_ack(struct session *s, const struct intx_msg_ack *m)
{
	struct daemon *d = s->daemon;
	struct device *tok = daemon_device(d, m->token), *via;
	bool handled = m->flags & INTX_ACK_HANDLED;
	unsigned i;

	for (i = 0; tok && i < tok->owed.n; i++) {
		const struct ledger_debt *x = &tok->owed.debts[i];

		if (x->s == s && x->via->id == m->device_id && x->seq == m->seq)
			break;
	}
	if (!tok || i == tok->owed.n) {
		s->client->late_acks++;
		return -ESTALE;
	}
	via = tok->owed.debts[i].via;
	remove_at(tok, i);
	tok->n.acked++;
	s->client->acked++;
	if (handled) {
		via->n.handled++;
		s->client->handled++;
	} else {
		s->client->unhandled++;
	}
	events_emit(d, INTX_EV_ACK, handled ? INTX_ACK_HANDLED : 0, m->seq,
		    via->name, s->client->name);
	settle(tok, true);
	return 0;
}

/* Settle every debt of tok that matches (s and/or via; NULL: any). */
static void drop_matching(struct device *tok, const struct session *s,
			  const struct device *via)
{
	unsigned i = 0, before = tok->owed.n;

	while (i < tok->owed.n) {
		const struct ledger_debt *x = &tok->owed.debts[i];

		if ((!s || x->s == s) && (!via || x->via == via))
			remove_at(tok, i);
		else
			i++;
	}
	if (tok->owed.n != before)
		settle(tok, false);
}

void ledger_drop_via(struct daemon *d, struct session *s, struct device *via)
{
	unsigned i;

	/* a debt through via is for an interrupt of via's line (the lines
	 * change only in a reload, which ends with ledger_reconcile()) */
	if (via && via->line) {
		for (i = 0; i < via->line->ndevs; i++)
			drop_matching(via->line->devs[i], s, via);
		return;
	}
	for (i = 0; i < d->ndevices; i++)
		if (d->devices[i])
			drop_matching(d->devices[i], s, via);
}

void ledger_drop_session(struct daemon *d, struct session *s)
{
	ledger_drop_via(d, s, NULL);
}

void ledger_drop_device(struct daemon *d, struct device *dev)
{
	unsigned i;

	/* its own interrupt is forgotten, not done: it is not unmasked here */
	dev->owed.n = 0;
	for (i = 0; i < d->ndevices; i++)
		if (d->devices[i] && d->devices[i] != dev)
			drop_matching(d->devices[i], NULL, dev);
}

static void report_timeout(struct device *tok, const struct ledger_debt *x)
{
	struct session *s = x->s;

	s->client->timeouts++;
	tok->n.timeouts++;
	events_emit(tok->daemon, INTX_EV_TIMEOUT, 0, x->seq, x->via->name,
		    s->client->name);
	if (log_allow(&tok->log_timeouts, "ack time-out"))
		log_full(LOG_WARNING, tok->name, tok->line ? tok->line->name : NULL,
			 s->client->name,
			 "session %u (pid %d) did not acknowledge interrupt %llu "
			 "in time; %s", s->id, (int)s->cred.pid,
			 (unsigned long long)x->seq,
			 x->policy == CONF_ACK_WAIT ? "the device stays masked" :
			 x->policy == CONF_ACK_DROP ? "dropping the session" :
						      "forgiven; redelivered if it still asserts");
}

void ledger_expire(struct daemon *d)
{
	uint64_t now = now_ns(), next = 0;
	unsigned i, k;

	for (i = 0; i < d->ndevices; i++) {
		struct device *tok = d->devices[i];
		bool forgave = false;

		for (k = 0; tok && k < tok->owed.n;) {
			struct ledger_debt *x = &tok->owed.debts[k];

			/* an ending session's debts are settled when it goes */
			if (!x->deadline || x->overdue || x->s->dead) {
				k++;
				continue;
			}
			if (x->deadline > now) {
				if (!next || x->deadline < next)
					next = x->deadline;
				k++;
				continue;
			}
			report_timeout(tok, x);
			if (x->policy == CONF_ACK_REDELIVER) {
				remove_at(tok, k);
				forgave = true;
				continue;
			}
			x->overdue = true;
			if (x->policy == CONF_ACK_DROP)
				session_kill(x->s, "acknowledgement time-out");
			k++;
		}
		if (forgave)
			settle(tok, false);
	}
	if (next)
		arm(d, next);
}

/* Does debt x still hold, with the subscriptions and lines as they are? */
static bool holds(const struct device *tok, const struct ledger_debt *x)
{
	const struct session *s = x->s;

	if (x->via->id >= s->ndevices || !s->subscribed[x->via->id] || !s->client ||
	    !client_bound(s->client, x->via->name))
		return false;
	return x->via == tok || (tok->line && tok->line->broadcast &&
				 x->via->line == tok->line);
}

void ledger_reconcile(struct daemon *d)
{
	uint64_t now;
	unsigned i, k;

	for (i = 0; i < d->ndevices; i++) {
		struct device *tok = d->devices[i];
		unsigned before;

		if (!tok)
			continue;
		before = tok->owed.n;
		for (k = 0; k < tok->owed.n;)
			if (holds(tok, &tok->owed.debts[k]))
				k++;
			else
				remove_at(tok, k);
		if (tok->owed.n != before)
			settle(tok, false);
	}
	now = now_ns();
	for (i = 0; i < d->ndevices; i++)
		if (d->devices[i] && d->devices[i]->state == DEV_PENDING)
			device_offer(d->devices[i], now);
}

static int bad(char *why, size_t n, const struct device *tok, const char *fmt,
	       const char *detail)
{
	char what[192];

	snprintf(what, sizeof(what), fmt, detail);
	snprintf(why, n, "device %s (seq %llu, state %d, %u owed): %s", tok->name,
		 (unsigned long long)tok->seq, (int)tok->state, tok->owed.n, what);
	return -EPROTO;
}

/* Could anybody hear an interrupt of tok now? */
static bool has_listener(const struct device *tok)
{
	const struct line *l = tok->line;
	unsigned i, k;

	if (!l || !l->broadcast) {
		for (k = 0; k < tok->nsubs; k++)
			if (!tok->subs[k]->dead && tok->subs[k]->client)
				return true;
		return false;
	}
	for (i = 0; i < l->ndevs; i++)
		for (k = 0; k < l->devs[i]->nsubs; k++)
			if (!l->devs[i]->subs[k]->dead && l->devs[i]->subs[k]->client)
				return true;
	return false;
}

int ledger_check(const struct daemon *d, char *why, size_t n)
{
	unsigned i, k, j;

	for (i = 0; i < d->ndevices; i++) {
		const struct device *tok = d->devices[i];

		if (!tok)
			continue;
		if ((tok->owed.n > 0) != (tok->state == DEV_INFLIGHT))
			return bad(why, n, tok, "in flight %s debts", tok->owed.n ?
				   "with no state to match its" : "without");
		if (device_offerable(tok) && has_listener(tok))
			return bad(why, n, tok, "pending while %s can hear it",
				   "a subscriber");
		for (k = 0; k < tok->owed.n; k++) {
			const struct ledger_debt *x = &tok->owed.debts[k];
			const struct session *s = x->s;

			if (s->dead || !s->linked || !s->client)
				return bad(why, n, tok, "owed by a session that %s",
					   "is gone");
			if (!holds(tok, x))
				return bad(why, n, tok, "owed through %s, which the session "
					   "may not hear (unsubscribed, unbound, off the line)",
					   x->via->name);
			if (x->seq != tok->seq)
				return bad(why, n, tok, "owed for an older interrupt%s", "");
			if (x->deadline && !x->overdue &&
			    (!itimer_armed(d->deadlines) ||
			     itimer_when(d->deadlines) > x->deadline))
				return bad(why, n, tok, "deadline %s not armed", "");
			for (j = k + 1; j < tok->owed.n; j++)
				if (tok->owed.debts[j].s == s &&
				    tok->owed.debts[j].via == x->via)
					return bad(why, n, tok, "owed twice through %s",
						   x->via->name);
		}
	}
	return 0;
}
