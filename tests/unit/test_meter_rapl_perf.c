/* SPDX-License-Identifier: MIT */
/*
 * The rapl-perf meter on a fake sysfs tree (tests/fixtures/sysfs-perf: two packages with
 * cores, ram and psys events) with perf_event_open replaced through its seam: discovery of
 * type, events, scale, unit and cpumask; domain names and nesting; counts to µJ; the
 * explanation of a refused perf_event_open; read errors returned, not crashed on.
 */
#include "config.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "meter-private.h"
#include "meter_check.h"

#define FIX JB_TEST_FIXTURES

struct fake_perf {
	int open_rc;   /* 0: succeed; else the -errno every open returns */
	int read_rc;
	int n;
	uint32_t type[16];
	uint64_t config[16];
	int cpu[16];
	uint64_t count[16];
	int closed;
};

static int
fake_open(void *c, const struct perf_event_attr *attr, int cpu)
{
	struct fake_perf *f = c;

	if (f->open_rc)
		return f->open_rc;
	f->type[f->n] = attr->type;
	f->config[f->n] = attr->config;
	f->cpu[f->n] = cpu;
	cr_assert_eq(attr->sample_period, 0, "the power PMU refuses sampling");
	return f->n++;
}

static int
fake_read(void *c, int fd, uint64_t *count)
{
	struct fake_perf *f = c;

	if (f->read_rc)
		return f->read_rc;
	*count = f->count[fd];
	return 0;
}

static void
fake_close(void *c, int fd)
{
	(void)fd;
	((struct fake_perf *)c)->closed++;
}

static struct fake_perf fake;
static const struct rapl_perf_sys fake_sys = { fake_open, fake_read, fake_close, &fake };

static int
fake_meter_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info,
		struct jb_err *err)
{
	return rapl_perf_open_with(ctx, &fake_sys, priv, info, err);
}

static struct meter_ops fake_ops;
static const struct jb_ctx ctx = { .sysfs_root = FIX "/sysfs-perf" };

static void
setup(void)
{
	memset(&fake, 0, sizeof(fake));
	fake_ops = meter_rapl_perf;
	fake_ops.open = fake_meter_open;
}

TestSuite(rapl_perf, .init = setup);

Test(rapl_perf, discovers_events_and_packages)
{
	struct meter m;
	struct jb_err err = { 0 };
	static const char *const names[] = { "package-0", "core-0", "dram-0", "psys",
					     "package-1", "core-1", "dram-1" };
	static const char *const parents[] = { "psys", "package-0", "", "", "psys", "package-1", "" };
	static const uint64_t config[] = { 2, 1, 3, 5, 2, 1, 3 };
	static const int cpu[] = { 0, 0, 0, 0, 18, 18, 18 };
	size_t i;

	cr_assert_eq(meter_open(&m, &fake_ops, &ctx, &err), 0, "%s", err.msg);
	cr_assert_eq(m.info.n_domains, 7);
	for (i = 0; i < 7; i++) {
		cr_assert_str_eq(m.info.domain[i].name, names[i]);
		cr_assert_str_eq(m.info.domain[i].parent, parents[i], "%s", names[i]);
		cr_assert_eq(m.info.domain[i].max_energy_range_uj, 0, "64-bit count: no wrap");
		cr_assert_eq(fake.type[i], 23);
		cr_assert_eq(fake.config[i], config[i]);
		cr_assert_eq(fake.cpu[i], cpu[i]);
	}
	/* Both packages by default; psys and a package together would count twice. */
	cr_assert_str_eq(m.selection, "package");
	cr_assert_eq(meter_select(&m, "psys,package-0", &err), -EINVAL);
	cr_assert_eq(meter_select(&m, "core,dram", &err), 0);
	cr_assert_eq(m.info.update_interval_ns, 1000000);
	cr_assert_float_eq(m.info.resolution_j, 61e-6, 1e-12);
	meter_close(&m);
	cr_assert_eq(fake.closed, 7);
}

Test(rapl_perf, counts_scale_to_microjoules)
{
	struct meter m;
	struct meter_sample s;
	struct jb_err err = { 0 };

	cr_assert_eq(meter_open(&m, &fake_ops, &ctx, &err), 0, "%s", err.msg);
	/* 5 J on package-0, 2.5 J on package-1, in 2^-32 J counts (the .scale file). */
	fake.count[0] = 5ull << 32;
	fake.count[4] = 5ull << 31;
	cr_assert_eq(meter_sample(&m, &s), 0);
	cr_assert_float_eq(s.energy_j, 7.5, 1e-6);
	cr_assert_eq(m.rejected, 0);
	/* A failed read is an error code, the totals untouched. */
	fake.read_rc = -EIO;
	cr_assert_eq(meter_sample(&m, &s), -EIO);
	meter_close(&m);
}

