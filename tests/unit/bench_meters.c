/* SPDX-License-Identifier: MIT */
/*
 * The `meters` benchmark (meson test --benchmark --suite meters): the cost of one read()
 * of every backend that can be opened here, in ns, and the rate and CPU cost the INA219
 * sampler achieves on the register model. Real meters are measured when they probe
 * usable; the fakes (rapl-perf through its seam on the fixture PMU, hwmon on the fixture
 * tree) measure joulebench's own share of a read. Prints; it is a tool, not a library.
 *
 * Goals, stated next to each figure: a window costs two reads (its start and its end), and
 * those must take at most 0.05% of the shortest window the meter allows (a tenth of the
 * harness benchmark's 0.5% budget for everything joulebench adds); the INA219 sampler at
 * avg=8 (docs/boards.md's setting) at most 1% of a CPU. These are single figures without a
 * confidence interval, so a miss is reported as a miss, not failed; the `harness` suite
 * prints this output beside its interleaved ratios.
 * JB_BENCH_SHORT=1 (CI's short form): 2,000 reads and 0.2 s of sampling.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef JB_HAVE_INA219
#include "ina219.h"
#include "ina219_model.h"
#endif
#include "jb_clock.h"
#include "meter-private.h"

static int reads = 20000;
static uint64_t sample_ns = 1000000000;

static void
bench_reads(const char *label, const struct meter_ops *ops, const struct jb_ctx *ctx)
{
	struct meter_info info;
	struct meter_reading r;
	struct jb_err err = { 0 };
	void *priv = NULL;
	uint64_t t0, t1;
	int i, rc = 0;

	memset(&info, 0, sizeof(info));
	if (ops->open(ctx, &priv, &info, &err)) {
		printf("%-34s skipped: %s\n", label, err.msg);
		return;
	}
	t0 = jb_clock_mono_ns();
	for (i = 0; i < reads && !rc; i++)
		rc = ops->read(priv, &r);
	t1 = jb_clock_mono_ns();
	ops->close(priv);
	if (rc)
		printf("%-34s read failed: %s\n", label, jb_strerror(rc));
	else {
		double ns = (double)(t1 - t0) / reads;
		double share = info.min_window_ns ? 2 * ns / (double)info.min_window_ns : 0;

		printf("%-34s %8.0f ns per read (%zu domain(s), %d reads); 2 reads = %.4f%% of "
		       "its shortest window %.0f ms (goal <= 0.05%%: %s)\n", label, ns,
		       info.n_domains, reads, 100 * share, (double)info.min_window_ns / 1e6,
		       !info.min_window_ns ? "no minimum window" : share <= 0.0005 ? "met" : "MISSED");
	}
}

static int
fake_open(void *c, const struct perf_event_attr *attr, int cpu)
{
	(void)c, (void)attr, (void)cpu;
	return 0;
}

static int
fake_read(void *c, int fd, uint64_t *count)
{
	(void)fd;
	*count = ++*(uint64_t *)c;
	return 0;
}

static void
fake_close(void *c, int fd)
{
	(void)c, (void)fd;
}

static uint64_t fake_count;
static const struct rapl_perf_sys fake_sys = { fake_open, fake_read, fake_close, &fake_count };

static int
perf_fake_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	return rapl_perf_open_with(ctx, &fake_sys, priv, info, err);
}

#ifdef JB_HAVE_INA219
static double
model_current(void *arg, double t_s)
{
	(void)arg, (void)t_s;
	return 0.5;
}

static void
bench_ina219(const char *opts)
{
	const struct jb_ctx ctx = { .meter_opts = opts };
	struct ina219_model m;
	struct ina219_bus b;
	struct ina219_stats st;
	struct meter_info info;
	struct jb_err err = { 0 };
	void *priv = NULL;

	ina219_model_init(&m, 0.1, 5.0, model_current, NULL);
	b = ina219_model_bus(&m);
	memset(&info, 0, sizeof(info));
	if (ina219_open_with(&ctx, &b, &priv, &info, &err)) {
		printf("ina219 sampler (%s) failed: %s\n", opts, err.msg);
		return;
	}
	jb_clock_sleep_ns(sample_ns);
	ina219_stats_get(priv, &st);
	meter_ina219.close(priv);
	printf("ina219 sampler on the model, %-22s %7.1f samples/s of %7.1f possible, "
	       "%.2f%% of a CPU, %.1f transfers per sample%s\n", opts, st.rate_hz,
	       1e9 / (double)info.update_interval_ns, 100 * st.cpu_frac,
	       st.samples ? (double)(m.reads + m.writes) / (double)st.samples : 0,
	       strcmp(opts, "avg=8") ? ""
	       : st.cpu_frac <= 0.01 ? " (goal <= 1% of a CPU: met)" : " (goal <= 1% of a CPU: MISSED)");
}
#endif

int
main(void)
{
	const struct jb_ctx sys = { .sysfs_root = "/sys" };
	const struct jb_ctx perf_fix = { .sysfs_root = JB_TEST_FIXTURES "/sysfs-perf" };
	const struct jb_ctx hwmon_fix = { .sysfs_root = JB_TEST_FIXTURES "/sysfs-hwmon" };
	struct meter_ops perf_fake = meter_rapl_perf;
	const char *short_form = getenv("JB_BENCH_SHORT");
	char why[1024];
	size_t i;

	if (short_form && strcmp(short_form, "1") == 0) {
		reads = 2000;
		sample_ns = 200000000;
	}
	printf("meter read cost (CLOCK_MONOTONIC around %d back-to-back reads)\n", reads);
	for (i = 0; i < meter_count(); i++) {
		const struct meter_ops *ops = meter_at(i);
		char label[64];

		snprintf(label, sizeof(label), "%s (this machine)", ops->name);
		if (ops->probe(&sys, why, sizeof(why)) == 0)
			bench_reads(label, ops, &sys);
		else
			printf("%-34s skipped: not usable here\n", label);
	}
	perf_fake.open = perf_fake_open;
	bench_reads("rapl-perf (fixture PMU, fake read)", &perf_fake, &perf_fix);
	bench_reads("hwmon (fixture tree)", &meter_hwmon, &hwmon_fix);
	printf("%-34s skipped: libpowercap reads only /sys/class/powercap, so a fake tree needs "
	       "a private mount namespace (root); tests/integration/test_powercap.py runs it\n",
	       "rapl-powercap (fake tree)");
#ifdef JB_HAVE_INA219
	bench_ina219("bits=9,avg=1");
	bench_ina219("avg=1");
	bench_ina219("avg=8");
#else
	printf("ina219 sampler: not built (-Dina219=disabled)\n");
#endif
	return 0;
}
