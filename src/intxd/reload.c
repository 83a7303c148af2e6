/* SPDX-License-Identifier: MIT */
/*
 * reload.c - re-read the config and apply the difference: parse and
 * validate first (any error: the running config stays), then keep every
 * device whose definition did not change (its fd, mask state, subscribers
 * and counters), close the removed ones, open the new ones, re-derive the
 * lines, and re-check every session against the new clients and bindings.
 *
 * A device that moves to another client loses nothing: its old subscriber
 * is told (REVOKED) and what it owed is settled, so the device is unmasked;
 * one that still asserts interrupts again at once and waits, masked, for
 * its new owner (level-triggered semantics do the rest).  The ledger has
 * the last word (ledger_reconcile): debts that no longer hold are settled,
 * pending interrupts offered to whoever can now hear them.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "backend.h"
#include "client.h"
#include "conf.h"
#include "control.h"
#include "daemon.h"
#include "device.h"
#include "ledger.h"
#include "line.h"
#include "linewatch.h"
#include "log.h"
#include "nameidx.h"
#include "placement.h"
#include "session.h"

/* Log every error conf_load wrote, and give them all to the caller, a
 * line each, as many as fit (intxctl reload prints every one). */
static void report_errors(const char *what, char *buf, char *msg, size_t msgsize)
{
	char *line, *save = NULL;
	size_t len = 0;

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		log_err("%s: %s", what, line);
		if (len < msgsize)
			len += (size_t)snprintf(msg + len, msgsize - len, "%s%s",
						len ? "\n" : "", line);
	}
}

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Is the running device what the new definition describes?  The line is
 * not part of it: rebuild_lines() re-places every device, and reopening
 * one only to move it would fail for a vfio device whose fd a subscriber
 * holds (the group is busy: EBUSY). */
static bool unchanged(const struct device *dev, const struct conf_device *old,
		      const struct conf_device *cd)
{
	return !dev->failed && strcmp(old->backend, cd->backend) == 0 &&
	       strcmp(old->pci, cd->pci) == 0 && same_str(old->path, cd->path);
}

static const struct conf_device *conf_dev(const struct conf *c, const char *name)
{
	int i = conf_device_find(c, name);

	return i < 0 ? NULL : &c->devices[i];
}

/*
 * Names matched between the old and the new config through a sorted
 * index (nameidx.h): at the config's limits (1024 devices, 1024 clients) a
 * linear search per name made a reload a few million strcmp()s.
 */
static const char *conf_dev_name(const void *arr, unsigned i)
{
	return ((const struct conf_device *)arr)[i].name;
}

static const char *dev_name(const void *arr, unsigned i)
{
	const struct device *dev = ((struct device *const *)arr)[i];

	return dev ? dev->name : NULL;
}

static const char *client_name(const void *arr, unsigned i)
{
	return ((struct client *const *)arr)[i]->name;
}

static const char *line_name(const void *arr, unsigned i)
{
	return ((struct line *const *)arr)[i]->name;
}

static int conf_index(struct nameidx *x, const struct conf *c)
{
	return nameidx_build(x, c->devices, c->ndevices, conf_dev_name);
}

static const struct conf_device *conf_dev_at(const struct conf *c,
					     const struct nameidx *x, const char *name)
{
	int i = nameidx_find(x, name);

	return i < 0 ? NULL : &c->devices[i];
}

/* Tell every session subscribed to dev that it loses it. */
static void revoke_all(struct daemon *d, struct device *dev, int err,
		       const char *why)
{
	struct session *s;

	TAILQ_FOREACH(s, &d->sessions, entry)
		if (dev->id < s->ndevices && s->subscribed[dev->id])
			session_revoke(s, dev, err, why);
}

