/* SPDX-License-Identifier: MIT */
/*
 * fuzz-conf.c - libFuzzer target for the config parser: the input is an
 * intxd.conf; it must be accepted or refused with FILE:LINE messages, never
 * crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	char *errs = NULL;
	size_t errlen = 0;
	FILE *f, *e;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz-conf.%d.conf", (int)getpid());
		atexit(cleanup);
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	e = open_memstream(&errs, &errlen);
	if (!e)
		abort();
	if (conf_load(path, e, &c) == 0) {
		/* a config it accepts is whole: every binding names a device */
		unsigned i, k;

		for (i = 0; i < c->nclients; i++)
			for (k = 0; k < c->clients[i].ndevices; k++)
				if (c->clients[i].devices[k] >= c->ndevices)
					abort();
		conf_free(c);
	}
	fclose(e);
	free(errs);
	return 0;
}
