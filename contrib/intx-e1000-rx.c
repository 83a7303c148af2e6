/* SPDX-License-Identifier: MIT */
/*
 * intx-e1000-rx - a userspace receive driver for an Intel 82540EM (QEMU's
 * `-device e1000`) bound to vfio-pci, written against libintx: the example
 * a driver author copies.  intxd owns the device's INTx line; this driver
 * gets BAR0 through the device fd (intx_device_fd()) and maps its receive
 * ring and buffers for the device's DMA through the VFIO container
 * (intx_dma_fd(), VFIO_IOMMU_MAP_DMA).
 *
 *   intx-e1000-rx [--socket PATH] [--client NAME] [--expect N] [--quiet] DEV
 *   intx-e1000-rx --direct BDF [--expect N] [--quiet]
 *
 * The handler reads ICR (reading it clears it, which lowers the device's
 * INTx), returns INTX_NONE when it is 0 (another device on the shared line
 * interrupted), else harvests every received frame, gives the descriptors
 * back to the device and returns INTX_HANDLED.
 *
 * --direct BDF: no broker, for comparison: the driver opens the device's
 * VFIO group itself and waits on the INTx eventfd, unmasking after each
 * interrupt (what intxd does for it otherwise).
 *
 * Frames of EtherType 0x88b5 are checked against the pattern of
 * tests/vm/e1000-send.c ("INTXE1000", a 32-bit sequence number, then byte
 * i = (seq + i) & 0xff); others are counted.  Prints "ready", one line
 * per frame ("frame seq=N len=N t=CLOCK_MONOTONIC", unless --quiet) and,
 * at SIGTERM/SIGINT or once --expect N good frames arrived, "summary
 * frames=N good=N bad=N dup=N other=N irqs=N none=N seconds=S".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/vfio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <intx.h>

#include "intx-direct.h"

/* 82540EM registers (Intel 8254x developer's manual, section 13) */
#define E1000_CTRL 0x0000
#define E1000_ICR 0x00c0   /* read to clear: lowers INTx */
#define E1000_ITR 0x00c4
#define E1000_IMS 0x00d0
#define E1000_IMC 0x00d8
#define E1000_RCTL 0x0100
#define E1000_RDBAL 0x2800
#define E1000_RDBAH 0x2804
#define E1000_RDLEN 0x2808
#define E1000_RDH 0x2810
#define E1000_RDT 0x2818
#define E1000_RDTR 0x2820
#define E1000_RADV 0x282c
#define E1000_MTA 0x5200

#define CTRL_SLU (1u << 6)   /* set link up */
#define CTRL_RST (1u << 26)
#define RCTL_EN (1u << 1)
#define RCTL_UPE (1u << 3)   /* unicast promiscuous */
#define RCTL_MPE (1u << 4)
#define RCTL_BAM (1u << 15)  /* broadcast accept; BSIZE 0 = 2048 bytes */
#define RCTL_SECRC (1u << 26)
#define ICR_RXDMT0 (1u << 4)
#define ICR_RXO (1u << 6)
#define ICR_RXT0 (1u << 7)
#define RX_IRQS (ICR_RXT0 | ICR_RXO | ICR_RXDMT0)

#define NDESC 256
#define BUFSZ 2048
#define IOVA 0x100000ull    /* where the device sees our memory */
#define DMA_SIZE (4096 + NDESC * BUFSZ)
#define BAR_SIZE 0x20000
#define ETHERTYPE 0x88b5
#define MAXSEQ 65536

struct rx_desc {             /* legacy receive descriptor */
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;      /* bit 0: descriptor done; bit 1: end of packet */
	uint8_t errors;
	uint16_t special;
};

struct nic {
	volatile uint32_t *bar;
	struct rx_desc *ring;  /* the first page of the DMA memory */
	uint8_t *bufs;         /* NDESC buffers after it */
	unsigned next;         /* the next descriptor the device fills */
	unsigned long frames, good, bad, dup, other, irqs, none;
	uint8_t seen[MAXSEQ / 8];
};

static volatile sig_atomic_t stop;
static bool quiet;
static unsigned long expect;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint32_t rd(struct nic *n, unsigned off)
{
	return n->bar[off / 4];
}

