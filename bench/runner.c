/* SPDX-License-Identifier: MIT */
/*
 * The measurement protocol (runner.h, DESIGN §4). For each workload: cold starts, each a
 * row of its own (process start plus first invocation, metered separately from the input
 * setup); warmup invocations in one metered window; then `runs` metered windows of `batch`
 * back-to-back warm invocations, the batch sized so a window lasts at least the meter's
 * minimum. A window's energy is split over its invocations by their round-trip time;
 * dynamic energy subtracts the idle baseline measured before the run. Every invocation is
 * a row, a failed one too; rows are fsync'd per window, so an interrupted run leaves a
 * valid CSV of every completed row. Nothing is allocated or written inside a window.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jb_clock.h"
#include "results.h"
#include "colocate.h"
#include "runner.h"
#include "sysinfo.h"

#define RUNNER_BATCH_MAX 1000000u

struct inv_record {
	struct jb_fn_result res;
	uint64_t start_unix_ns;
	uint64_t rt_ns;      /* round trip seen by the runner: request to reply */
	int rc;              /* the driver's return: 0, -ETIMEDOUT, -EPIPE, ... */
	char err[256];
};

struct run {
	const struct runner_config *cfg;
	struct runner_report *rep;
	struct sysinfo_host host;
	struct meter meter;
	void *drv;
	struct results_writer *w;
	struct inv_record *inv;
	size_t inv_cap;
	double idle_w;
	uint64_t min_window_ns;
	uint64_t invocation;  /* per workload */
	uint64_t rep_index;   /* per workload */
	const struct workload_desc *wl;
	struct driver_instance inst;
	int have_inst;
	double drift_threshold_pct;
	int fatal;            /* the results file could not be written: stop the run */
	uint64_t t0_ns;       /* start of the measured part, for the progress ETA */
	size_t wl_index;
	unsigned windows_total, windows_done;
};

