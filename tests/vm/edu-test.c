/* SPDX-License-Identifier: MIT */
/*
 * edu-test - the scenarios of the VM test, run INSIDE the guest against the
 * real intxd (uio or vfio backend) and real driver processes
 * (contrib/intx-edu-driver, one client per edu device).  It plays the
 * devices' side: it raises edu interrupts (BAR0 register 0x60) and awaits
 * the drivers' reports (one line per handler call, read from their stdout
 * through pipes), and asks intxd for its counters over the control
 * protocol.  No sleeps: every wait is on a pipe, a monitor event or a
 * daemon reply, with a bounded time-out that counts as a failure.
 *
 *   edu-test --socket PATH --driver PATH --label TEXT [--count N]
 *            [--broadcast] [--unbind-other KDRIVER]
 *            SHARED=BDF SHARED=BDF SHARED=BDF OTHER=BDF
 *
 * The first three devices share a line, the last one is on another.  The
 * config must have a client of the same name bound to each device, and a
 * client "raiser" bound to all of them: through it edu-test borrows the
 * vfio device fds (a BAR claimed by vfio-pci cannot be mapped through
 * sysfs); for uio devices it maps sysfs resource0.
 *
 * --unbind-other: at the end, unbind OTHER from its kernel driver (uio):
 * intxd must mark it failed and serve the rest.
 *
 * --reload-line LIVE=NEW: rename NEW (the config with the first device on
 * another line) over LIVE and reload: the device must stay open on its
 * new line and keep interrupting (vfio: its fd is held by its driver).
 * --restart LABEL=COMMAND (repeatable): COMMAND restarts intxd; every
 * device must come back with its driver, which kept BAR0 mapped through
 * the vfio device fd, subscribed again, and every interrupt after must
 * reach it.
 *
 * Prints one "RESULT ..." line per scenario with its counts and rate, and
 * exits 0 only if nothing was misdelivered, lost or late.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/vfio.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <intx.h>

#include "ctl.h"
#include "proto.h"
#include "wire.h"

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_MAP_SIZE 4096

#define WAIT_MS 5000     /* one interrupt round trip; TCG is slow, not this slow */
#define START_MS 20000   /* a driver process to start and subscribe */
#define MAXDEV 4

struct counts {
	unsigned long raised, handled, none, deferred;
	unsigned long extra;   /* "handled" with nothing raised: a duplicate */
	unsigned long foreign; /* a line about another device or client */
};

struct tdev {
	const char *name;
	const char *bdf;
	bool shared;
	volatile uint32_t *bar;
	pid_t pid;
	int out;               /* the driver's stdout, -1 when none */
	bool ready;
	char buf[8192];
	size_t blen;
	unsigned outstanding;  /* raised, not yet handled */
	struct counts c;
	/* monitor events about it */
	unsigned long mon_deliver, mon_raise, mon_ack, mon_unmask;
};

static struct tdev devs[MAXDEV];
static unsigned ndevs;
static const char *sock_path, *driver_path, *label = "?";
static bool broadcast;
static int ctl = -1, mon = -1;
static int failures;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "FAIL %s: ", label);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	failures++;
}

static uint32_t rd(const struct tdev *d, unsigned off)
{
	return d->bar[off / 4];
}

static void wr(const struct tdev *d, unsigned off, uint32_t v)
{
	d->bar[off / 4] = v;
}

/* ---- the control protocol: counters and the monitor stream ---- */

struct snap {
	struct intx_msg_device dev[16];
	size_t ndev;
	struct intx_msg_line line[16];
	size_t nline;
};

static int query(uint32_t what, int rectype, size_t recsize, void *out,
		 size_t max, size_t *count)
{
	struct intx_msg_query q = { .what = what };
	unsigned char buf[INTX_MSG_MAX];
	size_t n = 0;
	int r;

	proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
	r = wire_send(ctl, &q, sizeof(q), -1, 0);
	if (r < 0)
		return r;
	for (;;) {
		r = ctl_recv(ctl, buf, sizeof(buf), WAIT_MS);
		if (r < 0)
			return r;
		if (r == INTX_MSG_LIST_END)
			break;
		if (r != rectype)
			return -EPROTO;
		if (n < max)
			memcpy((char *)out + n * recsize, buf, recsize);
		n++;
	}
	*count = n < max ? n : max;
	return 0;
}

static void snapshot(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	if (query(INTX_Q_DEVICES, INTX_MSG_DEVICE, sizeof(s->dev[0]), s->dev, 16,
		  &s->ndev) < 0 ||
	    query(INTX_Q_LINES, INTX_MSG_LINE, sizeof(s->line[0]), s->line, 16,
		  &s->nline) < 0)
		fail("cannot query intxd's counters");
}

static const struct intx_msg_device *snap_dev(const struct snap *s, const char *name)
{
	for (size_t i = 0; i < s->ndev; i++)
		if (!strcmp(s->dev[i].name, name))
			return &s->dev[i];
	return NULL;
}

static const struct intx_msg_line *snap_line(const struct snap *s, const char *name)
{
	for (size_t i = 0; i < s->nline; i++)
		if (!strcmp(s->line[i].name, name))
			return &s->line[i];
	return NULL;
}

static struct tdev *dev_by_name(const char *name)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (!strcmp(devs[i].name, name))
			return &devs[i];
	return NULL;
}

