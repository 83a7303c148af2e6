/* SPDX-License-Identifier: MIT */
/*
 * check-conf.c - conf_load(): what valid configs turn into, and the exact
 * message of every kind of error.  Configs are written to a fresh mkdtemp
 * directory per test; errors are caught with open_memstream.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "check-run.h"
#include "conf.h"

static char dir[] = "/tmp/check-conf.XXXXXX";
static const char *case_name = ""; /* names a table case in failures */
static char main_path[sizeof(dir) + 32];

static void setup(void)
{
	strcpy(dir, "/tmp/check-conf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(main_path, sizeof(main_path), "%s/intxd.conf", dir);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text to dir/name (name may contain "intxd.conf.d/"). */
static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void put_dropin_dir(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/intxd.conf.d", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* "@F" stands for the main file's path, "@D" for the test directory. */
static char *expand(const char *tmpl)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *s;

	ck_assert_ptr_nonnull(f);
	for (s = tmpl; *s; s++) {
		if (s[0] == '@' && s[1] == 'F') {
			fputs(main_path, f);
			s++;
		} else if (s[0] == '@' && s[1] == 'D') {
			fputs(dir, f);
			s++;
		} else {
			fputc(*s, f);
		}
	}
	fclose(f);
	return out;
}

/* Load main_path; *errs gets everything written to the error stream. */
static int load(struct conf **c, char **errs)
{
	size_t len = 0;
	FILE *f;
	int r;

	*errs = NULL;
	f = open_memstream(errs, &len);
	ck_assert_ptr_nonnull(f);
	r = conf_load(main_path, f, c);
	fclose(f);
	return r;
}

/* Load main_path, which must be valid: no error output at all. */
static struct conf *load_ok(void)
{
	struct conf *c = NULL;
	char *errs;
	int r = load(&c, &errs);

	ck_assert_msg(r == 0, "conf_load: %d (%s)\n%s", r, strerror(-r), errs);
	ck_assert_str_eq(errs, "");
	ck_assert_ptr_nonnull(c);
	free(errs);
	return c;
}

/* Load main_path, which must fail with rc and exactly these messages. */
static void load_bad(int rc, const char *expected)
{
	struct conf *c = (struct conf *)&c; /* must stay untouched */
	char *errs, *want = expand(expected);
	int r = load(&c, &errs);

	ck_assert_msg(r == rc, "%s: conf_load: %d, expected %d; output:\n%s",
		      case_name, r, rc, errs);
	ck_assert_ptr_eq(c, (struct conf *)&c);
	ck_assert_msg(!strcmp(errs, want), "%s: got:\n%swanted:\n%s", case_name, errs, want);
	free(want);
	free(errs);
}

START_TEST(test_defaults)
{
	struct conf *c;

	put("intxd.conf", "; nothing but a comment\n\n");
	c = load_ok();
	ck_assert_str_eq(c->socket, INTX_DEFAULT_SOCKET);
	ck_assert_uint_eq(c->socket_mode, 0660);
	ck_assert_int_eq(c->socket_gid, -1);
	ck_assert_int_eq(c->admin_gid, -1);
	ck_assert_int_eq(c->log_level, -1);
	ck_assert_int_eq(c->mode, INTX_MODE_SELECTIVE);
	ck_assert_int_eq(c->ack_timeout_ms, 1000);
	ck_assert_int_eq(c->storm_limit, 100000);
	ck_assert_uint_eq(c->ndevices, 0);
	ck_assert_uint_eq(c->nclients, 0);
	conf_free(c);

	put("intxd.conf", "");
	conf_free(load_ok());
	put("intxd.conf", "[intxd]\n");
	conf_free(load_ok());
}
END_TEST

START_TEST(test_globals)
{
	struct conf *c;

	put("intxd.conf",
	    "[intxd]\n"
	    "socket = /run/test/s.sock\n"
	    "socket-mode = 0600\n"
	    "socket-group = root\n"
	    "admin-group = root\n"
	    "log-level = debug\n"
	    "mode = broadcast\n"
	    "ack-timeout-ms = 0\n"
	    "storm-limit = 0 ; no limit\n");
	c = load_ok();
	ck_assert_str_eq(c->socket, "/run/test/s.sock");
	ck_assert_uint_eq(c->socket_mode, 0600);
	ck_assert_int_eq(c->socket_gid, 0);
	ck_assert_int_eq(c->admin_gid, 0);
	ck_assert_int_eq(c->log_level, LOG_DEBUG);
	ck_assert_int_eq(c->mode, INTX_MODE_BROADCAST);
	ck_assert_int_eq(c->ack_timeout_ms, 0);
	ck_assert_int_eq(c->storm_limit, 0);
	conf_free(c);

	put("intxd.conf",
	    "[intxd]\n"
	    "socket-group = 4321\n"
	    "admin-group = 4322\n"
	    "log-level = warning\n"
	    "socket-mode = 777\n"
	    "mode = selective\n"
	    "ack-timeout-ms = 3600000\n"
	    "storm-limit = 100000000\n");
	c = load_ok();
	ck_assert_int_eq(c->socket_gid, 4321);
	ck_assert_int_eq(c->admin_gid, 4322);
	ck_assert_int_eq(c->log_level, LOG_WARNING);
	ck_assert_uint_eq(c->socket_mode, 0777);
	ck_assert_int_eq(c->mode, INTX_MODE_SELECTIVE);
	ck_assert_int_eq(c->ack_timeout_ms, 3600000);
	ck_assert_int_eq(c->storm_limit, 100000000);
	conf_free(c);
}
END_TEST

/* The keys of fault handling, the scan, the limits and the privilege drop. */
START_TEST(test_fault_keys)
{
	struct conf *c;

	put("intxd.conf", "");
	c = load_ok();
	ck_assert_int_eq(c->scan, CONF_SCAN_SIGNALLED);
	ck_assert_int_eq(c->ack_policy, CONF_ACK_WAIT);
	ck_assert_uint_eq(c->max_sessions, 1024);
	ck_assert_uint_eq(c->max_sessions_per_uid, 64);
	ck_assert_int_eq(c->run_uid, -1);
	conf_free(c);

	put("intxd.conf",
	    "[intxd]\n"
	    "scan = line\n"
	    "ack-timeout-policy = redeliver\n"
	    "max-sessions = 4096\n"
	    "max-sessions-per-uid = 0\n"
	    "user = root\n"
	    "[device d]\nbackend = sim\npath = /x\n"
	    "[client a]\nuid = 7\ndevices = d\nack-timeout-policy = drop\n"
	    "[client b]\nuid = 8\ndevices = d\n");
	c = load_ok();
	ck_assert_int_eq(c->scan, CONF_SCAN_LINE);
	ck_assert_int_eq(c->ack_policy, CONF_ACK_REDELIVER);
	ck_assert_uint_eq(c->max_sessions, 4096);
	ck_assert_uint_eq(c->max_sessions_per_uid, 0);
	ck_assert_int_eq(c->run_uid, 0);
	ck_assert_int_eq(c->run_gid, 0);
	ck_assert_int_eq(c->clients[0].ack_policy, CONF_ACK_DROP);
	ck_assert_int_eq(c->clients[1].ack_policy, -1); /* the global one */
	conf_free(c);
}
END_TEST

/* cpu = and spin-us = (issue 11): the values each one turns into. */
START_TEST(test_placement_keys)
{
	static const struct {
		const char *value;
		int cpu;
		int set[6]; /* the CPUs expected in conf.cpus, -1 ends */
	} good[] = {
		{ "none", CONF_CPU_NONE, { -1 } },
		{ "irq", CONF_CPU_IRQ, { -1 } },
		{ "0", CONF_CPU_LIST, { 0, -1 } },
		{ "0,2-3", CONF_CPU_LIST, { 0, 2, 3, -1 } },
		{ "5-5,1", CONF_CPU_LIST, { 1, 5, -1 } },
		{ "1023", CONF_CPU_LIST, { 1023, -1 } },
	};
	char text[128];
	struct conf *c;
	size_t i;

	put("intxd.conf", "");
	c = load_ok();
	ck_assert_int_eq(c->cpu, CONF_CPU_NONE);
	ck_assert_uint_eq(c->spin_us, 0);
	conf_free(c);

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		unsigned n = 0;

		snprintf(text, sizeof(text), "[intxd]\ncpu = %s\nspin-us = %zu\n",
			 good[i].value, i * 200);
		put("intxd.conf", text);
		c = load_ok();
		ck_assert_msg(c->cpu == good[i].cpu, "cpu = %s", good[i].value);
		ck_assert_uint_eq(c->spin_us, i * 200);
		if (c->cpu == CONF_CPU_LIST) {
			for (n = 0; good[i].set[n] >= 0; n++)
				ck_assert_msg(CPU_ISSET(good[i].set[n], &c->cpus),
					      "cpu = %s: %d", good[i].value, good[i].set[n]);
			ck_assert_int_eq(CPU_COUNT(&c->cpus), (int)n);
		}
		conf_free(c);
	}
}
END_TEST

START_TEST(test_devices)
{
	struct conf *c;
	char *where;

	put("intxd.conf",
	    "[device nic0]\n"
	    "pci = 00:04.0\n"
	    "backend = uio\n"
	    "\n"
	    "[device disk0]\n"
	    "pci = 0000:0A:1F.7\n"
	    "backend = vfio\n"
	    "line = shared-1\n"
	    "\n"
	    "[ device  sim.0 ]   ; blanks inside the brackets are fine\n"
	    "backend = sim\n"
	    "path = /run/intxd/sim/sim0 ; a comment\n"
	    "[device sim_1]\n"
	    "backend = sim\n"
	    "path = /tmp/sim1\n"
	    "pci = 1234:ff:1f.0\n"
	    "line = auto\n");
	c = load_ok();
	ck_assert_uint_eq(c->ndevices, 4);

	ck_assert_str_eq(c->devices[0].name, "nic0");
	ck_assert_str_eq(c->devices[0].pci, "0000:00:04.0");
	ck_assert_str_eq(c->devices[0].backend, "uio");
	ck_assert_ptr_null(c->devices[0].path);
	ck_assert_str_eq(c->devices[0].line, "auto");
	ck_assert_str_eq(c->devices[0].where.file, main_path);
	ck_assert_uint_eq(c->devices[0].where.line, 1);

	ck_assert_str_eq(c->devices[1].name, "disk0");
	ck_assert_str_eq(c->devices[1].pci, "0000:0a:1f.7");
	ck_assert_str_eq(c->devices[1].backend, "vfio");
	ck_assert_str_eq(c->devices[1].line, "shared-1");
	ck_assert_uint_eq(c->devices[1].where.line, 5);

	ck_assert_str_eq(c->devices[2].name, "sim.0");
	ck_assert_str_eq(c->devices[2].pci, "");
	ck_assert_str_eq(c->devices[2].backend, "sim");
	ck_assert_str_eq(c->devices[2].path, "/run/intxd/sim/sim0");
	ck_assert_uint_eq(c->devices[2].where.line, 10);

	ck_assert_str_eq(c->devices[3].name, "sim_1");
	ck_assert_str_eq(c->devices[3].pci, "1234:ff:1f.0");
	ck_assert_str_eq(c->devices[3].path, "/tmp/sim1");

	ck_assert_int_eq(conf_device_find(c, "nic0"), 0);
	ck_assert_int_eq(conf_device_find(c, "sim_1"), 3);
	ck_assert_int_eq(conf_device_find(c, "nope"), -1);
	ck_assert_int_eq(conf_client_find(c, "nic0"), -1);
	where = c->devices[3].where.file;
	ck_assert_str_eq(where, main_path);
	conf_free(c);
}
END_TEST

static const struct {
	const char *in, *out; /* out NULL: invalid */
} pci_cases[] = {
	{ "00:04.0", "0000:00:04.0" },
	{ "0000:00:04.0", "0000:00:04.0" },
	{ "AB:1f.7", "0000:ab:1f.7" },
	{ "FfFf:Aa:0B.3", "ffff:aa:0b.3" },
	{ "00:20.0", NULL },     /* device has 5 bits */
	{ "00:04.8", NULL },     /* function has 3 bits */
	{ "0:04.0", NULL },
	{ "000:00:04.0", NULL },
	{ "00000:00:04.0", NULL },
	{ "00-04.0", NULL },
	{ "00:04:0", NULL },
	{ "0g:04.0", NULL },
	{ "0000:00:04.0x", NULL },
	{ "pci-0000:00:04.0", NULL },
};

START_TEST(test_pci)
{
	char text[256], want[512];
	struct conf *c;

	snprintf(text, sizeof(text), "[device d]\nbackend = uio\npci = %s\n", pci_cases[_i].in);
	put("intxd.conf", text);
	if (pci_cases[_i].out) {
		c = load_ok();
		ck_assert_str_eq(c->devices[0].pci, pci_cases[_i].out);
		conf_free(c);
	} else {
		snprintf(want, sizeof(want),
			 "@F:3: invalid value '%s' for 'pci': expected DDDD:BB:DD.F or BB:DD.F\n",
			 pci_cases[_i].in);
		load_bad(-EINVAL, want);
	}
}
END_TEST

START_TEST(test_clients)
{
	struct conf *c;

	put("intxd.conf",
	    "[client vm1]\n"
	    "user = root\n"
	    "devices = a,b c ,\td\n"
	    "\n"
	    "[client vm2]\n"
	    "group = root\n"
	    "ack-timeout-ms = 250\n"
	    "[client dpdk]\n"
	    "uid = 1001\n"
	    "gid = 1002\n"
	    "devices = d\n"
	    "[device a]\nbackend = uio\npci = 00:01.0\n"
	    "[device b]\nbackend = uio\npci = 00:02.0\n"
	    "[device c]\nbackend = uio\npci = 00:03.0\n"
	    "[device d]\nbackend = uio\npci = 00:04.0\n");
	c = load_ok();
	ck_assert_uint_eq(c->nclients, 3);

	ck_assert_str_eq(c->clients[0].name, "vm1");
	ck_assert_int_eq(c->clients[0].uid, 0);
	ck_assert_int_eq(c->clients[0].gid, -1);
	ck_assert_int_eq(c->clients[0].ack_timeout_ms, -1);
	ck_assert_uint_eq(c->clients[0].ndevices, 4);
	ck_assert_uint_eq(c->clients[0].devices[0], 0);
	ck_assert_uint_eq(c->clients[0].devices[1], 1);
	ck_assert_uint_eq(c->clients[0].devices[2], 2);
	ck_assert_uint_eq(c->clients[0].devices[3], 3);
	ck_assert_uint_eq(c->clients[0].where.line, 1);

	ck_assert_str_eq(c->clients[1].name, "vm2");
	ck_assert_int_eq(c->clients[1].uid, -1);
	ck_assert_int_eq(c->clients[1].gid, 0);
	ck_assert_int_eq(c->clients[1].ack_timeout_ms, 250);
	ck_assert_uint_eq(c->clients[1].ndevices, 0);
	ck_assert_ptr_null(c->clients[1].devices);

	ck_assert_str_eq(c->clients[2].name, "dpdk");
	ck_assert_int_eq(c->clients[2].uid, 1001);
	ck_assert_int_eq(c->clients[2].gid, 1002);
	ck_assert_uint_eq(c->clients[2].ndevices, 1);
	ck_assert_uint_eq(c->clients[2].devices[0], 3);

	ck_assert_int_eq(conf_client_find(c, "vm2"), 1);
	ck_assert_int_eq(conf_client_find(c, "a"), -1);
	conf_free(c);
}
END_TEST

START_TEST(test_dropins)
{
	char want[512];
	struct conf *c;

	put("intxd.conf",
	    "[intxd]\n"
	    "socket = /run/a.sock\n"
	    "mode = broadcast\n"
	    "[device main0]\nbackend = uio\npci = 00:01.0\n");
	put_dropin_dir();
	/* written out of order: read in byte order */
	put("intxd.conf.d/20-b.conf",
	    "[intxd]\n"
	    "socket = /run/b.sock ; a later file overrides\n"
	    "[device b0]\nbackend = sim\npath = /tmp/b0\n");
	put("intxd.conf.d/10-a.conf",
	    "[client vm1]\n"
	    "uid = 5\n"
	    "devices = b0 main0 ; b0 comes from a later file\n"
	    "[device a0]\nbackend = sim\npath = /tmp/a0\n");
	put("intxd.conf.d/README", "not a config\n");
	put("intxd.conf.d/30-c.conf.disabled", "[bad\n");
	put("intxd.conf.d/.99-hidden.conf", "[bad\n");
	put("intxd.conf.d/Z-upper.conf", "[device z0]\nbackend = sim\npath = /tmp/z0\n");
	c = load_ok();

	ck_assert_str_eq(c->socket, "/run/b.sock");
	ck_assert_int_eq(c->mode, INTX_MODE_BROADCAST);
	ck_assert_uint_eq(c->ndevices, 4);
	ck_assert_str_eq(c->devices[0].name, "main0");
	ck_assert_str_eq(c->devices[1].name, "a0");
	ck_assert_str_eq(c->devices[2].name, "b0");
	ck_assert_str_eq(c->devices[3].name, "z0"); /* 'Z' < 'a' but > '2' */
	snprintf(want, sizeof(want), "%s/intxd.conf.d/10-a.conf", dir);
	ck_assert_str_eq(c->devices[1].where.file, want);
	ck_assert_uint_eq(c->devices[1].where.line, 4);
	snprintf(want, sizeof(want), "%s/intxd.conf.d/20-b.conf", dir);
	ck_assert_str_eq(c->devices[2].where.file, want);

	ck_assert_uint_eq(c->nclients, 1);
	ck_assert_uint_eq(c->clients[0].ndevices, 2);
	ck_assert_uint_eq(c->clients[0].devices[0], 2);
	ck_assert_uint_eq(c->clients[0].devices[1], 0);
	conf_free(c);
}
END_TEST

START_TEST(test_redefine_across_files)
{
	put("intxd.conf",
	    "[device nic0]\nbackend = uio\npci = 00:01.0\n"
	    "[client vm1]\nuid = 1\n");
	put_dropin_dir();
	put("intxd.conf.d/10-x.conf",
	    "; a comment\n"
	    "[device nic0]\nbackend = uio\npci = 00:02.0\n"
	    "[client vm1]\nuid = 2\n");
	put("intxd.conf.d/20-y.conf",
	    "[intxd]\nmode = broadcast\n"
	    "[device nic1]\nbackend = vfio\npci = 00:01.0\n");
	load_bad(-EINVAL,
		 "@D/intxd.conf.d/10-x.conf:2: device 'nic0' already defined at @F:1\n"
		 "@D/intxd.conf.d/10-x.conf:5: client 'vm1' already defined at @F:4\n"
		 "@D/intxd.conf.d/20-y.conf:5: pci address 0000:00:01.0 already used by device 'nic0' at @F:1\n");
}
END_TEST

/* One config per kind of error, with the exact messages it must produce. */
static const struct {
	const char *what, *text, *errors;
} bad[] = {
	{ "cpu word", "[intxd]\ncpu = all\n",
	  "@F:2: invalid value 'all' for 'cpu': expected irq, none or a CPU list such as 0,2-3\n" },
	{ "cpu backwards", "[intxd]\ncpu = 3-1\n",
	  "@F:2: invalid value '3-1' for 'cpu': expected irq, none or a CPU list such as 0,2-3\n" },
	{ "cpu trailing comma", "[intxd]\ncpu = 0,\n",
	  "@F:2: invalid value '0,' for 'cpu': expected irq, none or a CPU list such as 0,2-3\n" },
	{ "cpu blank", "[intxd]\ncpu = 0, 1\n",
	  "@F:2: invalid value '0, 1' for 'cpu': expected irq, none or a CPU list such as 0,2-3\n" },
	{ "cpu sign", "[intxd]\ncpu = -1\n",
	  "@F:2: invalid value '-1' for 'cpu': expected irq, none or a CPU list such as 0,2-3\n" },
	{ "cpu too big", "[intxd]\ncpu = 0-1024\n",
	  "@F:2: invalid value '0-1024' for 'cpu': CPU numbers go up to 1023\n" },
	{ "cpu in device", "[device d]\nbackend = sim\npath = /x\ncpu = 0\n",
	  "@F:4: unknown key 'cpu' in [device d]\n" },
	{ "spin-us too big", "[intxd]\nspin-us = 1001\n",
	  "@F:2: invalid value '1001' for 'spin-us': expected an integer from 0 to 1000\n" },
	{ "syntax, no '='", "[intxd]\nmode\n",
	  "@F:2: syntax error: expected 'key = value'\n" },
	{ "syntax, no ']'", "[device nic0\nbackend = uio\n",
	  "@F:1: syntax error: no ']' after section name\n" },
	{ "text after header", "[intxd] x\r\n",
	  "@F:1: unexpected text after section header: 'x'\n" },
	{ "key outside", "mode = selective\n[intxd]\n",
	  "@F:1: key 'mode' outside of any section\n" },
	{ "unknown section", "[intxd]\n[devices nic0]\nfoo = 1\n",
	  "@F:2: unknown section [devices nic0]\n" },
	{ "section case", "[Intxd]\n",
	  "@F:1: unknown section [Intxd]\n" },
	{ "device no name", "[device]\nbackend = uio\n",
	  "@F:1: section [device] needs a name\n" },
	{ "client no name", "[client  ]\n",
	  "@F:1: section [client] needs a name\n" },
	{ "intxd with name", "[intxd main]\n",
	  "@F:1: section [intxd] takes no name\n" },
	{ "bad name", "[device nic/0]\n",
	  "@F:1: invalid device name 'nic/0' (allowed: A-Z a-z 0-9 _ . -)\n" },
	{ "name with blank", "[client vm 1]\n",
	  "@F:1: invalid client name 'vm 1' (allowed: A-Z a-z 0-9 _ . -)\n" },
	{ "name too long",
	  "[device d123456789d123456789d123456789d123456789d123456789d123456789d123]\n",
	  "@F:1: device name 'd123456789d123456789d123456789d123456789d123456789d123456789d123' "
	  "too long (at most 63 characters)\n" },
	{ "redefined device",
	  "[device a]\nbackend = sim\npath = /a\n[device a]\nbackend = sim\npath = /b\n",
	  "@F:4: device 'a' already defined at @F:1\n" },
	{ "unknown key", "[intxd]\n\n\nfoo = 1\n",
	  "@F:4: unknown key 'foo' in [intxd]\n" },
	{ "key of another section", "[device nic0]\nbackend = uio\npci = 00:01.0\nuser = root\n",
	  "@F:4: unknown key 'user' in [device nic0]\n" },
	{ "duplicate key", "[device nic0]\nbackend = uio\npci = 00:01.0\nbackend = vfio\n",
	  "@F:4: duplicate key 'backend' in [device nic0] (first at line 2)\n" },
	{ "duplicate key in two [intxd] of one file",
	  "[intxd]\nmode = broadcast\n[intxd]\nmode = selective\n",
	  "@F:4: duplicate key 'mode' in [intxd] (first at line 2)\n" },
	{ "empty value", "[intxd]\nsocket =\n",
	  "@F:2: empty value for 'socket' in [intxd]\n" },
	{ "not a number", "[intxd]\nack-timeout-ms = 10s\n",
	  "@F:2: invalid value '10s' for 'ack-timeout-ms': expected an integer from 0 to 3600000\n" },
	{ "negative", "[intxd]\nstorm-limit = -1\n",
	  "@F:2: invalid value '-1' for 'storm-limit': expected an integer from 0 to 100000000\n" },
	{ "sign", "[intxd]\nstorm-limit = +1\n",
	  "@F:2: invalid value '+1' for 'storm-limit': expected an integer from 0 to 100000000\n" },
	{ "too big", "[intxd]\nack-timeout-ms = 3600001\n",
	  "@F:2: invalid value '3600001' for 'ack-timeout-ms': expected an integer from 0 to 3600000\n" },
	{ "overflow", "[intxd]\nstorm-limit = 99999999999999999999999\n",
	  "@F:2: invalid value '99999999999999999999999' for 'storm-limit': "
	  "expected an integer from 0 to 100000000\n" },
	{ "uid range", "[client c]\nuid = 4294967295\n",
	  "@F:2: invalid value '4294967295' for 'uid': expected an integer from 0 to 4294967294\n" },
	{ "client ack", "[client c]\ngid = 1\nack-timeout-ms = x\n",
	  "@F:3: invalid value 'x' for 'ack-timeout-ms': expected an integer from 0 to 3600000\n" },
	{ "socket-mode", "[intxd]\nsocket-mode = 0789\n",
	  "@F:2: invalid value '0789' for 'socket-mode': expected an octal mode from 0 to 0777\n" },
	{ "socket-mode range", "[intxd]\nsocket-mode = 1777\n",
	  "@F:2: invalid value '1777' for 'socket-mode': expected an octal mode from 0 to 0777\n" },
	{ "mode", "[intxd]\nmode = Selective\n",
	  "@F:2: invalid value 'Selective' for 'mode': expected selective or broadcast\n" },
	{ "socket relative", "[intxd]\nsocket = run/intxd.sock\n",
	  "@F:2: invalid value 'run/intxd.sock' for 'socket': expected an absolute path\n" },
	{ "socket too long",
	  "[intxd]\nsocket = /123456789/123456789/123456789/123456789/123456789"
	  "/123456789/123456789/123456789/123456789/123456789/1234567\n",
	  "@F:2: invalid value '/123456789/123456789/123456789/123456789/123456789"
	  "/123456789/123456789/123456789/123456789/123456789/1234567' for 'socket': "
	  "longer than 107 characters\n" },
	{ "socket-group", "[intxd]\nsocket-group = intxd-no-such-group\n",
	  "@F:2: unknown group 'intxd-no-such-group'\n" },
	{ "admin-group", "[intxd]\nadmin-group = intxd-no-such-group\n",
	  "@F:2: unknown group 'intxd-no-such-group'\n" },
	{ "admin-group range", "[intxd]\nadmin-group = 4294967295\n",
	  "@F:2: invalid value '4294967295' for 'admin-group': expected an integer from 0 to 4294967294\n" },
	{ "log-level", "[intxd]\nlog-level = loud\n",
	  "@F:2: invalid value 'loud' for 'log-level': expected error, warning, notice, info or debug\n" },
	{ "log-level in a client", "[client c]\ngid = 1\nlog-level = debug\n",
	  "@F:3: unknown key 'log-level' in [client c]\n" },
	{ "unknown user", "[client c]\nuser = intxd-no-such-user\n",
	  "@F:2: unknown user 'intxd-no-such-user'\n" },
	{ "unknown group", "[client c]\ngroup = intxd-no-such-group\n",
	  "@F:2: unknown group 'intxd-no-such-group'\n" },
	{ "user and uid", "[client c]\nuid = 0\nuser = root\n",
	  "@F:3: 'user' and 'uid' (line 2) both given in [client c]; use one\n" },
	{ "gid and group", "[client c]\ngroup = root\ngid = 0\n",
	  "@F:3: 'gid' and 'group' (line 2) both given in [client c]; use one\n" },
	{ "client without identity", "[client c]\nack-timeout-ms = 5\n",
	  "@F:1: [client c]: needs at least one of user, uid, group, gid\n" },
	{ "unknown device", "[client c]\nuid = 1\ndevices = nic0, nic1\n[device nic0]\nbackend = sim\npath = /x\n",
	  "@F:3: unknown device 'nic1' in 'devices' of [client c]\n" },
	{ "device twice", "[client c]\nuid = 1\ndevices = nic0 nic0\n[device nic0]\nbackend = sim\npath = /x\n",
	  "@F:3: device 'nic0' listed twice in 'devices' of [client c]\n" },
	{ "no devices", "[client c]\nuid = 1\ndevices = , ,\n",
	  "@F:3: no device names in 'devices' of [client c]\n" },
	{ "backend", "[device d]\nbackend = pci\npci = 00:01.0\n",
	  "@F:2: invalid value 'pci' for 'backend': expected uio, vfio or sim\n" },
	{ "no backend", "[device d]\npci = 00:01.0\n",
	  "@F:1: [device d]: missing key 'backend'\n" },
	{ "empty device", "[device d]\n",
	  "@F:1: [device d]: missing key 'backend'\n" },
	{ "uio without pci", "\n[device d]\nbackend = uio\n",
	  "@F:2: [device d]: backend uio needs 'pci'\n" },
	{ "vfio without pci", "[device d]\nbackend = vfio\n",
	  "@F:1: [device d]: backend vfio needs 'pci'\n" },
	{ "sim without path", "[device d]\nbackend = sim\npci = 00:01.0\n",
	  "@F:1: [device d]: backend sim needs 'path'\n" },
	{ "path without sim", "[device d]\npath = /x\nbackend = vfio\npci = 00:01.0\n",
	  "@F:2: 'path' is only valid with backend sim in [device d]\n" },
	{ "relative path", "[device d]\nbackend = sim\npath = sim/d\n",
	  "@F:3: invalid value 'sim/d' for 'path': expected an absolute path\n" },
	{ "same path", "[device d]\nbackend = sim\npath = /x\n[device e]\nbackend = sim\npath = /x\n",
	  "@F:6: path /x already used by device 'd' at @F:1\n" },
	{ "same pci", "[device d]\nbackend = uio\npci = 00:01.0\n"
		      "[device e]\nbackend = vfio\npci = 0000:00:01.0\n",
	  "@F:6: pci address 0000:00:01.0 already used by device 'd' at @F:1\n" },
	{ "line name", "[device d]\nbackend = sim\npath = /x\nline = irq 10\n",
	  "@F:4: invalid value 'irq 10' for 'line': expected auto or a name of at most "
	  "63 characters from A-Z a-z 0-9 _ . -\n" },
	{ "NUL byte", "[intxd]\nmode = sel\0ective\n",
	  "@F:2: NUL byte in line\n" },
};

/* the fixtures hold a NUL byte: write them with their real length */
static size_t bad_len(unsigned i)
{
	const char *s = bad[i].text;

	if (!strcmp(bad[i].what, "NUL byte"))
		return strlen(s) + 1 + strlen(s + strlen(s) + 1);
	return strlen(s);
}

START_TEST(test_bad)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/intxd.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(bad[_i].text, 1, bad_len(_i), f), bad_len(_i));
	fclose(f);
	case_name = bad[_i].what;
	load_bad(-EINVAL, bad[_i].errors);
}
END_TEST

