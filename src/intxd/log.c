/* SPDX-License-Identifier: MIT */
/* log.c - stderr or the journal, with structured fields. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"

/* The only logging state: set once by log_setup() at start-up. */
static struct {
	int max_level;
	int journal;
} log_cfg = { LOG_INFO, 0 };

/* systemd sets JOURNAL_STREAM=dev:ino for a stderr that is the journal. */
static int stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(int max_level)
{
	log_cfg.max_level = max_level;
	log_cfg.journal = stderr_is_journal();
}

void log_set_level(int max_level)
{
	log_cfg.max_level = max_level;
}

int log_get_level(void)
{
	return log_cfg.max_level;
}

static const char *const level_words[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
};

static const char *level_word(int level)
{
	return level >= 0 && level <= LOG_DEBUG ? level_words[level] : "?";
}

const char *log_level_name(int level)
{
	return level_word(level);
}

void log_full(int level, const char *device, const char *line,
	      const char *client, const char *fmt, ...)
{
	char buf[512], *msg = buf, *big = NULL;
	va_list ap;
	int n;

	if (level > log_cfg.max_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* a longer message whole (a large host's CPU list): cut, it would
	 * tell of fewer CPUs */
	if (n >= (int)sizeof(buf)) {
		va_start(ap, fmt);
		if (vasprintf(&big, fmt, ap) >= 0)
			msg = big;
		else
			big = NULL;
		va_end(ap);
	}

	if (log_cfg.journal) {
		/* empty fields are kept: they make journalctl filters simple */
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", level,
				"SYSLOG_IDENTIFIER=intxd",
				"INTX_DEVICE=%s", device ? device : "",
				"INTX_LINE=%s", line ? line : "",
				"INTX_CLIENT=%s", client ? client : "", NULL);
	} else {
		fprintf(stderr, "intxd: %s: %s%s%s%s%s%s%s\n", level_word(level),
			device ? "device=" : "", device ? device : "",
			device ? " " : "", client ? "client=" : "",
			client ? client : "", client ? " " : "", msg);
	}
	free(big);
	(void)line;
}

bool log_allow(struct log_limit *l, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return log_allow_at(l, what,
			    (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

bool log_allow_at(struct log_limit *l, const char *what, uint64_t now)
{
	if (now - l->window_start_ns >= (uint64_t)LOG_LIMIT_WINDOW_S * 1000000000u) {
		if (l->suppressed)
			log_full(LOG_WARNING, NULL, NULL, NULL,
				 "%u more %s message(s) suppressed in %d s",
				 l->suppressed, what, LOG_LIMIT_WINDOW_S);
		l->window_start_ns = now;
		l->count = 0;
		l->suppressed = 0;
	}
	if (l->count < LOG_LIMIT_BURST) {
		l->count++;
		return true;
	}
	l->suppressed++;
	return false;
}
