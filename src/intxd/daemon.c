/* SPDX-License-Identifier: MIT */
/* daemon.c - build the model from the config, and tear it down. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "daemon.h"
#include "device.h"
#include "fdstore.h"
#include "ledger.h"
#include "line.h"
#include "linewatch.h"
#include "listener.h"
#include "log.h"
#include "placement.h"
#include "session.h"
#include "wire.h"

struct device *daemon_device(const struct daemon *d, uint32_t id)
{
	return id < d->ndevices ? d->devices[id] : NULL;
}

struct line *daemon_line_get(struct daemon *d, const char *name, int irq)
{
	struct line *l, **n;
	unsigned i;

	for (i = 0; i < d->nlines; i++)
		if (strcmp(d->lines[i]->name, name) == 0)
			return d->lines[i];
	n = realloc(d->lines, (d->nlines + 1) * sizeof(*n));
	if (!n)
		return NULL;
	d->lines = n;
	l = line_new(d, name, irq);
	if (!l)
		return NULL;
	l->broadcast = d->conf->mode == INTX_MODE_BROADCAST;
	d->lines[d->nlines++] = l;
	return l;
}

/* A device's line: its IRQ for "auto", else the name it was given. */
int daemon_place_device(struct daemon *d, struct device *dev,
			const struct conf_device *cd)
{
	char name[INTX_NAME_MAX];
	struct line *l;

	if (strcmp(cd->line, "auto") != 0)
		snprintf(name, sizeof(name), "%s", cd->line);
	else if (dev->irq >= 0)
		snprintf(name, sizeof(name), "irq%d", dev->irq);
	else
		snprintf(name, sizeof(name), "unknown-%.48s", dev->name); /* failed */
	l = daemon_line_get(d, name, strcmp(cd->line, "auto") == 0 ? dev->irq : -1);
	if (!l)
		return -ENOMEM;
	if (l->irq < 0 && dev->irq >= 0 && strcmp(cd->line, "auto") != 0)
		l->irq = dev->irq;
	return line_add(l, dev);
}

int daemon_new(struct event_base *base, struct conf *conf, const char *conf_path,
	       struct daemon **out)
{
	struct daemon *d = calloc(1, sizeof(*d));
	unsigned i;
	int r = -ENOMEM;

	if (!d) {
		conf_free(conf);
		return -ENOMEM;
	}
	d->base = base;
	d->conf = conf;
	d->start_ns = now_ns();
	TAILQ_INIT(&d->sessions);
	d->conf_path = strdup(conf_path ? conf_path : "");
	d->clients = calloc(conf->nclients + 1, sizeof(*d->clients));
	d->devices = calloc(conf->ndevices + 1, sizeof(*d->devices));
	if (!d->conf_path || !d->clients || !d->devices || ledger_init(d) < 0 ||
	    daemon_retry_init(d) < 0)
		goto fail;

	for (i = 0; i < conf->nclients; i++) {
		struct client *c = calloc(1, sizeof(*c));

		if (!c)
			goto fail;
		c->root = conf;
		c->conf = &conf->clients[i];
		c->name = conf->clients[i].name;
		d->clients[d->nclients++] = c;
	}
	for (i = 0; i < conf->ndevices; i++) {
		struct device *dev = calloc(1, sizeof(*dev));

		if (!dev)
			goto fail;
		dev->id = i;
		d->devices[d->ndevices++] = dev;
		/* A device that does not open is failed and reported; the
		 * others are served all the same. */
		(void)device_open(d, dev, &conf->devices[i]);
		/* masked by intxctl mask before a restart: still so, also
		 * when it fails to open (as over a reload: the reopening,
		 * replace_device(), masks it) */
		if (fdstore_admin_masked(dev->name)) {
			dev->admin_masked = true;
			log_full(LOG_NOTICE, dev->name, NULL, NULL,
				 "restart: still masked by the administrator");
		}
		r = daemon_place_device(d, dev, &conf->devices[i]);
		if (r < 0)
			goto fail;
	}
	for (i = 0; i < d->ndevices; i++)
		(void)device_start(d->devices[i]);	/* no holes yet */
	daemon_schedule_retry(d);
	(void)linewatch_start(d); /* logs its own trouble */
	r = placement_apply(d);
	if (r < 0)
		goto fail;
	for (i = 0; i < d->nlines; i++) {
		struct line *l = d->lines[i];

		log_full(LOG_INFO, NULL, l->name, NULL, "line %s: %u device(s), %s",
			 l->name, l->ndevs, l->broadcast ? "broadcast" : "selective");
	}
	*out = d;
	return 0;
fail:
	daemon_free(d);
	return r;
}

/* Make the socket's directory (/run/intxd) when it is missing; an
 * existing one is used as it is, and anything else there is refused. */
static int make_parent(const char *path)
{
	char *copy = strdup(path), *dir;
	struct stat st;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (mkdir(dir, 0755) < 0) {
		r = -errno;
		if (r == -EEXIST)
			r = stat(dir, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	}
	if (r < 0)
		log_err("cannot use %s as the socket's directory: %s", dir,
			strerror(-r));
	free(copy);
	return r;
}

int daemon_listen(struct daemon *d, int fd)
{
	const struct conf *c = d->conf;
	int r;

	if (fd < 0) {
		r = make_parent(c->socket);
		if (r < 0)
			return r;
		fd = wire_listen(c->socket, c->socket_mode, 128);
		if (fd < 0) {
			listener_explain(c->socket, fd);
			return fd;
		}
		if (c->socket_gid >= 0 && chown(c->socket, (uid_t)-1, (gid_t)c->socket_gid) < 0) {
			r = -errno;
			log_err("cannot give %s to gid %lld: %s", c->socket,
				(long long)c->socket_gid, strerror(errno));
			close(fd);
			return r;
		}
	} else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		/* systemd may hand the socket over blocking, and accept()
		 * loops until EAGAIN, which a blocking socket never gives */
		r = -errno;
		log_err("cannot make the inherited socket non-blocking: %s",
			strerror(errno));
		return r;
	}
	d->listener = listener_new(d, fd);
	if (!d->listener) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

void daemon_free(struct daemon *d)
{
	unsigned i;

	if (!d)
		return;
	while (!TAILQ_EMPTY(&d->sessions))
		session_free(TAILQ_FIRST(&d->sessions));
	listener_free(d->listener);
	linewatch_free(d);
	placement_free(d);
	for (i = 0; i < d->ndevices; i++)
		device_free(d->devices[i]);
	for (i = 0; i < d->nlines; i++)
		line_free(d->lines[i]);
	for (i = 0; i < d->nclients; i++)
		free(d->clients[i]);
	free(d->devices);
	free(d->lines);
	free(d->clients);
	ledger_fini(d);
	itimer_free(d->retry);
	free(d->conf_path);
	conf_free(d->conf);
	free(d);
}
