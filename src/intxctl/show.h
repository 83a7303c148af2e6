/* SPDX-License-Identifier: MIT */
/*
 * show.h - how intxctl prints what intxd reports: aligned tables with a
 * header row, --json (one compact object per command, or per line for
 * monitor; the keys are documented in doc/protocol.md and stable), and the
 * Prometheus text exposition format.
 */
#ifndef INTXCTL_SHOW_H
#define INTXCTL_SHOW_H

#include <stdbool.h>
#include <stddef.h>
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
};

/* The one word a device's flags come down to, most urgent first:
 * failed, admin, inflight, pending, masked, idle. */
const char *show_device_state(uint32_t flags);

/* "selective" or "broadcast" from a line's flags. */
const char *show_line_mode(uint32_t flags);

void show_status(FILE *out, const struct intx_msg_status *st, bool json);
void show_lines(FILE *out, const struct show_data *d, bool json);
void show_devices(FILE *out, const struct show_data *d, bool json);
void show_clients(FILE *out, const struct show_data *d, bool json);
void show_stats(FILE *out, const struct show_data *d, bool json);
void show_prometheus(FILE *out, const struct show_data *d);
void show_event(FILE *out, const struct intx_msg_event *ev, bool json);

/* {"ok":true,"command":...,"device":...} for mask/unmask/reload --json. */
void show_done(FILE *out, const char *command, const char *device);

/* Write s (at most max bytes) as a JSON string: quoted, escaped, and with
 * bytes that are not UTF-8 replaced by U+FFFD so the output stays valid. */
void show_json_str(FILE *out, const char *s, size_t max);

#endif
