/* SPDX-License-Identifier: MIT */
/*
 * What the fleet library's files share, beyond fleet.h: fleet.c (the hosts file and the
 * ssh fleet's scheduler), fleet_ssh.c (the OpenSSH client and one host's run),
 * fleet_gather.c (one CSV of one run, for ssh and Slurm alike), fleet_sacct.c (Slurm's
 * own energy beside ours), slurm.c and slurm_jobscript.c (the submission).
 * Not for use outside fleet/.
 */
#ifndef JB_FLEET_PRIVATE_H
#define JB_FLEET_PRIVATE_H

#include <stddef.h>

#include "fleet.h"
#include "jb_exit.h"

/** fleet__notice() / fleet__out() - a line, printf-style, to @ev's notice or out (when
 * set), for bench/ to print on stderr or stdout. */
void fleet__notice(const struct fleet_events *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fleet__out(const struct fleet_events *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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

/** fleet__sacct_report() - Slurm's ConsumedEnergyRaw per task (sacct) beside joulebench's
 * own energy over the task's span, as an agreement percentage; or one line saying that
 * the cluster accounts no energy. Only for parts with a job_id. */
void fleet__sacct_report(struct fleet *f);

/** fleet__job_script_write() - DIR/job.sh for @s, the run options @run_argv common to all
 * groups. Return: 0 or -errno. */
int fleet__job_script_write(struct slurm_sub *s, char **run_argv, int run_argc);

#endif
