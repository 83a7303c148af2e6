/* SPDX-License-Identifier: MIT */
/*
 * conf.c - intxd.conf (+ intxd.conf.d/NAME.conf) parsed with inih into struct conf.
 *
 * inih does the lexing: comments, "key = value" splitting, whitespace, and
 * the syntax errors.  We hand it one line per ini_parse_stream() call, from
 * our own reader, because that is the only way (without INI_HANDLER_LINENO,
 * which Debian's build lacks) to know:
 *   - the line a key is on: the handler runs right after our reader
 *     returned that line;
 *   - every syntax error, not only the first: inih returns the first
 *     error's line, and with one line per call that is the line itself;
 *   - every section header: inih calls the handler for keys only, so an
 *     empty [device x] would go unseen, and it truncates section names to
 *     49 bytes where ours may be "device " plus 63 bytes.  A line that
 *     inih accepted and that starts with '[' is a section header; we take
 *     its name from the line ourselves.
 * A side effect: no multi-line values (each call starts afresh), so an
 * indented line is an ordinary line rather than a silent continuation.
 *
 * Nothing here logs: every problem becomes a "FILE:LINE: problem" line on
 * the caller's stream, sorted by file and line once everything was read.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "cpulist.h"
#include "log.h"

#define ACK_TIMEOUT_MAX INT64_C(3600000)    /* an hour: longer is a mistake */
#define SESSIONS_MAX INT64_C(65536)
#define STORM_LIMIT_MAX INT64_C(100000000)  /* well above any real line */
#define ID_MAX INT64_C(4294967294)          /* (uid_t)-1 means "no change" */
#define SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
#define BOM "\xef\xbb\xbf"

enum section {
	SEC_NONE,   /* before the first header of a file */
	SEC_INTXD,
	SEC_DEVICE,
	SEC_CLIENT,
	SEC_SKIP,   /* a header already reported as bad: its keys are ignored */
};

enum key {
	K_SOCKET,
	K_SOCKET_MODE,
	K_SOCKET_GROUP,
	K_ADMIN_GROUP,
	K_LOG_LEVEL,
	K_MODE,
	K_ACK_TIMEOUT,
	K_STORM_LIMIT,
	K_ACK_POLICY,
	K_SCAN,
	K_SESSIONS_PER_UID,
	K_SESSIONS,
	K_PCI,
	K_BACKEND,
	K_PATH,
	K_LINE,
	K_USER,
	K_UID,
	K_GROUP,
	K_GID,
	K_DEVICES,
	K_QUARANTINE,
	K_CPU,
	K_SPIN_US,
	K__MAX,
};

#define IN(s) (1u << (s))

static const struct {
	const char *name;
	unsigned sections;
} keys[K__MAX] = {
	[K_SOCKET] = { "socket", IN(SEC_INTXD) },
	[K_SOCKET_MODE] = { "socket-mode", IN(SEC_INTXD) },
	[K_SOCKET_GROUP] = { "socket-group", IN(SEC_INTXD) },
	[K_ADMIN_GROUP] = { "admin-group", IN(SEC_INTXD) },
	[K_LOG_LEVEL] = { "log-level", IN(SEC_INTXD) },
	[K_MODE] = { "mode", IN(SEC_INTXD) },
	[K_ACK_TIMEOUT] = { "ack-timeout-ms", IN(SEC_INTXD) | IN(SEC_CLIENT) },
	[K_STORM_LIMIT] = { "storm-limit", IN(SEC_INTXD) },
	[K_ACK_POLICY] = { "ack-timeout-policy", IN(SEC_INTXD) | IN(SEC_CLIENT) },
	[K_SCAN] = { "scan", IN(SEC_INTXD) },
	[K_QUARANTINE] = { "quarantine", IN(SEC_INTXD) },
	[K_CPU] = { "cpu", IN(SEC_INTXD) },
	[K_SPIN_US] = { "spin-us", IN(SEC_INTXD) },
	[K_SESSIONS_PER_UID] = { "max-sessions-per-uid", IN(SEC_INTXD) },
	[K_SESSIONS] = { "max-sessions", IN(SEC_INTXD) },
	[K_PCI] = { "pci", IN(SEC_DEVICE) },
	[K_BACKEND] = { "backend", IN(SEC_DEVICE) },
	[K_PATH] = { "path", IN(SEC_DEVICE) },
	[K_LINE] = { "line", IN(SEC_DEVICE) },
	[K_USER] = { "user", IN(SEC_INTXD) | IN(SEC_CLIENT) },
	[K_UID] = { "uid", IN(SEC_CLIENT) },
	[K_GROUP] = { "group", IN(SEC_CLIENT) },
	[K_GID] = { "gid", IN(SEC_CLIENT) },
	[K_DEVICES] = { "devices", IN(SEC_CLIENT) },
};

