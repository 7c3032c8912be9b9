/* SPDX-License-Identifier: MIT */
/*
 * Grouping and statistics for summaries (summary.h). Quantiles are GSL's
 * gsl_stats_quantile_from_sorted_data (linear interpolation between order statistics, the
 * same definition as R's type 7 and numpy's default), after gsl_sort. A run's sidecar is
 * read with json-c for the factors its rows do not carry.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <json-c/json.h>

#include "summary.h"

static const struct summary_meta *
meta_find(const struct summary *s, const char *run_id, const char *host)
{
	size_t i;

	for (i = s->n_meta; i-- > 0;)
		if (!strcmp(s->meta[i].run_id, run_id) &&
		    (!s->meta[i].host[0] || !strcmp(s->meta[i].host, host)))
			return &s->meta[i];
	return NULL;
}

int
summary_meta_add(struct summary *s, const struct summary_meta *m)
{
	if (s->n_meta == s->cap_meta) {
		size_t cap = s->cap_meta ? 2 * s->cap_meta : 4;
		struct summary_meta *n = realloc(s->meta, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->meta = n;
		s->cap_meta = cap;
	}
	s->meta[s->n_meta++] = *m;
	return 0;
}

/* The accelerator a row's isolation names: microvm-kvm, firecracker-kvm -> kvm. */
static const char *
accelerator_of(const char *isolation)
{
	const char *dash = strrchr(isolation, '-');

	if (dash && (!strncmp(isolation, "microvm-", 8) || !strncmp(isolation, "firecracker-", 12)))
		return dash + 1;
	return "";
}

static void
key_of(const struct summary *s, const struct results_row *row, struct summary_key *k)
{
	const struct summary_meta *m = meta_find(s, row->run_id ? row->run_id : "",
						 row->host ? row->host : "");

	/* Zeroed whole, padding included, so keys compare with memcmp. */
	memset(k, 0, sizeof(*k));
#define STR(f, v) snprintf(k->f, sizeof(k->f), "%s", (v) ? (v) : "")
	STR(workload, row->workload);
	STR(size, row->size);
	STR(driver, row->driver);
	STR(isolation, row->isolation);
	STR(meter, row->meter);
	STR(meter_kind, row->meter_kind);
	STR(domain, row->domain);
	STR(scope, row->scope);
	STR(host, row->host);
	STR(arch, row->arch);
	STR(accelerator, m && m->accelerator[0] ? m->accelerator
						 : accelerator_of(row->isolation ? row->isolation : ""));
	STR(runtime, m ? m->runtime : "");
#undef STR
	k->concurrency = row->concurrency ? row->concurrency : 1;
	k->memory_mb = m ? m->memory_mb : 0;
	k->rate_per_s = m ? m->rate_per_s : 0;
}

static struct summary_group *
summary_group_get(struct summary *s, const struct results_row *row)
{
	struct summary_group *g;
	struct summary_key k;
	size_t i;

	key_of(s, row, &k);
	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->group[i].key, &k, sizeof(k)))
			return &s->group[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct summary_group *ng = realloc(s->group, cap * sizeof(*ng));

		if (!ng)
			return NULL;
		s->group = ng;
		s->cap = cap;
	}
	g = &s->group[s->n++];
	memset(g, 0, sizeof(*g));
	g->key = k;
	snprintf(g->work_unit, sizeof(g->work_unit), "%s", row->work_unit ? row->work_unit : "");
	return g;
}

