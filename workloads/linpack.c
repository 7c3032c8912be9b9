/* SPDX-License-Identifier: MIT */
/*
 * linpack: modeled on FunctionBench's linpack, which solves A x = b for an n x n matrix A
 * uniform in [-0.5, 0.5) and b = the row sums of A (so the exact solution is all ones),
 * and reports MFLOPS with 2/3 n^3 + 2 n^2 operations. Plain C: LU factorisation with
 * partial pivoting of a copy of A (row-major, right-looking, so the update loop streams
 * rows), then forward and back substitution. One unit of work is a flop.
 * verify() needs no stored answer: it checks the residual ||A x - b|| against A and b,
 * which are never modified, and that x is close to the known solution of ones.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workload-kernels.h"
#include "workload-private.h"

/* HPL's acceptance test: ||Ax-b||_inf / (eps (||A||_inf ||x||_inf + ||b||_inf) n) < 16.
 * A correct LU with partial pivoting lands near 0.01-1 on random matrices; any wrong
 * element of x moves it by many orders of magnitude. */
#define LINPACK_RESID_MAX 16.0
/* x should be all ones; random matrices of order <= 2000 have condition numbers below
 * ~1e6, so the error of x is below ~1e-9 relative. 1e-6 tolerates that and still
 * catches any wrong or corrupted result. */
#define LINPACK_REL_TOL 1e-6

struct linpack_state {
	size_t n;
	void *block; /* holds every array below (workload_arrays_alloc) */
	double *a;   /* input, never modified */
	double *b;   /* input: the row sums of a */
	double *lu;  /* scratch: the factorisation of one run */
	double *x;   /* output of the last run */
	size_t *piv; /* scratch: row permutation */
};

static void
linpack_free(struct linpack_state *s)
{
	if (!s)
		return;
	free(s->block);
	free(s);
}

static int
linpack_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct linpack_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t i, j, n = param;
	size_t bytes[5] = { n * n * sizeof(double), n * n * sizeof(double), n * sizeof(double),
			    n * sizeof(double), n * sizeof(size_t) };
	void *arr[5];

	if (n == 0) {
		free(s);
		return jb_err_set(err, -EINVAL, "linpack: n must be at least 1");
	}
	if (!s)
		goto nomem;
	s->n = n;
	s->block = workload_arrays_alloc(5, bytes, arr);
	if (!s->block)
		goto nomem;
	s->a = arr[0];
	s->lu = arr[1];
	s->b = arr[2];
	s->x = arr[3];
	s->piv = arr[4];
	for (i = 0; i < n * n; i++)
		s->a[i] = workload_rng_double(&rng) - 0.5;
	for (i = 0; i < n; i++) {
		double sum = 0;

		for (j = 0; j < n; j++)
			sum += s->a[i * n + j];
		s->b[i] = sum;
	}
	*state = s;
	return 0;
nomem:
	linpack_free(s);
	return jb_err_set(err, -ENOMEM, "linpack: cannot allocate for n = %llu",
			  (unsigned long long)param);
}

/* Factor s->lu in place (P A = L U), recording row swaps in s->piv. -EDOM if singular. */
static int
linpack_factor(struct linpack_state *s)
{
	size_t n = s->n, i, j, k;
	double *m = s->lu;

	for (k = 0; k < n; k++) {
		size_t p = k;
		double best = fabs(m[k * n + k]);
		const double *rowk;

		for (i = k + 1; i < n; i++)
			if (fabs(m[i * n + k]) > best) {
				best = fabs(m[i * n + k]);
				p = i;
			}
		if (best == 0.0)
			return -EDOM;
		s->piv[k] = p;
		if (p != k)
			for (j = 0; j < n; j++) {
				double t = m[k * n + j];

				m[k * n + j] = m[p * n + j];
				m[p * n + j] = t;
			}
		rowk = &m[k * n];
		for (i = k + 1; i < n; i++) {
			double *rowi = &m[i * n];
			double l = rowi[k] / rowk[k];

			rowi[k] = l;
			for (j = k + 1; j < n; j++)
				rowi[j] -= l * rowk[j];
		}
	}
	return 0;
}

