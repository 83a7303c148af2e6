/* SPDX-License-Identifier: MIT */
/*
 * discover.c - `intxctl discover`: every PCI function libpciaccess finds,
 * with its driver, interrupt pin, routed IRQ, whether it can mask its INTx
 * (and so report Interrupt Status), which functions share each IRQ, and an
 * intxd.conf stanza for each function that has an interrupt pin.
 *
 * By default it only reads (sysfs and config space, opened read-only):
 * looking must not change a running system.
 *
 * The IRQ a function reads in sysfs is only the routed one once the kernel
 * enabled it (on q35 a disabled function reads a stale number).  So with
 * --probe, as root, a function that nobody enabled is enabled for the read:
 * through sysfs `enable` when it has no driver (and disabled again), by
 * opening its VFIO group and device when it is bound to vfio-pci (closed
 * again, which resets it).  The masking probe writes Command bit 10 and
 * restores it; it too needs --probe and is done only on functions nobody
 * uses (no driver, or a vfio-pci function whose group we hold for the
 * moment); uio_pci_generic accepted its functions by that same test, and a
 * function whose bit reads set has shown it is writable.  Functions bound
 * to other drivers, in use, or bridges (chipset functions) are never
 * touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <pciaccess.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover.h"
#include "json.h"
#include "pcidev.h"
#include "show.h"

enum tri { T_UNKNOWN = -1, T_NO = 0, T_YES = 1 };

/* What only --probe (as root) finds out, said where it is missing. */
#define NOTE_NOT_ENABLED "not enabled: IRQ unknown without --probe"
#define NOTE_NOT_PROBED "masking not probed (--probe)"

struct entry {
	char bdf[16];
	uint16_t vendor, device;
	uint32_t class;
	const char *vendor_name, *device_name;
	char driver[64];
	uint8_t pin;       /* 0 none, 1..4 INTA..INTD */
	int irq;           /* -1 unknown */
	const char *irq_note;
	enum tri masking;
	const char *mask_note;
	int group;         /* IOMMU group, -1 none */
	unsigned sharing;  /* functions with a pin on the same IRQ, self included */
};

static void set_enable(const char *bdf, bool on)
{
	char path[256];
	int fd;

	if (pcidev_path(path, sizeof(path), bdf, "enable") < 0)
		return;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Best effort: a function left enabled is harmless, and nothing we
	 * report depends on this write. */
	{
		ssize_t k = write(fd, on ? "1" : "0", 1);

		(void)k;
	}
	close(fd);
}

/* Command bit 10 set now: it is writable, no probe needed. */
static bool masked_now(struct pci_device *pd)
{
	uint16_t cmd;

	return pci_device_cfg_read_u16(pd, &cmd, PCI_COMMAND) == 0 && cmd != 0xffff &&
	       (cmd & PCI_COMMAND_INTX_DISABLE);
}

static void probe_masking(struct entry *e)
{
	int fd = pcidev_cfg_open(e->bdf, O_RDWR), r;

	if (fd < 0) {
		e->mask_note = "cannot open config space for writing";
		return;
	}
	r = pcidev_intx_mask_probe(fd);
	close(fd);
	if (r < 0)
		e->mask_note = "probe failed";
	else
		e->masking = r ? T_YES : T_NO;
}

/* A vfio-pci function: hold its group while probing, open it to read the
 * routed IRQ.  Another holder (intxd, QEMU) means hands off. */
static void look_vfio(struct entry *e, bool enabled)
{
	int gfd, cfd, dfd;
	bool noiommu;
	int r;

	if (enabled) {
		/* Someone holds the device open, so the IRQ is right. */
		e->irq = pcidev_irq(e->bdf);
		e->mask_note = "in use through VFIO: not probed";
		return;
	}
	if (e->group < 0) {
		e->irq_note = "not enabled, no IOMMU group";
		return;
	}
	r = pcidev_vfio_group_open(e->group, &gfd, &cfd, &noiommu);
	if (r < 0) {
		e->irq_note = r == -EBUSY ? "VFIO group held by another process" :
			      "cannot open its VFIO group";
		e->mask_note = e->irq_note;
		return;
	}
	probe_masking(e);
	dfd = pcidev_vfio_device_open(gfd, e->bdf);
	if (dfd >= 0) {
		e->irq = pcidev_irq(e->bdf);
		close(dfd);
	} else {
		e->irq_note = "cannot open the VFIO device";
	}
	close(gfd);
	close(cfd);
}

