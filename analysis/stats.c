/* SPDX-License-Identifier: MIT */
/*
 * Implementation of stats.h on GSL. The bootstrap is the plain percentile method (Efron
 * and Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13): resample with
 * replacement, take the median, and read the interval off the resampled medians' quantiles.
 * Resampling is two-level where there are several runs (Kalibera and Jones, ISMM 2013):
 * runs first, then windows within each drawn run, so run-to-run variation widens the
 * interval as it should. BCa is not used: its acceleration comes from a jackknife, which is
 * inconsistent for the median (Efron and Tibshirani ch. 11.6), and the percentile interval's
 * coverage is measured instead (tests/unit/test_stats.c; the `stats` benchmark suite).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "stats.h"

double
stats_quantile(const double *x, size_t n, double p)
{
	double *c, q;

	if (!n || !(c = malloc(n * sizeof(double))))
		return NAN;
	memcpy(c, x, n * sizeof(double));
	gsl_sort(c, 1, n);
	q = gsl_stats_quantile_from_sorted_data(c, 1, n, p);
	free(c);
	return q;
}

static gsl_rng *
rng_new(uint64_t seed)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	if (rng)
		gsl_rng_set(rng, (unsigned long)seed);
	return rng;
}

static void
ci_from(double *stat, size_t m, double level, double *lo, double *hi)
{
	gsl_sort(stat, 1, m);
	*lo = gsl_stats_quantile_from_sorted_data(stat, 1, m, (1 - level) / 2);
	*hi = gsl_stats_quantile_from_sorted_data(stat, 1, m, 1 - (1 - level) / 2);
}

/* One side of a bootstrap: the runs, where each run starts in x, and room for a resample
 * (at most n_runs times the largest run). */
struct side {
	const struct stats_runs *s;
	size_t *start, total, cap;
	double *buf;
	double *adj; /* the windows as resampled: each run shifted by shift[r] (several runs) */
	double c;    /* the factor of runs' offsets from the grand mean kept in adj */
};

/*
 * Resampling runs and then windows, both with replacement, counts the within-run variance
 * twice: the spread of the run means already holds it (Davison and Hinkley, "Bootstrap
 * Methods and their Application", 1997, sec. 3.8). With R runs of about n windows, run
 * means m_r, grand mean m, S_B^2 the variance of the m_r and S_W^2 the pooled within-run
 * variance, the bootstrap variance of the grand mean is
 *   c^2 (R-1)/R S_B^2/R + (n-1)/n S_W^2/(R n)
 * when every window x of run r is first replaced by x - (1 - c)(m_r - m). Its expectation
 * is the true variance, E[S_B^2]/R, for
 *   c^2 = R/(R-1) (1 - (n-1) S_W^2 / (n^2 S_B^2)), or 0 when that is negative:
 * runs that differ no more than their windows predict are pulled together (c near 0, and
 * the interval is the windows' own), runs that differ more are spread to their unbiased
 * spread. Unadjusted, three runs of independent windows gave 99% coverage for a nominal
 * 95% ratio interval; adjusted, the coverage is measured in tests/unit/test_stats.c.
 */
/*
 * Windows of one run are not independent: a drifting idle baseline moves neighbouring
 * windows together, and resampling windows as if independent then makes the interval too
 * narrow (the `stats` suite measured 72% for 50 windows of one run). The windows are
 * modelled as independent noise plus an AR(1) drift, whose autocovariances are
 * g_k = s_d^2 phi^k for k >= 1 (an ARMA(1,1)): phi = g_2 / g_1 and s_d^2 = g_1 / phi, from
 * the autocovariances of each run about its own mean, pooled over runs. The variance of a
 * run's mean is then (g_0 + 2 s_d^2 phi / (1 - phi)) / n instead of g_0 / n (the long-run
 * variance; Hamilton, "Time Series Analysis", 1994, sec. 3.4 and 7.2). Return that factor:
 * 1 when the windows show no positive dependence or are too few (fewer than 3 per run),
 * at most n (the mean cannot vary more than one window), with phi at most 0.95.
 */
static double
side_inflation(const struct side *d)
{
	const struct stats_runs *s = d->s;
	double g0 = 0, g1 = 0, g2 = 0, phi, lrv;
	size_t r, i, nmin = SIZE_MAX;

	for (r = 0; r < s->n_runs; r++)
		nmin = s->run_n[r] < nmin ? s->run_n[r] : nmin;
	if (nmin < 3)
		return 1;
	for (r = 0; r < s->n_runs; r++) {
		const double *x = s->x + d->start[r];
		size_t n = s->run_n[r];
		double mr = gsl_stats_mean(x, 1, n);

		for (i = 0; i < n; i++) {
			g0 += (x[i] - mr) * (x[i] - mr);
			g1 += i >= 1 ? (x[i] - mr) * (x[i - 1] - mr) : 0;
			g2 += i >= 2 ? (x[i] - mr) * (x[i - 2] - mr) : 0;
		}
	}
	if (g0 <= 0 || g1 <= 0 || g2 <= 0)
		return 1;
	phi = g2 / g1 > 0.95 ? 0.95 : g2 / g1;
	lrv = g0 + 2 * (g1 / phi) * phi / (1 - phi);
	return lrv / g0 > (double)nmin ? (double)nmin : lrv / g0;
}

