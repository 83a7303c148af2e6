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
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "doctor.h"
#include "proto.h"
#include "request.h"
#include "show.h"

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
	bool probe;
	/* the connection; its errtext: the daemon's ERROR text, if any;
	 * its peer_version: set on -EPROTONOSUPPORT */
	struct req rq;
};

struct cmd {
	const char *name;
	const char *args;    /* synopsis of the arguments, for usage */
	const char *help;
	int nargs;           /* positional arguments required */
	bool prometheus;     /* accepts --prometheus */
	bool probe;          /* accepts --probe */
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
	struct intx_msg_text text;
	struct intx_msg_failure failure;
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
	return req_send(&ctl->rq, msg, len);
}

/*
 * Receive and check one message; timeout_ms -1 waits forever.  Returns the
 * type or a negative errno: -ECONNRESET when the daemon hung up, -EINTR
 * when a signal arrived, -ETIMEDOUT, -EPROTONOSUPPORT (peer_version set),
 * the errno of an ERROR (its text in errtext).
 */
static int recv_msg(struct ctl *ctl, union msgbuf *m, int timeout_ms)
{
	int r = req_recv(&ctl->rq, m, timeout_ms, 0);

	/* nothing intxctl asks for comes with an fd: proto_check refuses
	 * one that does */
	if (r == INTX_MSG_ERROR)
		return req_error(&ctl->rq, &m->error);
	return r;
}

/* HELLO as a control session (a session before is closed).  Hung up on
 * before the answer: that intxd was executing itself again (intxctl
 * restart), and the new one answers on the same socket; asked again, a
 * few times, as restarts can follow one another. */
