/* SPDX-License-Identifier: MIT */
/*
 * fuzz-proto.c - libFuzzer target for the message checker every received
 * message goes through before dispatch (both directions).  A message it
 * accepts must be exactly as long as its type says, with its strings
 * terminated: the fuzzer checks that too, so a table mistake is a crash.
 * Input: one byte whose low two bits are the number of fds the message
 * came with, then the message (mkseeds.c writes a valid seed per type).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, unsigned nfds)
{
	int side;

	for (side = INTX_FROM_CLIENT; side <= INTX_FROM_DAEMON; side++) {
		int t = proto_check(data, size, nfds, (enum intx_side)side);
		struct intx_hdr h;

		if (t < 0)
			continue;
		memcpy(&h, data, sizeof(h));
		if (h.len != size || h.type != t || h.version != INTX_PROTO_VERSION ||
		    size > INTX_MSG_MAX || nfds > INTX_FDS_MAX)
			abort();
		if (t == INTX_MSG_HELLO) {
			const struct intx_msg_hello *m = (const void *)data;

			if (strnlen(m->client, sizeof(m->client)) == sizeof(m->client))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned nfds;
	uint8_t *msg;

	/* the fd count apart from the message: taken from the message's own
	 * first byte (its version), every valid one would claim 2 fds */
	if (!size)
		return 0;
	nfds = data[0] & 3;
	size--;
	/* a copy of the message's exact size, aligned as a received one is:
	 * ASan sees any read past its end */
	msg = malloc(size ? size : 1);
	if (!msg)
		abort();
	memcpy(msg, data + 1, size);
	check(msg, size, nfds);
	free(msg);
	return 0;
}