static void wr(struct nic *n, unsigned off, uint32_t v)
{
	n->bar[off / 4] = v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check_frame(struct nic *n, const uint8_t *f, unsigned len)
{
	uint32_t seq;
	unsigned i;

	n->frames++;
	if (len < 14 + 13 || f[12] != ETHERTYPE >> 8 || f[13] != (ETHERTYPE & 0xff)) {
		n->other++;
		return;
	}
	seq = (uint32_t)f[23] << 24 | (uint32_t)f[24] << 16 | (uint32_t)f[25] << 8 | f[26];
	for (i = 27; i < len && f[i] == (uint8_t)(seq + i - 27); i++)
		;
	if (memcmp(f + 14, "INTXE1000", 9) != 0 || i != len || seq >= MAXSEQ) {
		n->bad++;
		printf("bad frame len=%u\n", len);
		return;
	}
	if (n->seen[seq / 8] & (1u << (seq % 8))) {
		n->dup++;
		return;
	}
	n->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	n->good++;
	if (!quiet)
		printf("frame seq=%u len=%u t=%.6f\n", seq, len, now());
}

/* Take every filled descriptor, then hand it back to the device by moving
 * the tail behind it. */
static void harvest(struct nic *n)
{
	struct rx_desc *d;

	while ((d = &n->ring[n->next])->status & 1) {
		check_frame(n, n->bufs + n->next * BUFSZ, d->length);
		d->status = 0;
		wr(n, E1000_RDT, n->next);
		n->next = (n->next + 1) % NDESC;
	}
}

static int handler(const struct intx_event *ev, void *arg)
{
	struct nic *n = arg;
	uint32_t icr = rd(n, E1000_ICR);

	(void)ev;
	if (!(icr & RX_IRQS)) {
		n->none++;
		return INTX_NONE;   /* not us: another device on the line */
	}
	n->irqs++;
	harvest(n);
	return INTX_HANDLED;
}

static void *map_bar0(int dev_fd)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_BAR0_REGION_INDEX };
	void *p;

	if (ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 ||
	    !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP) || ri.size < BAR_SIZE)
		return NULL;
	p = mmap(NULL, BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dev_fd,
		 (off_t)ri.offset);
	return p == MAP_FAILED ? NULL : p;
}

/* Bus Master on, so the device may DMA; Command bit 10 (INTx Disable)
 * is written back as read: it is intxd's (vfio virtualizes it). */
static int bus_master(int dev_fd)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t cmd;

	if (ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 ||
	    pread(dev_fd, &cmd, 2, (off_t)ri.offset + 4) != 2)
		return -1;
	cmd |= 0x6; /* memory space, bus master */
	return pwrite(dev_fd, &cmd, 2, (off_t)ri.offset + 4) == 2 ? 0 : -1;
}

/* The ring and buffers, in memory of ours the IOMMU maps at IOVA. */
static int map_dma(struct nic *n, int container)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = IOVA,
		.size = DMA_SIZE,
	};
	void *mem = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (mem == MAP_FAILED)
		return -1;
	m.vaddr = (uintptr_t)mem;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m) < 0)
		return -1;
	n->ring = mem;
	n->bufs = (uint8_t *)mem + 4096;
	return 0;
}

static void unmap_dma(int container)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = IOVA, .size = DMA_SIZE,
	};

	if (container >= 0 && ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u) < 0)
		perror("intx-e1000-rx: VFIO_IOMMU_UNMAP_DMA");
}

static void nic_start(struct nic *n)
{
	unsigned i;

	wr(n, E1000_IMC, ~0u);
	wr(n, E1000_CTRL, rd(n, E1000_CTRL) | CTRL_RST);
	while (rd(n, E1000_CTRL) & CTRL_RST)
		;
	wr(n, E1000_IMC, ~0u);
	(void)rd(n, E1000_ICR);
	wr(n, E1000_CTRL, rd(n, E1000_CTRL) | CTRL_SLU);
	for (i = 0; i < 128; i++)
		wr(n, E1000_MTA + 4 * i, 0);
	for (i = 0; i < NDESC; i++) {
		n->ring[i].addr = IOVA + 4096 + (uint64_t)i * BUFSZ;
		n->ring[i].status = 0;
	}
	wr(n, E1000_RDBAL, (uint32_t)IOVA);
	wr(n, E1000_RDBAH, (uint32_t)(IOVA >> 32));
	wr(n, E1000_RDLEN, NDESC * sizeof(struct rx_desc));
	wr(n, E1000_RDH, 0);
	wr(n, E1000_RDT, NDESC - 1);
	n->next = 0;
	/* an interrupt per frame: no moderation */
	wr(n, E1000_ITR, 0);
	wr(n, E1000_RDTR, 0);
	wr(n, E1000_RADV, 0);
	wr(n, E1000_RCTL, RCTL_EN | RCTL_UPE | RCTL_MPE | RCTL_BAM | RCTL_SECRC);
	wr(n, E1000_IMS, RX_IRQS);
}