struct problem {
	unsigned file, line, seq; /* sort key: reading order */
	char *text;
};

/* A client's "devices =": resolved once every file was read, so a client
 * may name a device defined in a later drop-in. */
struct pending {
	unsigned client, file, line;
	char *list;
};

struct parser {
	struct conf *conf;
	char **files; /* every file opened, in order; problems refer to them */
	unsigned nfiles;
	unsigned file, line; /* where we are */

	/* the line handed to inih by read_line() */
	const char *text;
	size_t len;
	bool served;
	int too_long; /* inih's buffer size when the line did not fit, else 0 */

	enum section sec;
	unsigned sec_line;
	unsigned index; /* of the device or client being filled */
	char sec_name[16 + INTX_NAME_MAX]; /* "device nic0", for messages */
	unsigned seen[K__MAX];       /* line of each key in this section */
	/* Same for [intxd], over the whole file: a later file may set a key
	 * again (drop-ins override), one file saying it twice is a mistake. */
	unsigned intxd_seen[K__MAX];

	struct pending *pending;
	unsigned npending;
	struct problem *problems;
	unsigned nproblems;
	bool oom;
};

static void vproblem(struct parser *p, unsigned file, unsigned line,
		     const char *fmt, va_list ap)
{
	struct problem *n;
	char *msg, *text;
	int r;

	if (vasprintf(&msg, fmt, ap) < 0)
		goto oom;
	if (line)
		r = asprintf(&text, "%s:%u: %s", p->files[file], line, msg);
	else
		r = asprintf(&text, "%s: %s", p->files[file], msg);
	free(msg);
	if (r < 0)
		goto oom;
	n = reallocarray(p->problems, p->nproblems + 1, sizeof(*n));
	if (!n) {
		free(text);
		goto oom;
	}
	p->problems = n;
	p->problems[p->nproblems] = (struct problem){ file, line, p->nproblems, text };
	p->nproblems++;
	return;
oom:
	p->oom = true;
}

/* A problem on a line of the current file (0: the file as a whole). */
static void __attribute__((format(printf, 3, 4)))
problem(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(p, p->file, line, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
problem_in(struct parser *p, unsigned file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(p, file, line, fmt, ap);
	va_end(ap);
}

static int problem_cmp(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static char *xstrdup(struct parser *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->oom = true;
	return d;
}

/* 0, -EINVAL (empty or a character outside NAME_CHARS) or -ENAMETOOLONG. */
static int name_check(const char *s)
{
	size_t n = strspn(s, NAME_CHARS);

	if (n == 0 || s[n])
		return -EINVAL;
	if (n >= INTX_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * An integer in [min, max].  strtoll alone would accept leading blanks and
 * a sign, and wrap silently on overflow into errno; a config value is
 * digits only.
 */
static int parse_int(const char *s, int base, int64_t min, int64_t max, int64_t *out)
{
	long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno || *end || end == s)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* DDDD:BB:DD.F or BB:DD.F (domain 0000) -> lowercase DDDD:BB:DD.F. */
static int pci_normalize(const char *s, char out[INTX_PCI_MAX])
{
	static const char full[] = "hhhh:hh:hh.f";
	const char *pat = full;
	size_t n = strlen(s), i;
	unsigned dev;

	if (n == sizeof(full) - 1 - 5)
		pat = full + 5;
	else if (n != sizeof(full) - 1)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (pat[i] == 'h' ? !is_hex(s[i]) :
		    pat[i] == 'f' ? s[i] < '0' || s[i] > '7' : s[i] != pat[i])
			return -EINVAL;
	}
	/* the device number has 5 bits */
	dev = (unsigned)strtoul((char[]){ s[n - 4], s[n - 3], 0 }, NULL, 16);
	if (dev > 0x1f)
		return -EINVAL;
	snprintf(out, INTX_PCI_MAX, "%s%s", pat == full ? "" : "0000:", s);
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'F')
			out[i] += 'a' - 'A';
	return 0;
}

static bool lookup_user(const char *name, int64_t *uid)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return false;
	*uid = pw->pw_uid;
	return true;
}

static bool lookup_group(const char *name, int64_t *gid)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(name);
	if (!gr)
		return false;
	*gid = gr->gr_gid;
	return true;
}

/* After a failed getpwnam/getgrnam: "no such" is the config's problem. */
static void lookup_failed(struct parser *p, const char *what, const char *name)
{
	int e = errno;

	/* glibc and getpwnam(3) use these (or nothing) for "not found" */
	if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM)
		problem(p, p->line, "unknown %s '%s'", what, name);
	else if (e == ENOMEM)
		p->oom = true;
	else
		problem(p, p->line, "cannot look up %s '%s': %s", what, name, strerror(e));
}

