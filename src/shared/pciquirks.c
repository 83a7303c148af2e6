/* SPDX-License-Identifier: MIT */
/* pciquirks.c - the table behind pciquirks.h, built from pci-quirks.def. */
#include <stddef.h>

#include "pciquirks.h"

static const struct pci_quirk quirks[] = {
#define QUIRK(v, d, what, source, commit) { v, d, what, source, commit },
#include "pci-quirks.def"
#undef QUIRK
};

const struct pci_quirk *pci_quirk_find(uint16_t vendor, uint16_t device)
{
	size_t i;

	for (i = 0; i < sizeof(quirks) / sizeof(quirks[0]); i++)
		if (quirks[i].vendor == vendor && quirks[i].device == device)
			return &quirks[i];
	return NULL;
}

const struct pci_quirk *pci_quirk_table(unsigned *n)
{
	*n = sizeof(quirks) / sizeof(quirks[0]);
	return quirks;
}
