/* SPDX-License-Identifier: MIT */
/*
 * What the fleet files share: fleet.c (the hosts file and the ssh fleet's scheduler),
 * fleet_ssh.c (the OpenSSH client and one host's run), fleet_gather.c (one CSV of one run
 * from the parts' CSVs, for ssh and Slurm alike), fleet_sacct.c (Slurm's own energy beside
 * ours), cmd_slurm.c (the submission) and cmd_gather.c (`joulebench gather`). A "part" is
 * one host's or one Slurm task's run, left in a directory of its own (fleet__gather()).
 * Not for use outside bench/.
 */
#ifndef JB_BENCH_FLEET_PRIVATE_H
#define JB_BENCH_FLEET_PRIVATE_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "results.h"

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
	struct results_writer *w;
	sigset_t stop_set;
	int stopped;
	const struct fleet_host *running; /* the host whose `joulebench run` is under way */
};

/** fleet__quote_append() - append " 'S'" to @buf, quoted for the remote POSIX shell.
 * Return: 0 or -ENAMETOOLONG. */
int fleet__quote_append(char *buf, size_t len, const char *s);

/**
 * fleet__ssh_run() - run `$JOULEBENCH_SSH -p PORT -- TARGET CMD` with stdin from @in and
 * stdout to @out (NULL: /dev/null, and our stderr), in a process group of its own. A stop
 * signal (f->stop_set) sets f->stopped; during the run of f->running, it is passed on.
 * Return: ssh's exit status (the remote command's; 255 when ssh failed) or -errno.
 */
int fleet__ssh_run(struct fleet *f, const struct fleet_host *h, const char *cmd,
		   const char *in, const char *out);

/** fleet__ssh_line() - fleet__ssh_run() whose first output line lands in @buf. */
int fleet__ssh_line(struct fleet *f, const struct fleet_host *h, const char *cmd, char *buf,
		    size_t len);

/** fleet__host_run() - one host's whole run over ssh (binaries, run, fetch into h->dir,
 * clean up); sets h->code and h->arch. */
void fleet__host_run(struct fleet *f, struct fleet_host *h);

/** fleet__binaries_find() - h->bin and h->fn for the architecture @arch: this build for
 * this machine's, else the cross builds of scripts/cross-check ($JOULEBENCH_CROSS_DIR).
 * Return: 0, -ENOENT (not built) or -ENOEXEC (no such build). */
int fleet__binaries_find(struct fleet *f, struct fleet_host *h, const char *arch);

/** fleet__task_write() - the `task` file of a part's directory (key=value lines: label,
 * node, arch, exit), as the Slurm job script writes it. Return: 0 or -errno. */
int fleet__task_write(const struct fleet_host *h);

/**
 * fleet__gather() - one CSV of one run at f->out from the parts f->host[0..n): each part's
 * dir holds its run.csv and run.meta.json and, once it ended, its `task` file. Rows are
 * written again under f->run_id with the host column the part's name; the fleet sidecar
 * embeds each part's own sidecar. Prints the summary table, per part its exit and rows,
 * the parts that failed and what they left, and for Slurm tasks Slurm's own energy beside
 * ours (fleet_sacct.c). @argv is the command line for the sidecar.
 * Return: an exit code of DESIGN §7 (0, 1 when a part failed or a file could not be
 * written, 77 when every part found its meter or driver unavailable).
 */
int fleet__gather(struct fleet *f, int argc, char **argv);

/** fleet__sacct_print() - Slurm's ConsumedEnergyRaw per task (sacct) beside joulebench's
 * own energy over the task's span, as an agreement percentage; or one line saying that
 * the cluster accounts no energy. Only for parts with a job_id. */
void fleet__sacct_print(struct fleet *f);

/* `joulebench slurm`'s submission (cmd_slurm.c, fleet_jobscript.c). */
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
	char run_id_buf[160], gather_job[64];
};

/** fleet__job_script_write() - DIR/job.sh for @s, the run options @run_argv common to all
 * groups. Return: 0 or -errno. */
int fleet__job_script_write(struct slurm_sub *s, char **run_argv, int run_argc);

#endif
