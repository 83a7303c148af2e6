/* SPDX-License-Identifier: MIT */
/*
 * show-prom.c - intxctl stats --prometheus: the Prometheus text exposition
 * format (one HELP and TYPE per family, label values escaped).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "show.h"

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
	PM("intxd_device_ack_timeouts_total", "counter",
	   "Notifications not acknowledged in time.",
	   struct intx_msg_device, timeouts),
	PM("intxd_device_storms_total", "counter",
	   "Times the device was throttled for exceeding storm-limit.",
	   struct intx_msg_device, storms),
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
		fprintf(out, ",mode=\"%s\"} 1\n", show_mode_name(st->mode));
		prom_family(out, "intxd_uptime_seconds", "gauge",
			    "Seconds since intxd started.");
		fprintf(out, "intxd_uptime_seconds %.3f\n",
			(double)st->uptime_ns / 1e9);
		prom_family(out, "intxd_sessions", "gauge",
			    "Connected sessions.");
		fprintf(out, "intxd_sessions %" PRIu32 "\n", st->sessions);
		prom_family(out, "intxd_devices_failed", "gauge",
			    "Devices whose backend failed: not served.");
		fprintf(out, "intxd_devices_failed %u\n", show_failed(d));
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

