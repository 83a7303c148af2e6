/* SPDX-License-Identifier: MIT */
/*
 * linewatch.c - rogue asserters, quarantine and dead-line revival on the
 * lines intxd serves (linewatch.h says what; here is how).
 *
 * Why these signals: the kernel's /proc/irq/N/spurious counts interrupts
 * no handler claimed, but it resets them when it disables the line, and no
 * file says "disabled" (tests/vm measured it).  What tells a disabled line
 * is the "Disabling IRQ #N" record in /dev/kmsg (read from the start at
 * startup, so a line that died before intxd came is found too) and a
 * /proc/interrupts count that stands still while the line's fds keep
 * waking - the kernel polls a disabled line at 10 Hz and those polls do
 * not count.
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "irqinfo.h"
#include "conf.h"
#include "daemon.h"
#include "device.h"
#include "events.h"
#include "line.h"
#include "linewatch.h"
#include "log.h"
#include "pcidev.h"

#define LW_LINES 64
#define LW_QUAR 32
#define LW_ASSERT 8
#define LW_STILL_MS 1000   /* the kernel's count still this long ... */
#define LW_STILL_WAKES 5   /* ... while the fds woke this often: dead */

struct lw_line {
	int irq;
	bool primed;          /* the counters below have been read once */
	uint64_t unhandled;   /* /proc/irq/N/spurious */
	int64_t intr;         /* /proc/interrupts, summed; -1 unknown */
	uint64_t events, spurious; /* the line's own, at the last look */
	uint64_t idle_wakes;
	/* how long the kernel's count has stood still, and the wakes since:
	 * a vfio unmask of a device that still asserts signals without an
	 * interrupt, so a short stillness is normal under load */
	unsigned still_ticks;
	uint64_t still_events;
	uint32_t rogues;
	bool dead;
	uint64_t dead_ns;
	bool revived_once;
	bool told_blocked;    /* "cannot revive while X asserts" said */
	char asserting[LW_ASSERT][16]; /* found asserting at the last scan */
	unsigned nasserting;
};

struct lw_quar {
	char bdf[16];
	int irq;
};

struct linewatch {
	struct daemon *d;
	struct itimer *timer; /* the periodic look, while armed */
	struct event *kmsg_ev;
	int kmsg_fd;
	bool kmsg_tried; /* opened once, at the first line of host functions */
	struct lw_line lines[LW_LINES];
	unsigned nlines;
	struct lw_quar q[LW_QUAR];
	unsigned nq;
};

static struct lw_line *lw_line(struct linewatch *w, int irq, bool make)
{
	unsigned i;

	for (i = 0; i < w->nlines; i++)
		if (w->lines[i].irq == irq)
			return &w->lines[i];
	if (!make || w->nlines >= LW_LINES)
		return NULL;
	memset(&w->lines[w->nlines], 0, sizeof(w->lines[0]));
	w->lines[w->nlines].irq = irq;
	w->lines[w->nlines].intr = -1;
	return &w->lines[w->nlines++];
}

/*
 * A line of real PCI functions: an IRQ number and a device that is not a
 * sim device.  A sim device's "IRQ" is a number in its config image, not
 * the host's: its line must never be matched against the host's /proc,
 * sysfs and kernel log, let alone have host functions quarantined.
 */
bool linewatch_hw_line(const struct line *l)
{
	unsigned i;

	if (l->irq < 0)
		return false;
	for (i = 0; i < l->ndevs; i++)
		if (l->devs[i]->ops && l->devs[i]->ops != &backend_sim)
			return true;
	return false;
}

/* The served line of that IRQ (the first, if several names share it). */
static struct line *served_line(struct daemon *d, int irq)
{
	unsigned i;

	for (i = 0; i < d->nlines; i++)
		if (d->lines[i]->irq == irq && linewatch_hw_line(d->lines[i]))
			return d->lines[i];
	return NULL;
}

static bool served_pci(struct daemon *d, const char *bdf)
{
	unsigned i;

	for (i = 0; i < d->ndevices; i++)
		if (d->devices[i] && !strcmp(d->devices[i]->pci, bdf))
			return true;
	return false;
}

