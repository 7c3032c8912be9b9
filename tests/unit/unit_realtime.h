/* SPDX-License-Identifier: MIT */
/*
 * A unit test of a sampling meter runs its sampler at 3 to 20 ms, fifty to three hundred
 * times faster than the real sensor's rate (a BMC refreshes about once a second), so that
 * it ends in a fraction of a second. At that pace a scheduler delay of 80 ms, harmless to a
 * real meter and common when CI runs six tests on two cores, is a gap of four intervals:
 * the sampler then (rightly) reports a BMC that stopped answering, and the test fails on
 * the machine's load rather than on the code. Such suites run their process, and so the
 * sampler threads it starts (threads inherit the policy), SCHED_FIFO where the user may
 * (root, as in CI), as the integration tests' fake sensors do (tests/integration/jbtest.py,
 * realtime_thread). Elsewhere the test runs at normal priority and may see that load.
 */
#ifndef JB_UNIT_REALTIME_H
#define JB_UNIT_REALTIME_H

#include <sched.h>

static inline void
unit_realtime_init(void)
{
	struct sched_param p = {.sched_priority = 10};

	(void)sched_setscheduler(0, SCHED_FIFO, &p);
}

#endif