int
summary_add(struct summary *s, const struct results_row *in)
{
	struct results_row r = *in, *row = &r;
	struct summary_group *g;
	const struct summary_meta *m;
	int warm;

	/* A row built in memory may leave text columns NULL: read them as empty. */
#define RESULTS_COL_EMPTY_STR(name) if (!r.name) r.name = "";
#define RESULTS_COL_EMPTY_U64(name)
#define RESULTS_COL_EMPTY_I64(name)
#define RESULTS_COL_EMPTY_F64(name)
#define RESULTS_COL_EMPTY_BOOL(name)
#define X(name, type, desc) RESULTS_COL_EMPTY_##type(name)
	RESULTS_COLUMNS(X)
#undef X
	g = summary_group_get(s, row);
	warm = !strcmp(row->phase, "warm");

	if (!g)
		return -ENOMEM;
	/* A new run of the group: its idle baseline, for summary_dynamic_note(). */
	if ((!g->win.n_runs || strcmp(g->win.run[g->win.n_runs - 1].id, row->run_id)) &&
	    (m = meta_find(s, row->run_id, row->host)) &&
	    windows_run_idle(&g->win, row->run_id, row->host, m->idle_before_w, m->idle_after_w))
		return -ENOMEM;
	if (windows_add(&g->win, row))
		return -ENOMEM;
	if (!warm)
		return 0;
	if (!strcmp(row->status, "untrustworthy"))
		g->n_untrustworthy++;
	else if (strcmp(row->status, "ok") != 0)
		g->n_failed++;
	if (strcmp(row->status, "ok") != 0)
		return 0;
	if (g->n_wall == g->cap_wall) {
		size_t cap = g->cap_wall ? 2 * g->cap_wall : 64;
		double *p = realloc(g->wall_s, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		g->wall_s = p;
		g->cap_wall = cap;
	}
	g->wall_s[g->n_wall++] = (double)row->wall_ns / 1e9;
	return 0;
}

int
summary_add_fields(struct summary *s, const char *const *f, struct jb_err *err)
{
	struct results_row row;
	int rc = windows_row_parse(f, &row, err);

	return rc ? rc : summary_add(s, &row);
}

static double
json_num(json_object *o, const char *k1, const char *k2)
{
	json_object *a, *b;

	if (!json_object_object_get_ex(o, k1, &a) || !json_object_object_get_ex(a, k2, &b) ||
	    !(json_object_is_type(b, json_type_double) || json_object_is_type(b, json_type_int)))
		return NAN;
	return json_object_get_double(b);
}

static const char *
json_str(json_object *o, const char *k1, const char *k2)
{
	json_object *a, *b;

	if (!json_object_object_get_ex(o, k1, &a) || !json_object_object_get_ex(a, k2, &b) ||
	    !json_object_is_type(b, json_type_string))
		return "";
	return json_object_get_string(b);
}

/* One run's sidecar object @o (a plain run's, or a fleet host's "run"). */
static int
meta_from_json(struct summary *s, json_object *o, const char *run_id, const char *host)
{
	struct summary_meta m;
	const char *ver = json_str(o, "driver", "runtime_version"), *acc = strstr(ver, "accel ");
	double v;

	memset(&m, 0, sizeof(m));
	snprintf(m.run_id, sizeof(m.run_id), "%s", run_id);
	snprintf(m.host, sizeof(m.host), "%s", host);
	snprintf(m.runtime, sizeof(m.runtime), "%s", json_str(o, "driver", "runtime"));
	if (acc)
		snprintf(m.accelerator, sizeof(m.accelerator), "%.*s", (int)strcspn(acc + 6, "; "),
			 acc + 6);
	v = json_num(o, "driver", "memory_mb");
	m.memory_mb = v > 0 ? (uint64_t)v : 0;
	v = json_num(o, "driver", "rate_per_s");
	m.rate_per_s = v > 0 ? v : 0;
	m.idle_before_w = json_num(o, "idle_baseline", "before_w");
	m.idle_after_w = json_num(o, "idle_baseline", "after_w");
	return summary_meta_add(s, &m);
}

int
summary_meta_read(struct summary *s, const char *csv_path)
{
	json_object *o, *id, *hosts, *h, *hn, *run;
	char path[4200];
	size_t i;
	int rc = 0;

	if (results_meta_path(csv_path, path, sizeof(path)) || !(o = json_object_from_file(path)))
		return 0;
	if (!json_object_object_get_ex(o, "run_id", &id) || !json_object_is_type(id, json_type_string))
		goto out;
	if (json_object_object_get_ex(o, "hosts", &hosts) &&
	    json_object_is_type(hosts, json_type_array)) {
		/* A fleet: every host ran under the fleet's run_id with its own sidecar. */
		for (i = 0; !rc && i < json_object_array_length(hosts); i++) {
			h = json_object_array_get_idx(hosts, i);
			if (json_object_object_get_ex(h, "host", &hn) &&
			    json_object_object_get_ex(h, "run", &run) && run &&
			    json_object_is_type(hn, json_type_string))
				rc = meta_from_json(s, run, json_object_get_string(id),
						    json_object_get_string(hn));
		}
	} else {
		rc = meta_from_json(s, o, json_object_get_string(id), "");
	}
out:
	json_object_put(o);
	return rc;
}

struct summary_file {
	struct summary *s;
	const char *path;
	struct jb_err *err;
};

static int
summary_file_row(void *arg, const char *const *fields, unsigned long record)
{
	struct summary_file *f = arg;
	struct jb_err e = { 0 };
	int rc = summary_add_fields(f->s, fields, &e);

	if (rc == -ENOMEM)
		return jb_err_set(f->err, rc, "%s: out of memory", f->path);
	if (rc)
		return jb_err_set(f->err, rc, "%s: record %lu: %s", f->path, record, e.msg);
	return 0;
}

int
summary_add_file(struct summary *s, const char *path, struct jb_err *err)
{
	struct summary_file f = { .s = s, .path = path, .err = err };

	if (summary_meta_read(s, path))
		return jb_err_set(err, -ENOMEM, "%s: out of memory", path);
	return results_read(path, summary_file_row, &f, err);
}

/* Median and quartiles of @x (sorted in place); NANs for n = 0. */
static void
quartiles(double *x, size_t n, double *q1, double *med, double *q3)
{
	if (!n) {
		*q1 = *med = *q3 = NAN;
		return;
	}
	gsl_sort(x, 1, n);
	*q1 = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.25);
	*med = gsl_stats_median_from_sorted_data(x, 1, n);
	*q3 = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.75);
}