static void
say(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->cfg->quiet)
		return;
	va_start(ap, fmt);
	fputs("joulebench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int
stopping(const struct run *r)
{
	return r->cfg->stop && *r->cfg->stop;
}

static void
row_init(const struct run *r, struct results_row *row, const char *phase)
{
	memset(row, 0, sizeof(*row));
	row->schema_version = RESULTS_SCHEMA_VERSION;
	row->run_id = r->rep->run_id;
	row->host = r->host.host;
	row->arch = r->host.arch;
	row->driver = r->cfg->driver->name;
	row->isolation = r->cfg->driver->isolation;
	row->meter = r->cfg->meter->name;
	row->meter_kind = r->rep->meter_kind;
	row->domain = r->meter.selection;
	row->workload = r->wl->name;
	row->size = workload_size_name(r->cfg->size);
	row->seed = r->cfg->seed;
	row->concurrency = 1;
	row->instance = r->inst.id;
	row->core = r->inst.core;
	row->phase = phase;
	row->rep = r->rep_index;
	row->work_unit = r->wl->work_unit;
	row->idle_power_w = r->idle_w;
	row->energy_j = row->window_energy_j = row->dynamic_energy_j = NAN;
	row->energy_uncertainty_j = NAN;
	row->work_units = NAN;
	row->status = "ok";
	row->message = "";
	row->checksum = "";
}

static int
emit(struct run *r, const struct results_row *row, struct jb_err *err)
{
	int rc = results_writer_write(r->w, row, err);

	if (rc) {
		r->fatal = 1;
		return rc;
	}
	r->rep->rows++;
	if (strcmp(row->status, "ok") != 0)
		r->rep->rows_not_ok++;
	return summary_add(&r->rep->summary, row) ? jb_err_set(err, -ENOMEM, "out of memory") : 0;
}

static int
flush_rows(struct run *r, struct jb_err *err)
{
	int rc = results_writer_flush(r->w, err);

	if (rc)
		r->fatal = 1;
	return rc;
}

/* Energy uncertainty of a window: each of its two endpoints can be off by one counter step
 * and by one update interval's worth of energy at the window's mean power. */
static double
window_uncertainty_j(const struct run *r, double energy_j, uint64_t window_ns)
{
	double power_w = window_ns ? energy_j / ((double)window_ns / 1e9) : 0;

	return 2.0 * (r->meter.info.resolution_j +
		      power_w * (double)r->meter.info.update_interval_ns / 1e9);
}

static const char *
inv_status(const struct inv_record *v)
{
	return v->rc ? driver_status_for(v->rc) : v->res.status;
}

static struct jb_fn_request
make_request(const struct run *r, enum jb_proto_verb verb)
{
	struct jb_fn_request req = { .verb = verb, .seed = r->cfg->seed };

	snprintf(req.workload, sizeof(req.workload), "%s", r->wl->name);
	snprintf(req.size, sizeof(req.size), "%s", workload_size_name(r->cfg->size));
	return req;
}

static void
invoke_one(struct run *r, struct inv_record *v)
{
	struct jb_fn_request req = make_request(r, JB_PROTO_INVOKE);
	struct jb_err e = { 0 };
	uint64_t t0;

	memset(v, 0, sizeof(*v));
	v->start_unix_ns = jb_clock_unix_ns();
	t0 = jb_clock_mono_ns();
	v->rc = r->cfg->driver->invoke(r->drv, &r->inst, &req, &v->res, &e);
	v->rt_ns = jb_clock_mono_ns() - t0;
	if (v->rc)
		snprintf(v->err, sizeof(v->err), "%.*s", (int)sizeof(v->err) - 1, e.msg);
}

/*
 * Run @n invocations in one metered window and write their rows. Returns 0, a negative
 * driver error when the instance failed (the caller replaces it), or a writer error.
 */
static int
run_window(struct run *r, const char *phase, size_t n, int *instance_failed, struct jb_err *err)
{
	struct meter_sample s0, s1;
	int m0, m1, rc = 0;
	size_t i, done = 0;
	uint64_t rt_sum = 0, window_ns;
	double energy_j = NAN, unc_j = NAN;
	char why[256] = "";

	*instance_failed = 0;
	m0 = meter_sample(&r->meter, &s0);
	for (i = 0; i < n; i++) {
		invoke_one(r, &r->inv[i]);
		done++;
		if (r->inv[i].rc) {
			*instance_failed = 1;
			break;
		}
	}
	m1 = meter_sample(&r->meter, &s1);

	for (i = 0; i < done; i++)
		rt_sum += r->inv[i].rt_ns;
	window_ns = (!m0 && !m1) ? s1.t_ns - s0.t_ns : rt_sum;
	if (m0 || m1) {
		snprintf(why, sizeof(why), "meter read failed: %s", jb_strerror(m0 ? m0 : m1));
	} else {
		energy_j = s1.energy_j - s0.energy_j;
		unc_j = window_uncertainty_j(r, energy_j, window_ns);
		if (s1.rejected != s0.rejected)
			snprintf(why, sizeof(why), "meter counter jumped implausibly in this window");
		else if (*instance_failed)
			snprintf(why, sizeof(why), "window cut short by an instance failure");
		else if (window_ns < r->min_window_ns)
			snprintf(why, sizeof(why), "window %.4f s is shorter than the meter's minimum %.4f s",
				 (double)window_ns / 1e9, (double)r->min_window_ns / 1e9);
	}
	for (i = 0; i < done && !rc; i++) {
		const struct inv_record *v = &r->inv[i];
		struct results_row row;
		char checksum[24];
		double share = rt_sum ? (double)v->rt_ns / (double)rt_sum : 0;

		row_init(r, &row, phase);
		row.invocation = r->invocation++;
		row.window_invocations = done;
		row.start_unix_ns = v->start_unix_ns;
		row.wall_ns = v->rc ? v->rt_ns : v->res.wall_ns;
		row.cpu_ns = v->res.cpu_ns;
		row.work_units = v->rc ? NAN : v->res.work_units;
		row.window_wall_ns = window_ns;
		row.window_energy_j = energy_j;
		row.energy_j = energy_j * share;
		row.dynamic_energy_j = (energy_j - r->idle_w * (double)window_ns / 1e9) * share;
		row.energy_uncertainty_j = unc_j * share;
		row.energy_method = "window-split-by-round-trip";
		row.status = inv_status(v);
		row.message = v->rc ? v->err : v->res.msg;
		if (!strcmp(row.status, "ok") && why[0]) {
			row.status = (m0 || m1) ? "meter-error" : "untrustworthy";
			row.message = why;
		}
		snprintf(checksum, sizeof(checksum), "0x%016" PRIx64, v->res.checksum);
		row.checksum = v->rc ? "" : checksum;
		row.verified = v->res.verified;
		rc = emit(r, &row, err);
	}
	r->rep_index++;
	if (!rc)
		rc = flush_rows(r, err);
	return rc;
}

static int
ensure_inv(struct run *r, size_t n, struct jb_err *err)
{
	struct inv_record *p;

	if (n <= r->inv_cap)
		return 0;
	p = realloc(r->inv, n * sizeof(*p));
	if (!p) {
		r->fatal = 1;
		return jb_err_set(err, -ENOMEM, "cannot hold %zu invocations", n);
	}
	r->inv = p;
	r->inv_cap = n;
	return 0;
}

/* A row for a cold start that failed before the function could be invoked. */
static int
emit_start_failure(struct run *r, const char *msg, int start_rc, struct jb_err *err)
{
	struct results_row row;
	int rc;

	row_init(r, &row, "cold");
	row.core = -1;
	row.invocation = r->invocation++;
	row.window_invocations = 1;
	row.start_unix_ns = jb_clock_unix_ns();
	row.energy_method = "cold-start+first-invocation";
	/* A start can time out, crash or be OOM-killed like an invocation. */
	row.status = start_rc ? driver_status_for(start_rc) : "error";
	row.message = msg;
	rc = emit(r, &row, err);
	return rc ? rc : flush_rows(r, err);
}

/* Write the row of a failed start; return the write error if any, else the start's. */
static int
start_failed(struct run *r, const char *msg, int start_rc, struct jb_err *err)
{
	int rc = emit_start_failure(r, msg, start_rc, err);

	return rc ? rc : start_rc;
}

static int
prepare_instance(struct run *r, struct jb_err *err)
{
	struct jb_fn_request req = make_request(r, JB_PROTO_PREPARE);
	struct jb_fn_result res;
	int rc = r->cfg->driver->invoke(r->drv, &r->inst, &req, &res, err);

	if (!rc && strcmp(res.status, JB_STATUS_OK) != 0)
		rc = jb_err_set(err, -EINVAL, "%s", res.msg[0] ? res.msg : "prepare failed");
	return rc;
}

static void
stop_instance(struct run *r)
{
	if (r->have_inst)
		r->cfg->driver->stop_instance(r->drv, &r->inst);
	r->have_inst = 0;
}

/*
 * One cold start, metered in two spans that leave the input setup out: the start of the
 * instance, then its first invocation. Return 0 with a running instance, or the start's
 * error after writing its row.
 */
static int
run_cold(struct run *r, struct jb_err *err)
{
	struct meter_sample s0, s1, s2, s3;
	struct inv_record *v = &r->inv[0];
	struct jb_err e = { 0 };
	struct results_row row;
	char checksum[24], why[256] = "";
	int m = 0, rc;
	uint64_t span_ns;
	double energy_j;

	m |= meter_sample(&r->meter, &s0);
	rc = r->cfg->driver->start_instance(r->drv, 0, &r->inst, &e);
	m |= meter_sample(&r->meter, &s1);
	if (rc)
		return start_failed(r, e.msg, rc, err);
	r->have_inst = 1;
	rc = prepare_instance(r, &e);
	if (rc) {
		stop_instance(r);
		return start_failed(r, e.msg, rc, err);
	}
	m |= meter_sample(&r->meter, &s2);
	invoke_one(r, v);
	m |= meter_sample(&r->meter, &s3);

	span_ns = (s1.t_ns - s0.t_ns) + (s3.t_ns - s2.t_ns);
	energy_j = (s1.energy_j - s0.energy_j) + (s3.energy_j - s2.energy_j);
	row_init(r, &row, "cold");
	row.invocation = r->invocation++;
	row.window_invocations = 1;
	row.start_unix_ns = v->start_unix_ns;
	row.wall_ns = v->rc ? v->rt_ns : v->res.wall_ns;
	row.cpu_ns = v->res.cpu_ns;
	row.work_units = v->rc ? NAN : v->res.work_units;
	row.window_wall_ns = span_ns;
	row.energy_method = "cold-start+first-invocation";
	row.status = inv_status(v);
	row.message = v->rc ? v->err : v->res.msg;
	if (m) {
		snprintf(why, sizeof(why), "meter read failed during the cold start");
	} else {
		row.window_energy_j = row.energy_j = energy_j;
		row.dynamic_energy_j = energy_j - r->idle_w * (double)span_ns / 1e9;
		/* Two metered spans: four endpoints. */
		row.energy_uncertainty_j = 2 * window_uncertainty_j(r, energy_j, span_ns);
		if (s3.rejected != s0.rejected)
			snprintf(why, sizeof(why), "meter counter jumped implausibly");
		else if (span_ns < r->min_window_ns)
			snprintf(why, sizeof(why),
				 "cold start %.4f s is shorter than the meter's minimum %.4f s",
				 (double)span_ns / 1e9, (double)r->min_window_ns / 1e9);
	}
	if (!strcmp(row.status, "ok") && why[0]) {
		row.status = m ? "meter-error" : "untrustworthy";
		row.message = why;
	}
	snprintf(checksum, sizeof(checksum), "0x%016" PRIx64, v->res.checksum);
	row.checksum = v->rc ? "" : checksum;
	row.verified = v->res.verified;
	r->rep_index++;
	rc = emit(r, &row, err);
	if (!rc)
		rc = flush_rows(r, err);
	if (rc)
		return rc;
	if (v->rc) {
		stop_instance(r);
		return v->rc;
	}
	return 0;
}

/* Stop the instance after its cold start or its windows, metered: a `teardown` row (for a
 * container: `delete`, cgroup and bundle removal). */
static int
stop_metered(struct run *r, struct jb_err *err)
{
	struct meter_sample s0, s1;
	struct results_row row;
	uint64_t unix0 = jb_clock_unix_ns();
	int m, rc;

	if (!r->have_inst)
		return 0;
	row_init(r, &row, "teardown");
	m = meter_sample(&r->meter, &s0);
	stop_instance(r);
	m |= meter_sample(&r->meter, &s1);
	row.invocation = r->invocation++;
	row.window_invocations = 1;
	row.start_unix_ns = unix0;
	row.wall_ns = row.window_wall_ns = s1.t_ns - s0.t_ns;
	row.energy_method = "teardown";
	if (m) {
		row.status = "meter-error";
		row.message = "meter read failed during the teardown";
	} else {
		row.window_energy_j = row.energy_j = s1.energy_j - s0.energy_j;
		row.dynamic_energy_j = row.energy_j - r->idle_w * (double)row.wall_ns / 1e9;
		row.energy_uncertainty_j = window_uncertainty_j(r, row.energy_j, row.wall_ns);
		if (row.wall_ns < r->min_window_ns) {
			row.status = "untrustworthy";
			row.message = "teardown is shorter than the meter's minimum window";
		}
	}
	r->rep_index++;
	rc = emit(r, &row, err);
	return rc ? rc : results_writer_flush(r->w, err);
}

/* Replace a failed instance, unmetered, so the run can go on. */
static int
restart_instance(struct run *r, struct jb_err *err)
{
	struct jb_err e = { 0 };
	int rc;

	stop_instance(r);
	rc = r->cfg->driver->start_instance(r->drv, 0, &r->inst, &e);
	if (!rc) {
		r->have_inst = 1;
		rc = prepare_instance(r, &e);
	}
	if (rc) {
		stop_instance(r);
		return start_failed(r, e.msg, rc, err);
	}
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Invocations per window: enough that the window lasts min_window_ns, with a 25% margin,
 * at the median round trip of the invocations just run. Re-sized after every window, so a
 * kernel that speeds up after its first runs (caches, page faults) still fills it. */
static size_t
batch_size(const struct run *r, size_t n_seen)
{
	uint64_t rts[256], med;
	size_t i, n = n_seen < 256 ? n_seen : 256;

	if (r->cfg->batch)
		return r->cfg->batch;
	for (i = 0; i < n; i++)
		rts[i] = r->inv[i].rt_ns ? r->inv[i].rt_ns : 1;
	if (!n)
		return 1;
	qsort(rts, n, sizeof(rts[0]), cmp_u64);
	med = rts[n / 2];
	return (size_t)fmin(RUNNER_BATCH_MAX, fmax(1.0, ceil(1.25 * (double)r->min_window_ns / (double)med)));
}

/* Progress on stderr when it is a terminal: which workload, which window, and an ETA
 * from the pace so far. Quiet otherwise, so logs hold only context lines. */
static void
progress(struct run *r, unsigned window, unsigned windows)
{
	double frac, elapsed_s, eta_s;

	r->windows_done++;
	if (r->cfg->quiet || !isatty(STDERR_FILENO))
		return;
	frac = (double)r->windows_done / (double)(r->windows_total ? r->windows_total : 1);
	elapsed_s = (double)(jb_clock_mono_ns() - r->t0_ns) / 1e9;
	eta_s = frac > 0 ? elapsed_s * (1 - frac) / frac : 0;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s window %u/%u  ETA %um%02us", r->wl_index + 1,
		r->cfg->n_workloads, r->wl->name, window, windows, (unsigned)(eta_s / 60),
		(unsigned)eta_s % 60);
	if (window == windows)
		fputc('\n', stderr);
}

static const struct runner_resume *
resume_find(const struct run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->cfg->n_resume; i++)
		if (!strcmp(r->cfg->resume[i].workload, name))
			return &r->cfg->resume[i];
	return NULL;
}

