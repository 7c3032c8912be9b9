/* SPDX-License-Identifier: MIT */
/*
 * The papi meter's probe: where it is unusable (Debian's PAPI has no rapl or powercap
 * component, and a machine without the perf power PMU has no RAPL events), it must say
 * exactly which events it tried, how each failed, and which components are missing.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "meter-private.h"

#ifdef JB_HAVE_PAPI
Test(papi, probe_says_exactly_why)
{
	const struct jb_ctx ctx = { .sysfs_root = "/sys" };
	char why[2048];
	int rc = meter_papi.probe(&ctx, why, sizeof(why));

	if (rc == 0) {
		cr_assert(strstr(why, "adds and starts"), "%s", why);
		return;
	}
	cr_assert_eq(rc, -ENODEV, "%s", why);
	/* Every candidate, with the step that failed. */
	cr_assert(strstr(why, "rapl::RAPL_ENERGY_PKG:cpu=0: "), "%s", why);
	cr_assert(strstr(why, "amd64_rapl::RAPL_ENERGY_PKG:cpu=0: "), "%s", why);
	cr_assert(strstr(why, "powercap:::ENERGY_UJ:ZONE0: "), "%s", why);
	cr_assert(strstr(why, "component"), "%s", why);
	cr_assert(strstr(why, "rapl-perf"), "%s", why);
}
#else
Test(papi, not_built)
{
	cr_skip_test("joulebench was built without PAPI");
}
#endif
