/* SPDX-License-Identifier: MIT */
/* signals.c - SIGTERM, SIGINT and SIGHUP (see signals.h). */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "proto.h"
#include "signals.h"

static volatile sig_atomic_t stop_signal;
static int wake[2] = { -1, -1 };
static struct event *wake_ev;
static bool stopping;

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int e = errno;

	if (sig != SIGHUP)
		stop_signal = sig;
	/* a full pipe has wakeups enough already */
	(void)!write(wake[1], &c, 1);
	errno = e;
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	unsigned char buf[64];
	bool hup = false;
	ssize_t n, i;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			hup |= buf[i] == SIGHUP;
	if (stop_signal) {
		if (!stopping)
			log_info("signal %d: stopping", (int)stop_signal);
		stopping = true;
		sd_notify(0, "STOPPING=1");
		event_base_loopexit(d->base, NULL);
		return;
	}
	if (hup) {
		char msg[INTX_TEXT_MAX];

		log_info("SIGHUP: reloading");
		if (daemon_reload(d, msg, sizeof(msg)) == 0 && d->conf->log_level >= 0)
			log_set_level(d->conf->log_level);
	}
}

static void set_of(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

void signals_block(bool block)
{
	sigset_t set;

	set_of(&set);
	(void)sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int signals_watch(struct daemon *d)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	wake_ev = event_new(d->base, wake[0], EV_READ | EV_PERSIST, on_wake, d);
	if (!wake_ev || event_add(wake_ev, NULL) < 0)
		return -ENOMEM;
	set_of(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	/* blocked if a restart executed us: what came meanwhile comes now */
	signals_block(false);
	return 0;
}

void signals_free(void)
{
	if (wake_ev)
		event_free(wake_ev);
	wake_ev = NULL;
	if (wake[0] >= 0)
		close(wake[0]);
	if (wake[1] >= 0)
		close(wake[1]);
	wake[0] = wake[1] = -1;
}

bool signals_stop_asked(void)
{
	return stop_signal != 0;
}