static int
run_workload(struct run *r, struct jb_err *err)
{
	const struct runner_resume *done = resume_find(r, r->wl->name);
	unsigned cold = r->cfg->cold, runs = r->cfg->runs, c, k;
	size_t batch, seen;
	int failed, rc = 0;

	r->invocation = done ? done->next_invocation : 0;
	r->rep_index = done ? done->next_rep : 0;
	if (done) {
		/* Resuming: the cold starts were measured before; count only missing windows. */
		cold = done->has_cold ? 0 : cold;
		runs = done->warm_windows >= runs ? 0 : runs - done->warm_windows;
		if (!runs) {
			say(r, "%s: complete in the file, skipped", r->wl->name);
			return 0;
		}
	}
	memset(&r->inst, 0, sizeof(r->inst));
	r->inst.core = -1;
	say(r, "%s (%s): %u cold, %u warmup, %u window(s)", r->wl->name,
	    workload_size_name(r->cfg->size), cold, r->cfg->warmup, runs);
	for (c = 0; c < cold || !r->have_inst; c++) {
		if (r->have_inst && (rc = stop_metered(r, err)))
			return rc;
		if (c >= cold) {
			/* No cold start is measured: start the instance unmetered. */
			rc = restart_instance(r, err);
		} else {
			rc = run_cold(r, err);
		}
		if (r->fatal)
			return rc;
		if (rc)
			return 0; /* its row says why; go on with the next workload */
		if (stopping(r))
			goto out;
	}
	seen = 0;
	if (r->cfg->warmup) {
		rc = ensure_inv(r, r->cfg->warmup, err);
		if (!rc)
			rc = run_window(r, "warmup", r->cfg->warmup, &failed, err);
		if (rc)
			goto out;
		if (failed && (rc = restart_instance(r, err)))
			goto out_soft;
		seen = r->cfg->warmup;
	} else {
		seen = 1; /* the cold invocation's round trip is still in inv[0] */
	}
	batch = batch_size(r, seen);
	rc = ensure_inv(r, batch, err);
	if (rc)
		goto out;
	say(r, "%s: %zu invocation(s) per window (minimum window %.3f s)", r->wl->name, batch,
	    (double)r->min_window_ns / 1e9);
	for (k = 0; k < runs && !stopping(r); k++) {
		rc = run_window(r, "warm", batch, &failed, err);
		if (rc)
			goto out;
		progress(r, k + 1, runs);
		if (failed && (rc = restart_instance(r, err)))
			goto out_soft;
		if (!failed && !r->cfg->batch) {
			batch = batch_size(r, batch);
			if ((rc = ensure_inv(r, batch, err)))
				goto out;
		}
	}
out:
	if (!rc)
		rc = stop_metered(r, err);
	stop_instance(r);
	return rc;
out_soft:
	stop_instance(r);
	return r->fatal ? rc : 0;
}

