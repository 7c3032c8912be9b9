/* SPDX-License-Identifier: MIT */
/*
 * The user's function as a child of joulebench-fn (issue 24): started with its working
 * directory in the function's files, its stdin and stdout a line channel, its stderr kept
 * (the last line is the reason a failure row gives). Also runs the short helper commands
 * of a function file (event generator, validator) to completion.
 */
#ifndef JB_FN_CHILD_H
#define JB_FN_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>
#include <time.h>

#include "jb_err.h"

struct fn_child {
	pid_t pid;             /* 0: not running */
	int to_fd, from_fd, err_fd;
	char *buf;             /* bytes read from stdout, not yet returned as a line */
	size_t len, cap, used; /* used: the line handed out last, with its '\n' */
	char err_tail[240];    /* the last line the child wrote to stderr */
	int status;            /* wait status once reaped, else -1 */
	uint64_t cpu_done_ns;  /* CPU time of a reaped child (rusage) */
	clockid_t cpu_clock;   /* its process CPU-time clock (clock_getcpuclockid) */
	int has_cpu_clock;     /* 0: the kernel offers none, schedstat is read instead */
	int stat_fd;           /* /proc/PID/stat kept open for its cutime and cstime; -1 */
	uint64_t reaped_ns;    /* its reaped children's CPU time, as last read */
	uint64_t reaped_read_ns; /* when (CLOCK_MONOTONIC), 0: never */
};

/**
 * fn_child_start() - start @argv (argv[0] absolute or on PATH) in @dir, with @extra_env
 * (NAME=VALUE, NULL-terminated, may be NULL) added to ours. @memory_mb, when not 0, caps
 * its data segment (RLIMIT_DATA). With @logs_only its stdout goes where its stderr goes
 * (err_fd) and from_fd is unused. The child dies with joulebench-fn (PR_SET_PDEATHSIG).
 * Return: 0 or -errno (the exec's failure included) with @err.
 */
int fn_child_start(struct fn_child *c, const char *const *argv, const char *dir,
		   uint64_t memory_mb, char *const *extra_env, int logs_only, struct jb_err *err);

/** fn_write_all() - write all of @p to @fd: write(2) when @send_flags is -1, else
 * send(2) with those flags. Return: 0 or -errno. */
int fn_write_all(int fd, const char *p, size_t len, int send_flags);

/**
 * fn_poll_until() - poll(2) @p until @deadline (CLOCK_MONOTONIC ns; 0: no limit).
 * Return: poll's count (0 also for EINTR: poll again), -ETIMEDOUT ("no result within
 * @timeout_ns") or -errno.
 */
int fn_poll_until(struct pollfd *p, nfds_t n, uint64_t deadline, uint64_t timeout_ns,
		  struct jb_err *err);

/** fn_child_drain() - read what is waiting on err_fd, keeping its last line (err_tail). */
void fn_child_drain(struct fn_child *c);

/** fn_child_gone() - the child closed its output: reap it and return -EPIPE with how it
 * ended and its last stderr line in @err. */
int fn_child_gone(struct fn_child *c, struct jb_err *err);

/**
 * fn_child_call() - write @req (@req_len bytes, a line) and read one line back into
 * c->buf; *@line points at it (NUL-terminated, without '\n', *@line_len bytes) until the
 * next call.
 * @timeout_ns 0 waits forever. Return: 0, -ETIMEDOUT, -EPIPE (the child exited: @err
 * says how, with its last stderr line), -E2BIG (a line over 64 MiB),
 * -EPROTO (bytes left over after the previous line: the function wrote out of turn).
 */
int fn_child_call(struct fn_child *c, const char *req, size_t req_len, char **line,
		  size_t *line_len, uint64_t timeout_ns, struct jb_err *err);

/**
 * fn_child_cpu_ns() - CPU time of the child so far, in ns: every thread, exited ones
 * included (its process CPU-time clock; schedstat where there is none), plus the children
 * it has reaped (cutime, cstime: clock ticks) as last read, read again first when
 * @read_reaped and a tick has passed since the last read. One system call, two when they
 * are read: a warm call asks once, after its result, so CPU time reaped between two reads
 * counts in the call that reads it, and none is lost.
 */
uint64_t fn_child_cpu_ns(struct fn_child *c, int read_reaped);

/** fn_child_stop() - close its stdin, give it 1 s to exit, then SIGKILL; reap. */
void fn_child_stop(struct fn_child *c);

/**
 * fn_command_run() - run @argv in @dir to completion with @in (may be NULL) on stdin and
 * the extra environment @envp (NAME=VALUE, NULL-terminated); its stdout is returned in
 * *@out (malloc'd, NUL-terminated; at most 16 MiB) and its exit status in *@exit_code
 * (128 + signal when killed). Return: 0, or -errno / -ETIMEDOUT past @timeout_ns.
 */
int fn_command_run(const char *const *argv, const char *dir, char *const *envp,
		   const char *in, size_t in_len, uint64_t timeout_ns, char **out,
		   int *exit_code, struct jb_err *err);

#endif