void
summary_group_stats(const struct summary_group *g, struct summary_stats *out)
{
	struct windows_counts c;
	struct windows_sample e, d;
	double energy_j = 0, window_s = 0, units = 0;
	size_t i, inv = 0;

	memset(out, 0, sizeof(*out));
	windows_count(&g->win, &c);
	out->n = c.n_invocations;
	out->n_windows = c.n_windows;
	out->n_runs = c.n_runs;
	memcpy(out->excluded, c.excluded, sizeof(out->excluded));
	out->windows_excluded = c.n_excluded;
	out->n_attributed = c.n_attributed;
	/* Out of memory leaves the samples empty: NANs rather than wrong figures. */
	(void)windows_sample(&g->win, WINDOWS_ENERGY, &e);
	(void)windows_sample(&g->win, WINDOWS_DYNAMIC, &d);
	quartiles(e.x, e.n, &out->energy_q1_j, &out->energy_median_j, &out->energy_q3_j);
	quartiles(d.x, d.n, &out->dynamic_q1_j, &out->dynamic_median_j, &out->dynamic_q3_j);
	quartiles(g->wall_s, g->n_wall, &out->wall_q1_s, &out->wall_median_s, &out->wall_q3_s);
	windows_sample_fini(&e);
	windows_sample_fini(&d);
	for (i = 0; i < g->win.n; i++) {
		const struct windows_obs *w = &g->win.obs[i];

		if (windows_fate(w) != WINDOWS_OK)
			continue;
		energy_j += w->window_energy_j;
		window_s += w->window_s;
		units += w->work_units;
		inv += w->invocations;
	}
	out->mean_power_w = window_s > 0 ? energy_j / window_s : NAN;
	out->energy_per_unit_j = units > 0 && inv ? out->energy_median_j / (units / (double)inv)
						  : NAN;
}

double
summary_group_median(const struct summary_group *g, enum windows_value v)
{
	struct windows_sample w;
	double m;

	if (windows_sample(&g->win, v, &w))
		return NAN;
	m = stats_quantile(w.x, w.n, 0.5);
	windows_sample_fini(&w);
	return m;
}

int
summary_group_ci(const struct summary_group *g, enum windows_value v, double level,
		 struct stats_interval *out)
{
	struct windows_sample w;
	struct stats_runs r;
	int rc = windows_sample(&g->win, v, &w);

	if (rc) {
		memset(out, 0, sizeof(*out));
		out->est = out->lo = out->hi = NAN;
		return rc;
	}
	r = (struct stats_runs){ w.x, w.run_n, w.n_runs };
	rc = stats_runs_median_ci(&r, level, out);
	windows_sample_fini(&w);
	return rc;
}

int
summary_ratio_ci(const struct summary_group *a, const struct summary_group *b,
		 enum windows_value v, double level, struct stats_interval *out)
{
	struct windows_sample wa, wb;
	struct stats_runs ra, rb;
	int rc = windows_sample(&a->win, v, &wa);

	rc = rc ? rc : windows_sample(&b->win, v, &wb);
	if (rc) {
		windows_sample_fini(&wa);
		memset(out, 0, sizeof(*out));
		out->est = out->lo = out->hi = NAN;
		return rc;
	}
	ra = (struct stats_runs){ wa.x, wa.run_n, wa.n_runs };
	rb = (struct stats_runs){ wb.x, wb.run_n, wb.n_runs };
	rc = stats_runs_ratio_ci(&ra, &rb, level, out);
	windows_sample_fini(&wa);
	windows_sample_fini(&wb);
	return rc;
}

