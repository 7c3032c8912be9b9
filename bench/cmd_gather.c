/* SPDX-License-Identifier: MIT */
/*
 * `joulebench gather DIR`: one CSV of one run from the shared directory of a `joulebench
 * slurm` submission. DIR/fleet.json names the run id and every task the submission asked
 * for; each task left DIR/tasks/<group>-<index>/ (run.csv, run.meta.json, and its `task`
 * file once it ended). The gathering itself is fleet_gather.c's, shared with the ssh fleet.
 * It runs as the submission's afterany job, or by hand (again after a requeue or a resume:
 * --force replaces the gathered CSV). Exit 1 when a task failed: its rows are gathered all
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
#include "fleet-private.h"

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

static const char *
jget(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* DIR/fleet.json into @f: the run id, and one part per task. Return 0 or an exit code. */
static int
fleet_json_load(struct fleet *f, const char *dir, json_object **out)
{
	char path[PATH_MAX];
	json_object *o, *tasks = NULL;
	const char *run_id;
	size_t i, n;

	snprintf(path, sizeof(path), "%.4000s/fleet.json", dir);
	o = json_object_from_file(path);
	if (!o || !(run_id = jget(o, "run_id")) || !json_object_object_get_ex(o, "tasks", &tasks) ||
	    !json_object_is_type(tasks, json_type_array)) {
		fprintf(stderr, "joulebench gather: %s: not the fleet.json of a joulebench slurm "
				"submission\n", path);
		json_object_put(o);
		return CLI_EXIT_USAGE;
	}
	snprintf(f->run_id, sizeof(f->run_id), "%s", run_id);
	n = json_object_array_length(tasks);
	for (i = 0; i < n && f->n < FLEET_HOSTS_MAX; i++) {
		json_object *t = json_object_array_get_idx(tasks, i);
		const char *entry = jget(t, "entry"), *group = jget(t, "group");
		struct fleet_host *h = &f->host[f->n];

		if (!entry || !group || strchr(entry, '/')) {
			fprintf(stderr, "joulebench gather: %s: task %zu has no entry or group\n", path, i);
			json_object_put(o);
			return CLI_EXIT_USAGE;
		}
		snprintf(h->entry, sizeof(h->entry), "%s", entry);
		snprintf(h->name, sizeof(h->name), "%s", entry); /* until its task file names it */
		snprintf(h->group, sizeof(h->group), "%s", group);
		snprintf(h->dir, sizeof(h->dir), "%.3000s/tasks/%s", dir, entry);
		h->code = -1;
		f->n++;
	}
	*out = o;
	return 0;
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
	struct fleet *f;
	json_object *fj = NULL, *a;
	char **av = argv;
	int c, code, ac = argc;

	f = calloc(1, sizeof(*f));
	if (!f)
		return CLI_EXIT_FAILED;
	f->kind = "slurm";
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
	code = fleet_json_load(f, argv[optind], &fj);
	if (code) {
		free(f);
		return code;
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
	code = fleet__gather(f, ac, av);
	if (av != argv)
		free(av);
	for (size_t i = 0; i < f->n; i++)
		json_object_put(f->host[i].meta);
	json_object_put(fj);
	free(f);
	return code;
}