Test(rapl_perf, refused_open_says_why_and_what_to_do)
{
	char why[1024];

	fake.open_rc = -EACCES;
	cr_assert_eq(rapl_perf_probe_with(&ctx, &fake_sys, why, sizeof(why)), -EACCES);
	cr_assert(strstr(why, "perf_event_paranoid"), "%s", why);
	cr_assert(strstr(why, "CAP_PERFMON"), "%s", why);
	cr_assert(strstr(why, "CVE-2020-8694"), "%s", why);
	fake.open_rc = 0;
	cr_assert_eq(rapl_perf_probe_with(&ctx, &fake_sys, why, sizeof(why)), 0, "%s", why);
	cr_assert(strstr(why, "type 23"), "%s", why);
}

Test(rapl_perf, missing_or_malformed_pmu)
{
	const struct jb_ctx none = { .sysfs_root = FIX "/no-such-tree" };
	const struct jb_ctx bad = { .sysfs_root = FIX "/sysfs-perf-badunit" };
	struct meter m;
	struct jb_err err = { 0 };
	char why[1024];

	cr_assert_eq(rapl_perf_probe_with(&none, &fake_sys, why, sizeof(why)), -ENODEV);
	cr_assert(strstr(why, "no perf power PMU"), "%s", why);
	cr_assert_eq(rapl_perf_probe_with(&bad, &fake_sys, why, sizeof(why)), -ENODEV);
	cr_assert(strstr(why, "Joules"), "%s", why);
	cr_assert_eq(meter_open(&m, &fake_ops, &bad, &err), -ENODEV);
}

/* The probe proves a count can be read, not only that the event opens. */
Test(rapl_perf, probe_reads_a_count)
{
	char why[1024];

	fake.read_rc = -EIO;
	cr_assert_eq(rapl_perf_probe_with(&ctx, &fake_sys, why, sizeof(why)), -EIO);
	cr_assert(strstr(why, "read of power/energy-pkg/"), "%s", why);
	cr_assert_eq(fake.closed, 1, "the probe's event is closed after a failed read");
	fake.read_rc = 0;
	fake.count[1] = 12345;
	cr_assert_eq(rapl_perf_probe_with(&ctx, &fake_sys, why, sizeof(why)), 0, "%s", why);
	cr_assert(strstr(why, "reads 12345"), "%s", why);
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

/* An Intel KVM guest: the power PMU lists only energy-psys, and the count stays 0. The probe
 * passes (it opens and reads), the liveness probe does not. */
Test(rapl_perf, psys_only_pmu_reading_zero_is_dead)
{
	char root[] = "/tmp/jb-perf-psys-XXXXXX", dir[256], cmd[300], why[1024];
	const struct jb_ctx psys = { .sysfs_root = root };
	const int cpu0[] = { 0 };
	struct jb_err err = { 0 };
	struct meter m;

	cr_assert_not_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/bus/event_source/devices/power/events", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
	cr_assert_eq(system(cmd), 0);
	write_file(dir, "energy-psys", "event=0x05\n");
	write_file(dir, "energy-psys.scale", "2.3283064365386962890625e-10\n");
	write_file(dir, "energy-psys.unit", "Joules\n");
	snprintf(dir, sizeof(dir), "%s/bus/event_source/devices/power", root);
	write_file(dir, "type", "23\n");
	write_file(dir, "cpumask", "0\n");

	cr_assert_eq(rapl_perf_probe_with(&psys, &fake_sys, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(meter_open(&m, &fake_ops, &psys, &err), 0, "%s", err.msg);
	cr_assert_eq(m.info.n_domains, 1);
	cr_assert_str_eq(m.info.domain[0].name, "psys");
	cr_assert_str_eq(m.selection, "psys");
	cr_assert_eq(meter_liveness_check(&m, cpu0, 1, why, sizeof(why)), -ENODATA);
	cr_assert(strstr(why, "psys did not advance"), "%s", why);
	cr_assert(strstr(why, "virtualized PMU"), "%s", why);
	meter_close(&m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	cr_assert_eq(system(cmd), 0);
}
