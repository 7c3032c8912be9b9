/* SPDX-License-Identifier: MIT */
/*
 * `joulebench slurm [OPTIONS] -- RUN OPTIONS`: the suite on a fleet of Slurm nodes, servers
 * and boards alike, as one submission (docs/fleet.md). A command of its own rather than a
 * `run --launcher slurm`: it does not measure anything itself, it submits and returns, and
 * its options (partitions, constraints, time limit, signal) are the scheduler's, not the
 * protocol's. Each group (one per architecture or partition: `--fleet FILE`, or one group
 * from --nodes/--partition/--constraint) becomes one job array, one task per node, with
 * --exclusive (nothing else on the node while it is metered; sacct's energy then describes
 * the job) and --requeue. All tasks share the run id (`run --run-id`) and the shared
 * directory DIR, which every node must see at the same path:
 *   DIR/fleet.json               the submission: run id, groups, tasks, job ids
 *   DIR/job.sh                   the batch script (readable: it is what each task runs)
 *   DIR/bin/<uname -m>/          joulebench and joulebench-fn per architecture
 *   DIR/tasks/<group>-<index>/   a task's run.csv, run.meta.json and `task` file
 *   DIR/fleet.csv                the gathered run, by the afterany job `joulebench gather`
 * Slurm's --signal=B:TERM@S sends SIGTERM to the batch shell S seconds before the time
 * limit; job.sh passes it to `joulebench run`, whose handler finishes the window under way,
 * writes its rows and stops (cmd_run.c). A requeued task starts job.sh again from the top
 * (sbatch(1), --requeue) in the same task directory: finding the sidecar there, it runs
 * `joulebench run --resume`, which measures only the windows still missing.
 * This file is the command line and its checks; the submission is the fleet library's
 * (fleet/slurm.c, fleet/slurm_jobscript.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fleet.h"
#include "fleet.h"

static void
slurm_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench slurm --dir DIR [OPTIONS] -- [RUN OPTIONS]\n\n"
		"Submit the suite (the options of `joulebench run` after --) to Slurm: one job array\n"
		"per group, one task per node (--exclusive, --requeue), all under one run id with\n"
		"their results in DIR, then `joulebench gather DIR` as an afterany job. DIR must be\n"
		"on a filesystem every node sees at the same path (docs/fleet.md).\n\n"
		"  --dir DIR            the shared directory (created)\n"
		"  --fleet FILE         groups, one per line: 'NAME NODES [partition=P]\n"
		"                       [constraint=C] [-- RUN OPTIONS for this group]'\n"
		"  --nodes N            without --fleet: one group 'nodes' of N tasks (default: 1)\n"
		"  --partition P        without --fleet: its partition\n"
		"  --constraint C       without --fleet: its node features (sbatch --constraint)\n"
		"  --time T             each task's time limit (sbatch --time, e.g. 30:00)\n"
		"  --stop-before-s S    SIGTERM S seconds before the time limit: the window under\n"
		"                       way finishes and the run stops (--signal=B:TERM@S; default 120)\n"
		"  --label FMT          the host column: %%N node, %%g group, %%a array index\n"
		"                       (default %%N)\n"
		"  --run-id ID          the run id (default: time-slurm-pid)\n"
		"  --sbatch-opt OPT     one more sbatch option for every array (repeatable)\n"
		"  --no-gather          do not submit the gather job\n"
		"  -q, --quiet          print only the job ids\n"
		"  -h, --help           this text\n\n"
		"Exit: 0 submitted, 1 sbatch failed, 2 bad usage.\n");
}

static int
usage_err(const char *what, const char *val)
{
	fprintf(stderr, "joulebench slurm: %s%s%s\n", what, val ? ": " : "", val ? val : "");
	return CLI_EXIT_USAGE;
}

/* The run options are the suite's; these name files and ids that job.sh sets per task. */
static int
run_options_check(int argc, char **argv)
{
	static const char *const ours[] = { "-o", "--output", "--resume", "--hosts", "--run-id",
					    "--fn", "--force" };
	int i;
	size_t k;

	for (i = 0; i < argc; i++)
		for (k = 0; k < sizeof(ours) / sizeof(ours[0]); k++) {
			size_t n = strlen(ours[k]);

			if (!strncmp(argv[i], ours[k], n) && (!argv[i][n] || argv[i][n] == '=' ||
							      (n == 2 && argv[i][1] == 'o')))
				return usage_err("this run option is set per task by joulebench "
						 "slurm", argv[i]);
		}
	return 0;
}

