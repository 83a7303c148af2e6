/* SPDX-License-Identifier: MIT */
/*
 * main.c - intxd, the INTx interrupt broker.  Start-up, top to bottom:
 * parse the config, open the devices, listen, announce readiness, loop.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"
#include "daemon.h"
#include "device.h"
#include "fdlimit.h"
#include "fdstore.h"
#include "hoptrace.h"
#include "listener.h"
#include "log.h"
#include "loop.h"
#include "pcidev.h"
#include "placement.h"
#include "signals.h"
#include "watchdog.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: intxd [-c FILE] [--check-config] [-s SOCKET] [-v]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -t, --check-config  validate the configuration and exit\n"
		"  -s, --socket PATH   listen on PATH instead of the configured socket\n"
		"  -v, --verbose       log debug messages\n"
		"  -V, --version       print the version and exit\n",
		CONF_DEFAULT_PATH);
}

static int drop_privileges(const struct conf *c)
{
	if (setgroups(0, NULL) < 0 || setgid((gid_t)c->run_gid) < 0 ||
	    setuid((uid_t)c->run_uid) < 0) {
		int r = -errno;

		log_err("cannot drop privileges to uid %lld gid %lld: %s",
			(long long)c->run_uid, (long long)c->run_gid, strerror(errno));
		return r;
	}
	log_info("running as uid %lld gid %lld", (long long)c->run_uid,
		 (long long)c->run_gid);
	return 0;
}

/* --check-config: a PCI address this host does not have is worth a
 * warning (the config may be for another machine, or the device may come
 * later), never a failure. */
static void check_pci(const struct conf *c)
{
	unsigned i;

	for (i = 0; i < c->ndevices; i++) {
		const struct conf_device *cd = &c->devices[i];
		char path[64];

		/* a sim device's pci = is a name only */
		if (!cd->pci[0] || strcmp(cd->backend, "sim") == 0 ||
		    pcidev_path(path, sizeof(path), cd->pci, NULL) < 0)
			continue;
		if (access(path, F_OK) < 0 && errno == ENOENT)
			fprintf(stderr, "%s:%u: warning: device '%s': no PCI device "
				"%s on this host (%s is missing)\n", cd->where.file,
				cd->where.line, cd->name, cd->pci, path);
	}
}

/* --check-config: cpu = with none of this host's CPUs would leave intxd
 * unpinned (sched_setaffinity refuses it): a warning, as for pci. */
static void check_cpus(const struct conf *c, const char *path)
{
	cpu_set_t here;

	if (c->cpu != CONF_CPU_LIST || placement_current(&here) < 0)
		return;
	CPU_AND(&here, &here, &c->cpus);
	if (CPU_COUNT(&here) == 0)
		fprintf(stderr, "%s: warning: cpu: none of these CPUs is available "
			"to intxd on this host; it would run unpinned\n", path);
}

/* intxctl restart: exec intxd again; returns only on failure, when the
 * daemon goes on as it was, and tells who asked. */
static int restart(struct daemon *d, char **argv)
{
	char *masked = calloc(d->ndevices + 1, INTX_NAME_MAX);
	size_t len = 0;
	unsigned i;
	int r;

	/* intxctl mask holds until intxctl unmask, also over the exec */
	for (i = 0; masked && i < d->ndevices; i++)
		if (d->devices[i] && d->devices[i]->admin_masked)
			len += (size_t)sprintf(masked + len, "%s%s", len ? " " : "",
					       d->devices[i]->name);
	if (!masked)
		log_warn("restart: out of memory; the masks of intxctl mask are lost");
	placement_unpin(d);
	signals_block(true);
	/* a stop that came since the loop last turned wins */
	r = signals_stop_asked() ? -ECANCELED :
	    fdstore_exec(argv, listener_fd(d->listener), masked ? masked : "");
	free(masked);
	signals_block(false);
	(void)placement_apply(d);
	if (r != -ECANCELED)
		control_restart_failed(d, r);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = CONF_DEFAULT_PATH, *socket_path = NULL;
	bool check_only = false;
	int level = LOG_INFO, o, r, fd = -1;
	struct event_base *base;
	struct daemon *d;
	struct conf *conf;

	while ((o = getopt_long(argc, argv, "c:ts:vVh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			conf_path = optarg;
			break;
		case 't':
			check_only = true;
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		case 'V':
			printf("intxd %s (protocol %d)\n", PKGVERSION, INTX_PROTO_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_setup(level);
	hoptrace_init();

	r = conf_load(conf_path, stderr, &conf);
	if (r < 0) {
		/* conf_load reported every problem it found; not memory */
		if (r == -ENOMEM)
			fprintf(stderr, "%s: %s\n", conf_path, strerror(-r));
		fprintf(stderr, "intxd: configuration %s has errors\n", conf_path);
		return 1;
	}
	if (check_only) {
		check_pci(conf);
		check_cpus(conf, conf_path);
		printf("configuration OK: %u device(s), %u client(s)\n",
		       conf->ndevices, conf->nclients);
		conf_free(conf);
		return 0;
	}
	/* -v asks for debug whatever the config says */
	if (level != LOG_DEBUG && conf->log_level >= 0)
		log_set_level(conf->log_level);
	if (socket_path) {
		char *p = strdup(socket_path);

		if (!p) {
			conf_free(conf);
			return 1;
		}
		free(conf->socket);
		conf->socket = p;
	}

	fdlimit_raise(conf);
	/* A peer that goes away mid-send must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	if (!base) {
		log_err("cannot create the event loop");
		conf_free(conf);
		return 1;
	}
	/* Socket activation: systemd hands us the listening socket; and what
	 * an earlier intxd kept over its restart (fdstore.h), which the
	 * devices take as they open. */
	fd = fdstore_init();
	/* Before any device is opened: a second intxd must not touch the
	 * devices of the one already serving. */
	if (fd < 0 && listener_check_path(conf->socket) < 0) {
		conf_free(conf);
		event_base_free(base);
		return 1;
	}
	r = daemon_new(base, conf, conf_path, &d);
	if (r < 0) {
		log_err("cannot start: %s", strerror(-r));
		event_base_free(base);
		return 1;
	}
	fdstore_close_unclaimed();
	r = daemon_listen(d, fd);
	if (r < 0) {
		daemon_free(d);
		event_base_free(base);
		return 1;
	}
	/* Acquire, drop, announce: devices and socket are open; what follows
	 * needs no privilege (the fds stay ours). */
	if (r == 0 && d->conf->run_uid >= 0 && (uid_t)d->conf->run_uid != getuid())
		r = drop_privileges(d->conf);	/* not again after a restart */
	if (r < 0) {
		daemon_free(d);
		event_base_free(base);
		return 1;
	}
	if (signals_watch(d) < 0) {
		log_err("cannot watch signals");
		r = -ENOMEM;
	}
	if (r == 0) {
		log_info("intxd %s ready on %s: %u device(s), %u line(s), %u client(s)",
			 PKGVERSION, fd >= 0 ? "an inherited socket" : d->conf->socket,
			 d->ndevices, d->nlines, d->nclients);
		control_notify_ready(d);
		watchdog_start(base);
		/* intxctl restart stops the loop to execute intxd again,
		 * keeping the devices' fds and the socket */
		do
			loop_run(d);
		while (!signals_stop_asked() && fdstore_exec_requested() &&
		       restart(d, argv) < 0);
	}
	fdstore_exiting();
	watchdog_stop();
	signals_free();
	daemon_free(d);
	event_base_free(base);
	return r < 0 ? 1 : 0;
}
