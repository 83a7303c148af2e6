/* SPDX-License-Identifier: MIT */
/* fdstore.c - file descriptors kept across a restart (see fdstore.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "fdstore.h"
#include "log.h"
#include "proto.h"

#define ENV_FDS "INTXD_FDS"
#define ENV_PID "INTXD_FDS_PID"
#define ENV_MASKED "INTXD_MASKED"
#define LISTEN_NAME "listen"

struct named_fd {
	char *name;
	int fd;
};

/* inherited: handed to us at start, until taken; kept: ours, to pass on */
static struct named_fd *inherited, *kept;
static unsigned ninherited, nkept;
static bool under_systemd, stored, exiting, exec_requested;
/* " name name " from the previous image (ENV_MASKED), or NULL */
static char *masked_before;

static int add(struct named_fd **v, unsigned *n, const char *name, int fd)
{
	struct named_fd *x = realloc(*v, (*n + 1) * sizeof(**v));

	if (!x)
		return -ENOMEM;
	*v = x;
	x[*n].name = strdup(name);
	if (!x[*n].name)
		return -ENOMEM;
	x[*n].fd = fd;
	(*n)++;
	return 0;
}

static void drop(struct named_fd *v, unsigned *n, unsigned i)
{
	free(v[i].name);
	v[i] = v[--*n];
}

static bool ours(const char *name)
{
	return strncmp(name, "vfio.", 5) == 0;
}

static void set_cloexec(int fd, bool on)
{
	int f = fcntl(fd, F_GETFD);

	if (f >= 0)
		(void)fcntl(fd, F_SETFD, on ? f | FD_CLOEXEC : f & ~FD_CLOEXEC);
}

/* INTXD_FDS="FD=NAME FD=NAME": what the previous image of this process
 * kept over its exec. */
static int from_exec(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int listen_fd = -1;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '='), *end;
		long fd;

		if (!eq)
			continue;
		*eq = 0;
		fd = strtol(tok, &end, 10);
		if (*end || fd < 0 || fcntl((int)fd, F_GETFD) < 0) {
			log_warn("restart: %s names fd '%s', which is not open", ENV_FDS, tok);
			continue;
		}
		set_cloexec((int)fd, true);
		if (strcmp(eq + 1, LISTEN_NAME) == 0)
			listen_fd = (int)fd;
		else if (add(&inherited, &ninherited, eq + 1, (int)fd) < 0)
			close((int)fd);
	}
	free(copy);
	return listen_fd;
}

/* LISTEN_FDS from systemd: the socket (intxd.socket), and what we put in
 * the fd store before, named. */
static int from_systemd(void)
{
	char **names = NULL;
	int n, i, listen_fd = -1, others = 0;

	n = sd_listen_fds_with_names(1, &names);
	if (n < 0)
		log_warn("LISTEN_FDS: %s", strerror(-n));
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name = names && names[i] ? names[i] : "unknown";

		if (ours(name)) {
			if (add(&inherited, &ninherited, name, fd) < 0)
				close(fd);
		} else {
			listen_fd = fd;
			others++;
		}
	}
	if (names)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	if (others > 1) {
		log_warn("systemd passed %d sockets; intxd listens on one only", others);
		return -1;
	}
	return listen_fd;
}

int fdstore_init(void)
{
	const char *list = getenv(ENV_FDS), *pid = getenv(ENV_PID);
	int listen_fd;

	under_systemd = getenv("NOTIFY_SOCKET") != NULL;
	if (list && pid && strtol(pid, NULL, 10) == (long)getpid()) {
		const char *m = getenv(ENV_MASKED);

		listen_fd = from_exec(list);
		if (m && *m && asprintf(&masked_before, " %s ", m) < 0)
			masked_before = NULL;
	} else {
		listen_fd = from_systemd();
	}
	unsetenv(ENV_FDS);
	unsetenv(ENV_PID);
	unsetenv(ENV_MASKED);
	if (ninherited)
		log_info("restart: %u file descriptor(s) kept from before", ninherited);
	return listen_fd;
}

