/* SPDX-License-Identifier: MIT */
/*
 * proto.h - the wire contract between intxd and its peers (libintx, intxctl).
 *
 * Transport: one AF_UNIX SOCK_SEQPACKET connection per peer; one message per
 * packet.  Every message starts with struct intx_hdr.  All integers are in
 * host byte order (the socket never leaves the machine).  Strings are
 * fixed-size, NUL-terminated and NUL-padded.  Reserved fields must be zero.
 * proto.c holds the table of lengths, directions and fd counts that every
 * received message is checked against before it is dispatched.
 *
 * Version history (INTX_PROTO_VERSION):
 *   1  first version: HELLO, SUBSCRIBE, UNSUBSCRIBE, ACK, NOTIFY, ERROR,
 *      QUERY with STATUS/LINE/DEVICE/CLIENT records ended by LIST_END,
 *      MASK/UNMASK/RELOAD, MONITOR.  A CLIENT session's WELCOME carries
 *      the read end of a pipe on which the daemon writes its NOTIFY
 *      messages (a pipe costs a third of a seqpacket message); a peer
 *      must also accept NOTIFY on the socket.
 *   2  REVOKED (a reload took a device from the session).  An ACK settles
 *      only the notification whose device_id, token and seq it echoes;
 *      UNSUBSCRIBE settles what was owed through the device.  For the
 *      control role: QUERY FAILED (FAILURE records), ADMIN RELOAD_REPORT
 *      (TEXT lines before the answer), ADMIN LOG_LEVEL, ADMIN RESTART; a
 *      control session may be read-only (the socket's group): ADMIN then
 *      answers ERROR EPERM.  For the client role: DMA, answered by DMA_FD
 *      carrying the VFIO container fd of a vfio device (IOMMU mappings).
 *      Placement (issue 11): STATUS.cpus, LINE.cpus and SUBSCRIBED.cpus,
 *      CPU sets as bitmaps of INTX_CPUSET_BYTES (cpuset.h), room for any
 *      cpu_set_t (before release they were text lists in 64 bytes, which
 *      held no list on a host with many CPUs).
 *      ACK_PIPE, answered by ACK_PIPE_FD carrying the write end of a
 *      pipe on which the client may write its ACKs as fixed 32-byte
 *      records (struct intx_msg_ack, header included): a pipe write costs
 *      less than a seqpacket message.  Asked for, not sent with WELCOME,
 *      so that a peer that acks on the socket sees no change; WELCOME's
 *      reserved word became flags, INTX_WELCOME_ACK_PIPE offering it.
 */
#ifndef INTX_PROTO_H
#define INTX_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define INTX_PROTO_VERSION 2

#define INTX_DEFAULT_SOCKET "/run/intxd/intxd.sock"

#define INTX_NAME_MAX 64  /* device, client and line names, incl. NUL */
#define INTX_PCI_MAX 16   /* "DDDD:BB:DD.F" incl. NUL */
#define INTX_TEXT_MAX 160 /* human-readable error text, incl. NUL */
#define INTX_MSG_MAX 512  /* no valid message is longer */
#define INTX_FDS_MAX 1    /* no valid message carries more fds */
/* A CPU set: CPU i is bit i % 8 of byte i / 8 (cpuset.h); all zero =
 * none known.  1024 CPUs, glibc's CPU_SETSIZE. */
#define INTX_CPUSET_BYTES 128

enum intx_msg_type {
	/* 0x01..0x3f: client -> daemon */
	INTX_MSG_HELLO = 0x01,
	INTX_MSG_SUBSCRIBE = 0x02,
	INTX_MSG_UNSUBSCRIBE = 0x03,
	INTX_MSG_ACK = 0x04,
	INTX_MSG_DMA = 0x05,
	INTX_MSG_ACK_PIPE = 0x06,
	INTX_MSG_QUERY = 0x10,
	INTX_MSG_ADMIN = 0x11,
	INTX_MSG_MONITOR = 0x12,