/* Take dev out of service: its subscribers told, nothing owed, then free. */
static void remove_device(struct daemon *d, struct device *dev)
{
	revoke_all(d, dev, ENOENT, "device removed from the configuration");
	ledger_drop_device(d, dev);
	log_full(LOG_INFO, dev->name, NULL, NULL, "reload: device removed");
	d->devices[dev->id] = NULL;
	device_free(dev);
}

/* A device redefined under the same name (another path, address or
 * backend, or one that had failed) is reopened in the same slot: clients
 * keep its id, and their subscriptions carry over; so do its counters and
 * its sequence number, so that an acknowledgement of the old device's
 * interrupt never matches the new one's. */
static int replace_device(struct daemon *d, struct device *old,
			  const struct conf_device *cd, const char *why)
{
	struct device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	dev->id = old->id;
	dev->seq = old->seq;
	dev->n = old->n;
	/* the administrator masked the name, not the object: device_start()
	 * masks the reopened device */
	dev->admin_masked = old->admin_masked;
	ledger_drop_device(d, old);
	/* the subscribers move over; old is closed before the new one opens
	 * (a vfio group or a sim socket can be held once only) */
	dev->subs = old->subs;
	dev->nsubs = old->nsubs;
	dev->subs_cap = old->subs_cap;
	old->subs = NULL;
	old->nsubs = old->subs_cap = 0;
	device_free(old);
	d->devices[dev->id] = dev;
	(void)device_open(d, dev, cd);
	log_full(dev->failed ? LOG_DEBUG : LOG_INFO, dev->name, NULL, NULL,
		 "%s: device opened again%s", why,
		 dev->failed ? ", and it failed to open" : "");
	if (dev->failed)
		revoke_all(d, dev, ENODEV, "the device failed to open again");
	return 0;
}

/* New clients, with the counters of the old ones of the same name. */
static int new_clients(struct daemon *d, const struct conf *nc,
		       struct client ***out)
{
	struct client **cl = calloc(nc->nclients + 1, sizeof(*cl));
	struct nameidx old;
	unsigned i;
	int k;

	if (!cl || nameidx_build(&old, d->clients, d->nclients, client_name) < 0) {
		free(cl);
		return -ENOMEM;
	}
	for (i = 0; i < nc->nclients; i++) {
		cl[i] = calloc(1, sizeof(**cl));
		if (!cl[i]) {
			while (i--)
				free(cl[i]);
			free(cl);
			nameidx_free(&old);
			return -ENOMEM;
		}
		cl[i]->root = nc;
		cl[i]->conf = &nc->clients[i];
		cl[i]->name = nc->clients[i].name;
		k = nameidx_find(&old, cl[i]->name);
		if (k >= 0) {
			const struct client *o = d->clients[k];

			cl[i]->delivered = o->delivered;
			cl[i]->acked = o->acked;
			cl[i]->handled = o->handled;
			cl[i]->unhandled = o->unhandled;
			cl[i]->timeouts = o->timeouts;
			cl[i]->late_acks = o->late_acks;
		}
	}
	nameidx_free(&old);
	*out = cl;
	return 0;
}

/* Stop telling s about anything, and settle what it owes. */
static void drop_all(struct daemon *d, struct session *s)
{
	unsigned i;

	for (i = 0; i < s->ndevices; i++)
		if (s->subscribed[i])
			device_unsubscribe(d->devices[i], s);
	ledger_drop_session(d, s);
}

/*
 * Each session: still admitted (uid, gid and the supplementary groups it
 * was admitted with), as which client; take away, with REVOKED, what it may
 * no longer hear about.
 */
