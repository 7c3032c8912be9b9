/* SPDX-License-Identifier: MIT */
/*
 * protocol/window.c and protocol/rows.c: the window engine on a scripted meter (each read
 * returns the next scripted time and counter, or a scripted error), and the rows it
 * writes. The cases are the protocol's known failure modes: a CPU-time split where a
 * request has no CPU time (the others must not silently take its energy), a window that
 * straddles a failed meter read (no energy may be made up from it, and the next window is
 * measured again), the uncertainty formula, computed in one place for every window, a
 * window longer than its counter's range (polled, it follows every wrap; unpolled, it is
 * flagged), and the idle baseline of a power-gated plane.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "rows.h"
#include "session.h"
#include "window.h"

#define MS 1000000ull
#define SCRIPT_MAX 16

struct script {
	size_t i, n;
	int primed;           /* meter_open()'s priming read returns entry 0 without using it */
	uint64_t t_ns[SCRIPT_MAX];
	uint64_t uj[SCRIPT_MAX];
	int rc[SCRIPT_MAX];   /* a read's error (-EIO), or 0 */
	uint64_t range_uj;    /* the counter's max_energy_range_uj (0: no wrap) */
};

static struct script script_data;

static int
script_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	(void)ctx;
	(void)err;
	*priv = &script_data;
	info->n_domains = 1;
	strcpy(info->domain[0].name, "package-0");
	info->domain[0].scope = JB_SCOPE_CPU_PACKAGE;
	info->domain[0].max_energy_range_uj = script_data.range_uj;
	info->resolution_j = 61e-6;          /* a RAPL energy unit, 2^-14 J */
	info->update_interval_ns = 1 * MS;   /* RAPL's ~1 ms */
	info->min_window_ns = 100 * MS;
	return 0;
}

static int
script_read(void *priv, struct meter_reading *out)
{
	struct script *s = priv;
	size_t i = s->primed ? s->i++ : 0;

	s->primed = 1;
	if (i >= s->n || s->rc[i])
		return i >= s->n ? -EIO : s->rc[i];
	out->t_ns = s->t_ns[i];
	out->energy_uj[0] = s->uj[i];
	return 0;
}

static void
script_close(void *priv)
{
	(void)priv;
}

static const struct meter_ops script_ops = {
	.name = "script", .kind = METER_KIND_MEASURED, .open = script_open,
	.read = script_read, .close = script_close,
};

/* The rows a window writes, kept for the checks. */
struct sink {
	size_t n;
	struct results_row row[16];
	char status[16][32];
	char message[16][WINDOW_WHY_MAX];
};

static int
sink_emit(void *arg, const struct results_row *row, struct jb_err *err)
{
	struct sink *k = arg;

	(void)err;
	cr_assert_lt(k->n, 16);
	k->row[k->n] = *row;
	snprintf(k->status[k->n], sizeof(k->status[0]), "%s", row->status);
	snprintf(k->message[k->n], sizeof(k->message[0]), "%s", row->message);
	k->n++;
	return 0;
}

static const struct workload_desc test_wl = { .name = "matmul", .work_unit = "flop" };

static const struct rows_base test_base = {
	.run_id = "r", .host = "h", .arch = "x86_64", .driver = "container",
	.isolation = "container", .meter = "script", .meter_kind = "measured",
	.domain = "package", .size = "test", .concurrency = 3, .idle_w = 2.0,
};

static struct rows_record
rec(unsigned instance, uint64_t cpu_ns, int cpu_ok)
{
	struct rows_record r;

	memset(&r, 0, sizeof(r));
	r.kind = ROWS_INVOKE;
	r.wl = &test_wl;
	r.instance = instance;
	r.core = -1;
	r.rt_ns = 100 * MS;
	r.wall_ns = 90 * MS;
	r.cpu_ns = cpu_ns;
	r.cpu_ok = cpu_ok;
	strcpy(r.res.status, "ok");
	r.res.verified = 1;
	return r;
}