/* Is bdf's INTx Disable intxctl's to set or clear: a function intxd does
 * not serve (-EEXIST) with no driver bound (-EBUSY)?  0, or -errno
 * (-ENOENT: no such function). */
static int unowned(struct daemon *d, const char *bdf)
{
	char drv[64];
	int r = pcidev_driver(bdf, drv, sizeof(drv));

	if (r < 0)
		return r;
	if (served_pci(d, bdf))
		return -EEXIST;
	return drv[0] ? -EBUSY : 0;
}

static struct lw_quar *quar_find(struct linewatch *w, const char *bdf)
{
	unsigned i;

	for (i = 0; i < w->nq; i++)
		if (!strcmp(w->q[i].bdf, bdf))
			return &w->q[i];
	return NULL;
}

static int read_unhandled(int irq, uint64_t *out)
{
	struct irq_spurious sp;

	if (irqinfo_spurious("/proc", irq, &sp) < 0 || sp.unhandled < 0)
		return -ENOENT;
	*out = (uint64_t)sp.unhandled;
	return 0;
}

/* Set or clear Command bit 10 of a function through sysfs; *was (if
 * given): whether it was set. */
static int cmd_intx(const char *bdf, bool disable, bool *was)
{
	uint16_t cmd, want;
	int fd, r;

	fd = pcidev_cfg_open(bdf, O_RDWR);
	if (fd < 0)
		return fd;
	r = pcidev_cfg_read16(fd, 0, PCI_COMMAND, &cmd);
	if (r == 0 && cmd == 0xffff)
		r = -ENODEV;
	if (r == 0) {
		if (was)
			*was = cmd & PCI_COMMAND_INTX_DISABLE;
		want = disable ? cmd | PCI_COMMAND_INTX_DISABLE : cmd & ~PCI_COMMAND_INTX_DISABLE;
		if (want != cmd)
			r = pcidev_cfg_write16(fd, 0, PCI_COMMAND, want);
	}
	close(fd);
	return r;
}

/* Write a line to the kernel log, so that doctor (and dmesg) see it. */
static void kmsg_say(const char *text)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		log_debug("linewatch: cannot write to /dev/kmsg: %s", strerror(errno));
	close(fd);
}

static void on_tick(void *arg);

/* The periodic look, if it is not running yet: with a served line of
 * host functions, or a quarantine to end when a driver binds. */
static int arm(struct linewatch *w)
{
	if (!w->timer)
		w->timer = itimer_new(w->d->base, on_tick, w);
	if (!w->timer)
		return -ENOMEM;
	if (!itimer_armed(w->timer))
		itimer_arm(w->timer, now_ns() + LINEWATCH_PERIOD_MS * 1000000ull);
	return 0;
}

int linewatch_quarantine(struct daemon *d, const char *bdf, const char *why)
{
	struct linewatch *w = d->linewatch;
	int irq, r;

	if (!w)
		return -ENOTCONN;
	if (pcidev_check_bdf(bdf) < 0)
		return -EINVAL;
	r = unowned(d, bdf);
	if (r < 0)
		return r;
	if (!quar_find(w, bdf) && w->nq >= LW_QUAR)
		return -ENOSPC;
	r = cmd_intx(bdf, true, NULL);
	if (r < 0)
		return r;
	irq = pcidev_irq(bdf);
	if (!quar_find(w, bdf)) {
		snprintf(w->q[w->nq].bdf, sizeof(w->q[0].bdf), "%s", bdf);
		w->q[w->nq++].irq = irq;
	}
	/* a daemon without lines of host functions does not look yet;
	 * the quarantine ends when a driver binds all the same */
	if (arm(w) < 0)
		log_warn("linewatch: cannot arm its timer: the quarantine of %s "
			 "ends by intxctl release only", bdf);
	log_full(LOG_WARNING, bdf, NULL, NULL,
		 "quarantine %s (irq %d): INTx Disable set (%s)", bdf, irq, why);
	events_emit(d, INTX_EV_QUARANTINE, 0, irq < 0 ? 0 : (uint64_t)irq, bdf, "");
	return 0;
}

static void quar_drop(struct linewatch *w, struct lw_quar *q)
{
	*q = w->q[--w->nq];
}

