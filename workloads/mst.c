/* SPDX-License-Identifier: MIT */
/*
 * mst: modeled on SeBS 502.graph-mst, which builds igraph's Barabasi(n, 10) and takes a
 * spanning tree. SeBS's tree is unweighted; ours gives every edge a seeded 32-bit weight
 * and finds the minimum spanning tree with Kruskal's algorithm (sort the edges, then
 * union-find with path halving and union by size), which is more work and has a unique
 * total weight. One unit of work is an edge considered. The checksum digests the tree's
 * edge indices in the order Kruskal took them; verify() compares the total weight with
 * one found in setup by Prim's algorithm (a binary heap over the adjacency lists), a
 * different algorithm that must reach the same minimum.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "workload-private.h"

struct mst_state {
	struct workload_graph g; /* input, never modified */
	void *block;             /* holds the five arrays below (workload_arrays_alloc) */
	uint32_t *weight;        /* input: per edge */
	uint64_t *order;         /* scratch: (weight << 32 | edge) sort keys */
	uint32_t *parent, *size; /* scratch: union-find */
	uint32_t *tree;          /* output of the last run: edge indices, n - 1 of them */
	size_t tree_len;
	uint64_t tree_weight;
	uint64_t ref_weight;
};

static int
mst_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Prim from vertex 0 with a lazy binary min-heap of (weight << 32 | vertex) keys. */
static int
mst_reference(struct mst_state *s)
{
	const struct workload_graph *g = &s->g;
	uint64_t *heap = malloc((2 * g->edges + 1) * sizeof(uint64_t)), total = 0;
	unsigned char *in = calloc(g->n, 1);
	size_t len = 0, i;

	if (!heap || !in) {
		free(heap);
		free(in);
		return -ENOMEM;
	}
	heap[len++] = 0; /* vertex 0 at weight 0 */
	while (len) {
		uint64_t top = heap[0];
		uint32_t v = (uint32_t)top;
		size_t k = 0;

		heap[0] = heap[--len];
		for (;;) { /* sift down */
			size_t c = 2 * k + 1, m = k;

			if (c < len && heap[c] < heap[m])
				m = c;
			if (c + 1 < len && heap[c + 1] < heap[m])
				m = c + 1;
			if (m == k)
				break;
			{
				uint64_t t = heap[k];

				heap[k] = heap[m];
				heap[m] = t;
			}
			k = m;
		}
		if (in[v])
			continue;
		in[v] = 1;
		total += top >> 32;
		for (i = g->off[v]; i < g->off[v + 1]; i++) {
			uint32_t w = g->adj[i];

			if (in[w])
				continue;
			k = len++;
			heap[k] = (uint64_t)s->weight[g->adj_edge[i]] << 32 | w;
			while (k && heap[(k - 1) / 2] > heap[k]) { /* sift up */
				uint64_t t = heap[k];

				heap[k] = heap[(k - 1) / 2];
				heap[(k - 1) / 2] = t;
				k = (k - 1) / 2;
			}
		}
	}
	s->ref_weight = total;
	free(heap);
	free(in);
	return 0;
}

static void
mst_free(struct mst_state *s)
{
	if (!s)
		return;
	workload_graph_fini(&s->g);
	free(s->block);
	free(s);
}

static int
mst_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct mst_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t e, bytes[5];
	void *arr[5];
	int rc = -ENOMEM;

	if (!s)
		return jb_err_set(err, rc, "mst: out of memory");
	rc = workload_graph_init(&s->g, param, WORKLOAD_GRAPH_BA_M, 1, &rng);
	if (!rc) {
		bytes[0] = s->g.edges * sizeof(uint32_t);
		bytes[1] = s->g.edges * sizeof(uint64_t);
		bytes[2] = bytes[3] = bytes[4] = param * sizeof(uint32_t);
		s->block = workload_arrays_alloc(5, bytes, arr);
		rc = s->block ? 0 : -ENOMEM;
	}
	if (!rc) {
		s->weight = arr[0];
		s->order = arr[1];
		s->parent = arr[2];
		s->size = arr[3];
		s->tree = arr[4];
	}
	if (!rc) {
		for (e = 0; e < s->g.edges; e++)
			s->weight[e] = (uint32_t)(workload_rng_next(&rng) >> 32);
		rc = mst_reference(s);
	}
	if (rc) {
		mst_free(s);
		return jb_err_set(err, rc, "mst: cannot build a graph of %llu vertices",
				  (unsigned long long)param);
	}
	*state = s;
	return 0;
}

