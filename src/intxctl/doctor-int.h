/* SPDX-License-Identifier: MIT */
/*
 * doctor-int.h - what intxctl doctor found, shared by the looking and
 * judging (doctor.c) and the printing (doctor-print.c).
 */
#ifndef INTXCTL_DOCTOR_INT_H
#define INTXCTL_DOCTOR_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pciquirks.h"

#define FUNCS_MAX 1024
#define LINES_MAX 256
#define FINDINGS_MAX 256
#define TEXT_MAX 320
/* Unhandled interrupts (of the kernel's last 100,000) worth a warning: the
 * kernel disables the line at 99,900. */
#define UNHANDLED_WARN 1000

enum masking { M_NA, M_UNKNOWN, M_YES, M_NO, M_BROKEN };

struct func {
	char bdf[16];
	unsigned vendor, device, class;
	char driver[64];
	int pin;          /* 0 none, 1..4 INTA..INTD */
	int irq;          /* -1 unknown */
	bool routed;      /* irq is the routed one (function enabled) */
	int enabled;      /* -1 unknown */
	int cfg_ok;       /* Command/Status read */
	uint16_t cmd, status;
	bool pcie;
	enum masking masking;
	const char *mask_how;
	const struct pci_quirk *quirk;
	/* could it be given to uio_pci_generic / vfio-pci on its line:
	 * 1 yes, 0 no, -1 unknown */
	int uio_ok, vfio_ok;
	char uio_why[TEXT_MAX], vfio_why[TEXT_MAX];
};

struct irqline {
	int irq;
	unsigned nfuncs;
	unsigned funcs[32];
	char handlers[TEXT_MAX]; /* /proc/interrupts actions */
	int64_t interrupts;      /* summed over CPUs, -1 unknown */
	int64_t spur_count, spur_unhandled, spur_last_ms; /* -1 unknown */
	int disabled;            /* 1, 0, -1 unknown (kmsg unreadable) */
	double disabled_at;      /* s since boot */
};

struct finding {
	const char *kind, *severity;
	int irq;
	char bdf[16];
	char text[TEXT_MAX], remedy[TEXT_MAX];
};

struct doctor {
	const char *sysfs, *proc, *kmsg;
	struct func *f;
	unsigned nf;
	struct irqline *l;
	unsigned nl;
	struct finding *fd;
	unsigned nfd;
	bool kmsg_ok;
	/* per irq, from the kernel log: last disable, last intxd revival */
	struct { int irq; double dis, rev; } km[LINES_MAX];
	unsigned nkm;
};

/* doctor-print.c: the report, healthy when there are no findings. */
void doctor_print_json(FILE *out, struct doctor *d, bool healthy);
void doctor_print_text(FILE *out, struct doctor *d, bool healthy);

#endif
