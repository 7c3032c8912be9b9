/* SPDX-License-Identifier: MIT */
/*
 * The `drivers` benchmark suite (meson test --benchmark --suite drivers): what a driver
 * adds to an invocation, side by side in one run. Warm dispatch: the median round trip of
 * a trivial request (a workload name joulebench-fn does not know, answered at once)
 * in-process (format and parse, no transport), over a bare socket pair to a forked echo
 * loop (the floor any process-based driver pays), through `pinned` and through
 * `container`; goal: both drivers within 2x of the bare round trip. Cold start: the
 * container driver's start (bundle written, runtime run, function ready) against `runc
 * run` of an empty container from the same configuration (its process is /bin/true);
 * goal: within 1.2x. Medians, because one scheduler hiccup must not move the figure. The
 * benchmark runs on core 0 and the echo loop and both instances on the last core.
 * Each ratio comes with a seeded percentile-bootstrap 95% CI of the median of its per-round
 * ratios (warm: 100 round trips of each kind per round; cold: one start of each per
 * round); a goal is met when the whole CI is under it, MISSED when the whole CI is above
 * it (the benchmark then exits 1), "not shown" otherwise.
 * JB_BENCH_SHORT=1 (CI's short form): 300 round trips and 3 cold starts each; the suite
 * runs and its ratios are finite and plausible (0.1x-100x), nothing more.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_scaffold.h"
#include "driver.h"
#include "jb_clock.h"
#include "jb_proto.h"
#include "oci_bundle.h"

#define WARM_N 3000
#define COLD_N 10
#define ROUND 100

static size_t warm_n = WARM_N, cold_n = COLD_N;
static int missed, implausible;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double
median_us(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[n / 2] / 1e3;
}

static double
bench_inprocess(void)
{
	static uint64_t t[WARM_N];
	char line[JB_PROTO_LINE_MAX];
	struct jb_fn_request req;
	struct jb_fn_result res = { .status = "error", .msg = "unknown workload 'none'" };
	struct jb_fn_result back;
	size_t i;

	for (i = 0; i < warm_n; i++) {
		uint64_t t0 = jb_clock_mono_ns();

		(void)jb_proto_request_format(&bench_trivial, line, sizeof(line));
		(void)jb_proto_request_parse(line, &req, NULL);
		(void)jb_proto_result_format(&res, 0, line, sizeof(line));
		(void)jb_proto_result_parse(line, &back, NULL);
		t[i] = jb_clock_mono_ns() - t0;
	}
	return median_us(t, warm_n);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median_d(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* xorshift64*, seeded: the same ratios give the same interval on a rerun. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* The median of @x (n <= COLD_N or WARM_N / ROUND) and its percentile-bootstrap 95% CI. */
static double
ratio_ci(const double *x, size_t n, double *lo, double *hi)
{
	enum { B = 2000 };
	static double boot[B];
	double tmp[WARM_N / ROUND + COLD_N];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t b, i;

	for (b = 0; b < B; b++) {
		for (i = 0; i < n; i++)
			tmp[i] = x[rng_next(&seed) % n];
		boot[b] = median_d(tmp, n);
	}
	qsort(boot, B, sizeof(boot[0]), cmp_double);
	*lo = boot[(size_t)(0.025 * B)];
	*hi = boot[(size_t)(0.975 * B) - 1];
	memcpy(tmp, x, n * sizeof(*x));
	return median_d(tmp, n);
}

/* Print "RATIO x [lo, hi] (goal <= GOAL: verdict)" and record a miss. */
static void
ratio_print(const char *what, const double *x, size_t n, double goal)
{
	double lo, hi, m = ratio_ci(x, n, &lo, &hi);
	const char *v = hi <= goal ? "met" : lo > goal ? "MISSED" : "not shown";

	printf("  %-38s %.2fx, 95%% CI [%.2f, %.2f] (goal <= %gx: %s)\n", what, m, lo, hi, goal,
	       v);
	missed |= lo > goal;
	implausible |= !(m > 0.1 && m < 100);
}

