/* SPDX-License-Identifier: MIT */
/*
 * The line channel between a driver and one joulebench-fn process. The instance's stdin and
 * stdout are the two ends of one AF_UNIX socket pair, so writes can use MSG_NOSIGNAL (a dead
 * instance is an -EPIPE, never a SIGPIPE that kills the harness). fn_channel_spawn_split()
 * gives stdin and stdout a socket pair each, for a child that changes the file status flags
 * of its stdio (gVisor's Sentry, see container.c). A failed exec or pre-exec
 * step (such as binding to a core) is reported through a close-on-exec pipe, so the caller
 * learns why a cold start failed rather than seeing an instance that never says `ready`.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jb_clock.h"
#include "driver-private.h"

static void
fds_close(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* sv[0..1]: the pair carrying stdin (and stdout when !split); sv[2..3]: stdout's pair when
 * split. Index 0 and 2 are ours, 1 and 3 the child's. */
static int
channel_spawn(struct fn_channel *ch, char *const argv[], fn_channel_pre_exec pre, void *arg,
	      int split, struct jb_err *err)
{
	int sv[4] = { -1, -1, -1, -1 }, errpipe[2], child_errno = 0;
	int in_child, out_child;
	ssize_t n;
	pid_t pid;

	memset(ch, 0, sizeof(*ch));
	ch->to_fd = ch->from_fd = -1;
	ch->status = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return jb_err_set(err, -errno, "socketpair: %s", strerror(errno));
	if (split && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv + 2) != 0) {
		int rc = -errno;

		fds_close(sv, 4);
		return jb_err_set(err, rc, "socketpair: %s", jb_strerror(rc));
	}
	in_child = sv[1];
	out_child = split ? sv[3] : sv[1];
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		int rc = -errno;

		fds_close(sv, 4);
		return jb_err_set(err, rc, "pipe: %s", jb_strerror(rc));
	}
	pid = fork();
	if (pid < 0) {
		int rc = -errno;

		fds_close(sv, 4);
		close(errpipe[0]);
		close(errpipe[1]);
		return jb_err_set(err, rc, "fork: %s", jb_strerror(rc));
	}
	if (pid == 0) {
		int e = 0;

		/* The child: its stdin and stdout are its ends of the pair(s); stderr stays. */
		if (dup2(in_child, 0) < 0 || dup2(out_child, 1) < 0)
			e = errno;
		if (!e && pre)
			e = pre(arg);
		if (!e) {
			signal(SIGPIPE, SIG_DFL);
			execv(argv[0], argv);
			e = errno;
		}
		(void)!write(errpipe[1], &e, sizeof(e));
		_exit(127);
	}
	close(sv[1]);
	if (split)
		close(sv[3]);
	close(errpipe[1]);
	n = read(errpipe[0], &child_errno, sizeof(child_errno));
	close(errpipe[0]);
	ch->pid = pid;
	ch->to_fd = sv[0];
	ch->from_fd = split ? sv[2] : sv[0];
	if (n == (ssize_t)sizeof(child_errno)) {
		fn_channel_close(ch, 0);
		return jb_err_set(err, -child_errno, "cannot start %s: %s", argv[0],
				  strerror(child_errno));
	}
	return 0;
}

int
fn_channel_spawn(struct fn_channel *ch, char *const argv[], fn_channel_pre_exec pre, void *arg,
		 struct jb_err *err)
{
	return channel_spawn(ch, argv, pre, arg, 0, err);
}

int
fn_channel_spawn_split(struct fn_channel *ch, char *const argv[], fn_channel_pre_exec pre,
		       void *arg, struct jb_err *err)
{
	return channel_spawn(ch, argv, pre, arg, 1, err);
}

static void
channel_reap(struct fn_channel *ch, int block)
{
	int st;

	if (ch->pid <= 0 || ch->status >= 0)
		return;
	if (waitpid(ch->pid, &st, block ? 0 : WNOHANG) == ch->pid)
		ch->status = st;
}

static int
channel_died(struct fn_channel *ch, struct jb_err *err)
{
	uint64_t deadline = jb_clock_mono_ns() + 1000000000u;

	/* The peer closed its end: it is exiting. Give it a moment to be reapable. */
	while (ch->status < 0 && jb_clock_mono_ns() < deadline) {
		channel_reap(ch, 0);
		if (ch->status < 0)
			jb_clock_sleep_ns(1000000);
	}
	if (ch->status >= 0 && WIFSIGNALED(ch->status))
		return jb_err_set(err, -EPIPE, "function runner %d killed by signal %d (%s)", ch->pid,
				  WTERMSIG(ch->status), strsignal(WTERMSIG(ch->status)));
	if (ch->status >= 0 && WIFEXITED(ch->status))
		return jb_err_set(err, -EPIPE, "function runner %d exited with code %d", ch->pid,
				  WEXITSTATUS(ch->status));
	return jb_err_set(err, -EPIPE, "function runner %d closed its output", ch->pid);
}

