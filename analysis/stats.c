/* SPDX-License-Identifier: MIT */
/*
 * Implementation of stats.h on GSL. The interval of a median is Student's t times a
 * standard error, built on the level where the data hold independent information:
 *   - several runs: the spread of the runs' medians, with R - 1 degrees of freedom
 *     (Kalibera and Jones, "Rigorous benchmarking in reasonable time", ISMM 2013): run
 *     medians are independent whatever the windows inside a run do (drift, dependence), so
 *     nothing within a run needs to be modelled, and the t quantile pays for knowing the
 *     run-to-run variance from R numbers;
 *   - one run: the windows' robust spread (Rousseeuw and Croux's Qn, which half the
 *     windows can be outliers without moving) turned into the standard error of a median
 *     of normal windows, widened by the windows' estimated dependence (side_inflation()).
 * The headline stays the median of every window, but a window that the modified z-score
 * rule calls an outlier (stats_outliers_mad()) moves a median of few windows by a whole
 * order statistic. That shift is a bias, not noise, so it is not folded into the standard
 * error: the interval spans both medians, with and without the outlier windows, and adds
 * the half-width on each side. A ratio of two medians is read on the log scale, where its
 * variance is the sum of the two sides' (delta method), with Welch and Satterthwaite's
 * degrees of freedom; an outlier bias common to both sides cancels there, as it should.
 * Why not the percentile bootstrap used before: its variance of a median converges at
 * n^(-1/4) only (Hall and Martin, 1988), it is lumpy for a few windows (for 5, it is the
 * range), it re-draws how many outlier windows a run had, and resampling 3 runs with
 * replacement puts 11% of the resamples on one run alone; the `stats` suite measured what
 * that did to coverage (docs/reliability.md). Coverage of this construction is measured
 * there, cell by cell.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "stats.h"

/* The modified z-score above which a window is an outlier (Iglewicz and Hoaglin 1993). */
#define OUTLIER_Z 3.5
/* Qn's asymptotic efficiency at the normal (Rousseeuw and Croux, JASA 1993): the degrees of
 * freedom its variance estimate is worth per window. */
#define QN_EFFICIENCY 0.82

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

/*
 * n times the variance of the median of n independent standard normals: the order
 * statistics' densities integrated numerically (for even n the joint density of the two
 * middle ones) for n <= 30, then (pi/2)(1 - 0.435/n) for odd n and
 * (pi/2)(1 - 1.425/n + 2.5/n^2) for even n, which match the integrals to 0.01% from 31 on.
 * The limit is pi/2 (the median's efficiency 2/pi). tests/unit/test_stats.c checks the
 * table against simulated medians.
 */
static double
median_var_factor(size_t n)
{
	static const double k[30] = {
		1.00000, 1.00000, 1.34601, 1.19280, 1.43417, 1.28846, 1.47313, 1.34545,
		1.49491, 1.38326, 1.50879, 1.41019, 1.51839, 1.43035, 1.52542, 1.44600,
		1.53079, 1.45851, 1.53503, 1.46874, 1.53845, 1.47726, 1.54128, 1.48446,
		1.54366, 1.49064, 1.54568, 1.49598, 1.54742, 1.50066,
	};
	double x = (double)n;

	if (n >= 1 && n <= 30)
		return k[n - 1];
	return M_PI / 2 * (n % 2 ? 1 - 0.435 / x : 1 - 1.425 / x + 2.5 / (x * x));
}

double
stats_median_var_factor(size_t n)
{
	return median_var_factor(n);
}

/*
 * GSL's Qn of n standard normal windows: E[Qn^2] (Croux and Rousseeuw's small-sample
 * factors make Qn about unbiased, not its square) and the degrees of freedom of Qn^2 as a
 * variance estimate, measured by `bench-stats --qn-table 200000` for n = 2..30; beyond,
 * 1 + 0.75/n and 0.82 (n - 1)(1 - 0.7/sqrt(n)) (0.82 is Qn's asymptotic efficiency,
 * Rousseeuw and Croux, JASA 1993), within 4% of the measured degrees of freedom from 31
 * to 40 (the same command prints both). At 5 windows Qn^2 is worth 1.8 degrees of freedom, not 4: a t quantile that
 * took n - 1 made the interval too narrow.
 */