static int number(struct parser *p, const char *key, const char *value,
		  int64_t max, int64_t *out)
{
	if (parse_int(value, 10, 0, max, out) < 0) {
		problem(p, p->line, "invalid value '%s' for '%s': expected an integer from 0 to %" PRId64,
			value, key, max);
		return -EINVAL;
	}
	return 0;
}

static int absolute_path(struct parser *p, const char *key, const char *value)
{
	if (value[0] != '/') {
		problem(p, p->line, "invalid value '%s' for '%s': expected an absolute path",
			value, key);
		return -EINVAL;
	}
	return 0;
}

static void ack_policy(struct parser *p, const char *value, int *out)
{
	if (!strcmp(value, "wait"))
		*out = CONF_ACK_WAIT;
	else if (!strcmp(value, "redeliver"))
		*out = CONF_ACK_REDELIVER;
	else if (!strcmp(value, "drop"))
		*out = CONF_ACK_DROP;
	else
		problem(p, p->line, "invalid value '%s' for 'ack-timeout-policy': expected wait, redeliver or drop",
			value);
}

static void key_intxd(struct parser *p, enum key k, const char *value)
{
	struct conf *c = p->conf;
	int64_t v;
	char *s;

	switch (k) {
	case K_SOCKET:
		if (absolute_path(p, "socket", value) < 0)
			return;
		if (strlen(value) > SOCKET_PATH_MAX) {
			problem(p, p->line, "invalid value '%s' for 'socket': longer than %zu characters",
				value, SOCKET_PATH_MAX);
			return;
		}
		if (!(s = xstrdup(p, value)))
			return;
		free(c->socket);
		c->socket = s;
		return;
	case K_SOCKET_MODE:
		if (parse_int(value, 8, 0, 0777, &v) < 0) {
			problem(p, p->line, "invalid value '%s' for 'socket-mode': expected an octal mode from 0 to 0777",
				value);
			return;
		}
		c->socket_mode = (unsigned)v;
		return;
	case K_SOCKET_GROUP:
	case K_ADMIN_GROUP: {
		const char *key = k == K_SOCKET_GROUP ? "socket-group" : "admin-group";
		int64_t *gid = k == K_SOCKET_GROUP ? &c->socket_gid : &c->admin_gid;

		if (value[0] >= '0' && value[0] <= '9') {
			if (number(p, key, value, ID_MAX, &v) == 0)
				*gid = v;
		} else if (lookup_group(value, &v)) {
			*gid = v;
		} else {
			lookup_failed(p, "group", value);
		}
		return;
	}
	case K_LOG_LEVEL:
		c->log_level = proto_log_level(value);
		if (c->log_level < 0)
			problem(p, p->line, "invalid value '%s' for 'log-level': expected %s",
				value, LOG_LEVEL_NAMES);
		return;
	case K_MODE:
		if (!strcmp(value, "selective"))
			c->mode = INTX_MODE_SELECTIVE;
		else if (!strcmp(value, "broadcast"))
			c->mode = INTX_MODE_BROADCAST;
		else
			problem(p, p->line, "invalid value '%s' for 'mode': expected selective or broadcast",
				value);
		return;
	case K_ACK_TIMEOUT:
		if (number(p, "ack-timeout-ms", value, ACK_TIMEOUT_MAX, &v) == 0)
			c->ack_timeout_ms = v;
		return;
	case K_STORM_LIMIT:
		if (number(p, "storm-limit", value, STORM_LIMIT_MAX, &v) == 0)
			c->storm_limit = v;
		return;
	case K_ACK_POLICY:
		ack_policy(p, value, &c->ack_policy);
		return;
	case K_SCAN:
		if (!strcmp(value, "signalled"))
			c->scan = CONF_SCAN_SIGNALLED;
		else if (!strcmp(value, "line"))
			c->scan = CONF_SCAN_LINE;
		else
			problem(p, p->line, "invalid value '%s' for 'scan': expected signalled or line",
				value);
		return;
	case K_QUARANTINE:
		if (!strcmp(value, "yes") || !strcmp(value, "no"))
			c->quarantine = value[0] == 'y';
		else
			problem(p, p->line, "invalid value '%s' for 'quarantine': expected yes or no",
				value);
		return;
	case K_CPU: {
		int r;

		if (!strcmp(value, "none")) {
			c->cpu = CONF_CPU_NONE;
			return;
		}
		if (!strcmp(value, "irq")) {
			c->cpu = CONF_CPU_IRQ;
			return;
		}
		r = cpulist_parse(value, &c->cpus);
		if (r == -ERANGE)
			problem(p, p->line, "invalid value '%s' for 'cpu': CPU numbers go up to %d",
				value, CPU_SETSIZE - 1);
		else if (r < 0)
			problem(p, p->line, "invalid value '%s' for 'cpu': expected irq, none or a CPU list such as 0,2-3",
				value);
		else
			c->cpu = CONF_CPU_LIST;
		return;
	}
	case K_SPIN_US:
		if (number(p, "spin-us", value, CONF_SPIN_US_MAX, &v) == 0)
			c->spin_us = (unsigned)v;
		return;
	case K_SESSIONS_PER_UID:
		if (number(p, "max-sessions-per-uid", value, SESSIONS_MAX, &v) == 0)
			c->max_sessions_per_uid = (unsigned)v;
		return;
	case K_SESSIONS:
		if (number(p, "max-sessions", value, SESSIONS_MAX, &v) == 0)
			c->max_sessions = (unsigned)v;
		return;
	case K_USER:
		/* the user intxd runs as once its devices and socket are open */
		if (lookup_user(value, &v)) {
			struct passwd *pw = getpwnam(value);

			c->run_uid = v;
			c->run_gid = pw ? (int64_t)pw->pw_gid : v;
		} else {
			lookup_failed(p, "user", value);
		}
		return;
	default:
		return;
	}
}