static void
open_script(struct meter *m, const struct script *s)
{
	script_data = *s;
	cr_assert_eq(meter_open(m, &script_ops, NULL, NULL), 0);
}

Test(window_uncertainty, one_formula_for_every_window)
{
	struct meter_info info = { .resolution_j = 61e-6, .update_interval_ns = 1 * MS };

	/* 10 J in 1 s: 10 W; per span two endpoints, each one counter step plus one update
	 * interval's energy at the mean power: 2 x (61e-6 + 10 x 1e-3) J. */
	cr_assert_float_eq(window_uncertainty_j(&info, 10.0, 1000 * MS, 1),
			   2 * (61e-6 + 0.01), 1e-12);
	/* Two spans (a cold start without its input setup): four endpoints. */
	cr_assert_float_eq(window_uncertainty_j(&info, 10.0, 1000 * MS, 2),
			   4 * (61e-6 + 0.01), 1e-12);
	/* No time: the counter steps only; a NaN power never leaks into the bound. */
	cr_assert_float_eq(window_uncertainty_j(&info, 10.0, 0, 1), 2 * 61e-6, 1e-15);
	cr_assert_float_eq(window_uncertainty_j(&info, NAN, 1000 * MS, 1), 2 * 61e-6, 1e-15);
}

Test(window_uncertainty, the_window_uses_the_formula)
{
	struct script s = { .n = 2, .t_ns = { 0, 500 * MS }, .uj = { 0, 5000000 } };
	struct meter m;
	struct window w;

	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_str_eq(window_status(&w), "ok", "%s", w.why);
	cr_assert_float_eq(w.energy_j, 5.0, 1e-12);
	cr_assert_float_eq(window_uncertainty(&w),
			   window_uncertainty_j(&m.info, 5.0, 500 * MS, 1), 1e-15);
	meter_close(&m);
}

Test(window_split, cpu_share_with_a_missing_cpu_time_flags_the_window)
{
	/* 12 J over 1 s (12 W); three invocations, the second without a CPU time. */
	struct script s = { .n = 2, .t_ns = { 0, 1000 * MS }, .uj = { 0, 12000000 } };
	struct rows_record r[3] = { rec(0, 30 * MS, 1), rec(1, 0, 0), rec(2, 10 * MS, 1) };
	struct rows_batch b[3] = { { &r[0], 1 }, { &r[1], 1 }, { &r[2], 1 } };
	struct sink k = { 0 };
	struct meter m;
	struct window w;
	uint64_t inv = 7;
	size_t i;

	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_str_eq(window_status(&w), "ok", "%s", w.why);
	cr_assert_eq(rows_window_write(&test_base, &w, &rows_split_cgroup_cpu, "warm", b, 3, 4,
				       &inv, sink_emit, &k, NULL), 0);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(inv, 10);
	/* The one without a CPU time has no share, and nobody takes its energy silently:
	 * every row of the window says why it cannot be trusted. */
	cr_assert(isnan(k.row[1].energy_j));
	for (i = 0; i < 3; i++) {
		cr_assert_str_eq(k.status[i], "untrustworthy");
		cr_assert(strstr(k.message[i], "1 of 3 request(s)") != NULL, "%s", k.message[i]);
		cr_assert(strstr(k.message[i], "no CPU time") != NULL, "%s", k.message[i]);
		cr_assert_float_eq(k.row[i].window_energy_j, 12.0, 1e-12);
		cr_assert_str_eq(k.row[i].energy_method, "window-split-by-cgroup-cpu-share");
		cr_assert_eq(k.row[i].rep, 4);
		cr_assert_eq(k.row[i].invocation, 7 + i);
	}
	/* The numbers are kept (flagged, not dropped): shares of the known CPU times. */
	cr_assert_float_eq(k.row[0].energy_j, 9.0, 1e-9);
	cr_assert_float_eq(k.row[2].energy_j, 3.0, 1e-9);
	cr_assert_float_eq(k.row[0].dynamic_energy_j, (12.0 - 2.0) * 0.75, 1e-9);
	meter_close(&m);
}