void
stats_qn_moments(size_t n, double *mean_sq, double *df)
{
	static const double tab[29][2] = {
		{ 1.5675, 1.02 }, { 1.6760, 0.79 }, { 1.2974, 1.76 }, { 1.2837, 1.78 },
		{ 1.1714, 3.04 }, { 1.1719, 3.04 }, { 1.1198, 4.32 }, { 1.1211, 4.45 },
		{ 1.0915, 5.71 }, { 1.0865, 5.86 }, { 1.0691, 7.08 }, { 1.0708, 7.30 },
		{ 1.0592, 8.55 }, { 1.0576, 8.83 }, { 1.0512, 10.00 }, { 1.0498, 10.21 },
		{ 1.0432, 11.51 }, { 1.0422, 11.78 }, { 1.0389, 13.00 }, { 1.0367, 13.29 },
		{ 1.0343, 14.58 }, { 1.0347, 14.89 }, { 1.0309, 16.09 }, { 1.0315, 16.43 },
		{ 1.0290, 17.60 }, { 1.0279, 17.90 }, { 1.0263, 19.27 }, { 1.0264, 19.60 },
		{ 1.0248, 20.88 },
	};
	double x = (double)n;

	if (n < 2) {
		*mean_sq = *df = 1;
	} else if (n <= 30) {
		*mean_sq = tab[n - 2][0];
		*df = tab[n - 2][1];
	} else {
		*mean_sq = 1 + 0.75 / x;
		*df = QN_EFFICIENCY * (x - 1) * (1 - 0.7 / sqrt(x));
	}
}

/*
 * Windows of one run are not independent: a drifting idle baseline moves neighbouring
 * windows together, and a standard error that takes them as independent is then too small
 * (the `stats` suite measured 72% coverage for 50 windows of one run). The windows are
 * modelled as independent noise plus an AR(1) drift, whose autocovariances are
 * g_k = s_d^2 phi^k for k >= 1 (an ARMA(1,1)): phi = g_2 / g_1 and s_d^2 = g_1 / phi, from
 * the autocovariances of each run about its own mean, pooled over runs. The variance of a
 * run's mean is then (g_0 + 2 s_d^2 phi / (1 - phi)) / n instead of g_0 / n (the long-run
 * variance; Hamilton, "Time Series Analysis", 1994, sec. 3.4 and 7.2). Return that factor:
 * 1 when the windows show no positive dependence or are too few (fewer than 3 per run),
 * at most n (the mean cannot vary more than one window), with phi at most 0.95.
 */
