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
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "fleet-private.h"

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

static int
word_ok(const char *s, const char *extra)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	for (; *s; s++)
		if (!strchr(alnum, *s) && !strchr(extra, *s))
			return 0;
	return 1;
}

/* One `NAME NODES [partition=P] [constraint=C] [-- RUN OPTIONS]` line. 0 or -EINVAL. */
static int
group_parse(struct slurm_group *g, char *line)
{
	char *dash = strstr(line, " -- "), *tok, *save = NULL;
	unsigned long long u;
	int k = 0;

	if (dash) {
		*dash = '\0';
		snprintf(g->run_extra, sizeof(g->run_extra), "%s", dash + 4);
	}
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), k++) {
		if (k == 0 && word_ok(tok, "_-") && strlen(tok) < sizeof(g->name))
			snprintf(g->name, sizeof(g->name), "%s", tok);
		else if (k == 1 && !cli_parse_uint(tok, 1000, &u) && u)
			g->nodes = u;
		else if (k > 1 && !strncmp(tok, "partition=", 10) && word_ok(tok + 10, "_-,.")
			 && strlen(tok + 10) < sizeof(g->partition))
			snprintf(g->partition, sizeof(g->partition), "%s", tok + 10);
		else if (k > 1 && !strncmp(tok, "constraint=", 11) &&
			 word_ok(tok + 11, "_-&|[]*.") && strlen(tok + 11) < sizeof(g->constraint))
			snprintf(g->constraint, sizeof(g->constraint), "%s", tok + 11);
		else
			return -EINVAL;
	}
	return k >= 2 ? 0 : -EINVAL;
}

static int
fleet_file_load(struct slurm_sub *s)
{
	char line[2048];
	unsigned long no = 0;
	FILE *fp = fopen(s->fleet_file, "r");

	if (!fp)
		return usage_err("cannot read the --fleet file", s->fleet_file);
	while (fgets(line, sizeof(line), fp)) {
		char *hash = strchr(line, '#'), *p = line;

		no++;
		if (hash && (hash == line || hash[-1] == ' ' || hash[-1] == '\t'))
			*hash = '\0';
		p[strcspn(p, "\r\n")] = '\0';
		p += strspn(p, " \t");
		if (!*p)
			continue;
		if (s->n == SLURM_GROUPS_MAX || group_parse(&s->g[s->n], p)) {
			fclose(fp);
			fprintf(stderr, "joulebench slurm: %s:%lu: want 'NAME NODES [partition=P] "
					"[constraint=C] [-- RUN OPTIONS]' (at most %d groups)\n",
				s->fleet_file, no, SLURM_GROUPS_MAX);
			return CLI_EXIT_USAGE;
		}
		for (size_t i = 0; i < s->n; i++)
			if (!strcmp(s->g[i].name, s->g[s->n].name)) {
				fclose(fp);
				return usage_err("a group is named twice", s->g[i].name);
			}
		s->n++;
	}
	fclose(fp);
	return s->n ? 0 : usage_err("no groups in the --fleet file", s->fleet_file);
}

/* Copy @from to @to, executable. 0 or -errno. */
static int
file_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	if (n < 0)
		rc = -errno;
	close(in);
	if (close(out) && !rc)
		rc = -errno;
	return rc;
}

/* DIR/bin/<arch>/ for this machine's architecture and every cross build there is. */
static int
binaries_place(struct slurm_sub *s, struct fleet *f)
{
	static const char *const arches[] = { "aarch64", "armv7l" };
	struct utsname u;
	struct fleet_host h;
	char d[PATH_MAX], p[PATH_MAX + 32];
	size_t i;
	int placed = 0;

	uname(&u);
	for (i = 0; i <= sizeof(arches) / sizeof(arches[0]); i++) {
		const char *arch = i ? arches[i - 1] : u.machine;

		if (i && !strcmp(arch, u.machine))
			continue;
		memset(&h, 0, sizeof(h));
		if (fleet__binaries_find(f, &h, arch))
			continue;
		snprintf(d, sizeof(d), "%.3900s/bin/%s", s->dir, arch);
		if ((mkdir(d, 0755) && errno != EEXIST)) {
			fprintf(stderr, "joulebench slurm: mkdir %s: %s\n", d, strerror(errno));
			return CLI_EXIT_FAILED;
		}
		snprintf(p, sizeof(p), "%s/joulebench", d);
		if (file_copy(h.bin, p) == 0) {
			snprintf(p, sizeof(p), "%s/joulebench-fn", d);
			if (file_copy(h.fn, p) == 0) {
				placed++;
				if (!s->quiet)
					fprintf(stderr, "joulebench: slurm: %s binaries in %s\n", arch, d);
				continue;
			}
		}
		fprintf(stderr, "joulebench slurm: copying the %s binaries to %s: %s\n", arch, d,
			strerror(errno));
		return CLI_EXIT_FAILED;
	}
	if (!placed)
		return usage_err("no joulebench-fn to copy (build it, or set JOULEBENCH_FN)", NULL);
	return 0;
}