static void on_event(const struct intx_msg_event *ev)
{
	struct tdev *d = dev_by_name(ev->device);

	if (!d)
		return;
	if (ev->kind == INTX_EV_DELIVER && !strcmp(ev->client, d->name))
		d->mon_deliver++;
	else if (ev->kind == INTX_EV_ACK && !strcmp(ev->client, d->name))
		d->mon_ack++;
	else if (ev->kind == INTX_EV_RAISE)
		d->mon_raise++;
	else if (ev->kind == INTX_EV_UNMASK)
		d->mon_unmask++;
}

/* ---- the drivers' reports ---- */

static void on_line(struct tdev *d, char *line)
{
	char client[INTX_NAME_MAX], device[INTX_NAME_MAX], verdict[16];
	unsigned long long seq;

	if (!strcmp(line, "ready")) {
		d->ready = true;
		return;
	}
	if (!strncmp(line, "summary ", 8))
		return;
	if (sscanf(line, "%63s %63s %llu %15s", client, device, &seq, verdict) != 4) {
		fail("%s: driver said '%s'", d->name, line);
		return;
	}
	if (strcmp(device, d->name) || strcmp(client, d->name)) {
		d->c.foreign++;
		return;
	}
	if (!strcmp(verdict, "handled")) {
		if (d->outstanding) {
			d->outstanding--;
			d->c.handled++;
		} else {
			d->c.extra++;
		}
	} else if (!strcmp(verdict, "none")) {
		d->c.none++;
	} else if (!strcmp(verdict, "deferred")) {
		d->c.deferred++;
	} else {
		fail("%s: driver said '%s'", d->name, line);
	}
}

static void read_driver(struct tdev *d)
{
	for (;;) {
		ssize_t n = read(d->out, d->buf + d->blen, sizeof(d->buf) - 1 - d->blen);
		char *p, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* end of stream: the driver exited */
			close(d->out);
			d->out = -1;
			return;
		}
		d->blen += (size_t)n;
		d->buf[d->blen] = '\0';
		p = d->buf;
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			on_line(d, p);
			p = nl + 1;
		}
		d->blen -= (size_t)(p - d->buf);
		memmove(d->buf, p, d->blen);
		if (d->blen == sizeof(d->buf) - 1) {
			fail("%s: driver line too long", d->name);
			d->blen = 0;
		}
	}
}

/* Wait up to timeout_ms for reports and events and handle them. */
static void pump(int timeout_ms)
{
	struct pollfd p[MAXDEV + 1];
	struct tdev *who[MAXDEV + 1];
	unsigned n = 0, i;
	int r;

	for (i = 0; i < ndevs; i++) {
		if (devs[i].out < 0)
			continue;
		p[n] = (struct pollfd){ .fd = devs[i].out, .events = POLLIN };
		who[n++] = &devs[i];
	}
	if (mon >= 0) {
		p[n] = (struct pollfd){ .fd = mon, .events = POLLIN };
		who[n++] = NULL;
	}
	r = poll(p, n, timeout_ms);
	if (r <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (who[i]) {
			read_driver(who[i]);
			continue;
		}
		for (;;) {
			unsigned char buf[INTX_MSG_MAX];
			unsigned nfds = 0;
			long k = wire_recv(mon, buf, sizeof(buf), NULL, &nfds, MSG_DONTWAIT);

			if (k == -EAGAIN)
				break;
			if (k <= 0) {
				fail("the monitor session ended");
				close(mon);
				mon = -1;
				break;
			}
			if (proto_check(buf, (size_t)k, nfds, INTX_FROM_DAEMON) == INTX_MSG_EVENT)
				on_event((const struct intx_msg_event *)buf);
		}
	}
}

typedef bool (*pred_fn)(const struct tdev *d);

static bool is_ready(const struct tdev *d) { return d->ready || d->out < 0; }
static bool is_settled(const struct tdev *d) { return d->outstanding == 0; }
static bool is_gone(const struct tdev *d) { return d->out < 0; }
static bool was_delivered(const struct tdev *d) { return d->mon_deliver > 0; }
static bool was_raised(const struct tdev *d) { return d->mon_raise > 0; }
static bool was_acked(const struct tdev *d) { return d->mon_ack > 0; }
static bool was_unmasked(const struct tdev *d) { return d->mon_unmask > 0; }

/* Pump until pred(d) holds; false after timeout_ms. */
static bool await(struct tdev *d, pred_fn pred, int timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (!pred(d)) {
		uint64_t t = now_ns();

		if (t >= end)
			return false;
		pump((int)((end - t) / 1000000u) + 1);
	}
	return true;
}

/* ---- driver processes ---- */

