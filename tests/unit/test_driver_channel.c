/* SPDX-License-Identifier: MIT */
/*
 * The drivers' line channel (fn_channel.c): with fn_channel_spawn_split() the child's stdin
 * and stdout are separate open file descriptions, so O_NONBLOCK set on its stdout does not
 * make its stdin non-blocking. gVisor's Sentry sets O_NONBLOCK on each stdio fd it imports
 * and gives the function the flags it found; on a shared description the function's stdin
 * came out non-blocking and it quit at its first EAGAIN (container.c). The check runs in the
 * child's pre-exec hook: it sets O_NONBLOCK on fd 1, then fails the start when fd 0 has it.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver-private.h"

static int
stdout_nonblock_leaks(void *arg)
{
	int fl = fcntl(1, F_GETFL);

	(void)arg;
	if (fl < 0 || fcntl(1, F_SETFL, fl | O_NONBLOCK) != 0)
		return errno;
	fl = fcntl(0, F_GETFL);
	if (fl < 0)
		return errno;
	return (fl & O_NONBLOCK) ? EAGAIN : 0;
}

static char *const true_argv[] = { "/bin/true", NULL };

Test(fn_channel, split_keeps_stdin_blocking)
{
	struct fn_channel ch;
	struct jb_err err = { 0 };
	int rc = fn_channel_spawn_split(&ch, true_argv, stdout_nonblock_leaks, NULL, &err);

	cr_assert_eq(rc, 0, "split spawn: %d %s", rc, err.msg);
	cr_assert_neq(ch.to_fd, ch.from_fd);
	cr_assert_eq(fn_channel_wait(&ch, 5000000000ull), 0);
	cr_assert(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 0, "status %d", ch.status);
	fn_channel_close(&ch, 0);
	cr_assert_eq(ch.to_fd, -1);
}

/* The shared pair does leak the flag: the check above can fail. */
Test(fn_channel, one_pair_shares_the_flags)
{
	struct fn_channel ch;
	struct jb_err err = { 0 };
	int rc = fn_channel_spawn(&ch, true_argv, stdout_nonblock_leaks, NULL, &err);

	cr_assert_eq(rc, -EAGAIN, "one-pair spawn: %d %s", rc, err.msg);
}
