/* SPDX-License-Identifier: MIT */
/*
 * Running a helper program and keeping what it says: posix_spawnp(3) with a pipe, no
 * shell between us and it (an argument with blanks, quotes or `$(...)` is never
 * interpreted), and a bounded wait, so a helper that hangs cannot hang its caller. For
 * folders that may not use drivers/' own copy (driver_capture(), drivers/capture.c).
 */
#ifndef JB_CAPTURE_H
#define JB_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/**
 * jb_capture_run() - run @argv (argv[0] a path, or a name looked up in $PATH) with stdin
 * /dev/null, its stdout and stderr, interleaved as it wrote them, into @out
 * (NUL-terminated, cut at @len - 1 bytes; the rest is read and dropped, so the helper
 * never blocks on a full pipe). It is killed (SIGKILL) @timeout_ns after its start.
 * Return: its exit status (0-255; 128 + the signal when a signal ended it), -ETIMEDOUT
 * when it was killed for the time, or -errno when it could not start (-ENOENT: no such
 * program).
 */
int jb_capture_run(char *const argv[], char *out, size_t len, uint64_t timeout_ns);

#endif