int linewatch_release(struct daemon *d, const char *bdf, const char *why)
{
	struct linewatch *w = d->linewatch;
	struct lw_quar *q;
	int irq, r;

	if (!w)
		return -ENOTCONN;
	if (pcidev_check_bdf(bdf) < 0)
		return -EINVAL;
	q = quar_find(w, bdf);
	if (q) {
		irq = q->irq;
		quar_drop(w, q);
		r = cmd_intx(bdf, false, NULL);
	} else {
		/*
		 * Not quarantined by this process: the list is its own, and
		 * the INTx Disable of a quarantine outlives intxd (a restart,
		 * an exit).  By hand, it is cleared all the same on a function
		 * that nothing else could own: no driver, not served.
		 */
		bool was = false;

		r = unowned(d, bdf);
		if (r < 0)
			return r;
		irq = pcidev_irq(bdf);
		r = cmd_intx(bdf, false, &was);
		if (r == 0 && !was)
			return -EALREADY;
	}
	log_full(LOG_NOTICE, bdf, NULL, NULL, "release %s (irq %d): INTx Disable %s (%s)",
		 bdf, irq, r < 0 ? "could not be cleared" : "cleared", why);
	events_emit(d, INTX_EV_RELEASE, 0, irq < 0 ? 0 : (uint64_t)irq, bdf, "");
	return r;
}

/*
 * Every function routed to irq that intxd does not serve, with Status bit
 * 3 set and Command bit 10 clear, into ws->asserting.  New ones are
 * reported (and quarantined if so configured).  Returns how many assert.
 */
static unsigned scan_rogues(struct linewatch *w, struct lw_line *ws, struct line *l)
{
	struct daemon *d = w->d;
	char found[LW_ASSERT][16];
	unsigned n = 0, i;
	struct dirent *e;
	DIR *dir = opendir(PCIDEV_SYSFS);

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		uint16_t cmd, st;
		char drv[64] = "";
		bool known = false;
		int fd;

		if (pcidev_check_bdf(e->d_name) < 0 || pcidev_irq(e->d_name) != ws->irq ||
		    served_pci(d, e->d_name))
			continue;
		fd = pcidev_cfg_open(e->d_name, O_RDONLY);
		if (fd < 0)
			continue;
		if (pcidev_cfg_read16(fd, 0, PCI_COMMAND, &cmd) < 0 ||
		    pcidev_cfg_read16(fd, 0, PCI_STATUS, &st) < 0 || cmd == 0xffff) {
			close(fd);
			continue;
		}
		close(fd);
		if (!(st & PCI_STATUS_INTERRUPT) || (cmd & PCI_COMMAND_INTX_DISABLE))
			continue;
		for (i = 0; i < ws->nasserting; i++)
			if (!strcmp(ws->asserting[i], e->d_name))
				known = true;
		(void)pcidev_driver(e->d_name, drv, sizeof(drv));
		if (!known) {
			ws->rogues++;
			log_full(LOG_WARNING, e->d_name, l->name, NULL,
				 "rogue asserter on irq %d: %s (driver %s) has Interrupt Status "
				 "set and INTx Disable clear; no handler claims it",
				 ws->irq, e->d_name, drv[0] ? drv : "none");
			events_emit(d, INTX_EV_ROGUE, 0, (uint64_t)ws->irq, e->d_name, "");
		}
		if (d->conf->quarantine && !drv[0]) {
			int r = linewatch_quarantine(d, e->d_name, "quarantine = yes");

			if (r == 0)
				continue; /* masked now: it no longer asserts the line */
			if (!known)
				log_full(LOG_ERR, e->d_name, l->name, NULL,
					 "cannot quarantine %s: %s", e->d_name, strerror(-r));
		} else if (!known) {
			log_full(LOG_WARNING, e->d_name, l->name, NULL,
				 "%s is not quarantined (%s): intxctl quarantine %s masks it",
				 e->d_name, drv[0] ? "a driver is bound" : "quarantine = no",
				 e->d_name);
		}
		if (n < LW_ASSERT)
			memcpy(found[n], e->d_name, sizeof(found[0])); /* a checked BDF: 12 chars + NUL */
		n++;
	}
	closedir(dir);
	ws->nasserting = n < LW_ASSERT ? n : LW_ASSERT;
	memcpy(ws->asserting, found, ws->nasserting * sizeof(found[0]));
	return n;
}