/* Co-location (colocate.c) is used for more than one instance, or arrivals, or keep-alive;
 * a single closed-loop instance keeps the round-trip protocol above. */
static int
runner_colocating(const struct runner_config *cfg)
{
	return cfg->concurrency > 1 || cfg->rate_per_s > 0 || cfg->keep_alive_s > 0;
}

static int
colo_emit(void *arg, const struct results_row *row, struct jb_err *err)
{
	return emit(arg, row, err);
}

static int
colo_flush(void *arg, struct jb_err *err)
{
	return results_writer_flush(((struct run *)arg)->w, err);
}

static int
run_colocated(struct run *r, struct jb_err *err)
{
	struct colocate_env env = {
		.cfg = r->cfg, .run_id = r->rep->run_id, .host = r->host.host,
		.arch = r->host.arch, .meter_kind = r->rep->meter_kind, .meter = &r->meter,
		.drv = r->drv, .idle_w = r->idle_w, .min_window_ns = r->min_window_ns,
		.emit = colo_emit, .flush = colo_flush, .arg = r,
	};

	if (r->cfg->resume_mode)
		say(r, "co-location: %u of %u warm windows are in the file; the instances start "
		       "again (new cold starts, metered as such)", r->cfg->resume_all.warm_windows,
		    r->cfg->runs);
	say(r, "co-location: %u instance(s) of %zu workload(s), %s", r->cfg->concurrency ? r->cfg->concurrency : 1,
	    r->cfg->n_workloads, r->cfg->rate_per_s > 0 ? "Poisson arrivals" : "closed loop");
	return colocate_run(&env, err);
}

