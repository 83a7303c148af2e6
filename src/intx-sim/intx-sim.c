/* SPDX-License-Identifier: MIT */
/*
 * intx-sim - drive a sim device from outside intxd, as the device and its
 * kernel driver would: create it, make it assert (raise), make it stop
 * asserting (lower: what its driver does to acknowledge it), show it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "simdev.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: intx-sim create DIR [--irq N] [--vendor ID] [--device ID]\n"
		"       intx-sim raise DIR...\n"
		"       intx-sim lower DIR...\n"
		"       intx-sim show [--json] DIR...\n");
}

static int parse_num(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "irq", required_argument, NULL, 'i' },
		{ "vendor", required_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	long irq = 11, vendor = 0x1234, device = 0x11e8;
	int o, r;

	while ((o = getopt_long(argc, argv, "i:v:d:", opts, NULL)) != -1) {
		long *dst = o == 'i' ? &irq : o == 'v' ? &vendor : o == 'd' ? &device : NULL;

		if (!dst) {
			usage(stderr);
			return 2;
		}
		if (parse_num(optarg, o == 'i' ? 254 : 0xffff, dst) < 0) {
			fprintf(stderr, "intx-sim: bad number '%s'\n", optarg);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	r = simdev_create(argv[optind], (int)irq, (uint16_t)vendor, (uint16_t)device);
	if (r < 0) {
		fprintf(stderr, "intx-sim: create %s: %s\n", argv[optind], strerror(-r));
		return 1;
	}
	return 0;
}

static void show(const char *dir, const struct simdev_state *st, int json)
{
	if (json) {
		/* the path is the user's: any byte but NUL */
		fputs("{\"path\":", stdout);
		json_str(stdout, dir, strlen(dir));
		printf(",\"vendor\":%u,\"device\":%u,\"command\":%u,"
		       "\"status\":%u,\"irq\":%u,\"asserting\":%s,\"masked\":%s,"
		       "\"serviced\":%s}\n",
		       st->vendor, st->device, st->command, st->status,
		       st->irq_line, st->asserting ? "true" : "false",
		       st->masked ? "true" : "false", st->serviced ? "true" : "false");
		return;
	}
	printf("%s: %04x:%04x irq %u command 0x%04x status 0x%04x %s %s %s\n", dir,
	       st->vendor, st->device, st->irq_line, st->command, st->status,
	       st->asserting ? "asserting" : "quiet",
	       st->masked ? "masked" : "unmasked",
	       st->serviced ? "serviced" : "unserviced");
}

int main(int argc, char **argv)
{
	const char *cmd;
	int i, json = 0, status = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* a raise writes to the device's FIFO; intxd stopping meanwhile is
	 * no reason to die (simdev.h) */
	signal(SIGPIPE, SIG_IGN);
	cmd = argv[1];
	if (strcmp(cmd, "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "raise") && strcmp(cmd, "lower") && strcmp(cmd, "show")) {
		usage(stderr);
		return 2;
	}
	i = 2;
	if (strcmp(cmd, "show") == 0 && i < argc && strcmp(argv[i], "--json") == 0) {
		json = 1;
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		struct simdev s;
		struct simdev_state st;
		int r = simdev_open(&s, argv[i]);

		if (r == 0) {
			if (cmd[0] == 'r')
				r = simdev_raise(&s);
			else if (cmd[0] == 'l')
				r = simdev_lower(&s);
			else if ((r = simdev_state(&s, &st)) == 0)
				show(argv[i], &st, json);
			simdev_close(&s);
		}
		if (r < 0) {
			fprintf(stderr, "intx-sim: %s %s: %s\n", cmd, argv[i],
				r == -ENODEV ? "not a sim device" : strerror(-r));
			status = 1;
		}
	}
	return status;
}