/* Register one served device's INTx again: the kernel enables the line. */
static void revive(struct linewatch *w, struct lw_line *ws, struct line *l)
{
	unsigned i;

	for (i = 0; i < l->ndevs; i++) {
		struct device *dev = l->devs[i];
		char msg[96];
		bool held;
		int r;

		if (dev->failed || !dev->ops || !dev->ops->rearm)
			continue;
		held = device_held(dev);
		r = dev->ops->rearm(dev);
		if (r < 0) {
			log_full(LOG_ERR, dev->name, l->name, NULL,
				 "irq %d: re-registering the INTx of %s failed: %s", ws->irq,
				 dev->name, strerror(-r));
			continue;
		}
		/* the same fd number, maybe a new file behind it: watch it anew
		 * (libevent ignores the stale registration's removal) */
		if (dev->ev)
			event_del(dev->ev);
		if (!held) {
			/* the new driver's handler may have masked it already,
			 * signalling a uio file we had not opened yet:
			 * device_start() services such a device */
			(void)device_start(dev);
		} else {
			if (dev->ev && event_add(dev->ev, NULL) < 0)
				device_fail(dev, "watch the interrupt fd again", -ENOMEM);
			/* vfio comes back unmasked; keep intxd's own mask state */
			if (!dev->failed && (r = dev->ops->mask(dev)) < 0)
				device_fail(dev, "mask after re-registering INTx", r);
		}
		ws->dead = false;
		ws->revived_once = true;
		ws->told_blocked = false;
		ws->intr = irqinfo_interrupts("/proc", ws->irq);
		log_full(LOG_NOTICE, dev->name, l->name, NULL,
			 "irq %d: revived: re-registered the INTx of %s, %.1f ms after the "
			 "line was found disabled", ws->irq, dev->name,
			 (double)(now_ns() - ws->dead_ns) / 1e6);
		snprintf(msg, sizeof(msg), "intxd: irq %d: revived (%s)\n", ws->irq, dev->name);
		kmsg_say(msg);
		events_emit(w->d, INTX_EV_REVIVED, 0, (uint64_t)ws->irq, dev->name, "");
		return;
	}
	if (!ws->told_blocked)
		log_full(LOG_ERR, NULL, l->name, NULL,
			 "irq %d is disabled and no device on it can re-register its INTx "
			 "(backend without rearm)", ws->irq);
	ws->told_blocked = true;
}

static void mark_dead(struct linewatch *w, struct lw_line *ws, struct line *l,
		      const char *how)
{
	if (ws->dead)
		return;
	ws->dead = true;
	ws->dead_ns = now_ns();
	ws->told_blocked = false;
	/* after a revival, another whole second of stillness to say it again */
	ws->still_ticks = 0;
	ws->still_events = 0;
	log_full(LOG_ERR, NULL, l->name, NULL,
		 "irq %d: the kernel disabled the line (%s); its devices are only polled",
		 ws->irq, how);
	events_emit(w->d, INTX_EV_LINE_DEAD, 0, (uint64_t)ws->irq, "", "");
}

/* Look at one served line now; intr is its /proc/interrupts count (the
 * tick reads the file once for every line: it is long on a big host). */