/* Per-round ratio of the medians of @a and @b, rounds of ROUND samples. */
static size_t
round_ratios(const uint64_t *a, const uint64_t *b, size_t n, double *out)
{
	uint64_t x[ROUND], y[ROUND];
	size_t r;

	for (r = 0; r < n / ROUND; r++) {
		memcpy(x, a + r * ROUND, sizeof(x));
		memcpy(y, b + r * ROUND, sizeof(y));
		out[r] = median_us(x, ROUND) / median_us(y, ROUND);
	}
	return r;
}

static int
drv_open(struct drv *x, const char *name, const int *core)
{
	struct driver_config cfg = { .fn_path = JB_FN_BUILD_PATH, .cores = core, .n_cores = 1,
				     .timeout_ns = 10000000000ull, .memory_mb = OCI_MB_PER_VCPU };
	struct jb_err err = { 0 };
	char why[512] = "";

	if (drv_prepare(x, name, &cfg, why, sizeof(why), &err)) {
		fprintf(stderr, "%s: not usable here: %s%s\n", name, why, err.msg);
		return -1;
	}
	return 0;
}

/* One start (cold) and, unless @keep, one stop; times in ns. */
static int
drv_cycle(struct drv *x, int keep, uint64_t *start_ns, uint64_t *stop_ns)
{
	uint64_t t0;

	if (drv_start(x, start_ns))
		return -1;
	if (keep)
		return 0;
	t0 = jb_clock_mono_ns();
	x->d->stop_instance(x->drv, &x->inst);
	*stop_ns = jb_clock_mono_ns() - t0;
	x->up = 0;
	return 0;
}

/* `runc run` of an empty container (its process /bin/true), same configuration. */
static int
runc_empty(const char *bundle, size_t i, uint64_t *ns)
{
	char id[64];
	char *argv[] = { "runc", "run", "--bundle", (char *)bundle, id, NULL };

	snprintf(id, sizeof(id), "jb-bench-%ld-%zu", (long)getpid(), i);
	return spawn_timed(argv, 0, ns);
}

