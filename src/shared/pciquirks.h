/* SPDX-License-Identifier: MIT */
/*
 * pciquirks.h - the kernel's list of PCI functions with broken INTx masking
 * (the data is pci-quirks.def, one entry a line with its source).
 */
#ifndef INTX_PCIQUIRKS_H
#define INTX_PCIQUIRKS_H

#include <stdint.h>

struct pci_quirk {
	uint16_t vendor, device;
	const char *what;   /* "masking" or "status" */
	const char *source; /* the kernel function that declares it */
	const char *commit; /* the upstream commit, "" if not checked yet */
};

/* The entry for vendor:device, or NULL when the kernel lists none. */
const struct pci_quirk *pci_quirk_find(uint16_t vendor, uint16_t device);

/* The whole table, for tests and --list output. */
const struct pci_quirk *pci_quirk_table(unsigned *n);

#endif
