/* SPDX-License-Identifier: MIT */
/*
 * The hwmon meter on a fake sysfs tree (tests/fixtures/sysfs-hwmon): which devices count,
 * how they are named and selected, the ina2xx shunt_resistor warning, power integrated by
 * the sampling thread, energy counters read as they are.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "jb_clock.h"
#include "meter-private.h"
#include "unit_realtime.h"

#define FIX JB_TEST_FIXTURES

/* Its sampler runs far faster than the real sensor: unit_realtime.h says why. */
TestSuite(hwmon, .init = unit_realtime_init);

Test(hwmon, probe_lists_sensors_and_warns_about_the_ina2xx_shunt)
{
	const struct jb_ctx ctx = { .sysfs_root = FIX "/sysfs-hwmon" };
	char why[2048];

	cr_assert_eq(meter_hwmon.probe(&ctx, why, sizeof(why)), 0, "%s", why);
	cr_assert(strstr(why, "ina219-1:power1 (summed by default)"), "%s", why);
	cr_assert(strstr(why, "amd_energy-2:energy1"), "%s", why);
	cr_assert(strstr(why, "vi_sensor-3:in1_curr1"), "%s", why);
	cr_assert_null(strstr(why, "coretemp"), "%s", why);
	cr_assert(strstr(why, "10x too high"), "%s", why);
	cr_assert(strstr(why, "shunt_resistor"), "%s", why);
}

Test(hwmon, probe_without_hwmon)
{
	const struct jb_ctx ctx = { .sysfs_root = FIX "/no-such-tree" };
	char why[1024];

	cr_assert_eq(meter_hwmon.probe(&ctx, why, sizeof(why)), -ENODEV);
	cr_assert(strstr(why, "no "), "%s", why);
}

Test(hwmon, integrates_power_and_reads_energy, .timeout = 10)
{
	const struct jb_ctx ctx = { .sysfs_root = FIX "/sysfs-hwmon", .meter_opts = "interval_ms=2" };
	struct meter m;
	struct meter_sample s0, s1;
	struct meter_reading r;
	struct jb_err err = { 0 };
	double dt_s, max_err_j;

	cr_assert_eq(meter_open(&m, &meter_hwmon, &ctx, &err), 0, "%s", err.msg);
	cr_assert_eq(m.info.n_domains, 3);
	cr_assert_str_eq(m.info.domain[0].name, "ina219-1:power1");
	cr_assert_str_eq(m.info.domain[1].name, "amd_energy-2:energy1");
	cr_assert_str_eq(m.info.domain[2].name, "vi_sensor-3:in1_curr1");
	/* Only the first sensor by default: two sensors may be on nested supplies. */
	cr_assert_str_eq(m.selection, "ina219-1:power1");
	cr_assert_eq(m.info.update_interval_ns, 2000000);
	/* ina219 through ina2xx: Power_LSB 20 mW over one 2 ms sample. */
	cr_assert_float_eq(m.info.resolution_j, 0.020 * 0.002, 1e-12);
	cr_assert_eq(meter_sample(&m, &s0), 0);
	jb_clock_sleep_ns(200000000);
	cr_assert_eq(meter_sample(&m, &s1), 0);
	/* 1.6 W constant: read() samples too, so the integral ends at the read (within the
	 * microseconds between the sample's and the reading's timestamps). */
	dt_s = (double)(s1.t_ns - s0.t_ns) / 1e9;
	max_err_j = 1.6 * 0.001;
	cr_assert_float_eq(s1.energy_j - s0.energy_j, 1.6 * dt_s, max_err_j, "%.6f J in %.4f s",
			   s1.energy_j - s0.energy_j, dt_s);
	cr_assert_eq(meter_select(&m, "vi_sensor", &err), 0, "%s", err.msg);
	cr_assert_eq(meter_sample(&m, &s0), 0);
	jb_clock_sleep_ns(100000000);
	cr_assert_eq(meter_sample(&m, &s1), 0);
	dt_s = (double)(s1.t_ns - s0.t_ns) / 1e9;
	cr_assert_float_eq(s1.energy_j - s0.energy_j, 3.0 * dt_s, 3.0 * 0.001);
	/* The energy counter is passed through in µJ. */
	cr_assert_eq(m.ops->read(m.priv, &r), 0);
	cr_assert_eq(r.energy_uj[1], 123456789);
	cr_assert(strstr(m.info.detail, "samples/s"), "%s", m.info.detail);
	meter_close(&m);
}

Test(hwmon, bad_options_are_refused)
{
	const struct jb_ctx ctx = { .sysfs_root = FIX "/sysfs-hwmon", .meter_opts = "intervl=3" };
	struct meter m;
	struct jb_err err = { 0 };

	cr_assert_eq(meter_open(&m, &meter_hwmon, &ctx, &err), -EINVAL);
	cr_assert(strstr(err.msg, "intervl"), "%s", err.msg);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

Test(hwmon, a_failing_read_is_an_error_code_and_recovers, .timeout = 10)
{
	char root[] = "/tmp/jb-hwmon-XXXXXX", dir[256], path[300];
	struct jb_ctx ctx = { .meter_opts = "interval_ms=1" };
	struct meter m;
	struct meter_sample s;
	struct jb_err err = { 0 };

	cr_assert_not_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/class", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/class/hwmon", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/class/hwmon/hwmon0", root);
	mkdir(dir, 0755);
	write_file(dir, "name", "ina226\n");
	write_file(dir, "power1_input", "2000000\n");
	ctx.sysfs_root = root;
	cr_assert_eq(meter_open(&m, &meter_hwmon, &ctx, &err), 0, "%s", err.msg);
	cr_assert_eq(meter_sample(&m, &s), 0);
	/* The sensor vanishes from under the open file: an empty read is -EIO, no crash. */
	snprintf(path, sizeof(path), "%s/power1_input", dir);
	cr_assert_eq(truncate(path, 0), 0);
	cr_assert_eq(meter_sample(&m, &s), -EIO);
	write_file(dir, "power1_input", "2000000\n");
	jb_clock_sleep_ns(5000000);
	cr_assert_eq(meter_sample(&m, &s), 0);
	cr_assert_gt(s.energy_j, 0);
	meter_close(&m);
	unlink(path);
	snprintf(path, sizeof(path), "%s/name", dir);
	unlink(path);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/class/hwmon", root);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/class", root);
	rmdir(dir);
	rmdir(root);
}
