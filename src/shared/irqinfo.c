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
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	return cpulist_parse(buf, out);
}

int64_t irqinfo_interrupts(const char *proc, int irq)
{
	char path[512], line[1024];
	unsigned ncpu = 0;
	int64_t sum = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/interrupts", proc);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	if (fgets(line, sizeof(line), fp))
		for (char *s = NULL, *t = strtok_r(line, " \t\n", &s); t;
		     t = strtok_r(NULL, " \t\n", &s))
			ncpu++;
	while (fgets(line, sizeof(line), fp)) {
		char *p = line, *end;
		long n;

		while (*p == ' ')
			p++;
		n = strtol(p, &end, 10);
		if (end == p || *end != ':' || n != irq)
			continue;
		p = end + 1;
		sum = 0;
		for (unsigned c = 0; c < ncpu; c++) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
		break;
	}
	fclose(fp);
	return sum;
}
