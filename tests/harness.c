/* SPDX-License-Identifier: MIT */
/* harness.c - the real daemon, real tools and real client processes. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "simdev.h"
#include "wire.h"

#define H_TIMEOUT_MS 20000

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);

	ck_assert_msg(v && *v, "%s is not set (run through make check)", name);
	return v;
}

int64_t h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void h_setup(struct h_env *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int i;

	memset(e, 0, sizeof(*e));
	/* raising a sim device writes to its FIFO: a daemon that went away
	 * must not kill the test (simdev.h) */
	signal(SIGPIPE, SIG_IGN);
	e->daemon = -1;
	e->monitor = -1;
	e->settle = -1;
	for (i = 0; i < 8; i++)
		ck_assert_msg(getpwuid(H_UID_BASE + i) == NULL,
			      "uid %d is in use; the tests need it free", H_UID_BASE + i);
	strcpy(e->dir, "/tmp/intxd-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	/* clients run as other uids: they must reach the socket and devices */
	ck_assert_int_eq(chmod(e->dir, 0755), 0);
	snprintf(e->sock, sizeof(e->sock), "%s/intxd.sock", e->dir);
	snprintf(e->conf, sizeof(e->conf), "%s/intxd.conf", e->dir);

	/* our own NOTIFY_SOCKET, to learn when the daemon is ready */
	snprintf(e->notify_path, sizeof(e->notify_path), "%s/notify", e->dir);
	strcpy(sa.sun_path, e->notify_path);
	e->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(e->notify_fd, 0);
	ck_assert_int_eq(bind(e->notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* a daemon that dropped privileges announces itself all the same */
	ck_assert_int_eq(chmod(e->notify_path, 0666), 0);
}

void h_teardown(struct h_env *e)
{
	char cmd[160];

	if (e->monitor >= 0)
		close(e->monitor);
	if (e->settle >= 0)
		close(e->settle);
	if (e->daemon > 0) {
		kill(e->daemon, SIGKILL);
		waitpid(e->daemon, NULL, 0);
	}
	if (e->notify_fd >= 0)
		close(e->notify_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	/* H_KEEP=1 keeps the directory (the daemon's log) for a post-mortem */
	if (e->dir[0] && !getenv("H_KEEP"))
		(void)system(cmd);
}

const char *h_sim(struct h_env *e, const char *name, int irq)
{
	static char path[8][160];
	static unsigned k;
	char *p = path[k++ % 8], irqs[16], cfg[200];
	int st;

	snprintf(p, 160, "%s/sim/%s", e->dir, name);
	snprintf(irqs, sizeof(irqs), "%d", irq);
	st = h_run(NULL, 0, env_or_fail("INTX_SIM"), "create", p, "--irq", irqs, NULL);
	ck_assert_int_eq(st, 0);
	snprintf(cfg, sizeof(cfg), "%s/config", p);
	/* the client that owns it lowers it (acknowledges the device) */
	ck_assert_int_eq(chmod(cfg, 0666), 0);
	snprintf(cfg, sizeof(cfg), "%s/irq", p);
	ck_assert_int_eq(chmod(cfg, 0666), 0);
	ck_assert_int_eq(chmod(p, 0777), 0);
	return p;
}

void h_conf(struct h_env *e, const char *fmt, ...)
{
	FILE *f = fopen(e->conf, "w");
	char *body = NULL;
	va_list ap;

	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&body, fmt, ap), 0);
	va_end(ap);
	/* clients run as other uids; a test may ask for another mode */
	fprintf(f, "[intxd]\nsocket = %s\n%s%s", e->sock,
		strstr(body, "socket-mode") ? "" : "socket-mode = 0666\n", body);
	free(body);
	ck_assert_int_eq(fclose(f), 0);
}

bool h_notified(struct h_env *e, const char *text, int timeout_ms)
{
	int64_t deadline = h_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = e->notify_fd, .events = POLLIN };
		int left = (int)(deadline - h_now_ms()), st;
		ssize_t n;

		if (left <= 0)
			return false;
		if (poll(&p, 1, left < 100 ? left : 100) == 0) {
			/* not a synchronisation sleep: notice an exit */
			ck_assert_msg(waitpid(e->daemon, &st, WNOHANG) == 0,
				      "intxd exited (status 0x%x)", st);
			continue;
		}
		n = recv(e->notify_fd, e->ready, sizeof(e->ready) - 1, 0);
		ck_assert_int_gt(n, 0);
		e->ready[n] = 0;
		if (strstr(e->ready, text))
			return true;
	}
}