/*
 * Resampling runs and then windows, both with replacement, counts the within-run variance
 * twice: the spread of the run means already holds it (Davison and Hinkley, "Bootstrap
 * Methods and their Application", 1997, sec. 3.8). With R runs of about n windows, run
 * means m_r, grand mean m, S_B^2 the variance of the m_r and S_W^2 the pooled within-run
 * variance, the bootstrap variance of the grand mean is
 *   c^2 (R-1)/R S_B^2/R + f (n-1)/n S_W^2/(R n)
 * when every window x of run r (median med_r) is first replaced by
 *   med_r - (1 - c)(m_r - m) + sqrt(f) (x - med_r).
 * f is the within-run dependence (side_inflation()) times N/(N-1) for N windows in all
 * (the plain bootstrap's variance is (N-1)/N of the unbiased one, which matters at 5
 * windows). The variance's expectation is the true variance, E[S_B^2]/R, for
 *   c^2 = R/(R-1) (1 - f (n-1) S_W^2 / (n^2 S_B^2)), or 0 when that is negative:
 * runs that differ no more than their windows predict are pulled together (c near 0, and
 * the interval is the windows' own), runs that differ more are spread to their unbiased
 * spread. Scaling about the run's median, not its mean, keeps an outlier window from
 * moving the other windows. Coverage is measured in the `stats` suite.
 */
static int
side_adjust(struct side *d)
{
	const struct stats_runs *s = d->s;
	double m = 0, sb = 0, sw = 0, nbar, c2, s2;
	size_t r, i;

	d->c = 1;
	if (!(d->adj = malloc(d->total * sizeof(double))))
		return -ENOMEM;
	nbar = (double)d->total / (double)s->n_runs;
	s2 = side_inflation(d);
	if (d->total > 1)
		s2 *= (double)d->total / (double)(d->total - 1);
	for (i = 0; i < d->total; i++)
		m += s->x[i] / (double)d->total;
	for (r = 0; r < s->n_runs; r++) {
		const double *x = s->x + d->start[r];
		double mr = gsl_stats_mean(x, 1, s->run_n[r]);

		sb += s->n_runs > 1 ? (mr - m) * (mr - m) / (double)(s->n_runs - 1) : 0;
		for (i = 0; i < s->run_n[r]; i++)
			sw += (x[i] - mr) * (x[i] - mr);
	}
	sw = d->total > s->n_runs ? sw / (double)(d->total - s->n_runs) : 0;
	if (s->n_runs > 1) {
		c2 = sb > 0 ? (double)s->n_runs / (double)(s->n_runs - 1) *
				      (1 - s2 * (nbar - 1) * sw / (nbar * nbar * sb))
			    : 0;
		d->c = (c2 > 0 ? sqrt(c2) : 0);
	}
	for (r = 0; r < s->n_runs; r++) {
		const double *x = s->x + d->start[r];
		size_t n = s->run_n[r];
		double mr = gsl_stats_mean(x, 1, n), med = stats_quantile(x, n, 0.5);
		double centre = med - (1 - d->c) * (mr - m);

		for (i = 0; i < n; i++)
			d->adj[d->start[r] + i] = centre + sqrt(s2) * (x[i] - med);
	}
	return 0;
}

static int
side_init(struct side *d, const struct stats_runs *s)
{
	size_t r, max = 0;

	memset(d, 0, sizeof(*d));
	d->s = s;
	if (!s->n_runs)
		return 0;
	if (!(d->start = malloc(s->n_runs * sizeof(size_t))))
		return -ENOMEM;
	for (r = 0; r < s->n_runs; r++) {
		if (!s->run_n[r])
			return -EINVAL;
		d->start[r] = d->total;
		d->total += s->run_n[r];
		max = s->run_n[r] > max ? s->run_n[r] : max;
	}
	d->cap = s->n_runs * max;
	if (!(d->buf = malloc(d->cap * sizeof(double))))
		return -ENOMEM;
	return side_adjust(d);
}

static void
side_fini(struct side *d)
{
	free(d->start);
	free(d->buf);
	free(d->adj);
}

/* The median of one two-level resample of @d: runs with replacement, then windows with
 * replacement within each drawn run. One run: only the windows are drawn. */
static double
side_resample(gsl_rng *rng, struct side *d)
{
	const struct stats_runs *s = d->s;
	size_t k, i, m = 0;

	for (k = 0; k < s->n_runs; k++) {
		size_t r = s->n_runs == 1 ? 0 : gsl_rng_uniform_int(rng, s->n_runs);
		const double *x = (d->adj ? d->adj : s->x) + d->start[r];

		for (i = 0; i < s->run_n[r]; i++)
			d->buf[m++] = x[gsl_rng_uniform_int(rng, s->run_n[r])];
	}
	/* Quickselect (O(n)), not a sort: a bootstrap draws thousands of these. */
	return gsl_stats_median(d->buf, 1, m);
}