static void check_line(struct linewatch *w, struct line *l, int64_t intr)
{
	struct lw_line *ws = lw_line(w, l->irq, true);
	uint64_t unhandled = 0;
	bool climbing, frozen;
	unsigned asserting = 0;

	if (!ws)
		return;
	if (read_unhandled(l->irq, &unhandled) < 0)
		unhandled = 0;
	climbing = ws->primed && (unhandled > ws->unhandled || l->spurious > ws->spurious);
	/* fds keep waking for a second, the kernel's count does not move:
	 * only its 10 Hz poll runs (the kernel log says so at once, too) */
	if (ws->primed && intr >= 0 && intr == ws->intr) {
		ws->still_ticks++;
		/* a vfio unmask signals at once for a device that still
		 * asserts, no interrupt taken: only idle wakeups count */
		if (l->idle_wakes > ws->idle_wakes)
			ws->still_events += l->idle_wakes - ws->idle_wakes;
	} else {
		ws->still_ticks = 0;
		ws->still_events = 0;
	}
	frozen = ws->still_ticks * LINEWATCH_PERIOD_MS >= LW_STILL_MS &&
		 ws->still_events >= LW_STILL_WAKES;
	if (frozen && !ws->dead)
		mark_dead(w, ws, l, "/proc/interrupts stands still while its devices wake");
	ws->primed = true;
	ws->unhandled = unhandled;
	ws->intr = intr;
	ws->events = l->events;
	ws->idle_wakes = l->idle_wakes;
	ws->spurious = l->spurious;
	if (climbing || ws->dead || ws->nasserting)
		asserting = scan_rogues(w, ws, l);
	if (!ws->dead)
		return;
	if (asserting) {
		if (!ws->told_blocked)
			log_full(LOG_ERR, NULL, l->name, NULL,
				 "irq %d stays disabled while %s asserts it unmasked: "
				 "intxctl quarantine %s", ws->irq, ws->asserting[0],
				 ws->asserting[0]);
		ws->told_blocked = true;
		return;
	}
	revive(w, ws, l);
}

/* Quarantined functions that got a driver are the driver's again. */
static void check_quarantine(struct linewatch *w)
{
	unsigned i = 0;

	while (i < w->nq) {
		char drv[64] = "";
		int r = pcidev_driver(w->q[i].bdf, drv, sizeof(drv));

		if (r == -ENOENT) {
			log_full(LOG_NOTICE, w->q[i].bdf, NULL, NULL,
				 "quarantined %s is gone", w->q[i].bdf);
			quar_drop(w, &w->q[i]);
			continue;
		}
		if (r == 0 && drv[0]) {
			char why[96];

			snprintf(why, sizeof(why), "driver %s bound to it", drv);
			(void)linewatch_release(w->d, w->q[i].bdf, why);
			continue;
		}
		i++;
	}
}

static void on_tick(void *arg)
{
	struct linewatch *w = arg;
	struct daemon *d = w->d;
	struct line *todo[LW_LINES];
	int irqs[LW_LINES];
	int64_t intr[LW_LINES];
	unsigned i, k, n = 0;
	uint64_t next;

	/* the next look a period after this one was due, not after it ran;
	 * after a stall (SIGSTOP), a period from now rather than a burst */
	next = itimer_when(w->timer) + LINEWATCH_PERIOD_MS * 1000000ull;
	if (next <= now_ns())
		next = now_ns() + LINEWATCH_PERIOD_MS * 1000000ull;
	itimer_arm(w->timer, next);
	for (i = 0; i < d->nlines && n < LW_LINES; i++) {
		struct line *l = d->lines[i];
		bool seen = false;

		if (!linewatch_hw_line(l))
			continue;
		for (k = 0; k < n; k++)
			seen |= irqs[k] == l->irq;
		if (seen)
			continue;
		todo[n] = l;
		irqs[n++] = l->irq;
	}
	if (n)
		(void)irqinfo_interrupts_many("/proc", irqs, intr, n);
	for (k = 0; k < n; k++)
		check_line(w, todo[k], intr[k]);
	check_quarantine(w);
	/* armed for a quarantine alone (no line of host functions): done */
	if (!n && !w->nq)
		itimer_cancel(w->timer);
}

/* One kmsg record: "pri,seq,usec,flags;text". */
static void kmsg_record(struct linewatch *w, const char *rec, bool at_start)
{
	const char *semi = strchr(rec, ';');
	struct lw_line *ws;
	struct line *l;
	int irq;

	if (!semi)
		return;
	if (sscanf(semi + 1, "intxd: irq %d: revived", &irq) == 1) {
		if (at_start && (ws = lw_line(w, irq, false)) && ws->dead) {
			ws->dead = false; /* an earlier intxd brought it back */
			log_info("linewatch: irq %d was revived by an earlier intxd", irq);
		}
		return;
	}
	if (sscanf(semi + 1, "Disabling IRQ #%d", &irq) != 1)
		return;
	l = served_line(w->d, irq);
	if (!l)
		return;
	ws = lw_line(w, irq, true);
	if (!ws)
		return;
	if (at_start) {
		/* acted on by the first tick, unless a later record says an
		 * earlier intxd revived it */
		ws->dead = false;
		mark_dead(w, ws, l, "kernel log, before intxd started");
		return;
	}
	mark_dead(w, ws, l, "kernel log: \"nobody cared\"");
	check_line(w, l, irqinfo_interrupts("/proc", irq));
}

