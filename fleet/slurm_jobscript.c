/* SPDX-License-Identifier: MIT */
/*
 * The batch script of `joulebench slurm` (slurm.c), DIR/job.sh: what each array task
 * runs on its node, and the afterany gather job. Written out in full rather than hidden in
 * a subcommand, so that a user can read exactly what ran. Per task: the binaries of the
 * node's architecture from DIR/bin, the group's run options, its own task directory; a
 * sidecar already there means a requeue, so `--resume` (a completed run is left alone);
 * `joulebench run` in the background with SIGTERM and SIGINT passed on to it (a POSIX
 * shell runs a trap only between commands, so the shell waits with `wait`, which a
 * trapped signal interrupts); and last the `task` file that fleet_gather.c reads (label,
 * node, arch, Slurm job id, restart count, start, end, exit), written by rename so that a
 * task killed while writing it leaves none rather than half of one.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet-private.h"

/* The run options of a group, quoted for job.sh: the common ones, then the group's own. */
static int
options_quote(char *buf, size_t len, char **run_argv, int run_argc, const struct slurm_group *g)
{
	char extra[1024], *tok, *save = NULL;
	int i, rc = 0;

	buf[0] = '\0';
	for (i = 0; i < run_argc && !rc; i++)
		rc = fleet__quote_append(buf, len, run_argv[i]);
	snprintf(extra, sizeof(extra), "%s", g->run_extra);
	for (tok = strtok_r(extra, " \t", &save); tok && !rc; tok = strtok_r(NULL, " \t", &save))
		rc = fleet__quote_append(buf, len, tok);
	return rc;
}

