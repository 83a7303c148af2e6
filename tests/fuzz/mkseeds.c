/* SPDX-License-Identifier: MIT */
/*
 * mkseeds.c - write one valid seed per protocol message type into DIR, in
 * the input format of fuzz-proto.c (a byte giving the fd count, then the
 * message).  A seed is the shortest all-zero message of its type that
 * proto_check() accepts, with the most fds its rule allows; a second one
 * ("-full") has every byte that may be non-zero set, so that its strings
 * are one byte short of unterminated.  The corpus follows the protocol's
 * table instead of being kept by hand.
 *
 *   mkseeds DIR     (tests/fuzz/run.sh builds and runs it)
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

static int write_seed(const char *dir, unsigned type, const char *suffix,
		      unsigned nfds, const unsigned char *msg, size_t len)
{
	char path[4096], name[64];
	unsigned char fds = (unsigned char)nfds;
	FILE *f;
	size_t i;

	snprintf(name, sizeof(name), "%s%s", proto_type_name(type), suffix);
	for (i = 0; name[i]; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&fds, 1, 1, f) != 1 || fwrite(msg, 1, len, f) != len) {
		perror(path);
		return -1;
	}
	return fclose(f);
}

/* Set each body byte that the checker lets be non-zero. */
static void fill(unsigned char *msg, size_t len, unsigned nfds, int side)
{
	struct intx_hdr h;
	size_t i;

	memcpy(&h, msg, sizeof(h));
	for (i = sizeof(h); i < len; i++) {
		msg[i] = 'a';
		if (proto_check(msg, len, nfds, (enum intx_side)side) != h.type)
			msg[i] = 0;
	}
}

/* The shortest all-zero message of type that proto_check() accepts, with
 * the most fds its rule allows: its length, or 0 if there is none. */
static size_t smallest(unsigned type, unsigned char *msg, unsigned *nfds, int *side)
{
	size_t len;
	int k, d;

	for (len = sizeof(struct intx_hdr); len <= INTX_MSG_MAX; len++) {
		memset(msg, 0, len);
		proto_hdr((struct intx_hdr *)msg, (enum intx_msg_type)type, len);
		for (k = INTX_FDS_MAX; k >= 0; k--)
			for (d = INTX_FROM_CLIENT; d <= INTX_FROM_DAEMON; d++)
				if (proto_check(msg, len, (unsigned)k,
						(enum intx_side)d) == (int)type) {
					*nfds = (unsigned)k;
					*side = d;
					return len;
				}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char msg[INTX_MSG_MAX];
	unsigned type, nfds, n = 0;
	size_t len;
	int side;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	for (type = 0; type < 256; type++) {
		if (!strcmp(proto_type_name(type), "UNKNOWN"))
			continue;
		len = smallest(type, msg, &nfds, &side);
		if (!len) {
			fprintf(stderr, "mkseeds: no valid %s\n", proto_type_name(type));
			return 1;
		}
		if (write_seed(argv[1], type, "", nfds, msg, len) < 0)
			return 1;
		fill(msg, len, nfds, side);
		if (write_seed(argv[1], type, "-full", nfds, msg, len) < 0)
			return 1;
		n++;
	}
	printf("mkseeds: 2 seeds for each of %u message types in %s\n", n, argv[1]);
	return 0;
}