static uint32_t
mst_find(uint32_t *parent, uint32_t v)
{
	while (parent[v] != v) {
		parent[v] = parent[parent[v]]; /* path halving */
		v = parent[v];
	}
	return v;
}

static int
mst_run(void *state, struct workload_result *out)
{
	struct mst_state *s = state;
	const struct workload_graph *g = &s->g;
	size_t e, v;

	/* Ties in weight are broken by edge index, so the tree is the same everywhere. */
	for (e = 0; e < g->edges; e++)
		s->order[e] = (uint64_t)s->weight[e] << 32 | e;
	qsort(s->order, g->edges, sizeof(uint64_t), mst_cmp_u64);
	for (v = 0; v < g->n; v++) {
		s->parent[v] = (uint32_t)v;
		s->size[v] = 1;
	}
	s->tree_len = 0;
	s->tree_weight = 0;
	for (e = 0; e < g->edges && s->tree_len + 1 < g->n; e++) {
		uint32_t id = (uint32_t)s->order[e];
		uint32_t a = mst_find(s->parent, g->eu[id]), b = mst_find(s->parent, g->ev[id]);

		if (a == b)
			continue;
		if (s->size[a] < s->size[b]) {
			uint32_t t = a;

			a = b;
			b = t;
		}
		s->parent[b] = a;
		s->size[a] += s->size[b];
		s->tree[s->tree_len++] = id;
		s->tree_weight += s->weight[id];
	}
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->tree,
						s->tree_len * sizeof(uint32_t));
	out->value = (double)s->tree_weight;
	out->work_units = (double)g->edges;
	return 0;
}

static int
mst_verify(void *state, const struct workload_result *res)
{
	const struct mst_state *s = state;

	if (s->tree_len + 1 != s->g.n || s->tree_weight != s->ref_weight)
		return -EBADMSG;
	return res->value == (double)s->ref_weight &&
			       res->checksum == workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->tree,
									s->tree_len * sizeof(uint32_t))
		       ? 0
		       : -EBADMSG;
}

static int
mst_dump_input(void *state, FILE *f)
{
	const struct mst_state *s = state;
	size_t e;

	/* "n edges", then one "u v weight" line per edge. */
	if (fprintf(f, "%zu %zu\n", s->g.n, s->g.edges) < 0)
		return -EIO;
	for (e = 0; e < s->g.edges; e++)
		if (fprintf(f, "%u %u %u\n", s->g.eu[e], s->g.ev[e], s->weight[e]) < 0)
			return -EIO;
	return 0;
}

static int
mst_dump_output(void *state, FILE *f)
{
	const struct mst_state *s = state;
	size_t i;

	/* The total weight, then one "u v weight" line per tree edge in Kruskal's order. */
	if (fprintf(f, "%llu\n", (unsigned long long)s->tree_weight) < 0)
		return -EIO;
	for (i = 0; i < s->tree_len; i++) {
		uint32_t id = s->tree[i];

		if (fprintf(f, "%u %u %u\n", s->g.eu[id], s->g.ev[id], s->weight[id]) < 0)
			return -EIO;
	}
	return 0;
}

static void
mst_teardown(void *state)
{
	mst_free(state);
}

const struct workload_desc workload_mst = {
	.name = "mst",
	.summary = "minimum spanning tree (Kruskal) of a weighted Barabasi-Albert graph (m = 10)",
	.modeled_on = "SeBS 502.graph-mst",
	.work_unit = "edge",
	.size_param = { 2000, 130000, 350000 },
	.size_param_name = "vertices",
	.setup = mst_setup,
	.run = mst_run,
	.verify = mst_verify,
	.dump_input = mst_dump_input,
	.dump_output = mst_dump_output,
	.teardown = mst_teardown,
};