static void key_device(struct parser *p, enum key k, const char *value)
{
	struct conf_device *d = &p->conf->devices[p->index];
	unsigned i;

	switch (k) {
	case K_PCI:
		if (pci_normalize(value, d->pci) < 0) {
			d->pci[0] = '\0';
			problem(p, p->line, "invalid value '%s' for 'pci': expected DDDD:BB:DD.F or BB:DD.F",
				value);
			return;
		}
		for (i = 0; i < p->conf->ndevices; i++) {
			const struct conf_device *o = &p->conf->devices[i];

			if (i != p->index && !strcmp(o->pci, d->pci)) {
				problem(p, p->line, "pci address %s already used by device '%s' at %s:%u",
					d->pci, o->name, o->where.file, o->where.line);
				return;
			}
		}
		return;
	case K_BACKEND:
		if (strcmp(value, "uio") && strcmp(value, "vfio") && strcmp(value, "sim")) {
			problem(p, p->line, "invalid value '%s' for 'backend': expected uio, vfio or sim",
				value);
			return;
		}
		snprintf(d->backend, sizeof(d->backend), "%s", value);
		return;
	case K_PATH:
		if (absolute_path(p, "path", value) < 0)
			return;
		/* two devices on one directory would steal each other's interrupts */
		for (i = 0; i < p->conf->ndevices; i++) {
			const struct conf_device *o = &p->conf->devices[i];

			if (i != p->index && o->path && !strcmp(o->path, value)) {
				problem(p, p->line, "path %s already used by device '%s' at %s:%u",
					value, o->name, o->where.file, o->where.line);
				return;
			}
		}
		d->path = xstrdup(p, value);
		return;
	case K_LINE:
		if (strcmp(value, "auto") && name_check(value) < 0) {
			problem(p, p->line, "invalid value '%s' for 'line': expected auto or a name of at most %d characters from A-Z a-z 0-9 _ . -",
				value, INTX_NAME_MAX - 1);
			return;
		}
		snprintf(d->line, sizeof(d->line), "%s", value);
		return;
	default:
		return;
	}
}