static int ctl_connect(struct ctl *ctl)
{
	union msgbuf m;
	int r, tries = 0;

	do
		r = req_hello(&ctl->rq, ctl->socket, INTX_ROLE_CONTROL, "",
			      REPLY_TIMEOUT_MS, NULL, NULL, &m);
	while ((r == -ECONNRESET || r == -EPIPE) && ++tries < 3);
	return r;
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

/* Why the failed devices among d->devices failed, when any did.  An intxd
 * that does not know QUERY FAILED (EINVAL) just has no reasons to give. */
static int query_failures(struct ctl *ctl, struct show_data *d)
{
	void *v;
	int r;

	if (!show_failed(d))
		return 0;
	r = query(ctl, INTX_Q_FAILED, INTX_MSG_FAILURE, sizeof(*d->failures), &v,
		  &d->nfailures);
	if (r == -EINVAL) {
		ctl->rq.errtext[0] = 0;
		return 0;
	}
	if (r < 0)
		return r;
	d->failures = v;
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
	return query_failures(ctl, d);
}

static void data_free(struct show_data *d)
{
	free((void *)d->lines);
	free((void *)d->devices);
	free((void *)d->clients);
	free((void *)d->failures);
}

/* --- commands ---------------------------------------------------------- */

static int cmd_status(struct ctl *ctl, char **argv)
{
	struct intx_msg_status st;
	struct show_data d = { .status = &st };
	void *v = NULL;
	int r;

	r = query_status(ctl, &st);
	/* the devices, to count the failed ones: they are not served */
	if (r == 0)
		r = query(ctl, INTX_Q_DEVICES, INTX_MSG_DEVICE, sizeof(*d.devices),
			  &v, &d.ndevices);
	d.devices = v;
	if (r == 0)
		show_status(stdout, &d, ctl->json);
	data_free(&d);
	return r;
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
			r = query_failures(ctl, &d);
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

/* Send ADMIN a; the answer's type (in m), after printing the TEXT records
 * before it (a reload that fails says every problem first, a TEXT each). */
static int ask(struct ctl *ctl, const struct intx_msg_admin *a, union msgbuf *m)
{
	int r = send_req(ctl, a, sizeof(*a));

	while (r >= 0 && (r = recv_msg(ctl, m, REPLY_TIMEOUT_MS)) == INTX_MSG_TEXT)
		fprintf(stderr, "%s\n", m->text.text);
	return r;
}

static int admin(struct ctl *ctl, uint32_t op, const char *device)
{
	struct intx_msg_admin a = { .op = op };
	/* the same whoever does it: asked again of a new daemon */
	bool again = op == INTX_ADMIN_RELOAD || op == INTX_ADMIN_RELOAD_REPORT ||
		     op == INTX_ADMIN_MASK || op == INTX_ADMIN_UNMASK ||
		     op == INTX_ADMIN_LOG_LEVEL;
	union msgbuf m;
	int r;

	proto_hdr(&a.hdr, INTX_MSG_ADMIN, sizeof(a));
	r = proto_strset(a.device, sizeof(a.device), device);
	if (r < 0)
		return r;
	r = ask(ctl, &a, &m);
	if (again && (r == -ECONNRESET || r == -EPIPE)) {
		/* the session ended before the answer: an intxd executing
		 * itself again (intxctl restart) keeps its socket, and the
		 * new one answers; a stopped one does not */
		r = ctl_connect(ctl);
		if (r == 0)
			r = ask(ctl, &a, &m);
	}
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
	int r = admin(ctl, INTX_ADMIN_RELOAD_REPORT, "");

	/* an intxd older than RELOAD_REPORT: the first problem only */
	if (r == -EOPNOTSUPP) {
		ctl->rq.errtext[0] = 0;
		r = admin(ctl, INTX_ADMIN_RELOAD, "");
	}
	return r;
}

static int cmd_log_level(struct ctl *ctl, char **argv)
{
	return admin(ctl, INTX_ADMIN_LOG_LEVEL, argv[0]);
}

/* intxd executes itself again, keeping its devices open; done when the
 * new image answers (bounded: REPLY_TIMEOUT_MS). */
static int cmd_restart(struct ctl *ctl, char **argv)
{
	struct timespec retry = { 0, 20 * 1000000 };
	union msgbuf m;
	int r, tries;

	r = admin(ctl, INTX_ADMIN_RESTART, "");
	/* the old image hangs up at its exec; before its DONE, or before
	 * the RESTART is sent (EPIPE), if another restart came first */
	while (r >= 0)
		r = recv_msg(ctl, &m, REPLY_TIMEOUT_MS);
	if (r != -ECONNRESET && r != -EPIPE)
		return r;
	req_close(&ctl->rq);
	for (tries = REPLY_TIMEOUT_MS / 20; tries > 0; tries--) {
		r = ctl_connect(ctl);
		if (r == 0 || (r != -ECONNREFUSED && r != -ENOENT && r != -ECONNRESET))
			return r;
		req_close(&ctl->rq);
		/* a retry interval: the condition is the HELLO answered */
		nanosleep(&retry, NULL);
	}
	return r;
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
		if (r == -ECONNRESET) {
			/* an intxd executing itself again (intxctl restart)
			 * keeps its socket, and the new one answers a connection
			 * made now; a stopped one does not */
			if (ctl_connect(ctl) < 0 ||
			    send_req(ctl, &mon, sizeof(mon)) < 0)
				return r;
			fprintf(stderr, "intxctl: monitor: intxd restarted; "
				"monitoring it again\n");
			continue;
		}
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
	return discover_run(stdout, ctl->json, ctl->probe) < 0 ? -ENOSYS : 0;
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
		.name = "restart",
		.help = "execute intxd again, keeping its devices open",
		.run = cmd_restart,
	},
	{
		.name = "log-level",
		.args = "LEVEL",
		.help = "set intxd's log level: " INTX_LOG_LEVELS,
		.nargs = 1,
		.run = cmd_log_level,
	},
	{
		.name = "help",
		.args = "[COMMAND]",
		.help = "this text, or a command's",
		.offline = true,
	},
	{
		.name = "discover",
		.args = "[--probe]",
		.help = "list PCI devices and their INTx support (--probe: root, writes)",
		.probe = true,
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

/* intxctl CMD --help, intxctl help CMD */
static void cmd_usage(FILE *out, const struct cmd *cmd)
{
	fprintf(out, "usage: intxctl [--socket PATH] [--json] %s%s%s\n  %s\n",
		cmd->name, cmd->args ? " " : "", cmd->args ? cmd->args : "",
		cmd->help);
	if (!cmd->offline && strcmp(cmd->name, "help") != 0)
		fputs("  (see intxctl(8) for its output and who may run it)\n", out);
}

static int run_help(char **args, int nargs)
{
	const struct cmd *cmd;

	if (nargs == 0) {
		usage(stdout);
		return 0;
	}
	cmd = cmd_find(args[0]);
	if (!cmd) {
		fprintf(stderr, "intxctl: help: unknown command '%s'\n", args[0]);
		return EXIT_USAGE;
	}
	cmd_usage(stdout, cmd);
	return 0;
}

/* Say what failed: the command, the errno text and intxd's own words. */
static void report(const struct ctl *ctl, char **argv, int nargs, int err)
{
	fprintf(stderr, "intxctl: %s", ctl->cmd);
	for (int i = 0; i < nargs; i++)
		fprintf(stderr, " %s", argv[i]);
	if (err == -EPROTONOSUPPORT && ctl->rq.peer_version)
		fprintf(stderr, ": intxd speaks protocol version %u, intxctl "
			"speaks %u\n", ctl->rq.peer_version, INTX_PROTO_VERSION);
	else if (err == -ECONNRESET && !ctl->rq.errtext[0])
		fputs(": intxd closed the connection\n", stderr);
	else if (err == -EPROTO)
		fprintf(stderr, ": unexpected reply from intxd (%s)\n",
			strerror(-err));
	else if (ctl->rq.errtext[0])
		fprintf(stderr, ": %s (intxd: %s)\n", strerror(-err),
			ctl->rq.errtext);
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
	struct ctl ctl = { 0 };
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
			if (!*optarg) {
				fputs("intxctl: --socket: an empty path\n", stderr);
				return EXIT_USAGE;
			}
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
	req_init(&ctl.rq);

	/* After the command: its positional arguments, --json (as a
	 * convenience) and the command's own options.  Compacted in place. */
	args = &argv[optind + 1];
	for (int i = optind + 1, opts_done = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = 1;
		} else if (!opts_done && strcmp(cmd->name, "help") != 0 &&
			   (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			cmd_usage(stdout, cmd);
			return 0;
		} else if (!opts_done && (strcmp(a, "--json") == 0 ||
					  strcmp(a, "-j") == 0)) {
			ctl.json = true;
		} else if (!opts_done && cmd->prometheus &&
			   strcmp(a, "--prometheus") == 0) {
			ctl.prometheus = true;
		} else if (!opts_done && cmd->probe && strcmp(a, "--probe") == 0) {
			ctl.probe = true;
		} else if (!opts_done && a[0] == '-' && a[1]) {
			fprintf(stderr, "intxctl: %s: unknown option '%s'\n",
				cmd->name, a);
			return EXIT_USAGE;
		} else {
			args[nargs++] = argv[i];
		}
	}
	args[nargs] = NULL; /* argv[argc] at the latest */
	if (strcmp(cmd->name, "help") == 0)
		return nargs <= 1 ? run_help(args, nargs) : (usage(stderr), EXIT_USAGE);
	/* nargs < 0: up to -nargs, optional */
	if (cmd->nargs >= 0 ? nargs != cmd->nargs : nargs > -cmd->nargs) {
		cmd_usage(stderr, cmd);
		return EXIT_USAGE;
	}
	if (cmd->run == cmd_log_level && proto_log_level(args[0]) < 0) {
		fprintf(stderr, "intxctl: log-level: unknown level '%s': expected "
			INTX_LOG_LEVELS "\n", args[0]);
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
			char why[256];

			/* "intxd is not running (no socket at PATH)",
			 * "refused by intxd: ...": what to do about it */
			if (r == -EPROTONOSUPPORT)
				report(&ctl, args, nargs, r);
			else if (req_explain(&ctl.rq, r, why, sizeof(why)))
				fprintf(stderr, "intxctl: %s\n", why);
			else
				fprintf(stderr, "intxctl: cannot connect to "
					"%s: %s\n", ctl.socket, strerror(-r));
			req_close(&ctl.rq);
			return 1;
		}
	}
	r = cmd->run(&ctl, args);
	req_close(&ctl.rq);
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
