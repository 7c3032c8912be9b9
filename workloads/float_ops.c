/* SPDX-License-Identifier: MIT */
/*
 * float-ops: modeled on FunctionBench's float_operation, which evaluates sin, cos and sqrt
 * over N numbers. Input: N seeded doubles in [0, 1000). One unit of work is one of the
 * three math calls. The output is folded into one sum; verify() compares it, within a
 * relative tolerance, with a reference summed in setup in a different order (pairwise over
 * halves), so a kernel that skips or repeats elements fails.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workload-private.h"

/* Summing 1e7 terms of magnitude <= 33 in two different orders differs by well under 1e-9
 * relative; a missing element changes the sum by ~1e-7 relative or more. */
#define FLOAT_OPS_REL_TOL 1e-9

struct float_ops_state {
	size_t n;
	double *x;
	double reference;
	double sum; /* output of the last run */
};

static double
float_ops_term(double x)
{
	return sin(x) + cos(x) + sqrt(x);
}

static int
float_ops_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct float_ops_state *s = calloc(1, sizeof(*s));
	double lo = 0, hi = 0;
	uint64_t rng = seed;
	size_t i;

	if (!s || !(s->x = malloc(param * sizeof(double)))) {
		free(s);
		return jb_err_set(err, -ENOMEM, "float-ops: cannot allocate %llu doubles",
				  (unsigned long long)param);
	}
	s->n = param;
	for (i = 0; i < s->n; i++)
		s->x[i] = workload_rng_double(&rng) * 1000.0;
	for (i = 0; i < s->n / 2; i++)
		lo += float_ops_term(s->x[i]);
	for (i = s->n / 2; i < s->n; i++)
		hi += float_ops_term(s->x[i]);
	s->reference = lo + hi;
	*state = s;
	return 0;
}

static int
float_ops_run(void *state, struct workload_result *out)
{
	struct float_ops_state *s = state;
	double sum = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		sum += float_ops_term(s->x[i]);
	s->sum = sum;
	out->value = sum;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, &sum, sizeof(sum));
	out->work_units = 3.0 * (double)s->n;
	return 0;
}

static int
float_ops_verify(void *state, const struct workload_result *res)
{
	const struct float_ops_state *s = state;

	return workload_rel_close(res->value, s->reference, FLOAT_OPS_REL_TOL) ? 0 : -EBADMSG;
}

static int
float_ops_dump(void *state, FILE *f)
{
	const struct float_ops_state *s = state;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (fprintf(f, "%.17g\n", s->x[i]) < 0)
			return -EIO;
	return 0;
}

static int
float_ops_dump_output(void *state, FILE *f)
{
	const struct float_ops_state *s = state;

	/* The sum of the last run. */
	return fprintf(f, "%.17g\n", s->sum) < 0 ? -EIO : 0;
}

static void
float_ops_teardown(void *state)
{
	struct float_ops_state *s = state;

	if (s)
		free(s->x);
	free(s);
}

const struct workload_desc workload_float_ops = {
	.name = "float-ops",
	.summary = "sin, cos and sqrt over N seeded doubles",
	.modeled_on = "FunctionBench float_operation",
	.work_unit = "op",
	.size_param = { 20000, 8000000, 28000000 },
	.size_param_name = "elements",
	.setup = float_ops_setup,
	.run = float_ops_run,
	.verify = float_ops_verify,
	.dump_input = float_ops_dump,
	.dump_output = float_ops_dump_output,
	.teardown = float_ops_teardown,
};