static void look(struct pci_device *pd, struct entry *e, bool probe)
{
	int enabled;
	uint8_t pin = 0;

	snprintf(e->bdf, sizeof(e->bdf), "%04x:%02x:%02x.%u", pd->domain,
		 pd->bus, pd->dev, pd->func);
	e->vendor = pd->vendor_id;
	e->device = pd->device_id;
	e->class = pd->device_class;
	e->vendor_name = pci_device_get_vendor_name(pd);
	e->device_name = pci_device_get_device_name(pd);
	e->irq = -1;
	e->masking = T_UNKNOWN;
	if (pcidev_driver(e->bdf, e->driver, sizeof(e->driver)) < 0)
		e->driver[0] = '\0';
	e->group = pcidev_iommu_group(e->bdf);
	if (pci_device_cfg_read_u8(pd, &pin, PCI_INTERRUPT_PIN) != 0 || pin > 4)
		pin = 0;
	e->pin = pin;
	if (!pin)
		return;
	enabled = pcidev_enabled(e->bdf);
	if (masked_now(pd)) {
		e->masking = T_YES;
		e->mask_note = NULL;
	}

	if (!strcmp(e->driver, "uio_pci_generic")) {
		/* It binds only functions that pass the probe, and enables
		 * them at once. */
		e->masking = T_YES;
		e->irq = pcidev_irq(e->bdf);
		return;
	}
	if (!strcmp(e->driver, "vfio-pci")) {
		if (!probe) {
			e->irq = enabled > 0 ? pcidev_irq(e->bdf) : -1;
			e->irq_note = enabled > 0 ? NULL : NOTE_NOT_ENABLED;
			if (e->masking == T_UNKNOWN)
				e->mask_note = NOTE_NOT_PROBED;
			return;
		}
		if (e->masking == T_YES && enabled > 0) {
			e->irq = pcidev_irq(e->bdf);
			return;
		}
		look_vfio(e, enabled > 0);
		return;
	}
	if (enabled > 0) {
		e->irq = pcidev_irq(e->bdf);
	} else if ((e->class >> 16) == 0x06) {
		/* A chipset function (host, ISA, PM bridge): no candidate
		 * for intxd, and not ours to enable or poke. */
		e->irq_note = "bridge: not enabled";
		if (e->masking == T_UNKNOWN)
			e->mask_note = "bridge: not probed";
		return;
	} else if (e->driver[0]) {
		e->irq_note = "not enabled by its driver";
	} else if (probe) {
		pci_device_enable(pd);
		e->irq = pcidev_irq(e->bdf);
		set_enable(e->bdf, false);
	} else {
		e->irq_note = NOTE_NOT_ENABLED;
	}
	if (e->masking != T_UNKNOWN)
		return;
	if (e->driver[0])
		e->mask_note = "bound to a host driver: not probed";
	else if (!probe)
		e->mask_note = NOTE_NOT_PROBED;
	else
		probe_masking(e);
}

static const char *backend_for(const struct entry *e, const char **hint)
{
	*hint = NULL;
	if (!strcmp(e->driver, "uio_pci_generic"))
		return "uio";
	if (!strcmp(e->driver, "vfio-pci"))
		return "vfio";
	if (e->group >= 0) {
		*hint = "bind it to vfio-pci first";
		return "vfio";
	}
	*hint = "bind it to uio_pci_generic first";
	return "uio";
}

static const char *tri_word(enum tri t)
{
	return t == T_YES ? "yes" : t == T_NO ? "no" : "?";
}

/* A function intxd could serve: it has an interrupt pin and is not a
 * chipset function (bridge class). */
static bool candidate(const struct entry *e)
{
	return e->pin && (e->class >> 16) != 0x06;
}

static void stanza(FILE *out, const struct entry *e, const char *prefix)
{
	const char *hint, *backend = backend_for(e, &hint);

	fprintf(out, "%s[device pci-%c%c%c%c-%c%c-%c%c.%c]\n", prefix, e->bdf[0], e->bdf[1],
		e->bdf[2], e->bdf[3], e->bdf[5], e->bdf[6], e->bdf[8], e->bdf[9],
		e->bdf[11]);
	fprintf(out, "%spci = %s\n", prefix, e->bdf);
	fprintf(out, "%sbackend = %s%s%s\n", prefix, backend, hint ? "   ; " : "",
		hint ? hint : "");
	fprintf(out, "%sline = auto", prefix);
	if (e->irq > 0)
		fprintf(out, "   ; irq %d%s", e->irq, e->sharing > 1 ? ", shared" : "");
	fputc('\n', out);
	if (e->masking == T_NO)
		fprintf(out, "%s; cannot mask its INTx nor report Interrupt Status: "
			"its line will broadcast\n", prefix);
}