static void nic_stop(struct nic *n)
{
	wr(n, E1000_IMC, ~0u);
	wr(n, E1000_RCTL, 0);
	(void)rd(n, E1000_ICR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "direct", required_argument, NULL, 'd' },
		{ "expect", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	const char *sock = NULL, *want = NULL, *direct = NULL, *dev = NULL;
	struct intx_client *c = NULL;
	struct nic *n = calloc(1, sizeof(*n));
	struct direct dd = { .irq_fd = -1 };
	int o, r, dev_fd, container;
	double t0;

	while ((o = getopt_long(argc, argv, "s:c:d:n:q", opts, NULL)) != -1) {
		if (o == 's')
			sock = optarg;
		else if (o == 'c')
			want = optarg;
		else if (o == 'd')
			direct = optarg;
		else if (o == 'n')
			expect = strtoul(optarg, NULL, 0);
		else if (o == 'q')
			quiet = true;
		else
			return 2;
	}
	if (!n || (!direct && optind != argc - 1)) {
		fprintf(stderr, "usage: intx-e1000-rx [--socket PATH] [--client NAME] "
				"[--expect N] [--quiet] DEV\n"
				"       intx-e1000-rx --direct BDF [--expect N] [--quiet]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (direct) {
		r = direct_open(&dd, DIRECT_VFIO, direct);
		if (r < 0) {
			fprintf(stderr, "intx-e1000-rx: --direct: vfio: %s\n", strerror(-r));
			return 1;
		}
		dev_fd = dd.dev_fd;
		container = dd.container;
	} else {
		dev = argv[optind];
		c = intx_open(sock, want);
		if (!c) {
			fprintf(stderr, "intx-e1000-rx: connect: %s\n", intx_strerror(errno));
			return 1;
		}
		/* An interrupt pending from before waits in libintx's queue
		 * until intx_dispatch(), by when the device is set up. */
		r = intx_subscribe(c, dev, handler, n);
		dev_fd = intx_device_fd(c, dev);
		container = intx_dma_fd(c, dev);
		if (r < 0 || dev_fd < 0 || container < 0) {
			fprintf(stderr, "intx-e1000-rx: %s: %s\n", dev,
				intx_strerror(r < 0 ? r : dev_fd < 0 ? dev_fd : container));
			return 1;
		}
	}
	n->bar = map_bar0(dev_fd);
	if (!n->bar || bus_master(dev_fd) < 0 || map_dma(n, container) < 0) {
		perror("intx-e1000-rx: BAR0, bus master or DMA mapping");
		return 1;
	}
	nic_start(n);
	printf("ready\n");
	t0 = now();

	while (!stop && (!expect || n->good < expect)) {
		if (!direct) {
			/* -ENOTCONN: intxd is away (restarting); the next call
			 * reconnects and resubscribes; the mapping stays in the
			 * container intxd keeps */
			r = intx_dispatch(c, 100);
			if (r < 0 && r != -EINTR && r != -ENOTCONN) {
				fprintf(stderr, "intx-e1000-rx: %s\n", intx_strerror(r));
				break;
			}
		} else {
			if (direct_wait(&dd, 100) <= 0)
				continue;
			(void)handler(NULL, n);
			(void)direct_unmask(&dd);
		}
	}
	printf("summary frames=%lu good=%lu bad=%lu dup=%lu other=%lu irqs=%lu none=%lu seconds=%.3f\n",
	       n->frames, n->good, n->bad, n->dup, n->other, n->irqs, n->none, now() - t0);
	nic_stop(n);
	/* Our mappings are ours to undo (intxd unmaps what a driver that
	 * died left; libintx(3), "DMA").  Ask again: a reconnect replaced
	 * the fd. */
	unmap_dma(direct ? container : intx_dma_fd(c, dev));
	intx_close(c);
	if (direct)
		direct_close(&dd);
	return 0;
}