START_TEST(test_all_errors_in_order)
{
	put("intxd.conf",
	    "[client c]\n"                  /* 1: no identity, found at its end */
	    "devices = nope\n"              /* 2: resolved after all files */
	    "[device d]\n"                  /* 3: missing backend */
	    "pci = zz\n"                    /* 4 */
	    "bogus\n"                       /* 5 */
	    "[intxd]\n"
	    "mode = x\n"                    /* 7 */
	    "mode = y\n"                    /* 8 */
	    "[device d]\n"                  /* 9: redefined: its keys are ignored */
	    "foo = bar\n");
	load_bad(-EINVAL,
		 "@F:1: [client c]: needs at least one of user, uid, group, gid\n"
		 "@F:2: unknown device 'nope' in 'devices' of [client c]\n"
		 "@F:3: [device d]: missing key 'backend'\n"
		 "@F:4: invalid value 'zz' for 'pci': expected DDDD:BB:DD.F or BB:DD.F\n"
		 "@F:5: syntax error: expected 'key = value'\n"
		 "@F:7: invalid value 'x' for 'mode': expected selective or broadcast\n"
		 "@F:8: duplicate key 'mode' in [intxd] (first at line 7)\n"
		 "@F:9: device 'd' already defined at @F:3\n");
}
END_TEST