static int
slurm_parse(struct slurm_sub *s, int argc, char **argv, int *run_at)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'D' }, { "fleet", required_argument, NULL, 'F' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "partition", required_argument, NULL, 'p' },
		{ "constraint", required_argument, NULL, 'C' },
		{ "time", required_argument, NULL, 't' },
		{ "stop-before-s", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'L' }, { "run-id", required_argument, NULL, 'R' },
		{ "sbatch-opt", required_argument, NULL, 'O' },
		{ "no-gather", no_argument, NULL, 'G' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *part = NULL, *cons = NULL;
	unsigned long long u, nodes = 1;
	int c;

	s->stop_before_s = 120;
	s->label = "%N";
	optind = 1;
	opterr = 0;
	/* "+": stop at the first non-option; the run options follow "--". */
	while ((c = getopt_long(argc, argv, "+:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'D': s->dir = optarg; break;
		case 'F': s->fleet_file = optarg; break;
		case 'N':
			if (cli_parse_uint(optarg, 1000, &nodes) || !nodes)
				return usage_err("--nodes wants a count from 1 to 1000", optarg);
			break;
		case 'p': part = optarg; break;
		case 'C': cons = optarg; break;
		case 't':
			if (!fleet_slurm_word_ok(optarg, ":-") || strlen(optarg) > 60)
				return usage_err("--time wants sbatch's form, e.g. 30:00", optarg);
			s->time = optarg;
			break;
		case 'S':
			/* sbatch(1): --signal's seconds are 0 to 65535. */
			if (cli_parse_uint(optarg, 65535, &u))
				return usage_err("--stop-before-s wants 0 to 65535 s", optarg);
			s->stop_before_s = (unsigned long)u;
			break;
		case 'L':
			if (!*optarg || !fleet_slurm_word_ok(optarg, "%._-") || strlen(optarg) > 64)
				return usage_err("--label wants letters, digits, . _ - and %N %g %a",
						 optarg);
			s->label = optarg;
			break;
		case 'R':
			if (!*optarg || !fleet_slurm_word_ok(optarg, "._-") || strlen(optarg) > 100)
				return usage_err("--run-id wants 1 to 100 of A-Z a-z 0-9 . _ -", optarg);
			s->run_id = optarg;
			break;
		case 'O':
			if (s->n_sbatch == SLURM_SBATCH_MAX || strncmp(optarg, "--", 2))
				return usage_err("--sbatch-opt wants one --long=value sbatch option "
						 "(at most 16)", optarg);
			s->sbatch[s->n_sbatch++] = optarg;
			break;
		case 'G': s->no_gather = 1; break;
		case 'q': s->quiet = 1; break;
		case 'h': slurm_usage(stdout); return -1;
		case ':': return usage_err("a value is missing for", argv[optind - 1]);
		default: return usage_err("unknown option (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--"))
		return usage_err("the run options go after --", argv[optind]);
	*run_at = optind;
	if (!s->dir)
		return usage_err("--dir DIR is needed: a directory every node sees", NULL);
	if (s->fleet_file && (part || cons || nodes != 1))
		return usage_err("--nodes, --partition and --constraint are for a fleet of one "
				 "group; give them per group in the --fleet file", NULL);
	if (s->fleet_file) {
		struct jb_err err = { 0 };

		return fleet_slurm_groups_load(s, &err) ? usage_err(err.msg, NULL) : 0;
	}
	snprintf(s->g[0].name, sizeof(s->g[0].name), "nodes");
	s->g[0].nodes = (unsigned long)nodes;
	if ((part && (!fleet_slurm_word_ok(part, "_-,.") ||
		      strlen(part) >= sizeof(s->g[0].partition))) ||
	    (cons && (!fleet_slurm_word_ok(cons, "_-&|[]*.") ||
		      strlen(cons) >= sizeof(s->g[0].constraint))))
		return usage_err("bad --partition or --constraint", part ? part : cons);
	snprintf(s->g[0].partition, sizeof(s->g[0].partition), "%s", part ? part : "");
	snprintf(s->g[0].constraint, sizeof(s->g[0].constraint), "%s", cons ? cons : "");
	s->n = 1;
	return 0;
}

/* DIR, DIR/tasks and DIR/bin, with DIR made absolute: every node reads it. */
static int
dir_prepare(struct slurm_sub *s, char *abs)
{
	char p[PATH_MAX + 16];

	if (mkdir(s->dir, 0755) && errno != EEXIST)
		return usage_err("cannot create --dir", strerror(errno));
	if (!realpath(s->dir, abs))
		return usage_err("--dir", strerror(errno));
	if (strchr(abs, '\'') || strchr(abs, '\n'))
		return usage_err("--dir: no quotes or newlines in its path, please", abs);
	s->dir = abs;
	snprintf(p, sizeof(p), "%s/tasks", abs);
	if (mkdir(p, 0755) && errno != EEXIST)
		return usage_err("cannot create DIR/tasks", strerror(errno));
	snprintf(p, sizeof(p), "%s/bin", abs);
	if (mkdir(p, 0755) && errno != EEXIST)
		return usage_err("cannot create DIR/bin", strerror(errno));
	return 0;
}

int
cmd_slurm(int argc, char **argv)
{
	struct slurm_sub *s = calloc(1, sizeof(*s));
	char abs[PATH_MAX];
	int code, run_at = 0;
	size_t i;

	if (!s)
		return CLI_EXIT_FAILED;
	code = slurm_parse(s, argc, argv, &run_at);
	if (code) {
		code = code < 0 ? CLI_EXIT_OK : code;
		goto out;
	}
	if ((code = run_options_check(argc - run_at, argv + run_at)))
		goto out;
	for (i = 0; i < s->n && !code; i++) { /* and each group's own, from the --fleet file */
		char buf[1024], *w[64], *save = NULL;
		int n_w = 0;

		snprintf(buf, sizeof(buf), "%s", s->g[i].run_extra);
		for (w[0] = strtok_r(buf, " \t", &save); w[n_w] && n_w < 63;
		     w[++n_w] = strtok_r(NULL, " \t", &save))
			;
		code = run_options_check(n_w, w);
	}
	if (code || (code = dir_prepare(s, abs)))
		goto out;
	if (!s->run_id) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(s->run_id_buf, sizeof(s->run_id_buf), "%s-slurm-%ld", stamp, (long)getpid());
		s->run_id = s->run_id_buf;
	}
	s->ev = cli_fleet_events();
	if ((code = fleet_slurm_submit(s, argv + run_at, argc - run_at, argc, argv)))
		goto out;
	if (!s->quiet)
		fprintf(stderr, "joulebench: slurm: run %s in %s; by hand: joulebench gather %s\n",
			s->run_id, s->dir, s->dir);
out:
	free(s);
	return code;
}