static void print_text(FILE *out, const struct entry *v, size_t n)
{
	size_t i, j;
	bool any;

	fprintf(out, "%-13s %-9s %-6s %-16s %-3s %-4s %-7s %s\n", "PCI", "ID",
		"CLASS", "DRIVER", "PIN", "IRQ", "MASKING", "NOTE");
	for (i = 0; i < n; i++) {
		const struct entry *e = &v[i];
		char irq[16], note[160] = "";

		if (!e->pin)
			snprintf(irq, sizeof(irq), "-");
		else if (e->irq >= 0)
			snprintf(irq, sizeof(irq), "%d", e->irq);
		else
			snprintf(irq, sizeof(irq), "?");
		if (e->pin && e->sharing > 1)
			snprintf(note, sizeof(note), "shares irq %d with %u other%s",
				 e->irq, e->sharing - 1, e->sharing > 2 ? "s" : "");
		if (e->irq_note || e->mask_note) {
			const char *b = e->mask_note == e->irq_note ? NULL : e->mask_note;

			snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s%s%s%s",
				 note[0] ? "; " : "", e->irq_note ? e->irq_note : "",
				 e->irq_note && b ? "; " : "", b ? b : "");
		}
		if (!e->pin)
			snprintf(note, sizeof(note), "no INTx pin");
		fprintf(out, "%-13s %04x:%04x %06x %-16s %-3s %-4s %-7s %s\n", e->bdf,
			e->vendor, e->device, e->class, e->driver[0] ? e->driver : "-",
			e->pin ? (const char[]){ (char)('A' + e->pin - 1), 0 } : "-",
			irq, e->pin ? tri_word(e->masking) : "-", note);
	}

	fputs("\nLines (IRQs of functions with an interrupt pin):\n", out);
	any = false;
	for (i = 0; i < n; i++) {
		const struct entry *e = &v[i];
		bool first = true, bcast = false;

		if (!e->pin || e->irq <= 0)
			continue;
		for (j = 0; j < i; j++)
			if (v[j].pin && v[j].irq == e->irq)
				break;
		if (j < i)
			continue; /* printed with its first member */
		any = true;
		fprintf(out, "irq %-4d %-7s", e->irq, e->sharing > 1 ? "shared" : "alone");
		for (j = i; j < n; j++) {
			if (!v[j].pin || v[j].irq != e->irq)
				continue;
			fprintf(out, "%s%s", first ? " " : ", ", v[j].bdf);
			first = false;
			if (v[j].masking == T_NO)
				bcast = true;
		}
		if (bcast)
			fputs("  (a member cannot report Interrupt Status: intxd broadcasts)", out);
		fputc('\n', out);
	}
	if (!any)
		fputs("(none with a known IRQ)\n", out);

	fputs("\nConfig stanzas for intxd.conf (functions with an interrupt pin, "
	      "bridges left out):\n", out);
	for (i = 0; i < n; i++) {
		if (!candidate(&v[i]))
			continue;
		fputc('\n', out);
		stanza(out, &v[i], "");
	}
}