void h_daemon_start(struct h_env *e)
{
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char log[200];
		int fd;

		snprintf(log, sizeof(log), "%s/intxd.log", e->dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		setenv("NOTIFY_SOCKET", e->notify_path, 1);
		if (e->nofile) {
			struct rlimit rl = { e->nofile_soft ? e->nofile_soft : e->nofile,
					     e->nofile };

			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				_exit(126);
		}
		execl(env_or_fail("INTXD"), "intxd", "-c", e->conf, (char *)NULL);
		_exit(127);
	}
	e->daemon = pid;
	ck_assert_msg(h_notified(e, "READY=1", H_TIMEOUT_MS), "intxd did not send READY=1");
}

unsigned h_count_fds(pid_t pid)
{
	struct dirent *de;
	char dir[64];
	unsigned n = 0;
	DIR *d;

	if (pid)
		snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	else
		snprintf(dir, sizeof(dir), "/proc/self/fd");
	d = opendir(dir);
	ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	/* /proc/self/fd counts the directory's own fd */
	return pid ? n : n - 1;
}

bool h_log_has(struct h_env *e, const char *text)
{
	char path[200], *buf;
	bool found = false;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/intxd.log", e->dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	buf = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(buf);
	n = (long)fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	if (n > 0)
		found = strstr(buf, text) != NULL;
	free(buf);
	return found;
}

void h_daemon_stop(struct h_env *e)
{
	int st;

	ck_assert_int_gt(e->daemon, 0);
	ck_assert_int_eq(kill(e->daemon, SIGTERM), 0);
	ck_assert_int_eq(waitpid(e->daemon, &st, 0), e->daemon);
	e->daemon = -1;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "intxd did not stop cleanly (status 0x%x)", st);
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Read fd to its end, keeping up to outsize-1 bytes in out (if any), and
 * close it: a child writing more than that never blocks. */
static void read_all(int fd, char *out, size_t outsize)
{
	size_t len = 0;

	for (;;) {
		char tmp[1024];
		ssize_t k = read(fd, tmp, sizeof(tmp));

		if (k <= 0)
			break;
		if (out && len + 1 < outsize) {
			size_t c = (size_t)k < outsize - 1 - len ? (size_t)k : outsize - 1 - len;

			memcpy(out + len, tmp, c);
			len += c;
		}
	}
	if (out && outsize)
		out[len] = 0;
	close(fd);
}

/* Run argv[0] with argv[0..n) and the arguments in ap (NULL-terminated;
 * argv has room for 32); see h_run(). */
static int run_va(char *out, size_t outsize, const char *argv[], int n, va_list ap)
{
	int pipefd[2];
	pid_t pid;

	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	argv[n] = NULL;
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	read_all(pipefd[0], out, outsize);
	return wait_status(pid);
}

int h_run(char *out, size_t outsize, const char *prog, ...)
{
	const char *argv[32] = { prog };
	va_list ap;
	int st;

	va_start(ap, prog);
	st = run_va(out, outsize, argv, 1, ap);
	va_end(ap);
	return st;
}

int h_ctl(struct h_env *e, char *out, size_t outsize, ...)
{
	const char *argv[32] = { env_or_fail("INTXCTL"), "--socket", e->sock };
	va_list ap;
	int st;

	va_start(ap, outsize);
	st = run_va(out, outsize, argv, 3, ap);
	va_end(ap);
	return st;
}

int h_as_user(struct h_env *e, uid_t uid, const gid_t *groups, int ngroups,
	      void (*fn)(struct h_env *, int, const char *), const char *arg,
	      char *out, size_t size)
{
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (setgroups((size_t)ngroups, groups) < 0 || setgid(uid) < 0 ||
		    setuid(uid) < 0)
			_exit(126);
		fn(e, p[1], arg);
		_exit(0);
	}
	close(p[1]);
	read_all(p[0], out, size);
	return wait_status(pid);
}

/* Copy the file src (symlinks followed) to dst with mode. */
static void copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	ck_assert_msg(in >= 0, "%s: %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ck_assert_msg(out >= 0, "%s: %s", dst, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	/* the umask must not take what the other uid needs */
	ck_assert_int_eq(fchmod(out, mode), 0);
	ck_assert_int_eq(close(out), 0);
}

