/* SPDX-License-Identifier: MIT */
/*
 * doctor.c - `intxctl doctor`: who is on each INTx line, who asserts it,
 * whether the kernel gave up on it, and who could be handed to uio or vfio.
 *
 * Read-only by design: everything comes from sysfs attributes, config space
 * opened O_RDONLY (the first 64 bytes are all a non-root reader gets, and
 * Command, Status and the pin are in them), /proc/interrupts,
 * /proc/irq/N/spurious and /dev/kmsg.  INTx masking support is therefore
 * judged without the write test the kernel and `discover --probe` do: from
 * the kernel's quirk list, a Command bit 10 that reads set, the driver bound
 * (uio_pci_generic binds only functions that pass the test) or the PCI
 * Express capability (PCIe requires the bit); otherwise it is "unknown".
 *
 * A routed IRQ is trusted only for an enabled function: a disabled one can
 * read a stale number (q35).  The kernel says when it disables a line
 * ("Disabling IRQ #N" in the kernel log) but not when a new handler brings
 * it back; intxd writes "intxd: irq N: revived" to the kernel log when it
 * does, and a later one of those counts as enabled again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/pci_regs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqinfo.h"
#include "doctor.h"
#include "doctor-int.h"
#include "pcidev.h"
#include "pciquirks.h"

/* strlcpy: truncation is fine for what is only shown */
static void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static long fattr_long(struct doctor *d, const char *bdf, const char *attr, long def)
{
	char buf[64], *end;
	long v;

	if (pcidev_attr_in(d->sysfs, bdf, attr, buf, sizeof(buf)) < 0)
		return def;
	errno = 0;
	v = strtol(buf, &end, 0);
	return errno || end == buf ? def : v;
}

static void read_config(struct doctor *d, struct func *f)
{
	uint8_t cfg[256];
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/config", d->sysfs, f->bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	do
		n = pread(fd, cfg, sizeof(cfg), 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 64)
		return;
	f->cmd = (uint16_t)(cfg[PCI_COMMAND] | cfg[PCI_COMMAND + 1] << 8);
	f->status = (uint16_t)(cfg[PCI_STATUS] | cfg[PCI_STATUS + 1] << 8);
	if (f->cmd == 0xffff)
		return; /* nothing answers */
	f->cfg_ok = 1;
	f->pin = cfg[PCI_INTERRUPT_PIN] <= 4 ? cfg[PCI_INTERRUPT_PIN] : 0;
	/* the capability list: a non-root read stops at 64 bytes */
	if ((f->status & PCI_STATUS_CAP_LIST) && n > 64) {
		unsigned p = cfg[PCI_CAPABILITY_LIST] & 0xfc, hops = 0;

		while (p >= 0x40 && p + 1 < (unsigned)n && hops++ < 48) {
			if (cfg[p] == PCI_CAP_ID_EXP) {
				f->pcie = true;
				break;
			}
			p = cfg[p + 1] & 0xfc;
		}
	}
}

static void judge_masking(struct func *f)
{
	if (f->quirk) {
		f->masking = M_BROKEN;
		f->mask_how = "the kernel's quirk list marks it broken";
	} else if (!f->pin) {
		f->masking = M_NA;
		f->mask_how = "no interrupt pin";
	} else if (f->cfg_ok && (f->cmd & PCI_COMMAND_INTX_DISABLE)) {
		f->masking = M_YES;
		f->mask_how = "Command bit 10 reads set";
	} else if (!strcmp(f->driver, "uio_pci_generic")) {
		f->masking = M_YES;
		f->mask_how = "bound to uio_pci_generic, which tested it";
	} else if (f->pcie) {
		f->masking = M_YES;
		f->mask_how = "PCI Express requires it (not tested)";
	} else {
		f->masking = M_UNKNOWN;
		f->mask_how = "only a write can tell (intxctl discover --probe)";
	}
}

static int by_bdf(const void *a, const void *b)
{
	return strcmp(((const struct func *)a)->bdf, ((const struct func *)b)->bdf);
}

