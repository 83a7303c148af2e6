/* SPDX-License-Identifier: MIT */
/*
 * show.c - what intxctl's writers share: the words for states, modes and
 * events, a failed device's reason, and which writer a command uses.  The
 * writers: show-table.c (text), show-json.c (--json), show-prom.c
 * (--prometheus), one output format each.
 */
#include <string.h>

#include "cpulist.h"
#include "cpuset.h"
#include "show.h"

const char *show_cpus(const uint8_t *wire, char *buf)
{
	cpu_set_t set;

	cpuset_from_wire(wire, &set);
	/* CPULIST_MAX holds any set's list: it cannot fail */
	cpulist_format(&set, buf, CPULIST_MAX);
	return buf;
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

const char *show_mode_name(uint32_t mode)
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

const char *show_event_name(uint32_t kind)
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
	case INTX_EV_MISSED:
		return "missed";
	default:
		return "unknown";
	}
}

const char *show_reason(const struct show_data *d, const char *device)
{
	for (size_t i = 0; i < d->nfailures; i++)
		if (strncmp(d->failures[i].device, device, INTX_NAME_MAX) == 0)
			return d->failures[i].reason;
	return "";
}

unsigned show_failed(const struct show_data *d)
{
	unsigned n = 0;

	for (size_t i = 0; i < d->ndevices; i++)
		n += !!(d->devices[i].flags & INTX_F_FAILED);
	return n;
}

void show_status(FILE *out, const struct show_data *d, bool json)
{
	(json ? show_json_status : show_table_status)(out, d);
}

void show_lines(FILE *out, const struct show_data *d, bool json)
{
	(json ? show_json_lines : show_table_lines)(out, d);
}

void show_devices(FILE *out, const struct show_data *d, bool json)
{
	(json ? show_json_devices : show_table_devices)(out, d);
}

void show_clients(FILE *out, const struct show_data *d, bool json)
{
	(json ? show_json_clients : show_table_clients)(out, d);
}

void show_stats(FILE *out, const struct show_data *d, bool json)
{
	(json ? show_json_stats : show_table_stats)(out, d);
}

void show_event(FILE *out, const struct intx_msg_event *ev, bool json)
{
	(json ? show_json_event : show_table_event)(out, ev);
}
