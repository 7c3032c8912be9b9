/* SPDX-License-Identifier: MIT */
/*
 * common/jb_capture.c: a helper's stdout and stderr are captured, its exit status and a
 * missing program are told apart, a long answer is cut without blocking the helper, and a
 * helper that hangs is killed at the deadline.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "jb_capture.h"
#include "jb_clock.h"

Test(capture, stdout_and_stderr_and_status)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char out[256];

	cr_assert_eq(jb_capture_run(argv, out, sizeof(out), 10000000000ull), 3);
	cr_assert_str_eq(out, "out\nerr\n");
}

Test(capture, no_shell_between)
{
	char *argv[] = { "printf", "%s|", "$(echo no)", "a b", "'q'", NULL };
	char out[256];

	cr_assert_eq(jb_capture_run(argv, out, sizeof(out), 10000000000ull), 0);
	cr_assert_str_eq(out, "$(echo no)|a b|'q'|");
}

Test(capture, missing_program)
{
	char *argv[] = { "jb-no-such-program-here", NULL };
	char out[16] = "x";

	cr_assert_eq(jb_capture_run(argv, out, sizeof(out), 10000000000ull), -ENOENT);
	cr_assert_str_eq(out, "");
}

Test(capture, long_answer_is_cut_and_drained)
{
	/* 1 MiB, far over a pipe's 64 KiB: the helper must still run to its end. */
	char *argv[] = { "sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; echo; exit 5", NULL };
	char out[100];

	cr_assert_eq(jb_capture_run(argv, out, sizeof(out), 10000000000ull), 5);
	cr_assert_eq(strlen(out), sizeof(out) - 1);
	cr_assert_eq(strspn(out, "x"), sizeof(out) - 1);
}

Test(capture, hung_helper_is_killed_at_the_deadline)
{
	char *argv[] = { "sleep", "30", NULL };
	char out[16];
	uint64_t t0 = jb_clock_mono_ns();

	cr_assert_eq(jb_capture_run(argv, out, sizeof(out), 200000000ull), -ETIMEDOUT);
	cr_assert_lt(jb_clock_mono_ns() - t0, 5000000000ull);
}
