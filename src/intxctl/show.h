/* SPDX-License-Identifier: MIT */
/*
 * show.h - how intxctl prints what intxd reports: aligned tables with a
 * header row (show-table.c), --json (show-json.c: one compact object per
 * command, or per line for monitor; the keys are documented in
 * doc/protocol.md and stable), and the Prometheus text exposition format
 * (show-prom.c).
 */
#ifndef INTXCTL_SHOW_H
#define INTXCTL_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

/* Everything one command collected from the daemon. */
struct show_data {
	const struct intx_msg_status *status; /* NULL when not queried */
	const struct intx_msg_line *lines;
	size_t nlines;
	const struct intx_msg_device *devices;
	size_t ndevices;
	const struct intx_msg_client *clients;
	size_t nclients;
	const struct intx_msg_failure *failures; /* why failed devices failed */
	size_t nfailures;
};

/* A record's fixed string field and its size, the bound every writer
 * reads it with (DEVICE.backend may fill its field without a NUL). */
#define FIELD(s, m) (s)->m, sizeof((s)->m)

/* The one word a device's flags come down to, most urgent first:
 * failed, admin, inflight, pending, masked, idle. */
const char *show_device_state(uint32_t flags);

/* A record's CPU set (cpuset.h) as a list into buf, CPULIST_MAX
 * (cpulist.h) bytes: every CPU, "" when none is known. */
const char *show_cpus(const uint8_t *wire, char *buf);

/* "selective" or "broadcast" from a line's flags. */
const char *show_line_mode(uint32_t flags);
/* The configured mode of STATUS, and an EVENT's kind, as words. */
const char *show_mode_name(uint32_t mode);
const char *show_event_name(uint32_t kind);

/* Why device failed ("" when it did not, or the daemon did not say). */
const char *show_reason(const struct show_data *d, const char *device);
/* How many of d's devices failed. */
unsigned show_failed(const struct show_data *d);

/* A command's output: the table writer, or with json the JSON one.
 * status needs d->status and d->devices (for the failed count). */
void show_status(FILE *out, const struct show_data *d, bool json);
void show_lines(FILE *out, const struct show_data *d, bool json);
void show_devices(FILE *out, const struct show_data *d, bool json);
void show_clients(FILE *out, const struct show_data *d, bool json);
void show_stats(FILE *out, const struct show_data *d, bool json);
void show_event(FILE *out, const struct intx_msg_event *ev, bool json);

/* show-table.c */
void show_table_status(FILE *out, const struct show_data *d);
void show_table_lines(FILE *out, const struct show_data *d);
void show_table_devices(FILE *out, const struct show_data *d);
void show_table_clients(FILE *out, const struct show_data *d);
void show_table_stats(FILE *out, const struct show_data *d);
void show_table_event(FILE *out, const struct intx_msg_event *ev);

/* show-json.c */
void show_json_status(FILE *out, const struct show_data *d);
void show_json_lines(FILE *out, const struct show_data *d);
void show_json_devices(FILE *out, const struct show_data *d);
void show_json_clients(FILE *out, const struct show_data *d);
void show_json_stats(FILE *out, const struct show_data *d);
void show_json_event(FILE *out, const struct intx_msg_event *ev);
/* {"ok":true,"command":...,"device":...} for mask/unmask/reload --json. */
void show_done(FILE *out, const char *command, const char *device);

/* show-prom.c: stats --prometheus; d->status when queried. */
void show_prometheus(FILE *out, const struct show_data *d);

#endif