Test(window_split, cpu_share_with_every_cpu_time_is_ok)
{
	struct script s = { .n = 2, .t_ns = { 0, 1000 * MS }, .uj = { 0, 12000000 } };
	struct rows_record r[2] = { rec(0, 30 * MS, 1), rec(1, 10 * MS, 1) };
	struct rows_batch b = { r, 2 };
	struct sink k = { 0 };
	struct meter m;
	struct window w;
	uint64_t inv = 0;

	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_eq(rows_window_write(&test_base, &w, &rows_split_cgroup_cpu, "warm", &b, 1, 0,
				       &inv, sink_emit, &k, NULL), 0);
	cr_assert_str_eq(k.status[0], "ok", "%s", k.message[0]);
	cr_assert_str_eq(k.status[1], "ok");
	cr_assert_float_eq(k.row[0].energy_j + k.row[1].energy_j, 12.0, 1e-9);
	/* The meter's share plus the attribution term: CPU shares 3/4 and 1/4 against an
	 * equal 1/2 each, |3/4 - 1/2| x 12 J = 3 J for both (results/README.md). */
	cr_assert_float_eq(k.row[0].energy_uncertainty_j, window_uncertainty(&w) * 0.75 + 3.0,
			   1e-12);
	cr_assert_float_eq(k.row[1].energy_uncertainty_j, window_uncertainty(&w) * 0.25 + 3.0,
			   1e-12);
	meter_close(&m);
}

Test(window_split, round_trip_split_ignores_cpu_times)
{
	struct script s = { .n = 2, .t_ns = { 0, 1000 * MS }, .uj = { 0, 12000000 } };
	struct rows_record r[2] = { rec(0, 0, 0), rec(0, 0, 0) };
	struct rows_batch b = { r, 2 };
	struct sink k = { 0 };
	struct meter m;
	struct window w;
	uint64_t inv = 0;

	r[1].rt_ns = 300 * MS;
	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_eq(rows_window_write(&test_base, &w, &rows_split_round_trip, "warm", &b, 1, 0,
				       &inv, sink_emit, &k, NULL), 0);
	cr_assert_str_eq(k.status[0], "ok", "%s", k.message[0]);
	cr_assert_float_eq(k.row[0].energy_j, 3.0, 1e-9);
	cr_assert_float_eq(k.row[1].energy_j, 9.0, 1e-9);
	/* A round-trip split of one instance's sequential requests is not an attribution:
	 * the meter's share alone. */
	cr_assert_float_eq(k.row[1].energy_uncertainty_j, window_uncertainty(&w) * 0.75, 1e-12);
	meter_close(&m);
}

Test(window_split, a_teardown_in_a_cpu_split_window_flags_the_window)
{
	/* A co-located window where keep-alive retired an instance: its teardown has no CPU
	 * share, so the two invocations' shares hold its energy, and must say so. */
	struct script s = { .n = 2, .t_ns = { 0, 1000 * MS }, .uj = { 0, 12000000 } };
	struct rows_record r[3] = { rec(0, 30 * MS, 1), rec(1, 10 * MS, 1), rec(2, 0, 0) };
	struct rows_batch b = { r, 3 };
	struct sink k = { 0 };
	struct meter m;
	struct window w;
	uint64_t inv = 0;
	size_t i;

	r[2].kind = ROWS_TEARDOWN;
	snprintf(r[2].err, sizeof(r[2].err), "retired after 0.02 s idle (keep-alive)");
	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_eq(rows_window_write(&test_base, &w, &rows_split_cgroup_cpu, "warm", &b, 1, 0,
				       &inv, sink_emit, &k, NULL), 0);
	cr_assert_eq(k.n, 3);
	cr_assert(isnan(k.row[2].energy_j));
	cr_assert_str_eq(k.row[2].phase, "teardown");
	for (i = 0; i < 3; i++) {
		cr_assert_str_eq(k.status[i], "untrustworthy", "%s", k.message[i]);
		cr_assert(strstr(k.message[i], "1 teardown(s)") != NULL, "%s", k.message[i]);
		if (i == 2)
			cr_assert(strstr(k.message[i], "retired") == k.message[i], "%s", k.message[i]);
	}
	meter_close(&m);
}

