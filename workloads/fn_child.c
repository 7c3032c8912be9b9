/* SPDX-License-Identifier: MIT */
/*
 * The user's function as a child process (fn_child.h). Pipes carry its stdin, stdout and
 * stderr; one poll loop reads stdout up to a line and keeps stderr's last line, so a child
 * that writes much to stderr never blocks on a full pipe while we wait for its reply.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fn_child.h"
#include "jb_clock.h"

#define FN_LINE_MAX_BYTES (64u << 20)
#define FN_OUTPUT_MAX_BYTES (16u << 20)

static void
fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

extern char **environ;

/* Fork and exec @argv in @dir with stdio from @in, @out, @errw (the other ends are
 * close-on-exec). An exec failure comes back through a close-on-exec pipe. */
static int
spawn(const char *const *argv, const char *dir, char *const *envp, uint64_t memory_mb,
      int in, int out, int errw, pid_t *pid_out, struct jb_err *err)
{
	int ep[2], child_errno = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(ep, O_CLOEXEC) != 0)
		return jb_err_set(err, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		int rc = -errno;

		close(ep[0]);
		close(ep[1]);
		return jb_err_set(err, rc, "fork: %s", jb_strerror(rc));
	}
	if (pid == 0) {
		int e = 0;

		/* Dies with joulebench-fn: a driver that kills a hung runner kills this too. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || (errw >= 0 && dup2(errw, 2) < 0) ||
		    chdir(dir) != 0)
			e = errno;
		if (!e && memory_mb) {
			struct rlimit rl = { memory_mb << 20, memory_mb << 20 };

			if (setrlimit(RLIMIT_DATA, &rl) != 0)
				e = errno;
		}
		if (!e) {
			signal(SIGPIPE, SIG_DFL);
			/* execvpe() searches the caller's PATH, not @envp's: the child's own
			 * environment is set first, so a function's PATH (an image's) finds its
			 * program. */
			if (envp)
				environ = (char **)envp;
			execvp(argv[0], (char *const *)argv);
			e = errno;
		}
		(void)!write(ep[1], &e, sizeof(e));
		_exit(127);
	}
	close(ep[1]);
	n = read(ep[0], &child_errno, sizeof(child_errno));
	close(ep[0]);
	*pid_out = pid;
	if (n == (ssize_t)sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		return jb_err_set(err, -child_errno, "cannot start %s: %s", argv[0],
				  strerror(child_errno));
	}
	return 0;
}

/* Our environment plus @extra (NAME=VALUE, NULL-terminated; they win), built before the
 * fork, so that the child does no allocation between fork and exec. Free the array, not
 * the strings. */
static char **
env_merge(char *const *extra)
{
	size_t n = 0, k = 0, i, j;
	char **env;

	while (environ && environ[n])
		n++;
	while (extra && extra[k])
		k++;
	env = calloc(n + k + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = j = 0; i < n; i++) {
		size_t x, len = strcspn(environ[i], "=");
		int shadowed = 0;

		for (x = 0; x < k; x++)
			shadowed |= !strncmp(environ[i], extra[x], len + 1);
		if (!shadowed)
			env[j++] = environ[i];
	}
	for (i = 0; i < k; i++)
		env[j++] = extra[i];
	return env;
}

int
fn_child_start(struct fn_child *c, const char *const *argv, const char *dir,
	       uint64_t memory_mb, char *const *extra_env, int logs_only, struct jb_err *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 }, rc;
	char **env = NULL, stat_path[64];

	memset(c, 0, sizeof(*c));
	c->to_fd = c->from_fd = c->err_fd = c->stat_fd = -1;
	c->status = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(er, O_CLOEXEC)) {
		rc = jb_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto fail;
	}
	if (extra_env && !(env = env_merge(extra_env))) {
		rc = jb_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	/* logs_only: stdout is no protocol channel, it joins stderr (the Runtime API). */
	rc = spawn(argv, dir, env, memory_mb, in[0], logs_only ? er[1] : out[1], er[1], &c->pid,
		   err);
	free(env);
	if (rc) {
		c->pid = 0;
		goto fail;
	}
	close(in[0]);
	close(out[1]);
	close(er[1]);
	c->to_fd = in[1];
	c->from_fd = out[0];
	c->err_fd = er[0];
	/* Read twice per invocation, the child's CPU time must cost little: its CPU-time clock
	 * is one system call for all its threads, and its stat file, kept open, one pread (a
	 * /proc/PID/task walk cost 14 calls for one thread, 38 for Node.js's ten). */
	c->has_cpu_clock = clock_getcpuclockid(c->pid, &c->cpu_clock) == 0 &&
			   clock_gettime(c->cpu_clock, &(struct timespec){ 0 }) == 0;
	snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)c->pid);
	c->stat_fd = open(stat_path, O_RDONLY | O_CLOEXEC);
	return 0;
