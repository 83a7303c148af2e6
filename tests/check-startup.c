/* SPDX-License-Identifier: MIT */
/*
 * check-startup.c - start-up never harms a running system (issue 10 item 2):
 * a second intxd on a live socket is refused while the first keeps serving,
 * a regular file or a non-directory in the socket's path is left untouched,
 * and only a stale socket (nobody listening) is replaced.  Real processes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "wire.h"

#define WAIT_MS 20000

/*
 * Run intxd -c conf to completion, its stdout+stderr into out.  An intxd
 * that does not exit within WAIT_MS has started when it should not have:
 * it is killed and -1 returned.
 */
static int run_intxd(const char *conf, char *out, size_t size)
{
	const char *intxd = getenv("INTXD");
	struct timespec t0, t;
	int pipefd[2], st;
	size_t len = 0;
	pid_t pid;

	ck_assert_ptr_nonnull(intxd);
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		unsetenv("NOTIFY_SOCKET");
		unsetenv("LISTEN_FDS");
		execl(intxd, "intxd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = WAIT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
				  (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(pipefd[0]);
			out[len] = 0;
			return -1;
		}
		n = read(pipefd[0], out + len, size - 1 - len);
		if (n <= 0)
			break; /* EOF: it exited (or closed its output) */
		len += (size_t)n;
		if (len + 1 >= size)
			len = 0; /* keep the tail; the tests look at the last words */
	}
	out[len] = 0;
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A control session answers a STATUS query: the daemon is serving. */
static void assert_serving(struct h_env *e, pid_t pid)
{
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_status st;
	int fd = h_connect(e);
	long n;

	ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
	h_query(fd, INTX_Q_STATUS);
	n = h_recv(fd, buf, sizeof(buf), WAIT_MS);
	ck_assert_int_eq(proto_check(buf, (size_t)n, 0, INTX_FROM_DAEMON),
			 INTX_MSG_STATUS);
	memcpy(&st, buf, sizeof(st));
	if (pid > 0)
		ck_assert_int_eq((pid_t)st.pid, pid);
	close(fd);
}

START_TEST(second_daemon_refused)
{
	struct h_env e;
	struct h_client a;
	char out[4096], want[64];
	int st;

	h_setup(&e);
	h_world(&e, "");
	ck_assert(h_client_start(&e, &a, H_UID_A, "a", e.arg[0], NULL));

	st = run_intxd(e.conf, out, sizeof(out));
	ck_assert_msg(st > 0, "a second intxd started on a live socket "
		      "(status %d): %s", st, out);
	/* "another intxd (pid N)"; "pid N (memcheck...)" under valgrind */
	snprintf(want, sizeof(want), "pid %d", (int)e.daemon);
	ck_assert_msg(strstr(out, want) && strstr(out, e.sock) &&
		      strstr(out, "not starting"),
		      "no clear refusal naming the socket and the live daemon: %s",
		      out);

	/* the first one is untouched: same pid on the socket, and its
	 * client still gets its interrupts */
	assert_serving(&e, e.daemon);
	h_raise(e.dev[0]);
	ck_assert_msg(h_client_wait_handled(&a, 1, WAIT_MS),
		      "the running intxd stopped serving its client");
	h_client_stop(&a);
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

static void world_one(struct h_env *e)
{
	const char *d0 = h_sim(e, "d0", 11);

	h_conf(e, "[device d0]\nbackend = sim\npath = %s\n"
		  "[client a]\nuid = %d\ndevices = d0\n", d0, H_UID_A);
}

START_TEST(regular_file_untouched)
{
	static const char keep[] = "not a socket: keep me\n";
	struct h_env e;
	char out[4096], buf[64] = { 0 };
	int fd, st;

	h_setup(&e);
	world_one(&e);
	fd = open(e.sock, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, keep, sizeof(keep) - 1), (ssize_t)sizeof(keep) - 1);
	close(fd);

	st = run_intxd(e.conf, out, sizeof(out));
	ck_assert_msg(st > 0, "intxd started over a regular file (status %d)", st);
	ck_assert_msg(strstr(out, "is not a socket") && strstr(out, e.sock),
		      "no clear message: %s", out);
	fd = open(e.sock, O_RDONLY);
	ck_assert_msg(fd >= 0, "the regular file at socket = was removed");
	ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), (ssize_t)sizeof(keep) - 1);
	close(fd);
	ck_assert_str_eq(buf, keep);
	h_teardown(&e);
}
END_TEST