	/* 0x40..0x7f: daemon -> client */
	INTX_MSG_WELCOME = 0x40,
	INTX_MSG_SUBSCRIBED = 0x41,
	INTX_MSG_UNSUBSCRIBED = 0x42,
	INTX_MSG_NOTIFY = 0x43,
	INTX_MSG_ERROR = 0x44,
	INTX_MSG_REVOKED = 0x45,
	INTX_MSG_DMA_FD = 0x46,
	INTX_MSG_ACK_PIPE_FD = 0x47,
	INTX_MSG_STATUS = 0x50,
	INTX_MSG_LINE = 0x51,
	INTX_MSG_DEVICE = 0x52,
	INTX_MSG_CLIENT = 0x53,
	INTX_MSG_LIST_END = 0x54,
	INTX_MSG_DONE = 0x55,
	INTX_MSG_EVENT = 0x56,
	INTX_MSG_TEXT = 0x57,
	INTX_MSG_FAILURE = 0x58,
};

struct intx_hdr {
	uint16_t version; /* INTX_PROTO_VERSION */
	uint16_t type;    /* enum intx_msg_type */
	uint32_t len;     /* whole message, header included */
};

/* HELLO.role */
enum intx_role {
	INTX_ROLE_CLIENT = 1,  /* a driver: may subscribe to its bound devices */
	INTX_ROLE_CONTROL = 2, /* intxctl: queries and administration */
};

struct intx_msg_hello {
	struct intx_hdr hdr;
	uint32_t role;
	uint32_t reserved;
	char client[INTX_NAME_MAX]; /* "" = the first client the credentials match */
};

/* WELCOME.flags */
#define INTX_WELCOME_ACK_PIPE 0x1u /* ACK_PIPE is answered (see below) */

/* WELCOME of a CLIENT session: with it, one fd, the read end of the
 * session's notification pipe (whole NOTIFY messages, 32 bytes each). */
struct intx_msg_welcome {
	struct intx_hdr hdr;
	uint32_t session;  /* daemon-unique session number, for logs */
	uint32_t flags;    /* INTX_WELCOME_*; 0 for a CONTROL session */
	char client[INTX_NAME_MAX]; /* the client this session is admitted as */
};

struct intx_msg_subscribe {
	struct intx_hdr hdr;
	char device[INTX_NAME_MAX];
};

/* SUBSCRIBED.flags */
#define INTX_SUB_BROADCAST 0x1u /* the device's line is in broadcast mode */

struct intx_msg_subscribed {
	struct intx_hdr hdr;
	uint32_t device_id; /* names the device in NOTIFY and UNSUBSCRIBE */
	uint32_t flags;
	char device[INTX_NAME_MAX];
	/* where a driver of this device runs best (intx_cpu()): the
	 * daemon's CPUs when it is pinned (cpu =), else the CPUs of the
	 * device's IRQ; none for no hint (sim devices of an unpinned daemon) */
	uint8_t cpus[INTX_CPUSET_BYTES];
};

struct intx_msg_unsubscribe {
	struct intx_hdr hdr;
	uint32_t device_id;
	uint32_t reserved;
};

struct intx_msg_unsubscribed {
	struct intx_hdr hdr;
	uint32_t device_id;
	uint32_t reserved;
};

/*
 * NOTIFY: run the handlers of device_id, then ACK with the same token.
 * In selective mode the token is the asserting device; in broadcast mode it
 * is the device whose interrupt woke the line, which may be another one.
 */
struct intx_msg_notify {
	struct intx_hdr hdr;
	uint32_t device_id;
	uint32_t token;
	uint64_t seq;       /* per-device sequence number */
	uint64_t raised_ns; /* CLOCK_MONOTONIC when intxd saw the interrupt */
};

/* ACK.flags */
#define INTX_ACK_HANDLED 0x1u /* a handler claimed the interrupt */

struct intx_msg_ack {
	struct intx_hdr hdr;
	uint32_t device_id;
	uint32_t token;
	uint64_t seq;
	uint32_t flags;
	uint32_t reserved;
};

struct intx_msg_error {
	struct intx_hdr hdr;
	int32_t error;       /* positive errno value */
	uint16_t req_type;   /* the request that failed, 0 if none */
	uint16_t reserved;
	char text[INTX_TEXT_MAX];
};

/*
 * REVOKED: the daemon took a device from this session (a reload unbound it
 * from the client, removed it, or could not reopen it).  The subscription
 * is gone and nothing is owed through it; SUBSCRIBE again if it comes back.
 */
struct intx_msg_revoked {
	struct intx_hdr hdr;
	uint32_t device_id;
	int32_t error;       /* positive errno value: EACCES, ENOENT, ENODEV */
	char text[INTX_TEXT_MAX];
};

