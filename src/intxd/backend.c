/* SPDX-License-Identifier: MIT */
/* backend.c - backends by name. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <string.h>

#include "backend.h"

static const struct backend_ops *const backends[] = {
	&backend_sim,
	&backend_uio,
	&backend_vfio,
};

int backend_drain_counter(int fd, size_t size)
{
	uint64_t buf;

	for (;;) {
		ssize_t n = read(fd, &buf, size);

		if (n == (ssize_t)size)
			return 1;
		if (n >= 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
}

const struct backend_ops *backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}
