/* SPDX-License-Identifier: MIT */
/*
 * health-test - the line-health scenarios of the VM test (issue 13), run
 * INSIDE the guest.  Three edu devices share an IRQ with a fourth, the
 * culprit, which no driver owns.  health-test raises interrupts on the
 * three round-robin (one in flight), makes the culprit assert its line
 * half-way through, and counts what was delivered and how late.
 *
 *   health-test baseline --culprit BDF --count K NAME=BDF NAME=BDF NAME=BDF
 *       No intxd: the three are bound to uio_pci_generic and serviced here
 *       the way uio_pci_generic users do (read /dev/uioN, ack the edu,
 *       clear Command bit 10).  Expect the kernel to disable the line and
 *       the devices to be served only by its 10 Hz poll.
 *   health-test intxd --socket S --culprit BDF --count K
 *       [--quarantine-by-hand] NAME=BDF NAME=BDF NAME=BDF
 *       intxd serves the three (config names NAME, one client "owner"
 *       bound to all of them): this is their driver, through libintx, and
 *       it watches intxd's monitor stream for the line-health events.
 *       --quarantine-by-hand: once intxd reports the culprit, ask intxd
 *       to quarantine it (intxctl quarantine does the same ADMIN op).
 *       --release-culprit: the culprit was quarantined before; instead of
 *       raising it, release it through intxd (it still asserts).
 *       --no-culprit: leave the culprit alone (intxd came after the kernel
 *       disabled the line): the rounds before and after only.
 *       --bind-culprit DRIVER: at the end, bind the (quarantined) culprit
 *       to DRIVER; intxd must release it.  uio or
 *       vfio: BAR0 through the vfio device fd, or sysfs resource0.
 *
 * The line is the IRQ of the first device (read once it is enabled); the
 * culprit must turn out to be on it.
 *
 * Every raise must be delivered (a raise not delivered within LOST_MS is
 * lost and fails the run); the times are printed, never judged.  Prints
 * "RESULT health <scenario> key=value..." and "EVENT ..." lines; exits 0
 * if nothing was lost.  The shell side (health-guest.sh) checks the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <intx.h>

#include "ctl.h"
#include "irqinfo.h"
#include "proto.h"
#include "wire.h"

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_MAP_SIZE 4096
#define LOST_MS 3000 /* the kernel's poll serves within 100 ms; TCG is slow */

struct tdev {
	const char *name; /* config name (intxd) */
	const char *bdf;
	volatile uint32_t *bar;
	int uio_fd, cfg_fd;
	bool got;
};

static struct tdev devs[3];
static const char *sock_path, *culprit;
static int irq = -1, count = 20;
static int ctl = -1; /* monitor session */
static uint64_t t_culprit;
/* monitor events: first time of each health kind after the culprit */
static uint64_t t_ev[32];
static unsigned n_ev[32];

