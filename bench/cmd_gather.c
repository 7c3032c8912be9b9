/* SPDX-License-Identifier: MIT */
/*
 * `joulebench gather DIR`: one CSV of one run from the shared directory of a `joulebench
 * slurm` submission. DIR/fleet.json names the run id and every task the submission asked
 * for; each task left DIR/tasks/<group>-<index>/ (run.csv, run.meta.json, and its `task`
 * file once it ended). The gathering itself is the fleet library's (fleet/fleet_gather.c),
 * shared with the ssh fleet. It runs as the submission's afterany job, or by hand (again
 * after a requeue or a resume: --force replaces the gathered CSV). Exit 1 when a task failed: its rows are gathered all
 * the same, and it is named with what it left.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_fleet.h"
#include "fleet.h"

static void
gather_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench gather [OPTIONS] DIR\n\n"
		"Gather the tasks of the `joulebench slurm` submission in DIR (its shared directory)\n"
		"into one CSV of one run: the host column names each task's node (its --label),\n"
		"the run id is the submission's. Prints the summary, the tasks that failed and what\n"
		"they left, and where the cluster accounts energy, Slurm's own beside joulebench's.\n\n"
		"  -o, --output FILE  the gathered CSV (default: DIR/fleet.csv)\n"
		"      --force        overwrite FILE if it exists\n"
		"  -q, --quiet        no context lines on stderr\n"
		"  -h, --help         this text\n\n"
		"Exit: 0 every task ok, 1 a task failed (the others' rows are gathered),\n"
		"2 bad usage or DIR is not a submission's directory.\n");
}

int
cmd_gather(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct jb_err err = { 0 };
	struct fleet *f;
	json_object *fj = NULL, *a;
	char **av = argv;
	int c, code, ac = argc;

	f = calloc(1, sizeof(*f));
	if (!f)
		return CLI_EXIT_FAILED;
	f->kind = "slurm";
	f->ev = cli_fleet_events();
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': f->out = optarg; break;
		case 'F': f->force = 1; break;
		case 'q': f->quiet = 1; break;
		case 'h':
			gather_usage(stdout);
			free(f);
			return CLI_EXIT_OK;
		default:
			fprintf(stderr, "joulebench gather: %s '%s' (see --help)\n",
				c == ':' ? "a value is missing for" : "unknown option", argv[optind - 1]);
			free(f);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "joulebench gather: want one DIR, the shared directory of a "
				"joulebench slurm submission (see --help)\n");
		free(f);
		return CLI_EXIT_USAGE;
	}
	if (fleet_slurm_load(f, argv[optind], &fj, &err)) {
		fprintf(stderr, "joulebench gather: %s\n", err.msg);
		free(f);
		return CLI_EXIT_USAGE;
	}
	if (!f->out) {
		snprintf(f->out_buf, sizeof(f->out_buf), "%.4000s/fleet.csv", argv[optind]);
		f->out = f->out_buf;
	}
	/* The sidecar keeps the submission's command line, with which this was made. */
	if (json_object_object_get_ex(fj, "argv", &a) && json_object_is_type(a, json_type_array)) {
		size_t i, n = json_object_array_length(a);

		av = calloc(n + 1, sizeof(*av));
		if (av) {
			for (i = 0; i < n; i++)
				av[i] = (char *)json_object_get_string(json_object_array_get_idx(a, i));
			ac = (int)n;
		} else {
			av = argv;
		}
	}
	if (!f->quiet)
		fprintf(stderr, "joulebench: gather %s: %zu task(s) of %s\n", f->run_id, f->n,
			argv[optind]);
	code = fleet_gather(f, ac, av);
	if (av != argv)
		free(av);
	for (size_t i = 0; i < f->n; i++)
		json_object_put(f->host[i].meta);
	json_object_put(fj);
	free(f);
	return code;
}