size_t
summary_key_diff(const struct summary_key *a, const struct summary_key *b, char *buf,
		 size_t len)
{
	size_t n = 0, used = 0;

	if (len)
		buf[0] = '\0';
#define ADD(name, fmt, va, vb)                                                                 \
	do {                                                                                   \
		int k = snprintf(buf + used, len > used ? len - used : 0, "%s" name " " fmt    \
				 " vs " fmt, n++ ? ", " : "", va, vb);                         \
		used += k > 0 ? (size_t)k : 0;                                                 \
		used = used < len ? used : (len ? len - 1 : 0);                                \
	} while (0)
#define STR(f, name)                                                                           \
	if (strcmp(a->f, b->f))                                                                \
	ADD(name, "'%s'", a->f, b->f)
	STR(workload, "workload");
	STR(size, "size");
	STR(driver, "driver");
	STR(isolation, "isolation");
	STR(runtime, "runtime");
	STR(meter, "meter");
	STR(meter_kind, "meter kind");
	STR(domain, "domain");
	STR(scope, "scope");
	if (a->concurrency != b->concurrency)
		ADD("concurrency", "%llu", (unsigned long long)a->concurrency,
		    (unsigned long long)b->concurrency);
	if (a->rate_per_s != b->rate_per_s)
		ADD("rate", "%g/s", a->rate_per_s, b->rate_per_s);
	if (a->memory_mb != b->memory_mb)
		ADD("memory", "%llu MB", (unsigned long long)a->memory_mb,
		    (unsigned long long)b->memory_mb);
	STR(host, "host");
	STR(arch, "arch");
	STR(accelerator, "accelerator");
#undef STR
#undef ADD
	return n;
}

int
summary_key_driver_pair(const struct summary_key *a, const struct summary_key *b)
{
	struct summary_key x = *a, y = *b;

	if (!memcmp(a, b, sizeof(*a)))
		return 0;
	memset(x.driver, 0, sizeof(x.driver));
	memset(y.driver, 0, sizeof(y.driver));
	memset(x.isolation, 0, sizeof(x.isolation));
	memset(y.isolation, 0, sizeof(y.isolation));
	memset(x.runtime, 0, sizeof(x.runtime));
	memset(y.runtime, 0, sizeof(y.runtime));
	memset(x.accelerator, 0, sizeof(x.accelerator));
	memset(y.accelerator, 0, sizeof(y.accelerator));
	if (!x.memory_mb || !y.memory_mb)
		x.memory_mb = y.memory_mb = 0;
	return !memcmp(&x, &y, sizeof(x));
}

void
summary_dynamic_note(const struct summary_group *g, double median_j, char *buf, size_t len)
{
	double drift_w = NAN, before = NAN, after = NAN, idle = NAN, e = 0, t = 0, per_inv;
	size_t i, inv = 0;

	if (len)
		buf[0] = '\0';
	if (!(median_j < 0))
		return;
	for (i = 0; i < g->win.n_runs; i++) {
		const struct windows_run *r = &g->win.run[i];
		double d = fabs(r->idle_after_w - r->idle_before_w);

		if (isfinite(d) && !(d <= drift_w)) {
			drift_w = d;
			before = r->idle_before_w;
			after = r->idle_after_w;
		}
	}
	for (i = 0; i < g->win.n; i++) {
		const struct windows_obs *w = &g->win.obs[i];

		if (windows_fate(w) != WINDOWS_OK)
			continue;
		e += w->window_energy_j;
		t += w->window_s;
		inv += w->window_invocations;
		idle = w->idle_w;
	}
	/* The drift's energy over one invocation's share of window time. */
	per_inv = inv ? drift_w * t / (double)inv : NAN;
	if (isfinite(per_inv) && per_inv > -median_j)
		snprintf(buf, len, "negative dynamic energy: the idle baseline drifted by %.3g W "
			 "(%.4g W before, %.4g W after the run), %.3g J per invocation, more than "
			 "the dynamic energy (%.3g J)", drift_w, before, after, per_inv, median_j);
	else
		snprintf(buf, len, "negative dynamic energy: the windows' mean power (%.4g W) is "
			 "at or below the idle baseline (%.4g W): the work's own energy is within "
			 "the noise against idle%s", t > 0 ? e / t : NAN, idle,
			 isfinite(drift_w) ? "" : " (no sidecar gives the baseline's drift)");
}

int
summary_scope_check(const char *what_a, const char *a, const char *what_b, const char *b,
		    int allow, char *why, size_t len)
{
	if (len)
		why[0] = '\0';
	if (!strcmp(a, b))
		return 0;
	if (!allow) {
		snprintf(why, len, "%s is scope '%s', %s is scope '%s': numbers of different "
			 "scopes measure different parts of a machine and are not set against "
			 "each other (--allow-scope-mix to do it anyway)", what_a, a[0] ? a : "?",
			 what_b, b[0] ? b : "?");
		return -EDOM;
	}
	snprintf(why, len, "%s: %s is scope '%s', %s is scope '%s': these figures set "
		 "different parts of a machine against each other and are not like for like",
		 SUMMARY_SCOPE_MIX_WARNING, what_a, a[0] ? a : "?", what_b, b[0] ? b : "?");
	return 1;
}

void
summary_fini(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		windows_fini(&s->group[i].win);
		free(s->group[i].wall_s);
	}
	free(s->group);
	free(s->meta);
	memset(s, 0, sizeof(*s));
}