Test(window_split, attribution_term_is_zero_when_both_splits_agree)
{
	struct rows_record r[3] = { rec(0, 10 * MS, 1), rec(1, 10 * MS, 1), rec(2, 0, 0) };
	struct rows_batch b = { r, 3 };

	/* Equal CPU times: both splits give 1/2 (the record without a CPU time takes none). */
	cr_assert_float_eq(rows_attribution_uncertainty(&rows_split_process_cpu, &r[0], &b, 1,
							 8.0), 0.0, 1e-15);
	cr_assert(isnan(rows_attribution_uncertainty(&rows_split_process_cpu, &r[2], &b, 1, 8.0)));
	r[1].cpu_ns = 30 * MS; /* 1/4 and 3/4 against 1/2: 1/4 of 8 J */
	cr_assert_float_eq(rows_attribution_uncertainty(&rows_split_process_cpu, &r[0], &b, 1,
							 8.0), 2.0, 1e-12);
	cr_assert_float_eq(rows_attribution_uncertainty(&rows_split_round_trip, &r[0], &b, 1, 8.0),
			   0.0, 1e-15);
}

Test(window_meter_error, a_window_straddling_a_failed_read_has_no_energy)
{
	/* Window 1: its closing read fails. Window 2 starts at that failed read (a new
	 * read) and ends on a good one; window 3 is measured normally again. */
	struct script s = {
		.n = 6,
		.t_ns = { 0, 0, 200 * MS, 400 * MS, 600 * MS, 800 * MS },
		.uj = { 0, 0, 2000000, 4000000, 6000000, 8000000 },
		.rc = { 0, -EIO, 0, 0, 0, 0 },
	};
	struct rows_record r[2] = { rec(0, 0, 0), rec(0, 0, 0) };
	struct rows_batch b = { r, 2 };
	struct sink k = { 0 };
	struct meter m;
	struct window w;
	uint64_t inv = 0;

	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w); /* the failed read */
	window_check(&w, "window");
	cr_assert_str_eq(window_status(&w), "meter-error");
	cr_assert(isnan(w.energy_j));
	cr_assert(strstr(w.why, "meter read failed") != NULL, "%s", w.why);
	cr_assert_eq(rows_window_write(&test_base, &w, &rows_split_round_trip, "warm", &b, 1, 0,
				       &inv, sink_emit, &k, NULL), 0);
	cr_assert_str_eq(k.status[0], "meter-error");
	cr_assert(isnan(k.row[0].energy_j) && isnan(k.row[1].energy_j));
	cr_assert(isnan(k.row[0].dynamic_energy_j) && isnan(k.row[0].energy_uncertainty_j));

	/* A window whose spans straddle the error: the failed read is inside it. */
	window_begin(&w, &m, 100 * MS);     /* 200 ms, 2 J */
	window_span_end(&w);                /* 400 ms, 4 J */
	cr_assert_float_eq(w.energy_j, 2.0, 1e-12);
	window_check(&w, "window");
	cr_assert_str_eq(window_status(&w), "ok", "%s", w.why);

	/* Counting goes on from good reads: no energy lost or invented after the error. */
	window_begin(&w, &m, 100 * MS);     /* 600 ms, 6 J */
	window_span_end(&w);                /* 800 ms, 8 J */
	window_check(&w, "window");
	cr_assert_str_eq(window_status(&w), "ok", "%s", w.why);
	cr_assert_float_eq(w.energy_j, 2.0, 1e-12);
	cr_assert_eq(w.window_ns, 200 * MS);
	meter_close(&m);
}

