/* SPDX-License-Identifier: MIT */
/*
 * jb_capture_run() (jb_capture.h). The child's stdout and stderr share one pipe, read with
 * poll(2) against a deadline on CLOCK_MONOTONIC_RAW; at the deadline the child is killed
 * and reaped, never left behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jb_capture.h"
#include "jb_clock.h"

extern char **environ;

int
jb_capture_run(char *const argv[], char *out, size_t len, uint64_t timeout_ns)
{
	uint64_t deadline = jb_clock_mono_ns() + timeout_ns;
	posix_spawn_file_actions_t fa;
	int pfd[2], rc, st = 0, timed_out = 0;
	size_t used = 0;
	pid_t pid;

	if (len)
		out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		return -rc;
	}
	while (!timed_out) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		uint64_t now = jb_clock_mono_ns();
		char drop[512];
		ssize_t n;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			timed_out = 1;
			continue;
		}
		rc = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (rc < 0 && errno != EINTR)
			break;
		if (rc <= 0)
			continue;
		n = used + 1 < len ? read(pfd[0], out + used, len - used - 1)
				   : read(pfd[0], drop, sizeof(drop));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* its end of the pipe is closed: it exited (or closed both) */
		if (used + 1 < len) {
			used += (size_t)n;
			out[used] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (timed_out)
		return -ETIMEDOUT;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
