/* SPDX-License-Identifier: MIT */
/*
 * intxctl - ask intxd how it is doing and tell it what to do.
 *
 *   intxctl [--socket PATH] [--json] COMMAND [ARGS]
 *
 * One control session (HELLO role CONTROL) per run.  Each command is an
 * entry of the table at the bottom; show.c does the printing.  Exit status:
 * 0 success, 1 error (the errno text and intxd's own words on stderr),
 * 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover.h"
#include "doctor.h"
#include "proto.h"
#include "show.h"
#include "wire.h"

#ifndef PKGVERSION
#define PKGVERSION "unknown"
#endif

#define EXIT_USAGE 2

/* A daemon that takes this long to answer a query is wedged; say so
 * instead of hanging a script.  (monitor waits without limit.) */
#define REPLY_TIMEOUT_MS 10000

/* More records than any config may declare (CONF_DEVICES_MAX is 1024):
 * a bound on what a broken daemon can make us allocate. */
#define RECORDS_MAX 65536

struct ctl {
	const char *socket;
	const char *cmd;
	bool json;
	bool prometheus;
	int fd;
	char errtext[INTX_TEXT_MAX]; /* the daemon's ERROR text, if any */
	unsigned peer_version;       /* set on -EPROTONOSUPPORT */
};

struct cmd {
	const char *name;
	const char *args;    /* synopsis of the arguments, for usage */
	const char *help;
	int nargs;           /* positional arguments required */
	bool prometheus;     /* accepts --prometheus */
	bool offline;        /* runs without a daemon */
	int (*run)(struct ctl *ctl, char **argv);
};