static int scan_functions(struct doctor *d)
{
	struct dirent *e;
	DIR *dir = opendir(d->sysfs);

	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && d->nf < FUNCS_MAX) {
		struct func *f = &d->f[d->nf];

		if (pcidev_check_bdf(e->d_name) < 0)
			continue;
		memset(f, 0, sizeof(*f));
		scopy(f->bdf, sizeof(f->bdf), e->d_name);
		f->vendor = (unsigned)fattr_long(d, f->bdf, "vendor", 0xffff);
		f->device = (unsigned)fattr_long(d, f->bdf, "device", 0xffff);
		f->class = (unsigned)fattr_long(d, f->bdf, "class", 0);
		f->enabled = (int)fattr_long(d, f->bdf, "enable", -1);
		if (pcidev_driver_in(d->sysfs, f->bdf, f->driver, sizeof(f->driver)) < 0)
			f->driver[0] = '\0'; /* shown as none */
		read_config(d, f);
		f->irq = (int)fattr_long(d, f->bdf, "irq", -1);
		if (f->irq <= 0 || !f->pin)
			f->irq = -1;
		f->routed = f->irq >= 0 && (f->enabled > 0 || f->driver[0]);
		f->quirk = pci_quirk_find((uint16_t)f->vendor, (uint16_t)f->device);
		judge_masking(f);
		d->nf++;
	}
	closedir(dir);
	qsort(d->f, d->nf, sizeof(d->f[0]), by_bdf);
	return 0;
}

static struct irqline *line_of(struct doctor *d, int irq, bool make)
{
	unsigned i;

	for (i = 0; i < d->nl; i++)
		if (d->l[i].irq == irq)
			return &d->l[i];
	if (!make || d->nl >= LINES_MAX)
		return NULL;
	memset(&d->l[d->nl], 0, sizeof(d->l[0]));
	d->l[d->nl].irq = irq;
	d->l[d->nl].interrupts = -1;
	d->l[d->nl].spur_count = d->l[d->nl].spur_unhandled = -1;
	d->l[d->nl].spur_last_ms = -1;
	d->l[d->nl].disabled = -1;
	return &d->l[d->nl++];
}

/* Fill interrupts and handlers of every known line from /proc/interrupts. */
static void read_interrupts(struct doctor *d)
{
	char path[512], line[1024];
	unsigned ncpu = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/interrupts", d->proc);
	fp = fopen(path, "re");
	if (!fp)
		return;
	if (fgets(line, sizeof(line), fp)) {
		char *save = NULL, *t;

		for (t = strtok_r(line, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
			ncpu++;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *p = line, *end;
		struct irqline *l;
		long irq;
		int64_t sum = 0;
		unsigned c, tok;

		while (*p == ' ')
			p++;
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		l = line_of(d, (int)irq, false);
		if (!l)
			continue;
		p = end + 1;
		for (c = 0; c < ncpu; c++) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
		l->interrupts = sum;
		/* then the chip and the hwirq/flow ("IO-APIC 11-fasteoi"),
		 * then the actions, ", "-separated */
		for (tok = 0; tok < 2; tok++) {
			while (*p == ' ' || *p == '\t')
				p++;
			while (*p && *p != ' ' && *p != '\t' && *p != '\n')
				p++;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, "\n")] = '\0';
		snprintf(l->handlers, sizeof(l->handlers), "%s", p);
	}
	fclose(fp);
}

static void read_spurious(struct doctor *d, struct irqline *l)
{
	struct irq_spurious sp;

	if (irqinfo_spurious(d->proc, l->irq, &sp) < 0)
		return;
	if (sp.count >= 0)
		l->spur_count = sp.count;
	if (sp.unhandled >= 0)
		l->spur_unhandled = sp.unhandled;
	if (sp.last_unhandled_ms >= 0)
		l->spur_last_ms = sp.last_unhandled_ms;
}

static void km_note(struct doctor *d, int irq, double ts, bool revived)
{
	unsigned i;

	for (i = 0; i < d->nkm; i++)
		if (d->km[i].irq == irq)
			break;
	if (i == d->nkm) {
		if (d->nkm >= LINES_MAX)
			return;
		d->km[i].irq = irq;
		d->km[i].dis = d->km[i].rev = -1;
		d->nkm++;
	}
	if (revived)
		d->km[i].rev = ts;
	else
		d->km[i].dis = ts;
}

/* One kmsg record: "pri,seq,usec,flags;text". */
static void kmsg_record(struct doctor *d, const char *rec)
{
	const char *semi = strchr(rec, ';'), *p;
	unsigned long long usec = 0;
	int irq;

	if (!semi)
		return;
	if (sscanf(rec, "%*u,%*u,%llu", &usec) != 1)
		usec = 0;
	p = semi + 1;
	if (sscanf(p, "Disabling IRQ #%d", &irq) == 1)
		km_note(d, irq, (double)usec / 1e6, false);
	else if (sscanf(p, "intxd: irq %d: revived", &irq) == 1)
		km_note(d, irq, (double)usec / 1e6, true);
}

static void read_kmsg(struct doctor *d)
{
	char buf[8192];
	struct stat st;
	ssize_t n;
	int fd = open(d->kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return;
	d->kmsg_ok = true;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		/* a saved log (tests): records one a line */
		FILE *fp = fdopen(fd, "re");

		if (!fp) {
			close(fd);
			return;
		}
		while (fgets(buf, sizeof(buf), fp)) {
			buf[strcspn(buf, "\n")] = '\0';
			kmsg_record(d, buf);
		}
		fclose(fp);
		return;
	}
	/* /dev/kmsg: one record a read, EAGAIN at the end */
	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: records overwritten while we read */
		if (n <= 0)
			break;
		buf[n] = '\0';
		kmsg_record(d, buf);
	}
	close(fd);
}

