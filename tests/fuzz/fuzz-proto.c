/* SPDX-License-Identifier: MIT */
/*
 * fuzz-proto.c - libFuzzer target for the message checker every received
 * message goes through before dispatch (both directions).  A message it
 * accepts must be exactly as long as its type says, with its strings
 * terminated: the fuzzer checks that too, so a table mistake is a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned nfds = size ? data[0] & 3 : 0;
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
	return 0;
}