/* e->bin, with the libintx of $INTX_LIBDIR (if set) in it. */
static void stage_dir(struct h_env *e)
{
	const char *libdir = getenv("INTX_LIBDIR");
	DIR *d;
	struct dirent *de;
	unsigned libs = 0;

	if (e->bin[0])
		return;
	snprintf(e->bin, sizeof(e->bin), "%s/bin", e->dir);
	ck_assert_int_eq(mkdir(e->bin, 0755), 0);
	ck_assert_int_eq(chmod(e->bin, 0755), 0);
	if (!libdir || !*libdir)
		return; /* an installed libintx */
	d = opendir(libdir);
	ck_assert_msg(d != NULL, "INTX_LIBDIR %s: %s", libdir, strerror(errno));
	while ((de = readdir(d))) {
		char src[4096], dst[400];

		/* libintx.so.1 and friends, not the .la/.lai files */
		if (fnmatch("libintx.so*", de->d_name, 0) != 0)
			continue;
		snprintf(src, sizeof(src), "%s/%s", libdir, de->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", e->bin, de->d_name);
		copy_file(src, dst, 0644);
		libs++;
	}
	closedir(d);
	ck_assert_msg(libs > 0, "no libintx.so* in INTX_LIBDIR %s", libdir);
}

void h_stage(struct h_env *e, const char *prog, char *out, size_t size)
{
	const char *base = strrchr(prog, '/');

	stage_dir(e);
	snprintf(out, size, "%s/%s", e->bin, base ? base + 1 : prog);
	if (access(out, X_OK) != 0)
		copy_file(prog, out, 0755);
}

void h_exec_staged(struct h_env *e, const char *staged, char *const argv[])
{
	if (setenv("LD_LIBRARY_PATH", e->bin, 1) == 0)
		execv(staged, argv);
	_exit(127);
}

/* Read more of c's output; false at EOF or time-out. */
static bool client_fill(struct h_client *c, int64_t deadline)
{
	struct pollfd p = { .fd = c->out, .events = POLLIN };
	int left = (int)(deadline - h_now_ms());
	ssize_t n;

	if (left <= 0 || poll(&p, 1, left) <= 0)
		return false;
	if (c->len + 1 >= sizeof(c->buf))
		return false;
	n = read(c->out, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n <= 0)
		return false;
	c->len += (size_t)n;
	c->buf[c->len] = 0;
	return true;
}

/* Take the first complete line of c's output. */
static bool client_take(struct h_client *c, char *line, size_t size)
{
	char *nl = memchr(c->buf, '\n', c->len);
	size_t n;

	if (!nl)
		return false;
	n = (size_t)(nl - c->buf);
	snprintf(line, size, "%.*s", (int)n, c->buf);
	memmove(c->buf, nl + 1, c->len - n - 1);
	c->len -= n + 1;
	c->buf[c->len] = 0;
	return true;
}

bool h_client_start(struct h_env *e, struct h_client *c, uid_t uid,
		    const char *client, ...)
{
	const char *argv[32];
	int pipefd[2], n = 0;
	char line[256];
	int64_t deadline = h_now_ms() + H_TIMEOUT_MS;
	va_list ap;

	memset(c, 0, sizeof(*c));
	if (!e->driver[0])
		h_stage(e, env_or_fail("INTX_DRIVER"), e->driver, sizeof(e->driver));
	argv[n++] = "intx-example-driver";
	argv[n++] = "--socket";
	argv[n++] = e->sock;
	if (client) {
		argv[n++] = "--client";
		argv[n++] = client;
	}
	va_start(ap, client);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;

	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		/* one identity per client: its own unused uid and gid */
		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(126);
		h_exec_staged(e, e->driver, (char *const *)argv);
	}
	close(pipefd[1]);
	c->out = pipefd[0];
	for (;;) {
		if (client_take(c, line, sizeof(line))) {
			if (strcmp(line, "ready") == 0)
				return true;
			snprintf(c->early + strlen(c->early),
				 sizeof(c->early) - strlen(c->early), "%s\n", line);
			continue;
		}
		if (!client_fill(c, deadline)) {
			h_client_stop(c);
			return false;
		}
	}
}

