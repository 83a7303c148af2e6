/* SPDX-License-Identifier: MIT */
/*
 * fake-systemd - the part of systemd a Type=notify service with
 * FileDescriptorStoreMax= sees, for the VM test (the guest has no systemd):
 * a NOTIFY_SOCKET that takes READY=1, FDSTORE=1 + FDNAME= with the fds
 * (SCM_RIGHTS) and FDSTOREREMOVE=1, and a restart that stops the service
 * with SIGTERM and starts it again with the stored fds in LISTEN_FDS,
 * LISTEN_FDNAMES and LISTEN_PID, as systemd does on `systemctl restart`.
 *
 *   fake-systemd run CTLSOCK -- COMMAND [ARG...]
 *       runs COMMAND as the service; exits with its status once it exits
 *       on SIGTERM (forwarded) or on its own.
 *   fake-systemd restart|stop|start CTLSOCK
 *       restarts (stops, starts) the service; returns once it has exited,
 *       and when the new one said READY=1, and prints how many fds the
 *       store holds.
 *
 * Simplification: the store keeps one fd per name (systemd keeps one per
 * open file, whatever the names); intxd gives each fd its own name.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXFDS 256
#define READY_MS 30000

static struct {
	char name[256];
	int fd;
} store[MAXFDS];
static int nstore;
static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static int unix_socket(const char *path, int type, bool do_bind)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	if (do_bind) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1;
		if (type == SOCK_STREAM && listen(fd, 4) < 0)
			return -1;
	} else if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		return -1;
	}
	return fd;
}

static void store_put(const char *name, int fd)
{
	for (int i = 0; i < nstore; i++)
		if (!strcmp(store[i].name, name)) {
			close(store[i].fd);
			store[i].fd = fd;
			return;
		}
	if (nstore == MAXFDS) {
		close(fd);
		return;
	}
	snprintf(store[nstore].name, sizeof(store[nstore].name), "%s", name);
	store[nstore++].fd = fd;
}

static void store_remove(const char *name)
{
	for (int i = 0; i < nstore; i++)
		if (!strcmp(store[i].name, name)) {
			close(store[i].fd);
			store[i] = store[--nstore];
			return;
		}
}

/* One notification: 1 if it said READY=1, 0 if not, -1 if none queued. */
static int notify_recv(int ns)
{
	char buf[4096], cbuf[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	int fds[16], nfds = 0;
	char name[256] = "stored";
	bool ready = false, fdstore = false, remove = false;
	ssize_t n = recvmsg(ns, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -1;
	buf[n] = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
		}
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(l, "READY=1"))
			ready = true;
		else if (!strcmp(l, "FDSTORE=1"))
			fdstore = true;
		else if (!strcmp(l, "FDSTOREREMOVE=1"))
			remove = true;
		else if (!strncmp(l, "FDNAME=", 7))
			snprintf(name, sizeof(name), "%s", l + 7);
	}
	for (int i = 0; i < nfds; i++) {
		if (fdstore)
			store_put(name, fds[i]);
		else
			close(fds[i]);
	}
	if (remove)
		store_remove(name);
	return ready ? 1 : 0;
}

static pid_t start(char **cmd, const char *notify_path)
{
	pid_t pid = fork();

	if (pid == 0) {
		char names[8192] = "", num[32];

		/* the stored fds at 3, 4, ..., as systemd passes them */
		for (int i = 0; i < nstore; i++) {
			int fd = fcntl(store[i].fd, F_DUPFD_CLOEXEC, 3 + nstore);

			if (fd < 0)
				_exit(126);
			store[i].fd = fd;
		}
		for (int i = 0; i < nstore; i++) {
			if (dup2(store[i].fd, 3 + i) < 0)
				_exit(126);
			if (strlen(names) + strlen(store[i].name) + 2 > sizeof(names))
				_exit(126);
			if (i)
				strcat(names, ":");
			strcat(names, store[i].name);
		}
		setenv("NOTIFY_SOCKET", notify_path, 1);
		if (nstore) {
			snprintf(num, sizeof(num), "%d", nstore);
			setenv("LISTEN_FDS", num, 1);
			setenv("LISTEN_FDNAMES", names, 1);
			snprintf(num, sizeof(num), "%ld", (long)getpid());
			setenv("LISTEN_PID", num, 1);
		}
		execvp(cmd[0], cmd);
		_exit(127);
	}
	return pid;
}