int
main(void)
{
	static uint64_t pipe_t[WARM_N], pin_t[WARM_N], ctr_t[WARM_N];
	uint64_t cs[COLD_N], cst[COLD_N], es[COLD_N], ps[COLD_N], pst[COLD_N], dummy;
	int core = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1, have_ctr;
	char dir[] = "/tmp/jb-bench-XXXXXX", bundle[PATH_MAX];
	struct oci_bundle_config bc = { .fn_path = "/bin/true", .cgroups_path = "/joulebench/bench",
					.memory_mb = OCI_MB_PER_VCPU, .hostname = "bench",
					.cpuset = NULL };
	struct drv pin, ctr;
	struct echo echo = { .fd = -1, .pid = -1 };
	const char *short_form = getenv("JB_BENCH_SHORT");
	double inproc, rr[WARM_N / ROUND], cr[COLD_N];
	char cpuset[16];
	size_t i, r, k = 0, nr;

	if (short_form && strcmp(short_form, "1") == 0) {
		warm_n = 3 * ROUND;
		cold_n = 3;
	}
	inproc = bench_inprocess();

	/* The machine may be busy: every measurement is interleaved with the others, in
	 * rounds, so that load hits them alike; medians over all rounds. */
	snprintf(cpuset, sizeof(cpuset), "%d", core);
	bc.cpuset = cpuset;
	if (drv_open(&pin, "pinned", &core) || echo_start(&echo, core))
		return 1;
	have_ctr = geteuid() == 0 && !drv_open(&ctr, "container", &core);
	/* The harness on another core than the instances, as in a run with --cores. */
	bind_to(core > 0 ? 0 : -1);
	if (have_ctr && (!mkdtemp(dir) ||
			 (snprintf(bundle, sizeof(bundle), "%s/b", dir),
			  oci_bundle_write(bundle, &bc, NULL))))
		have_ctr = 0;
	for (i = 0; i < cold_n; i++) {
		if (drv_cycle(&pin, 0, &ps[i], &pst[i]))
			return 1;
		if (have_ctr && (drv_cycle(&ctr, 0, &cs[i], &cst[i]) || runc_empty(bundle, i, &es[i])))
			have_ctr = 0;
	}
	if (drv_cycle(&pin, 1, &dummy, &dummy) || (have_ctr && drv_cycle(&ctr, 1, &dummy, &dummy)))
		return 1;
	for (r = 0; r < warm_n / ROUND; r++) {
		for (i = 0; i < ROUND; i++, k++) {
			uint64_t t0 = jb_clock_mono_ns();

			if (echo_round_trip(&echo))
				return 1;
			pipe_t[k] = jb_clock_mono_ns() - t0;
			t0 = jb_clock_mono_ns();
			if (drv_round_trip(&pin))
				return 1;
			pin_t[k] = jb_clock_mono_ns() - t0;
			t0 = jb_clock_mono_ns();
			if (have_ctr && drv_round_trip(&ctr))
				return 1;
			ctr_t[k] = jb_clock_mono_ns() - t0;
		}
	}
	drv_close(&pin);
	echo_stop(&echo);
	if (have_ctr) {
		drv_close(&ctr);
		(void)oci_bundle_remove(bundle);
		(void)rmdir(dir);
		(void)rmdir("/sys/fs/cgroup/cpu/joulebench");
	}
	{
		double pipe_us, pw;

		/* Per-round ratios first: median_us() sorts the arrays it is given. */
		nr = round_ratios(pin_t, pipe_t, k, rr);
		printf("warm dispatch, median round trip of a trivial request (%zu each, "
		       "interleaved in %zu rounds):\n", k, nr);
		ratio_print("pinned / bare socket pair", rr, nr, 2.0);
		if (have_ctr) {
			nr = round_ratios(ctr_t, pipe_t, k, rr);
			ratio_print("container / bare socket pair", rr, nr, 2.0);
		}
		pipe_us = median_us(pipe_t, k);
		pw = median_us(pin_t, k);
		printf("  in-process call        %9.2f us\n", inproc);
		printf("  bare socket pair       %9.2f us  (the reference)\n", pipe_us);
		printf("  pinned                 %9.2f us  %.2fx the bare round trip\n", pw,
		       pw / pipe_us);
		if (have_ctr) {
			double cw = median_us(ctr_t, k);

			printf("  container              %9.2f us  %.2fx the bare round trip\n", cw,
			       cw / pipe_us);
		}
		printf("cold start on core %d, median of %zu (interleaved):\n", core, cold_n);
		if (have_ctr) {
			for (i = 0; i < cold_n; i++)
				cr[i] = (double)cs[i] / (double)es[i];
			ratio_print("container start / empty runc run", cr, cold_n, 1.2);
		}
		printf("  pinned start           %9.2f us, stop %.2f us\n", median_us(ps, cold_n),
		       median_us(pst, cold_n));
		if (have_ctr) {
			double cc = median_us(cs, cold_n), cstop = median_us(cst, cold_n);
			double empty = median_us(es, cold_n);

			printf("  container start        %9.2f us, stop %.2f us\n", cc, cstop);
			printf("  runc run, empty        %9.2f us  (create, start, exit, delete)\n", empty);
			printf("  container start+stop / empty runc run  %.2fx\n", (cc + cstop) / empty);
		} else {
			printf("  container: skipped (needs root and runc or crun)\n");
		}
	}
	if (implausible) {
		printf("FAIL: a ratio is not plausible (outside 0.1x-100x)\n");
		return 1;
	}
	if (warm_n != WARM_N) {
		printf("short form: the suite runs and its ratios are plausible; goals are judged "
		       "only in the full run\n");
		return 0;
	}
	return missed ? 1 : 0;
}