int
fn_channel_read_line(struct fn_channel *ch, char *line, size_t len, uint64_t timeout_ns,
		     struct jb_err *err)
{
	uint64_t deadline = timeout_ns ? jb_clock_mono_ns() + timeout_ns : 0;

	for (;;) {
		char *nl = memchr(ch->buf, '\n', ch->len);
		struct pollfd pfd = { .fd = ch->from_fd, .events = POLLIN };
		int wait_ms = -1, rc;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - ch->buf);

			if (l >= len)
				return jb_err_set(err, -EPROTO, "reply line longer than %zu bytes", len);
			memcpy(line, ch->buf, l);
			line[l] = '\0';
			memmove(ch->buf, nl + 1, ch->len - l - 1);
			ch->len -= l + 1;
			return 0;
		}
		if (ch->len == sizeof(ch->buf))
			return jb_err_set(err, -EPROTO, "reply line longer than %zu bytes",
					  sizeof(ch->buf));
		if (deadline) {
			uint64_t now = jb_clock_mono_ns();

			if (now >= deadline)
				return jb_err_set(err, -ETIMEDOUT, "no reply within %.3f s",
						  (double)timeout_ns / 1e9);
			wait_ms = (int)((deadline - now + 999999) / 1000000);
		}
		rc = poll(&pfd, 1, wait_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return jb_err_set(err, -errno, "poll: %s", strerror(errno));
		if (rc == 0)
			continue;
		n = read(ch->from_fd, ch->buf + ch->len, sizeof(ch->buf) - ch->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ECONNRESET)
			return jb_err_set(err, -errno, "read: %s", strerror(errno));
		if (n <= 0)
			return channel_died(ch, err);
		ch->len += (size_t)n;
	}
}

int
fn_channel_write(struct fn_channel *ch, const char *data, size_t len, struct jb_err *err)
{
	while (len) {
		ssize_t n = send(ch->to_fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return channel_died(ch, err);
		if (n < 0)
			return jb_err_set(err, -errno, "write: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fn_channel_request(struct fn_channel *ch, const struct jb_fn_request *req,
		   struct jb_fn_result *res, uint64_t timeout_ns, struct jb_err *err)
{
	char line[JB_PROTO_LINE_MAX];
	int n = jb_proto_request_format(req, line, sizeof(line));
	int rc;

	if (n < 0)
		return jb_err_set(err, n, "request too long");
	rc = fn_channel_write(ch, line, (size_t)n, err);
	if (rc)
		return rc;
	rc = fn_channel_read_line(ch, line, sizeof(line), timeout_ns, err);
	if (rc)
		return rc;
	return jb_proto_result_parse(line, res, err);
}

int
fn_channel_wait(struct fn_channel *ch, uint64_t timeout_ns)
{
	uint64_t deadline = jb_clock_mono_ns() + timeout_ns;

	if (ch->pid <= 0)
		return 0;
	channel_reap(ch, 0);
	while (ch->status < 0 && jb_clock_mono_ns() < deadline) {
		jb_clock_sleep_ns(1000000);
		channel_reap(ch, 0);
	}
	return ch->status >= 0 ? 0 : -ETIMEDOUT;
}

void
fn_channel_close(struct fn_channel *ch, uint64_t grace_ns)
{
	uint64_t deadline = jb_clock_mono_ns() + grace_ns;

	if (ch->pid <= 0)
		return;
	if (ch->to_fd >= 0 && grace_ns)
		(void)send(ch->to_fd, "quit\n", 5, MSG_NOSIGNAL);
	channel_reap(ch, 0);
	while (ch->status < 0 && jb_clock_mono_ns() < deadline) {
		jb_clock_sleep_ns(1000000);
		channel_reap(ch, 0);
	}
	if (ch->status < 0) {
		kill(ch->pid, SIGKILL);
		channel_reap(ch, 1);
	}
	if (ch->from_fd >= 0 && ch->from_fd != ch->to_fd)
		close(ch->from_fd);
	if (ch->to_fd >= 0)
		close(ch->to_fd);
	ch->to_fd = ch->from_fd = -1;
	ch->pid = 0;
}
