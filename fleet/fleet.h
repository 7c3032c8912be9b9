/* SPDX-License-Identifier: MIT */
/*
 * The fleet library: the same suite on several machines, gathered into one results CSV of
 * one run (docs/fleet.md). Two ways to reach the machines: over SSH (`joulebench run
 * --hosts FILE`: fleet.c schedules, fleet_ssh.c runs one host) and as a Slurm submission
 * (`joulebench slurm`: slurm.c submits job arrays running slurm_jobscript.c's job.sh;
 * `joulebench gather` reads them back). Both end in fleet_gather.c, which writes the one
 * CSV, and, for Slurm, fleet_sacct.c sets Slurm's own energy beside ours. A "part" is one
 * host's or one Slurm task's run, left in a directory of its own.
 * The library prints nothing (DESIGN section 8): every line the user sees goes through the
 * caller's struct fleet_events, whole and without its newline, and bench/ prints it.
 */
#ifndef JB_FLEET_H
#define JB_FLEET_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "jb_err.h"
#include "results.h"
#include "summary.h"

/* How the fleet talks to its caller (bench/); members other than fn_find may be NULL. */
struct fleet_events {
	void *arg;
	void (*notice)(void *arg, const char *line); /* a context line, warning or error */
	void (*out)(void *arg, const char *line);    /* a result line (job ids, Slurm energy) */
	void (*summary)(void *arg, struct summary *s); /* the gathered rows' summary table */
	/* The caller's search for joulebench-fn beside this binary (@given: --fn or NULL);
	 * NULL when none is found. */
	const char *(*fn_find)(const char *given);
};

#define FLEET_HOSTS_MAX 256
#define FLEET_ARGS_MAX 128
#define FLEET_SSH_WORDS 24

struct fleet_span {
	long long start_ns, end_ns;
};

struct fleet_host {
	char entry[256];       /* the hosts-file line, or the Slurm task "<group>-<index>" */
	char target[256];      /* [user@]host for ssh */
	char name[256];        /* the host column: host[:port], or the Slurm task's label */
	char port[8];
	char arch[32];         /* uname -m of the host */
	char group[64];        /* ssh: hosts of one group run one at a time; Slurm: its array */
	char node[256];        /* Slurm: the node the task ran on */
	char job_id[64];       /* Slurm: "<array job>_<task>", as sacct names it */
	char bin[PATH_MAX], fn[PATH_MAX];
	char rdir[256];        /* ssh: its temporary directory on the host */
	char dir[PATH_MAX];    /* the local directory of its run.csv, run.meta.json, task */
	long long start_unix_s, end_unix_s; /* Slurm: the task's span, from its task file */
	int code;              /* exit code of its run; -1 not run or not finished */
	unsigned long rows, rows_warm; /* rows_warm: of metered windows (phase warm) */
	/* Our own energy over the task's span, for fleet_sacct.c: the rows' energy, the time
	 * their invocations cover (the union of [start, start + wall]) and their idle power. */
	double energy_j, idle_power_w, metered_s;
	struct fleet_span *spans;
	size_t n_spans, cap_spans;
	pid_t pid;             /* ssh: the process running it, 0 when none */
	json_object *meta;     /* its run's sidecar, or NULL */
	int meta_damaged;      /* it left a sidecar that is not a JSON object (warned) */
};

struct fleet {
	struct fleet_host host[FLEET_HOSTS_MAX];
	size_t n;
	char *args[FLEET_ARGS_MAX]; /* the options passed on */
	size_t n_args;
	const char *out, *fn;
	const char *kind;           /* "ssh" or "slurm", for the sidecar */
	char out_buf[4096], run_id[160], ltmp[3100], self[PATH_MAX];
	char *ssh[FLEET_SSH_WORDS]; /* $JOULEBENCH_SSH split on blanks, default "ssh" */
	char ssh_buf[1024];
	size_t n_ssh;
	unsigned parallel;          /* hosts at once (ssh) */
	int force, quiet;
	const struct fleet_events *ev; /* the caller's; never NULL */
	struct results_writer *w;
	sigset_t stop_set;
	int stopped;
	const struct fleet_host *running; /* the host whose `joulebench run` is under way */
};


/* A Slurm submission (slurm.c, slurm_jobscript.c); bench/cmd_slurm.c fills it. */
#define SLURM_GROUPS_MAX 16
#define SLURM_SBATCH_MAX 16

struct slurm_group {
	char name[64], partition[128], constraint[256], run_extra[1024];
	unsigned long nodes;
	char job_id[64];
};

struct slurm_sub {
	struct slurm_group g[SLURM_GROUPS_MAX];
	size_t n;
	const char *dir, *fleet_file, *time, *label, *run_id, *sbatch[SLURM_SBATCH_MAX];
	size_t n_sbatch;
	unsigned long stop_before_s;
	int no_gather, quiet;
	const struct fleet_events *ev; /* the caller's; never NULL */
	char run_id_buf[160], gather_job[64];
};

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
int fleet_run(const char *hosts_path, int argc, char **argv, const struct fleet_events *ev);

/**
 * fleet_gather() - one CSV of one run at f->out from the parts f->host[0..n): each part's
 * dir holds its run.csv and run.meta.json and, once it ended, its `task` file. Rows are
 * written again under f->run_id with the host column the part's name; the fleet sidecar
 * embeds each part's own sidecar. Reports the summary table, per part its exit and rows,
 * the parts that failed and what they left, and for Slurm tasks Slurm's own energy beside
 * ours (fleet_sacct.c). @argv is the command line for the sidecar.
 * Return: an exit code of DESIGN §7 (0, 1 when a part failed or a file could not be
 * written, 77 when every part found its meter or driver unavailable).
 */
int fleet_gather(struct fleet *f, int argc, char **argv);

/**
 * fleet_slurm_load() - DIR/fleet.json of a submission into @f: the run id, and one part per
 * task (its directory DIR/tasks/<group>-<index>). *@out keeps the parsed JSON (the caller
 * puts it). Return: 0 or -EINVAL, with a message in @err.
 */
int fleet_slurm_load(struct fleet *f, const char *dir, json_object **out, struct jb_err *err);

/**
 * fleet_slurm_groups_load() - the groups of the --fleet file s->fleet_file, one per line:
 * 'NAME NODES [partition=P] [constraint=C] [-- RUN OPTIONS]'.
 * Return: 0 or -errno (-EINVAL: a bad line), with a message in @err.
 */
int fleet_slurm_groups_load(struct slurm_sub *s, struct jb_err *err);

/** fleet_slurm_word_ok() - whether @s has only letters, digits and the characters of
 * @extra: the words a Slurm option or a label may hold. */
int fleet_slurm_word_ok(const char *s, const char *extra);

/**
 * fleet_slurm_submit() - submit @s: DIR/bin/<arch>/ for this machine's architecture and
 * every cross build there is, DIR/job.sh with the run options @run_argv common to all
 * groups, one job array per group, DIR/fleet.json (@argv: the whole command line), and
 * unless s->no_gather the afterany gather job. Job ids are reported through s->ev->out.
 * Return: an exit code of DESIGN §7 (0, 1 sbatch or a file failed, 2 nothing to copy).
 */
int fleet_slurm_submit(struct slurm_sub *s, char **run_argv, int run_argc, int argc,
		       char **argv);

#endif
