/* SPDX-License-Identifier: MIT */
/*
 * The boot protocol (boot.c), apart from its command line (bench/cmd_boot_energy.c):
 * switching the board with the user's commands, polling readiness, metering each boot in
 * one window of the window engine into a row of phase boot, and the sidecar. It never
 * prints: context lines and errors reach the caller through struct boot_events.
 */
#ifndef JB_PROTOCOL_BOOT_H
#define JB_PROTOCOL_BOOT_H

#include <signal.h>

#include "jb_ctx.h"
#include "meter.h"
#include "results.h"

#define BOOT_RUNS_MAX 1000

/* How the boot protocol talks to its caller; members may be NULL. */
struct boot_events {
	void *arg;
	void (*notice)(void *arg, const char *line); /* a context line (one per boot) */
	void (*error)(void *arg, const char *line);  /* a command or write that failed */
};

/* What the caller asks for (cmd_boot_energy.c fills it); durations in seconds. */
struct boot_opts {
	const char *on, *off, *ready, *meter, *domains, *out, *board;
	/* Switch the board with an Industrial Dual Relay Bricklet instead of --power-on and
	 * --power-off: "host=...,port=...,uid=...,channel=N" (meters/tfp.h), or NULL. */
	const char *relay;
	double poll_s, timeout_s, off_s;
	unsigned runs;
	int force, append;
	struct jb_ctx ctx;
	struct boot_events events;
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
 * --timeout-s; with --relay, switch the relay instead (on for @what "--power-on").
 * Return: its exit status, -ETIMEDOUT, -EINTR (a stop signal), or -errno. */
int boot_energy_power(struct boot_state *s, const char *what, const char *cmd);

/** boot_energy_power_off() - switch the board off and wait --off-s, metering the switched-
 * off board meanwhile. Return: 0, -EINTR, or -EIO when the command failed. */
int boot_energy_power_off(struct boot_state *s);

/** boot_energy_boot_one() - boot @i: power on, poll --ready, write its row.
 * Return: 0 (a timeout is a row), -EINTR, or the writer's -errno. */
int boot_energy_boot_one(struct boot_state *s, unsigned i);

/** boot_energy_open_output() - the run id and the CSV (-o, --append, --force; without
 * -o, a new file under runs/). Return: 0, or -errno with the message in @err (-EEXIST,
 * -ENOENT...: bad output; another: runs/ could not be made). */
int boot_energy_open_output(struct boot_state *s, struct jb_err *err);

/** boot_energy_medians() - the medians of the boots that were ok (NaN for none). */
void boot_energy_medians(struct boot_state *s, double *boot_j, double *boot_s);

/** boot_energy_meta_write() - the sidecar; @command is recorded verbatim ("argv"), its
 * path goes to @json_path. Return: 0 or -errno with the message in @err. */
int boot_energy_meta_write(struct boot_state *s, char *const *command, size_t n_command,
			   const char *ended, char *json_path, size_t len, struct jb_err *err);

#endif