static void kmsg_read(struct linewatch *w, bool at_start)
{
	char buf[2048];
	ssize_t n;

	for (;;) {
		n = read(w->kmsg_fd, buf, sizeof(buf) - 1);
		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: overwritten records were skipped */
		if (n <= 0)
			return;
		buf[n] = '\0';
		kmsg_record(w, buf, at_start);
	}
}

static void on_kmsg(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kmsg_read(arg, false);
}

/* Watch the served lines of host functions, if there are any now: the
 * kernel log from its start (a line may have died before we came) and the
 * periodic look.  At start, and after each reload: a reload may bring the
 * first such line, or bring one back after on_tick() stopped the timer. */
static int watch(struct linewatch *w)
{
	struct daemon *d = w->d;
	bool pci = false, armed;
	unsigned i;

	for (i = 0; i < d->nlines; i++)
		pci |= linewatch_hw_line(d->lines[i]);
	if (!pci)
		return 0; /* sim lines only: nothing the kernel could disable */
	if (!w->kmsg_tried) {
		w->kmsg_tried = true;
		w->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (w->kmsg_fd < 0) {
			log_warn("linewatch: cannot read /dev/kmsg (%s): a disabled line "
				 "is found only by its frozen /proc/interrupts count",
				 strerror(errno));
		} else {
			kmsg_read(w, true);
			w->kmsg_ev = event_new(d->base, w->kmsg_fd, EV_READ | EV_PERSIST,
					       on_kmsg, w);
			if (!w->kmsg_ev || event_add(w->kmsg_ev, NULL) < 0)
				log_warn("linewatch: cannot watch /dev/kmsg");
		}
	}
	armed = w->timer && itimer_armed(w->timer);
	if (arm(w) < 0) {
		log_err("linewatch: cannot arm its timer");
		return -ENOMEM;
	}
	if (!armed)
		log_info("linewatch: every %d ms; quarantine %s", LINEWATCH_PERIOD_MS,
			 d->conf->quarantine ? "yes" : "no");
	return 0;
}

int linewatch_start(struct daemon *d)
{
	struct linewatch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->d = d;
	w->kmsg_fd = -1;
	d->linewatch = w;
	return watch(w);
}

void linewatch_lines_changed(struct daemon *d)
{
	if (d->linewatch)
		(void)watch(d->linewatch); /* logs its own trouble */
}

void linewatch_free(struct daemon *d)
{
	struct linewatch *w = d->linewatch;

	if (!w)
		return;
	itimer_free(w->timer);
	if (w->kmsg_ev)
		event_free(w->kmsg_ev);
	if (w->kmsg_fd >= 0)
		close(w->kmsg_fd);
	/* quarantined functions stay masked: the storm would come back */
	free(w);
	d->linewatch = NULL;
}

void linewatch_line_info(const struct daemon *d, const struct line *l,
			 uint32_t *rogues, uint32_t *flags)
{
	const struct linewatch *w = d->linewatch;
	unsigned i;

	*rogues = 0;
	if (!w || !linewatch_hw_line(l))
		return;
	for (i = 0; i < w->nlines; i++) {
		const struct lw_line *ws = &w->lines[i];

		if (ws->irq != l->irq)
			continue;
		*rogues = ws->rogues;
		*flags |= (ws->dead ? INTX_F_DEAD : 0) | (ws->revived_once ? INTX_F_REVIVED : 0);
	}
	for (i = 0; i < w->nq; i++)
		if (w->q[i].irq == l->irq)
			*flags |= INTX_F_QUARANTINE;
}