/*
 * DMA: the session asks for the VFIO container of a device it is subscribed
 * to, to map its own memory for the device's DMA (VFIO_IOMMU_MAP_DMA).
 * DMA_FD answers with the container fd (one fd); ERROR ENOENT when not
 * subscribed, EOPNOTSUPP when the device has no IOMMU container (uio, sim,
 * vfio's no-IOMMU mode).
 */
struct intx_msg_dma {
	struct intx_hdr hdr;
	uint32_t device_id;
	uint32_t reserved;
};

struct intx_msg_dma_fd {
	struct intx_hdr hdr;
	uint32_t device_id;
	uint32_t reserved;
};

/*
 * ACK_PIPE: the session asks for an ACK pipe.  ACK_PIPE_FD answers with
 * its write end (one fd, non-blocking); ERROR EALREADY if the session has
 * one, or an errno when the daemon could not make one (out of fds): the
 * client then acks on the socket.
 *
 * Records: whole struct intx_msg_ack (32 bytes), one write() each or
 * several in one write of at most PIPE_BUF bytes, so that each lands whole.
 * The daemon reads them as it reads ACK on the socket.  It takes every
 * record already in the pipe before it handles any message of the session's
 * socket and before it ends the session on the socket's end of file: an ACK
 * written before an UNSUBSCRIBE (or any request) counts first.  The pipe
 * is a stream: a record a read cuts counts once the rest is read.  A record
 * that is not a valid ACK, or a piece of one at the pipe's end of file,
 * ends the session (as a malformed message does).  End of file on the pipe
 * alone (the client closed its write end) is no error: the session goes
 * on, ACK by socket only.
 * A client should hold a read end of its own (open /proc/self/fd/N) so that
 * a write after the daemon closed the pipe fails with EAGAIN once full, not
 * with SIGPIPE; the daemon makes the pipe mode 0644 so that a client of
 * another uid may open it.
 */
struct intx_msg_ack_pipe {
	struct intx_hdr hdr;
	uint32_t reserved[2];
};

struct intx_msg_ack_pipe_fd {
	struct intx_hdr hdr;
	uint32_t reserved[2];
};

/* QUERY.what: the daemon answers with records of that type and LIST_END */
enum intx_query {
	INTX_Q_STATUS = 1,  /* one STATUS */
	INTX_Q_LINES = 2,   /* LINE records */
	INTX_Q_DEVICES = 3, /* DEVICE records */
	INTX_Q_CLIENTS = 4, /* CLIENT records */
	INTX_Q_FAILED = 5,  /* FAILURE records, one per failed device */
};

struct intx_msg_query {
	struct intx_hdr hdr;
	uint32_t what;
	uint32_t reserved;
};

/* ADMIN.op: answered by DONE or ERROR (EPERM for a read-only session) */
enum intx_admin_op {
	INTX_ADMIN_MASK = 1,
	INTX_ADMIN_UNMASK = 2,
	INTX_ADMIN_RELOAD = 3,    /* a failed one: ERROR with the first problem */
	INTX_ADMIN_LOG_LEVEL = 4, /* device holds the level's name */
	INTX_ADMIN_RELOAD_REPORT = 5, /* RELOAD; a failed one says every
				       * problem in TEXT lines before ERROR */
	/* intxd executes itself again, keeping its devices' fds; DONE comes
	 * before the session ends with the exec */
	INTX_ADMIN_RESTART = 6,
	/* device: a PCI address; only a function without a driver */
	INTX_ADMIN_QUARANTINE = 10,
	INTX_ADMIN_RELEASE = 11,
};

struct intx_msg_admin {
	struct intx_hdr hdr;
	uint32_t op;
	uint32_t reserved;
	/* MASK/UNMASK: the device; LOG_LEVEL: "error", "warning", "notice",
	 * "info" or "debug"; RELOAD: "" */
	char device[INTX_NAME_MAX];
};

/* One line of text that belongs to the answer that follows it (the
 * problems of a configuration RELOAD found, one each). */
#define INTX_LINE_MAX 400
struct intx_msg_text {
	struct intx_hdr hdr;
	uint32_t req_type;
	uint32_t reserved;
	char text[INTX_LINE_MAX];
};

struct intx_msg_done {
	struct intx_hdr hdr;
	uint32_t req_type;
	uint32_t reserved;
};

enum intx_mode {
	INTX_MODE_SELECTIVE = 1,
	INTX_MODE_BROADCAST = 2,
};