/* Every message the daemon may send, for reading through the right type. */
union msgbuf {
	struct intx_hdr hdr;
	struct intx_msg_welcome welcome;
	struct intx_msg_error error;
	struct intx_msg_status status;
	struct intx_msg_line line;
	struct intx_msg_device device;
	struct intx_msg_client client;
	struct intx_msg_list_end list_end;
	struct intx_msg_done done;
	struct intx_msg_event event;
	unsigned char raw[INTX_MSG_MAX];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int send_req(struct ctl *ctl, const void *msg, size_t len)
{
	return wire_send(ctl->fd, msg, len, -1, 0);
}

/*
 * Receive and check one message; timeout_ms -1 waits forever.  Returns the
 * type or a negative errno: -ECONNRESET when the daemon hung up, -EINTR
 * when a signal arrived, -ETIMEDOUT, -EPROTONOSUPPORT (peer_version set).
 */
static int recv_msg(struct ctl *ctl, union msgbuf *m, int timeout_ms)
{
	struct pollfd p = { .fd = ctl->fd, .events = POLLIN };
	unsigned nfds = 0;
	long n;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	/* fd_out NULL: nothing intxctl asks for comes with an fd, so any
	 * that does is closed by wire_recv and refused by proto_check. */
	n = wire_recv(ctl->fd, m->raw, sizeof(m->raw), NULL, &nfds, 0);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return (int)n;
	r = proto_check(m->raw, (size_t)n, nfds, INTX_FROM_DAEMON);
	if (r == -EPROTONOSUPPORT)
		ctl->peer_version = m->hdr.version;
	if (r == INTX_MSG_ERROR) {
		snprintf(ctl->errtext, sizeof(ctl->errtext), "%s", m->error.text);
		if (m->error.error <= 0 || m->error.error >= 4096)
			return -EPROTO;
		return -m->error.error;
	}
	return r;
}

static int ctl_connect(struct ctl *ctl)
{
	struct intx_msg_hello h = { .role = INTX_ROLE_CONTROL };
	union msgbuf m;
	int r;

	r = wire_connect(ctl->socket);
	if (r < 0)
		return r;
	ctl->fd = r;
	proto_hdr(&h.hdr, INTX_MSG_HELLO, sizeof(h));
	r = send_req(ctl, &h, sizeof(h));
	if (r < 0)
		return r;
	r = recv_msg(ctl, &m, REPLY_TIMEOUT_MS);
	if (r < 0)
		return r;
	return r == INTX_MSG_WELCOME ? 0 : -EPROTO;
}

/* QUERY what; the records must be of rectype (size recsize) and end with
 * LIST_END{what, count}.  *out is malloc'd. */
static int query(struct ctl *ctl, uint32_t what, int rectype, size_t recsize,
		 void **out, size_t *count)
{
	struct intx_msg_query q = { .what = what };
	unsigned char *v = NULL;
	size_t n = 0, cap = 0;
	union msgbuf m;
	int r;

	proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
	r = send_req(ctl, &q, sizeof(q));
	if (r < 0)
		return r;
	for (;;) {
		r = recv_msg(ctl, &m, REPLY_TIMEOUT_MS);
		if (r < 0)
			goto fail;
		if (r == INTX_MSG_LIST_END) {
			if (m.list_end.what != what || m.list_end.count != n) {
				r = -EPROTO;
				goto fail;
			}
			*out = v;
			*count = n;
			return 0;
		}
		if (r != rectype || n >= RECORDS_MAX) {
			r = -EPROTO;
			goto fail;
		}
		if (n == cap) {
			unsigned char *nv;

			cap = cap ? cap * 2 : 16;
			nv = reallocarray(v, cap, recsize);
			if (!nv) {
				r = -ENOMEM;
				goto fail;
			}
			v = nv;
		}
		memcpy(v + n * recsize, m.raw, recsize);
		n++;
	}
fail:
	free(v);
	return r;
}

static int query_status(struct ctl *ctl, struct intx_msg_status *st)
{
	void *v;
	size_t n;
	int r;

	r = query(ctl, INTX_Q_STATUS, INTX_MSG_STATUS, sizeof(*st), &v, &n);
	if (r < 0)
		return r;
	if (n != 1) {
		free(v);
		return -EPROTO;
	}
	memcpy(st, v, sizeof(*st));
	free(v);
	return 0;
}

static int query_all(struct ctl *ctl, struct show_data *d)
{
	void *v;
	int r;

	r = query(ctl, INTX_Q_LINES, INTX_MSG_LINE, sizeof(*d->lines), &v,
		  &d->nlines);
	if (r < 0)
		return r;
	d->lines = v;
	r = query(ctl, INTX_Q_DEVICES, INTX_MSG_DEVICE, sizeof(*d->devices),
		  &v, &d->ndevices);
	if (r < 0)
		return r;
	d->devices = v;
	r = query(ctl, INTX_Q_CLIENTS, INTX_MSG_CLIENT, sizeof(*d->clients),
		  &v, &d->nclients);
	if (r < 0)
		return r;
	d->clients = v;
	return 0;
}

static void data_free(struct show_data *d)
{
	free((void *)d->lines);
	free((void *)d->devices);
	free((void *)d->clients);
}

/* --- commands ---------------------------------------------------------- */

static int cmd_status(struct ctl *ctl, char **argv)
{
	struct intx_msg_status st;
	int r;

	r = query_status(ctl, &st);
	if (r < 0)
		return r;
	show_status(stdout, &st, ctl->json);
	return 0;
}

static int cmd_list(struct ctl *ctl, uint32_t what)
{
	struct show_data d = { 0 };
	void *v = NULL;
	int r;

	switch (what) {
	case INTX_Q_LINES:
		r = query(ctl, what, INTX_MSG_LINE, sizeof(*d.lines), &v,
			  &d.nlines);
		d.lines = v;
		if (r == 0)
			show_lines(stdout, &d, ctl->json);
		break;
	case INTX_Q_DEVICES:
		r = query(ctl, what, INTX_MSG_DEVICE, sizeof(*d.devices), &v,
			  &d.ndevices);
		d.devices = v;
		if (r == 0)
			show_devices(stdout, &d, ctl->json);
		break;
	default:
		r = query(ctl, what, INTX_MSG_CLIENT, sizeof(*d.clients), &v,
			  &d.nclients);
		d.clients = v;
		if (r == 0)
			show_clients(stdout, &d, ctl->json);
		break;
	}
	data_free(&d);
	return r;
}

static int cmd_lines(struct ctl *ctl, char **argv)
{
	return cmd_list(ctl, INTX_Q_LINES);
}

static int cmd_devices(struct ctl *ctl, char **argv)
{
	return cmd_list(ctl, INTX_Q_DEVICES);
}

static int cmd_clients(struct ctl *ctl, char **argv)
{
	return cmd_list(ctl, INTX_Q_CLIENTS);
}

static int cmd_stats(struct ctl *ctl, char **argv)
{
	struct intx_msg_status st;
	struct show_data d = { 0 };
	int r;

	if (ctl->prometheus) {
		r = query_status(ctl, &st);
		if (r < 0)
			return r;
		d.status = &st;
	}
	r = query_all(ctl, &d);
	if (r == 0) {
		if (ctl->prometheus)
			show_prometheus(stdout, &d);
		else
			show_stats(stdout, &d, ctl->json);
	}
	data_free(&d);
	return r;
}

static int admin(struct ctl *ctl, uint32_t op, const char *device)
{
	struct intx_msg_admin a = { .op = op };
	union msgbuf m;
	int r;

	proto_hdr(&a.hdr, INTX_MSG_ADMIN, sizeof(a));
	r = proto_strset(a.device, sizeof(a.device), device);
	if (r < 0)
		return r;
	r = send_req(ctl, &a, sizeof(a));
	if (r < 0)
		return r;
	r = recv_msg(ctl, &m, REPLY_TIMEOUT_MS);
	if (r < 0)
		return r;
	if (r != INTX_MSG_DONE || m.done.req_type != INTX_MSG_ADMIN)
		return -EPROTO;
	if (ctl->json)
		show_done(stdout, ctl->cmd, device && *device ? device : NULL);
	return 0;
}

static int cmd_mask(struct ctl *ctl, char **argv)
{
	return admin(ctl, INTX_ADMIN_MASK, argv[0]);
}

static int cmd_unmask(struct ctl *ctl, char **argv)
{
	return admin(ctl, INTX_ADMIN_UNMASK, argv[0]);
}

static int cmd_reload(struct ctl *ctl, char **argv)
{
	return admin(ctl, INTX_ADMIN_RELOAD, "");
}

static int cmd_monitor(struct ctl *ctl, char **argv)
{
	struct intx_msg_monitor mon = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	union msgbuf m;
	int r;

	/* No SA_RESTART: the signal must end poll() so we exit cleanly
	 * with everything printed so far flushed. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	proto_hdr(&mon.hdr, INTX_MSG_MONITOR, sizeof(mon));
	r = send_req(ctl, &mon, sizeof(mon));
	if (r < 0)
		return r;
	while (!stop) {
		r = recv_msg(ctl, &m, -1);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r != INTX_MSG_EVENT)
			return -EPROTO;
		show_event(stdout, &m.event, ctl->json);
		/* one line per event, visible at once through a pipe */
		if (fflush(stdout) == EOF)
			return -errno;
	}
	return 0;
}

