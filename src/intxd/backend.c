/* SPDX-License-Identifier: MIT */
/* backend.c - backends by name. */
#include <stddef.h>
#include <string.h>

#include "backend.h"

static const struct backend_ops *const backends[] = {
	&backend_sim,
	&backend_uio,
	&backend_vfio,
};

const struct backend_ops *backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}