static void driver_start(struct tdev *d, bool late)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fail("pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		char arg[128];
		const char *av[9];
		int k = 0;

		snprintf(arg, sizeof(arg), "%s=%s", d->name, d->bdf);
		av[k++] = driver_path;
		av[k++] = "--socket";
		av[k++] = sock_path;
		av[k++] = "--client";
		av[k++] = d->name;
		if (late)
			av[k++] = "--late";
		av[k++] = arg;
		av[k] = NULL;
		dup2(p[1], STDOUT_FILENO);
		execv(driver_path, (char *const *)av);
		fprintf(stderr, "edu-test: exec %s: %s\n", driver_path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		fail("fork: %s", strerror(errno));
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	d->pid = pid;
	d->out = p[0];
	d->ready = false;
	d->blen = 0;
	if (!await(d, is_ready, START_MS) || !d->ready)
		fail("%s: the driver did not come up", d->name);
}

static void driver_end(struct tdev *d, int sig)
{
	int st;

	if (d->pid <= 0)
		return;
	kill(d->pid, sig);
	if (!await(d, is_gone, WAIT_MS)) {
		fail("%s: the driver did not exit on signal %d", d->name, sig);
		kill(d->pid, SIGKILL);
	}
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	if (d->out >= 0) {
		close(d->out);
		d->out = -1;
	}
}

/* ---- BAR0 of each device, for raising ---- */

static int nop_handler(const struct intx_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return INTX_NONE;
}

static volatile uint32_t *map_bar(struct intx_client *c, struct tdev *d)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_BAR0_REGION_INDEX };
	char path[128];
	void *p = MAP_FAILED;
	int fd, r;

	/* vfio: the device fd comes with a subscription; borrow it and let
	 * go of the subscription at once (the mapping keeps the device). */
	r = intx_subscribe(c, d->name, nop_handler, NULL);
	if (r < 0) {
		fail("raiser: subscribe %s: %s", d->name, intx_strerror(r));
		return NULL;
	}
	fd = intx_device_fd(c, d->name);
	if (fd >= 0) {
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) == 0)
			p = mmap(NULL, EDU_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, (off_t)ri.offset);
	} else {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", d->bdf);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			p = mmap(NULL, EDU_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			close(fd);
		}
	}
	if (p == MAP_FAILED)
		fail("%s: cannot map BAR0: %s", d->name, strerror(errno));
	(void)intx_unsubscribe(c, d->name);
	return p == MAP_FAILED ? NULL : p;
}

/* ---- scenarios ---- */

static void raise_irq(struct tdev *d)
{
	d->outstanding++;
	d->c.raised++;
	wr(d, EDU_IRQ_RAISE, 1);
}

static void reset_counts(void)
{
	for (unsigned i = 0; i < ndevs; i++) {
		memset(&devs[i].c, 0, sizeof(devs[i].c));
		devs[i].mon_deliver = devs[i].mon_raise = devs[i].mon_ack = 0;
		devs[i].mon_unmask = 0;
	}
}

static const char *shared_line(const struct snap *s)
{
	const struct intx_msg_device *x = snap_dev(s, devs[0].name);

	return x ? x->line : "?";
}

/*
 * After a scenario: every device got its raises handled, by its own
 * driver, once; nobody else heard of them (selective) or only "none"
 * (broadcast, on the shared line only).  in_set: the devices raised.
 */
static void check(const char *scenario, bool in_set[MAXDEV], const struct snap *a,
		  const struct snap *b, uint64_t ns, unsigned long timeouts,
		  bool daemon_exact)
{
	bool latency = !strcmp(scenario, "roundrobin");
	unsigned long raised = 0, handled = 0, lost = 0, other = 0, none = 0, extra = 0;
	unsigned long long notified = 0, line_raised = 0;
	bool set_shared = false;
	const struct intx_msg_line *la = snap_line(a, shared_line(a)),
				   *lb = snap_line(b, shared_line(b));
	char per[256] = "", daemon[512] = "";
	double secs = (double)ns / 1e9;

	for (unsigned i = 0; i < ndevs; i++)
		if (in_set[i] && devs[i].shared)
			set_shared = true;
	for (unsigned i = 0; i < ndevs; i++) {
		struct tdev *d = &devs[i];
		const struct intx_msg_device *da = snap_dev(a, d->name), *db = snap_dev(b, d->name);

		raised += d->c.raised;
		handled += d->c.handled;
		lost += d->c.raised - d->c.handled;
		/* "handled" with nothing raised, or a line about someone else */
		extra += d->c.extra + d->c.foreign;
		none += d->c.none;
		/* A driver called for its device while the device did not
		 * assert: an interrupt of another device reached the wrong
		 * client.  Only a broadcast line does that on purpose. */
		if (d->c.none && !(broadcast && d->shared && set_shared))
			other += d->c.none;
		if (in_set[i])
			snprintf(per + strlen(per), sizeof(per) - strlen(per), "%s%s=%lu/%lu",
				 per[0] ? "," : "", d->name, d->c.handled, d->c.raised);
		if (da && db && !in_set[i] && !broadcast && db->delivered != da->delivered) {
			/* intxd's own count: it notified a client of a device
			 * that was not raised */
			other += db->delivered - da->delivered;
			fail("%s: intxd notified %s's client %llu times, nothing was raised there",
			     scenario, d->name, (unsigned long long)(db->delivered - da->delivered));
		}
		if (da && db) {
			notified += db->delivered - da->delivered;
			if (la && !strcmp(db->line, la->name))
				line_raised += db->raised - da->raised;
		}
		if (da && db && (in_set[i] || db->delivered != da->delivered))
			snprintf(daemon + strlen(daemon), sizeof(daemon) - strlen(daemon),
				 " %s:raised+%llu,delivered+%llu", d->name,
				 (unsigned long long)(db->raised - da->raised),
				 (unsigned long long)(db->delivered - da->delivered));
		if (da && db && in_set[i]) {
			if (daemon_exact && !broadcast &&
			    (db->raised - da->raised != d->c.raised + d->c.deferred ||
			     db->delivered - da->delivered != d->c.raised + d->c.deferred))
				fail("%s: %s: intxd raised %llu / delivered %llu, expected %lu",
				     scenario, d->name,
				     (unsigned long long)(db->raised - da->raised),
				     (unsigned long long)(db->delivered - da->delivered),
				     d->c.raised + d->c.deferred);
		}
	}
	if (la && lb) {
		unsigned long long ev = lb->events - la->events;

		snprintf(daemon + strlen(daemon), sizeof(daemon) - strlen(daemon),
			 " line %s:events+%llu,spurious+%llu,status_reads+%llu", lb->name, ev,
			 (unsigned long long)(lb->spurious - la->spurious),
			 (unsigned long long)(lb->status_reads - la->status_reads));
		/* Wakeups of a device intxd holds masked: uio_pci_generic
		 * signals a masked device again whenever another one on the
		 * line fires while it still asserts.  Counted, not delivered. */
		if (!broadcast && ev > line_raised)
			snprintf(daemon + strlen(daemon), sizeof(daemon) - strlen(daemon),
				 ",wakeups_of_masked_ignored=%llu", ev - line_raised);
	}
	printf("RESULT %s %s %s raised=%lu handled_by_owner=%lu delivered_to_other=%lu "
	       "notifications=%llu none=%lu duplicate=%lu lost=%lu timeouts=%lu seconds=%.3f "
	       "rate=%.0f/s [%s]\n",
	       label, broadcast ? "broadcast" : "selective", scenario, raised, handled,
	       other, notified, none, extra, lost, timeouts, secs,
	       secs > 0 ? (double)handled / secs : 0.0, per);
	printf("  intxd:%s\n", daemon);
	if (latency) {
		char lat[256] = "";

		for (unsigned i = 0; i < ndevs; i++) {
			const struct intx_msg_device *db = snap_dev(b, devs[i].name);

			if (in_set[i] && db)
				snprintf(lat + strlen(lat), sizeof(lat) - strlen(lat),
					 " %s:p50=%.0fus,p99=%.0fus", devs[i].name,
					 (double)db->latency_ns[0] / 1e3,
					 (double)db->latency_ns[1] / 1e3);
		}
		printf("  intxd raise->ack latency (since start):%s\n", lat);
	}
	if (lost || timeouts || extra || other)
		fail("%s: lost %lu, time-outs %lu, duplicates %lu, delivered to another client %lu",
		     scenario, lost, timeouts, extra, other);
}