static int cmd_discover(struct ctl *ctl, char **argv)
{
	/* discover_run() explains its own failures on stderr */
	return discover_run(stdout, ctl->json) < 0 ? -ENOSYS : 0;
}

static int cmd_doctor(struct ctl *ctl, char **argv)
{
	/* its own exit status: 0 healthy, 1 findings, 2 usage */
	exit(doctor_run(stdout, ctl->json, argv[0]));
}

static int cmd_quarantine(struct ctl *ctl, char **argv)
{
	return admin(ctl, INTX_ADMIN_QUARANTINE, argv[0]);
}

static int cmd_release(struct ctl *ctl, char **argv)
{
	return admin(ctl, INTX_ADMIN_RELEASE, argv[0]);
}

static const struct cmd cmds[] = {
	{
		.name = "status",
		.help = "version, uptime, mode and totals",
		.run = cmd_status,
	},
	{
		.name = "lines",
		.help = "interrupt lines: IRQ, mode, devices, counters",
		.run = cmd_lines,
	},
	{
		.name = "devices",
		.help = "devices: line, backend, IRQ, state, subscribers",
		.run = cmd_devices,
	},
	{
		.name = "clients",
		.help = "clients: credentials, sessions, counters",
		.run = cmd_clients,
	},
	{
		.name = "stats",
		.args = "[--prometheus]",
		.help = "counters and latency percentiles",
		.prometheus = true,
		.run = cmd_stats,
	},
	{
		.name = "monitor",
		.help = "print interrupts, deliveries and acks as they happen",
		.run = cmd_monitor,
	},
	{
		.name = "mask",
		.args = "DEVICE",
		.help = "mask a device administratively",
		.nargs = 1,
		.run = cmd_mask,
	},
	{
		.name = "unmask",
		.args = "DEVICE",
		.help = "lift an administrative mask",
		.nargs = 1,
		.run = cmd_unmask,
	},
	{
		.name = "reload",
		.help = "re-read the configuration",
		.run = cmd_reload,
	},
	{
		.name = "discover",
		.help = "list PCI devices and their INTx support",
		.offline = true,
		.run = cmd_discover,
	},
	{
		.name = "doctor",
		.args = "[IRQ | BDF]",
		.help = "health of the INTx lines (read-only)",
		.nargs = -1, /* at most one */
		.offline = true,
		.run = cmd_doctor,
	},
	{
		.name = "quarantine",
		.args = "BDF",
		.help = "set INTx Disable on a driverless asserter",
		.nargs = 1,
		.run = cmd_quarantine,
	},
	{
		.name = "release",
		.args = "BDF",
		.help = "clear the INTx Disable quarantine set",
		.nargs = 1,
		.run = cmd_release,
	},
};