fail:
	fd_close(&in[0]), fd_close(&in[1]), fd_close(&out[0]), fd_close(&out[1]);
	fd_close(&er[0]), fd_close(&er[1]);
	return rc;
}

void
fn_child_drain(struct fn_child *c)
{
	char chunk[4096];
	ssize_t n = read(c->err_fd, chunk, sizeof(chunk) - 1);
	char *p, *last;

	if (n <= 0) {
		fd_close(&c->err_fd);
		return;
	}
	chunk[n] = '\0';
	while (n > 0 && chunk[n - 1] == '\n')
		chunk[--n] = '\0';
	if (!n)
		return;
	last = chunk;
	for (p = chunk; (p = strchr(p, '\n')); p++)
		last = p + 1;
	snprintf(c->err_tail, sizeof(c->err_tail), "%.*s", (int)sizeof(c->err_tail) - 1, last);
}

static void
reap(struct fn_child *c, int block)
{
	struct rusage ru;
	int st;

	if (c->pid <= 0 || c->status >= 0)
		return;
	if (wait4(c->pid, &st, block ? 0 : WNOHANG, &ru) == c->pid) {
		c->status = st;
		c->cpu_done_ns = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
					 1000000000u +
				 ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
	}
}

int
fn_child_gone(struct fn_child *c, struct jb_err *err)
{
	uint64_t deadline = jb_clock_mono_ns() + 2000000000u;
	char how[64];

	while (c->err_fd >= 0 && jb_clock_mono_ns() < deadline)
		fn_child_drain(c);
	while (c->status < 0 && jb_clock_mono_ns() < deadline) {
		reap(c, 0);
		if (c->status < 0)
			jb_clock_sleep_ns(1000000);
	}
	if (c->status >= 0 && WIFSIGNALED(c->status))
		snprintf(how, sizeof(how), "was killed by signal %d (%s)", WTERMSIG(c->status),
			 strsignal(WTERMSIG(c->status)));
	else if (c->status >= 0)
		snprintf(how, sizeof(how), "exited with code %d", WEXITSTATUS(c->status));
	else
		snprintf(how, sizeof(how), "closed its stdout");
	return jb_err_set(err, -EPIPE, "the function %s%s%s", how, c->err_tail[0] ? ": " : "",
			  c->err_tail);
}