static void diagnose(struct tdev *d)
{
	printf("  %s: edu status 0x%x, outstanding %u, driver %s\n", d->name,
	       rd(d, EDU_IRQ_STATUS), d->outstanding,
	       d->out >= 0 ? "alive" : "gone");
}

/* n interrupts, round-robin over the devices in set, each raised again
 * only once its previous one was handled: up to |set| in flight. */
static void sc_roundrobin(const char *name, bool in_set[MAXDEV], unsigned long n)
{
	struct tdev *set[MAXDEV];
	unsigned nset = 0;
	unsigned long timeouts = 0, i;
	struct snap a, b;
	uint64_t t0;

	for (unsigned k = 0; k < ndevs; k++)
		if (in_set[k])
			set[nset++] = &devs[k];
	reset_counts();
	snapshot(&a);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct tdev *d = set[i % nset];

		if (!await(d, is_settled, WAIT_MS)) {
			timeouts++;
			printf("  time-out waiting for interrupt %lu (%s):\n", i, d->name);
			for (unsigned k = 0; k < nset; k++)
				diagnose(set[k]);
			break;
		}
		raise_irq(d);
	}
	for (unsigned k = 0; k < nset && !timeouts; k++)
		if (!await(set[k], is_settled, WAIT_MS)) {
			timeouts++;
			diagnose(set[k]);
		}
	{
		uint64_t ns = now_ns() - t0;

		pump(0);
		snapshot(&b);
		check(name, in_set, &a, &b, ns, timeouts, true);
	}
}

/* The three shared devices raised back to back by a SCHED_FIFO thread:
 * no process of intxd's can run in between, so all three assert before
 * intxd reads any Status. */
static void sc_together(void)
{
	bool in_set[MAXDEV] = { true, true, true, false };
	struct sched_param fifo = { .sched_priority = 1 }, other = { 0 };
	unsigned long timeouts = 0;
	uint32_t st[3];
	struct snap a, b;
	bool rt;
	uint64_t t0;

	reset_counts();
	snapshot(&a);
	t0 = now_ns();
	rt = sched_setscheduler(0, SCHED_FIFO, &fifo) == 0;
	for (int k = 0; k < 3; k++)
		raise_irq(&devs[k]);
	for (int k = 0; k < 3; k++)
		st[k] = rd(&devs[k], EDU_IRQ_STATUS);
	if (rt)
		sched_setscheduler(0, SCHED_OTHER, &other);
	for (int k = 0; k < 3; k++)
		if (!await(&devs[k], is_settled, WAIT_MS)) {
			timeouts++;
			diagnose(&devs[k]);
		}
	{
		uint64_t ns = now_ns() - t0;

		pump(0);
		snapshot(&b);
		printf("  all three asserting at once: %s (status %x %x %x%s)\n",
		       st[0] && st[1] && st[2] ? "yes" : "no", st[0], st[1], st[2],
		       rt ? ", raised under SCHED_FIFO" : ", SCHED_FIFO refused");
		check("together", in_set, &a, &b, ns, timeouts, true);
	}
	for (int k = 0; k < 3; k++) {
		if (devs[k].c.handled != 1)
			fail("together: %s handled %lu times", devs[k].name, devs[k].c.handled);
		if (!broadcast && devs[k].c.none)
			fail("together: %s's driver was notified %lu times for nothing",
			     devs[k].name, devs[k].c.none);
	}
}