static void recheck_sessions(struct daemon *d, struct client **cl,
			     const struct nameidx *clx)
{
	struct session *s;
	unsigned i;

	TAILQ_FOREACH(s, &d->sessions, entry) {
		struct client *nc = NULL;
		int k;

		if (s->role != INTX_ROLE_CLIENT || !s->client)
			continue;
		s->client->sessions--;
		k = s->dead ? -1 : nameidx_find(clx, s->client->name);
		if (k >= 0)
			nc = cl[k];
		if (nc && !client_admits(nc, &s->cred, s->groups, s->ngroups))
			nc = NULL;
		if (!nc) {
			/* the old client goes away with the old config */
			drop_all(d, s);
			session_kill(s, "its client is gone from the config, or no "
					"longer admits it");
			s->client = NULL;
			continue;
		}
		s->client = nc;
		nc->sessions++;
		for (i = 0; i < s->ndevices; i++) {
			struct device *dev = d->devices[i];
			char why[INTX_TEXT_MAX];

			if (!s->subscribed[i] || client_bound(nc, dev->name))
				continue;
			snprintf(why, sizeof(why),
				 "client '%s' is no longer bound to device '%s'",
				 nc->name, dev->name);
			session_revoke(s, dev, EACCES, why);
		}
	}
}

/* Lines are derived from the devices: make them anew, keeping the
 * counters of those that persist. */
static int rebuild_lines(struct daemon *d, const struct conf *nc)
{
	struct line **old = d->lines;
	unsigned nold = d->nlines, i, k;
	struct nameidx x;
	int r = conf_index(&x, nc);

	if (r < 0)
		return r;
	d->lines = NULL;
	d->nlines = 0;
	for (i = 0; i < d->ndevices && r == 0; i++) {
		struct device *dev = d->devices[i];

		if (!dev)
			continue;
		dev->line = NULL;
		r = daemon_place_device(d, dev, conf_dev_at(nc, &x, dev->name));
	}
	nameidx_free(&x);
	/* a line keeps its counters across the reload (up to 1024 lines) */
	if (r == 0)
		r = nameidx_build(&x, old, nold, line_name);
	for (i = 0; i < d->nlines && r == 0; i++) {
		int j = nameidx_find(&x, d->lines[i]->name);

		if (j < 0)
			continue;
		d->lines[i]->events = old[j]->events;
		d->lines[i]->spurious = old[j]->spurious;
		d->lines[i]->status_reads = old[j]->status_reads;
		d->lines[i]->merged = old[j]->merged;
		d->lines[i]->idle_wakes = old[j]->idle_wakes;
	}
	if (r == 0)
		nameidx_free(&x);
	for (k = 0; k < nold; k++)
		line_free(old[k]);
	free(old);
	return r;
}

/* After devices were replaced, added or removed: the lines anew, the new
 * devices started, and the ledger's last word (debts that no longer hold
 * settled, pending interrupts offered).  0 or -ENOMEM. */
static int rederive(struct daemon *d, const struct conf *c)
{
	unsigned i;
	int r = rebuild_lines(d, c);

	if (r < 0)
		return r;
	for (i = 0; i < d->ndevices; i++)
		if (d->devices[i] && !d->devices[i]->ev_started)
			(void)device_start(d->devices[i]);
	ledger_reconcile(d);
	return 0;
}

/*
 * A failed device is opened again on a timer, backing off from 1 s to a
 * minute: a vfio group that a departed client still held, a device node
 * that appears late.  One that comes back is served as after a reload.
 */
#define RETRY_FIRST_MS 1000u
#define RETRY_MAX_MS 60000u

static void on_retry(void *arg)
{
	struct daemon *d = arg;
	unsigned i, back = 0, still = 0;

	for (i = 0; i < d->ndevices; i++) {
		struct device *dev = d->devices[i];

		if (!dev || !dev->failed)
			continue;
		if (replace_device(d, dev, conf_dev(d->conf, dev->name), "retry") < 0 ||
		    d->devices[i]->failed)
			still++;
		else
			back++;
	}
	/* the lines held the devices replaced: derive them again */
	if (back + still > 0 && rederive(d, d->conf) < 0) {
		log_err("retrying failed devices: out of memory; stopping");
		event_base_loopexit(d->base, NULL);
		return;
	}
	if (back) {
		log_info("%u failed device(s) opened again", back);
		control_notify_ready(d);
	}
	d->retry_ms = still ? d->retry_ms * 2 : 0;
	if (d->retry_ms > RETRY_MAX_MS)
		d->retry_ms = RETRY_MAX_MS;
	if (still)
		daemon_schedule_retry(d);
}