/* The driver's own description (runtime, cgroup version, quota, cores, idle SMT siblings). */
static void
meta_driver(const struct run *r, json_object *d)
{
	struct driver_info info;

	if (!r->cfg->driver->describe || !r->drv)
		return;
	r->cfg->driver->describe(r->drv, &info);
	if (info.runtime[0]) {
		json_object_object_add(d, "runtime", json_object_new_string(info.runtime));
		json_object_object_add(d, "runtime_version",
				       json_object_new_string(info.runtime_version));
		json_object_object_add(d, "runtime_path", json_object_new_string(info.runtime_path));
		json_object_object_add(d, "cgroup_version", json_object_new_int(info.cgroup_version));
		json_object_object_add(d, "memory_mb", json_object_new_int64((int64_t)info.memory_mb));
		json_object_object_add(d, "cpu_quota_us",
				       json_object_new_int64((int64_t)info.cpu_quota_us));
		json_object_object_add(d, "cpu_period_us",
				       json_object_new_int64((int64_t)info.cpu_period_us));
	}
	json_object_object_add(d, "cores", json_object_new_string(info.cores));
	json_object_object_add(d, "smt_siblings_idle", json_object_new_string(info.smt_idle));
	json_object_object_add(d, "exclusive", json_object_new_boolean(info.exclusive));
	json_object_object_add(d, "concurrency",
			       json_object_new_int((int)(r->cfg->concurrency ? r->cfg->concurrency : 1)));
	json_object_object_add(d, "rate_per_s", json_object_new_double(r->cfg->rate_per_s));
	json_object_object_add(d, "keep_alive_s", json_object_new_double(r->cfg->keep_alive_s));
}

