/* SPDX-License-Identifier: MIT */
/*
 * What the files of `joulebench run --hosts` share (fleet.c: the hosts file and the run on
 * each host; fleet_ssh.c: the OpenSSH client; fleet_gather.c: one CSV of one run from the
 * hosts' CSVs). Not for use outside bench/fleet*.c.
 */
#ifndef JB_BENCH_FLEET_PRIVATE_H
#define JB_BENCH_FLEET_PRIVATE_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>

#include <json-c/json.h>

#include "results.h"

#define FLEET_HOSTS_MAX 64
#define FLEET_ARGS_MAX 128
#define FLEET_SSH_WORDS 16

struct fleet_host {
	char entry[256];       /* the line as given, for messages and the sidecar */
	char target[256];      /* [user@]host for ssh */
	char name[256];        /* host[:port], the host column */
	char port[8];
	char arch[32];         /* uname -m of the host */
	char bin[PATH_MAX], fn[PATH_MAX];
	char rdir[256];        /* its temporary directory */
	int code;              /* exit code of its run; -1 not run */
	unsigned long rows;
	json_object *meta;     /* its run's sidecar, or NULL */
};

struct fleet {
	struct fleet_host host[FLEET_HOSTS_MAX];
	size_t n;
	char *args[FLEET_ARGS_MAX]; /* the options passed on */
	size_t n_args;
	const char *out, *fn;
	char out_buf[4096], run_id[160], ltmp[64], self[PATH_MAX];
	char *ssh[FLEET_SSH_WORDS]; /* $JOULEBENCH_SSH split on blanks, default "ssh" */
	char ssh_buf[1024];
	size_t n_ssh;
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

/** fleet__copy_to() - copy local file @local to @name in the host's directory, mode 755. */
int fleet__copy_to(struct fleet *f, const struct fleet_host *h, const char *local,
		   const char *name);

/** fleet__gather_file() - add the rows of a host's CSV @path to f->w under the fleet's
 * run_id and the host's name, and flush. Return: 0 or -errno (printed). */
int fleet__gather_file(struct fleet *f, struct fleet_host *h, const char *path);

/** fleet__gather_meta_write() - the fleet's sidecar. Return: 0 or -errno (printed). */
int fleet__gather_meta_write(struct fleet *f, int argc, char **argv);

/** fleet__gather_summary_print() - the summary table of the gathered CSV, and per host its
 * exit code and rows. */
void fleet__gather_summary_print(struct fleet *f);

#endif
