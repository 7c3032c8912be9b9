/* SPDX-License-Identifier: MIT */
/*
 * Running a helper program and keeping its output: the version line of a VMM, the flag
 * list of runsc. posix_spawn(3) with a pipe, no shell, so a path with spaces or quotes is
 * never interpreted; a bounded wait, so a helper that hangs cannot hang a probe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver-private.h"
#include "jb_clock.h"

extern char **environ;

int
driver_capture(char *const argv[], char *out, size_t len, uint64_t timeout_ns)
{
	posix_spawn_file_actions_t fa;
	uint64_t deadline = jb_clock_mono_ns() + timeout_ns;
	size_t used = 0;
	int pfd[2], rc, st = 0;
	pid_t pid;

	if (len)
		out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		return -rc;
	}
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		uint64_t now = jb_clock_mono_ns();
		char sink[512];
		ssize_t n;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			continue;
		if (used + 1 < len)
			n = read(pfd[0], out + used, len - used - 1);
		else
			n = read(pfd[0], sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < len) {
			used += (size_t)n;
			out[used] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