static int
linpack_run(void *state, struct workload_result *out)
{
	struct linpack_state *s = state;
	size_t n = s->n, i, j, k;
	double *x = s->x, sum = 0;
	int rc;

	memcpy(s->lu, s->a, n * n * sizeof(double));
	rc = linpack_factor(s);
	if (rc)
		return rc;
	memcpy(x, s->b, n * sizeof(double));
	for (k = 0; k < n; k++) {
		double t = x[s->piv[k]];

		x[s->piv[k]] = x[k];
		x[k] = t;
	}
	for (i = 1; i < n; i++) /* L y = P b, L unit lower triangular */
		for (j = 0; j < i; j++)
			x[i] -= s->lu[i * n + j] * x[j];
	for (i = n; i-- > 0;) { /* U x = y */
		for (j = i + 1; j < n; j++)
			x[i] -= s->lu[i * n + j] * x[j];
		x[i] /= s->lu[i * n + i];
	}
	for (i = 0; i < n; i++)
		sum += x[i];
	out->value = sum;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, x, n * sizeof(double));
	/* FunctionBench's (and LINPACK's) operation count, whatever the loops really do. */
	out->work_units = 2.0 / 3.0 * (double)n * (double)n * (double)n + 2.0 * (double)n * (double)n;
	return 0;
}

double
workload_linpack_residual(const double *a, const double *b, const double *x, size_t n)
{
	double rmax = 0, amax = 0, xmax = 0, bmax = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		double r = -b[i], arow = 0;

		for (j = 0; j < n; j++) {
			r += a[i * n + j] * x[j];
			arow += fabs(a[i * n + j]);
		}
		rmax = fmax(rmax, fabs(r));
		amax = fmax(amax, arow);
		xmax = fmax(xmax, fabs(x[i]));
		bmax = fmax(bmax, fabs(b[i]));
	}
	return rmax / (DBL_EPSILON * (amax * xmax + bmax) * (double)n);
}

static int
linpack_verify(void *state, const struct workload_result *res)
{
	const struct linpack_state *s = state;
	double resid = workload_linpack_residual(s->a, s->b, s->x, s->n);

	if (!(resid < LINPACK_RESID_MAX))
		return -EBADMSG;
	if (res->checksum !=
	    workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->x, s->n * sizeof(double)))
		return -EBADMSG;
	return workload_rel_close(res->value, (double)s->n, LINPACK_REL_TOL) ? 0 : -EBADMSG;
}

static int
linpack_dump_input(void *state, FILE *f)
{
	const struct linpack_state *s = state;
	size_t i;

	/* n, then A row-major, then b; one number per line. */
	if (fprintf(f, "%zu\n", s->n) < 0)
		return -EIO;
	for (i = 0; i < s->n * s->n; i++)
		if (fprintf(f, "%.17g\n", s->a[i]) < 0)
			return -EIO;
	for (i = 0; i < s->n; i++)
		if (fprintf(f, "%.17g\n", s->b[i]) < 0)
			return -EIO;
	return 0;
}

static int
linpack_dump_output(void *state, FILE *f)
{
	const struct linpack_state *s = state;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (fprintf(f, "%.17g\n", s->x[i]) < 0)
			return -EIO;
	return 0;
}

static void
linpack_teardown(void *state)
{
	linpack_free(state);
}

const struct workload_desc workload_linpack = {
	.name = "linpack",
	.summary = "LU with partial pivoting and solve of a dense n x n system",
	.modeled_on = "FunctionBench linpack",
	.work_unit = "flop",
	.size_param = { 60, 900, 1400 },
	.size_param_name = "n",
	.setup = linpack_setup,
	.run = linpack_run,
	.verify = linpack_verify,
	.dump_input = linpack_dump_input,
	.dump_output = linpack_dump_output,
	.teardown = linpack_teardown,
};