/* user and uid (group and gid) say the same thing: one of them, please. */
static bool conflict(struct parser *p, enum key k, enum key other)
{
	if (!p->seen[other])
		return false;
	problem(p, p->line, "'%s' and '%s' (line %u) both given in [%s]; use one",
		keys[k].name, keys[other].name, p->seen[other], p->sec_name);
	return true;
}

static void key_client(struct parser *p, enum key k, const char *value)
{
	struct conf_client *cl = &p->conf->clients[p->index];
	struct pending *n;
	int64_t v;

	switch (k) {
	case K_USER:
		if (conflict(p, k, K_UID))
			return;
		if (lookup_user(value, &v)) {
			cl->uid = v;
			return;
		}
		lookup_failed(p, "user", value);
		return;
	case K_UID:
		if (!conflict(p, k, K_USER) && number(p, "uid", value, ID_MAX, &v) == 0)
			cl->uid = v;
		return;
	case K_GROUP:
		if (conflict(p, k, K_GID))
			return;
		if (lookup_group(value, &v)) {
			cl->gid = v;
			return;
		}
		lookup_failed(p, "group", value);
		return;
	case K_GID:
		if (!conflict(p, k, K_GROUP) && number(p, "gid", value, ID_MAX, &v) == 0)
			cl->gid = v;
		return;
	case K_ACK_TIMEOUT:
		if (number(p, "ack-timeout-ms", value, ACK_TIMEOUT_MAX, &v) == 0)
			cl->ack_timeout_ms = v;
		return;
	case K_ACK_POLICY:
		ack_policy(p, value, &cl->ack_policy);
		return;
	case K_DEVICES:
		n = reallocarray(p->pending, p->npending + 1, sizeof(*n));
		if (!n) {
			p->oom = true;
			return;
		}
		p->pending = n;
		n[p->npending] = (struct pending){ p->index, p->file, p->line, xstrdup(p, value) };
		p->npending++;
		return;
	default:
		return;
	}
}

/* The inih handler: one "key = value" of the line read_line() handed over. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	unsigned *seen;
	int k;

	(void)section; /* ours is in p->sec: inih truncates long names */
	if (p->sec == SEC_NONE) {
		problem(p, p->line, "key '%s' outside of any section", name);
		return 1;
	}
	if (p->sec == SEC_SKIP)
		return 1;
	for (k = 0; k < K__MAX; k++)
		if (!strcmp(name, keys[k].name) && (keys[k].sections & IN(p->sec)))
			break;
	if (k == K__MAX) {
		problem(p, p->line, "unknown key '%s' in [%s]", name, p->sec_name);
		return 1;
	}
	seen = p->sec == SEC_INTXD ? p->intxd_seen : p->seen;
	if (seen[k]) {
		problem(p, p->line, "duplicate key '%s' in [%s] (first at line %u)",
			name, p->sec_name, seen[k]);
		return 1;
	}
	seen[k] = p->line;
	if (!*value) {
		problem(p, p->line, "empty value for '%s' in [%s]", name, p->sec_name);
		return 1;
	}
	if (p->sec == SEC_INTXD)
		key_intxd(p, k, value);
	else if (p->sec == SEC_DEVICE)
		key_device(p, k, value);
	else
		key_client(p, k, value);
	/* Always "fine" for inih: we report our own problems, so a non-zero
	 * return from ini_parse_stream() means a syntax error. */
	return 1;
}

/* Checks that need the whole section: required keys and combinations. */
static void section_end(struct parser *p)
{
	if (p->sec == SEC_DEVICE) {
		const struct conf_device *d = &p->conf->devices[p->index];
		bool sim = !strcmp(d->backend, "sim");

		if (!p->seen[K_BACKEND])
			problem(p, p->sec_line, "[%s]: missing key 'backend'", p->sec_name);
		else if (!d->backend[0])
			; /* invalid: reported at its line */
		else if (sim && !p->seen[K_PATH])
			problem(p, p->sec_line, "[%s]: backend sim needs 'path'", p->sec_name);
		else if (!sim && !p->seen[K_PCI])
			problem(p, p->sec_line, "[%s]: backend %s needs 'pci'", p->sec_name, d->backend);
		if (d->backend[0] && !sim && p->seen[K_PATH])
			problem(p, p->seen[K_PATH], "'path' is only valid with backend sim in [%s]",
				p->sec_name);
	} else if (p->sec == SEC_CLIENT) {
		if (!p->seen[K_USER] && !p->seen[K_UID] && !p->seen[K_GROUP] && !p->seen[K_GID])
			problem(p, p->sec_line, "[%s]: needs at least one of user, uid, group, gid",
				p->sec_name);
	}
	p->sec = SEC_NONE;
}

