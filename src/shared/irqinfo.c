/* SPDX-License-Identifier: MIT */
/* irqinfo.c - see irqinfo.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpulist.h"
#include "irqinfo.h"

/* A small text file whole into buf (NUL-terminated): its length, or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

static int64_t field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

int irqinfo_spurious(const char *proc, int irq, struct irq_spurious *out)
{
	char path[512], buf[256];
	int r;

	snprintf(path, sizeof(path), "%s/irq/%d/spurious", proc, irq);
	r = read_text(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	out->count = field(buf, "count ");
	/* "last_unhandled" contains "unhandled": match it at a line start */
	out->unhandled = strncmp(buf, "unhandled ", 10) == 0 ?
				 field(buf, "unhandled ") : field(buf, "\nunhandled ");
	out->last_unhandled_ms = field(buf, "last_unhandled ");
	return 0;
}

int irqinfo_affinity(const char *proc, int irq, cpu_set_t *out)
{
	char path[512], buf[4096];
	int r;

	snprintf(path, sizeof(path), "%s/irq/%d/effective_affinity_list", proc, irq);
	r = read_text(path, buf, sizeof(buf));
	if (r == -ENOENT) {
		/* a kernel without CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK has no
		 * effective affinity: the CPUs the IRQ may go to are the best known */
		snprintf(path, sizeof(path), "%s/irq/%d/smp_affinity_list", proc, irq);
		r = read_text(path, buf, sizeof(buf));
	}
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	return cpulist_parse(buf, out);
}

int irqinfo_interrupts_many(const char *proc, const int *irqs, int64_t *counts,
			    unsigned n)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	unsigned ncpu = 0, found = 0, i;
	FILE *fp;

	for (i = 0; i < n; i++)
		counts[i] = -1;
	snprintf(path, sizeof(path), "%s/interrupts", proc);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	/* getline: a line of a many-CPU machine is longer than any fixed
	 * buffer (11 characters a CPU), and a cut line would lose counts */
	if (getline(&line, &cap, fp) > 0)
		for (char *s = NULL, *t = strtok_r(line, " \t\n", &s); t;
		     t = strtok_r(NULL, " \t\n", &s))
			ncpu++;
	while (found < n && getline(&line, &cap, fp) > 0) {
		char *p = line, *end;
		int64_t sum = 0;
		long irq;

		while (*p == ' ')
			p++;
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		for (i = 0; i < n && irqs[i] != irq; i++)
			;
		if (i == n)
			continue;
		p = end + 1;
		for (unsigned c = 0; c < ncpu; c++) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
		/* the same IRQ listed twice in irqs gets the count each time */
		for (; i < n; i++)
			if (irqs[i] == irq && counts[i] < 0) {
				counts[i] = sum;
				found++;
			}
	}
	free(line);
	fclose(fp);
	return (int)found;
}

int64_t irqinfo_interrupts(const char *proc, int irq)
{
	int64_t count;

	(void)irqinfo_interrupts_many(proc, &irq, &count, 1);
	return count;
}
