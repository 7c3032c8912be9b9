/* SPDX-License-Identifier: MIT */
/*
 * `joulebench run --hosts FILE`: the same suite on several machines over SSH (OpenSSH's
 * client), gathered into one results CSV of one run. Kept apart from cmd_run.c, which only
 * hands over its argv when --hosts is given.
 */
#ifndef JB_BENCH_FLEET_H
#define JB_BENCH_FLEET_H

/**
 * fleet_hosts_arg() - the FILE of `--hosts FILE` or `--hosts=FILE` in @argv (argv[0] is
 * "run"), or NULL when there is none.
 */
const char *fleet_hosts_arg(int argc, char **argv);

/**
 * fleet_run() - run `joulebench run` with the other options of @argv on every host of the
 * hosts file @hosts_path, then gather the rows (docs in fleet.c, results/README.md).
 * Return: an exit code of DESIGN §7 (0, 1 when a host failed, 2 bad usage or bad hosts
 * file, 77 when no host could run the meter or driver asked for).
 */
int fleet_run(const char *hosts_path, int argc, char **argv);

#endif
