/* SPDX-License-Identifier: MIT */
/*
 * harness.h - run the real intxd, real intx-sim and real client processes
 * on a private socket in a temporary directory.  Clients are forked
 * children that drop to their own unused uid before exec, so peer
 * credentials are tested for real.  What a client runs as another uid is
 * a copy in the test's own directory: the driver ($INTX_DRIVER) and the
 * libintx it loads ($INTX_LIBDIR/libintx.so*), so nothing a client needs
 * lies in the checkout, which may be private (/root, mode 0700) or in a
 * path with a space.  Nothing here sleeps to synchronise:
 * readiness comes from sd_notify, client progress from their output, and
 * daemon progress from a MONITOR stream; time-outs only guard failures.
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

/* Unused uids for client identities (checked to be unused at setup). */
#define H_UID_BASE 61000
#define H_UID_A (H_UID_BASE + 1)
#define H_UID_B (H_UID_BASE + 2)
#define H_UID_C (H_UID_BASE + 3)
#define H_UID_NOBODY (H_UID_BASE + 7)
#define H_NDEV 6

struct h_env {
	char dir[64];
	char sock[128];
	char conf[128];
	pid_t daemon;
	int notify_fd;
	char notify_path[128];
	char ready[512]; /* what came with READY=1 (STATUS=), or h_notified's text */
	char bin[96];    /* the staged driver and libintx, once a client ran */
	char driver[128];
	int monitor; /* a MONITOR session, or -1 */
	int settle;  /* h_settle's own MONITOR session, or -1 */
	unsigned nofile;          /* RLIMIT_NOFILE for the daemon; 0 = as is */
	unsigned nofile_soft;     /* its soft limit, if lower (0: = nofile) */
	const char *dev[H_NDEV];  /* h_world's sim devices d0..d5 */
	char arg[H_NDEV][200];    /* "dN=DIR" for the example driver */
};

struct h_client {
	pid_t pid;
	int out; /* the client's stdout */
	char buf[8192];
	size_t len;
	char early[2048]; /* what it printed before "ready" (its errors) */
	unsigned handled, none, hung;
};

void h_setup(struct h_env *e);
void h_teardown(struct h_env *e);

/* The directory of sim device NAME (made with the real intx-sim). */
const char *h_sim(struct h_env *e, const char *name, int irq);
/* Write the config (printf-style). */
void h_conf(struct h_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
int64_t h_now_ms(void);
/* Wait for a message to the daemon's NOTIFY_SOCKET containing text (the
 * last message read is left in e->ready); false on time-out.  Fails the
 * test if the daemon exits meanwhile. */
bool h_notified(struct h_env *e, const char *text, int timeout_ms);
/* Start intxd on the config and wait for READY=1. */
void h_daemon_start(struct h_env *e);
/* Does the daemon's log (its stderr) contain text? */
bool h_log_has(struct h_env *e, const char *text);
/* How many fds process pid (0: this one) holds, stdio included. */
unsigned h_count_fds(pid_t pid);
/* SIGTERM, and check it exits 0. */
void h_daemon_stop(struct h_env *e);

/* Run a program to completion; returns its exit status (or 128+signal).
 * out, if given, receives up to outsize-1 bytes of stdout+stderr. */
int h_run(char *out, size_t outsize, const char *prog, ...)
	__attribute__((sentinel));
/* The same for intxctl --socket e->sock and the arguments (NULL-terminated). */
int h_ctl(struct h_env *e, char *out, size_t outsize, ...)
	__attribute__((sentinel));
/* Run fn(e, fd, arg) in a child with uid (gid = uid, an unused one too)
 * and the supplementary groups given; what it writes to fd comes back in
 * out.  Its exit status (0 once fn returns).  No exec: nothing of the
 * checkout needs to be readable by that uid. */
int h_as_user(struct h_env *e, uid_t uid, const gid_t *groups, int ngroups,
	      void (*fn)(struct h_env *, int, const char *), const char *arg,
	      char *out, size_t size);

/* Copy prog into the test's directory, where another uid can run it, with
 * the libintx it loads; out receives the copy's path.  h_exec_staged()
 * (in a child, after setuid) runs such a copy with that libintx. */
void h_stage(struct h_env *e, const char *prog, char *out, size_t size);
void h_exec_staged(struct h_env *e, const char *staged, char *const argv[])
	__attribute__((noreturn));

/* Start the example driver (staged) as uid, for client (NULL: any) and DEV=DIR
 * arguments (NULL-terminated); waits for "ready".  Returns false if it
 * exited instead (what it printed is in c->early). */
bool h_client_start(struct h_env *e, struct h_client *c, uid_t uid,
		    const char *client, ...);
/* Wait for the next handler line of c ("<client> <dev> <seq> handled|none");
 * copies it into line.  false on time-out or exit. */
bool h_client_line(struct h_client *c, char *line, size_t size, int timeout_ms);
/* Wait for a line of c containing text (skipping the lines before it). */
bool h_client_wait_text(struct h_client *c, const char *text, int timeout_ms);
/* Wait until c has handled n interrupts in all; false on time-out. */
bool h_client_wait_handled(struct h_client *c, unsigned n, int timeout_ms);
void h_client_stop(struct h_client *c);

/* A raw connection to the daemon, as root. */
int h_connect(struct h_env *e);
/* HELLO as role/client; returns the reply type (WELCOME or ERROR).  A
 * CLIENT's notification pipe is closed, or put in *pipe_fd. */
int h_hello(int fd, uint32_t role, const char *client);
int h_hello_pipe(int fd, uint32_t role, const char *client, int *pipe_fd);
/* Send QUERY for what (INTX_Q_*); the records follow, then LIST_END. */
void h_query(int fd, uint32_t what);
/* Receive one message with a time-out; returns length, 0 at EOF, -errno. */
long h_recv(int fd, void *buf, size_t size, int timeout_ms);
/* Receive one message that must be a whole ERROR; returns its errno. */
int h_recv_error(int fd, int timeout_ms);

/* Query the daemon for one device's, line's or client's record. */
void h_device(struct h_env *e, const char *name, struct intx_msg_device *out);
void h_line(struct h_env *e, const char *name, struct intx_msg_line *out);
void h_client_rec(struct h_env *e, const char *name, struct intx_msg_client *out);

/* Wait until the daemon has counted `acked` acknowledgements of the device
 * and it is no longer in flight (a client prints its handler line before
 * libintx sends the ack, so the daemon may not have it yet); then fill out.
 * Woken by the daemon's own MONITOR events, never by a timer. */
void h_settle(struct h_env *e, const char *name, uint64_t acked,
	      struct intx_msg_device *out);

/* A MONITOR session, in effect once this returns; the caller's to close. */
int h_monitor_open(struct h_env *e);
/* Open e->monitor (before the action), then wait for an event of
 * that kind for that device ("" = any). */
void h_monitor(struct h_env *e);
bool h_monitor_wait(struct h_env *e, uint32_t kind, const char *device,
		    int timeout_ms);

/*
 * The standard world: d0..d4 on IRQ 11, d5 on IRQ 10; client a (uid
 * H_UID_A) owns d0 d1, b owns d2, c owns d3 d4 d5, and "root" (uid 0)
 * owns d5 for raw-protocol tests.  intxd_keys go into [intxd].  Starts
 * the daemon.
 */
void h_world(struct h_env *e, const char *intxd_keys);

/* Raise/lower in-process through simdev (same code as intx-sim). */
void h_raise(const char *dir);

#endif