static void device_begin(struct parser *p, const char *name)
{
	struct conf *c = p->conf;
	struct conf_device *n;
	int i = conf_device_find(c, name);
	char *file;

	if (i >= 0) {
		problem(p, p->line, "device '%s' already defined at %s:%u", name,
			c->devices[i].where.file, c->devices[i].where.line);
		return;
	}
	if (c->ndevices >= CONF_DEVICES_MAX) {
		problem(p, p->line, "too many devices (at most %d)", CONF_DEVICES_MAX);
		return;
	}
	file = xstrdup(p, p->files[p->file]);
	n = file ? reallocarray(c->devices, c->ndevices + 1, sizeof(*n)) : NULL;
	if (!n) {
		free(file);
		p->oom = true;
		return;
	}
	c->devices = n;
	n += c->ndevices;
	*n = (struct conf_device){ .line = "auto", .where = { file, p->line } };
	snprintf(n->name, sizeof(n->name), "%s", name);
	p->index = c->ndevices++;
	p->sec = SEC_DEVICE;
}

static void client_begin(struct parser *p, const char *name)
{
	struct conf *c = p->conf;
	struct conf_client *n;
	int i = conf_client_find(c, name);
	char *file;

	if (i >= 0) {
		problem(p, p->line, "client '%s' already defined at %s:%u", name,
			c->clients[i].where.file, c->clients[i].where.line);
		return;
	}
	if (c->nclients >= CONF_CLIENTS_MAX) {
		problem(p, p->line, "too many clients (at most %d)", CONF_CLIENTS_MAX);
		return;
	}
	file = xstrdup(p, p->files[p->file]);
	n = file ? reallocarray(c->clients, c->nclients + 1, sizeof(*n)) : NULL;
	if (!n) {
		free(file);
		p->oom = true;
		return;
	}
	c->clients = n;
	n += c->nclients;
	*n = (struct conf_client){ .uid = -1, .gid = -1, .ack_timeout_ms = -1,
				   .ack_policy = -1,
				   .where = { file, p->line } };
	snprintf(n->name, sizeof(n->name), "%s", name);
	p->index = c->nclients++;
	p->sec = SEC_CLIENT;
}

/* hdr: what is between '[' and ']', with blanks around it removed. */
static void section_begin(struct parser *p, char *hdr)
{
	size_t tlen = strcspn(hdr, " \t");
	char *name = hdr + tlen + strspn(hdr + tlen, " \t");
	int r;

	section_end(p);
	p->sec = SEC_SKIP;
	p->sec_line = p->line;
	memset(p->seen, 0, sizeof(p->seen));

	if (tlen == 5 && !strncmp(hdr, "intxd", 5)) {
		if (*name) {
			problem(p, p->line, "section [intxd] takes no name");
			return;
		}
		snprintf(p->sec_name, sizeof(p->sec_name), "intxd");
		p->sec = SEC_INTXD;
		return;
	}
	if (!((tlen == 6 && !strncmp(hdr, "device", 6)) ||
	      (tlen == 6 && !strncmp(hdr, "client", 6)))) {
		problem(p, p->line, "unknown section [%s]", hdr);
		return;
	}
	hdr[tlen] = '\0';
	if (!*name) {
		problem(p, p->line, "section [%s] needs a name", hdr);
		return;
	}
	r = name_check(name);
	if (r == -ENAMETOOLONG) {
		problem(p, p->line, "%s name '%s' too long (at most %d characters)",
			hdr, name, INTX_NAME_MAX - 1);
		return;
	}
	if (r < 0) {
		problem(p, p->line, "invalid %s name '%s' (allowed: A-Z a-z 0-9 _ . -)",
			hdr, name);
		return;
	}
	snprintf(p->sec_name, sizeof(p->sec_name), "%s %s", hdr, name);
	if (hdr[0] == 'd')
		device_begin(p, name);
	else
		client_begin(p, name);
}

