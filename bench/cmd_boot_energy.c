/* SPDX-License-Identifier: MIT */
/*
 * `joulebench boot-energy`: the energy and time from power-on to ready of a board (the
 * cold start of hardware isolation, DESIGN §6), with the meter on the board's supply.
 * The user gives the commands: --power-on / --power-off (a relay, a smart plug's CLI) and
 * --ready (e.g. `ssh board true`), polled every --poll-s until it succeeds or --timeout-s
 * passes. Each of --runs boots starts from a board that has been off for --off-s, whose
 * power is metered too (the standby power of a switched-off board). One row of phase
 * `boot` per boot (results/README.md), which `joulebench overhead --board-csv` reads as
 * board_boot_j and board_boot_s. SIGINT/SIGTERM are blocked and polled with sigtimedwait,
 * so no handler (and no global) is needed, and the board is switched off before exiting.
 * This file: the command line and what it prints; protocol/boot.c: the protocol.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "cli.h"
#include "tfp.h"

static void
boot_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench boot-energy --power-on CMD --power-off CMD --ready CMD -m METER\n"
		"                              [OPTIONS]\n"
		"       joulebench boot-energy --relay host=H,uid=UID,channel=N --ready CMD -m METER\n"
		"                              [OPTIONS]\n\n"
		"Energy and time from power-on to ready of a board, metered on its supply; one\n"
		"CSV row of phase boot per boot (for joulebench overhead --board-csv).\n\n"
		"      --power-on CMD     shell command that switches the board's power on\n"
		"      --power-off CMD    shell command that switches it off\n"
		"      --relay OPTS       switch it with a TinkerForge Industrial Dual Relay\n"
		"                         Bricklet through brickd instead: host=H (localhost),\n"
		"                         port=P (4223), uid=UID, channel=0|1 (0)\n"
		"      --ready CMD        shell command that succeeds once the board is ready,\n"
		"                         e.g. 'ssh -o ConnectTimeout=1 board true'\n"
		"  -m, --meter NAME       the meter on the board's supply (ina219, hwmon,\n"
		"                         tinkerforge)\n"
		"      --meter-opts K=V,...  its options (docs/meters.md, docs/boards.md)\n"
		"      --domain LIST      its domains to sum (default: the meter's)\n"
		"  -r, --runs N           boots (default: 5)\n"
		"      --poll-s S         interval between readiness checks (default: 0.5)\n"
		"      --timeout-s S      a boot not ready by then is a timeout row (default: 120)\n"
		"      --off-s S          time off before each boot, metered (default: 5)\n"
		"      --board NAME       the host column of the rows (default: board)\n"
		"  -o, --output FILE      results CSV (default: runs/<UTC time>-boot-<pid>.csv)\n"
		"      --append           add the rows to FILE, an existing results CSV (the board's\n"
		"                         `joulebench run`); the sidecar is then FILE.boot.meta.json\n"
		"      --force            overwrite FILE if it exists\n"
		"  -q, --quiet            no context lines on stderr\n\n"
		"Exit: 0 ok (timeouts are rows), 1 failed (power-off failed, interrupted, write\n"
		"error), 2 bad usage, 77 the meter is not available here.\n");
}

static int
bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "joulebench boot-energy: bad value '%s' for %s: %s\n", val, opt, want);
	return CLI_EXIT_USAGE;
}

static const struct option boot_options[] = {
	{ "power-on", required_argument, NULL, 'N' },
	{ "power-off", required_argument, NULL, 'F' },
	{ "relay", required_argument, NULL, 'L' },
	{ "ready", required_argument, NULL, 'R' },
	{ "meter", required_argument, NULL, 'm' },
	{ "meter-opts", required_argument, NULL, 'O' },
	{ "domain", required_argument, NULL, 'D' },
	{ "runs", required_argument, NULL, 'r' },
	{ "poll-s", required_argument, NULL, 'P' },
	{ "timeout-s", required_argument, NULL, 'T' },
	{ "off-s", required_argument, NULL, 'S' },
	{ "board", required_argument, NULL, 'B' },
	{ "output", required_argument, NULL, 'o' },
	{ "append", no_argument, NULL, 'A' },
	{ "force", no_argument, NULL, 'f' },
	/* For tests: read hwmon sysfs files under another root (not in --help). */
	{ "sysfs-root", required_argument, NULL, 'Y' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
boot_notice(void *arg, const char *line)
{
	if (!*(const int *)arg)
		fprintf(stderr, "joulebench: %s\n", line);
}

static void
boot_error(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "joulebench boot-energy: %s\n", line);
}

