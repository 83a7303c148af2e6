/* SPDX-License-Identifier: MIT */
/* hoptrace.c - maps the benchmark's hop page (hoptrace.h). */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hoptrace.h"
#include "log.h"

volatile uint64_t *hoptrace;

void hoptrace_init(void)
{
	const char *e = getenv("INTXD_HOPTRACE_FD");
	void *p;

	if (!e)
		return;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, atoi(e), 0);
	if (p == MAP_FAILED) {
		log_full(LOG_WARNING, NULL, NULL, NULL, "INTXD_HOPTRACE_FD=%s: not mapped", e);
		return;
	}
	hoptrace = p;
	close(atoi(e)); /* the mapping is all it is for */
	unsetenv("INTXD_HOPTRACE_FD");
}
