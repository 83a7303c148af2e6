/* SPDX-License-Identifier: MIT */
/* log.h - the daemon's one way to log: the journal under systemd, else stderr. */
#ifndef INTXD_LOG_H
#define INTXD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* Decide where logs go (journal when stderr is connected to it) and the
 * most verbose level printed (LOG_INFO by default). */
void log_setup(int max_level);

/* Change the most verbose level printed, at any time (log-level =,
 * intxctl log-level); and read it back. */
void log_set_level(int max_level);
int log_get_level(void);

/* A level's name; names to levels: proto_log_level(), the one table. */
const char *log_level_name(int level);
#define LOG_LEVEL_NAMES "error, warning, notice, info or debug"

/*
 * Log one message.  device, line and client name what it is about (NULL if
 * nothing); they become the journal fields INTX_DEVICE=, INTX_LINE= and
 * INTX_CLIENT=, and a "device=... " prefix on stderr.
 */
void log_full(int level, const char *device, const char *line,
	      const char *client, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Rate limit for messages a peer or a device can cause at will (refusals,
 * storms, time-outs): at most LOG_LIMIT_BURST per LOG_LIMIT_WINDOW_S
 * seconds pass; the rest are counted and reported as one line when the
 * next window opens.  The state lives with its owner (struct daemon,
 * struct device), one per kind of message.
 */
#define LOG_LIMIT_BURST 20
#define LOG_LIMIT_WINDOW_S 10

struct log_limit {
	uint64_t window_start_ns;
	unsigned count;
	unsigned suppressed;
};

/* May one more message of this kind be logged now?  what names the kind
 * in the "suppressed" line. */
bool log_allow(struct log_limit *l, const char *what);
/* The same at a given CLOCK_MONOTONIC time (for tests). */
bool log_allow_at(struct log_limit *l, const char *what, uint64_t now_ns);

#define log_err(...) log_full(LOG_ERR, NULL, NULL, NULL, __VA_ARGS__)
#define log_warn(...) log_full(LOG_WARNING, NULL, NULL, NULL, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, NULL, NULL, NULL, __VA_ARGS__)
#define log_debug(...) log_full(LOG_DEBUG, NULL, NULL, NULL, __VA_ARGS__)

#endif