/* A driver that acknowledges intxd before its device: the device must
 * interrupt again (level) and reach only that driver. */
static void sc_late(void)
{
	bool in_set[MAXDEV] = { true, false, false, false };
	struct tdev *d = &devs[0];
	unsigned long timeouts = 0;
	struct snap a, b;
	uint64_t t0;

	driver_end(d, SIGTERM);
	driver_start(d, true);
	reset_counts();
	snapshot(&a);
	t0 = now_ns();
	raise_irq(d);
	if (!await(d, is_settled, WAIT_MS)) {
		timeouts++;
		diagnose(d);
	}
	{
		uint64_t ns = now_ns() - t0;
		const struct intx_msg_device *da, *db;

		pump(0);
		snapshot(&b);
		da = snap_dev(&a, d->name);
		db = snap_dev(&b, d->name);
		printf("  %s: deferred %lu, handled %lu; intxd saw %llu interrupt(s) for one raise\n",
		       d->name, d->c.deferred, d->c.handled,
		       da && db ? (unsigned long long)(db->raised - da->raised) : 0ULL);
		check("late-ack", in_set, &a, &b, ns, timeouts, true);
		if (d->c.deferred != 1 || d->c.handled != 1)
			fail("late-ack: expected one deferred and one handled call, got %lu and %lu",
			     d->c.deferred, d->c.handled);
	}
	driver_end(d, SIGTERM);
	driver_start(d, false);
}

/* A control session streaming intxd's events (RAISE, DELIVER, ACK...). */
static bool monitor_open(const char *scenario)
{
	struct intx_msg_monitor m = { 0 };
	int r;

	mon = ctl_open(sock_path, WAIT_MS);
	if (mon < 0) {
		fail("%s: no monitor session: %s", scenario, strerror(-mon));
		mon = -1;
		return false;
	}
	proto_hdr(&m.hdr, INTX_MSG_MONITOR, sizeof(m));
	r = wire_send(mon, &m, sizeof(m), -1, 0);
	/* MONITOR has no reply: a query behind it on the same session
	 * answers once intxd has taken it, so no event is missed after. */
	if (r >= 0) {
		struct intx_msg_query q = { .what = INTX_Q_STATUS };
		unsigned char buf[INTX_MSG_MAX];

		proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
		r = wire_send(mon, &q, sizeof(q), -1, 0);
		while (r >= 0 && r != INTX_MSG_LIST_END)
			r = ctl_recv(mon, buf, sizeof(buf), WAIT_MS);
	}
	if (r < 0) {
		fail("%s: MONITOR: %s", scenario, strerror(-r));
		close(mon);
		mon = -1;
		return false;
	}
	return true;
}

static void monitor_close(void)
{
	if (mon >= 0)
		close(mon);
	mon = -1;
}

static uint32_t dev_flags(const char *name)
{
	struct snap s;
	const struct intx_msg_device *x;

	snapshot(&s);
	x = snap_dev(&s, name);
	return x ? x->flags : 0;
}

/*
 * Before stopping a driver: the ack of its last interrupt may still be on
 * its way (the driver reports "handled" before libintx acks), and a driver
 * stopped before sending it would hold its device for the wrong reason.
 * With the monitor on, a device intxd still has in flight is awaited until
 * its UNMASK event.
 */
static void settle(struct tdev *d)
{
	d->mon_unmask = 0;
	if ((dev_flags(d->name) & INTX_F_INFLIGHT) && !await(d, was_unmasked, WAIT_MS))
		fail("%s: intxd did not get the last ack of its driver", d->name);
}

/*
 * An owner that does not answer (its process stopped) while its device
 * asserts: the device stays masked alone and is notified once, however
 * often the others fire (uio_pci_generic wakes its fd at each of their
 * interrupts: intxd must not take that for a new one), and the rest of the
 * line keeps working.  In broadcast mode the silent owner holds the line:
 * the others' interrupts stay masked until it answers.
 */
static void sc_slow(unsigned long n)
{
	bool in_bc[MAXDEV] = { false, true, true, false };
	struct tdev *d = &devs[0], *b = &devs[1];
	const struct intx_msg_device *x0, *x1;
	struct snap a, z;

	if (!monitor_open("slow-owner"))
		return;
	settle(d);
	reset_counts();
	snapshot(&a);
	kill(d->pid, SIGSTOP);
	raise_irq(d);
	if (!await(d, was_delivered, WAIT_MS))
		fail("slow-owner: intxd did not notify %s's (stopped) driver", d->name);
	if (!broadcast) {
		sc_roundrobin("slow-owner:others-work", in_bc, n);
	} else {
		uint32_t f;

		/* b's driver handles b's interrupt, but b stays masked: the
		 * stopped owner of d owes an ack for it too */
		raise_irq(b);
		if (!await(b, is_settled, WAIT_MS) || !await(b, was_acked, WAIT_MS))
			fail("slow-owner: %s's interrupt was not handled", b->name);
		f = dev_flags(b->name);
		printf("  broadcast: %s is %s while %s's owner does not answer\n", b->name,
		       f & INTX_F_MASKED ? "held masked" : "NOT masked", d->name);
		if (!(f & INTX_F_MASKED))
			fail("slow-owner: broadcast did not hold %s", b->name);
	}
	kill(d->pid, SIGCONT);
	if (!await(d, is_settled, WAIT_MS)) {
		fail("slow-owner: %s's resumed driver did not handle its interrupt", d->name);
		diagnose(d);
	}
	pump(0);
	snapshot(&z);
	x0 = snap_dev(&a, d->name);
	x1 = snap_dev(&z, d->name);
	printf("  %s: notified %llu time(s) for its one interrupt while its owner was "
	       "stopped; handled %lu, none %lu\n", d->name,
	       x0 && x1 ? (unsigned long long)(x1->delivered - x0->delivered) : 0ULL,
	       d->c.handled, d->c.none);
	if (d->c.handled != 1 || (!broadcast && d->c.none) ||
	    (!broadcast && x0 && x1 && x1->delivered - x0->delivered != 1))
		fail("slow-owner: %s was not notified exactly once", d->name);
	monitor_close();
}

