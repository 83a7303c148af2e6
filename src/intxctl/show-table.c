/* SPDX-License-Identifier: MIT */
/*
 * show-table.c - intxctl's text output: aligned tables with a header row,
 * the status summary and one line per monitor event.  Control characters
 * in names become '?', so a name cannot drive the terminal.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "show.h"

static void *xrealloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n, size);
	if (!p) {
		/* A CLI that cannot allocate a table row has nothing
		 * better to do than to say so and stop. */
		fputs("intxctl: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

struct table {
	unsigned ncols;
	const char *const *hdr;
	const char *align; /* 'l' or 'r' per column */
	char **cells;
	size_t ncells, cap;
};

/* Add one cell; rows fill left to right.  Control characters become '?'
 * so a name cannot drive the terminal. */
static void __attribute__((format(printf, 2, 3)))
cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		fputs("intxctl: out of memory\n", stderr);
		exit(1);
	}
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cells = xrealloc(t->cells, t->cap, sizeof(*t->cells));
	}
	t->cells[t->ncells++] = s;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

static void table_print(FILE *out, struct table *t)
{
	size_t w[16] = { 0 };
	size_t nrows = t->ncells / t->ncols;

	for (unsigned c = 0; c < t->ncols && c < 16; c++) {
		w[c] = width(t->hdr[c]);
		for (size_t r = 0; r < nrows; r++) {
			size_t x = width(t->cells[r * t->ncols + c]);

			if (x > w[c])
				w[c] = x;
		}
	}
	for (size_t r = 0; r <= nrows; r++) {
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->hdr[c] :
				t->cells[(r - 1) * t->ncols + c];
			size_t gap = w[c] - width(s);
			bool last = c + 1 == t->ncols;

			if (c)
				fputs("  ", out);
			if (t->align[c] == 'r')
				pad(out, gap);
			fputs(s, out);
			/* no trailing blanks after the last column */
			if (t->align[c] != 'r' && !last)
				pad(out, gap);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->ncells = t->cap = 0;
}

/* Field s of size max as a table cell ("-" if empty). */
static void cell_str(struct table *t, const char *s, size_t max)
{
	int n = (int)strnlen(s, max);

	if (n == 0)
		cell(t, "-");
	else
		cell(t, "%.*s", n, s);
}

static void cell_int(struct table *t, int32_t v)
{
	if (v < 0)
		cell(t, "-");
	else
		cell(t, "%" PRId32, v);
}

static void cell_ns(struct table *t, uint64_t ns)
{
	if (ns == 0)
		cell(t, "-");
	else if (ns < 1000)
		cell(t, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		cell(t, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		cell(t, "%.1fms", (double)ns / 1e6);
	else
		cell(t, "%.2fs", (double)ns / 1e9);
}

void show_table_status(FILE *out, const struct show_data *d)
{
	const struct intx_msg_status *st = d->status;
	uint64_t s = st->uptime_ns / 1000000000u;
	char cpus[CPULIST_MAX];

	fprintf(out, "version:   %.*s\n", (int)strnlen(FIELD(st, version)),
		st->version);
	fprintf(out, "pid:       %" PRIu32 "\n", st->pid);
	fprintf(out, "uptime:    ");
	if (s >= 86400)
		fprintf(out, "%" PRIu64 "d ", s / 86400);
	fprintf(out, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 "\n",
		s / 3600 % 24, s / 60 % 60, s % 60);
	fprintf(out, "mode:      %s\n", show_mode_name(st->mode));
	fprintf(out, "lines:     %" PRIu32 "\n", st->lines);
	fprintf(out, "devices:   %" PRIu32 "\n", st->devices);
	fprintf(out, "failed:    %u\n", show_failed(d));
	fprintf(out, "clients:   %" PRIu32 "\n", st->clients);
	fprintf(out, "sessions:  %" PRIu32 "\n", st->sessions);
	fprintf(out, "raised:    %" PRIu64 "\n", st->raised);
	fprintf(out, "delivered: %" PRIu64 "\n", st->delivered);
	fprintf(out, "acked:     %" PRIu64 "\n", st->acked);
	fprintf(out, "spurious:  %" PRIu64 "\n", st->spurious);
	show_cpus(st->cpus, cpus);
	fprintf(out, "cpus:      %s\n", cpus[0] ? cpus : "?");
}

void show_table_lines(FILE *out, const struct show_data *d)
{
	static const char *const hdr[] = { "LINE", "IRQ", "MODE", "DEVICES",
		"EVENTS", "SPURIOUS", "STATUS-READS", "MERGED", "CPU" };
	struct table t = { 9, hdr, "lrlrrrrrl", NULL, 0, 0 };
	char cpus[CPULIST_MAX];

	for (size_t i = 0; i < d->nlines; i++) {
		const struct intx_msg_line *l = &d->lines[i];

		cell_str(&t, FIELD(l, name));
		cell_int(&t, l->irq);
		cell(&t, "%s%s%s%s%s", show_line_mode(l->flags),
		     l->flags & INTX_F_NO_STATUS ? " (no status)" : "",
		     l->flags & INTX_F_DEAD ? " DEAD" : l->flags & INTX_F_REVIVED ? " revived" : "",
		     l->flags & INTX_F_QUARANTINE ? " quarantine" : "",
		     l->rogues ? " rogue" : "");
		cell(&t, "%" PRIu32, l->devices);
		cell(&t, "%" PRIu64, l->events);
		cell(&t, "%" PRIu64, l->spurious);
		cell(&t, "%" PRIu64, l->status_reads);
		cell(&t, "%" PRIu64, l->merged);
		/* the IRQ's effective affinity: where intxd and the
		 * line's drivers run best (cpu = irq, intx_cpu()) */
		cell_str(&t, show_cpus(l->cpus, cpus), sizeof(cpus));
	}
	table_print(out, &t);
}

void show_table_devices(FILE *out, const struct show_data *d)
{
	static const char *const hdr[] = { "DEVICE", "LINE", "PCI", "BACKEND",
		"IRQ", "STATE", "SUBS", "SEQ", "RAISED", "DELIVERED", "ACKED",
		"HANDLED", "TIMEOUTS", "STORMS", "REASON" };
	struct table t = { 15, hdr, "llllrlrrrrrrrrl", NULL, 0, 0 };

	for (size_t i = 0; i < d->ndevices; i++) {
		const struct intx_msg_device *v = &d->devices[i];

		cell_str(&t, FIELD(v, name));
		cell_str(&t, FIELD(v, line));
		cell_str(&t, FIELD(v, pci));
		cell_str(&t, FIELD(v, backend));
		cell_int(&t, v->irq);
		cell(&t, "%s", show_device_state(v->flags));
		cell(&t, "%" PRIu32, v->subscribers);
		cell(&t, "%" PRIu64, v->seq);
		cell(&t, "%" PRIu64, v->raised);
		cell(&t, "%" PRIu64, v->delivered);
		cell(&t, "%" PRIu64, v->acked);
		cell(&t, "%" PRIu64, v->handled);
		cell(&t, "%" PRIu64, v->timeouts);
		cell(&t, "%" PRIu64, v->storms);
		cell_str(&t, show_reason(d, v->name), INTX_TEXT_MAX);
	}
	table_print(out, &t);
}

static void client_id(struct table *t, int32_t v)
{
	if (v < 0)
		cell(t, "any");
	else
		cell(t, "%" PRId32, v);
}

void show_table_clients(FILE *out, const struct show_data *d)
{
	static const char *const hdr[] = { "CLIENT", "UID", "GID", "SESSIONS",
		"DEVICES", "DELIVERED", "ACKED", "HANDLED", "UNHANDLED",
		"TIMEOUTS" };
	struct table t = { 10, hdr, "lrrrrrrrrr", NULL, 0, 0 };

	for (size_t i = 0; i < d->nclients; i++) {
		const struct intx_msg_client *c = &d->clients[i];

		cell_str(&t, FIELD(c, name));
		client_id(&t, c->uid);
		client_id(&t, c->gid);
		cell(&t, "%" PRIu32, c->sessions);
		cell(&t, "%" PRIu32, c->devices);
		cell(&t, "%" PRIu64, c->delivered);
		cell(&t, "%" PRIu64, c->acked);
		cell(&t, "%" PRIu64, c->handled);
		cell(&t, "%" PRIu64, c->unhandled);
		cell(&t, "%" PRIu64, c->timeouts);
	}
	table_print(out, &t);
}

void show_table_stats(FILE *out, const struct show_data *d)
{
	static const char *const dhdr[] = { "DEVICE", "LINE", "RAISED",
		"DELIVERED", "ACKED", "HANDLED", "P50", "P99", "P99.9" };
	static const char *const lhdr[] = { "LINE", "EVENTS", "SPURIOUS",
		"STATUS-READS" };
	static const char *const chdr[] = { "CLIENT", "DELIVERED", "ACKED",
		"HANDLED", "UNHANDLED", "TIMEOUTS" };
	struct table dt = { 9, dhdr, "llrrrrrrr", NULL, 0, 0 };
	struct table lt = { 4, lhdr, "lrrr", NULL, 0, 0 };
	struct table ct = { 6, chdr, "lrrrrr", NULL, 0, 0 };

	for (size_t i = 0; i < d->ndevices; i++) {
		const struct intx_msg_device *v = &d->devices[i];

		cell_str(&dt, FIELD(v, name));
		cell_str(&dt, FIELD(v, line));
		cell(&dt, "%" PRIu64, v->raised);
		cell(&dt, "%" PRIu64, v->delivered);
		cell(&dt, "%" PRIu64, v->acked);
		cell(&dt, "%" PRIu64, v->handled);
		for (int k = 0; k < 3; k++)
			cell_ns(&dt, v->latency_ns[k]);
	}
	for (size_t i = 0; i < d->nlines; i++) {
		const struct intx_msg_line *l = &d->lines[i];

		cell_str(&lt, FIELD(l, name));
		cell(&lt, "%" PRIu64, l->events);
		cell(&lt, "%" PRIu64, l->spurious);
		cell(&lt, "%" PRIu64, l->status_reads);
	}
	for (size_t i = 0; i < d->nclients; i++) {
		const struct intx_msg_client *c = &d->clients[i];

		cell_str(&ct, FIELD(c, name));
		cell(&ct, "%" PRIu64, c->delivered);
		cell(&ct, "%" PRIu64, c->acked);
		cell(&ct, "%" PRIu64, c->handled);
		cell(&ct, "%" PRIu64, c->unhandled);
		cell(&ct, "%" PRIu64, c->timeouts);
	}
	table_print(out, &dt);
	fputc('\n', out);
	table_print(out, &lt);
	fputc('\n', out);
	table_print(out, &ct);
}

void show_table_event(FILE *out, const struct intx_msg_event *ev)
{
	bool handled = ev->kind == INTX_EV_ACK && (ev->flags & INTX_ACK_HANDLED);

	if (ev->kind == INTX_EV_MISSED) {
		fprintf(out, "%" PRIu64 ".%09" PRIu64 " missed   %" PRIu64
			" event(s): this monitor did not keep up\n",
			ev->ts_ns / 1000000000u, ev->ts_ns % 1000000000u, ev->seq);
		return;
	}
	fprintf(out, "%" PRIu64 ".%09" PRIu64 " %-8s device=", ev->ts_ns / 1000000000u,
		ev->ts_ns % 1000000000u, show_event_name(ev->kind));
	/* Same sanitising as table cells: a name cannot drive the terminal. */
	for (const char *p = ev->device; p < ev->device + sizeof(ev->device) && *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
	fprintf(out, " seq=%" PRIu64, ev->seq);
	if (ev->client[0]) {
		fputs(" client=", out);
		for (const char *p = ev->client;
		     p < ev->client + sizeof(ev->client) && *p; p++)
			fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p,
			      out);
	}
	if (ev->kind == INTX_EV_ACK)
		fputs(handled ? " handled" : " unhandled", out);
	fputc('\n', out);
}
