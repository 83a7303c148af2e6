/* SPDX-License-Identifier: MIT */
/* intx-relay.c - the zero-logic broker (intx-relay.h). */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "intx-relay.h"

/* What the child adds to notify as it dies: one notification is 1, and
 * there is one in flight at most, so the sum says "gone" however it lands.
 * The driver's blocking read would otherwise wait forever (a SIGCHLD that
 * lands before the read is lost to it). */
#define RELAY_DEAD (1ull << 32)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The child: the loop of intx-relay.h, until an error.  Its wait has no
 * time-out, like the other paths' (intx-edu-driver's watchdog ends a lost
 * run, and this child dies with the driver). */
static void child(struct relay *r, struct direct *d, int cpu)
{
	uint64_t one = 1, v;
	const char *what;
	int e;

	/* the driver's handlers (no SA_RESTART) are not ours: a ^C to the
	 * group ends us as a plain kill would */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			e = -errno;
			what = "sched_setaffinity";
			goto fail;
		}
	}
	for (;;) {
		e = direct_wait(d, -1);
		if (e < 0 && e != -EINTR) {
			what = "waiting for the interrupt";
			break;
		}
		if (e <= 0)
			continue;
		if (write(r->notify, &one, sizeof(one)) != sizeof(one)) {
			e = -errno;
			what = "notify";
			break;
		}
		if (read(r->ack, &v, sizeof(v)) != sizeof(v)) {
			e = -errno;
			what = "ack";
			break;
		}
		e = direct_unmask(d);
		if (e < 0) {
			what = "unmask";
			break;
		}
	}
fail:
	fprintf(stderr, "intx-relay: %s: %s\n", what, strerror(-e));
	v = RELAY_DEAD;
	(void)!write(r->notify, &v, sizeof(v));
	_exit(1);
}

int relay_start(struct relay *r, struct direct *d, int cpu, int spin)
{
	pid_t parent = getpid();
	int e;

	r->pid = -1;
	r->ack = -1;
	r->notify = eventfd(0, EFD_CLOEXEC | (spin ? EFD_NONBLOCK : 0));
	if (r->notify < 0)
		return -errno;
	r->ack = eventfd(0, EFD_CLOEXEC);
	if (r->ack < 0)
		goto fail;
	fflush(NULL); /* nothing buffered twice */
	r->pid = fork();
	if (r->pid < 0)
		goto fail;
	if (r->pid == 0) {
		/* a parent gone before prctl() would leave us waiting */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		child(r, d, cpu);
	}
	return 0;
fail:
	e = -errno;
	r->pid = -1;
	relay_stop(r, d);
	return e;
}

int relay_wait(struct relay *r, unsigned spin_us)
{
	struct pollfd p = { .fd = r->notify, .events = POLLIN };
	uint64_t v, until = now_ns() + (uint64_t)spin_us * 1000u;
	int spun = 0;

	for (;;) {
		if (read(r->notify, &v, sizeof(v)) == sizeof(v))
			return v >= RELAY_DEAD ? -ECHILD : 0;
		if (errno != EAGAIN)
			return -errno;
		/* only a non-blocking notify (spin) gets here */
		if (spun || now_ns() >= until) {
			if (poll(&p, 1, -1) < 0)
				return -errno;
			spun = 1;
		}
	}
}

int relay_ack(struct relay *r)
{
	uint64_t one = 1;

	return write(r->ack, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

int relay_stats(const struct relay *r, long *csw, uint64_t *cpu_ns)
{
	char path[64], line[128];
	unsigned long long t;
	long n = 0, x;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", r->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* voluntary_ctxt_switches and nonvoluntary_ctxt_switches */
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "ctxt_switches:") &&
		    sscanf(strchr(line, ':') + 1, "%ld", &x) == 1)
			n += x;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/schedstat", r->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	x = fscanf(f, "%llu", &t);
	fclose(f);
	if (x != 1)
		return -EIO;
	*csw = n;
	*cpu_ns = t;
	return 0;
}

void relay_stop(struct relay *r, struct direct *d)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
		/* The child may have died between the last ack and its
		 * unmask (on one CPU it has not run since the ack); uio's
		 * Command bit 10 would stay set and the device silent for
		 * the next driver.  Unmasking twice is harmless. */
		(void)direct_unmask(d);
	}
	if (r->notify >= 0)
		close(r->notify);
	if (r->ack >= 0)
		close(r->ack);
	r->pid = r->notify = r->ack = -1;
}
