/* SPDX-License-Identifier: MIT */
/*
 * cgroup parsing on fixture trees (tests/fixtures/cgroup/v1 and v2): version detection,
 * CPU time (cpuacct.usage in ns; cpu.stat usage_usec), limits (cfs quota and period or
 * cpu.max, memory, pids, cpuset), OOM kill counts; and the pinned driver's SMT handling on
 * a fake topology where cpu0 and cpu1 are siblings.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cgroup.h"
#include "driver.h"

#define V1 JB_TEST_FIXTURES "/cgroup/v1"
#define V2 JB_TEST_FIXTURES "/cgroup/v2"

Test(driver_cgroup, version_detect)
{
	cr_assert_eq(cgroup_version_detect(V1), 1);
	cr_assert_eq(cgroup_version_detect(V2), 2);
	cr_assert_eq(cgroup_version_detect(JB_TEST_FIXTURES "/nonexistent"), -ENODEV);
}

Test(driver_cgroup, parsers)
{
	uint64_t ns, period, v;
	int64_t q;

	cr_assert_eq(cgroup_usage_parse_v1("123\n", &ns), 0);
	cr_assert_eq(ns, 123);
	cr_assert_eq(cgroup_usage_parse_v1("12x\n", &ns), -EINVAL);
	cr_assert_eq(cgroup_usage_parse_v1("", &ns), -EINVAL);
	cr_assert_eq(cgroup_usage_parse_v2("user_usec 1\nusage_usec 7\n", &ns), 0);
	cr_assert_eq(ns, 7000);
	/* A key that only starts with the name is not the key. */
	cr_assert_eq(cgroup_usage_parse_v2("usage_usec_x 5\n", &ns), -EINVAL);
	cr_assert_eq(cgroup_cpu_max_parse("max 100000\n", &q, &period), 0);
	cr_assert_eq(q, CGROUP_UNLIMITED);
	cr_assert_eq(period, 100000);
	cr_assert_eq(cgroup_cpu_max_parse("28943 100000\n", &q, &period), 0);
	cr_assert_eq(q, 28943);
	cr_assert_eq(cgroup_cpu_max_parse("28943\n", &q, &period), -EINVAL);
	cr_assert_eq(cgroup_limit_parse("-1\n", &q), 0);
	cr_assert_eq(q, CGROUP_UNLIMITED);
	cr_assert_eq(cgroup_limit_parse("max\n", &q), 0);
	cr_assert_eq(q, CGROUP_UNLIMITED);
	cr_assert_eq(cgroup_limit_parse("64\n", &q), 0);
	cr_assert_eq(q, 64);
	cr_assert_eq(cgroup_stat_field("a 1\noom_kill 3\n", "oom_kill", &v), 0);
	cr_assert_eq(v, 3);
	cr_assert_eq(cgroup_stat_field("a 1\n", "oom_kill", &v), -ENOENT);
}

Test(driver_cgroup, v1_tree)
{
	struct cgroup_limits lim;
	uint64_t ns, kills;

	cr_assert_eq(cgroup_cpu_ns_read(V1, 1, "/jb", &ns, NULL), 0);
	cr_assert_eq(ns, 123456789);
	cr_assert_eq(cgroup_limits_read(V1, 1, "/jb", &lim, NULL), 0);
	cr_assert_eq(lim.cpu_quota_us, 28943);
	cr_assert_eq(lim.cpu_period_us, 100000);
	cr_assert_eq(lim.memory_limit_bytes, 536870912);
	cr_assert_eq(lim.pids_max, 64);
	cr_assert_str_eq(lim.cpuset_cpus, "0");
	cr_assert_eq(cgroup_oom_kills_read(V1, 1, "/jb", &kills), 0);
	cr_assert_eq(kills, 2);
	cr_assert_eq(cgroup_cpu_ns_read(V1, 1, "/gone", &ns, NULL), -ENOENT);
}

Test(driver_cgroup, v2_tree)
{
	struct cgroup_limits lim;
	uint64_t ns, kills;

	cr_assert_eq(cgroup_cpu_ns_read(V2, 2, "/jb", &ns, NULL), 0);
	cr_assert_eq(ns, 4242000);
	cr_assert_eq(cgroup_limits_read(V2, 2, "/jb", &lim, NULL), 0);
	cr_assert_eq(lim.cpu_quota_us, CGROUP_UNLIMITED);
	cr_assert_eq(lim.cpu_period_us, 100000);
	cr_assert_eq(lim.memory_limit_bytes, CGROUP_UNLIMITED);
	cr_assert_eq(lim.pids_max, CGROUP_UNLIMITED);
	cr_assert_str_eq(lim.cpuset_cpus, "0-1");
	cr_assert_eq(cgroup_oom_kills_read(V2, 2, "/jb", &kills), 0);
	cr_assert_eq(kills, 0);
}

Test(driver_cgroup, status_words_and_cpu_lists)
{
	int cores[] = { 0, 1, 2, 5, 7, 8 };
	char buf[64];

	cr_assert_str_eq(driver_status_for(0), "ok");
	cr_assert_str_eq(driver_status_for(-ETIMEDOUT), "timeout");
	cr_assert_str_eq(driver_status_for(-EPIPE), "crashed");
	cr_assert_str_eq(driver_status_for(-ENOMEM), "oom-killed");
	cr_assert_str_eq(driver_status_for(-EINVAL), "error");
	driver_cpus_format(cores, 6, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0-2,5,7-8");
	driver_cpus_format(cores, 0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
}

Test(driver_pinned, smt_siblings_stay_idle)
{
	const struct driver_ops *d = driver_find("pinned");
	int cores[] = { 0, 1 };
	struct driver_config cfg = { .fn_path = "/bin/true", .cores = cores, .n_cores = 2,
				     .sysfs_root = JB_TEST_FIXTURES "/sysfs-smt" };
	struct driver_info info;
	void *drv = NULL;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || !CPU_ISSET(0, &set) ||
	    !CPU_ISSET(1, &set))
		cr_skip_test("needs CPUs 0 and 1 in this process's affinity mask");
	cr_assert_eq(d->prepare(&cfg, &drv, NULL), 0);
	d->describe(drv, &info);
	cr_assert_str_eq(info.cores, "0");
	cr_assert_str_eq(info.smt_idle, "1");
	cr_assert_eq(info.max_instances, 1);
	d->teardown(drv);
}

Test(driver_pinned, exclusive_is_one_instance)
{
	const struct driver_ops *d = driver_find("pinned");
	struct driver_config cfg = { .fn_path = "/bin/true", .exclusive = 1,
				     .sysfs_root = JB_TEST_FIXTURES "/nonexistent" };
	struct driver_instance inst;
	struct driver_info info;
	struct jb_err err = { 0 };
	void *drv = NULL;

	cr_assert_eq(d->prepare(&cfg, &drv, NULL), 0);
	d->describe(drv, &info);
	cr_assert_eq(info.exclusive, 1);
	cr_assert_eq(info.max_instances, 1);
	cr_assert_eq(d->start_instance(drv, 1, &inst, &err), -EBUSY);
	cr_assert(strstr(err.msg, "exclusive"));
	d->teardown(drv);
}