bool h_client_line(struct h_client *c, char *line, size_t size, int timeout_ms)
{
	int64_t deadline = h_now_ms() + timeout_ms;

	for (;;) {
		while (client_take(c, line, size)) {
			if (strstr(line, " handled")) {
				c->handled++;
				return true;
			}
			if (strstr(line, " none")) {
				c->none++;
				return true;
			}
			if (strstr(line, " hang")) {
				c->hung++;
				return true;
			}
		}
		if (!client_fill(c, deadline))
			return false;
	}
}

bool h_client_wait_text(struct h_client *c, const char *text, int timeout_ms)
{
	int64_t deadline = h_now_ms() + timeout_ms;
	char line[256];

	for (;;) {
		while (client_take(c, line, sizeof(line)))
			if (strstr(line, text))
				return true;
		if (!client_fill(c, deadline))
			return false;
	}
}

bool h_client_wait_handled(struct h_client *c, unsigned n, int timeout_ms)
{
	char line[256];

	while (c->handled < n)
		if (!h_client_line(c, line, sizeof(line), timeout_ms))
			return false;
	return true;
}

void h_client_stop(struct h_client *c)
{
	if (c->pid <= 0)
		return;
	kill(c->pid, SIGTERM);
	(void)wait_status(c->pid);
	c->pid = -1;
	close(c->out);
}

int h_connect(struct h_env *e)
{
	int fd = wire_connect(e->sock);

	ck_assert_msg(fd >= 0, "connect %s: %s", e->sock, strerror(-fd));
	return fd;
}

long h_recv(int fd, void *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	return wire_recv(fd, buf, size, NULL, NULL, 0);
}

int h_recv_error(int fd, int timeout_ms)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_error e;
	long n = h_recv(fd, buf, sizeof(buf), timeout_ms);

	ck_assert_int_eq(n, sizeof(e));
	ck_assert_int_eq(proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON), INTX_MSG_ERROR);
	memcpy(&e, buf, sizeof(e));
	return (int)e.error;
}

int h_hello_pipe(int fd, uint32_t role, const char *client, int *pipe_fd)
{
	struct intx_msg_hello m;
	unsigned char buf[INTX_MSG_MAX];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned nfds = 0;
	long n;

	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_HELLO, sizeof(m));
	m.role = role;
	ck_assert_int_eq(proto_strset(m.client, sizeof(m.client), client), 0);
	ck_assert_int_eq(wire_send(fd, &m, sizeof(m), -1, 0), 0);
	ck_assert_int_eq(poll(&p, 1, H_TIMEOUT_MS), 1);
	n = wire_recv(fd, buf, sizeof(buf), pipe_fd, &nfds, 0);
	ck_assert_int_gt(n, 0);
	return proto_check(buf, (size_t)n, nfds, INTX_FROM_DAEMON);
}

int h_hello(int fd, uint32_t role, const char *client)
{
	return h_hello_pipe(fd, role, client, NULL);
}

void h_query(int fd, uint32_t what)
{
	struct intx_msg_query q;

	memset(&q, 0, sizeof(q));
	proto_hdr(&q.hdr, INTX_MSG_QUERY, sizeof(q));
	q.what = what;
	ck_assert_int_eq(wire_send(fd, &q, sizeof(q), -1, 0), 0);
}

/* Query and return the record named name (type rtype). */
static void query_one(struct h_env *e, uint32_t what, unsigned rtype,
		      const char *name, void *out, size_t outsize)
{
	unsigned char buf[INTX_MSG_MAX];
	bool found = false;
	int fd = h_connect(e);

	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	h_query(fd, what);
	for (;;) {
		long n = h_recv(fd, buf, sizeof(buf), H_TIMEOUT_MS);
		int t;

		ck_assert_int_gt(n, 0);
		t = proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON);
		if (t == INTX_MSG_LIST_END)
			break;
		ck_assert_int_eq(t, (int)rtype);
		/* both record types start with hdr then the name */
		if (strcmp((const char *)buf + sizeof(struct intx_hdr), name) == 0) {
			memcpy(out, buf, outsize);
			found = true;
		}
	}
	close(fd);
	ck_assert_msg(found, "no record for '%s'", name);
}

void h_device(struct h_env *e, const char *name, struct intx_msg_device *out)
{
	query_one(e, INTX_Q_DEVICES, INTX_MSG_DEVICE, name, out, sizeof(*out));
}

void h_line(struct h_env *e, const char *name, struct intx_msg_line *out)
{
	query_one(e, INTX_Q_LINES, INTX_MSG_LINE, name, out, sizeof(*out));
}

