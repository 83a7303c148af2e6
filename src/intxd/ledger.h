/* SPDX-License-Identifier: MIT */
/*
 * ledger.h - the acknowledgement ledger: the one owner of "who owes what
 * for which interrupt", and the only place that decides a device's
 * interrupt is done (so the device may be unmasked).
 *
 * A debt is one notification not yet settled: session s was told, through
 * device `via`, of interrupt `seq` of the token device (selective: via is
 * the token; broadcast: any device of the token's line).  It carries the
 * deadline and policy of s's own client.  A debt is settled by:
 *   - an ACK with the same via, token and seq (any other ACK is late);
 *   - its session ending, or unsubscribing from via, or losing via (reload);
 *   - its deadline, under `redeliver` (forgiven) or `drop` (the session
 *     ends); under `wait` it is reported once and stays owed.
 * When the last debt of a device's interrupt is settled, the device is done.
 */
#ifndef INTXD_LEDGER_H
#define INTXD_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct device;
struct session;
struct intx_msg_ack;

struct ledger_debt {
	struct session *s;
	struct device *via;
	uint64_t seq;
	uint64_t deadline; /* CLOCK_MONOTONIC ns; 0: the client waits forever */
	uint8_t policy;    /* enum conf_ack_policy */
	bool overdue;      /* deadline passed and reported; still owed */
};

/* What is owed for one device's interrupt in flight (in struct device). */
struct ledger {
	struct ledger_debt *debts;
	unsigned n, cap;
};

/* The daemon's deadline timer. 0 or -ENOMEM. */
int ledger_init(struct daemon *d);
void ledger_fini(struct daemon *d);

/* Tell s, through via, of tok's current interrupt, and record the debt,
 * its deadline counted from now (the caller's clock read, one per
 * interrupt).  A session that is ending is not told.  Returns true if a
 * debt was made. */
bool ledger_deliver(struct device *tok, struct device *via, struct session *s,
		    uint64_t now);

/* An ACK from s.  0: it settled a debt; -ESTALE: nothing owed matches it
 * (late, a stale seq, or never notified) and nothing changes. */
int ledger_ack(struct session *s, const struct intx_msg_ack *m);

/* Settle what s owes through via (s stops hearing about via). */
void ledger_drop_via(struct daemon *d, struct session *s, struct device *via);
/* Settle everything s owes (s ends). */
void ledger_drop_session(struct daemon *d, struct session *s);
/* dev goes away: forget its interrupt's debts, settle those through it. */
void ledger_drop_device(struct daemon *d, struct device *dev);

/* After a reload: settle each debt that no longer holds (its session is
 * not subscribed to or bound to via any more, or via left the token's
 * line), then offer each pending interrupt to whoever can now hear it. */
void ledger_reconcile(struct daemon *d);

/* Apply every deadline passed by now (the timer's work; tests call it). */
void ledger_expire(struct daemon *d);

/*
 * The invariants, for tests: every debt is of a live session subscribed
 * to and bound to its via, on the token's current seq, on the token's line;
 * one debt per (session, via, token); a device is in flight exactly when
 * it has debts; a pending device has nobody who could hear it; a debt with
 * a deadline has the timer armed no later.  0, or -EPROTO with why.
 */
int ledger_check(const struct daemon *d, char *why, size_t n);

void ledger_free(struct ledger *l);

#endif