/* The sidecar, and on "completed" the result line on stdout. 0 or -errno (printed). */
static int
boot_meta(struct boot_state *s, int argc, char **argv, const char *ended, int quiet)
{
	char json_path[4300];
	struct jb_err err = { 0 };
	double mj, ms;
	int rc = boot_energy_meta_write(s, argv, argc > 0 ? (size_t)argc : 0, ended, json_path,
					sizeof(json_path), &err);

	if (rc) {
		fprintf(stderr, "joulebench boot-energy: %s\n", err.msg);
		return rc;
	}
	if (!quiet)
		fprintf(stderr, "joulebench: metadata %s\n", json_path);
	if (!strcmp(ended, "completed")) {
		boot_energy_medians(s, &mj, &ms);
		printf("boots ok: %u of %u; median %.6g J, %.6g s from power-on to ready\n",
		       s->n_ok, s->o->runs, mj, ms);
	}
	return 0;
}

static int
boot_parse(struct boot_opts *o, int argc, char **argv, int *help, int *quiet)
{
	unsigned long long u;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:r:o:qh", boot_options, NULL)) != -1) {
		switch (c) {
		case 'N': o->on = optarg; break;
		case 'F': o->off = optarg; break;
		case 'L': o->relay = optarg; break;
		case 'R': o->ready = optarg; break;
		case 'm': o->meter = optarg; break;
		case 'O': o->ctx.meter_opts = optarg; break;
		case 'D': o->domains = optarg; break;
		case 'B': o->board = optarg; break;
		case 'o': o->out = optarg; break;
		case 'A': o->append = 1; break;
		case 'f': o->force = 1; break;
		case 'Y': o->ctx.sysfs_root = optarg; break;
		case 'q': *quiet = 1; break;
		case 'r':
			if (cli_parse_uint(optarg, BOOT_RUNS_MAX, &u) || u == 0)
				return bad("--runs", optarg, "a count from 1 to 1000");
			o->runs = (unsigned)u;
			break;
		case 'P':
			if (cli_parse_double(optarg, 0.01, 3600, &o->poll_s))
				return bad("--poll-s", optarg, "seconds from 0.01 to 3600");
			break;
		case 'T':
			if (cli_parse_double(optarg, 0.01, 86400, &o->timeout_s))
				return bad("--timeout-s", optarg, "seconds from 0.01 to 86400");
			break;
		case 'S':
			if (cli_parse_double(optarg, 0, 86400, &o->off_s))
				return bad("--off-s", optarg, "seconds from 0 to 86400");
			break;
		case 'h':
			boot_usage(stdout);
			*help = 1;
			return 0;
		case ':':
			fprintf(stderr, "joulebench boot-energy: %s needs a value\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		default:
			fprintf(stderr, "joulebench boot-energy: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "joulebench boot-energy: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (o->relay) {
		struct tfp_target t;
		char why[512];

		if (o->on || o->off) {
			fprintf(stderr, "joulebench boot-energy: --relay replaces --power-on and "
					"--power-off: give one or the other\n");
			return CLI_EXIT_USAGE;
		}
		if (tfp_target_parse(o->relay, 1, 1, &t, why, sizeof(why)))
			return bad("--relay", o->relay, why);
		if (!t.uid[0])
			return bad("--relay", o->relay, "uid= is required (host=H,port=P,uid=UID,"
				   "channel=0|1)");
	}
	if (o->relay && (!o->ready || !*o->ready)) {
		fprintf(stderr, "joulebench boot-energy: --ready is required (see --help)\n");
		return CLI_EXIT_USAGE;
	} else if (!o->relay && (!o->on || !o->off || !o->ready || !*o->on || !*o->off ||
				 !*o->ready)) {
		fprintf(stderr, "joulebench boot-energy: --power-on, --power-off and --ready are "
				"required (see --help)\n");
		return CLI_EXIT_USAGE;
	}
	if (!o->meter) {
		/* The best meter of this machine is the wrong one: the board has its own supply. */
		fprintf(stderr, "joulebench boot-energy: --meter is required: the meter on the "
				"board's supply (ina219, hwmon; docs/boards.md)\n");
		return CLI_EXIT_USAGE;
	}
	if (o->append && (!o->out || o->force)) {
		fprintf(stderr, "joulebench boot-energy: --append needs -o FILE and excludes "
				"--force\n");
		return CLI_EXIT_USAGE;
	}
	return 0;
}


int
cmd_boot_energy(int argc, char **argv)
{
	struct boot_opts o = { .board = "board", .poll_s = 0.5, .timeout_s = 120, .off_s = 5,
			       .runs = 5, .ctx = { .sysfs_root = "/sys" } };
	struct boot_state *s;
	const struct meter_ops *ops;
	struct jb_err err = { 0 };
	const char *ended = "completed";
	int help = 0, quiet = 0, code, rc = 0;
	unsigned i;

	o.events = (struct boot_events){ .arg = &quiet, .notice = boot_notice,
					 .error = boot_error };
	code = boot_parse(&o, argc, argv, &help, &quiet);
	if (code || help)
		return code;
	ops = cli_meter_pick_external(o.meter, &o.ctx, quiet, &code);
	if (!ops)
		return code;
	if (ops->kind == METER_KIND_MODELED && !quiet)
		fprintf(stderr, "joulebench boot-energy: warning: the %s meter estimates this "
				"machine, not the board\n", ops->name);
	s = calloc(1, sizeof(*s));
	if (!s)
		return CLI_EXIT_FAILED;
	s->o = &o;
	sigemptyset(&s->stop_set);
	sigaddset(&s->stop_set, SIGINT);
	sigaddset(&s->stop_set, SIGTERM);
	if (meter_open(&s->m, ops, &o.ctx, &err)) {
		fprintf(stderr, "joulebench boot-energy: %s\n", err.msg);
		free(s);
		return CLI_EXIT_UNAVAILABLE;
	}
	if (o.domains && meter_select(&s->m, o.domains, &err)) {
		fprintf(stderr, "joulebench boot-energy: %s\n", err.msg);
		code = CLI_EXIT_USAGE;
		goto out_meter;
	}
	if (boot_energy_open_output(s, &err)) {
		fprintf(stderr, "joulebench boot-energy: %s\n", err.msg);
		code = o.out ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
		goto out_meter;
	}
	/* Blocked, then collected by sigtimedwait() while waiting: see the file comment. */
	sigprocmask(SIG_BLOCK, &s->stop_set, NULL);
	if (!quiet)
		fprintf(stderr, "joulebench: boot-energy %s: %u boot(s) of %s, meter %s (%s), "
				"off %.3g s before each\n", s->run_id, o.runs, o.board, ops->name,
			s->m.selection, o.off_s);
	rc = boot_energy_power_off(s);
	for (i = 0; i < o.runs && !rc && !s->stopped; i++) {
		rc = boot_energy_boot_one(s, i);
		if (!rc)
			rc = boot_energy_power_off(s);
	}
	if (s->stopped || rc == -EINTR) {
		/* Whatever was interrupted, leave the board switched off; a second signal
		 * does not cut that short (it stays pending and is discarded at exit). */
		s->finishing = 1;
		(void)boot_energy_power(s, "--power-off", o.off);
		ended = "interrupted";
		fprintf(stderr, "joulebench boot-energy: interrupted; %u row(s) kept in %s\n",
			s->n_rows, s->path);
		code = CLI_EXIT_FAILED;
	} else if (rc) {
		ended = "error";
		fprintf(stderr, "joulebench boot-energy: stopped: %s; %u row(s) kept in %s\n",
			rc == -EIO ? "the --power-off command failed, the board may be on"
				   : jb_strerror(rc), s->n_rows, s->path);
		code = CLI_EXIT_FAILED;
	}
	if (results_writer_close(s->w, &err)) {
		fprintf(stderr, "joulebench boot-energy: %s\n", err.msg);
		code = CLI_EXIT_FAILED;
	}
	if (boot_meta(s, argc, argv, ended, quiet))
		code = CLI_EXIT_FAILED;
	if (!quiet)
		fprintf(stderr, "joulebench: %u row(s) in %s\n", s->n_rows, s->path);
	sigprocmask(SIG_UNBLOCK, &s->stop_set, NULL);
out_meter:
	meter_close(&s->m);
	free(s);
	return code;
}
