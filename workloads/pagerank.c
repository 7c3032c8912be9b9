/* SPDX-License-Identifier: MIT */
/*
 * pagerank: modeled on SeBS 501.graph-pagerank, which builds igraph's Barabasi(n, 10) and
 * ranks its vertices (damping 0.85). Plain C: power iteration over the CSR graph of
 * graph.c in "pull" form (each vertex sums its neighbours' rank / degree), until the L1
 * change of an iteration is below 1e-10 (at most 200 iterations). One unit of work is an
 * adjacency entry read in one iteration (2 per edge per iteration).
 * verify() checks that the ranks sum to 1 and lie within a stated L1 distance of ranks
 * computed in setup by a "push" iteration (each vertex scatters its rank) run to 1e-14.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workload-private.h"

#define PAGERANK_DAMPING 0.85
#define PAGERANK_TOL 1e-10
#define PAGERANK_MAX_ITER 200
#define PAGERANK_REF_TOL 1e-14
#define PAGERANK_REF_MAX_ITER 2000
/* Stopping when an iteration changes the ranks by delta in L1 leaves an error of at most
 * delta * d / (1 - d) ~ 5.7 delta, i.e. below 6e-10; 1e-8 bounds that with room for
 * rounding over a million terms, and a wrong rank vector is off by far more. */
#define PAGERANK_L1_MAX 1e-8
/* The ranks sum to 1 up to the rounding of n additions, ~n * 1e-16. */
#define PAGERANK_SUM_TOL 1e-9

struct pagerank_state {
	struct workload_graph g; /* input, never modified */
	void *block;             /* holds the five arrays below (workload_arrays_alloc) */
	double *inv_deg;         /* input: 1 / degree, precomputed with the graph */
	double *pr, *next;       /* output of the last run, and scratch */
	double *share;           /* scratch: rank / degree of each vertex this iteration */
	double *ref;             /* reference ranks */
	unsigned iterations;     /* of the last run */
};

/* The share every vertex gets from teleporting and from dangling vertices (none in a BA
 * graph, which is connected, but kept so the kernel is a general PageRank). */
static double
pagerank_base(const struct pagerank_state *s, const double *pr)
{
	double dangling = 0;
	size_t v;

	for (v = 0; v < s->g.n; v++)
		if (s->g.off[v + 1] == s->g.off[v])
			dangling += pr[v];
	return (1.0 - PAGERANK_DAMPING) / (double)s->g.n +
	       PAGERANK_DAMPING * dangling / (double)s->g.n;
}

static int
pagerank_reference(struct pagerank_state *s)
{
	const struct workload_graph *g = &s->g;
	double *cur = s->ref, *nxt = malloc(g->n * sizeof(double)), delta = 1;
	size_t v, i;
	int it;

	if (!nxt)
		return -ENOMEM;
	for (v = 0; v < g->n; v++)
		cur[v] = 1.0 / (double)g->n;
	for (it = 0; it < PAGERANK_REF_MAX_ITER && delta > PAGERANK_REF_TOL; it++) {
		double base = pagerank_base(s, cur);

		for (v = 0; v < g->n; v++)
			nxt[v] = base;
		for (v = 0; v < g->n; v++)
			for (i = g->off[v]; i < g->off[v + 1]; i++)
				nxt[g->adj[i]] += PAGERANK_DAMPING * cur[v] * s->inv_deg[v];
		delta = 0;
		for (v = 0; v < g->n; v++) {
			delta += fabs(nxt[v] - cur[v]);
			cur[v] = nxt[v];
		}
	}
	free(nxt);
	return 0;
}

static void
pagerank_free(struct pagerank_state *s)
{
	if (!s)
		return;
	workload_graph_fini(&s->g);
	free(s->block);
	free(s);
}