/* Mean power over @seconds with nothing of ours running. */
static int
idle_power(struct run *r, double *power_w, struct jb_err *err)
{
	struct meter_sample s0, s1;
	uint64_t end;
	int rc = meter_sample(&r->meter, &s0);

	if (rc)
		return jb_err_set(err, rc, "meter %s: read failed: %s", r->cfg->meter->name,
				  jb_strerror(rc));
	end = s0.t_ns + (uint64_t)(r->cfg->idle_s * 1e9);
	while (jb_clock_mono_ns() < end && !stopping(r)) {
		uint64_t left = end - jb_clock_mono_ns();

		/* Wake at least every 100 ms, for the stop flag and to keep ≤ 1 wrap per read. */
		jb_clock_sleep_ns(left < 100000000u ? left : 100000000u);
		if (end > jb_clock_mono_ns() && (rc = meter_sample(&r->meter, &s1)))
			return jb_err_set(err, rc, "meter read failed: %s", jb_strerror(rc));
	}
	rc = meter_sample(&r->meter, &s1);
	if (rc)
		return jb_err_set(err, rc, "meter read failed: %s", jb_strerror(rc));
	*power_w = s1.t_ns > s0.t_ns ? (s1.energy_j - s0.energy_j) / ((double)(s1.t_ns - s0.t_ns) / 1e9)
				    : NAN;
	return 0;
}

/* JSON has no NaN: a value that was not measured is null. */
static json_object *
json_num(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static void
make_run_id(struct run *r)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	if (r->cfg->resume_run_id) {
		snprintf(r->rep->run_id, sizeof(r->rep->run_id), "%s", r->cfg->resume_run_id);
		return;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(r->rep->run_id, sizeof(r->rep->run_id), "%s-%.40s-%ld", stamp, r->host.host,
		 (long)getpid());
}

static json_object *
meta_build(const struct run *r, uint64_t started_ns, const char *ended, const char *why)
{
	const struct runner_config *cfg = r->cfg;
	json_object *o = json_object_new_object(), *h, *m, *d, *doms, *p, *idle, *wls, *a;
	size_t i;

	json_object_object_add(o, "schema_version", json_object_new_int(RESULTS_SCHEMA_VERSION));
	json_object_object_add(o, "run_id", json_object_new_string(r->rep->run_id));
	json_object_object_add(o, "joulebench_version", json_object_new_string(JB_VERSION));
	json_object_object_add(o, "git_revision", json_object_new_string(JB_GIT_REVISION));
	json_object_object_add(o, "started_unix_ns", json_object_new_int64((int64_t)started_ns));
	json_object_object_add(o, "ended_unix_ns",
			       json_object_new_int64((int64_t)jb_clock_unix_ns()));
	json_object_object_add(o, "ended", json_object_new_string(ended));
	json_object_object_add(o, "ended_reason", json_object_new_string(why));
	a = json_object_new_array();
	for (i = 0; i < (size_t)cfg->argc; i++)
		json_object_array_add(a, json_object_new_string(cfg->argv[i]));
	json_object_object_add(o, "argv", a);
	a = json_object_new_array();
	for (i = 0; i < cfg->n_resumed; i++)
		json_object_array_add(a, json_object_new_int64((int64_t)cfg->resumed_unix_ns[i]));
	json_object_object_add(o, "resumed_unix_ns", a);

	h = json_object_new_object();
	json_object_object_add(h, "host", json_object_new_string(r->host.host));
	json_object_object_add(h, "arch", json_object_new_string(r->host.arch));
	json_object_object_add(h, "kernel", json_object_new_string(r->host.kernel));
	json_object_object_add(h, "cpu_model", json_object_new_string(r->host.cpu_model));
	json_object_object_add(h, "cpus_online", json_object_new_int64(r->host.cpus_online));
	json_object_object_add(h, "governor", json_object_new_string(r->host.governor));
	json_object_object_add(h, "turbo", json_object_new_string(r->host.turbo));
	json_object_object_add(h, "smt", json_object_new_string(r->host.smt));
	json_object_object_add(h, "cgroup", json_object_new_string(r->host.cgroup));
	json_object_object_add(o, "host", h);

	m = json_object_new_object();
	json_object_object_add(m, "name", json_object_new_string(cfg->meter->name));
	json_object_object_add(m, "kind", json_object_new_string(r->rep->meter_kind));
	json_object_object_add(m, "detail", json_object_new_string(r->meter.info.detail));
	json_object_object_add(m, "domains_summed", json_object_new_string(r->meter.selection));
	json_object_object_add(m, "resolution_j", json_object_new_double(r->meter.info.resolution_j));
	json_object_object_add(m, "update_interval_ns",
			       json_object_new_int64((int64_t)r->meter.info.update_interval_ns));
	json_object_object_add(m, "min_window_ns", json_object_new_int64((int64_t)r->min_window_ns));
	json_object_object_add(m, "rejected_counter_jumps", json_object_new_int((int)r->meter.rejected));
	doms = json_object_new_array();
	for (i = 0; i < r->meter.info.n_domains; i++) {
		d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(r->meter.info.domain[i].name));
		json_object_object_add(d, "parent",
				       json_object_new_string(r->meter.info.domain[i].parent));
		json_object_object_add(d, "max_energy_range_uj",
				       json_object_new_int64((int64_t)r->meter.info.domain[i].max_energy_range_uj));
		json_object_object_add(d, "summed", json_object_new_boolean(r->meter.selected[i]));
		json_object_array_add(doms, d);
	}
	json_object_object_add(m, "domains", doms);
	json_object_object_add(o, "meter", m);

	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(cfg->driver->name));
	json_object_object_add(d, "isolation", json_object_new_string(cfg->driver->isolation));
	json_object_object_add(d, "fn_path", json_object_new_string(cfg->driver_cfg.fn_path));
	meta_driver(r, d);
	json_object_object_add(o, "driver", d);

	p = json_object_new_object();
	json_object_object_add(p, "size", json_object_new_string(workload_size_name(cfg->size)));
	json_object_object_add(p, "seed", json_object_new_int64((int64_t)cfg->seed));
	json_object_object_add(p, "runs", json_object_new_int((int)cfg->runs));
	json_object_object_add(p, "warmup", json_object_new_int((int)cfg->warmup));
	json_object_object_add(p, "cold", json_object_new_int((int)cfg->cold));
	json_object_object_add(p, "batch", json_object_new_int((int)cfg->batch));
	json_object_object_add(p, "idle_s", json_object_new_double(cfg->idle_s));
	json_object_object_add(p, "timeout_ns", json_object_new_int64((int64_t)cfg->driver_cfg.timeout_ns));
	json_object_object_add(o, "protocol", p);

	idle = json_object_new_object();
	json_object_object_add(idle, "before_w", json_num(r->rep->idle_before_w));
	json_object_object_add(idle, "after_w", json_num(r->rep->idle_after_w));
	json_object_object_add(idle, "drift_pct",
			       json_num(100.0 * (r->rep->idle_after_w - r->rep->idle_before_w) /
					r->rep->idle_before_w));
	json_object_object_add(idle, "drift_threshold_pct", json_num(r->drift_threshold_pct));
	json_object_object_add(idle, "drift_flagged",
			       json_object_new_boolean(r->rep->drift_flagged));
	json_object_object_add(o, "idle_baseline", idle);

	wls = json_object_new_array();
	for (i = 0; i < cfg->n_workloads; i++) {
		const struct workload_desc *w = cfg->workload[i];

		d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(w->name));
		json_object_object_add(d, "modeled_on", json_object_new_string(w->modeled_on));
		json_object_object_add(d, "work_unit", json_object_new_string(w->work_unit));
		json_object_object_add(d, "size_param_name", json_object_new_string(w->size_param_name));
		json_object_object_add(d, "size_param",
				       json_object_new_int64((int64_t)w->size_param[cfg->size]));
		json_object_array_add(wls, d);
	}
	json_object_object_add(o, "workloads", wls);
	return o;
}