START_TEST(test_bad_section_keys_ignored)
{
	/* after a header that is wrong, its keys are not blamed on anyone */
	put("intxd.conf",
	    "[intxd]\n"
	    "[device bad name]\n"
	    "backend = uio\n"
	    "[device oops\n"
	    "mode = broadcast\n"
	    "[what]\n"
	    "x = 1\n");
	load_bad(-EINVAL,
		 "@F:2: invalid device name 'bad name' (allowed: A-Z a-z 0-9 _ . -)\n"
		 "@F:4: syntax error: no ']' after section name\n"
		 "@F:6: unknown section [what]\n");
}
END_TEST

START_TEST(test_long_lines_and_names)
{
	char text[1024], name[INTX_NAME_MAX], *errs;
	struct conf *c = NULL;
	int r;

	/* inih cuts section names at 49 bytes; ours may be 63 */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text), "[device %s]\nbackend = sim\npath = /x\n"
		 "[client %s]\nuid = 1\ndevices = %s\n", name, name, name);
	put("intxd.conf", text);
	c = load_ok();
	ck_assert_str_eq(c->devices[0].name, name);
	ck_assert_str_eq(c->clients[0].name, name);
	ck_assert_uint_eq(c->clients[0].ndevices, 1);
	conf_free(c);

	/* a line inih cannot hold in one piece is an error, not two lines */
	snprintf(text, sizeof(text), "[intxd]\nsocket = /%0400d\nmode = x\n", 0);
	put("intxd.conf", text);
	r = load(&c, &errs);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_msg(strstr(errs, ":2: line too long (at most ") != NULL, "%s", errs);
	ck_assert_msg(strstr(errs, ":3: invalid value 'x' for 'mode'") != NULL, "%s", errs);
	free(errs);
}
END_TEST

