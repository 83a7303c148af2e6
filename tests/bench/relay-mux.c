/* SPDX-License-Identifier: MIT */
/* relay-mux.c - the epoll and io_uring relay floors (relay-mux.h). */

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "bench.h"
#include "relay-mux.h"

static inline void mark(const struct relay_mux *m, enum bench_hop h)
{
	if (m->hops)
		m->hops[h] = bench_now();
}

static void put(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		_exit(1);
}

static void ready(const struct relay_mux *m)
{
	put(m->ready_fd);
}

/* The ACK half, the same in both loops (and as relay-sim's). */
static void acked(const struct relay_mux *m)
{
	mark(m, BHOP_ACK_READ);
	simdev_unmask(m->sd);
	mark(m, BHOP_UNMASKED);
}

int relay_mux_epoll(const struct relay_mux *m)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	char buf[64];
	uint64_t v;
	int ep, n, i;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	ev.data.fd = m->irq_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, m->irq_fd, &ev) < 0)
		return -errno;
	ev.data.fd = m->e3;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, m->e3, &ev) < 0)
		return -errno;
	ready(m);
	for (;;) {
		n = epoll_wait(ep, out, 2, -1);
		if (n < 0 && errno != EINTR)
			_exit(1);
		for (i = 0; i < n; i++) {
			if (out[i].data.fd == m->irq_fd) {
				if (read(m->irq_fd, buf, sizeof(buf)) <= 0)
					_exit(1);
				mark(m, BHOP_WAKE);
				put(m->e2);
				mark(m, BHOP_NOTIFIED);
			} else {
				if (read(m->e3, &v, sizeof(v)) != sizeof(v))
					_exit(1);
				acked(m);
				put(m->e4);
			}
		}
	}
}

#ifdef HAVE_LIBURING
enum { TAG_IRQ = 1, TAG_ACK, TAG_WRITE };

static void sqe_read(struct io_uring *ring, int fd, void *buf, unsigned len, uint64_t tag)
{
	struct io_uring_sqe *s = io_uring_get_sqe(ring);

	if (!s)
		_exit(1);
	io_uring_prep_read(s, fd, buf, len, 0);
	io_uring_sqe_set_data64(s, tag);
}

/*
 * Plain write() unless ring_writes: through the ring, a write to a
 * blocking eventfd cannot be issued without waiting (eventfd has no
 * write_iter), so io_uring arms a poll, finds the fd writable, retries
 * and fails again, up to APOLL_MAX_RETRY (128) times in task_work, then
 * hands it to an io-wq worker thread (iou-wrk): some 25 us per write on
 * the 2-vCPU development machine, against about 1 us for write().
 */
static void notify(const struct relay_mux *m, struct io_uring *ring, int fd,
		   const uint64_t *one)
{
	struct io_uring_sqe *s;

	if (!m->ring_writes) {
		put(fd);
		return;
	}
	s = io_uring_get_sqe(ring);
	if (!s)
		_exit(1);
	io_uring_prep_write(s, fd, one, sizeof(*one), 0);
	io_uring_sqe_set_data64(s, TAG_WRITE);
	s->flags |= IOSQE_CQE_SKIP_SUCCESS; /* only a failure completes */
}

int relay_mux_uring(const struct relay_mux *m)
{
	static const uint64_t one = 1;
	struct io_uring ring;
	struct io_uring_cqe *c;
	char buf[64];
	uint64_t v;
	unsigned head, n;
	int r;

	/* completions are reaped only by this thread, in submit_and_wait:
	 * the setup liburing advises for that (task_work run there, no IPI) */
	r = io_uring_queue_init(8, &ring, IORING_SETUP_SINGLE_ISSUER |
				IORING_SETUP_DEFER_TASKRUN);
	if (r == -EINVAL) /* a kernel before 6.1 */
		r = io_uring_queue_init(8, &ring, 0);
	if (r < 0)
		return r;
	sqe_read(&ring, m->irq_fd, buf, sizeof(buf), TAG_IRQ);
	sqe_read(&ring, m->e3, &v, sizeof(v), TAG_ACK);
	ready(m);
	for (;;) {
		r = io_uring_submit_and_wait(&ring, 1);
		if (r < 0 && r != -EINTR)
			_exit(1);
		n = 0;
		io_uring_for_each_cqe(&ring, head, c) {
			n++;
			if (c->res <= 0)
				_exit(1);
			if (c->user_data == TAG_IRQ) {
				mark(m, BHOP_WAKE);
				notify(m, &ring, m->e2, &one);
				/* with ring_writes: queued, written by the next submit */
				mark(m, BHOP_NOTIFIED);
				sqe_read(&ring, m->irq_fd, buf, sizeof(buf), TAG_IRQ);
			} else {
				acked(m);
				notify(m, &ring, m->e4, &one);
				sqe_read(&ring, m->e3, &v, sizeof(v), TAG_ACK);
			}
		}
		io_uring_cq_advance(&ring, n);
	}
}
#else
int relay_mux_uring(const struct relay_mux *m)
{
	(void)m;
	return -ENOSYS;
}
#endif