/* A driver killed while its device asserts: the others keep working; a
 * new driver for the device gets the pending interrupt. */
static void sc_kill(unsigned long n)
{
	bool in_bc[MAXDEV] = { false, true, true, false };
	bool in_a[MAXDEV] = { true, false, false, false };
	struct tdev *d = &devs[0];
	unsigned long own = 0;
	struct snap k0, k1;
	uint32_t st;

	if (!monitor_open("kill"))
		return;
	settle(d);
	reset_counts();
	snapshot(&k0);
	kill(d->pid, SIGSTOP);
	raise_irq(d);
	if (!await(d, was_delivered, WAIT_MS))
		fail("kill: intxd did not notify %s's (stopped) driver", d->name);
	st = rd(d, EDU_IRQ_STATUS);
	d->mon_raise = 0;
	driver_end(d, SIGKILL);
	printf("  %s's driver killed with its notification unanswered; device asserting: %s\n",
	       d->name, st ? "yes" : "NO");
	if (!st)
		fail("kill: %s did not assert when its driver was killed", d->name);
	if (!broadcast) {
		struct snap s;
		const struct intx_msg_device *x;

		/* The dead session's ack is settled, intxd unmasks, the device
		 * interrupts again and, with nobody subscribed, stays pending. */
		if (!await(d, was_raised, WAIT_MS))
			fail("kill: %s did not interrupt again after its driver died", d->name);
		snapshot(&s);
		x = snap_dev(&s, d->name);
		printf("  intxd: %s is %s\n", d->name,
		       x && (x->flags & INTX_F_PENDING) ? "pending (masked, no subscriber)" : "NOT pending");
		if (!x || !(x->flags & INTX_F_PENDING))
			fail("kill: %s is not pending", d->name);
	}
	sc_roundrobin("kill:others-work", in_bc, n);
	own = devs[1].c.raised + devs[2].c.raised;
	if (rd(d, EDU_IRQ_STATUS) == 0)
		fail("kill: %s stopped asserting on its own", d->name);
	/* the new driver: the interrupt raised before is still owed */
	{
		struct snap a, b;
		unsigned long timeouts = 0;
		uint64_t t0;

		reset_counts();
		d->outstanding = 1;
		d->c.raised = 1;
		snapshot(&a);
		t0 = now_ns();
		driver_start(d, false);
		if (!await(d, is_settled, WAIT_MS)) {
			timeouts++;
			diagnose(d);
		}
		pump(0);
		snapshot(&b);
		check("kill:new-driver-gets-pending", in_a, &a, &b, now_ns() - t0, timeouts,
		      false);
	}
	snapshot(&k1);
	{
		const struct intx_msg_device *b0 = snap_dev(&k0, devs[1].name),
					     *b1 = snap_dev(&k1, devs[1].name),
					     *c0 = snap_dev(&k0, devs[2].name),
					     *c1 = snap_dev(&k1, devs[2].name);

		if (b0 && b1 && c0 && c1)
			printf("  while %s had no driver: intxd notified the owners of %s and %s "
			       "%llu times for their %lu interrupts\n", d->name, devs[1].name,
			       devs[2].name,
			       (unsigned long long)(b1->delivered - b0->delivered +
						    c1->delivered - c0->delivered), own);
	}
	monitor_close();
}

/*
 * The kernel takes a device away (its uio driver is unbound, as on a
 * hot-unplug): intxd must mark it failed and report it, and keep serving
 * the others.  (vfio-pci cannot be unbound from a device someone holds:
 * the unbind waits for intxd to let go, so this is for uio.)
 */
