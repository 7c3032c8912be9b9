/* SPDX-License-Identifier: MIT */
/*
 * Thin wrappers over clock_gettime(2) so that every module reads time the same way and in
 * the same unit (ns, uint64_t). A failing clock_gettime on a supported clock id cannot
 * happen on Linux, so these return 0 rather than an error in that impossible case.
 */
#include <errno.h>
#include <time.h>

#include "jb_clock.h"

static uint64_t
clock_read_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
jb_clock_mono_ns(void)
{
	return clock_read_ns(CLOCK_MONOTONIC);
}

uint64_t
jb_clock_unix_ns(void)
{
	return clock_read_ns(CLOCK_REALTIME);
}

uint64_t
jb_clock_process_cpu_ns(void)
{
	return clock_read_ns(CLOCK_PROCESS_CPUTIME_ID);
}

void
jb_clock_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}
