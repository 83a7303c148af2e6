/* SPDX-License-Identifier: MIT */
/* launch.c - see launch.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include "launch.h"

int bench_client_start(const struct bench_client *c, char *const *specs,
		       unsigned nspecs, pid_t (*fork_fn)(int cpu), int cpu, pid_t *pid)
{
	char shm_s[16], done_s[16], ready_s[16], spin_s[16], ready;
	const char **argv = calloc(nspecs + 16, sizeof(*argv));
	unsigned i, n = 0;
	int rp[2], r = 0;

	*pid = 0;
	if (!argv)
		return -ENOMEM;
	if (pipe(rp) < 0) {
		r = -errno;
		free(argv);
		return r;
	}
	snprintf(shm_s, sizeof(shm_s), "%d", c->shm_fd);
	snprintf(done_s, sizeof(done_s), "%d", c->done_fd);
	snprintf(ready_s, sizeof(ready_s), "%d", rp[1]);
	argv[n++] = "bench-client";
	argv[n++] = "--socket";
	argv[n++] = c->sock;
	argv[n++] = "--simdir";
	argv[n++] = c->simdir;
	argv[n++] = "--shm";
	argv[n++] = shm_s;
	argv[n++] = "--done";
	argv[n++] = done_s;
	argv[n++] = "--ready";
	argv[n++] = ready_s;
	if (c->spin_us) {
		snprintf(spin_s, sizeof(spin_s), "%u", c->spin_us);
		argv[n++] = "--spin";
		argv[n++] = spin_s;
	}
	for (i = 0; i < nspecs; i++)
		argv[n++] = specs[i];
	argv[n] = NULL;
	*pid = fork_fn ? fork_fn(cpu) : fork();
	if (*pid == 0) {
		close(rp[0]);
		execv(c->path, (char *const *)argv);
		_exit(127);
	}
	if (*pid < 0)
		r = -errno;
	close(rp[1]);
	/* the write end is the child's alone now: EOF if it dies first */
	if (!r && read(rp[0], &ready, 1) != 1)
		r = -EPIPE;
	close(rp[0]);
	free(argv);
	if (*pid < 0)
		*pid = 0;
	return r;
}

int bench_notify_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int bench_wait_ready(int nfd, pid_t pid, unsigned timeout_ms)
{
	char buf[256];
	unsigned waited;

	/* poll in slices: intxd may die without a word on the socket */
	for (waited = 0; waited < timeout_ms; waited += 100) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		int st;

		if (poll(&p, 1, 100) == 1) {
			ssize_t n = recv(nfd, buf, sizeof(buf) - 1, 0);

			if (n > 0) {
				buf[n] = 0;
				if (strstr(buf, "READY=1"))
					return 0;
			}
			continue;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -ECHILD;
	}
	return -ETIMEDOUT;
}
