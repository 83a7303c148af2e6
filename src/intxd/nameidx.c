/* SPDX-License-Identifier: MIT */
/* nameidx.c - see nameidx.h: a sorted array and bsearch(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nameidx.h"

static int cmp(const void *a, const void *b)
{
	const struct nameidx_ent *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	/* equal names: the first element first, as a linear search finds */
	return r ? r : (x->i > y->i) - (x->i < y->i);
}

int nameidx_build(struct nameidx *x, const void *arr, unsigned n,
		  const char *(*name)(const void *arr, unsigned i))
{
	unsigned i;

	x->n = 0;
	x->e = malloc((n ? n : 1) * sizeof(*x->e));
	if (!x->e)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *s = name(arr, i);

		if (s)
			x->e[x->n++] = (struct nameidx_ent){ s, i };
	}
	qsort(x->e, x->n, sizeof(*x->e), cmp);
	return 0;
}

int nameidx_find(const struct nameidx *x, const char *name)
{
	unsigned lo = 0, hi = x->n;

	/* the lowest entry not below name: the first of equal names */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (strcmp(x->e[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n && strcmp(x->e[lo].name, name) == 0 ? (int)x->e[lo].i : -1;
}

void nameidx_free(struct nameidx *x)
{
	free(x->e);
	x->e = NULL;
	x->n = 0;
}
