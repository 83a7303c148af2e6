/* SPDX-License-Identifier: MIT */
/* cpulist.c - see cpulist.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

/* A CPU number: digits only (strtoul would take blanks and a sign). */
static int cpu_number(const char **s, unsigned long *out)
{
	char *end;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(*s, &end, 10);
	*s = end;
	if (errno || *out >= CPU_SETSIZE)
		return -ERANGE;
	return 0;
}

int cpulist_parse(const char *s, cpu_set_t *out)
{
	unsigned long a, b, i;
	int r;

	CPU_ZERO(out);
	for (;;) {
		if ((r = cpu_number(&s, &a)) < 0)
			return r;
		b = a;
		if (*s == '-') {
			s++;
			if ((r = cpu_number(&s, &b)) < 0)
				return r;
			if (b < a)
				return -EINVAL;
		}
		for (i = a; i <= b; i++)
			CPU_SET(i, out);
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

int cpulist_format(const cpu_set_t *set, char *buf, size_t size)
{
	size_t len = 0;
	int a, b, n;

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	for (a = 0; a < CPU_SETSIZE; a = b + 1) {
		if (!CPU_ISSET(a, set)) {
			b = a;
			continue;
		}
		for (b = a; b + 1 < CPU_SETSIZE && CPU_ISSET(b + 1, set); b++)
			;
		n = a == b ? snprintf(buf + len, size - len, "%s%d", len ? "," : "", a) :
			     snprintf(buf + len, size - len, "%s%d-%d", len ? "," : "", a, b);
		if (n < 0 || (size_t)n >= size - len) {
			/* the items that fit are another, smaller set */
			buf[0] = '\0';
			return -ENOSPC;
		}
		len += (size_t)n;
	}
	return 0;
}