Test(window_meter_error, a_span_ending_on_a_failed_read_spoils_the_whole_window)
{
	/* A cold start in two spans; the second span's closing read fails. */
	struct script s = {
		.n = 4, .t_ns = { 0, 100 * MS, 200 * MS, 0 }, .uj = { 0, 1000000, 2000000, 0 },
		.rc = { 0, 0, 0, -EIO },
	};
	struct meter m;
	struct window w;

	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_span_begin(&w);
	window_span_end(&w);
	window_check(&w, "cold start");
	cr_assert_str_eq(window_status(&w), "meter-error");
	cr_assert(isnan(w.energy_j));
	cr_assert(strstr(w.why, "during the cold start") != NULL, "%s", w.why);
	meter_close(&m);
}

Test(window_check, implausible_and_short_windows_are_flagged_with_their_reasons)
{
	/* A frozen counter: 0 J over 50 ms on a measured meter. */
	struct script s = { .n = 2, .t_ns = { 0, 50 * MS }, .uj = { 5000, 5000 } };
	struct meter m;
	struct window w;

	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_str_eq(window_status(&w), "untrustworthy");
	cr_assert(strstr(w.why, "shorter than the meter's minimum") != NULL, "%s", w.why);
	cr_assert(strstr(w.why, "<= 0") != NULL, "%s", w.why);
	meter_close(&m);
}

Test(session_idle, a_measured_meter_cannot_idle_at_zero_watts)
{
	/* A frozen counter: the same value at every read, 100 ms apart. */
	struct script s = { .n = 2, .t_ns = { 0, 100 * MS }, .uj = { 5000, 5000 } };
	struct proto_config cfg = { .meter = &script_ops, .idle_s = 0.001 };
	struct session ses = { .cfg = &cfg };
	struct jb_err err = { 0 };
	double w = -1;

	script_data = s;
	cr_assert_eq(meter_open(&ses.meter, &script_ops, NULL, NULL), 0);
	cr_assert_eq(session_idle_power(&ses, &w, &err), -EIO);
	cr_assert(strstr(err.msg, "idle baseline") != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, "<= 0") != NULL, "%s", err.msg);
	meter_close(&ses.meter);
}

Test(session_idle, a_plausible_idle_power_is_taken)
{
	struct script s = { .n = 2, .t_ns = { 0, 100 * MS }, .uj = { 0, 500000 } };
	struct proto_config cfg = { .meter = &script_ops, .idle_s = 0.001 };
	struct session ses = { .cfg = &cfg };
	struct jb_err err = { 0 };
	double w = -1;

	script_data = s;
	cr_assert_eq(meter_open(&ses.meter, &script_ops, NULL, NULL), 0);
	cr_assert_eq(session_idle_power(&ses, &w, &err), 0, "%s", err.msg);
	cr_assert_float_eq(w, 5.0, 1e-9);
	meter_close(&ses.meter);
}

Test(session_idle, a_drift_that_is_not_a_number_is_flagged)
{
	double pct;

	cr_assert_eq(session_drift_flagged(10.0, 10.2, 5.0, &pct), 0);
	cr_assert_float_eq(pct, 2.0, 1e-9);
	cr_assert_eq(session_drift_flagged(10.0, 11.0, 5.0, &pct), 1);
	/* 0 W before and after passes meter_window_check() only for a power-gated plane
	 * (a frozen package is refused there): it did not drift. */
	cr_assert_eq(session_drift_flagged(0.0, 0.0, 5.0, &pct), 0);
	cr_assert_float_eq(pct, 0.0, 1e-12);
	cr_assert_eq(session_drift_flagged(0.0, 1.0, 5.0, &pct), 1);  /* inf */
	cr_assert_eq(session_drift_flagged(NAN, 1.0, 5.0, &pct), 1);
}

/* A counter of 1 kJ range (half of it passes in 100 ms at the 5 kW plausible maximum, so
 * the window must read it every 50 ms) at 4 kW for 550 ms: 2.2 ranges. */
#define WRAP_RANGE_UJ 1000000000ull

