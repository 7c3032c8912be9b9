/* SPDX-License-Identifier: MIT */
/*
 * Model parameters from measured joulebench CSVs (params.h), read with results_read().
 * A server CSV gives idle power, the dynamic power of one busy instance (so loaded power
 * = idle + cores x that), sandbox creation energy (cold rows minus a warm invocation) and
 * the isolation factor (rows of any isolation, container or microvm, against pinned rows);
 * a board CSV gives board idle and active power, boot energy and time (phase boot rows,
 * written by `joulebench boot-energy`; a CSV of boot rows alone sets only those two) and,
 * with both, the slowdown.
 * Every warm figure is over ok warm windows, the sampling unit (windows.h), never over
 * the rows that split a window; cold starts and boots are one to a window. Medians (GSL)
 * keep a few outlying windows from moving the model. Every value set names its file and
 * the windows or rows it rests on as its source.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "params.h"
#include "results.h"
#include "summary.h"

struct vec {
	double *v;
	size_t n, cap;
};

enum { M_IDLE, M_DYNP_CONT, M_DYNP_PIN, M_DYNP_ANY, M_COLD_CONT, M_WARM_CONT, M_WARM_ANY,
       M_BOOT_J, M_BOOT_S, M_NV };

#define MEAS_MAX_WORKLOADS 64

struct meas {
	const char *path;
	struct vec v[M_NV];
	char wl[MEAS_MAX_WORKLOADS][64];  /* warm wall time per workload, for the slowdown */
	struct vec wall[MEAS_MAX_WORKLOADS];
	size_t nwl;
	struct jb_err *err;
};