static int
pagerank_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct pagerank_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t v, bytes[5] = { param * sizeof(double), param * sizeof(double),
			       param * sizeof(double), param * sizeof(double),
			       param * sizeof(double) };
	void *arr[5];
	int rc = -ENOMEM;

	if (!s)
		return jb_err_set(err, rc, "pagerank: out of memory");
	rc = workload_graph_init(&s->g, param, WORKLOAD_GRAPH_BA_M, 0, &rng);
	if (!rc) {
		s->block = workload_arrays_alloc(5, bytes, arr);
		rc = s->block ? 0 : -ENOMEM;
	}
	if (!rc) {
		s->inv_deg = arr[0];
		s->pr = arr[1];
		s->next = arr[2];
		s->share = arr[3];
		s->ref = arr[4];
	}
	if (!rc) {
		for (v = 0; v < param; v++) {
			uint32_t deg = s->g.off[v + 1] - s->g.off[v];

			s->inv_deg[v] = deg ? 1.0 / deg : 0.0;
		}
		rc = pagerank_reference(s);
	}
	if (rc) {
		pagerank_free(s);
		return jb_err_set(err, rc, "pagerank: cannot build a graph of %llu vertices",
				  (unsigned long long)param);
	}
	*state = s;
	return 0;
}

static int
pagerank_run(void *state, struct workload_result *out)
{
	struct pagerank_state *s = state;
	const struct workload_graph *g = &s->g;
	double *pr = s->pr, *nxt = s->next, delta = 1;
	size_t v, i;
	unsigned it;

	for (v = 0; v < g->n; v++)
		pr[v] = 1.0 / (double)g->n;
	for (it = 0; it < PAGERANK_MAX_ITER && delta > PAGERANK_TOL; it++) {
		double base = pagerank_base(s, pr), *t;

		delta = 0;
		/* One gather per neighbour instead of two: rank / degree once per vertex. */
		for (v = 0; v < g->n; v++)
			s->share[v] = pr[v] * s->inv_deg[v];
		for (v = 0; v < g->n; v++) {
			double in = 0;

			for (i = g->off[v]; i < g->off[v + 1]; i++)
				in += s->share[g->adj[i]];
			nxt[v] = base + PAGERANK_DAMPING * in;
			delta += fabs(nxt[v] - pr[v]);
		}
		t = pr;
		pr = nxt;
		nxt = t;
	}
	/* Keep the answer in s->pr whichever buffer the last iteration wrote. */
	if (pr != s->pr)
		memcpy(s->pr, pr, g->n * sizeof(double));
	s->iterations = it;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->pr, g->n * sizeof(double));
	/* SeBS returns the rank of vertex 0. */
	out->value = s->pr[0];
	out->work_units = 2.0 * (double)g->edges * it;
	return 0;
}

static int
pagerank_verify(void *state, const struct workload_result *res)
{
	const struct pagerank_state *s = state;
	double sum = 0, l1 = 0;
	size_t v;

	for (v = 0; v < s->g.n; v++) {
		sum += s->pr[v];
		l1 += fabs(s->pr[v] - s->ref[v]);
	}
	if (!(fabs(sum - 1.0) <= PAGERANK_SUM_TOL) || !(l1 <= PAGERANK_L1_MAX))
		return -EBADMSG;
	if (!(fabs(res->value - s->ref[0]) <= PAGERANK_L1_MAX))
		return -EBADMSG;
	return res->checksum == workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->pr,
							  s->g.n * sizeof(double))
		       ? 0
		       : -EBADMSG;
}

static int
pagerank_dump_input(void *state, FILE *f)
{
	return workload_graph_dump(&((const struct pagerank_state *)state)->g, f);
}

static int
pagerank_dump_output(void *state, FILE *f)
{
	const struct pagerank_state *s = state;
	size_t v;

	/* One rank per line, in vertex order. */
	for (v = 0; v < s->g.n; v++)
		if (fprintf(f, "%.17g\n", s->pr[v]) < 0)
			return -EIO;
	return 0;
}

static void
pagerank_teardown(void *state)
{
	pagerank_free(state);
}

const struct workload_desc workload_pagerank = {
	.name = "pagerank",
	.summary = "PageRank (power iteration, d = 0.85) of a Barabasi-Albert graph (m = 10)",
	.modeled_on = "SeBS 501.graph-pagerank",
	.work_unit = "edge",
	.size_param = { 2000, 300000, 600000 },
	.size_param_name = "vertices",
	.setup = pagerank_setup,
	.run = pagerank_run,
	.verify = pagerank_verify,
	.dump_input = pagerank_dump_input,
	.dump_output = pagerank_dump_output,
	.teardown = pagerank_teardown,
};