static void sc_gone(const char *kdriver, unsigned long n)
{
	bool in_set[MAXDEV] = { true, true, true, false };
	struct tdev *d = &devs[3];
	char path[128];
	uint32_t f = 0;
	uint64_t end;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind", kdriver);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, d->bdf, strlen(d->bdf)) < 0) {
		fail("device-gone: unbinding %s from %s: %s", d->bdf, kdriver, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	/* intxd learns it from its interrupt fd (EIO); await the state,
	 * querying with a short back-off, bounded */
	end = now_ns() + (uint64_t)WAIT_MS * 1000000u;
	while (!((f = dev_flags(d->name)) & INTX_F_FAILED) && now_ns() < end) {
		struct timespec backoff = { 0, 10 * 1000000 };

		nanosleep(&backoff, NULL);
	}
	printf("  %s unbound from %s: intxd reports it %s\n", d->name, kdriver,
	       f & INTX_F_FAILED ? "failed" : "NOT failed");
	if (!(f & INTX_F_FAILED))
		fail("device-gone: intxd did not mark %s failed", d->name);
	sc_roundrobin("device-gone:others-work", in_set, n);
}

/* ADMIN op on the control session: 0 on DONE, -errno. */
static int ctl_admin(uint32_t op)
{
	struct intx_msg_admin m = { .op = op };
	unsigned char buf[INTX_MSG_MAX];
	int r;

	proto_hdr(&m.hdr, INTX_MSG_ADMIN, sizeof(m));
	r = wire_send(ctl, &m, sizeof(m), -1, 0);
	if (r >= 0)
		r = ctl_recv(ctl, buf, sizeof(buf), START_MS);
	if (r == INTX_MSG_ERROR)
		printf("  intxd said: %s\n", ((struct intx_msg_error *)buf)->text);
	return r == INTX_MSG_DONE ? 0 : r < 0 ? r : -EPROTO;
}

/*
 * Issue 9, item 9: a reload that changes only the line of a vfio device
 * whose fd its driver holds (and maps BAR0 through, as edu-test does
 * too) must keep the device open -- reopening it fails, the group is
 * busy -- and its interrupts keep reaching its driver.  spec: LIVE=NEW,
 * the running config and the one with edu0 on another line.
 */
static void sc_reload_line(char *spec, unsigned long n)
{
	bool all3[MAXDEV] = { true, true, true, false };
	char *eq = strchr(spec, '='), before[INTX_NAME_MAX] = "?";
	const struct intx_msg_device *x;
	struct snap a, b;
	int r;

	if (!eq) {
		fail("reload-line: expected LIVE=NEW, got %s", spec);
		return;
	}
	*eq = 0;
	snapshot(&a);
	x = snap_dev(&a, devs[0].name);
	if (x)
		snprintf(before, sizeof(before), "%s", x->line);
	if (rename(eq + 1, spec) < 0) {
		fail("reload-line: rename %s: %s", eq + 1, strerror(errno));
		return;
	}
	r = ctl_admin(INTX_ADMIN_RELOAD);
	if (r < 0)
		fail("reload-line: RELOAD: %s", strerror(-r));
	snapshot(&b);
	x = snap_dev(&b, devs[0].name);
	printf("  reload with %s moved from line %s: now on line %s, %s, %u subscriber(s)\n",
	       devs[0].name, before, x ? x->line : "?",
	       x && (x->flags & INTX_F_FAILED) ? "FAILED" : "open", x ? x->subscribers : 0);
	if (!x || (x->flags & INTX_F_FAILED) || !strcmp(x->line, before))
		fail("reload-line: %s was not kept open on its new line", devs[0].name);
	sc_roundrobin("reload-line:after", all3, n);
}

static uint64_t ms_since(uint64_t t0)
{
	return (now_ns() - t0) / 1000000u;
}

static bool sh(const char *scenario, const char *cmd)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fail("%s: '%s' failed (status %d)", scenario, cmd, st);
		return false;
	}
	return true;
}

/*
 * Issue 9, item 10: intxd restarted (cmd: `intxctl restart`, or a service
 * restart through fake-systemd's fd store) while every driver, and
 * edu-test itself, keep BAR0 mapped through the device fds intxd gave
 * them.  Every device must come back open, every driver resubscribe on
 * its own (libintx), and every interrupt after reach its owner.
 * COMMAND "STOP|START": every device is raised once between the two,
 * while no intxd runs; each of those must reach its owner once too.
 */
static void sc_restart(char *spec, unsigned long n)
{
	bool all3[MAXDEV] = { true, true, true, false };
	bool all4[MAXDEV] = { true, true, true, true };
	bool only_other[MAXDEV] = { false, false, false, true };
	char *eq = strchr(spec, '='), *start_cmd, name[64];
	uint64_t t0, end;
	unsigned back = 0;

	if (!eq) {
		fail("restart: expected LABEL=COMMAND, got %s", spec);
		return;
	}
	*eq = 0;
	start_cmd = strchr(eq + 1, '|');
	if (start_cmd)
		*start_cmd++ = 0;
	snprintf(name, sizeof(name), "restart:%s", spec);
	t0 = now_ns();
	if (!sh(name, eq + 1))
		return;
	if (start_cmd) {
		/* no intxd: the kernel masks each device at its interrupt
		 * (the trigger stays set) until the next one unmasks it */
		reset_counts();
		for (unsigned i = 0; i < ndevs; i++)
			raise_irq(&devs[i]);
		if (!sh(name, start_cmd))
			return;
	}
	/* the restart ended our control session */
	close(ctl);
	ctl = ctl_open(sock_path, WAIT_MS);
	if (ctl < 0) {
		fail("%s: intxd does not answer after the restart: %s", name, strerror(-ctl));
		return;
	}
	/* Await every driver's resubscription (libintx reconnects with
	 * back-off), querying with a short back-off, bounded. */
	end = now_ns() + (uint64_t)START_MS * 1000000u;
	for (;;) {
		struct snap s;
		unsigned ok = 0, failed = 0;

		pump(0);
		snapshot(&s);
		for (unsigned i = 0; i < ndevs; i++) {
			const struct intx_msg_device *x = snap_dev(&s, devs[i].name);

			if (x && (x->flags & INTX_F_FAILED))
				failed++;
			else if (x && x->subscribers > 0)
				ok++;
		}
		back = ok;
		if (ok == ndevs || failed || now_ns() >= end) {
			if (failed || ok != ndevs)
				fail("%s: %u device(s) failed, %u of %u resubscribed", name,
				     failed, ok, ndevs);
			break;
		}
		{
			struct timespec backoff = { 0, 10 * 1000000 };

			nanosleep(&backoff, NULL);
		}
	}
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].out < 0)
			fail("%s: %s's driver is gone", name, devs[i].name);
	printf("  %s: %u of %u devices open with their driver subscribed again %llu ms "
	       "after the restart began\n", name, back, ndevs, (unsigned long long)ms_since(t0));
	if (failures)
		return;
	if (start_cmd) {
		unsigned long timeouts = 0;
		char gap[96];
		struct snap s;

		for (unsigned i = 0; i < ndevs; i++)
			if (!await(&devs[i], is_settled, WAIT_MS)) {
				timeouts++;
				diagnose(&devs[i]);
			}
		pump(0);
		snapshot(&s);
		/* the daemon that delivered them is new: its counters start
		 * after the raises, so only the drivers' reports count */
		snprintf(gap, sizeof(gap), "%s:raised-while-stopped", name);
		check(gap, all4, &s, &s, now_ns() - t0, timeouts, false);
	}
	sc_roundrobin(name, all3, n);
	snprintf(name + strlen(name), sizeof(name) - strlen(name), ":other-line");
	sc_roundrobin(name, only_other, n / 10 ? n / 10 : 1);
}