static void build_lines(struct doctor *d)
{
	unsigned i, k;

	for (i = 0; i < d->nf; i++) {
		struct func *f = &d->f[i];
		struct irqline *l;

		if (!f->routed)
			continue;
		l = line_of(d, f->irq, true);
		if (l && l->nfuncs < sizeof(l->funcs) / sizeof(l->funcs[0]))
			l->funcs[l->nfuncs++] = i;
	}
	read_interrupts(d);
	read_kmsg(d);
	for (i = 0; i < d->nl; i++) {
		struct irqline *l = &d->l[i];

		read_spurious(d, l);
		if (!d->kmsg_ok)
			continue;
		l->disabled = 0;
		for (k = 0; k < d->nkm; k++)
			if (d->km[k].irq == l->irq && d->km[k].dis >= 0 &&
			    d->km[k].dis > d->km[k].rev) {
				l->disabled = 1;
				l->disabled_at = d->km[k].dis;
			}
	}
}

/* The other users of f's line, for a message: "ehci_hcd (0000:00:1d.0), ..." */
static void cosharers(struct doctor *d, const struct func *f, const struct irqline *l,
		      char *buf, size_t size)
{
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < l->nfuncs; i++) {
		const struct func *o = &d->f[l->funcs[i]];
		int n;

		if (o == f)
			continue;
		n = snprintf(buf + used, size - used, "%s%s (%s)", used ? ", " : "",
			     o->driver[0] ? o->driver : "no driver", o->bdf);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	if (!used && l->handlers[0])
		scopy(buf, size, l->handlers);
}

static void judge_handoff(struct doctor *d, struct func *f)
{
	const struct irqline *l = f->routed ? line_of(d, f->irq, false) : NULL;
	bool shared = l && l->nfuncs > 1;
	char who[TEXT_MAX / 2];

	if (!f->pin) {
		f->uio_ok = 0;
		snprintf(f->uio_why, TEXT_MAX, "no interrupt pin: uio_pci_generic needs INTx");
		f->vfio_ok = 1;
		snprintf(f->vfio_why, TEXT_MAX, "no INTx: MSI/MSI-X only, no line to share");
		return;
	}
	switch (f->masking) {
	case M_YES:
		f->uio_ok = f->vfio_ok = 1;
		snprintf(f->uio_why, TEXT_MAX, "INTx masking works: it can share its line");
		snprintf(f->vfio_why, TEXT_MAX, "INTx masking works: it can share its line");
		return;
	case M_UNKNOWN:
		f->uio_ok = f->vfio_ok = -1;
		snprintf(f->uio_why, TEXT_MAX, "depends on INTx masking, which is not known");
		snprintf(f->vfio_why, TEXT_MAX, "depends on INTx masking, which is not known%s",
			 shared ? "" : "; alone on its line it works either way");
		if (!shared && f->routed)
			f->vfio_ok = 1;
		return;
	default:
		break;
	}
	/* no usable masking */
	f->uio_ok = 0;
	snprintf(f->uio_why, TEXT_MAX, "%s: uio_pci_generic refuses it (ENODEV)",
		 f->masking == M_BROKEN ? "broken INTx masking (kernel quirk)" : "no INTx masking");
	if (!f->routed) {
		f->vfio_ok = -1;
		snprintf(f->vfio_why, TEXT_MAX,
			 "needs its line exclusively; its line is not known (not enabled)");
		return;
	}
	if (!shared) {
		f->vfio_ok = 1;
		snprintf(f->vfio_why, TEXT_MAX, "needs IRQ %d exclusively, and has it", f->irq);
		return;
	}
	cosharers(d, f, l, who, sizeof(who));
	f->vfio_ok = 0;
	snprintf(f->vfio_why, TEXT_MAX,
		 "%s; shares IRQ %d with %s: vfio-pci would need the line exclusively -> EBUSY",
		 f->masking == M_BROKEN ? "broken INTx masking (kernel quirk)" : "no INTx masking",
		 f->irq, who);
}

