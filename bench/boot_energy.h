/* SPDX-License-Identifier: MIT */
/*
 * The protocol of `joulebench boot-energy` (boot_energy.c), apart from its command line
 * (cmd_boot_energy.c): switching the board with the user's commands, polling readiness,
 * metering each boot into a row of phase boot, and the sidecar.
 */
#ifndef JB_BENCH_BOOT_ENERGY_H
#define JB_BENCH_BOOT_ENERGY_H

#include <signal.h>

#include "jb_ctx.h"
#include "meter.h"
#include "results.h"

#define BOOT_RUNS_MAX 1000

/* The command line (cmd_boot_energy.c); durations in seconds. */
struct boot_opts {
	const char *on, *off, *ready, *meter, *domains, *out, *board;
	double poll_s, timeout_s, off_s;
	unsigned runs;
	int force, append, quiet;
	struct jb_ctx ctx;
};

/* One boot-energy run: the open meter and CSV, and the medians' inputs. */
struct boot_state {
	const struct boot_opts *o;
	sigset_t stop_set; /* SIGINT and SIGTERM, blocked by the caller */
	int stopped;       /* one of them came */
	int finishing; /* switching off after a stop: let the command finish */
	struct meter m;
	struct results_writer *w;
	char run_id[160], path[4096];
	double off_w[BOOT_RUNS_MAX], boot_j[BOOT_RUNS_MAX], boot_s[BOOT_RUNS_MAX];
	unsigned n_off, n_ok, n_rows;
};

/** boot_energy_power() - run the power command @cmd (@what names it in messages), at most
 * --timeout-s. Return: its exit status, -ETIMEDOUT, -EINTR (a stop signal), or -errno. */
int boot_energy_power(struct boot_state *s, const char *what, const char *cmd);

/** boot_energy_power_off() - switch the board off and wait --off-s, metering the switched-
 * off board meanwhile. Return: 0, -EINTR, or -EIO when the command failed. */
int boot_energy_power_off(struct boot_state *s);

/** boot_energy_boot_one() - boot @i: power on, poll --ready, write its row.
 * Return: 0 (a timeout is a row), -EINTR, or the writer's -errno. */
int boot_energy_boot_one(struct boot_state *s, unsigned i);

/** boot_energy_open_output() - the run id and the CSV (-o, --append, --force).
 * Return: 0 or an exit code (printed). */
int boot_energy_open_output(struct boot_state *s);

/** boot_energy_meta_write() - the sidecar, and on "completed" the result line on stdout.
 * Return: 0 or -errno (printed). */
int boot_energy_meta_write(struct boot_state *s, int argc, char **argv, const char *ended);

#endif
