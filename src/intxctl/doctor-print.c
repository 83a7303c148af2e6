/* SPDX-License-Identifier: MIT */
/*
 * doctor-print.c - intxctl doctor's report: the text for people, the JSON
 * whose schema intxctl(8) documents.
 */
#include <inttypes.h>
#include <linux/pci_regs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "doctor-int.h"
#include "json.h"

static const char *const mask_word[] = { "n/a", "unknown", "yes", "no", "broken" };

static void jint(FILE *out, const char *key, int64_t v, bool null_if_neg)
{
	if (null_if_neg && v < 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%" PRId64, key, v);
}

static void jtri(FILE *out, const char *key, int v)
{
	fprintf(out, ",\"%s\":%s", key, v < 0 ? "null" : v ? "true" : "false");
}

static const char *line_state(const struct irqline *l, const struct doctor *d)
{
	unsigned i;

	if (l->disabled == 1)
		return "disabled";
	for (i = 0; i < d->nfd; i++)
		if (d->fd[i].irq == l->irq && !strcmp(d->fd[i].kind, "rogue-asserter"))
			return "rogue";
	if (l->spur_unhandled >= UNHANDLED_WARN) {
		for (i = 0; i < d->nfd; i++)
			if (d->fd[i].irq == l->irq && !strcmp(d->fd[i].kind, "unhandled-interrupts"))
				return "unhandled";
	}
	return l->disabled < 0 ? "unknown" : "ok";
}

void doctor_print_json(FILE *out, struct doctor *d, bool healthy)
{
	unsigned i, k;

	fprintf(out, "{\"schema\":1,\"healthy\":%s,\"kernel_log_read\":%s,\"lines\":[",
		healthy ? "true" : "false", d->kmsg_ok ? "true" : "false");
	for (i = 0; i < d->nl; i++) {
		const struct irqline *l = &d->l[i];

		fprintf(out, "%s{\"irq\":%d", i ? "," : "", l->irq);
		json_kv_str(out, "state", line_state(l, d), TEXT_MAX, true);
		jtri(out, "kernel_disabled", l->disabled);
		if (l->disabled == 1)
			fprintf(out, ",\"disabled_at_s\":%.6f", l->disabled_at);
		jint(out, "interrupts", l->interrupts, true);
		if (l->spur_count >= 0)
			fprintf(out, ",\"spurious\":{\"count\":%" PRId64 ",\"unhandled\":%" PRId64
				",\"last_unhandled_ms\":%" PRId64 "}",
				l->spur_count, l->spur_unhandled < 0 ? 0 : l->spur_unhandled,
				l->spur_last_ms < 0 ? 0 : l->spur_last_ms);
		else
			fputs(",\"spurious\":null", out);
		json_kv_str(out, "handlers", l->handlers, TEXT_MAX, true);
		fputs(",\"functions\":[", out);
		for (k = 0; k < l->nfuncs; k++)
			fprintf(out, "%s\"%s\"", k ? "," : "", d->f[l->funcs[k]].bdf);
		fputs("]}", out);
	}
	fputs("],\"functions\":[", out);
	for (i = 0; i < d->nf; i++) {
		const struct func *f = &d->f[i];
		char id[16];

		fprintf(out, "%s{", i ? "," : "");
		json_kv_str(out, "bdf", f->bdf, TEXT_MAX, false);
		snprintf(id, sizeof(id), "%04x:%04x", f->vendor, f->device);
		json_kv_str(out, "id", id, TEXT_MAX, true);
		fprintf(out, ",\"class\":\"0x%06x\"", f->class);
		json_kv_str(out, "driver", f->driver[0] ? f->driver : NULL, TEXT_MAX, true);
		if (f->pin)
			fprintf(out, ",\"pin\":\"INT%c\"", 'A' + f->pin - 1);
		else
			fputs(",\"pin\":null", out);
		jint(out, "irq", f->irq, true);
		fprintf(out, ",\"irq_routed\":%s", f->routed ? "true" : "false");
		json_kv_str(out, "masking", mask_word[f->masking], TEXT_MAX, true);
		json_kv_str(out, "masking_how", f->mask_how, TEXT_MAX, true);
		if (f->quirk) {
			fputs(",\"quirk\":{", out);
			json_kv_str(out, "what", f->quirk->what, TEXT_MAX, false);
			json_kv_str(out, "source", f->quirk->source, TEXT_MAX, true);
			json_kv_str(out, "commit", f->quirk->commit, TEXT_MAX, true);
			fputc('}', out);
		} else {
			fputs(",\"quirk\":null", out);
		}
		jtri(out, "status_interrupt", f->cfg_ok ? !!(f->status & PCI_STATUS_INTERRUPT) : -1);
		jtri(out, "intx_disable", f->cfg_ok ? !!(f->cmd & PCI_COMMAND_INTX_DISABLE) : -1);
		fputs(",\"uio_pci_generic\":{", out);
		fprintf(out, "\"ok\":%s", f->uio_ok < 0 ? "null" : f->uio_ok ? "true" : "false");
		json_kv_str(out, "why", f->uio_why, TEXT_MAX, true);
		fputs("},\"vfio_pci\":{", out);
		fprintf(out, "\"ok\":%s", f->vfio_ok < 0 ? "null" : f->vfio_ok ? "true" : "false");
		json_kv_str(out, "why", f->vfio_why, TEXT_MAX, true);
		fputs("}}", out);
	}
	fputs("],\"findings\":[", out);
	for (i = 0; i < d->nfd; i++) {
		const struct finding *x = &d->fd[i];

		fprintf(out, "%s{", i ? "," : "");
		json_kv_str(out, "kind", x->kind, TEXT_MAX, false);
		json_kv_str(out, "severity", x->severity, TEXT_MAX, true);
		jint(out, "irq", x->irq, true);
		json_kv_str(out, "bdf", x->bdf[0] ? x->bdf : NULL, TEXT_MAX, true);
		json_kv_str(out, "text", x->text, TEXT_MAX, true);
		json_kv_str(out, "remedy", x->remedy, TEXT_MAX, true);
		fputc('}', out);
	}
	fputs("]}\n", out);
}

static const char *yesno(int v)
{
	return v < 0 ? "?" : v ? "yes" : "no";
}

void doctor_print_text(FILE *out, struct doctor *d, bool healthy)
{
	unsigned i, k;

	fprintf(out, "%u PCI functions, %u INTx line(s) shown\n", d->nf, d->nl);
	for (i = 0; i < d->nl; i++) {
		const struct irqline *l = &d->l[i];

		fprintf(out, "IRQ %d: %s", l->irq, line_state(l, d));
		if (l->disabled == 1)
			fprintf(out, " (the kernel disabled it %.3f s after boot)", l->disabled_at);
		if (l->interrupts >= 0)
			fprintf(out, ", %" PRId64 " interrupts", l->interrupts);
		if (l->spur_count >= 0)
			fprintf(out, ", spurious: count %" PRId64 " unhandled %" PRId64,
				l->spur_count, l->spur_unhandled);
		fputc('\n', out);
		if (l->handlers[0])
			fprintf(out, "  handlers: %s\n", l->handlers);
		fprintf(out, "  %-12s  %-9s  %-16s  %-4s  %-8s  %-6s  %-6s  %-4s  %s\n",
			"FUNCTION", "ID", "DRIVER", "PIN", "MASKING", "STATUS", "INTXDIS",
			"UIO", "VFIO");
		for (k = 0; k < l->nfuncs; k++) {
			const struct func *f = &d->f[l->funcs[k]];

			fprintf(out, "  %-12s  %04x:%04x  %-16s  INT%c  %-8s  %-6s  %-6s  %-4s  %s\n",
				f->bdf, f->vendor, f->device, f->driver[0] ? f->driver : "-",
				'A' + f->pin - 1, mask_word[f->masking],
				f->cfg_ok ? (f->status & PCI_STATUS_INTERRUPT ? "set" : "clear") : "?",
				f->cfg_ok ? (f->cmd & PCI_COMMAND_INTX_DISABLE ? "set" : "clear") : "?",
				yesno(f->uio_ok), yesno(f->vfio_ok));
		}
		for (k = 0; k < l->nfuncs; k++) {
			const struct func *f = &d->f[l->funcs[k]];

			fprintf(out, "    %s: masking %s (%s%s%s)\n", f->bdf, mask_word[f->masking],
				f->mask_how, f->quirk ? ": " : "",
				f->quirk ? f->quirk->source : "");
			if (f->vfio_ok != 1)
				fprintf(out, "      vfio-pci: %s\n", f->vfio_why);
			if (f->uio_ok != 1)
				fprintf(out, "      uio_pci_generic: %s\n", f->uio_why);
		}
	}
	if (!d->kmsg_ok)
		fprintf(out, "note: the kernel log (%s) could not be read: whether the "
			"kernel disabled a line is unknown (run as root)\n", d->kmsg);
	if (healthy) {
		fputs("healthy: no findings\n", out);
		return;
	}
	fputs("findings:\n", out);
	for (i = 0; i < d->nfd; i++)
		fprintf(out, "  [%s] %s: %s\n    remedy: %s\n", d->fd[i].severity,
			d->fd[i].kind, d->fd[i].text, d->fd[i].remedy);
}
