/* SPDX-License-Identifier: MIT */
/*
 * e1000-send IFNAME FIRST COUNT [LEN [PROGRESS WINDOW]] - send COUNT frames
 * of EtherType 0x88b5 to the broadcast address from IFNAME through a raw
 * AF_PACKET socket, numbered FIRST.. : "INTXE1000", the 32-bit big-endian
 * sequence number, then byte i = (seq + i) & 0xff up to LEN bytes (default
 * 256) - the pattern contrib/intx-e1000-rx checks.  Prints "sent N".
 *
 * PROGRESS WINDOW: flow control.  PROGRESS is the receiving driver's
 * output, read as it grows ("frame seq=S" lines): at most WINDOW frames
 * are on the way.  Under TCG the sender's transmit runs the receiving
 * e1000 synchronously on the same CPU, so an unpaced burst overruns any
 * receive ring before its driver runs; the receiver's pace is what is
 * measured.  Gives up (exit 1) when the receiver stops for 30 s (a bound
 * on a hang).
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

/* Frames of [first, end) the receiver reported so far, read from fd. */
static unsigned long got;
static char buf[8192];
static size_t have;

static void progress(int fd, unsigned long first, unsigned long end)
{
	ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
	char *p, *nl;

	if (n <= 0) {
		sched_yield();
		return;
	}
	have += (size_t)n;
	buf[have] = 0;
	for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
		unsigned long seq;

		if (sscanf(p, "frame seq=%lu", &seq) == 1 && seq >= first && seq < end)
			got++;
	}
	have -= (size_t)(p - buf);
	memmove(buf, p, have);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
	unsigned char f[1514];
	struct ifreq ifr;
	unsigned long first, count, i;
	unsigned len, k;
	unsigned long window = 0;
	int s, pfd = -1;
	double last;

	if (argc < 4) {
		fprintf(stderr, "usage: e1000-send IFNAME FIRST COUNT [LEN]\n");
		return 2;
	}
	first = strtoul(argv[2], NULL, 0);
	count = strtoul(argv[3], NULL, 0);
	len = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 256;
	if (len < 60 || len > sizeof(f))
		return 2;
	if (argc > 6) {
		pfd = open(argv[5], O_RDONLY | O_CLOEXEC);
		window = strtoul(argv[6], NULL, 0);
		if (pfd < 0 || !window) {
			perror("e1000-send: progress");
			return 2;
		}
		lseek(pfd, 0, SEEK_END); /* only what comes from now on */
	}
	s = socket(AF_PACKET, SOCK_RAW, htons(0x88b5));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		perror("e1000-send: socket");
		return 1;
	}
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	memset(to.sll_addr, 0xff, 6);
	memset(f, 0xff, 6);
	memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	memcpy(f + 14, "INTXE1000", 9);
	for (i = first; i < first + count; i++) {
		uint32_t seq = (uint32_t)i;

		for (last = now(); pfd >= 0 && i - first >= got + window;) {
			unsigned long before = got;

			progress(pfd, first, first + count);
			if (got != before)
				last = now();
			else if (now() - last > 30) {
				fprintf(stderr, "e1000-send: the receiver stopped at %lu of %lu\n",
					got, count);
				return 1;
			}
		}

		f[23] = (unsigned char)(seq >> 24);
		f[24] = (unsigned char)(seq >> 16);
		f[25] = (unsigned char)(seq >> 8);
		f[26] = (unsigned char)seq;
		for (k = 27; k < len; k++)
			f[k] = (unsigned char)(seq + k - 27);
		if (sendto(s, f, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
			perror("e1000-send: sendto");
			return 1;
		}
	}
	printf("sent %lu\n", count);
	return 0;
}