static void usage(void)
{
	fprintf(stderr, "usage: edu-test --socket PATH --driver PATH [--label TEXT] "
			"[--count N] [--broadcast] [--unbind-other KDRIVER]\n"
			"                [--reload-line LIVE=NEW] [--restart LABEL=COMMAND]... "
			"A=BDF B=BDF C=BDF D=BDF\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "driver", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'n' },
		{ "broadcast", no_argument, NULL, 'b' },
		{ "unbind-other", required_argument, NULL, 'u' },
		{ "reload-line", required_argument, NULL, 'L' },
		{ "restart", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	bool all3[MAXDEV] = { true, true, true, false };
	bool only_first[MAXDEV] = { true, false, false, false };
	bool only_other[MAXDEV] = { false, false, false, true };
	unsigned long count = 10000;
	const char *unbind = NULL;
	char *reload_line = NULL, *restarts[4];
	unsigned nrestarts = 0;
	struct intx_client *raiser;
	uint64_t t_start = now_ns();
	int o;

	while ((o = getopt_long(argc, argv, "s:d:l:n:bu:", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock_path = optarg; break;
		case 'd': driver_path = optarg; break;
		case 'l': label = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 'b': broadcast = true; break;
		case 'u': unbind = optarg; break;
		case 'L': reload_line = optarg; break;
		case 'R':
			if (nrestarts == 4)
				usage();
			restarts[nrestarts++] = optarg;
			break;
		default: usage();
		}
	}
	if (!sock_path || !driver_path || argc - optind != MAXDEV || count == 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < MAXDEV; i++) {
		char *a = argv[optind + i], *eq = strchr(a, '=');

		if (!eq)
			usage();
		*eq = '\0';
		devs[i] = (struct tdev){ .name = a, .bdf = eq + 1, .shared = i < 3,
					 .out = -1 };
	}
	ndevs = MAXDEV;

	/* intxd was started just before: await its socket (bounded). */
	{
		uint64_t end = now_ns() + (uint64_t)START_MS * 1000000u;

		while ((ctl = ctl_open(sock_path, WAIT_MS)) < 0 && now_ns() < end) {
			struct timespec backoff = { 0, 20 * 1000000 };

			/* a retry interval, not a synchronisation: the
			 * condition is the connect() that succeeds */
			nanosleep(&backoff, NULL);
		}
		if (ctl < 0) {
			fail("cannot reach intxd at %s: %s", sock_path, strerror(-ctl));
			return 1;
		}
	}
	raiser = intx_open(sock_path, "raiser");
	if (!raiser) {
		fail("raiser: %s", intx_strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < ndevs; i++) {
		devs[i].bar = map_bar(raiser, &devs[i]);
		if (!devs[i].bar)
			return 1;
		if (rd(&devs[i], EDU_IRQ_STATUS))
			wr(&devs[i], EDU_IRQ_ACK, rd(&devs[i], EDU_IRQ_STATUS));
	}
	intx_close(raiser);
	for (unsigned i = 0; i < ndevs; i++)
		driver_start(&devs[i], false);
	if (failures)
		return 1;

	sc_roundrobin("roundrobin", all3, count);
	if (!failures) {
		/* one interrupt in flight at a time: the round trip */
		sc_roundrobin("serial", only_first, count / 10 ? count / 10 : 1);
		sc_together();
		sc_late();
		sc_roundrobin("other-line", only_other, count / 50 ? count / 50 : 1);
		sc_slow(count / 30 ? count / 30 : 2);
		sc_kill(count / 30 ? count / 30 : 2);
		if (unbind)
			sc_gone(unbind, count / 30 ? count / 30 : 3);
		if (reload_line)
			sc_reload_line(reload_line, count / 10 ? count / 10 : 3);
		for (unsigned i = 0; i < nrestarts; i++)
			sc_restart(restarts[i], count / 10 ? count / 10 : 3);
	}
	for (unsigned i = 0; i < ndevs; i++)
		driver_end(&devs[i], SIGTERM);
	printf("RESULT %s %s total seconds=%.1f failures=%d\n", label,
	       broadcast ? "broadcast" : "selective", (double)(now_ns() - t_start) / 1e9,
	       failures);
	return failures ? 1 : 0;
}