static struct finding *add_finding(struct doctor *d, const char *kind, const char *sev,
				   int irq, const char *bdf)
{
	struct finding *x;

	if (d->nfd >= FINDINGS_MAX)
		return NULL;
	x = &d->fd[d->nfd++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->severity = sev;
	x->irq = irq;
	snprintf(x->bdf, sizeof(x->bdf), "%s", bdf ? bdf : "");
	return x;
}

static bool is_passthrough(const char *drv)
{
	return !strcmp(drv, "vfio-pci") || !strcmp(drv, "uio_pci_generic");
}

static void judge_line(struct doctor *d, struct irqline *l)
{
	struct finding *x;
	unsigned i, rogues = 0, quarantined = 0;
	char first_rogue[16] = "";

	for (i = 0; i < l->nfuncs; i++) {
		struct func *f = &d->f[l->funcs[i]];

		if (!f->cfg_ok || f->driver[0] || !(f->status & PCI_STATUS_INTERRUPT))
			continue;
		if (f->cmd & PCI_COMMAND_INTX_DISABLE) {
			quarantined++; /* asserting, but masked */
			continue;
		}
		rogues++;
		if (!first_rogue[0])
			snprintf(first_rogue, sizeof(first_rogue), "%s", f->bdf);
		x = add_finding(d, "rogue-asserter", "error", l->irq, f->bdf);
		if (!x)
			continue;
		snprintf(x->text, TEXT_MAX,
			 "%s (%04x:%04x, no driver) asserts IRQ %d: Status bit 3 set, "
			 "INTx Disable clear; every handler on the line returns IRQ_NONE",
			 f->bdf, f->vendor, f->device, l->irq);
		snprintf(x->remedy, TEXT_MAX,
			 "intxctl quarantine %s (sets its INTx Disable through intxd), or "
			 "setpci -s %s COMMAND=0400:0400; or bind its driver",
			 f->bdf, f->bdf + 5);
	}
	if (l->disabled == 1 && (x = add_finding(d, "line-disabled", "error", l->irq, NULL))) {
		snprintf(x->text, TEXT_MAX,
			 "the kernel disabled IRQ %d %.3f s after boot (\"nobody cared\"): "
			 "its devices are only polled, at 10 Hz", l->irq, l->disabled_at);
		snprintf(x->remedy, TEXT_MAX,
			 "%s%s%sthen add a handler to the line again: intxd does it for the "
			 "lines it serves (quarantine = yes); by hand, unbind and bind again "
			 "the driver of one device on it",
			 rogues ? "quarantine the asserter (intxctl quarantine " : "",
			 rogues ? first_rogue : "", rogues ? "), " : "");
	}
	/* the kernel's counters keep a masked asserter's past storm until
	 * 100,000 more interrupts come: that one explains them */
	if (!rogues && !quarantined && l->spur_unhandled >= UNHANDLED_WARN &&
	    (x = add_finding(d, "unhandled-interrupts", "warning", l->irq, NULL))) {
		snprintf(x->text, TEXT_MAX,
			 "IRQ %d: %" PRId64 " of the last %" PRId64 " interrupts were unhandled "
			 "(the kernel disables the line at 99,900 of 100,000)",
			 l->irq, l->spur_unhandled, l->spur_count);
		snprintf(x->remedy, TEXT_MAX,
			 "run intxctl doctor %d again while it happens to catch the asserter; "
			 "a function that asserts without a driver is quarantined by intxd "
			 "(quarantine = yes)", l->irq);
	}
	for (i = 0; i < l->nfuncs; i++) {
		struct func *f = &d->f[l->funcs[i]];

		if (!is_passthrough(f->driver) || f->vfio_ok != 0 || l->nfuncs < 2)
			continue;
		x = add_finding(d, "cannot-share", "error", l->irq, f->bdf);
		if (!x)
			continue;
		snprintf(x->text, TEXT_MAX, "%s (%.32s): %.240s", f->bdf, f->driver, f->vfio_why);
		snprintf(x->remedy, TEXT_MAX,
			 "use MSI/MSI-X for it, move it to a slot on another line, or unbind "
			 "its co-sharers");
	}
}

/* Keep only the line asked for. */
static int select_line(struct doctor *d, const char *which)
{
	char *end;
	long irq = -1;
	unsigned i;

	if (pcidev_check_bdf(which) == 0) {
		for (i = 0; i < d->nf; i++)
			if (!strcmp(d->f[i].bdf, which))
				break;
		if (i == d->nf) {
			fprintf(stderr, "intxctl: doctor: no PCI function %s\n", which);
			return -ENOENT;
		}
		if (!d->f[i].routed) {
			fprintf(stderr, "intxctl: doctor: %s is not routed to an IRQ "
				"(no pin, or not enabled)\n", which);
			return -ENOENT;
		}
		irq = d->f[i].irq;
	} else {
		errno = 0;
		irq = strtol(which, &end, 10);
		if (errno || end == which || *end || irq < 0) {
			fprintf(stderr, "intxctl: doctor: '%s' is neither an IRQ number nor a "
				"PCI address (DDDD:BB:DD.F)\n", which);
			return -EINVAL;
		}
	}
	for (i = 0; i < d->nl; i++)
		if (d->l[i].irq == irq)
			break;
	if (i == d->nl) {
		fprintf(stderr, "intxctl: doctor: no PCI function is routed to IRQ %ld\n", irq);
		return -ENOENT;
	}
	if (i)
		d->l[0] = d->l[i];
	d->nl = 1;
	return 0;
}

int doctor_run(FILE *out, bool json, const char *which)
{
	struct doctor d = { 0 };
	unsigned i;
	int r, rc = 1;
	bool healthy;

	d.sysfs = env_or("INTXCTL_DOCTOR_SYSFS", PCIDEV_SYSFS);
	d.proc = env_or("INTXCTL_DOCTOR_PROC", "/proc");
	d.kmsg = env_or("INTXCTL_DOCTOR_KMSG", "/dev/kmsg");
	d.f = calloc(FUNCS_MAX, sizeof(*d.f));
	d.l = calloc(LINES_MAX, sizeof(*d.l));
	d.fd = calloc(FINDINGS_MAX, sizeof(*d.fd));
	if (!d.f || !d.l || !d.fd) {
		fprintf(stderr, "intxctl: doctor: out of memory\n");
		goto out;
	}
	r = scan_functions(&d);
	if (r < 0) {
		fprintf(stderr, "intxctl: doctor: %s: %s\n", d.sysfs, strerror(-r));
		goto out;
	}
	build_lines(&d);
	for (i = 0; i < d.nf; i++)
		judge_handoff(&d, &d.f[i]);
	if (which) {
		r = select_line(&d, which);
		if (r < 0) {
			rc = r == -EINVAL ? 2 : 1;
			goto out;
		}
	}
	for (i = 0; i < d.nl; i++)
		judge_line(&d, &d.l[i]);
	healthy = d.nfd == 0;
	if (json)
		doctor_print_json(out, &d, healthy);
	else
		doctor_print_text(out, &d, healthy);
	rc = healthy ? 0 : 1;
out:
	free(d.f);
	free(d.l);
	free(d.fd);
	return rc;
}