static int sysfs_irq(const char *bdf)
{
	char path[128], buf[32] = "";
	FILE *fp;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", bdf);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	fclose(fp);
	return buf[0] ? atoi(buf) : -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	printf("FAIL: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static volatile uint32_t *map_resource0(const char *bdf)
{
	char path[128];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(path, errno);
	p = mmap(NULL, EDU_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		die("mmap resource0", errno);
	return p;
}

static void wr(volatile uint32_t *bar, unsigned off, uint32_t v)
{
	bar[off / 4] = v;
}

/* The culprit starts asserting its line: enabled through sysfs (no driver
 * does it), its interrupt raised through BAR0, never acknowledged. */
static void culprit_assert(void)
{
	char path[128];
	volatile uint32_t *bar;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", culprit);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		die("enable the culprit", errno);
	close(fd);
	if (sysfs_irq(culprit) != irq) {
		printf("FAIL: the culprit %s is on irq %d, not on the line %d\n", culprit,
		       sysfs_irq(culprit), irq);
		exit(1);
	}
	bar = map_resource0(culprit);
	t_culprit = now_ns();
	wr(bar, EDU_IRQ_RAISE, 1);
	printf("culprit %s asserts irq %d\n", culprit, irq);
	fflush(stdout);
}

/* ---- latencies ---- */

struct lat {
	double v[4096];
	unsigned n;
	unsigned lost;
	int64_t intr_delta; /* /proc/interrupts over the phase */
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(struct lat *l, double q)
{
	if (!l->n)
		return 0;
	qsort(l->v, l->n, sizeof(l->v[0]), cmp_d);
	return l->v[(unsigned)(q * (l->n - 1))];
}

static void report(const char *scenario, const char *phase, struct lat *l)
{
	printf("RESULT health %s %s raised=%d delivered=%u lost=%u p50_ms=%.3f max_ms=%.3f "
	       "proc_interrupts_delta=%lld\n", scenario, phase, l->n + l->lost, l->n, l->lost,
	       pct(l, 0.5), pct(l, 1.0), (long long)l->intr_delta);
}

/* ---- baseline: uio_pci_generic, no intxd ---- */

static void uio_open_dev(struct tdev *d)
{
	char path[160];
	int i;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio/uio%d", d->bdf, i);
		if (access(path, F_OK) == 0)
			break;
	}
	if (i == 64)
		die("no uio node", ENOENT);
	snprintf(path, sizeof(path), "/dev/uio%d", i);
	d->uio_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->uio_fd < 0)
		die(path, errno);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", d->bdf);
	d->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->cfg_fd < 0)
		die(path, errno);
	d->bar = map_resource0(d->bdf);
}

static void uio_unmask(struct tdev *d)
{
	uint8_t b[2];

	if (pread(d->cfg_fd, b, 2, PCI_COMMAND) != 2)
		die("read Command", errno);
	b[1] &= (uint8_t)~(PCI_COMMAND_INTX_DISABLE >> 8);
	if (pwrite(d->cfg_fd, b, 2, PCI_COMMAND) != 2)
		die("write Command", errno);
}

static void baseline_round(struct tdev *d, struct lat *l)
{
	struct pollfd p = { .fd = d->uio_fd, .events = POLLIN };
	uint64_t t0 = now_ns();
	uint32_t n;
	int r;

	wr(d->bar, EDU_IRQ_RAISE, 1);
	r = poll(&p, 1, LOST_MS);
	if (r <= 0) {
		l->lost++;
		printf("lost: %s (no wakeup in %d ms)\n", d->name, LOST_MS);
	} else {
		if (read(d->uio_fd, &n, sizeof(n)) != sizeof(n))
			die("read uio", errno);
		l->v[l->n++ % 4096] = (double)(now_ns() - t0) / 1e6;
	}
	wr(d->bar, EDU_IRQ_ACK, d->bar[EDU_IRQ_STATUS / 4]);
	uio_unmask(d);
}

static int run_baseline(void)
{
	struct lat before = { 0 }, after = { 0 };
	int64_t c0, c1, c2;
	int i;

	for (i = 0; i < 3; i++)
		uio_open_dev(&devs[i]);
	irq = sysfs_irq(devs[0].bdf);
	printf("line: irq %d\n", irq);
	c0 = irqinfo_interrupts("/proc", irq);
	for (i = 0; i < count; i++)
		baseline_round(&devs[i % 3], &before);
	c1 = irqinfo_interrupts("/proc", irq);
	before.intr_delta = c1 - c0;
	culprit_assert();
	for (i = 0; i < count; i++)
		baseline_round(&devs[i % 3], &after);
	c2 = irqinfo_interrupts("/proc", irq);
	after.intr_delta = c2 - c1;
	report("baseline", "before", &before);
	report("baseline", "after-culprit", &after);
	return before.lost + after.lost ? 1 : 0;
}

/* ---- with intxd ---- */

static void monitor_start(void)
{
	struct intx_msg_monitor m = { 0 };
	struct intx_msg_query q = { .what = INTX_Q_STATUS };
	unsigned char buf[INTX_MSG_MAX];
	int r;

	ctl = ctl_open(sock_path, LOST_MS);
	if (ctl < 0)
		die("monitor session", ctl);
	proto_hdr(&m.hdr, INTX_MSG_MONITOR, sizeof(m));
	r = wire_send(ctl, &m, sizeof(m), -1, 0);
	/* a query behind MONITOR: answered once intxd has taken it */
	proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
	if (r >= 0)
		r = wire_send(ctl, &q, sizeof(q), -1, 0);
	while (r >= 0 && r != INTX_MSG_LIST_END)
		r = ctl_recv(ctl, buf, sizeof(buf), LOST_MS);
	if (r < 0)
		die("MONITOR", r);
}

static const char *ev_name(unsigned k)
{
	switch (k) {
	case INTX_EV_ROGUE: return "rogue";
	case INTX_EV_QUARANTINE: return "quarantine";
	case INTX_EV_RELEASE: return "release";
	case INTX_EV_LINE_DEAD: return "line-dead";
	case INTX_EV_REVIVED: return "revived";
	default: return NULL;
	}
}

/* Take the monitor events queued so far; note the health ones. */
static void monitor_drain(void)
{
	union {
		struct intx_msg_event ev;
		unsigned char raw[INTX_MSG_MAX];
	} m;
	int r;

	while ((r = ctl_recv(ctl, m.raw, sizeof(m.raw), 0)) >= 0) {
		const char *name;

		if (r != INTX_MSG_EVENT || !(name = ev_name(m.ev.kind)))
			continue;
		if (!n_ev[m.ev.kind]++)
			t_ev[m.ev.kind] = m.ev.ts_ns;
		printf("EVENT %s irq=%llu %s at +%.1f ms\n", name, (unsigned long long)m.ev.seq,
		       m.ev.device, t_culprit ? ((double)m.ev.ts_ns - (double)t_culprit) / 1e6 : 0.0);
		fflush(stdout);
	}
	if (r != -ETIMEDOUT)
		die("monitor stream", r);
}

/* The line's flags from intxd (a LINES query on a session of its own). */
static uint32_t line_flags(void)
{
	struct intx_msg_query q = { .what = INTX_Q_LINES };
	union {
		struct intx_msg_line line;
		unsigned char raw[INTX_MSG_MAX];
	} m;
	uint32_t flags = 0;
	int fd = ctl_open(sock_path, LOST_MS), r;

	if (fd < 0)
		die("control session", fd);
	proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
	r = wire_send(fd, &q, sizeof(q), -1, 0);
	while (r >= 0 && (r = ctl_recv(fd, m.raw, sizeof(m.raw), LOST_MS)) == INTX_MSG_LINE)
		if (m.line.irq == irq)
			flags = m.line.flags;
	close(fd);
	if (r != INTX_MSG_LIST_END)
		die("LINES query", r < 0 ? r : EPROTO);
	return flags;
}

/* Command bit 10 of the culprit: 1, 0, or -1 unreadable. */
static int culprit_intx_disable(void)
{
	char path[128];
	uint8_t b[2];
	int fd, r = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", culprit);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && pread(fd, b, 2, PCI_COMMAND) == 2)
		r = !!(b[1] & (PCI_COMMAND_INTX_DISABLE >> 8));
	if (fd >= 0)
		close(fd);
	return r;
}

static void admin_op(uint32_t op)
{
	struct intx_msg_admin a = { .op = op };
	unsigned char buf[INTX_MSG_MAX];
	int fd = ctl_open(sock_path, LOST_MS), r;

	if (fd < 0)
		die("control session", fd);
	proto_hdr(&a.hdr, INTX_MSG_ADMIN, sizeof(a));
	proto_strset(a.device, sizeof(a.device), culprit);
	r = wire_send(fd, &a, sizeof(a), -1, 0);
	if (r >= 0)
		r = ctl_recv(fd, buf, sizeof(buf), LOST_MS);
	close(fd);
	if (r != INTX_MSG_DONE)
		die(op == INTX_ADMIN_QUARANTINE ? "ADMIN QUARANTINE" : "ADMIN RELEASE",
		    r < 0 ? r : EPROTO);
}

static void admin_quarantine(void)
{
	admin_op(INTX_ADMIN_QUARANTINE);
	printf("quarantine %s asked by hand at +%.1f ms\n", culprit,
	       (double)(now_ns() - t_culprit) / 1e6);
}

/* A culprit quarantined earlier, still asserting behind its mask: release
 * it through intxd, and it asserts the line again. */
static void culprit_release(void)
{
	if (sysfs_irq(culprit) != irq) {
		printf("FAIL: the culprit %s is on irq %d, not on the line %d\n", culprit,
		       sysfs_irq(culprit), irq);
		exit(1);
	}
	t_culprit = now_ns();
	admin_op(INTX_ADMIN_RELEASE);
	printf("culprit %s released: asserts irq %d again\n", culprit, irq);
}

static int on_irq(const struct intx_event *ev, void *arg)
{
	struct tdev *d = arg;
	uint32_t st = d->bar[EDU_IRQ_STATUS / 4];

	(void)ev;
	if (!st)
		return INTX_NONE;
	wr(d->bar, EDU_IRQ_ACK, st);
	d->got = true;
	return INTX_HANDLED;
}

static void intxd_round(struct intx_client *c, struct tdev *d, struct lat *l)
{
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)LOST_MS * 1000000u;
	int r;

	d->got = false;
	wr(d->bar, EDU_IRQ_RAISE, 1);
	while (!d->got && now_ns() < deadline) {
		r = intx_dispatch(c, 20);
		if (r < 0)
			die("intx_dispatch", r);
		monitor_drain();
	}
	if (!d->got) {
		l->lost++;
		printf("lost: %s (not delivered in %d ms)\n", d->name, LOST_MS);
		return;
	}
	l->v[l->n++ % 4096] = (double)(now_ns() - t0) / 1e6;
}

