/* SPDX-License-Identifier: MIT */
/*
 * What drivers/ shares between its own files: the descriptors the registry lists, and the
 * line channel to a joulebench-fn process (fn_channel.c), which every driver uses because
 * every instance, pinned or in a container, speaks the same protocol over a pipe pair.
 */
#ifndef JB_DRIVER_PRIVATE_H
#define JB_DRIVER_PRIVATE_H

#include <stdint.h>
#include <sys/types.h>

#include "driver.h"

extern const struct driver_ops driver_pinned;
extern const struct driver_ops driver_container;
extern const struct driver_ops driver_microvm;

struct fn_channel {
	pid_t pid;
	int to_fd;   /* the instance's stdin */
	int from_fd; /* the instance's stdout */
	char buf[4096];
	size_t len;  /* bytes buffered in buf */
	int status;  /* wait status once reaped, else -1 */
};

/* Runs in the child between fork and exec; returns 0 or a positive errno to abort. */
typedef int (*fn_channel_pre_exec)(void *arg);

/**
 * fn_channel_spawn() - start @argv[0] with stdin/stdout on pipes, after @pre (may be NULL).
 * Return: 0 or -errno (message in @err).
 */
int fn_channel_spawn(struct fn_channel *ch, char *const argv[], fn_channel_pre_exec pre,
		     void *arg, struct jb_err *err);

/**
 * fn_channel_spawn_split() - as fn_channel_spawn(), but stdin and stdout are two socket
 * pairs, so the child's fd 0 and fd 1 are different open file descriptions: a change to the
 * file status flags of one (O_NONBLOCK) does not reach the other. gVisor needs this (see
 * container.c). Return: 0 or -errno (message in @err).
 */
int fn_channel_spawn_split(struct fn_channel *ch, char *const argv[], fn_channel_pre_exec pre,
			   void *arg, struct jb_err *err);

/**
 * fn_channel_read_line() - read one reply line (without '\n') into @line.
 * Return: 0; -ETIMEDOUT after @timeout_ns (0 = none); -EPIPE when the instance closed its
 * end (it died: the message in @err says with which signal or exit code).
 */
int fn_channel_read_line(struct fn_channel *ch, char *line, size_t len, uint64_t timeout_ns,
			 struct jb_err *err);

/** fn_channel_write() - write all of @len bytes. 0, or -EPIPE when the instance is gone. */
int fn_channel_write(struct fn_channel *ch, const char *data, size_t len, struct jb_err *err);

/**
 * fn_channel_request() - send @req and parse the reply (a `prepared` or `result` line).
 * Return: 0 or -errno as the two functions above, -EPROTO for a malformed reply.
 */
int fn_channel_request(struct fn_channel *ch, const struct jb_fn_request *req,
		       struct jb_fn_result *res, uint64_t timeout_ns, struct jb_err *err);

/**
 * fn_channel_wait() - wait up to @timeout_ns for the instance process to exit, reaping it.
 * Return: 0 once it has exited (ch->status holds its wait status), -ETIMEDOUT.
 */
int fn_channel_wait(struct fn_channel *ch, uint64_t timeout_ns);

/** fn_channel_close() - ask the instance to quit, wait up to @grace_ns, then SIGKILL and
 * reap it. Safe to call twice. */
void fn_channel_close(struct fn_channel *ch, uint64_t grace_ns);

/** driver_exe_find() - @name on $PATH (or @name itself if it has a '/') into @out, which
 * is written only on success. Return: 0 or -ENOENT. */
int driver_exe_find(const char *name, char *out, size_t len);

/** driver_log_tail() - the last line of the file @path into @out ("" when none): a
 * runtime's or VMM's log, for a row's message. */
void driver_log_tail(const char *path, char *out, size_t len);

/**
 * gvisor_platform_pick() - check @want (NULL = runsc's own default) against the platforms
 * the runsc at @rt_path offers (its `flags` help), and put the one to use in @out.
 * Return: 0, or -EINVAL with the platforms it offers in @why.
 */
int gvisor_platform_pick(const char *rt_path, const char *want, char *out, size_t len,
			 char *why, size_t why_len);

#endif