int daemon_retry_init(struct daemon *d)
{
	d->retry = itimer_new(d->base, on_retry, d);
	return d->retry ? 0 : -ENOMEM;
}

void daemon_schedule_retry(struct daemon *d)
{
	unsigned i, failed = 0;

	if (!d->retry || itimer_armed(d->retry))
		return;
	for (i = 0; i < d->ndevices; i++)
		failed += d->devices[i] && d->devices[i]->failed;
	if (!failed)
		return;
	if (!d->retry_ms)
		d->retry_ms = RETRY_FIRST_MS;
	itimer_arm(d->retry, now_ns() + (uint64_t)d->retry_ms * 1000000u);
}

/* A device that does not open is no error of the config: the reload goes
 * on without it (and it is opened again on a timer).  Still, whoever asked
 * is told, a line each. */
static void report_failed(const struct daemon *d, char *msg, size_t msgsize)
{
	size_t len = 0;
	unsigned i;

	for (i = 0; i < d->ndevices && len < msgsize; i++) {
		const struct device *dev = d->devices[i];

		if (dev && dev->failed)
			len += (size_t)snprintf(msg + len, msgsize - len,
						"%sdevice '%s' is not served: %s", len ? "\n" : "",
						dev->name, dev->fail_reason);
	}
}

/* The config file, for what ("reload", "restart"): 0 and *out, or -errno
 * with every problem logged and in msg (report_errors()), or the file's
 * own error when it named none. */
static int load(struct daemon *d, const char *what, struct conf **out, char *msg,
		size_t msgsize)
{
	char *errbuf = NULL;
	size_t errlen = 0;
	FILE *errs;
	int r;

	msg[0] = 0;
	errs = open_memstream(&errbuf, &errlen);
	if (!errs)
		return -ENOMEM;
	r = conf_load(d->conf_path, errs, out);
	fclose(errs);
	if (r < 0) {
		report_errors(what, errbuf, msg, msgsize);
		if (!msg[0])
			snprintf(msg, msgsize, "%s: %s", d->conf_path, strerror(-r));
	}
	free(errbuf);
	return r;
}

int daemon_check_config(struct daemon *d, char *msg, size_t msgsize)
{
	struct conf *c = NULL;
	int r;

	r = load(d, "restart", &c, msg, msgsize);
	if (r == 0 && geteuid() != 0 && c->run_uid >= 0 && (uid_t)c->run_uid != geteuid()) {
		/* privileges dropped: the new image could not take another
		 * user, and would exit */
		snprintf(msg, msgsize, "%s: user: intxd runs as uid %u and cannot "
			 "become uid %lld; a restart of the service can",
			 d->conf_path, (unsigned)geteuid(), (long long)c->run_uid);
		log_err("restart: %s", msg);
		r = -EINVAL;
	}
	conf_free(c);
	return r;
}