/* Run sbatch with @argv (--parsable); its job id into @id. Return 0 or an exit code. */
static int
sbatch_run(char **argv, char *id, size_t len)
{
	int fd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(fd))
		return CLI_EXIT_FAILED;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return CLI_EXIT_FAILED;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "joulebench slurm: cannot run %s: %s (is Slurm's client, "
				"slurm-client, installed?)\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	n = read(fd[0], id, len - 1);
	close(fd[0]);
	id[n > 0 ? n : 0] = '\0';
	id[strcspn(id, ";\r\n")] = '\0'; /* --parsable: "id" or "id;cluster" */
	while (waitpid(pid, &st, 0) < 0)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) || !id[0] || strspn(id, "0123456789") != strlen(id)) {
		fprintf(stderr, "joulebench slurm: sbatch failed (exit %d)\n",
			WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return CLI_EXIT_FAILED;
	}
	return 0;
}

static int
group_submit(struct slurm_sub *s, struct slurm_group *g)
{
	char array[32], out[PATH_MAX], sig[32], name[80], job[PATH_MAX + 16];
	char part[160], cons[280], tl[80];
	char *argv[32 + SLURM_SBATCH_MAX];
	size_t n = 0, i;

	snprintf(array, sizeof(array), "--array=0-%lu", g->nodes - 1);
	snprintf(out, sizeof(out), "--output=%.3900s/tasks/%s-%%a.out", s->dir, g->name);
	snprintf(sig, sizeof(sig), "--signal=B:TERM@%lu", s->stop_before_s);
	snprintf(name, sizeof(name), "--job-name=jb-%s", g->name);
	snprintf(job, sizeof(job), "%.4000s/job.sh", s->dir);
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	argv[n++] = array;
	argv[n++] = "--nodes=1";
	argv[n++] = "--exclusive";
	argv[n++] = "--requeue";
	argv[n++] = sig;
	argv[n++] = name;
	argv[n++] = out;
	argv[n++] = "--open-mode=append"; /* a requeued task's log follows its first one */
	if (g->partition[0]) {
		snprintf(part, sizeof(part), "--partition=%s", g->partition);
		argv[n++] = part;
	}
	if (g->constraint[0]) {
		snprintf(cons, sizeof(cons), "--constraint=%s", g->constraint);
		argv[n++] = cons;
	}
	if (s->time) {
		snprintf(tl, sizeof(tl), "--time=%.70s", s->time);
		argv[n++] = tl;
	}
	for (i = 0; i < s->n_sbatch; i++)
		argv[n++] = (char *)s->sbatch[i];
	argv[n++] = job;
	argv[n++] = g->name;
	argv[n] = NULL;
	return sbatch_run(argv, g->job_id, sizeof(g->job_id));
}

static int
gather_submit(struct slurm_sub *s)
{
	char dep[1024] = "--dependency=afterany", out[PATH_MAX], part[160], job[PATH_MAX + 16];
	char *argv[16 + SLURM_SBATCH_MAX];
	size_t n = 0, i;

	for (i = 0; i < s->n; i++)
		snprintf(dep + strlen(dep), sizeof(dep) - strlen(dep), ":%s", s->g[i].job_id);
	snprintf(out, sizeof(out), "--output=%.4000s/gather.out", s->dir);
	snprintf(job, sizeof(job), "%.4000s/job.sh", s->dir);
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	argv[n++] = dep;
	argv[n++] = "--kill-on-invalid-dep=no";
	argv[n++] = "--job-name=jb-gather";
	argv[n++] = "--nodes=1";
	argv[n++] = out;
	if (s->g[0].partition[0]) {
		snprintf(part, sizeof(part), "--partition=%s", s->g[0].partition);
		argv[n++] = part;
	}
	for (i = 0; i < s->n_sbatch; i++)
		argv[n++] = (char *)s->sbatch[i];
	argv[n++] = job;
	argv[n++] = "--gather";
	argv[n] = NULL;
	return sbatch_run(argv, s->gather_job, sizeof(s->gather_job));
}