int fdstore_take(const char *name)
{
	unsigned i;

	for (i = 0; i < ninherited; i++)
		if (strcmp(inherited[i].name, name) == 0) {
			int fd = inherited[i].fd;

			drop(inherited, &ninherited, i);
			return fd;
		}
	return -1;
}

static void store_remove(const char *name)
{
	char msg[300];

	if (!under_systemd)
		return;
	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	(void)sd_notify(0, msg);
}

void fdstore_close_unclaimed(void)
{
	while (ninherited) {
		log_info("restart: %s is not used any more; closed", inherited[0].name);
		store_remove(inherited[0].name);
		close(inherited[0].fd);
		drop(inherited, &ninherited, 0);
	}
	free(inherited);
	inherited = NULL;
}

void fdstore_keep(const char *name, int fd)
{
	char msg[300];
	int r;

	if (add(&kept, &nkept, name, fd) < 0) {
		log_warn("restart: cannot remember %s: out of memory", name);
		return;
	}
	if (!under_systemd)
		return;
	/* systemd drops it silently unless the unit has FileDescriptorStoreMax= */
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	r = sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
	if (r > 0)
		stored = true;
	else if (r < 0)
		log_warn("restart: cannot put %s in systemd's fd store: %s", name,
			 strerror(-r));
}

static int kept_index(const char *name)
{
	unsigned i;

	for (i = 0; i < nkept; i++)
		if (strcmp(kept[i].name, name) == 0)
			return (int)i;
	return -1;
}

void fdstore_forget(const char *name)
{
	int i = kept_index(name);

	if (i < 0)
		return;
	drop(kept, &nkept, (unsigned)i);
	if (!exiting)
		store_remove(name);
}

void fdstore_exiting(void)
{
	exiting = true;
}

bool fdstore_kept_at_exit(const char *name)
{
	return exiting && stored && kept_index(name) >= 0;
}

void fdstore_request_exec(void)
{
	exec_requested = true;
}

bool fdstore_exec_requested(void)
{
	return exec_requested;
}

bool fdstore_admin_masked(const char *name)
{
	char word[INTX_NAME_MAX + 2];

	if (!masked_before)
		return false;
	snprintf(word, sizeof(word), " %s ", name);
	return strstr(masked_before, word) != NULL;
}

int fdstore_exec(char **argv, int listen_fd, const char *masked)
{
	size_t size = 64, len = 0;
	char *list, pid[24];
	unsigned i;
	int r;

	exec_requested = false;
	for (i = 0; i < nkept; i++)
		size += strlen(kept[i].name) + 16;
	list = malloc(size);
	if (!list)
		return -ENOMEM;
	list[0] = 0;
	if (listen_fd >= 0)
		len += (size_t)snprintf(list + len, size - len, "%d=%s ", listen_fd, LISTEN_NAME);
	for (i = 0; i < nkept; i++)
		len += (size_t)snprintf(list + len, size - len, "%d=%s ", kept[i].fd,
					kept[i].name);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (setenv(ENV_FDS, list, 1) < 0 || setenv(ENV_PID, pid, 1) < 0 ||
	    setenv(ENV_MASKED, masked, 1) < 0) {
		free(list);
		return -ENOMEM;
	}
	if (listen_fd >= 0)
		set_cloexec(listen_fd, false);
	for (i = 0; i < nkept; i++)
		set_cloexec(kept[i].fd, false);
	log_info("restart: executing again, keeping %u file descriptor(s) and the socket",
		 nkept);
	execv("/proc/self/exe", argv);
	r = -errno;
	log_err("restart: exec /proc/self/exe: %s; going on as before", strerror(errno));
	if (listen_fd >= 0)
		set_cloexec(listen_fd, true);
	for (i = 0; i < nkept; i++)
		set_cloexec(kept[i].fd, true);
	unsetenv(ENV_FDS);
	unsetenv(ENV_PID);
	unsetenv(ENV_MASKED);
	free(list);
	return r;
}