void h_client_rec(struct h_env *e, const char *name, struct intx_msg_client *out)
{
	query_one(e, INTX_Q_CLIENTS, INTX_MSG_CLIENT, name, out, sizeof(*out));
}

static int monitor_open(struct h_env *e)
{
	struct intx_msg_monitor m;
	int fd = h_connect(e);

	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_MONITOR, sizeof(m));
	ck_assert_int_eq(wire_send(fd, &m, sizeof(m), -1, 0), 0);
	return fd;
}

void h_settle(struct h_env *e, const char *name, uint64_t acked,
	      struct intx_msg_device *out)
{
	int64_t deadline = h_now_ms() + H_TIMEOUT_MS;
	unsigned char buf[INTX_MSG_MAX];

	if (e->settle < 0)
		e->settle = monitor_open(e);
	for (;;) {
		int left;

		/* query after the monitor is in place: no event can slip by */
		h_device(e, name, out);
		if (out->acked >= acked && !(out->flags & INTX_F_INFLIGHT))
			return;
		left = (int)(deadline - h_now_ms());
		ck_assert_msg(left > 0, "%s: %llu of %llu acks", name,
			      (unsigned long long)out->acked, (unsigned long long)acked);
		(void)h_recv(e->settle, buf, sizeof(buf), left);
	}
}

int h_monitor_open(struct h_env *e)
{
	unsigned char buf[INTX_MSG_MAX];
	int fd = monitor_open(e);

	/* MONITOR has no reply; a status query round trip proves it is in
	 * effect before the caller acts */
	h_query(fd, INTX_Q_STATUS);
	for (;;) {
		long n = h_recv(fd, buf, sizeof(buf), H_TIMEOUT_MS);

		ck_assert_int_gt(n, 0);
		if (proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON) == INTX_MSG_LIST_END)
			return fd;
	}
}

void h_monitor(struct h_env *e)
{
	e->monitor = h_monitor_open(e);
}

bool h_monitor_wait(struct h_env *e, uint32_t kind, const char *device,
		    int timeout_ms)
{
	int64_t deadline = h_now_ms() + timeout_ms;
	unsigned char buf[INTX_MSG_MAX];

	for (;;) {
		struct intx_msg_event ev;
		int left = (int)(deadline - h_now_ms());
		long n;

		if (left <= 0)
			return false;
		n = h_recv(e->monitor, buf, sizeof(buf), left);
		if (n <= 0)
			return false;
		if (proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON) != INTX_MSG_EVENT)
			continue;
		memcpy(&ev, buf, sizeof(ev));
		if (ev.kind == kind && (!*device || strcmp(ev.device, device) == 0))
			return true;
	}
}

void h_raise(const char *dir)
{
	struct simdev s;

	ck_assert_int_eq(simdev_open(&s, dir), 0);
	ck_assert_int_eq(simdev_raise(&s), 0);
	simdev_close(&s);
}

void h_world(struct h_env *e, const char *intxd_keys)
{
	unsigned i;

	for (i = 0; i < H_NDEV; i++) {
		char name[8];

		snprintf(name, sizeof(name), "d%u", i);
		e->dev[i] = h_sim(e, name, i == 5 ? 10 : 11);
		snprintf(e->arg[i], sizeof(e->arg[i]), "d%u=%s", i, e->dev[i]);
	}
	h_conf(e,
	       "%s\n"
	       "[device d0]\nbackend = sim\npath = %s\n"
	       "[device d1]\nbackend = sim\npath = %s\n"
	       "[device d2]\nbackend = sim\npath = %s\n"
	       "[device d3]\nbackend = sim\npath = %s\n"
	       "[device d4]\nbackend = sim\npath = %s\n"
	       "[device d5]\nbackend = sim\npath = %s\n"
	       "[client a]\nuid = %d\ndevices = d0, d1\n"
	       "[client b]\nuid = %d\ndevices = d2\n"
	       "[client c]\nuid = %d\ndevices = d3 d4 d5\n"
	       "[client root]\nuid = 0\ndevices = d5\n",
	       intxd_keys, e->dev[0], e->dev[1], e->dev[2], e->dev[3], e->dev[4],
	       e->dev[5], H_UID_A, H_UID_B, H_UID_C);
	h_daemon_start(e);
}
