/* SPDX-License-Identifier: MIT */
/*
 * show-json.c - intxctl --json: one compact object per command (per event
 * for monitor), keys as doc/protocol.md documents them.  Strings are
 * escaped per RFC 8259; bytes that are not UTF-8 become U+FFFD.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cpulist.h"
#include "json.h"
#include "show.h"

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
	json_str(j->out, s, max);
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
	char cpus[CPULIST_MAX];

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
	jstr(j, "cpus", show_cpus(l->cpus, cpus), sizeof(cpus));
	jclose(j, '}');
}

static void json_device(struct json *j, const struct intx_msg_device *d,
			const char *reason)
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
	jstr(j, "reason", reason, INTX_TEXT_MAX);
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


static void json_devices_list(struct json *j, const struct show_data *d)
{
	jkey(j, "devices");
	jopen(j, '[');
	for (size_t i = 0; i < d->ndevices; i++) {
		if (i)
			fputc(',', j->out);
		json_device(j, &d->devices[i], show_reason(d, d->devices[i].name));
	}
	jclose(j, ']');
}

void show_json_status(FILE *out, const struct show_data *d)
{
	const struct intx_msg_status *st = d->status;
	struct json j = { .out = out };
	char cpus[CPULIST_MAX];

	jopen(&j, '{');
	jstr(&j, "version", FIELD(st, version));
	ju64(&j, "pid", st->pid);
	ju64(&j, "uptime_ns", st->uptime_ns);
	jstr(&j, "mode", show_mode_name(st->mode), 16);
	ju64(&j, "lines", st->lines);
	ju64(&j, "devices", st->devices);
	ju64(&j, "failed", show_failed(d));
	ju64(&j, "clients", st->clients);
	ju64(&j, "sessions", st->sessions);
	ju64(&j, "raised", st->raised);
	ju64(&j, "delivered", st->delivered);
	ju64(&j, "acked", st->acked);
	ju64(&j, "spurious", st->spurious);
	jstr(&j, "cpus", show_cpus(st->cpus, cpus), sizeof(cpus));
	jclose(&j, '}');
	fputc('\n', out);
}

/* lines, devices and clients share one shape: an object of lists. */
enum { L_LINES = 1, L_DEVICES = 2, L_CLIENTS = 4 };

static void json_lists(FILE *out, const struct show_data *d, unsigned which)
{
	struct json j = { .out = out };

	jopen(&j, '{');
	if (which & L_LINES)
		JSON_LIST(&j, "lines", d->lines, d->nlines, json_line);
	if (which & L_DEVICES)
		json_devices_list(&j, d);
	if (which & L_CLIENTS)
		JSON_LIST(&j, "clients", d->clients, d->nclients, json_client);
	jclose(&j, '}');
	fputc('\n', out);
}

void show_json_lines(FILE *out, const struct show_data *d)
{
	json_lists(out, d, L_LINES);
}

void show_json_devices(FILE *out, const struct show_data *d)
{
	json_lists(out, d, L_DEVICES);
}

void show_json_clients(FILE *out, const struct show_data *d)
{
	json_lists(out, d, L_CLIENTS);
}

void show_json_stats(FILE *out, const struct show_data *d)
{
	json_lists(out, d, L_LINES | L_DEVICES | L_CLIENTS);
}

void show_json_event(FILE *out, const struct intx_msg_event *ev)
{
	struct json j = { .out = out };

	jopen(&j, '{');
	jstr(&j, "kind", show_event_name(ev->kind), 16);
	ju64(&j, "ts_ns", ev->ts_ns);
	ju64(&j, "seq", ev->seq);
	jstr(&j, "device", FIELD(ev, device));
	jstr(&j, "client", FIELD(ev, client));
	jbool(&j, "handled", ev->kind == INTX_EV_ACK && (ev->flags & INTX_ACK_HANDLED));
	jclose(&j, '}');
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