/* The inih reader: hands over the current line once, then end of file. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;

	if (p->served)
		return NULL;
	p->served = true;
	/* room for "\n" and NUL: inih must see the whole line, or it would
	 * take the rest for the next one */
	if (num < 2 || p->len > (size_t)num - 2) {
		p->too_long = num;
		str[0] = '\0';
		return str;
	}
	memcpy(str, p->text, p->len);
	str[p->len] = '\n';
	str[p->len + 1] = '\0';
	return str;
}

static void parse_line(struct parser *p, char *buf, size_t len)
{
	char *s, *end;
	int r;

	p->text = buf;
	p->len = len;
	p->served = false;
	p->too_long = 0;
	r = ini_parse_stream(read_line, p, on_key, p);
	s = buf + strspn(buf, " \t\r");
	if (r < 0) {
		p->oom = true;
		return;
	}
	if (p->too_long || r > 0) {
		if (p->too_long)
			problem(p, p->line, "line too long (at most %d characters)",
				p->too_long - 2);
		else
			problem(p, p->line, *s == '[' ? "syntax error: no ']' after section name" :
						       "syntax error: expected 'key = value'");
		/* the keys below belong to a section we could not read:
		 * ignore them rather than blame the section above */
		if (*s == '[') {
			section_end(p);
			p->sec = SEC_SKIP;
		}
		return;
	}
	if (*s != '[')
		return;
	/* inih accepted it, so there is a ']' before any comment */
	end = strchr(++s, ']');
	*end = '\0';
	r = (int)strspn(end + 1, " \t\r");
	if (end[1 + r] && end[1 + r] != ';' && end[1 + r] != '#')
		problem(p, p->line, "unexpected text after section header: '%s'", end + 1 + r);
	s += strspn(s, " \t");
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	section_begin(p, s);
}

static int add_file(struct parser *p, const char *path)
{
	char **n = reallocarray(p->files, p->nfiles + 1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->files = n;
	if (!(n[p->nfiles] = strdup(path)))
		return -ENOMEM;
	p->file = p->nfiles++;
	return 0;
}

/* Returns -errno when the file cannot be read (also reported to errs). */
static int parse_file(struct parser *p, const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	struct stat st;
	FILE *f;
	int r = 0;

	if (add_file(p, path) < 0) {
		p->oom = true;
		return -ENOMEM;
	}
	p->line = 0;
	p->sec = SEC_NONE;
	memset(p->intxd_seen, 0, sizeof(p->intxd_seen));

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (r == -ENOMEM)
			p->oom = true;
		else
			problem(p, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	/* a pipe (-c /dev/stdin) is fine, a directory is not */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		problem(p, 0, "cannot read: %s", strerror(EISDIR));
		fclose(f);
		return -EISDIR;
	}
	for (;;) {
		char *s;

		/* getline() does not set the stream's error flag when it
		 * runs out of memory: only errno tells that from the end */
		errno = 0;
		if ((n = getline(&buf, &cap, f)) < 0)
			break;
		s = buf;
		p->line++;
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		if (strlen(buf) != (size_t)n) {
			problem(p, p->line, "NUL byte in line");
			continue;
		}
		/* inih would skip it too, but we look for '[' ourselves */
		if (p->line == 1 && !strncmp(s, BOM, 3)) {
			s += 3;
			n -= 3;
		}
		parse_line(p, s, (size_t)n);
	}
	if (ferror(f) || !feof(f)) {
		r = errno ? -errno : -EIO;
		if (r == -ENOMEM)
			p->oom = true;
		else
			problem(p, p->line + 1, "cannot read: %s", strerror(-r));
	}
	section_end(p);
	free(buf);
	fclose(f);
	return r;
}

static int dropin_filter(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	/* dotfiles are editor and package-manager leftovers */
	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".conf");
}

/* Byte order, not alphasort's strcoll(): the order must not depend on the
 * locale the daemon happens to run in. */
static int dropin_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void parse_dropins(struct parser *p, const char *path)
{
	struct dirent **ents;
	char *dir, *file;
	int n, i;

	if (asprintf(&dir, "%s.d", path) < 0) {
		p->oom = true;
		return;
	}
	n = scandir(dir, &ents, dropin_filter, dropin_cmp);
	if (n < 0) {
		int e = errno;

		if (e == ENOMEM) {
			p->oom = true;
		} else if (e != ENOENT) {
			if (add_file(p, dir) < 0)
				p->oom = true;
			else
				problem(p, 0, "cannot read directory: %s", strerror(e));
		}
		free(dir);
		return;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&file, "%s/%s", dir, ents[i]->d_name) < 0) {
			file = NULL;
			p->oom = true;
		} else {
			parse_file(p, file);
		}
		free(file);
		free(ents[i]);
	}
	free(ents);
	free(dir);
}