static double
runs_inflation(const struct stats_runs *s)
{
	double g0 = 0, g1 = 0, g2 = 0, phi, lrv;
	size_t r, i, start = 0, nmin = SIZE_MAX;

	for (r = 0; r < s->n_runs; r++)
		nmin = s->run_n[r] < nmin ? s->run_n[r] : nmin;
	if (nmin < 3)
		return 1;
	for (r = 0; r < s->n_runs; start += s->run_n[r++]) {
		const double *x = s->x + start;
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

/* One side (group) of an interval: its medians, the variance of its median and that
 * variance's degrees of freedom. */
struct side {
	size_t total;   /* windows */
	size_t n_clean; /* windows that are not outliers */
	double est;     /* median of every window */
	double clean;   /* median of the windows that are not outliers */
	double var;     /* variance of the median */
	double df;      /* degrees of freedom of var */
};

/* Copy run @x (@n windows) less its outliers to @out, sorted, and return how many; @series
 * gets the run in its order with each outlier replaced by the run's median, for the
 * dependence estimate (an outlier is not a drift). A run of fewer than STATS_WINDOWS_MIN
 * windows keeps all: a MAD of 4 windows says nothing. */
static size_t
run_clean(const double *x, size_t n, double *out, double *series, double *work)
{
	double med, mad;
	size_t i, m = 0;

	memcpy(work, x, n * sizeof(double));
	memcpy(series, x, n * sizeof(double));
	gsl_sort(work, 1, n);
	if (n < STATS_WINDOWS_MIN) {
		memcpy(out, work, n * sizeof(double));
		return n;
	}
	med = gsl_stats_median_from_sorted_data(work, 1, n);
	mad = gsl_stats_mad0(x, 1, n, out); /* out is scratch here, n long */
	for (i = 0; i < n; i++) {
		if (!(mad > 0) || 0.6745 * fabs(work[i] - med) / mad <= OUTLIER_Z)
			out[m++] = work[i];
		if (mad > 0 && 0.6745 * fabs(x[i] - med) / mad > OUTLIER_Z)
			series[i] = med;
	}
	return m;
}

/*
 * The variance of one run's median from its @n sorted clean windows, and its degrees of
 * freedom in *@df: Qn (GSL's, with Croux and Rousseeuw's small-sample factors) squared over
 * its mean square at the normal, so an unbiased variance, times the normal median's factor
 * over n; Qn^2's degrees of freedom (stats_qn_moments()). Where Qn is 0 (windows quantised
 * to a few values), the variance of the windows, with n - 1.
 */
static double
run_median_var(const double *sorted, size_t n, double *work, int *work_int, double *df)
{
	double q, mean_sq;

	*df = 1;
	if (n < 2)
		return 0;
	q = gsl_stats_Qn_from_sorted_data(sorted, 1, n, work, work_int);
	stats_qn_moments(n, &mean_sq, df);
	if (!(q > 0)) {
		*df = (double)(n - 1);
		return median_var_factor(n) * gsl_stats_variance(sorted, 1, n) / (double)n;
	}
	return median_var_factor(n) * q * q / mean_sq / (double)n;
}

static int
side_eval(const struct stats_runs *s, struct side *d)
{
	double *clean, *series, *work = NULL, *med = NULL;
	int *work_int = NULL, rc = -ENOMEM;
	size_t r, start = 0, max = 0, m;

	memset(d, 0, sizeof(*d));
	d->est = d->clean = d->var = NAN;
	for (r = 0; r < s->n_runs; r++) {
		if (!s->run_n[r])
			return -EINVAL;
		d->total += s->run_n[r];
		max = s->run_n[r] > max ? s->run_n[r] : max;
	}
	if (!d->total)
		return 0;
	clean = malloc(d->total * sizeof(double));
	series = malloc(d->total * sizeof(double));
	work = malloc(3 * (d->total > max ? d->total : max) * sizeof(double));
	work_int = malloc(5 * max * sizeof(int));
	med = malloc(s->n_runs * sizeof(double));
	if (!clean || !series || !work || !work_int || !med)
		goto out;
	d->est = stats_quantile(s->x, d->total, 0.5);
	for (r = 0; r < s->n_runs; start += s->run_n[r++]) {
		m = run_clean(s->x + start, s->run_n[r], clean + d->n_clean, series + start, work);
		med[r] = gsl_stats_median_from_sorted_data(clean + d->n_clean, 1, m);
		if (s->n_runs == 1)
			d->var = run_median_var(clean, m, work, work_int, &d->df);
		d->n_clean += m;
	}
	d->clean = stats_quantile(clean, d->n_clean, 0.5);
	if (s->n_runs > 1) {
		d->var = gsl_stats_variance(med, 1, s->n_runs) / (double)s->n_runs;
		d->df = (double)(s->n_runs - 1);
	} else {
		/* Dependent windows: the variance times the factor, and as many fewer
		 * degrees of freedom (an effective number of windows n / factor). */
		struct stats_runs cs = { series, s->run_n, s->n_runs };
		double f = runs_inflation(&cs);

		d->var *= f;
		d->df /= f;
	}
	rc = 0;
out:
	free(clean);
	free(series);
	free(work);
	free(work_int);
	free(med);
	return rc;
}

static void
interval_empty(struct stats_interval *out)
{
	memset(out, 0, sizeof(*out));
	out->est = out->lo = out->hi = NAN;
}

const char stats_one_run_note[] =
	"one run: its interval holds the variation between that run's windows, not what moves "
	"a whole run (a drifting idle baseline, the machine's state); under the stats suite's "
	"drift (AR(1), 4% of the truth) one run's 95% intervals covered 84-93%, and a larger "
	"drift covers less; for a claim, measure three runs or more and analyze them together "
	"(results/README.md, \"Designing a comparison\")";

static const char few_windows[] =
	"fewer than 5 windows: the range of n windows covers their median only with "
	"probability 1 - 2^(1-n) (87.5% for 4), so no 95% interval can be trusted; measure "
	"more windows (--runs)";

/* Student's t quantile for a two-sided interval at @level. */
static double
t_quantile(double level, double df)
{
	return gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, df);
}

int
stats_runs_median_ci(const struct stats_runs *s, double level, struct stats_interval *out)
{
	struct side d;
	double h;
	int rc;

	interval_empty(out);
	if ((rc = side_eval(s, &d)) || !d.total)
		return rc;
	out->n_windows = d.total;
	out->n_runs = s->n_runs;
	out->est = d.est;
	out->flag = d.total < STATS_WINDOWS_MIN ? few_windows : NULL;
	h = d.total > 1 ? t_quantile(level, d.df) * sqrt(d.var) : 0;
	out->lo = fmin(d.est, d.clean) - h;
	out->hi = fmax(d.est, d.clean) + h;
	return 0;
}

int
stats_runs_ratio_ci(const struct stats_runs *x, const struct stats_runs *y, double level,
		    struct stats_interval *out)
{
	struct side dx, dy;
	double vx, vy, v, df, h, r, rc_clean;
	int rc;

	interval_empty(out);
	if ((rc = side_eval(x, &dx)) || (rc = side_eval(y, &dy)))
		return rc;
	if (!dx.total || !dy.total || dx.est == 0 || dx.clean == 0)
		return -EDOM;
	out->n_windows = dx.total < dy.total ? dx.total : dy.total;
	out->n_runs = x->n_runs < y->n_runs ? x->n_runs : y->n_runs;
	out->est = dy.est / dx.est;
	out->flag = out->n_windows < STATS_WINDOWS_MIN ? few_windows : NULL;
	r = out->est;
	rc_clean = dy.clean / dx.clean;
	/* Relative variances: the log ratio's variance by the delta method. */
	vx = dx.var / (dx.est * dx.est);
	vy = dy.var / (dy.est * dy.est);
	v = vx + vy;
	if (!(v > 0)) {
		out->lo = fmin(r, rc_clean);
		out->hi = fmax(r, rc_clean);
		return 0;
	}
	df = v * v / ((vx > 0 ? vx * vx / dx.df : 0) + (vy > 0 ? vy * vy / dy.df : 0));
	h = t_quantile(level, df) * sqrt(v);
	if (r > 0 && rc_clean > 0) {
		out->lo = fmin(r, rc_clean) * exp(-h);
		out->hi = fmax(r, rc_clean) * exp(h);
	} else {
		/* A median at or below 0 (a dynamic energy within the noise): no log scale;
		 * the delta method's standard error of the ratio itself. */
		out->lo = fmin(r, rc_clean) - fabs(r) * h;
		out->hi = fmax(r, rc_clean) + fabs(r) * h;
	}
	return 0;
}

int
stats_median_ci(const double *x, size_t n, double level, struct stats_ci *ci)
{
	struct stats_runs s = { x, &n, n ? 1 : 0 };
	struct stats_interval out;
	int rc = stats_runs_median_ci(&s, level, &out);

	ci->lo = out.lo;
	ci->hi = out.hi;
	return rc;
}

int
stats_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, double level,
	       struct stats_ci *ci)
{
	struct stats_runs sx = { x, &nx, nx ? 1 : 0 }, sy = { y, &ny, ny ? 1 : 0 };
	struct stats_interval out;
	int rc = stats_runs_ratio_ci(&sx, &sy, level, &out);

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
