/* SPDX-License-Identifier: MIT */
/* conf.h - intxd.conf and its drop-in directory, parsed with inih into plain data. */
#ifndef INTXD_CONF_H
#define INTXD_CONF_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "proto.h"

#define CONF_DEFAULT_PATH SYSCONFDIR "/intxd/intxd.conf"

/* Limits on what a config may declare. */
#define CONF_DEVICES_MAX 1024
#define CONF_CLIENTS_MAX 1024

/* What happens when a client does not acknowledge within ack-timeout-ms
 * (it is reported in every case, and its device stays masked alone). */
enum conf_ack_policy {
	CONF_ACK_WAIT = 0,      /* keep waiting for it */
	CONF_ACK_REDELIVER = 1, /* forget that notification; a still-asserting
				 * device interrupts again with a new one */
	CONF_ACK_DROP = 2,      /* end the client's session */
};

/* How a wakeup finds the asserting devices (scan =). */
enum conf_scan {
	CONF_SCAN_SIGNALLED = 0, /* read the device whose fd woke (default) */
	CONF_SCAN_LINE = 1,      /* read every unmasked device on the line */
};

/* Where the event loop runs (cpu =; placement.h). */
enum conf_cpu {
	CONF_CPU_NONE = 0, /* wherever the scheduler puts it (default) */
	CONF_CPU_IRQ = 1,  /* on the CPUs the served lines' IRQs go to */
	CONF_CPU_LIST = 2, /* on conf.cpus */
};

/* spin-us: the most a daemon may poll before it blocks */
#define CONF_SPIN_US_MAX 1000

/* Where a section or key was written, for error messages. */
struct conf_where {
	char *file;
	unsigned line;
};

struct conf_device {
	char name[INTX_NAME_MAX];
	char pci[INTX_PCI_MAX];   /* normalized DDDD:BB:DD.F, "" for sim without pci */
	char backend[8];          /* "uio" | "vfio" | "sim" */
	char *path;               /* sim: the device directory */
	char line[INTX_NAME_MAX]; /* "auto" or a line name */
	struct conf_where where;
};

struct conf_client {
	char name[INTX_NAME_MAX];
	/* Admission: every constraint given must match the peer; at least one
	 * is required.  -1 = not constrained. */
	int64_t uid;
	int64_t gid;
	unsigned ndevices;
	unsigned *devices;        /* indexes into conf.devices */
	int64_t ack_timeout_ms;   /* -1 = the global one */
	int ack_policy;           /* -1 = the global one */
	struct conf_where where;
};

struct conf {
	char *socket;             /* default INTX_DEFAULT_SOCKET */
	unsigned socket_mode;     /* default 0660 */
	int64_t socket_gid;       /* -1 = leave as is */
	int64_t admin_gid;        /* admin-group: may mask/unmask/reload; -1 = none */
	int log_level;            /* log-level: LOG_ERR..LOG_DEBUG; -1 = not set */
	int mode;                 /* INTX_MODE_SELECTIVE | INTX_MODE_BROADCAST */
	int64_t ack_timeout_ms;   /* default 1000; 0 = none */
	int64_t storm_limit;      /* interrupts/s per device; default 100000; 0 = none */
	int ack_policy;           /* enum conf_ack_policy; default wait */
	int scan;                 /* enum conf_scan; default signalled */
	bool quarantine;          /* mask driverless asserters (linewatch.h); default no */
	unsigned max_sessions_per_uid; /* default 64; 0 = none */
	unsigned max_sessions;    /* default 1024 */
	int64_t run_uid, run_gid; /* user =: drop to it after opening; -1 = stay */
	int cpu;                  /* enum conf_cpu; default none */
	cpu_set_t cpus;           /* cpu = LIST */
	unsigned spin_us;         /* poll this long before blocking; default 0 */
	unsigned ndevices;
	struct conf_device *devices;
	unsigned nclients;
	struct conf_client *clients;
};

/*
 * Parse path, then every *.conf in "<path>.d/" in lexical order (a missing
 * .d directory is fine).  Every problem found is written to errs as
 * "FILE:LINE: problem\n" (all of them, not only the first).  Returns 0 and
 * *out, or a negative errno (-EINVAL for a config with errors).
 */
int conf_load(const char *path, FILE *errs, struct conf **out);

/* Index of the device or client of that name, or -1. */
int conf_device_find(const struct conf *c, const char *name);
int conf_client_find(const struct conf *c, const char *name);

void conf_free(struct conf *c);

#endif