static void usage(FILE *out)
{
	fputs("usage: intxctl [--socket PATH] [--json] COMMAND [ARGS]\n"
	      "\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char syn[64];

		snprintf(syn, sizeof(syn), "%s %s", cmds[i].name,
			 cmds[i].args ? cmds[i].args : "");
		fprintf(out, "  %-24s %s\n", syn, cmds[i].help);
	}
	fputs("\noptions:\n"
	      "  -s, --socket PATH  intxd's socket (default $INTXD_SOCKET or "
	      INTX_DEFAULT_SOCKET ")\n"
	      "  -j, --json         machine-readable output (doc/protocol.md)\n"
	      "  -h, --help         this text\n"
	      "  -V, --version      intxctl's version\n", out);
}

static const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* Say what failed: the command, the errno text and intxd's own words. */
static void report(const struct ctl *ctl, char **argv, int nargs, int err)
{
	fprintf(stderr, "intxctl: %s", ctl->cmd);
	for (int i = 0; i < nargs; i++)
		fprintf(stderr, " %s", argv[i]);
	if (err == -EPROTONOSUPPORT && ctl->peer_version)
		fprintf(stderr, ": intxd speaks protocol version %u, intxctl "
			"speaks %u\n", ctl->peer_version, INTX_PROTO_VERSION);
	else if (err == -ECONNRESET && !ctl->errtext[0])
		fputs(": intxd closed the connection\n", stderr);
	else if (err == -EPROTO)
		fprintf(stderr, ": unexpected reply from intxd (%s)\n",
			strerror(-err));
	else if (ctl->errtext[0])
		fprintf(stderr, ": %s (intxd: %s)\n", strerror(-err),
			ctl->errtext);
	else
		fprintf(stderr, ": %s\n", strerror(-err));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct ctl ctl = { .fd = -1 };
	const struct cmd *cmd;
	char **args;
	int c, nargs = 0, r;

	ctl.socket = getenv("INTXD_SOCKET");
	if (!ctl.socket || !*ctl.socket)
		ctl.socket = INTX_DEFAULT_SOCKET;

	/* '+': stop at the command; its own options are parsed below. */
	while ((c = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctl.socket = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("intxctl %s (protocol %d)\n", PKGVERSION,
			       INTX_PROTO_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = cmd_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "intxctl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	ctl.cmd = cmd->name;

	/* After the command: its positional arguments, --json (as a
	 * convenience) and the command's own options.  Compacted in place. */
	args = &argv[optind + 1];
	for (int i = optind + 1, opts_done = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = 1;
		} else if (!opts_done && (strcmp(a, "--json") == 0 ||
					  strcmp(a, "-j") == 0)) {
			ctl.json = true;
		} else if (!opts_done && cmd->prometheus &&
			   strcmp(a, "--prometheus") == 0) {
			ctl.prometheus = true;
		} else if (!opts_done && a[0] == '-' && a[1]) {
			fprintf(stderr, "intxctl: %s: unknown option '%s'\n",
				cmd->name, a);
			return EXIT_USAGE;
		} else {
			args[nargs++] = argv[i];
		}
	}
	args[nargs] = NULL; /* argv[argc] at the latest */
	if (cmd->nargs >= 0 ? nargs != cmd->nargs : nargs > -cmd->nargs) {
		fprintf(stderr, "usage: intxctl %s %s\n", cmd->name,
			cmd->args ? cmd->args : "");
		return EXIT_USAGE;
	}
	if (ctl.prometheus && ctl.json) {
		fprintf(stderr, "intxctl: stats: --json and --prometheus "
			"exclude each other\n");
		return EXIT_USAGE;
	}

	if (!cmd->offline) {
		r = ctl_connect(&ctl);
		if (r < 0) {
			if (r == -EPROTONOSUPPORT)
				report(&ctl, args, nargs, r);
			else if (ctl.errtext[0])
				fprintf(stderr, "intxctl: %s: %s (intxd: %s)\n",
					ctl.socket, strerror(-r), ctl.errtext);
			else
				fprintf(stderr, "intxctl: cannot connect to "
					"%s: %s\n", ctl.socket, strerror(-r));
			if (ctl.fd >= 0)
				close(ctl.fd);
			return 1;
		}
	}
	r = cmd->run(&ctl, args);
	if (ctl.fd >= 0)
		close(ctl.fd);
	if (r == -ENOSYS)
		return 1; /* discover said so itself */
	if (r < 0) {
		report(&ctl, args, nargs, r);
		return 1;
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "intxctl: writing output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
