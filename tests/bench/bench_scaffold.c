/* SPDX-License-Identifier: MIT */
/*
 * The `drivers` suite's shared timing scaffold (bench_scaffold.h): the echo loop, a
 * driver's start and round trip, and an empty container run, as both benchmarks time them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_scaffold.h"
#include "jb_clock.h"

extern char **environ;

const struct jb_fn_request bench_trivial = { .verb = JB_PROTO_INVOKE, .workload = "none",
					     .size = "test", .seed = 1 };

void
bind_to(int core)
{
	cpu_set_t set;

	if (core < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

int
echo_start(struct echo *e, int core)
{
	char buf[256];
	int sv[2];

	/* Close-on-exec: an instance started later must not hold the echo's end open. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	e->pid = fork();
	if (e->pid == 0) {
		bind_to(core); /* where the instances run: the same scheduling as theirs */
		close(sv[0]);
		while (read(sv[1], buf, sizeof(buf)) > 0)
			if (write(sv[1], "result status=error\n", 20) != 20)
				break;
		_exit(0);
	}
	close(sv[1]);
	e->fd = sv[0];
	return 0;
}

int
echo_round_trip(struct echo *e)
{
	char buf[256];

	return (write(e->fd, "invoke workload=none size=test seed=1\n", 38) == 38 &&
		read(e->fd, buf, sizeof(buf)) > 0) ? 0 : -EPIPE;
}

void
echo_stop(struct echo *e)
{
	close(e->fd);
	waitpid(e->pid, NULL, 0);
}

int
drv_prepare(struct drv *x, const char *name, const struct driver_config *cfg, char *why,
	    size_t len, struct jb_err *err)
{
	x->d = driver_find(name);
	x->up = 0;
	if (x->d->probe(NULL, why, len) || x->d->prepare(cfg, &x->drv, err))
		return -1;
	return 0;
}

int
drv_start(struct drv *x, uint64_t *ns)
{
	struct jb_err err = { 0 };
	uint64_t t0 = jb_clock_mono_ns();

	if (x->d->start_instance(x->drv, 0, &x->inst, &err)) {
		fprintf(stderr, "%s: %s\n", x->d->name, err.msg);
		return -1;
	}
	*ns = jb_clock_mono_ns() - t0;
	x->up = 1;
	return 0;
}

int
drv_round_trip(struct drv *x)
{
	struct jb_fn_result res;

	return x->d->invoke(x->drv, &x->inst, &bench_trivial, &res, NULL);
}

void
drv_close(struct drv *x)
{
	if (x->up)
		x->d->stop_instance(x->drv, &x->inst);
	x->d->teardown(x->drv);
}

int
spawn_timed(char *const argv[], int quiet_stderr, uint64_t *ns)
{
	posix_spawn_file_actions_t fa;
	uint64_t t0 = jb_clock_mono_ns();
	pid_t pid;
	int st = 0, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (quiet_stderr)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	waitpid(pid, &st, 0);
	*ns = jb_clock_mono_ns() - t0;
	return (WIFEXITED(st) && !WEXITSTATUS(st)) ? 0 : -ECHILD;
}