int
fleet__job_script_write(struct slurm_sub *s, char **run_argv, int run_argc)
{
	char path[PATH_MAX], q[8192];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%.4000s/job.sh", s->dir);
	fp = fopen(path, "w");
	if (!fp)
		return -errno;
	q[0] = '\0';
	fprintf(fp, "#!/bin/sh\n"
		"# Written by `joulebench slurm` (docs/fleet.md). sbatch runs it as one task of a\n"
		"# group's job array: `job.sh GROUP`, or as the afterany job: `job.sh --gather`.\n"
		"set -u\n"
		"# --signal=B:TERM@S and scancel reach this shell: it passes them on to\n"
		"# joulebench, which finishes the window under way, writes its rows and stops.\n"
		"# The trap comes first, so that an early one (--signal may come up to 60 s\n"
		"# early) is caught too: before the run started, it is passed on in\n"
		"# JOULEBENCH_STOPPED, and the run only writes its sidecar (\"interrupted\",\n"
		"# stopped_at \"start\") and CSV header; a requeue or --resume starts it properly.\n"
		"stop='' pid=''\n"
		"unset JOULEBENCH_STOPPED # ours to set, never one from the submitting shell\n"
		"trap 'stop=1; [ -n \"$pid\" ] && kill -TERM $pid 2>/dev/null' TERM INT\n");
	(void)fleet__quote_append(q, sizeof(q), s->dir);
	fprintf(fp, "dir=%s\n", q + 1); /* past the blank before the word */
	q[0] = '\0';
	(void)fleet__quote_append(q, sizeof(q), s->run_id);
	fprintf(fp, "run_id=%s\n", q + 1);
	q[0] = '\0';
	(void)fleet__quote_append(q, sizeof(q), s->label);
	fprintf(fp, "label_fmt=%s\n"
		"arch=$(uname -m)\n"
		"bin=\"$dir/bin/$arch\"\n"
		"if [ \"${1:-}\" = --gather ]; then\n"
		"\texec \"$bin/joulebench\" gather --force \"$dir\"\n"
		"fi\n"
		"group=$1\n"
		"i=${SLURM_ARRAY_TASK_ID:?job.sh runs as a task of a job array}\n"
		"task=\"$dir/tasks/$group-$i\"\n"
		"node=${SLURMD_NODENAME:-$(hostname -s)}\n"
		"label=$(printf '%%s' \"$label_fmt\" | sed -e \"s/%%N/$node/g\" -e \"s/%%g/$group/g\" "
		"-e \"s/%%a/$i/g\")\n"
		"mkdir -p \"$task\" && rm -f \"$task/task\"\n"
		"start=$(date +%%s)\n"
		"case $group in\n", q + 1);
	for (i = 0; i < s->n; i++) {
		if (options_quote(q, sizeof(q), run_argv, run_argc, &s->g[i])) {
			fclose(fp);
			return -ENAMETOOLONG;
		}
		fprintf(fp, "%s) set --%s ;;\n", s->g[i].name, q);
	}
	fprintf(fp, "*) echo \"job.sh: no group $group\" >&2; exit 2 ;;\n"
		"esac\n"
		"if [ ! -x \"$bin/joulebench\" ]; then\n"
		"\techo \"joulebench slurm: no joulebench for $arch in $dir/bin: build it with "
		"scripts/cross-check and submit again\" >&2\n"
		"\trc=2\n"
		"else\n"
		"\t# A requeued task (node failure, preemption, scontrol requeue) starts here again:\n"
		"\t# its sidecar is there, so it resumes instead of starting over; a run that had\n"
		"\t# completed is left as it is. Requeued onto another node, it goes on there on\n"
		"\t# purpose: the sidecar records the move (host_changes) and rows keep their host.\n"
		"\tfresh=\n"
		"\tif grep -q '\"ended\": *\"completed\"' \"$task/run.meta.json\" 2>/dev/null; then\n"
		"\t\tset -- true\n"
		"\telif [ -s \"$task/run.meta.json\" ]; then\n"
		"\t\tset -- \"$bin/joulebench\" run --resume \"$task/run.csv\" --fn \"$bin/joulebench-fn\" "
		"--no-plot --resume-allow-host-change\n"
		"\telse\n"
		"\t\tfresh=1\n"
		"\t\tset -- \"$bin/joulebench\" run \"$@\" --run-id \"$run_id\" --fn \"$bin/joulebench-fn\" "
		"-o \"$task/run.csv\" --force --no-plot\n"
		"\tfi\n"
		"\t# For tests only (tests/integration/test_slurm.py): wait here until the file\n"
		"\t# JOULEBENCH_JOB_GATE names exists, so that a signal can come before the start\n"
		"\t# on purpose.\n"
		"\twhile [ -n \"${JOULEBENCH_JOB_GATE:-}\" ] && "
		"[ ! -e \"$JOULEBENCH_JOB_GATE\" ] && [ -z \"$stop\" ]; do\n"
		"\t\tsleep 0.1\n"
		"\tdone\n"
		"\ttries=0\n"
		"\twhile :; do\n"
		"\t\t[ -n \"$stop\" ] && export JOULEBENCH_STOPPED=1\n"
		"\t\t\"$@\" &\n"
		"\t\tpid=$!\n"
		"\t\t# A signal after the test above and before pid was set: passed on now.\n"
		"\t\t[ -n \"$stop\" ] && [ -z \"${JOULEBENCH_STOPPED:-}\" ] && "
		"kill -TERM $pid 2>/dev/null\n"
		"\t\twhile :; do\n"
		"\t\t\twait $pid; rc=$?\n"
		"\t\t\t[ $rc -gt 128 ] && kill -0 $pid 2>/dev/null && continue\n"
		"\t\t\tbreak\n"
		"\t\tdone\n"
		"\t\t# Killed by it (exit 128 + signal) in the instant before it catches signals:\n"
		"\t\t# once more, told at its start that it stops; but never a new run (--force)\n"
		"\t\t# over a sidecar, which would be one that did start and has rows.\n"
		"\t\ttries=$((tries + 1))\n"
		"\t\tif [ \"$rc\" -le 128 ] || [ -z \"$stop\" ] || [ $tries -ge 2 ] ||\n"
		"\t\t   { [ -n \"$fresh\" ] && [ -e \"$task/run.meta.json\" ]; }; then\n"
		"\t\t\tbreak\n"
		"\t\tfi\n"
		"\tdone\n"
		"fi\n"
		"printf 'label=%%s\\nnode=%%s\\narch=%%s\\njob_id=%%s_%%s\\nrestart=%%s\\n"
		"start_unix_s=%%s\\nend_unix_s=%%s\\nexit=%%s\\n' \"$label\" \"$node\" \"$arch\" "
		"\"${SLURM_ARRAY_JOB_ID:-}\" \"$i\" \"${SLURM_RESTART_COUNT:-0}\" \"$start\" "
		"\"$(date +%%s)\" \"$rc\" > \"$task/task.tmp\" && mv \"$task/task.tmp\" \"$task/task\"\n"
		"exit \"$rc\"\n");
	if (fclose(fp))
		return -errno;
	return chmod(path, 0755) ? -errno : 0;
}