static double
side_median(const struct side *d)
{
	return d->total ? stats_quantile(d->s->x, d->total, 0.5) : NAN;
}

static void
interval_empty(struct stats_interval *out)
{
	memset(out, 0, sizeof(*out));
	out->est = out->lo = out->hi = NAN;
}

static const char few_windows[] =
	"fewer than 5 windows: the range of n windows covers their median only with "
	"probability 1 - 2^(1-n) (87.5% for 4), so no 95% interval can be trusted; measure "
	"more windows (--runs)";

int
stats_runs_median_ci(const struct stats_runs *s, const struct stats_boot *b,
		     struct stats_interval *out)
{
	struct side d;
	double *stat = NULL;
	gsl_rng *rng = NULL;
	unsigned k;
	int rc;

	interval_empty(out);
	if (!b->resamples)
		return -EINVAL;
	if ((rc = side_init(&d, s)) || !d.total)
		goto out;
	out->n_windows = d.total;
	out->n_runs = s->n_runs;
	out->est = side_median(&d);
	out->flag = d.total < STATS_WINDOWS_MIN ? few_windows : NULL;
	if (d.total == 1) {
		out->lo = out->hi = out->est;
		goto out;
	}
	stat = malloc(b->resamples * sizeof(double));
	rng = rng_new(b->seed);
	if (!stat || !rng) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < b->resamples; k++)
		stat[k] = side_resample(rng, &d);
	ci_from(stat, b->resamples, b->level, &out->lo, &out->hi);
out:
	free(stat);
	if (rng)
		gsl_rng_free(rng);
	side_fini(&d);
	return rc;
}

int
stats_runs_ratio_ci(const struct stats_runs *x, const struct stats_runs *y,
		    const struct stats_boot *b, struct stats_interval *out)
{
	struct side dx, dy;
	double *stat = NULL;
	gsl_rng *rng = NULL;
	size_t m = 0;
	unsigned k;
	int rc, rc2;

	interval_empty(out);
	if (!b->resamples)
		return -EINVAL;
	/* side_init() clears its side first, so both can be freed whatever failed. */
	rc = side_init(&dx, x);
	rc2 = side_init(&dy, y);
	if (rc || (rc = rc2))
		goto out;
	if (!dx.total || !dy.total) {
		rc = -EDOM;
		goto out;
	}
	out->n_windows = dx.total < dy.total ? dx.total : dy.total;
	out->n_runs = x->n_runs < y->n_runs ? x->n_runs : y->n_runs;
	out->est = side_median(&dy) / side_median(&dx);
	out->flag = out->n_windows < STATS_WINDOWS_MIN ? few_windows : NULL;
	stat = malloc(b->resamples * sizeof(double));
	rng = rng_new(b->seed);
	if (!stat || !rng) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < b->resamples; k++) {
		double mx = side_resample(rng, &dx), my = side_resample(rng, &dy);

		if (mx != 0)
			stat[m++] = my / mx;
	}
	if (!m)
		rc = -EDOM;
	else
		ci_from(stat, m, b->level, &out->lo, &out->hi);
out:
	side_fini(&dy);
	side_fini(&dx);
	free(stat);
	if (rng)
		gsl_rng_free(rng);
	return rc;
}

int
stats_median_ci(const double *x, size_t n, unsigned resamples, uint64_t seed, double level,
		struct stats_ci *ci)
{
	struct stats_runs s = { x, &n, n ? 1 : 0 };
	struct stats_boot b = { resamples, seed, level };
	struct stats_interval out;
	int rc = stats_runs_median_ci(&s, &b, &out);

	ci->lo = out.lo;
	ci->hi = out.hi;
	return rc;
}

int
stats_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, unsigned resamples,
	       uint64_t seed, double level, struct stats_ci *ci)
{
	struct stats_runs sx = { x, &nx, nx ? 1 : 0 }, sy = { y, &ny, ny ? 1 : 0 };
	struct stats_boot b = { resamples, seed, level };
	struct stats_interval out;
	int rc = stats_runs_ratio_ci(&sx, &sy, &b, &out);

	ci->lo = out.lo;
	ci->hi = out.hi;
	return rc == -EINVAL ? -EDOM : rc;
}

size_t
stats_outliers_mad(const double *x, size_t n)
{
	double *work, *c, med, mad;
	size_t i, count = 0;

	if (n < 3)
		return 0;
	work = malloc(n * sizeof(double));
	c = malloc(n * sizeof(double));
	if (!work || !c) {
		free(work);
		free(c);
		return 0;
	}
	memcpy(c, x, n * sizeof(double));
	gsl_sort(c, 1, n);
	med = gsl_stats_median_from_sorted_data(c, 1, n);
	/* gsl_stats_mad0 is the raw MAD (no 1.4826 scaling): the modified z-score wants it. */
	mad = gsl_stats_mad0(x, 1, n, work);
	for (i = 0; mad > 0 && i < n; i++)
		count += 0.6745 * fabs(x[i] - med) / mad > 3.5;
	free(work);
	free(c);
	return count;
}