struct intx_msg_status {
	struct intx_hdr hdr;
	char version[32]; /* package version */
	uint64_t uptime_ns;
	uint32_t mode; /* enum intx_mode, the configured default */
	uint32_t pid;
	uint32_t lines, devices, clients, sessions; /* sessions: drivers' */
	uint64_t raised, delivered, acked, spurious;
	uint8_t cpus[INTX_CPUSET_BYTES]; /* the CPUs the daemon may run on now */
};

/* LINE/DEVICE.flags */
#define INTX_F_BROADCAST 0x01u /* line: in broadcast mode */
#define INTX_F_MASKED 0x02u    /* device: masked by intxd */
#define INTX_F_PENDING 0x04u   /* device: asserted, waiting for a subscriber */
#define INTX_F_INFLIGHT 0x08u  /* device: notified, waiting for acks */
#define INTX_F_ADMIN 0x10u     /* device: masked by the administrator */
#define INTX_F_FAILED 0x20u    /* device: backend failed; not serviced */
#define INTX_F_NO_STATUS 0x40u /* device/line: no Interrupt Status bit */
#define INTX_F_THROTTLED 0x80u /* device: held masked after a storm */
#define INTX_F_DEAD 0x100u       /* line: the kernel disabled it, not revived yet */
#define INTX_F_QUARANTINE 0x200u /* line: a function on it is quarantined */
#define INTX_F_REVIVED 0x400u    /* line: brought back after a kernel disable */

struct intx_msg_line {
	struct intx_hdr hdr;
	char name[INTX_NAME_MAX];
	int32_t irq; /* -1 when the line is a name only */
	uint32_t flags;
	uint32_t devices;
	uint32_t rogues;   /* unowned asserters found on it (watchdog) */
	uint64_t events;   /* wakeups of the line (fd events) */
	uint64_t spurious; /* events where no device asserted */
	uint64_t status_reads;
	uint64_t merged; /* wakeups of a device intxd holds masked (uio re-signals) */
	uint8_t cpus[INTX_CPUSET_BYTES]; /* the IRQ's effective affinity */
};

struct intx_msg_device {
	struct intx_hdr hdr;
	char name[INTX_NAME_MAX];
	char line[INTX_NAME_MAX];
	char pci[INTX_PCI_MAX];
	char backend[8];
	int32_t irq;
	uint32_t flags;
	uint32_t subscribers;
	uint32_t reserved;
	uint64_t seq;
	uint64_t raised;    /* assertions identified by Status bit 3 */
	uint64_t delivered; /* notifications sent (one per subscriber) */
	uint64_t acked;
	uint64_t handled;   /* acks with INTX_ACK_HANDLED */
	uint64_t latency_ns[3]; /* p50, p99, p99.9 raise -> ack; 0 if none */
	uint64_t timeouts; /* notifications not acknowledged in time */
	uint64_t storms;   /* times throttled for exceeding storm-limit */
	uint64_t latency_count;  /* samples behind latency_ns */
	uint64_t latency_sum_ns; /* their sum */
};

/* A failed device and why it failed (QUERY FAILED). */
struct intx_msg_failure {
	struct intx_hdr hdr;
	char device[INTX_NAME_MAX];
	char reason[INTX_TEXT_MAX];
};

struct intx_msg_client {
	struct intx_hdr hdr;
	char name[INTX_NAME_MAX];
	int32_t uid; /* -1 if not constrained */
	int32_t gid;
	uint32_t sessions; /* connected now */
	uint32_t devices;  /* bound */
	uint64_t delivered, acked, handled, unhandled;
	uint64_t timeouts;
};

struct intx_msg_list_end {
	struct intx_hdr hdr;
	uint32_t what;
	uint32_t count;
};

/* MONITOR: the session becomes a stream of EVENT records */
struct intx_msg_monitor {
	struct intx_hdr hdr;
	uint32_t reserved[2];
};

enum intx_event_kind {
	INTX_EV_RAISE = 1,    /* device identified as asserting */
	INTX_EV_DELIVER = 2,  /* notification sent to a client */
	INTX_EV_ACK = 3,      /* acknowledgement received */
	INTX_EV_SPURIOUS = 4, /* line woke with no device asserting */
	INTX_EV_UNMASK = 5,
	INTX_EV_TIMEOUT = 6,  /* a client did not acknowledge in time */
	INTX_EV_STORM = 7,    /* device throttled for exceeding storm-limit */
	/* line health (issue 13): seq is the IRQ, device a PCI address
	 * (REVIVED: the device whose INTx was registered again) */
	INTX_EV_ROGUE = 20,      /* an unserved function asserts a served line */
	INTX_EV_QUARANTINE = 21, /* INTx Disable set on it */
	INTX_EV_RELEASE = 22,    /* and cleared again */
	INTX_EV_LINE_DEAD = 23,  /* the kernel disabled a served line */
	INTX_EV_REVIVED = 24,    /* it serves again */
	/* seq: how many events this monitor missed just before this one (its
	 * socket was full); device and client "" */
	INTX_EV_MISSED = 30,
};