static void print_json(FILE *out, const struct entry *v, size_t n)
{
	size_t i, j;
	bool first;

	fputs("{\"devices\":[", out);
	for (i = 0; i < n; i++) {
		const struct entry *e = &v[i];
		char buf[32];
		const char *hint, *backend = backend_for(e, &hint);

		fprintf(out, "%s{", i ? "," : "");
		json_kv_str(out, "pci", e->bdf, SIZE_MAX, false);
		snprintf(buf, sizeof(buf), "%04x", e->vendor);
		json_kv_str(out, "vendor", buf, SIZE_MAX, true);
		snprintf(buf, sizeof(buf), "%04x", e->device);
		json_kv_str(out, "device", buf, SIZE_MAX, true);
		snprintf(buf, sizeof(buf), "%06x", e->class);
		json_kv_str(out, "class", buf, SIZE_MAX, true);
		json_kv_str(out, "vendor_name", e->vendor_name, SIZE_MAX, true);
		json_kv_str(out, "device_name", e->device_name, SIZE_MAX, true);
		json_kv_str(out, "driver", e->driver[0] ? e->driver : NULL, SIZE_MAX, true);
		if (e->pin) {
			snprintf(buf, sizeof(buf), "%c", 'A' + e->pin - 1);
			json_kv_str(out, "pin", buf, SIZE_MAX, true);
		} else {
			json_kv_str(out, "pin", NULL, SIZE_MAX, true);
		}
		if (e->pin && e->irq >= 0)
			fprintf(out, ",\"irq\":%d", e->irq);
		else
			fputs(",\"irq\":null", out);
		json_kv_str(out, "irq_note", e->irq_note, SIZE_MAX, true);
		fprintf(out, ",\"intx_masking\":%s",
			!e->pin || e->masking == T_UNKNOWN ? "null" :
			e->masking == T_YES ? "true" : "false");
		json_kv_str(out, "masking_note", e->mask_note, SIZE_MAX, true);
		if (e->group >= 0)
			fprintf(out, ",\"iommu_group\":%d", e->group);
		else
			fputs(",\"iommu_group\":null", out);
		fputs(",\"shares_with\":[", out);
		first = true;
		for (j = 0; e->pin && e->irq > 0 && j < n; j++) {
			if (j == i || !v[j].pin || v[j].irq != e->irq)
				continue;
			fputs(first ? "" : ",", out);
			json_str(out, v[j].bdf, sizeof(v[j].bdf));
			first = false;
		}
		fputc(']', out);
		if (candidate(e)) {
			char *text = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&text, &len);

			json_kv_str(out, "backend", backend, SIZE_MAX, true);
			if (m) {
				stanza(m, e, "");
				fclose(m);
			}
			json_kv_str(out, "stanza", text, SIZE_MAX, true);
			free(text);
		}
		fputc('}', out);
	}
	fputs("],\"lines\":[", out);
	first = true;
	for (i = 0; i < n; i++) {
		bool f2 = true;

		if (!v[i].pin || v[i].irq <= 0)
			continue;
		for (j = 0; j < i; j++)
			if (v[j].pin && v[j].irq == v[i].irq)
				break;
		if (j < i)
			continue;
		fprintf(out, "%s{\"irq\":%d,\"shared\":%s,\"devices\":[", first ? "" : ",",
			v[i].irq, v[i].sharing > 1 ? "true" : "false");
		first = false;
		for (j = i; j < n; j++) {
			if (!v[j].pin || v[j].irq != v[i].irq)
				continue;
			fputs(f2 ? "" : ",", out);
			json_str(out, v[j].bdf, sizeof(v[j].bdf));
			f2 = false;
		}
		fputs("]}", out);
	}
	fputs("]}\n", out);
}

static int by_bdf(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->bdf, ((const struct entry *)b)->bdf);
}

int discover_run(FILE *out, bool json, bool probe)
{
	struct pci_device_iterator *it;
	struct pci_device *pd;
	struct entry *v = NULL;
	size_t n = 0, cap = 0, i, j;
	int r;

	if (probe && geteuid() != 0) {
		fprintf(stderr, "intxctl: discover --probe: needs root (it enables "
			"idle functions and writes their Command register)\n");
		return -EPERM;
	}
	r = pci_system_init();
	if (r != 0) {
		/* libpciaccess returns a positive errno */
		fprintf(stderr, "intxctl: discover: cannot list PCI devices: %s\n",
			strerror(r));
		return -r;
	}
	it = pci_slot_match_iterator_create(NULL);
	if (!it) {
		pci_system_cleanup();
		fprintf(stderr, "intxctl: discover: out of memory\n");
		return -ENOMEM;
	}
	while ((pd = pci_device_next(it))) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct entry *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		memset(&v[n], 0, sizeof(v[n]));
		/* On error its output is not to be trusted: list the
		 * function with what sysfs says, without the rest. */
		if (pci_device_probe(pd) != 0) {
			snprintf(v[n].bdf, sizeof(v[n].bdf), "%04x:%02x:%02x.%u",
				 pd->domain, pd->bus, pd->dev, pd->func);
			v[n].vendor = pd->vendor_id;
			v[n].device = pd->device_id;
			v[n].irq = -1;
			v[n].group = -1;
			v[n].masking = T_UNKNOWN;
			(void)pcidev_driver(v[n].bdf, v[n].driver, sizeof(v[n].driver));
			n++;
			continue;
		}
		/* The names point into libpciaccess: valid until
		 * pci_system_cleanup(), after the printing. */
		look(pd, &v[n], probe);
		n++;
	}
	pci_iterator_destroy(it);
	if (r < 0) {
		fprintf(stderr, "intxctl: discover: out of memory\n");
		goto out;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_bdf);
	for (i = 0; i < n; i++) {
		v[i].sharing = 0;
		for (j = 0; j < n && v[i].pin && v[i].irq > 0; j++)
			if (v[j].pin && v[j].irq == v[i].irq)
				v[i].sharing++;
	}
	if (json)
		print_json(out, v, n);
	else
		print_text(out, v, n);
	r = 0;
out:
	free(v);
	pci_system_cleanup();
	return r;
}