int
fn_write_all(int fd, const char *p, size_t len, int send_flags)
{
	while (len) {
		ssize_t n = send_flags < 0 ? write(fd, p, len) : send(fd, p, len, send_flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fn_poll_until(struct pollfd *p, nfds_t n, uint64_t deadline, uint64_t timeout_ns,
	      struct jb_err *err)
{
	int wait_ms = -1, rc;

	if (deadline) {
		uint64_t now = jb_clock_mono_ns();

		if (now >= deadline)
			return jb_err_set(err, -ETIMEDOUT, "no result within %.3f s",
					  (double)timeout_ns / 1e9);
		wait_ms = (int)((deadline - now + 999999) / 1000000);
	}
	rc = poll(p, n, wait_ms);
	if (rc < 0 && errno == EINTR)
		return 0;
	if (rc < 0)
		return jb_err_set(err, -errno, "poll: %s", strerror(errno));
	return rc;
}

int
fn_child_call(struct fn_child *c, const char *req, size_t req_len, char **line,
	      size_t *line_len, uint64_t timeout_ns, struct jb_err *err)
{
	uint64_t deadline = timeout_ns ? jb_clock_mono_ns() + timeout_ns : 0;
	int rc;

	if (c->used) {
		/* Drop the line the previous call handed out. */
		memmove(c->buf, c->buf + c->used, c->len - c->used);
		c->len -= c->used;
		c->used = 0;
	}
	if (c->len) {
		c->buf[c->len] = '\0';
		return jb_err_set(err, -EPROTO, "the function wrote more than one line per event: "
				  "\"%.60s\"", c->buf[0] == '\n' ? "(empty line)" : c->buf);
	}
	rc = fn_write_all(c->to_fd, req, req_len, -1);
	if (rc == -EPIPE)
		return fn_child_gone(c, err);
	if (rc)
		return jb_err_set(err, rc, "writing the event: %s", jb_strerror(rc));
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p[2] = { { .fd = c->from_fd, .events = POLLIN },
				       { .fd = c->err_fd, .events = POLLIN } };
		ssize_t n;

		if (nl) {
			*nl = '\0';
			*line = c->buf;
			*line_len = (size_t)(nl - c->buf);
			/* Bytes after the line stay: the next call reports them as junk. */
			c->used = (size_t)(nl + 1 - c->buf);
			return 0;
		}
		if (c->len + 65536 + 1 > c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 1u << 17;
			char *b;

			if (cap > FN_LINE_MAX_BYTES)
				return jb_err_set(err, -E2BIG, "result line over %u MiB",
						  FN_LINE_MAX_BYTES >> 20);
			b = realloc(c->buf, cap);
			if (!b)
				return jb_err_set(err, -ENOMEM, "out of memory for the result");
			c->buf = b;
			c->cap = cap;
		}
		if ((rc = fn_poll_until(p, 2, deadline, timeout_ns, err)) <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (p[1].revents)
			fn_child_drain(c);
		if (!p[0].revents)
			continue;
		n = read(c->from_fd, c->buf + c->len, c->cap - c->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fn_child_gone(c, err);
		c->len += (size_t)n;
	}
}

/* One clock tick in ns (sysconf(_SC_CLK_TCK), 100 Hz where unknown). */
static uint64_t
tick_ns(void)
{
	long tck = sysconf(_SC_CLK_TCK);

	return 1000000000ull / (uint64_t)(tck > 0 ? tck : 100);
}

/* From /proc/PID/stat (proc(5), in clock ticks): utime + stime of every thread (fields 14
 * and 15), used where neither a CPU-time clock nor schedstat is offered, and cutime +
 * cstime (16 and 17) of the children it has waited for (a runtime's curl, a shell's
 * commands). @fd is the file kept open (pread at 0 makes the kernel write it anew), or -1
 * to open it once. */
static uint64_t
stat_cpu_ns(pid_t pid, int fd, int children)
{
	char p[64], buf[1024], *rp;
	unsigned long long ut = 0, st = 0, cut = 0, cst = 0;
	long tck = sysconf(_SC_CLK_TCK);
	int own = fd < 0;
	ssize_t n;

	if (own) {
		snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (own)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After the command's closing parenthesis come field 3 onwards. */
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
			  &ut, &st, &cut, &cst) != 4 || tck <= 0)
		return 0;
	return (children ? cut + cst : ut + st) * (1000000000ull / (unsigned long long)tck);
}

/* Every thread's time on a CPU from /proc/PID/task/TID/schedstat (Documentation/scheduler/
 * sched-stats.rst: the first field, in ns), where no CPU-time clock is offered; exited
 * threads are not counted. 0 when there is no schedstat (gVisor's /proc). */
static uint64_t
schedstat_cpu_ns(pid_t pid, unsigned *seen)
{
	char p[64];
	uint64_t sum = 0;
	struct dirent *e;
	DIR *d;

	*seen = 0;
	snprintf(p, sizeof(p), "/proc/%d/task", (int)pid);
	d = opendir(p);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char q[96];
		unsigned long long v;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(q, sizeof(q), "%s/%.20s/schedstat", p, e->d_name);
		f = fopen(q, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			sum += v, (*seen)++;
		fclose(f);
	}
	closedir(d);
	return sum;
}

uint64_t
fn_child_cpu_ns(struct fn_child *c, int read_reaped)
{
	struct timespec ts;
	uint64_t own;
	unsigned seen = 0;

	if (c->status >= 0)
		return c->cpu_done_ns;
	if (c->has_cpu_clock && clock_gettime(c->cpu_clock, &ts) == 0) {
		own = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	} else {
		own = schedstat_cpu_ns(c->pid, &seen);
		if (!seen)
			own = stat_cpu_ns(c->pid, c->stat_fd, 0);
	}
	/* cutime and cstime are kept in clock ticks: read them more often than once a tick
	 * and no call learns more, but each pread of the stat file cost a warm call 4-8 µs
	 * (the `functions` benchmark). What is not read yet counts in the call that reads it. */
	if (read_reaped) {
		uint64_t now = jb_clock_mono_ns();

		if (!c->reaped_read_ns || now - c->reaped_read_ns >= tick_ns()) {
			c->reaped_ns = stat_cpu_ns(c->pid, c->stat_fd, 1);
			c->reaped_read_ns = now;
		}
	}
	return own + c->reaped_ns;
}

void
fn_child_stop(struct fn_child *c)
{
	uint64_t deadline = jb_clock_mono_ns() + 1000000000u;

	if (c->pid > 0) {
		fd_close(&c->to_fd);
		while (c->status < 0 && jb_clock_mono_ns() < deadline) {
			reap(c, 0);
			if (c->status < 0)
				jb_clock_sleep_ns(2000000);
		}
		if (c->status < 0) {
			kill(c->pid, SIGKILL);
			reap(c, 1);
		}
	}
	fd_close(&c->to_fd);
	fd_close(&c->from_fd);
	fd_close(&c->err_fd);
	fd_close(&c->stat_fd);
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
	c->pid = 0;
}

int
fn_command_run(const char *const *argv, const char *dir, char *const *envp, const char *in,
	       size_t in_len, uint64_t timeout_ns, char **out, int *exit_code,
	       struct jb_err *err)
{
	struct fn_child c;
	char **env = env_merge(envp);
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, rc;
	uint64_t deadline = jb_clock_mono_ns() + timeout_ns;

	memset(&c, 0, sizeof(c));
	c.status = -1;
	c.err_fd = c.stat_fd = -1;
	*out = NULL;
	if (pipe2(ip, O_CLOEXEC) || pipe2(op, O_CLOEXEC)) {
		rc = jb_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto done;
	}
	if (!env) {
		rc = jb_err_set(err, -ENOMEM, "out of memory");
		goto done;
	}
	rc = spawn(argv, dir, env, 0, ip[0], op[1], -1, &c.pid, err);
	fd_close(&ip[0]);
	fd_close(&op[1]);
	if (rc)
		goto done;
	/* Inputs are small (an event, a result): write it all, then read to EOF. */
	if (in_len && fn_write_all(ip[1], in, in_len, -1) != 0 && errno != EPIPE) {
		rc = jb_err_set(err, -errno, "%s: writing its input: %s", argv[0], strerror(errno));
		goto done;
	}
	fd_close(&ip[1]);
	c.cap = 1u << 16;
	c.buf = malloc(c.cap);
	if (!c.buf) {
		rc = -ENOMEM;
		goto done;
	}
	for (;;) {
		struct pollfd p = { .fd = op[0], .events = POLLIN };
		uint64_t now = jb_clock_mono_ns();
		ssize_t n;

		if (now >= deadline) {
			rc = jb_err_set(err, -ETIMEDOUT, "%s: no exit within %.0f s", argv[0],
					(double)timeout_ns / 1e9);
			goto done;
		}
		if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			continue;
		if (c.len + 1 == c.cap) {
			char *b = c.cap >= FN_OUTPUT_MAX_BYTES ? NULL : realloc(c.buf, c.cap * 2);

			if (!b) {
				rc = jb_err_set(err, -E2BIG, "%s: output too large", argv[0]);
				goto done;
			}
			c.buf = b;
			c.cap *= 2;
		}
		n = read(op[0], c.buf + c.len, c.cap - c.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		c.len += (size_t)n;
	}
	c.buf[c.len] = '\0';
	reap(&c, 1);
	*exit_code = WIFSIGNALED(c.status) ? 128 + WTERMSIG(c.status) : WEXITSTATUS(c.status);
	*out = c.buf;
	c.buf = NULL;
	rc = 0;
done:
	if (c.pid > 0 && c.status < 0) {
		kill(c.pid, SIGKILL);
		reap(&c, 1);
	}
	free(c.buf);
	free(env);
	fd_close(&ip[0]), fd_close(&ip[1]), fd_close(&op[0]), fd_close(&op[1]);
	return rc;
}