static void resolve_devices(struct parser *p, const struct pending *pd)
{
	struct conf_client *cl = &p->conf->clients[pd->client];
	char *save = NULL, *tok;
	unsigned *n, i, ntok = 0;
	int d;

	for (tok = strtok_r(pd->list, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		ntok++;
		d = conf_device_find(p->conf, tok);
		if (d < 0) {
			problem_in(p, pd->file, pd->line, "unknown device '%s' in 'devices' of [client %s]",
				   tok, cl->name);
			continue;
		}
		for (i = 0; i < cl->ndevices && cl->devices[i] != (unsigned)d; i++)
			;
		if (i < cl->ndevices) {
			problem_in(p, pd->file, pd->line, "device '%s' listed twice in 'devices' of [client %s]",
				   tok, cl->name);
			continue;
		}
		n = reallocarray(cl->devices, cl->ndevices + 1, sizeof(*n));
		if (!n) {
			p->oom = true;
			return;
		}
		cl->devices = n;
		cl->devices[cl->ndevices++] = (unsigned)d;
	}
	if (!ntok)
		problem_in(p, pd->file, pd->line, "no device names in 'devices' of [client %s]",
			   cl->name);
}

int conf_load(const char *path, FILE *errs, struct conf **out)
{
	struct parser p = { 0 };
	struct conf *c;
	unsigned i;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct conf){
		.socket = strdup(INTX_DEFAULT_SOCKET),
		.socket_mode = 0660,
		.socket_gid = -1,
		.admin_gid = -1,
		.log_level = -1,
		.mode = INTX_MODE_SELECTIVE,
		.ack_timeout_ms = 1000,
		.storm_limit = 100000,
		.ack_policy = CONF_ACK_WAIT,
		.max_sessions_per_uid = 64,
		.max_sessions = 1024,
		.run_uid = -1,
		.run_gid = -1,
	};
	p.conf = c;
	if (!c->socket) {
		r = -ENOMEM;
		goto out;
	}

	/* an unreadable main file is no config at all (-ENOENT, say), which
	 * the daemon may want to tell from a bad one; a drop-in that cannot
	 * be read is one more problem of the config */
	r = parse_file(&p, path);
	if (r < 0)
		goto out;
	parse_dropins(&p, path);
	for (i = 0; i < p.npending; i++)
		if (p.pending[i].list)
			resolve_devices(&p, &p.pending[i]);
	r = p.oom ? -ENOMEM : p.nproblems ? -EINVAL : 0;

out:
	if (p.nproblems)
		qsort(p.problems, p.nproblems, sizeof(*p.problems), problem_cmp);
	for (i = 0; i < p.nproblems; i++) {
		if (errs)
			fprintf(errs, "%s\n", p.problems[i].text);
		free(p.problems[i].text);
	}
	free(p.problems);
	for (i = 0; i < p.npending; i++)
		free(p.pending[i].list);
	free(p.pending);
	for (i = 0; i < p.nfiles; i++)
		free(p.files[i]);
	free(p.files);
	if (r == 0 && p.oom)
		r = -ENOMEM;
	if (r < 0) {
		conf_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int conf_device_find(const struct conf *c, const char *name)
{
	unsigned i;

	for (i = 0; i < c->ndevices; i++)
		if (!strcmp(c->devices[i].name, name))
			return (int)i;
	return -1;
}

int conf_client_find(const struct conf *c, const char *name)
{
	unsigned i;

	for (i = 0; i < c->nclients; i++)
		if (!strcmp(c->clients[i].name, name))
			return (int)i;
	return -1;
}

void conf_free(struct conf *c)
{
	unsigned i;

	if (!c)
		return;
	free(c->socket);
	for (i = 0; i < c->ndevices; i++) {
		free(c->devices[i].path);
		free(c->devices[i].where.file);
	}
	free(c->devices);
	for (i = 0; i < c->nclients; i++) {
		free(c->clients[i].devices);
		free(c->clients[i].where.file);
	}
	free(c->clients);
	free(c);
}
