/* SPDX-License-Identifier: MIT */
/* proto.c - the table every received message is checked against. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

struct field {
	unsigned short off, size;
};

struct proto_rule {
	const char *name;
	enum intx_side from;
	unsigned short len;     /* exact length */
	unsigned char fds;      /* most fds it may carry */
	struct field strs[4];   /* NUL-terminated strings (size 0 ends) */
	struct field zero[2];   /* reserved: must be zero */
};

#define F(type, member)                                                      \
	{ offsetof(type, member), sizeof(((type *)0)->member) }

static const struct proto_rule rules[] = {
	[INTX_MSG_HELLO] = { "HELLO", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_hello), 0,
		{ F(struct intx_msg_hello, client) },
		{ F(struct intx_msg_hello, reserved) } },
	[INTX_MSG_SUBSCRIBE] = { "SUBSCRIBE", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_subscribe), 0,
		{ F(struct intx_msg_subscribe, device) }, { { 0, 0 } } },
	[INTX_MSG_UNSUBSCRIBE] = { "UNSUBSCRIBE", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_unsubscribe), 0, { { 0, 0 } },
		{ F(struct intx_msg_unsubscribe, reserved) } },
	[INTX_MSG_ACK] = { "ACK", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_ack), 0, { { 0, 0 } },
		{ F(struct intx_msg_ack, reserved) } },
	[INTX_MSG_DMA] = { "DMA", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_dma), 0, { { 0, 0 } },
		{ F(struct intx_msg_dma, reserved) } },
	[INTX_MSG_ACK_PIPE] = { "ACK_PIPE", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_ack_pipe), 0, { { 0, 0 } },
		{ F(struct intx_msg_ack_pipe, reserved) } },
	[INTX_MSG_QUERY] = { "QUERY", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_query), 0, { { 0, 0 } },
		{ F(struct intx_msg_query, reserved) } },
	[INTX_MSG_ADMIN] = { "ADMIN", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_admin), 0,
		{ F(struct intx_msg_admin, device) },
		{ F(struct intx_msg_admin, reserved) } },
	[INTX_MSG_MONITOR] = { "MONITOR", INTX_FROM_CLIENT,
		sizeof(struct intx_msg_monitor), 0, { { 0, 0 } },
		{ F(struct intx_msg_monitor, reserved) } },

	[INTX_MSG_WELCOME] = { "WELCOME", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_welcome), INTX_FDS_MAX,
		{ F(struct intx_msg_welcome, client) }, { { 0, 0 } } },
	[INTX_MSG_SUBSCRIBED] = { "SUBSCRIBED", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_subscribed), INTX_FDS_MAX,
		{ F(struct intx_msg_subscribed, device) }, { { 0, 0 } } },
	[INTX_MSG_UNSUBSCRIBED] = { "UNSUBSCRIBED", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_unsubscribed), 0, { { 0, 0 } },
		{ F(struct intx_msg_unsubscribed, reserved) } },
	[INTX_MSG_NOTIFY] = { "NOTIFY", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_notify), 0, { { 0, 0 } }, { { 0, 0 } } },
	[INTX_MSG_ERROR] = { "ERROR", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_error), 0,
		{ F(struct intx_msg_error, text) },
		{ F(struct intx_msg_error, reserved) } },
	[INTX_MSG_REVOKED] = { "REVOKED", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_revoked), 0,
		{ F(struct intx_msg_revoked, text) }, { { 0, 0 } } },
	[INTX_MSG_DMA_FD] = { "DMA_FD", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_dma_fd), INTX_FDS_MAX, { { 0, 0 } },
		{ F(struct intx_msg_dma_fd, reserved) } },
	[INTX_MSG_ACK_PIPE_FD] = { "ACK_PIPE_FD", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_ack_pipe_fd), INTX_FDS_MAX, { { 0, 0 } },
		{ F(struct intx_msg_ack_pipe_fd, reserved) } },
	[INTX_MSG_STATUS] = { "STATUS", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_status), 0,
		{ F(struct intx_msg_status, version) }, { { 0, 0 } } },
	[INTX_MSG_LINE] = { "LINE", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_line), 0,
		{ F(struct intx_msg_line, name) }, { { 0, 0 } } },
	[INTX_MSG_DEVICE] = { "DEVICE", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_device), 0,
		{ F(struct intx_msg_device, name), F(struct intx_msg_device, line),
		  F(struct intx_msg_device, pci), F(struct intx_msg_device, backend) },
		{ F(struct intx_msg_device, reserved) } },
	[INTX_MSG_CLIENT] = { "CLIENT", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_client), 0,
		{ F(struct intx_msg_client, name) }, { { 0, 0 } } },
	[INTX_MSG_LIST_END] = { "LIST_END", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_list_end), 0, { { 0, 0 } }, { { 0, 0 } } },
	[INTX_MSG_DONE] = { "DONE", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_done), 0, { { 0, 0 } },
		{ F(struct intx_msg_done, reserved) } },
	[INTX_MSG_EVENT] = { "EVENT", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_event), 0,
		{ F(struct intx_msg_event, device), F(struct intx_msg_event, client) },
		{ { 0, 0 } } },
	[INTX_MSG_TEXT] = { "TEXT", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_text), 0,
		{ F(struct intx_msg_text, text) },
		{ F(struct intx_msg_text, reserved) } },
	[INTX_MSG_FAILURE] = { "FAILURE", INTX_FROM_DAEMON,
		sizeof(struct intx_msg_failure), 0,
		{ F(struct intx_msg_failure, device), F(struct intx_msg_failure, reason) },
		{ { 0, 0 } } },
};