START_TEST(parent_not_a_directory)
{
	struct h_env e;
	char out[4096], file[160];
	struct stat sb;
	int fd, st;

	h_setup(&e);
	/* socket = DIR/file/intxd.sock, where DIR/file is a regular file */
	snprintf(file, sizeof(file), "%s/file", e.dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(e.sock, sizeof(e.sock), "%s/file/intxd.sock", e.dir);
	world_one(&e);

	st = run_intxd(e.conf, out, sizeof(out));
	ck_assert_msg(st > 0, "intxd started (status %d)", st);
	ck_assert_msg(strstr(out, "socket's directory") && strstr(out, file),
		      "no clear message about the directory: %s", out);
	ck_assert_int_eq(stat(file, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	h_teardown(&e);
}
END_TEST

START_TEST(stale_socket_replaced)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct h_env e;
	struct stat sb;
	int fd;

	h_setup(&e);
	world_one(&e);
	/* what a crashed intxd leaves: a socket file nobody listens on */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, e.sock);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	ck_assert_int_eq(stat(e.sock, &sb), 0);
	ck_assert(S_ISSOCK(sb.st_mode));
	ck_assert_int_eq(wire_probe(e.sock, NULL), WIRE_STALE);

	h_daemon_start(&e);
	assert_serving(&e, e.daemon);
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

START_TEST(probe_states)
{
	char dir[] = "/tmp/intxd-probe.XXXXXX", path[64];
	pid_t holder = -1;
	int l, fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	ck_assert_int_eq(wire_probe(path, &holder), WIRE_ABSENT);
	l = wire_listen(path, 0600, 4);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(wire_probe(path, &holder), -EADDRINUSE);
	ck_assert_int_eq(holder, getpid());
	/* a second listener on a live socket is refused, the first stays */
	ck_assert_int_eq(wire_listen(path, 0600, 4), -EADDRINUSE);
	fd = wire_connect(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	close(l);
	ck_assert_int_eq(wire_probe(path, NULL), WIRE_STALE);
	l = wire_listen(path, 0600, 4);
	ck_assert_int_ge(l, 0);
	close(l);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(wire_probe(path, NULL), -ENOTSOCK);
	ck_assert_int_eq(wire_listen(path, 0600, 4), -ENOTSOCK);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/*
 * The fd limit's warning counts what each backend holds: a vfio device in
 * its own IOMMU group holds 4 (device, eventfd, group, container), more
 * than a sim device's 3.  100 vfio devices (at a PCI domain no host has:
 * they fail to open, nothing is touched) and max-sessions 10 may need
 * 4 * 100 + 2 * 10 + 64 = 484; a hard limit of 420 is short of that.
 */
START_TEST(fd_limit_counts_vfio)
{
	static char body[100 * 64];
	struct h_env e;
	size_t len = 0;
	unsigned i;

	for (i = 0; i < 100; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len,
					"[device v%u]\nbackend = vfio\npci = fffe:00:%02x.%u\n",
					i, i / 8, i % 8);
	ck_assert_uint_lt(len, sizeof(body));
	h_setup(&e);
	e.nofile = 420;
	h_conf(&e, "max-sessions = 10\n%s", body);
	h_daemon_start(&e);
	/* the limit it names is 420, or less under valgrind (make
	 * check-valgrind), which keeps some fds for itself */
	ck_assert_msg(h_log_has(&e, "; 100 device(s) and max-sessions 10 may need 484"),
		      "no fd limit warning for 100 vfio devices");
	h_daemon_stop(&e);
	h_teardown(&e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("startup");
	TCase *t = tcase_create("startup");

	tcase_add_test(t, probe_states);
	tcase_add_test(t, second_daemon_refused);
	tcase_add_test(t, regular_file_untouched);
	tcase_add_test(t, parent_not_a_directory);
	tcase_add_test(t, stale_socket_replaced);
	tcase_add_test(t, fd_limit_counts_vfio);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
