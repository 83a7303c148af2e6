/* SPDX-License-Identifier: MIT */
/* listener.c - accept connections; pause accepting while out of fds. */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "listener.h"
#include "log.h"
#include "session.h"
#include "wire.h"

struct listener {
	struct daemon *daemon;
	int fd;
	struct event *ev;
	struct itimer *resume;
	struct log_limit log_pause;
};

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	int k;

	for (k = 0; k < 16; k++) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (c >= 0) {
			(void)session_new(l->daemon, c);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* The pending connection stays queued; try again later
			 * rather than spin on a readable socket. */
			if (log_allow(&l->log_pause, "accept"))
				log_warn("accept: %s; not accepting for 100 ms",
					 strerror(errno));
			event_del(l->ev);
			itimer_arm(l->resume, now_ns() + 100000000u);
			return;
		}
		log_err("accept: %s", strerror(errno));
		return;
	}
}

static void on_resume(void *arg)
{
	struct listener *l = arg;

	event_add(l->ev, NULL);
}

struct listener *listener_new(struct daemon *d, int fd)
{
	struct listener *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->daemon = d;
	l->fd = fd;
	l->ev = event_new(d->base, fd, EV_READ | EV_PERSIST, on_accept, l);
	l->resume = itimer_new(d->base, on_resume, l);
	if (!l->ev || !l->resume || event_add(l->ev, NULL) < 0) {
		listener_free(l);
		return NULL;
	}
	return l;
}

int listener_fd(const struct listener *l)
{
	return l->fd;
}

void listener_free(struct listener *l)
{
	if (!l)
		return;
	if (l->ev)
		event_free(l->ev);
	itimer_free(l->resume);
	close(l->fd);
	free(l);
}

/* The holder's command name (/proc/PID/comm), or "" when unknown. */
static void holder_name(pid_t pid, char *buf, size_t n)
{
	char path[32];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static void explain(const char *path, int err, pid_t holder)
{
	char comm[32];

	if (err == -EADDRINUSE && holder > 0) {
		holder_name(holder, comm, sizeof(comm));
		if (!comm[0] || strcmp(comm, "intxd") == 0)
			log_err("%s: another intxd (pid %d) is serving on this socket; "
				"not starting (stop it first, or set another socket =)",
				path, (int)holder);
		else
			log_err("%s: pid %d (%s) is listening on this socket; not "
				"starting (stop it first, or set another socket =)",
				path, (int)holder, comm);
	} else if (err == -EADDRINUSE) {
		log_err("%s: a live process is listening on this socket; not "
			"starting (stop it first, or set another socket =)", path);
	} else if (err == -ENOTSOCK) {
		log_err("%s exists and is not a socket; intxd does not remove "
			"it (remove it yourself, or set another socket =)", path);
	} else {
		log_err("cannot listen on %s: %s", path, strerror(-err));
	}
}

int listener_check_path(const char *path)
{
	pid_t holder;
	int r = wire_probe(path, &holder);

	/* Other errors (a missing directory, say) are daemon_listen's to
	 * deal with and explain. */
	if (r != -EADDRINUSE && r != -ENOTSOCK)
		return 0;
	explain(path, r, holder);
	return r;
}

void listener_explain(const char *path, int err)
{
	pid_t holder = 0;

	/* Who holds it, for the message; probing again costs nothing. */
	if (err == -EADDRINUSE)
		(void)wire_probe(path, &holder);
	explain(path, err, holder);
}