static int
fleet_json_write(struct slurm_sub *s, int argc, char **argv)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(),
		    *gs = json_object_new_array(), *ts = json_object_new_array();
	char path[PATH_MAX], entry[128];
	size_t i;
	unsigned long k;
	int rc;

	json_object_object_add(o, "kind", json_object_new_string("joulebench-slurm"));
	json_object_object_add(o, "run_id", json_object_new_string(s->run_id));
	json_object_object_add(o, "joulebench_version", json_object_new_string(JB_VERSION));
	for (i = 0; i < (size_t)argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_object_add(o, "argv", a);
	for (i = 0; i < s->n; i++) {
		json_object *g = json_object_new_object();

		json_object_object_add(g, "name", json_object_new_string(s->g[i].name));
		json_object_object_add(g, "nodes", json_object_new_int64((int64_t)s->g[i].nodes));
		json_object_object_add(g, "partition", json_object_new_string(s->g[i].partition));
		json_object_object_add(g, "constraint", json_object_new_string(s->g[i].constraint));
		json_object_object_add(g, "run_options", json_object_new_string(s->g[i].run_extra));
		json_object_object_add(g, "job_id", json_object_new_string(s->g[i].job_id));
		json_object_array_add(gs, g);
		for (k = 0; k < s->g[i].nodes; k++) {
			json_object *t = json_object_new_object();

			snprintf(entry, sizeof(entry), "%s-%lu", s->g[i].name, k);
			json_object_object_add(t, "entry", json_object_new_string(entry));
			json_object_object_add(t, "group", json_object_new_string(s->g[i].name));
			json_object_array_add(ts, t);
		}
	}
	json_object_object_add(o, "groups", gs);
	json_object_object_add(o, "tasks", ts);
	snprintf(path, sizeof(path), "%.4000s/fleet.json", s->dir);
	rc = json_object_to_file_ext(path, o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	json_object_put(o);
	return rc ? -EIO : 0;
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
			if (!word_ok(optarg, ":-") || strlen(optarg) > 60)
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
			if (!*optarg || !word_ok(optarg, "%._-") || strlen(optarg) > 64)
				return usage_err("--label wants letters, digits, . _ - and %N %g %a",
						 optarg);
			s->label = optarg;
			break;
		case 'R':
			if (!*optarg || !word_ok(optarg, "._-") || strlen(optarg) > 100)
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
	if (s->fleet_file)
		return fleet_file_load(s);
	snprintf(s->g[0].name, sizeof(s->g[0].name), "nodes");
	s->g[0].nodes = (unsigned long)nodes;
	if ((part && (!word_ok(part, "_-,.") || strlen(part) >= sizeof(s->g[0].partition))) ||
	    (cons && (!word_ok(cons, "_-&|[]*.") || strlen(cons) >= sizeof(s->g[0].constraint))))
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
	struct fleet *f = calloc(1, sizeof(*f));
	char abs[PATH_MAX];
	int code, run_at = 0, rc;
	size_t i;
	ssize_t n;

	if (!s || !f) {
		free(s);
		free(f);
		return CLI_EXIT_FAILED;
	}
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
	n = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
	f->self[n > 0 ? n : 0] = '\0';
	if ((code = binaries_place(s, f)))
		goto out;
	rc = fleet__job_script_write(s, argv + run_at, argc - run_at);
	if (rc) {
		fprintf(stderr, "joulebench slurm: writing %s/job.sh: %s\n", s->dir, strerror(-rc));
		code = CLI_EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		if ((code = group_submit(s, &s->g[i])))
			goto out;
		printf("group %s: job array %s, %lu task(s)%s%s%s%s\n", s->g[i].name, s->g[i].job_id,
		       s->g[i].nodes, s->g[i].partition[0] ? ", partition " : "", s->g[i].partition,
		       s->g[i].constraint[0] ? ", constraint " : "", s->g[i].constraint);
	}
	if (fleet_json_write(s, argc, argv)) {
		fprintf(stderr, "joulebench slurm: writing %s/fleet.json failed\n", s->dir);
		code = CLI_EXIT_FAILED;
		goto out;
	}
	if (!s->no_gather) {
		if ((code = gather_submit(s)))
			goto out;
		printf("gather: job %s (afterany), into %s/fleet.csv\n", s->gather_job, s->dir);
	}
	if (!s->quiet)
		fprintf(stderr, "joulebench: slurm: run %s in %s; by hand: joulebench gather %s\n",
			s->run_id, s->dir, s->dir);
out:
	free(s);
	free(f);
	return code;
}