struct intx_msg_event {
	struct intx_hdr hdr;
	uint32_t kind;
	uint32_t flags; /* ACK: INTX_ACK_HANDLED */
	uint64_t ts_ns;
	uint64_t seq;
	char device[INTX_NAME_MAX];
	char client[INTX_NAME_MAX];
};

/* Size checks: the wire layout must not depend on the compiler's padding. */
_Static_assert(sizeof(struct intx_hdr) == 8, "hdr");
_Static_assert(sizeof(struct intx_msg_hello) == 80, "hello");
_Static_assert(sizeof(struct intx_msg_welcome) == 80, "welcome");
_Static_assert(sizeof(struct intx_msg_subscribe) == 72, "subscribe");
_Static_assert(sizeof(struct intx_msg_subscribed) == 208, "subscribed");
_Static_assert(sizeof(struct intx_msg_unsubscribe) == 16, "unsubscribe");
_Static_assert(sizeof(struct intx_msg_notify) == 32, "notify");
_Static_assert(sizeof(struct intx_msg_ack) == 32, "ack");
_Static_assert(sizeof(struct intx_msg_revoked) == 176, "revoked");
_Static_assert(sizeof(struct intx_msg_error) == 176, "error");
_Static_assert(sizeof(struct intx_msg_query) == 16, "query");
_Static_assert(sizeof(struct intx_msg_admin) == 80, "admin");
_Static_assert(sizeof(struct intx_msg_status) == 232, "status");
_Static_assert(sizeof(struct intx_msg_line) == 248, "line");
_Static_assert(sizeof(struct intx_msg_device) == 272, "device");
_Static_assert(sizeof(struct intx_msg_client) == 128, "client");
_Static_assert(sizeof(struct intx_msg_event) == 160, "event");
_Static_assert(sizeof(struct intx_msg_unsubscribed) == 16, "unsubscribed");
_Static_assert(sizeof(struct intx_msg_done) == 16, "done");
_Static_assert(sizeof(struct intx_msg_list_end) == 16, "list_end");
_Static_assert(sizeof(struct intx_msg_monitor) == 16, "monitor");
_Static_assert(sizeof(struct intx_msg_text) == 416, "text");
_Static_assert(sizeof(struct intx_msg_failure) == 232, "failure");
_Static_assert(sizeof(struct intx_msg_ack_pipe) == 16, "ack_pipe");
_Static_assert(sizeof(struct intx_msg_ack_pipe_fd) == 16, "ack_pipe_fd");

/* Which side may send a message type. */
enum intx_side {
	INTX_FROM_CLIENT = 1,
	INTX_FROM_DAEMON = 2,
};

/*
 * Check a received message against the table: version, known type, the
 * sender's side, exact length, fd count, reserved bytes, NUL-terminated
 * strings.  Returns the type on success or a negative errno:
 * -EPROTONOSUPPORT (version), -EBADMSG (anything else).
 */
int proto_check(const void *buf, size_t len, unsigned nfds, enum intx_side from);

/* Fill a header; len is the whole message size. */
void proto_hdr(struct intx_hdr *h, enum intx_msg_type type, size_t len);

/* Fill an ERROR: a positive errno, the request type it answers (0: none)
 * and a text, cut to fit. */
void proto_error(struct intx_msg_error *m, int err, unsigned req_type,
		 const char *text);

/* Copy a string into a fixed field; -ENAMETOOLONG if it does not fit. */
int proto_strset(char *field, size_t size, const char *s);

const char *proto_type_name(unsigned type);

/* A log level by name, for ADMIN LOG_LEVEL and intxd's log-level =:
 * "error", "warning", "notice", "info", "debug" (also "err", "warn") to
 * syslog's numbers 3..7; -1 for anything else. */
int proto_log_level(const char *name);
#define INTX_LOG_LEVELS "error, warning, notice, info or debug"

#endif
