/* SPDX-License-Identifier: MIT */
/*
 * show.c - tables, --json and Prometheus output for intxctl.
 *
 * The fixed string fields of a record are NUL-terminated (proto_check saw
 * to it) except DEVICE.backend, which the table does not cover; every field
 * is therefore read with its size as the bound, never with strlen alone.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"

#define FIELD(s, m) (s)->m, sizeof((s)->m)

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

const char *show_device_state(uint32_t flags)
{
	if (flags & INTX_F_FAILED)
		return "failed";
	if (flags & INTX_F_ADMIN)
		return "admin";
	if (flags & INTX_F_THROTTLED)
		return "throttled";
	if (flags & INTX_F_INFLIGHT)
		return "inflight";
	if (flags & INTX_F_PENDING)
		return "pending";
	if (flags & INTX_F_MASKED)
		return "masked";
	return "idle";
}

const char *show_line_mode(uint32_t flags)
{
	return flags & INTX_F_BROADCAST ? "broadcast" : "selective";
}

static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case INTX_MODE_SELECTIVE:
		return "selective";
	case INTX_MODE_BROADCAST:
		return "broadcast";
	default:
		return "unknown";
	}
}

static const char *event_name(uint32_t kind)
{
	switch (kind) {
	case INTX_EV_RAISE:
		return "raise";
	case INTX_EV_DELIVER:
		return "deliver";
	case INTX_EV_ACK:
		return "ack";
	case INTX_EV_SPURIOUS:
		return "spurious";
	case INTX_EV_UNMASK:
		return "unmask";
	case INTX_EV_TIMEOUT:
		return "timeout";
	case INTX_EV_STORM:
		return "storm";
	case INTX_EV_ROGUE:
		return "rogue";
	case INTX_EV_QUARANTINE:
		return "quarantine";
	case INTX_EV_RELEASE:
		return "release";
	case INTX_EV_LINE_DEAD:
		return "line-dead";
	case INTX_EV_REVIVED:
		return "revived";
	default:
		return "unknown";
	}
}

/* --- JSON -------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void show_json_str(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max);

	fputc('"', out);
	while (n > 0) {
		size_t k;

		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(out, "\\u%04x", *p);
				break;
			}
			k = utf8_len(p, n);
			if (k == 0) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(p, 1, k, out);
			p += k;
			n -= k;
			continue;
		}
		p++;
		n--;
	}
	fputc('"', out);
}

/* A tiny writer that gets the commas right. */
struct json {
	FILE *out;
	bool first;
};

static void jkey(struct json *j, const char *key)
{
	if (!j->first)
		fputc(',', j->out);
	j->first = false;
	fprintf(j->out, "\"%s\":", key);
}

static void jstr(struct json *j, const char *key, const char *s, size_t max)
{
	jkey(j, key);
	show_json_str(j->out, s, max);
}

static void ju64(struct json *j, const char *key, uint64_t v)
{
	jkey(j, key);
	fprintf(j->out, "%" PRIu64, v);
}

static void jbool(struct json *j, const char *key, bool v)
{
	jkey(j, key);
	fputs(v ? "true" : "false", j->out);
}

/* -1 means "none" on the wire (IRQ of a named line, unconstrained uid). */
static void jint_or_null(struct json *j, const char *key, int32_t v)
{
	jkey(j, key);
	if (v < 0)
		fputs("null", j->out);
	else
		fprintf(j->out, "%" PRId32, v);
}

static void jopen(struct json *j, char c)
{
	fputc(c, j->out);
	j->first = true;
}

static void jclose(struct json *j, char c)
{
	fputc(c, j->out);
	j->first = false;
}

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{ INTX_F_BROADCAST, "broadcast" },
	{ INTX_F_MASKED, "masked" },
	{ INTX_F_PENDING, "pending" },
	{ INTX_F_INFLIGHT, "inflight" },
	{ INTX_F_ADMIN, "admin" },
	{ INTX_F_FAILED, "failed" },
	{ INTX_F_NO_STATUS, "no_status" },
	{ INTX_F_THROTTLED, "throttled" },
	{ INTX_F_DEAD, "dead" },
	{ INTX_F_QUARANTINE, "quarantine" },
	{ INTX_F_REVIVED, "revived" },
};

static void jflags(struct json *j, uint32_t flags)
{
	bool first = true;

	jkey(j, "flags");
	fputc('[', j->out);
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		fprintf(j->out, "%s\"%s\"", first ? "" : ",", flag_names[i].name);
		first = false;
	}
	fputc(']', j->out);
}