static int
vec_push(struct vec *v, double x)
{
	if (!isfinite(x))
		return 0;
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		double *p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->v = p, v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

static double
vec_median(struct vec *v)
{
	if (!v->n)
		return NAN;
	gsl_sort(v->v, 1, v->n);
	return gsl_stats_median_from_sorted_data(v->v, 1, v->n);
}

static double
num(const char *s)
{
	char *end;
	double x = strtod(s, &end);

	return (end == s || *end) ? NAN : x;
}

/* Cold starts and boots are metered one to a window: each of their rows is a window. */
static int
meas_row(void *arg, const char *const *f, unsigned long line)
{
	struct meas *m = arg;
	const char *phase = f[RESULTS_COL_INDEX_phase];
	double wall_s = num(f[RESULTS_COL_INDEX_wall_ns]) / 1e9;
	int rc = 0;

	(void)line;
	if (strcmp(f[RESULTS_COL_INDEX_status], "ok"))
		return 0;
	if (!strcmp(phase, "cold") && strcmp(f[RESULTS_COL_INDEX_driver], "pinned")) {
		rc |= vec_push(&m->v[M_COLD_CONT], num(f[RESULTS_COL_INDEX_dynamic_energy_j]));
	} else if (!strcmp(phase, "boot")) {
		rc |= vec_push(&m->v[M_BOOT_J], num(f[RESULTS_COL_INDEX_energy_j]));
		rc |= vec_push(&m->v[M_BOOT_S], wall_s);
	}
	return rc ? jb_err_set(m->err, -ENOMEM, "out of memory reading %s", m->path) : 0;
}

/*
 * The warm figures, one per ok warm window (the sampling unit, windows.h): its idle
 * baseline, its dynamic power (the window's dynamic energy over the kernel time of its
 * invocations: one busy instance's power), its dynamic energy and wall time per
 * invocation. Any isolation against pinned: container (runc, crun, gVisor) or microvm; a
 * CSV of pinned rows and one isolation's (`joulebench compare` writes one per isolation)
 * measures that isolation's cold start and overhead.
 */
static int
meas_windows(struct meas *m, struct summary *s)
{
	size_t i, j, w;
	int rc = 0;

	for (i = 0; i < s->n; i++) {
		const struct summary_group *g = &s->group[i];
		int cont = !!strcmp(g->key.driver, "pinned");

		for (w = 0; w < m->nwl && strcmp(m->wl[w], g->key.workload); w++)
			;
		if (w == m->nwl && w < MEAS_MAX_WORKLOADS)
			snprintf(m->wl[m->nwl++], sizeof(m->wl[0]), "%.*s", 63, g->key.workload);
		for (j = 0; j < g->win.n; j++) {
			const struct windows_obs *o = &g->win.obs[j];
			double dynp = o->sum[WINDOWS_DYNAMIC] / o->sum[WINDOWS_WALL];

			if (windows_fate(o) != WINDOWS_OK || !(o->sum[WINDOWS_WALL] > 0))
				continue;
			rc |= vec_push(&m->v[M_IDLE], o->idle_w);
			rc |= vec_push(&m->v[cont ? M_DYNP_CONT : M_DYNP_PIN], dynp);
			rc |= vec_push(&m->v[M_DYNP_ANY], dynp);
			rc |= vec_push(&m->v[M_WARM_ANY], windows_per_inv(o, WINDOWS_DYNAMIC));
			if (cont)
				rc |= vec_push(&m->v[M_WARM_CONT], windows_per_inv(o, WINDOWS_DYNAMIC));
			if (w < m->nwl)
				rc |= vec_push(&m->wall[w], windows_per_inv(o, WINDOWS_WALL));
		}
	}
	return rc ? jb_err_set(m->err, -ENOMEM, "out of memory reading %s", m->path) : 0;
}

/* Read CSV @path into @m: its windows through summary.c, its cold and boot rows. */
static int
meas_read(struct meas *m, const char *path, struct jb_err *err)
{
	struct summary s = { 0 };
	int rc = summary_add_file(&s, path, err);

	if (!rc)
		rc = meas_windows(m, &s);
	summary_fini(&s);
	return rc ? rc : results_read(path, meas_row, m, err);
}

static void
meas_fini(struct meas *m)
{
	size_t i;

	for (i = 0; i < M_NV; i++)
		free(m->v[i].v);
	for (i = 0; i < MEAS_MAX_WORKLOADS; i++)
		free(m->wall[i].v);
}

/* Set @key to @v (if finite) with a source naming @m's file and @what. */
static int
put(struct params *p, const char *key, double v, const struct meas *m, const char *what,
    size_t n, struct jb_err *err)
{
	char val[64], src[PARAMS_SOURCE_LEN];

	if (!isfinite(v) || !n)
		return 0;
	snprintf(val, sizeof(val), "%.9g", v);
	snprintf(src, sizeof(src), "measured: %.120s, %s (%zu windows)", m->path, what, n);
	return params_set(p, key, val, src, err);
}

static double
slowdown(struct meas *board, struct meas *server, size_t *n)
{
	struct vec r = { 0 };
	size_t i, j;
	double s;

	for (i = 0; i < board->nwl; i++)
		for (j = 0; j < server->nwl; j++)
			if (!strcmp(board->wl[i], server->wl[j]))
				(void)vec_push(&r, vec_median(&board->wall[i]) /
						      vec_median(&server->wall[j]));
	*n = r.n;
	s = vec_median(&r);
	free(r.v);
	return s;
}

int
params_measured_apply(struct params *p, const char *server_csv, const char *board_csv,
		      struct jb_err *err)
{
	struct meas s = { .path = server_csv, .err = err }, b = { .path = board_csv, .err = err };
	double idle, dynp;
	size_t n;
	int rc = 0;

	if (server_csv && (rc = meas_read(&s, server_csv, err)))
		goto out;
	if (board_csv && (rc = meas_read(&b, board_csv, err)))
		goto out;
	if (server_csv) {
		struct vec *dv = s.v[M_DYNP_CONT].n ? &s.v[M_DYNP_CONT] : &s.v[M_DYNP_ANY];

		if (!s.v[M_IDLE].n || !dv->n) {
			rc = jb_err_set(err, -EINVAL, "%s: no ok warm window with idle_power_w",
					server_csv);
			goto out;
		}
		idle = vec_median(&s.v[M_IDLE]);
		dynp = vec_median(dv);
		if (!(dynp > 0)) {
			rc = jb_err_set(err, -EINVAL, "%s: the median dynamic power of warm windows is "
					"%.3g W: the meter did not separate the work from idle power",
					server_csv, dynp);
			goto out;
		}
		rc = put(p, "server_idle_w", idle, &s, "median idle_power_w of ok warm windows",
			 s.v[M_IDLE].n, err);
		if (!rc)
			rc = put(p, "server_loaded_w", idle + p->v[PARAMS_server_cores] * dynp, &s,
				 "idle + server_cores x median over warm windows of dynamic_energy_j/wall", dv->n, err);
		if (!rc && s.v[M_COLD_CONT].n && s.v[M_WARM_CONT].n)
			rc = put(p, "container_create_j", fmax(0, vec_median(&s.v[M_COLD_CONT]) -
							  vec_median(&s.v[M_WARM_CONT])),
				 &s, "median cold start minus median warm window dynamic_energy_j per invocation, non-pinned",
				 s.v[M_COLD_CONT].n, err);
		if (!rc && s.v[M_DYNP_CONT].n && s.v[M_DYNP_PIN].n)
			rc = put(p, "isolation_frac", vec_median(&s.v[M_DYNP_CONT]) /
							vec_median(&s.v[M_DYNP_PIN]) - 1,
				 &s, "median window dynamic power non-pinned / pinned - 1",
				 s.v[M_DYNP_CONT].n + s.v[M_DYNP_PIN].n, err);
	}
	if (board_csv && !rc) {
		/* A CSV of `joulebench boot-energy` alone holds only boot rows (no idle
		 * baseline: the board is off before a boot); it sets the boot parameters. */
		int warm = b.v[M_IDLE].n && b.v[M_DYNP_ANY].n;

		if (!warm && !b.v[M_BOOT_J].n) {
			rc = jb_err_set(err, -EINVAL, "%s: no ok warm window with idle_power_w and no "
					"ok boot rows", board_csv);
			goto out;
		}
		if (!warm)
			goto boot;
		idle = vec_median(&b.v[M_IDLE]);
		dynp = vec_median(&b.v[M_DYNP_ANY]);
		if (!(dynp > 0)) {
			rc = jb_err_set(err, -EINVAL, "%s: the median dynamic power of warm windows is "
					"%.3g W: the meter did not separate the work from idle power",
					board_csv, dynp);
			goto out;
		}
		rc = put(p, "board_idle_w", idle, &b, "median idle_power_w of ok warm windows",
			 b.v[M_IDLE].n, err);
		if (!rc)
			rc = put(p, "board_active_w", idle + dynp, &b,
				 "idle + median over warm windows of dynamic_energy_j/wall", b.v[M_DYNP_ANY].n, err);
boot:
		if (!rc)
			rc = put(p, "board_boot_j", vec_median(&b.v[M_BOOT_J]), &b,
				 "median energy_j of phase boot", b.v[M_BOOT_J].n, err);
		if (!rc)
			rc = put(p, "board_boot_s", vec_median(&b.v[M_BOOT_S]), &b,
				 "median wall_ns of phase boot", b.v[M_BOOT_S].n, err);
		if (!rc && server_csv && warm) {
			double sd = slowdown(&b, &s, &n);

			rc = put(p, "board_slowdown", sd, &b, "median over workloads of board / "
				 "server median warm window wall per invocation", n, err);
		}
	}
out:
	meas_fini(&s);
	meas_fini(&b);
	return rc;
}