static bool release_first, no_culprit;
static const char *bind_driver;

static void write_sysfs(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		die(path, errno);
	close(fd);
}

/* Bind the quarantined culprit to a driver: intxd must end the quarantine
 * (a RELEASE event for it, awaited on the monitor stream). */
static int culprit_bind(void)
{
	char path[160];
	uint64_t t0, deadline;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", culprit);
	write_sysfs(path, bind_driver);
	t0 = now_ns();
	write_sysfs("/sys/bus/pci/drivers_probe", culprit);
	deadline = t0 + (uint64_t)LOST_MS * 1000000u;
	while (!n_ev[INTX_EV_RELEASE] && now_ns() < deadline) {
		struct pollfd p = { .fd = ctl, .events = POLLIN };

		(void)poll(&p, 1, 100);
		monitor_drain();
	}
	printf("RESULT health bind-culprit driver=%s release=%u after_ms=%.1f\n", bind_driver,
	       n_ev[INTX_EV_RELEASE], n_ev[INTX_EV_RELEASE] ?
	       ((double)t_ev[INTX_EV_RELEASE] - (double)t0) / 1e6 : -1.0);
	if (!n_ev[INTX_EV_RELEASE]) {
		printf("FAIL: %s bound to %s, intxd did not end its quarantine\n", culprit,
		       bind_driver);
		return 1;
	}
	return 0;
}