START_TEST(test_syntax_variants)
{
	struct conf *c;

	/* BOM, CRLF, indentation, ':' as separator, # comments */
	put("intxd.conf",
	    "\xef\xbb\xbf[intxd]\r\n"
	    "  mode = broadcast\r\n"
	    "\t# comment\r\n"
	    "storm-limit: 7\r\n"
	    "[device d]   # trailing comment\n"
	    "    backend = sim\n"
	    "    path = /tmp/a;b\n");
	c = load_ok();
	ck_assert_int_eq(c->mode, INTX_MODE_BROADCAST);
	ck_assert_int_eq(c->storm_limit, 7);
	ck_assert_str_eq(c->devices[0].path, "/tmp/a;b");
	conf_free(c);
}
END_TEST

START_TEST(test_limits)
{
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);
	struct conf *c;
	unsigned i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < CONF_DEVICES_MAX; i++)
		fprintf(f, "[device d%u]\nbackend = sim\npath = /s/%u\n", i, i);
	for (i = 0; i < CONF_CLIENTS_MAX; i++)
		fprintf(f, "[client c%u]\nuid = %u\n", i, i);
	fclose(f);
	put("intxd.conf", text);
	c = load_ok();
	ck_assert_uint_eq(c->ndevices, CONF_DEVICES_MAX);
	ck_assert_uint_eq(c->nclients, CONF_CLIENTS_MAX);
	conf_free(c);

	/* one more of each, in a drop-in */
	put_dropin_dir();
	put("intxd.conf.d/x.conf", "[device more]\nbackend = sim\npath = /more\n"
				   "[client more]\nuid = 1\n");
	load_bad(-EINVAL,
		 "@D/intxd.conf.d/x.conf:1: too many devices (at most 1024)\n"
		 "@D/intxd.conf.d/x.conf:4: too many clients (at most 1024)\n");
	free(text);
}
END_TEST