static void json_line(struct json *j, const struct intx_msg_line *l)
{
	jopen(j, '{');
	jstr(j, "name", FIELD(l, name));
	jint_or_null(j, "irq", l->irq);
	jstr(j, "mode", show_line_mode(l->flags), 16);
	jflags(j, l->flags);
	ju64(j, "devices", l->devices);
	ju64(j, "events", l->events);
	ju64(j, "spurious", l->spurious);
	ju64(j, "status_reads", l->status_reads);
	ju64(j, "merged", l->merged);
	ju64(j, "rogues", l->rogues);
	jclose(j, '}');
}

static void json_device(struct json *j, const struct intx_msg_device *d)
{
	jopen(j, '{');
	jstr(j, "name", FIELD(d, name));
	jstr(j, "line", FIELD(d, line));
	jstr(j, "pci", FIELD(d, pci));
	jstr(j, "backend", FIELD(d, backend));
	jint_or_null(j, "irq", d->irq);
	jstr(j, "state", show_device_state(d->flags), 16);
	jflags(j, d->flags);
	ju64(j, "subscribers", d->subscribers);
	ju64(j, "seq", d->seq);
	ju64(j, "raised", d->raised);
	ju64(j, "delivered", d->delivered);
	ju64(j, "acked", d->acked);
	ju64(j, "handled", d->handled);
	ju64(j, "timeouts", d->timeouts);
	ju64(j, "storms", d->storms);
	jkey(j, "latency_ns");
	jopen(j, '{');
	ju64(j, "p50", d->latency_ns[0]);
	ju64(j, "p99", d->latency_ns[1]);
	ju64(j, "p999", d->latency_ns[2]);
	ju64(j, "count", d->latency_count);
	ju64(j, "sum", d->latency_sum_ns);
	jclose(j, '}');
	jclose(j, '}');
}

static void json_client(struct json *j, const struct intx_msg_client *c)
{
	jopen(j, '{');
	jstr(j, "name", FIELD(c, name));
	jint_or_null(j, "uid", c->uid);
	jint_or_null(j, "gid", c->gid);
	ju64(j, "sessions", c->sessions);
	ju64(j, "devices", c->devices);
	ju64(j, "delivered", c->delivered);
	ju64(j, "acked", c->acked);
	ju64(j, "handled", c->handled);
	ju64(j, "unhandled", c->unhandled);
	ju64(j, "timeouts", c->timeouts);
	jclose(j, '}');
}

#define JSON_LIST(j, key, v, n, fn)                                          \
	do {                                                                 \
		jkey(j, key);                                                \
		jopen(j, '[');                                               \
		for (size_t i_ = 0; i_ < (n); i_++) {                        \
			if (i_)                                              \
				fputc(',', (j)->out);                        \
			fn(j, &(v)[i_]);                                     \
		}                                                            \
		jclose(j, ']');                                              \
	} while (0)

/* --- tables ------------------------------------------------------------ */

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

/* --- commands ---------------------------------------------------------- */

void show_status(FILE *out, const struct intx_msg_status *st, bool json)
{
	uint64_t s = st->uptime_ns / 1000000000u;

	if (json) {
		struct json j = { .out = out };

		jopen(&j, '{');
		jstr(&j, "version", FIELD(st, version));
		ju64(&j, "pid", st->pid);
		ju64(&j, "uptime_ns", st->uptime_ns);
		jstr(&j, "mode", mode_name(st->mode), 16);
		ju64(&j, "lines", st->lines);
		ju64(&j, "devices", st->devices);
		ju64(&j, "clients", st->clients);
		ju64(&j, "sessions", st->sessions);
		ju64(&j, "raised", st->raised);
		ju64(&j, "delivered", st->delivered);
		ju64(&j, "acked", st->acked);
		ju64(&j, "spurious", st->spurious);
		jclose(&j, '}');
		fputc('\n', out);
		return;
	}
	fprintf(out, "version:   %.*s\n", (int)strnlen(FIELD(st, version)),
		st->version);
	fprintf(out, "pid:       %" PRIu32 "\n", st->pid);
	fprintf(out, "uptime:    ");
	if (s >= 86400)
		fprintf(out, "%" PRIu64 "d ", s / 86400);
	fprintf(out, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 "\n",
		s / 3600 % 24, s / 60 % 60, s % 60);
	fprintf(out, "mode:      %s\n", mode_name(st->mode));
	fprintf(out, "lines:     %" PRIu32 "\n", st->lines);
	fprintf(out, "devices:   %" PRIu32 "\n", st->devices);
	fprintf(out, "clients:   %" PRIu32 "\n", st->clients);
	fprintf(out, "sessions:  %" PRIu32 "\n", st->sessions);
	fprintf(out, "raised:    %" PRIu64 "\n", st->raised);
	fprintf(out, "delivered: %" PRIu64 "\n", st->delivered);
	fprintf(out, "acked:     %" PRIu64 "\n", st->acked);
	fprintf(out, "spurious:  %" PRIu64 "\n", st->spurious);
}