static const struct proto_rule *rule_of(unsigned type)
{
	if (type >= sizeof(rules) / sizeof(rules[0]) || !rules[type].name)
		return NULL;
	return &rules[type];
}

const char *proto_type_name(unsigned type)
{
	const struct proto_rule *r = rule_of(type);
	return r ? r->name : "UNKNOWN";
}

static int all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

int proto_check(const void *buf, size_t len, unsigned nfds, enum intx_side from)
{
	const unsigned char *p = buf;
	struct intx_hdr h;
	const struct proto_rule *r;
	size_t i;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (h.version != INTX_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	r = rule_of(h.type);
	if (!r || r->from != from || h.len != len || len != r->len ||
	    nfds > r->fds)
		return -EBADMSG;
	for (i = 0; i < 4 && r->strs[i].size; i++)
		if (!memchr(p + r->strs[i].off, 0, r->strs[i].size))
			return -EBADMSG;
	for (i = 0; i < 2 && r->zero[i].size; i++)
		if (!all_zero(p + r->zero[i].off, r->zero[i].size))
			return -EBADMSG;
	return h.type;
}

void proto_hdr(struct intx_hdr *h, enum intx_msg_type type, size_t len)
{
	h->version = INTX_PROTO_VERSION;
	h->type = (uint16_t)type;
	h->len = (uint32_t)len;
}

void proto_error(struct intx_msg_error *m, int err, unsigned req_type,
		 const char *text)
{
	memset(m, 0, sizeof(*m));
	proto_hdr(&m->hdr, INTX_MSG_ERROR, sizeof(*m));
	m->error = err;
	m->req_type = (uint16_t)req_type;
	snprintf(m->text, sizeof(m->text), "%s", text);
}

int proto_strset(char *field, size_t size, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= size)
		return -ENAMETOOLONG;
	memset(field, 0, size);
	if (n)
		memcpy(field, s, n);
	return 0;
}

int proto_log_level(const char *name)
{
	/* syslog's numbering; below error nothing is worth choosing */
	static const char *const names[] = {
		[3] = "error", [4] = "warning", [5] = "notice", [6] = "info",
		[7] = "debug",
	};
	int i;

	if (!strcmp(name, "err"))
		return 3;
	if (!strcmp(name, "warn"))
		return 4;
	for (i = 3; i <= 7; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}
