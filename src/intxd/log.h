/* SPDX-License-Identifier: MIT */
/* log.h - the daemon's one way to log: the journal under systemd, else stderr. */
#ifndef INTXD_LOG_H
#define INTXD_LOG_H

#include <syslog.h>

/* Decide where logs go (journal when stderr is connected to it) and the
 * most verbose level printed (LOG_INFO by default). */
void log_setup(int max_level);

/*
 * Log one message.  device, line and client name what it is about (NULL if
 * nothing); they become the journal fields INTX_DEVICE=, INTX_LINE= and
 * INTX_CLIENT=, and a "device=... " prefix on stderr.
 */
void log_full(int level, const char *device, const char *line,
	      const char *client, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#define log_err(...) log_full(LOG_ERR, NULL, NULL, NULL, __VA_ARGS__)
#define log_warn(...) log_full(LOG_WARNING, NULL, NULL, NULL, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, NULL, NULL, NULL, __VA_ARGS__)
#define log_debug(...) log_full(LOG_DEBUG, NULL, NULL, NULL, __VA_ARGS__)

#endif