void show_lines(FILE *out, const struct show_data *d, bool json)
{
	static const char *const hdr[] = { "LINE", "IRQ", "MODE", "DEVICES",
		"EVENTS", "SPURIOUS", "STATUS-READS", "MERGED" };
	struct table t = { 8, hdr, "lrlrrrrr", NULL, 0, 0 };

	if (json) {
		struct json j = { .out = out };

		jopen(&j, '{');
		JSON_LIST(&j, "lines", d->lines, d->nlines, json_line);
		jclose(&j, '}');
		fputc('\n', out);
		return;
	}
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
	}
	table_print(out, &t);
}

void show_devices(FILE *out, const struct show_data *d, bool json)
{
	static const char *const hdr[] = { "DEVICE", "LINE", "PCI", "BACKEND",
		"IRQ", "STATE", "SUBS", "SEQ", "RAISED", "DELIVERED", "ACKED",
		"HANDLED", "TIMEOUTS", "STORMS" };
	struct table t = { 14, hdr, "llllrlrrrrrrrr", NULL, 0, 0 };

	if (json) {
		struct json j = { .out = out };

		jopen(&j, '{');
		JSON_LIST(&j, "devices", d->devices, d->ndevices, json_device);
		jclose(&j, '}');
		fputc('\n', out);
		return;
	}
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

void show_clients(FILE *out, const struct show_data *d, bool json)
{
	static const char *const hdr[] = { "CLIENT", "UID", "GID", "SESSIONS",
		"DEVICES", "DELIVERED", "ACKED", "HANDLED", "UNHANDLED",
		"TIMEOUTS" };
	struct table t = { 10, hdr, "lrrrrrrrrr", NULL, 0, 0 };

	if (json) {
		struct json j = { .out = out };

		jopen(&j, '{');
		JSON_LIST(&j, "clients", d->clients, d->nclients, json_client);
		jclose(&j, '}');
		fputc('\n', out);
		return;
	}
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

void show_stats(FILE *out, const struct show_data *d, bool json)
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

	if (json) {
		struct json j = { .out = out };

		jopen(&j, '{');
		JSON_LIST(&j, "lines", d->lines, d->nlines, json_line);
		JSON_LIST(&j, "devices", d->devices, d->ndevices, json_device);
		JSON_LIST(&j, "clients", d->clients, d->nclients, json_client);
		jclose(&j, '}');
		fputc('\n', out);
		return;
	}
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

/* --- Prometheus -------------------------------------------------------- */

/* A label value: backslash, double quote and newline are escaped. */
static void prom_value(FILE *out, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fputc('\\', out);
		if (s[i] == '\n')
			fputs("\\n", out);
		else
			fputc(s[i], out);
	}
	fputc('"', out);
}

static void prom_family(FILE *out, const char *name, const char *type,
			const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct prom_metric {
	const char *name, *type, *help;
	size_t off;  /* of a uint64_t or uint32_t counter in the record */
	bool is32;
};

#define PM(n, t, h, st, m)                                                   \
	{ n, t, h, offsetof(st, m), sizeof(((st *)0)->m) == 4 }

static uint64_t prom_get(const void *rec, const struct prom_metric *m)
{
	const unsigned char *p = (const unsigned char *)rec + m->off;

	if (m->is32) {
		uint32_t v;

		memcpy(&v, p, sizeof(v));
		return v;
	}
	{
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		return v;
	}
}

static const struct prom_metric dev_metrics[] = {
	PM("intxd_device_raised_total", "counter",
	   "Assertions identified by the Interrupt Status bit.",
	   struct intx_msg_device, raised),
	PM("intxd_device_delivered_total", "counter",
	   "Notifications sent, one per subscriber.",
	   struct intx_msg_device, delivered),
	PM("intxd_device_acked_total", "counter",
	   "Acknowledgements received.", struct intx_msg_device, acked),
	PM("intxd_device_handled_total", "counter",
	   "Acknowledgements that claimed the interrupt.",
	   struct intx_msg_device, handled),
	PM("intxd_device_subscribers", "gauge",
	   "Sessions subscribed to the device.",
	   struct intx_msg_device, subscribers),
};

static const struct prom_metric line_metrics[] = {
	PM("intxd_line_events_total", "counter",
	   "Wakeups of the line.", struct intx_msg_line, events),
	PM("intxd_line_spurious_total", "counter",
	   "Wakeups where no device on the line asserted.",
	   struct intx_msg_line, spurious),
	PM("intxd_line_status_reads_total", "counter",
	   "Status register reads on the line.",
	   struct intx_msg_line, status_reads),
	PM("intxd_line_merged_total", "counter",
	   "Wakeups of a device intxd already held masked, merged.",
	   struct intx_msg_line, merged),
	PM("intxd_line_devices", "gauge",
	   "Devices on the line.", struct intx_msg_line, devices),
	PM("intxd_line_rogues_total", "counter",
	   "Unserved functions found asserting the line.",
	   struct intx_msg_line, rogues),
};

static const struct prom_metric client_metrics[] = {
	PM("intxd_client_delivered_total", "counter",
	   "Notifications sent to the client.",
	   struct intx_msg_client, delivered),
	PM("intxd_client_acked_total", "counter",
	   "Acknowledgements from the client.", struct intx_msg_client, acked),
	PM("intxd_client_handled_total", "counter",
	   "Acknowledgements that claimed the interrupt.",
	   struct intx_msg_client, handled),
	PM("intxd_client_unhandled_total", "counter",
	   "Acknowledgements that did not claim the interrupt.",
	   struct intx_msg_client, unhandled),
	PM("intxd_client_ack_timeouts_total", "counter",
	   "Notifications not acknowledged in time.",
	   struct intx_msg_client, timeouts),
	PM("intxd_client_sessions", "gauge",
	   "Sessions connected as the client.",
	   struct intx_msg_client, sessions),
	PM("intxd_client_devices", "gauge",
	   "Devices the client is bound to.", struct intx_msg_client, devices),
};

static void prom_dev_labels(FILE *out, const struct intx_msg_device *v)
{
	fputs("{device=", out);
	prom_value(out, FIELD(v, name));
	fputs(",line=", out);
	prom_value(out, FIELD(v, line));
}

void show_prometheus(FILE *out, const struct show_data *d)
{
	static const struct {
		uint32_t bit;
		const char *name, *help;
	} dev_flags[] = {
		{ INTX_F_MASKED, "intxd_device_masked",
		  "1 while intxd holds the device masked." },
		{ INTX_F_PENDING, "intxd_device_pending",
		  "1 while the device asserts with no subscriber." },
		{ INTX_F_INFLIGHT, "intxd_device_inflight",
		  "1 while notifications wait for acknowledgement." },
		{ INTX_F_ADMIN, "intxd_device_admin_masked",
		  "1 while the administrator holds the device masked." },
		{ INTX_F_FAILED, "intxd_device_failed",
		  "1 when the device's backend failed." },
	};
	static const char *const quantiles[3] = { "0.5", "0.99", "0.999" };
	size_t i, k;

	if (d->status) {
		const struct intx_msg_status *st = d->status;

		prom_family(out, "intxd_info", "gauge",
			    "Version and default mode of intxd.");
		fputs("intxd_info{version=", out);
		prom_value(out, FIELD(st, version));
		fprintf(out, ",mode=\"%s\"} 1\n", mode_name(st->mode));
		prom_family(out, "intxd_uptime_seconds", "gauge",
			    "Seconds since intxd started.");
		fprintf(out, "intxd_uptime_seconds %.3f\n",
			(double)st->uptime_ns / 1e9);
		prom_family(out, "intxd_sessions", "gauge",
			    "Connected sessions.");
		fprintf(out, "intxd_sessions %" PRIu32 "\n", st->sessions);
	}

	for (k = 0; k < sizeof(dev_metrics) / sizeof(dev_metrics[0]); k++) {
		const struct prom_metric *m = &dev_metrics[k];

		prom_family(out, m->name, m->type, m->help);
		for (i = 0; i < d->ndevices; i++) {
			fputs(m->name, out);
			prom_dev_labels(out, &d->devices[i]);
			fprintf(out, "} %" PRIu64 "\n",
				prom_get(&d->devices[i], m));
		}
	}
	for (k = 0; k < sizeof(dev_flags) / sizeof(dev_flags[0]); k++) {
		prom_family(out, dev_flags[k].name, "gauge", dev_flags[k].help);
		for (i = 0; i < d->ndevices; i++) {
			fputs(dev_flags[k].name, out);
			prom_dev_labels(out, &d->devices[i]);
			fprintf(out, "} %d\n",
				!!(d->devices[i].flags & dev_flags[k].bit));
		}
	}
	/* Quantiles as gauges: intxd keeps no sum or count of latencies,
	 * which a Prometheus summary would require. */
	prom_family(out, "intxd_device_ack_latency_seconds", "summary",
		    "Raise to last acknowledgement latency.");
	for (i = 0; i < d->ndevices; i++) {
		const struct intx_msg_device *v = &d->devices[i];

		for (k = 0; k < 3; k++) {
			fputs("intxd_device_ack_latency_seconds", out);
			prom_dev_labels(out, v);
			fprintf(out, ",quantile=\"%s\"} %.9f\n", quantiles[k],
				(double)v->latency_ns[k] / 1e9);
		}
		fputs("intxd_device_ack_latency_seconds_sum", out);
		prom_dev_labels(out, v);
		fprintf(out, "} %.9f\n", (double)v->latency_sum_ns / 1e9);
		fputs("intxd_device_ack_latency_seconds_count", out);
		prom_dev_labels(out, v);
		fprintf(out, "} %" PRIu64 "\n", v->latency_count);
	}

	for (k = 0; k < sizeof(line_metrics) / sizeof(line_metrics[0]); k++) {
		const struct prom_metric *m = &line_metrics[k];

		prom_family(out, m->name, m->type, m->help);
		for (i = 0; i < d->nlines; i++) {
			fprintf(out, "%s{line=", m->name);
			prom_value(out, FIELD(&d->lines[i], name));
			fprintf(out, "} %" PRIu64 "\n", prom_get(&d->lines[i], m));
		}
	}
	prom_family(out, "intxd_line_broadcast", "gauge",
		    "1 when the line is in broadcast mode.");
	for (i = 0; i < d->nlines; i++) {
		fputs("intxd_line_broadcast{line=", out);
		prom_value(out, FIELD(&d->lines[i], name));
		fprintf(out, "} %d\n", !!(d->lines[i].flags & INTX_F_BROADCAST));
	}

	for (k = 0; k < sizeof(client_metrics) / sizeof(client_metrics[0]); k++) {
		const struct prom_metric *m = &client_metrics[k];

		prom_family(out, m->name, m->type, m->help);
		for (i = 0; i < d->nclients; i++) {
			fprintf(out, "%s{client=", m->name);
			prom_value(out, FIELD(&d->clients[i], name));
			fprintf(out, "} %" PRIu64 "\n",
				prom_get(&d->clients[i], m));
		}
	}
}

/* --- monitor and admin ------------------------------------------------- */

void show_event(FILE *out, const struct intx_msg_event *ev, bool json)
{
	bool handled = ev->kind == INTX_EV_ACK && (ev->flags & INTX_ACK_HANDLED);

	if (json) {
		struct json j = { .out = out };

		jopen(&j, '{');
		jstr(&j, "kind", event_name(ev->kind), 16);
		ju64(&j, "ts_ns", ev->ts_ns);
		ju64(&j, "seq", ev->seq);
		jstr(&j, "device", FIELD(ev, device));
		jstr(&j, "client", FIELD(ev, client));
		jbool(&j, "handled", handled);
		jclose(&j, '}');
		fputc('\n', out);
		return;
	}
	fprintf(out, "%" PRIu64 ".%09" PRIu64 " %-8s device=", ev->ts_ns / 1000000000u,
		ev->ts_ns % 1000000000u, event_name(ev->kind));
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

void show_done(FILE *out, const char *command, const char *device)
{
	struct json j = { .out = out };

	jopen(&j, '{');
	jbool(&j, "ok", true);
	jstr(&j, "command", command, INTX_NAME_MAX);
	if (device)
		jstr(&j, "device", device, INTX_NAME_MAX);
	jclose(&j, '}');
	fputc('\n', out);
}