/* Until READY=1 (true) or the service exits (false). */
static bool await_ready(int ns, pid_t pid, int *status)
{
	for (int waited = 0; waited < READY_MS; waited += 100) {
		struct pollfd p = { .fd = ns, .events = POLLIN };

		if (poll(&p, 1, 100) > 0 && notify_recv(ns) == 1)
			return true;
		if (waitpid(pid, status, WNOHANG) == pid)
			return false;
	}
	return false;
}

static int run(const char *ctl_path, char **cmd)
{
	char notify_path[256];
	int ns, cs, st = 0;
	pid_t pid;

	snprintf(notify_path, sizeof(notify_path), "%s.notify", ctl_path);
	ns = unix_socket(notify_path, SOCK_DGRAM, true);
	cs = unix_socket(ctl_path, SOCK_STREAM, true);
	if (ns < 0 || cs < 0) {
		perror("fake-systemd: socket");
		return 126;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	pid = start(cmd, notify_path);
	if (pid < 0 || !await_ready(ns, pid, &st)) {
		fprintf(stderr, "fake-systemd: the service did not become ready\n");
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = ns, .events = POLLIN },
				       { .fd = cs, .events = POLLIN } };

		if (got_term) {
			if (pid > 0) {
				kill(pid, SIGTERM);
				waitpid(pid, &st, 0);
			}
			break;
		}
		if (pid > 0 && waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (poll(p, 2, 100) <= 0)
			continue;
		if (p[0].revents)
			(void)notify_recv(ns);
		if (p[1].revents) {
			int c = accept4(cs, NULL, NULL, SOCK_CLOEXEC);
			char op[16] = "", reply[64];
			ssize_t k;
			bool ok = true;

			if (c < 0)
				continue;
			k = read(c, op, sizeof(op) - 1);
			op[k > 0 ? k : 0] = 0;
			/* systemctl restart: stop, then start with the store */
			if (pid > 0 && (!strcmp(op, "restart") || !strcmp(op, "stop"))) {
				kill(pid, SIGTERM);
				waitpid(pid, &st, 0);
				pid = 0;
				while (notify_recv(ns) >= 0)
					;
				fprintf(stderr, "fake-systemd: stopped (status %d); %d fd(s) in the store\n",
					st, nstore);
			}
			if (pid == 0 && (!strcmp(op, "restart") || !strcmp(op, "start"))) {
				fprintf(stderr, "fake-systemd: starting with %d stored fd(s)\n", nstore);
				pid = start(cmd, notify_path);
				ok = pid > 0 && await_ready(ns, pid, &st);
			}
			snprintf(reply, sizeof(reply), "%s %d\n", ok ? "ok" : "failed", nstore);
			(void)!write(c, reply, strlen(reply));
			close(c);
			if (!ok)
				return 1;
		}
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int control(const char *op, const char *ctl_path)
{
	char buf[64];
	ssize_t n;
	int c = unix_socket(ctl_path, SOCK_STREAM, false);

	if (c < 0 || write(c, op, strlen(op)) < 0) {
		perror("fake-systemd: connect");
		return 1;
	}
	n = read(c, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	printf("fake-systemd %s: %s", op, buf);
	return strncmp(buf, "ok ", 3) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "run") && !strcmp(argv[3], "--"))
		return run(argv[2], argv + 4);
	if (argc == 3 && (!strcmp(argv[1], "restart") || !strcmp(argv[1], "stop") ||
			  !strcmp(argv[1], "start")))
		return control(argv[1], argv[2]);
	fprintf(stderr, "usage: fake-systemd run CTLSOCK -- COMMAND [ARG...]\n"
			"       fake-systemd restart|stop|start CTLSOCK\n");
	return 2;
}
