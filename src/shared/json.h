/* SPDX-License-Identifier: MIT */
/*
 * json.h - JSON string output, for every program that prints --json.
 */
#ifndef INTX_JSON_H
#define INTX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write the first max bytes of s (or up to its NUL) as a JSON string, with
 * its quotes: '"', '\\' and control characters escaped, and each byte that
 * is not part of well-formed UTF-8 replaced by U+FFFD, so the output is
 * valid JSON whatever s holds (a path, a name from the config). */
void json_str(FILE *out, const char *s, size_t max);

/* "key": and s as above, or null when s is NULL; a ',' first unless this
 * is the object's first member. */
void json_kv_str(FILE *out, const char *key, const char *s, size_t max,
		 bool comma);

#endif