START_TEST(test_files)
{
	char path[512];

	/* no main file: -ENOENT, so the daemon can tell it from a bad one */
	load_bad(-ENOENT, "@F: cannot open: No such file or directory\n");

	ck_assert_int_eq(mkdir(main_path, 0755), 0);
	load_bad(-EISDIR, "@F: cannot read: Is a directory\n");
	ck_assert_int_eq(rmdir(main_path), 0);

	/* "<path>.d" that is not a directory */
	put("intxd.conf", "[intxd]\n");
	put("intxd.conf.d", "");
	load_bad(-EINVAL, "@F.d: cannot read directory: Not a directory\n");
	snprintf(path, sizeof(path), "%s/intxd.conf.d", dir);
	ck_assert_int_eq(unlink(path), 0);

	/* a drop-in we cannot read makes the whole config bad */
	put_dropin_dir();
	snprintf(path, sizeof(path), "%s/intxd.conf.d/10-gone.conf", dir);
	ck_assert_int_eq(symlink("/nonexistent/intxd-test", path), 0);
	load_bad(-EINVAL, "@D/intxd.conf.d/10-gone.conf: cannot open: No such file or directory\n");
}
END_TEST

START_TEST(test_free_null)
{
	conf_free(NULL);
	/* a NULL error stream is allowed */
	put("intxd.conf", "[intxd]\nmode = x\n");
	{
		struct conf *c = NULL;

		ck_assert_int_eq(conf_load(main_path, NULL, &c), -EINVAL);
		ck_assert_ptr_null(c);
	}
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *t = tcase_create("conf");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_defaults);
	tcase_add_test(t, test_globals);
	tcase_add_test(t, test_fault_keys);
	tcase_add_test(t, test_placement_keys);
	tcase_add_test(t, test_devices);
	tcase_add_loop_test(t, test_pci, 0, sizeof(pci_cases) / sizeof(pci_cases[0]));
	tcase_add_test(t, test_clients);
	tcase_add_test(t, test_dropins);
	tcase_add_test(t, test_redefine_across_files);
	tcase_add_loop_test(t, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(t, test_all_errors_in_order);
	tcase_add_test(t, test_bad_section_keys_ignored);
	tcase_add_test(t, test_long_lines_and_names);
	tcase_add_test(t, test_syntax_variants);
	tcase_add_test(t, test_limits);
	tcase_add_test(t, test_files);
	tcase_add_test(t, test_free_null);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(conf_suite());
}
