/* SPDX-License-Identifier: MIT */
/*
 * nameidx.h - find an element of an array by its name in O(log n): what a
 * reload matches between the old and the new config (up to 1024 devices
 * and 1024 clients each: a linear search per name was a million strcmp()s).
 */
#ifndef INTXD_NAMEIDX_H
#define INTXD_NAMEIDX_H

struct nameidx_ent {
	const char *name;
	unsigned i;
};

struct nameidx {
	struct nameidx_ent *e;
	unsigned n;
};

/* Index the n elements of arr by name(arr, i); an element whose name is
 * NULL is left out.  Names must outlive the index.  0 or -ENOMEM. */
int nameidx_build(struct nameidx *x, const void *arr, unsigned n,
		  const char *(*name)(const void *arr, unsigned i));
/* The index of the element called name (the first, if several), or -1. */
int nameidx_find(const struct nameidx *x, const char *name);
void nameidx_free(struct nameidx *x);

#endif