static int run_intxd(bool by_hand)
{
	struct lat before = { 0 }, after = { 0 }, settled = { 0 };
	struct intx_client *c;
	int64_t c0, c1, c2, c3;
	bool asked = false;
	int i, r;

	/* intxd was started just before: await its socket (bounded) */
	for (i = 0; !(c = intx_open(sock_path, "owner")) && i < 1000; i++) {
		struct timespec backoff = { 0, 20 * 1000000 };

		/* a retry interval, not a synchronisation: the condition is
		 * the connect that succeeds */
		nanosleep(&backoff, NULL);
	}
	if (!c)
		die("intx_open", errno);
	for (i = 0; i < 3; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri),
					       .index = VFIO_PCI_BAR0_REGION_INDEX };
		void *p;
		int fd;

		r = intx_subscribe(c, devs[i].name, on_irq, &devs[i]);
		if (r < 0)
			die("intx_subscribe", r);
		fd = intx_device_fd(c, devs[i].name);
		if (fd < 0) { /* uio: through sysfs */
			devs[i].bar = map_resource0(devs[i].bdf);
			continue;
		}
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
			die("VFIO_DEVICE_GET_REGION_INFO", errno);
		p = mmap(NULL, EDU_MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)ri.offset);
		if (p == MAP_FAILED)
			die("mmap BAR0", errno);
		devs[i].bar = p;
	}
	monitor_start();
	/* vfio-pci enabled the devices when intxd opened them: irq is right */
	irq = sysfs_irq(devs[0].bdf);
	printf("line: irq %d\n", irq);
	c0 = irqinfo_interrupts("/proc", irq);
	/* --no-culprit: intxd may still be bringing the line back; go on
	 * until it says it has (bounded) */
	for (i = 0; i < count || (no_culprit && i < count * 10 &&
				  (line_flags() & (INTX_F_DEAD | INTX_F_REVIVED)) != INTX_F_REVIVED);
	     i++)
		intxd_round(c, &devs[i % 3], &before);
	if (no_culprit)
		printf("line flags 0x%x after %d rounds\n", line_flags(), i);
	c1 = irqinfo_interrupts("/proc", irq);
	before.intr_delta = c1 - c0;
	if (no_culprit)
		goto settle;
	if (release_first)
		culprit_release();
	else
		culprit_assert();
	/* Raise until intxd says the line serves (REVIVED, or QUARANTINE of
	 * a culprit before the kernel gave up), at most count*10 rounds. */
	for (i = 0; i < count * 10; i++) {
		bool dead = n_ev[INTX_EV_LINE_DEAD] > 0;
		bool serving = n_ev[INTX_EV_REVIVED] > 0 ||
			       (n_ev[INTX_EV_QUARANTINE] > 0 && !dead);

		if (serving && i >= count)
			break;
		if (by_hand && !asked && n_ev[INTX_EV_ROGUE] && dead) {
			/* quarantine = no: intxd named it and wrote nothing */
			if (culprit_intx_disable() != 0) {
				printf("FAIL: with quarantine = no the culprit's INTx "
				       "Disable is not clear\n");
				exit(1);
			}
			printf("culprit INTx Disable still clear when the line died: "
			       "nothing written\n");
			admin_quarantine();
			asked = true;
		}
		intxd_round(c, &devs[i % 3], &after);
	}
