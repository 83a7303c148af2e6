/* SPDX-License-Identifier: MIT */
/* control.h - intxctl's requests: queries and administration. */
#ifndef INTXD_CONTROL_H
#define INTXD_CONTROL_H

#include "proto.h"

struct session;

/* Answer with the records asked for and LIST_END.  0, or -errno to end the
 * session. */
int control_query(struct session *s, const struct intx_msg_query *m);

/* MASK/UNMASK/RELOAD: DONE or ERROR. */
int control_admin(struct session *s, const struct intx_msg_admin *m);

#endif
