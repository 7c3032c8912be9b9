/* SPDX-License-Identifier: MIT */
/*
 * matmul: modeled on FunctionBench's matmul (numpy.matmul of two random n x n matrices).
 * Plain C, i-k-j loop order so the inner loop streams rows. One unit of work is a flop
 * (2 n^3 per invocation). verify() checks the sum of all elements of C against
 * sum_k colsum(A)[k] * rowsum(B)[k], computed in setup: an identity that does not use the
 * kernel's own code path, so a wrong product fails it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "workload-private.h"

/* Sums of n^2 products of values in [-1, 1) in different orders agree to ~n * 1e-16
 * relative; 1e-9 leaves room for n up to ~10^6 and catches any wrong element. */
#define MATMUL_REL_TOL 1e-9

struct matmul_state {
	size_t n;
	double *a, *b, *c; /* carved from block (workload_arrays_alloc) */
	void *block;
	double reference;
};

static int
matmul_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct matmul_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t i, k, nn = param * param;
	size_t bytes[3] = { nn * sizeof(double), nn * sizeof(double), nn * sizeof(double) };
	void *arr[3];

	if (!s)
		return jb_err_set(err, -ENOMEM, "matmul: out of memory");
	s->n = param;
	s->block = workload_arrays_alloc(3, bytes, arr);
	if (!s->block) {
		free(s);
		return jb_err_set(err, -ENOMEM, "matmul: cannot allocate 3 x %zu doubles", nn);
	}
	s->a = arr[0];
	s->b = arr[1];
	s->c = arr[2];
	for (i = 0; i < nn; i++)
		s->a[i] = workload_rng_double(&rng) * 2.0 - 1.0;
	for (i = 0; i < nn; i++)
		s->b[i] = workload_rng_double(&rng) * 2.0 - 1.0;
	for (k = 0; k < s->n; k++) {
		double col_a = 0, row_b = 0;

		for (i = 0; i < s->n; i++) {
			col_a += s->a[i * s->n + k];
			row_b += s->b[k * s->n + i];
		}
		s->reference += col_a * row_b;
	}
	*state = s;
	return 0;
}

static int
matmul_run(void *state, struct workload_result *out)
{
	struct matmul_state *s = state;
	size_t n = s->n, i, j, k;
	double sum = 0;

	memset(s->c, 0, n * n * sizeof(double));
	for (i = 0; i < n; i++)
		for (k = 0; k < n; k++) {
			const double aik = s->a[i * n + k];
			const double *brow = &s->b[k * n];
			double *crow = &s->c[i * n];

			for (j = 0; j < n; j++)
				crow[j] += aik * brow[j];
		}
	for (i = 0; i < n * n; i++)
		sum += s->c[i];
	out->value = sum;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->c, n * n * sizeof(double));
	out->work_units = 2.0 * (double)n * (double)n * (double)n;
	return 0;
}

static int
matmul_verify(void *state, const struct workload_result *res)
{
	const struct matmul_state *s = state;

	return workload_rel_close(res->value, s->reference, MATMUL_REL_TOL) ? 0 : -EBADMSG;
}

static int
matmul_dump(void *state, FILE *f)
{
	const struct matmul_state *s = state;
	size_t i, nn = s->n * s->n;

	/* A then B, one row-major element per line, after a line with n. */
	if (fprintf(f, "%zu\n", s->n) < 0)
		return -EIO;
	for (i = 0; i < nn; i++)
		if (fprintf(f, "%.17g\n", s->a[i]) < 0)
			return -EIO;
	for (i = 0; i < nn; i++)
		if (fprintf(f, "%.17g\n", s->b[i]) < 0)
			return -EIO;
	return 0;
}

static int
matmul_dump_output(void *state, FILE *f)
{
	const struct matmul_state *s = state;
	size_t i, nn = s->n * s->n;

	/* C of the last run, one row-major element per line. */
	for (i = 0; i < nn; i++)
		if (fprintf(f, "%.17g\n", s->c[i]) < 0)
			return -EIO;
	return 0;
}

static void
matmul_teardown(void *state)
{
	struct matmul_state *s = state;

	if (!s)
		return;
	free(s->block);
	free(s);
}

const struct workload_desc workload_matmul = {
	.name = "matmul",
	.summary = "dense double-precision n x n matrix product",
	.modeled_on = "FunctionBench matmul",
	.work_unit = "flop",
	.size_param = { 48, 800, 1152 },
	.size_param_name = "n",
	.setup = matmul_setup,
	.run = matmul_run,
	.verify = matmul_verify,
	.dump_input = matmul_dump,
	.dump_output = matmul_dump_output,
	.teardown = matmul_teardown,
};