settle:
	c2 = irqinfo_interrupts("/proc", irq);
	after.intr_delta = c2 - c1;
	/* and the owned devices once more, on a line that serves */
	for (i = 0; i < count; i++)
		intxd_round(c, &devs[i % 3], &settled);
	c3 = irqinfo_interrupts("/proc", irq);
	settled.intr_delta = c3 - c2;
	monitor_drain();
	{
		const char *s = by_hand ? "by-hand" : release_first ? "quarantine-yes" :
				no_culprit ? "after-the-fact" : "intxd";
		uint64_t t_serve = n_ev[INTX_EV_REVIVED] ? t_ev[INTX_EV_REVIVED] :
				   n_ev[INTX_EV_QUARANTINE] ? t_ev[INTX_EV_QUARANTINE] : 0;

		report(s, "before", &before);
		if (!no_culprit)
			report(s, "culprit", &after);
		report(s, "settled", &settled);
		printf("RESULT health %s events rogue=%u quarantine=%u line_dead=%u revived=%u "
		       "serving_after_ms=%.1f\n", s, n_ev[INTX_EV_ROGUE],
		       n_ev[INTX_EV_QUARANTINE], n_ev[INTX_EV_LINE_DEAD], n_ev[INTX_EV_REVIVED],
		       t_serve && t_culprit ? ((double)t_serve - (double)t_culprit) / 1e6 : -1.0);
	}
	if (bind_driver && culprit_bind())
		return 1;
	intx_close(c);
	/* a line the kernel only polls does not count its interrupts */
	if (settled.intr_delta < (int64_t)settled.n) {
		printf("FAIL: %u interrupts delivered at the end, /proc/interrupts moved by "
		       "%lld: the line is not serving\n", settled.n, (long long)settled.intr_delta);
		return 1;
	}
	return before.lost + after.lost + settled.lost ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "culprit", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "quarantine-by-hand", no_argument, NULL, 'q' },
		{ "release-culprit", no_argument, NULL, 'r' },
		{ "no-culprit", no_argument, NULL, 'x' },
		{ "bind-culprit", required_argument, NULL, 'b' },
		{ 0 },
	};
	bool by_hand = false;
	const char *mode;
	int o, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((o = getopt_long(argc, argv, "s:c:n:qrxb:", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock_path = optarg; break;
		case 'c': culprit = optarg; break;
		case 'n': count = atoi(optarg); break;
		case 'q': by_hand = true; break;
		case 'r': release_first = true; break;
		case 'x': no_culprit = true; break;
		case 'b': bind_driver = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 4 || !culprit || count < 3 || count > 4000) {
		fprintf(stderr, "usage: health-test baseline|intxd [--socket S] "
			"--culprit BDF [--count K] [--quarantine-by-hand] NAME=BDF x3\n");
		return 2;
	}
	mode = argv[optind];
	for (i = 0; i < 3; i++) {
		char *a = argv[optind + 1 + i], *eq = strchr(a, '=');

		if (!eq) {
			fprintf(stderr, "health-test: %s: expected NAME=BDF\n", a);
			return 2;
		}
		*eq = '\0';
		devs[i].name = a;
		devs[i].bdf = eq + 1;
	}
	if (!strcmp(mode, "baseline"))
		return run_baseline();
	if (!strcmp(mode, "intxd") && sock_path)
		return run_intxd(by_hand);
	fprintf(stderr, "health-test: unknown mode %s (intxd needs --socket)\n", mode);
	return 2;
}