static int
meta_write(const struct run *r, uint64_t started_ns, const char *ended, const char *why,
	   struct jb_err *err)
{
	json_object *o = meta_build(r, started_ns, ended, why);
	int rc = results_meta_write(r->cfg->out_path,
				    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
									      JSON_C_TO_STRING_NOSLASHESCAPE),
				    err);

	json_object_put(o);
	return rc;
}

static void
warn_noise(const struct run *r)
{
	if (strcmp(r->host.governor, "unknown") && strcmp(r->host.governor, "performance"))
		say(r, "warning: cpufreq governor is '%s'; 'performance' gives steadier energy",
		    r->host.governor);
	if (!strcmp(r->host.turbo, "on"))
		say(r, "warning: turbo is on; energy per invocation varies with temperature");
	if (!strcmp(r->host.smt, "on"))
		say(r, "warning: SMT is on; a sibling thread can share the pinned core's power");
}

int
runner_run(const struct runner_config *cfg, struct runner_report *rep, struct jb_err *err)
{
	struct run r = { .cfg = cfg, .rep = rep };
	uint64_t started_ns = cfg->resume_mode ? cfg->resume_started_unix_ns : jb_clock_unix_ns();
	const char *ended = "completed", *why = "";
	size_t i, n_windows = 0;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->idle_before_w = rep->idle_after_w = NAN;
	r.drift_threshold_pct = cfg->drift_threshold_pct > 0 ? cfg->drift_threshold_pct : 5.0;
	sysinfo_read(&r.host);
	make_run_id(&r);
	rep->stage = RUNNER_STAGE_METER;
	rc = meter_open(&r.meter, cfg->meter, &cfg->ctx, err);
	if (rc)
		return rc;
	rep->stage = RUNNER_STAGE_DOMAINS;
	if (cfg->domains && (rc = meter_select(&r.meter, cfg->domains, err)))
		goto out_meter;
	rep->meter_kind = cfg->meter->kind == METER_KIND_MODELED ? "modeled" : "measured";
	snprintf(rep->meter_detail, sizeof(rep->meter_detail), "%s", r.meter.info.detail);
	snprintf(rep->domains, sizeof(rep->domains), "%s", r.meter.selection);
	r.min_window_ns = cfg->min_window_s > 0 ? (uint64_t)(cfg->min_window_s * 1e9)
						: r.meter.info.min_window_ns;
	rep->stage = RUNNER_STAGE_DRIVER;
	rc = cfg->driver->prepare(&cfg->driver_cfg, &r.drv, err);
	if (rc)
		goto out_meter;
	if ((rc = colocate_check(cfg, r.drv, err))) {
		cfg->driver->teardown(r.drv);
		goto out_meter;
	}
	rep->stage = RUNNER_STAGE_OUTPUT;
	rc = cfg->resume_mode ? results_writer_open_append(cfg->out_path, &r.w, err)
			      : results_writer_open(cfg->out_path, cfg->overwrite, &r.w, err);
	if (rc)
		goto out_driver;
	rep->stage = RUNNER_STAGE_RUN;
	results_meta_path(cfg->out_path, rep->meta_path, sizeof(rep->meta_path));
	say(&r, "%s %s on %s (%s, %s)", cfg->resume_mode ? "resuming run" : "run", rep->run_id,
	    r.host.host, r.host.cpu_model, r.host.kernel);
	say(&r, "meter %s (%s): %s; domains: %s", cfg->meter->name, rep->meter_kind,
	    r.meter.info.detail, r.meter.selection);
	warn_noise(&r);
	rc = ensure_inv(&r, 1, err);
	if (rc)
		goto out_writer;
	/* A sidecar from the start: a run killed outright still says what it was. */
	rc = meta_write(&r, started_ns, "running", "", err);
	if (rc)
		goto out_writer;
	say(&r, "idle baseline: %.1f s", cfg->idle_s);
	rc = idle_power(&r, &r.idle_w, err);
	if (rc)
		goto out_writer;
	rep->idle_before_w = r.idle_w;
	say(&r, "idle power %.3f W", r.idle_w);
	for (i = 0; i < cfg->n_workloads; i++) {
		const struct runner_resume *d = resume_find(&r, cfg->workload[i]->name);

		n_windows += d ? (d->warm_windows < cfg->runs ? cfg->runs - d->warm_windows : 0)
			       : cfg->runs;
	}
	r.windows_total = (unsigned)n_windows;
	r.t0_ns = jb_clock_mono_ns();
	if (runner_colocating(cfg))
		rc = run_colocated(&r, err);
	for (i = 0; i < cfg->n_workloads && !rc && !runner_colocating(cfg) && !stopping(&r); i++) {
		r.wl = cfg->workload[i];
		r.wl_index = i;
		rc = run_workload(&r, err);
	}
	if (rc)
		goto out_writer;
	if (!stopping(&r)) {
		double drift_pct;

		rc = idle_power(&r, &rep->idle_after_w, err);
		if (rc)
			goto out_writer;
		drift_pct = 100.0 * (rep->idle_after_w - r.idle_w) / r.idle_w;
		rep->drift_flagged = fabs(drift_pct) > r.drift_threshold_pct;
		say(&r, "idle power after the run %.3f W (drift %+.2f%%)", rep->idle_after_w,
		    drift_pct);
		if (rep->drift_flagged)
			say(&r, "warning: idle power drifted %+.2f%% (threshold %.1f%%): something "
				"else ran, or the machine warmed up; dynamic energies are less certain",
			    drift_pct, r.drift_threshold_pct);
	}
out_writer:
	if (stopping(&r)) {
		rep->interrupted = 1;
		ended = "interrupted";
		why = "SIGINT or SIGTERM: stopped after the window in progress";
	}
	if (rc) {
		ended = "error";
		why = err->msg;
	}
	{
		struct jb_err e2 = { 0 };
		int rc2 = results_writer_close(r.w, &e2);

		if (rc2 && !rc) {
			rc = rc2;
			*err = e2;
			ended = "error";
			why = err->msg;
		}
		/* Even after a write error (a full disk), say in the sidecar why the run ended. */
		rc2 = meta_write(&r, started_ns, ended, why, &e2);
		if (rc2 && !rc) {
			rc = rc2;
			*err = e2;
		}
	}
out_driver:
	stop_instance(&r);
	cfg->driver->teardown(r.drv);
out_meter:
	meter_close(&r.meter);
	free(r.inv);
	return rc;
}

void
runner_report_fini(struct runner_report *rep)
{
	summary_fini(&rep->summary);
}
