/* SPDX-License-Identifier: MIT */
/*
 * The graph input shared by pagerank, bfs and mst: a Barabasi-Albert graph, as SeBS's
 * 50x.graph-* functions build with igraph's Graph.Barabasi(n, m). Vertex 0 starts alone;
 * vertex i attaches to min(i, m) distinct earlier vertices, each drawn with probability
 * proportional to its degree (uniformly from the list of all edge endpoints, redrawing
 * repeats), so there are no self-loops or multi-edges and the graph is connected. It is
 * stored as an edge list and as CSR adjacency; integer-only, so one seed gives the same
 * graph on every architecture.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "workload-private.h"

void
workload_graph_fini(struct workload_graph *g)
{
	if (!g)
		return;
	free(g->block);
	memset(g, 0, sizeof(*g));
}

/* Draw the edges into g->eu, g->ev. */
static int
graph_ba_edges(struct workload_graph *g, size_t m, uint64_t *rng)
{
	uint32_t *ends = malloc((2 * g->edges + 1) * sizeof(uint32_t));
	uint32_t pick[64];
	size_t i, k, e = 0, nends = 0;

	if (!ends)
		return -ENOMEM;
	for (i = 1; i < g->n; i++) {
		size_t want = i < m ? i : m;

		for (k = 0; k < want; k++) {
			uint32_t t;
			size_t j;

			if (i <= m) {
				t = (uint32_t)k; /* too few vertices to choose: take them all */
			} else {
				do {
					t = ends[workload_rng_next(rng) % nends];
					for (j = 0; j < k && pick[j] != t; j++)
						;
				} while (j < k);
			}
			pick[k] = t;
		}
		for (k = 0; k < want; k++) {
			g->eu[e] = (uint32_t)i;
			g->ev[e] = pick[k];
			e++;
			ends[nends++] = (uint32_t)i;
			ends[nends++] = pick[k];
		}
	}
	free(ends);
	return 0;
}

int
workload_graph_init(struct workload_graph *g, size_t n, size_t m, int with_edge_ids,
		    uint64_t *rng)
{
	size_t i, e, bytes[5];
	void *arr[5];
	int rc = -ENOMEM;

	memset(g, 0, sizeof(*g));
	if (n < 2 || n > UINT32_MAX / 64 || m < 1 || m > 64)
		return -EINVAL;
	g->n = n;
	/* Vertex i brings min(i, m) edges. */
	g->edges = n > m ? m * (m - 1) / 2 + m + (n - 1 - m) * m : n * (n - 1) / 2;
	bytes[0] = bytes[1] = g->edges * sizeof(uint32_t);
	bytes[2] = (n + 1) * sizeof(uint32_t); /* zeroed, as the degree count needs */
	bytes[3] = 2 * g->edges * sizeof(uint32_t);
	bytes[4] = with_edge_ids ? 2 * g->edges * sizeof(uint32_t) : 0;
	g->block = workload_arrays_alloc(5, bytes, arr);
	if (!g->block)
		goto fail;
	g->eu = arr[0];
	g->ev = arr[1];
	g->off = arr[2];
	g->adj = arr[3];
	g->adj_edge = with_edge_ids ? arr[4] : NULL;
	rc = graph_ba_edges(g, m, rng);
	if (rc)
		goto fail;
	/* CSR: count degrees, prefix-sum, then place each edge in both lists. */
	for (e = 0; e < g->edges; e++) {
		g->off[g->eu[e] + 1]++;
		g->off[g->ev[e] + 1]++;
	}
	for (i = 0; i < n; i++)
		g->off[i + 1] += g->off[i];
	{
		uint32_t *fill = malloc(n * sizeof(uint32_t));

		if (!fill) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(fill, g->off, n * sizeof(uint32_t));
		for (e = 0; e < g->edges; e++) {
			uint32_t u = g->eu[e], v = g->ev[e];

			if (g->adj_edge) {
				g->adj_edge[fill[u]] = (uint32_t)e;
				g->adj_edge[fill[v]] = (uint32_t)e;
			}
			g->adj[fill[u]++] = v;
			g->adj[fill[v]++] = u;
		}
		free(fill);
	}
	return 0;
fail:
	workload_graph_fini(g);
	return rc;
}

int
workload_graph_dump(const struct workload_graph *g, FILE *f)
{
	size_t e;

	/* "n edges", then one "u v" line per edge (u > v), in generation order. */
	if (fprintf(f, "%zu %zu\n", g->n, g->edges) < 0)
		return -EIO;
	for (e = 0; e < g->edges; e++)
		if (fprintf(f, "%u %u\n", g->eu[e], g->ev[e]) < 0)
			return -EIO;
	return 0;
}