int daemon_reload(struct daemon *d, char *msg, size_t msgsize)
{
	struct conf *nc = NULL, *oc = d->conf;
	struct client **cl = NULL;
	struct nameidx nx = { 0 }, ox = { 0 }, dx = { 0 }, clx = { 0 };
	unsigned i, added = 0, removed = 0, kept = 0, redefined = 0, first_new;
	int r;

	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
	r = load(d, "reload", &nc, msg, msgsize);
	if (r < 0) {
		sd_notify(0, "READY=1\nSTATUS=reload failed; the previous configuration runs");
		log_err("reload failed; the running configuration stays");
		return r;
	}
	if (strcmp(nc->socket, oc->socket) != 0)
		log_warn("reload: the socket moves to %s when intxd is next started "
			 "(intxctl restart keeps the one it has)", nc->socket);
	r = new_clients(d, nc, &cl);
	if (r == 0 && (conf_index(&nx, nc) < 0 || conf_index(&ox, oc) < 0 ||
		       nameidx_build(&clx, cl, nc->nclients, client_name) < 0))
		r = -ENOMEM;
	if (r < 0)
		goto fail;

	/* Devices: keep, remove (gone or redefined), add. */
	for (i = 0; i < d->ndevices; i++) {
		struct device *dev = d->devices[i];
		const struct conf_device *cd;

		if (!dev)
			continue;
		cd = conf_dev_at(nc, &nx, dev->name);
		if (!cd) {
			remove_device(d, dev);
			removed++;
		} else if (unchanged(dev, conf_dev_at(oc, &ox, dev->name), cd)) {
			kept++;
		} else {
			r = replace_device(d, dev, cd, "reload");
			if (r < 0)
				goto fail_applied;
			redefined++;
		}
	}
	first_new = d->ndevices;
	/* the devices kept and reopened (a removed one's slot is NULL) */
	if (nameidx_build(&dx, d->devices, first_new, dev_name) < 0) {
		r = -ENOMEM;
		goto fail_applied;
	}
	for (i = 0; i < nc->ndevices; i++) {
		struct device *dev, **n;
		if (nameidx_find(&dx, nc->devices[i].name) >= 0)
			continue;
		n = realloc(d->devices, (d->ndevices + 1) * sizeof(*n));
		dev = calloc(1, sizeof(*dev));
		if (n)
			d->devices = n;
		if (!n || !dev) {
			free(dev);
			r = -ENOMEM;
			goto fail_applied;
		}
		dev->id = d->ndevices;
		d->devices[d->ndevices++] = dev;
		/* a device that does not open is failed and reported, as at
		 * start-up; the rest of the reload goes on */
		(void)device_open(d, dev, &nc->devices[i]);
		added++;
	}
	{
		struct session *s;

		TAILQ_FOREACH(s, &d->sessions, entry)
			if (session_grow(s, d->ndevices) < 0) {
				r = -ENOMEM;
				goto fail_applied;
			}
	}

	/* Switch over: clients, config, lines. */
	d->conf = nc;
	recheck_sessions(d, cl, &clx);
	for (i = 0; i < d->nclients; i++)
		free(d->clients[i]);
	free(d->clients);
	d->clients = cl;
	d->nclients = nc->nclients;
	cl = NULL;
	r = rederive(d, nc);
	if (r < 0)
		goto fail_applied;
	r = placement_apply(d);
	if (r < 0)
		goto fail_applied;
	daemon_schedule_retry(d);
	linewatch_lines_changed(d);
	conf_free(oc);
	report_failed(d, msg, msgsize);
	control_notify_ready(d);
	log_info("reloaded %s: %u device(s) kept, %u redefined, %u added, "
		 "%u removed; %u client(s), %u line(s)", d->conf_path, kept,
		 redefined, added, removed, d->nclients, d->nlines);
	r = 0;
	goto out;

fail:
	sd_notify(0, "READY=1\nSTATUS=reload failed; the previous configuration runs");
	if (cl) {
		for (i = 0; i < nc->nclients; i++)
			free(cl[i]);
		free(cl);
	}
	conf_free(nc);
	snprintf(msg, msgsize, "reload: %s", strerror(-r));
	log_err("reload failed: %s; the running configuration stays", strerror(-r));
	goto out;
fail_applied:
	/* Out of memory halfway: nothing sensible remains to roll back to. */
	log_err("reload failed half-way: %s; stopping", strerror(-r));
	event_base_loopexit(d->base, NULL);
	snprintf(msg, msgsize, "reload: %s", strerror(-r));
out:
	nameidx_free(&nx);
	nameidx_free(&ox);
	nameidx_free(&dx);
	nameidx_free(&clx);
	return r;
}