static struct script
wrap_script(int polled)
{
	struct script s = { .range_uj = WRAP_RANGE_UJ };
	size_t i;

	/* Reads every 50 ms (or only the first and last), each 200 J further on, wrapped. */
	for (i = 0; i <= 11; i++) {
		if (!polled && i && i < 11)
			continue;
		s.t_ns[s.n] = 50 * MS * i;
		s.uj[s.n] = (900000000ull + 200000000ull * i) % WRAP_RANGE_UJ;
		s.n++;
	}
	return s;
}

Test(window_wrap, a_polled_window_follows_every_wrap)
{
	struct script s = wrap_script(1);
	struct meter m;
	struct window w;
	int k;

	open_script(&m, &s);
	cr_assert_eq(m.poll_ns, 50 * MS);
	window_begin(&w, &m, 100 * MS);
	/* The scripted times are far behind the clock: each poll reads. */
	for (k = 0; k < 10; k++)
		window_poll(&w);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_float_eq(w.energy_j, 2200.0, 1e-6);
	cr_assert_eq(w.window_ns, 550 * MS);
	cr_assert_str_eq(window_status(&w), "ok", "%s", w.why);
	meter_close(&m);
}

Test(window_wrap, an_unpolled_window_over_wraps_is_flagged_not_silently_short)
{
	struct script s = wrap_script(0);
	struct meter m;
	struct window w;

	open_script(&m, &s);
	window_begin(&w, &m, 100 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	/* Two raw values cannot show the two whole wraps: 200 J, flagged. */
	cr_assert_float_eq(w.energy_j, 200.0, 1e-6);
	cr_assert_str_eq(window_status(&w), "untrustworthy");
	cr_assert(strstr(w.why, "whole wraps may be missing") != NULL, "%s", w.why);
	meter_close(&m);
}

Test(window_wrap, a_counter_without_a_range_is_never_polled)
{
	struct script s = { .n = 3, .t_ns = { 0, 300 * MS, 600 * MS },
			    .uj = { 0, 3000000, 6000000 } };
	struct meter m;
	struct window w;

	open_script(&m, &s);
	cr_assert_eq(m.poll_ns, 0);
	window_begin(&w, &m, 100 * MS);
	window_poll(&w);
	window_span_end(&w); /* the next scripted read: 300 ms, so the poll read nothing */
	cr_assert_eq(w.window_ns, 300 * MS);
	meter_close(&m);
}

/* An uncore plane power-gated under its live package counts 0 J: its windows and its idle
 * baseline are not refused (a top-level domain standing still is, above). */
static int
gated_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	int rc = script_open(ctx, priv, info, err);

	info->n_domains = 2;
	strcpy(info->domain[1].name, "uncore-0");
	strcpy(info->domain[1].parent, "package-0");
	info->domain[1].scope = JB_SCOPE_CPU_PACKAGE;
	return rc;
}

static int
gated_read(void *priv, struct meter_reading *out)
{
	int rc = script_read(priv, out);

	out->energy_uj[1] = 777; /* never moves */
	return rc;
}

Test(session_idle, a_power_gated_plane_idles_at_zero_watts)
{
	struct meter_ops ops = script_ops;
	struct script s = { .n = 4, .t_ns = { 0, 100 * MS, 200 * MS, 300 * MS },
			    .uj = { 0, 2000000, 4000000, 6000000 } };
	struct proto_config cfg = { .meter = &ops, .idle_s = 0.001 };
	struct session ses = { .cfg = &cfg };
	struct jb_err err = { 0 };
	struct window w;
	double pw = -1;

	ops.open = gated_open;
	ops.read = gated_read;
	script_data = s;
	cr_assert_eq(meter_open(&ses.meter, &ops, NULL, NULL), 0);
	cr_assert_eq(meter_select(&ses.meter, "uncore", &err), 0, "%s", err.msg);
	cr_assert_eq(session_idle_power(&ses, &pw, &err), 0, "%s", err.msg);
	cr_assert_float_eq(pw, 0.0, 1e-12);
	window_begin(&w, &ses.meter, 50 * MS);
	window_span_end(&w);
	window_check(&w, "window");
	cr_assert_str_eq(window_status(&w), "ok", "%s", w.why);
	meter_close(&ses.meter);
}
