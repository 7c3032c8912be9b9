/* SPDX-License-Identifier: MIT */
/*
 * bfs: modeled on SeBS 503.graph-bfs, which builds igraph's Barabasi(n, 10) and runs
 * bfs(0) for the visit order, the layers and the parents. Plain C: a queue-based
 * (top-down) BFS from vertex 0 over the CSR graph of graph.c, recording each vertex's
 * level and parent. One unit of work is an adjacency entry scanned (2 per edge).
 * The checksum digests the levels, which unlike parents do not depend on visit order;
 * verify() compares them with levels computed in setup by a bottom-up BFS (each unvisited
 * vertex looks for a neighbour in the frontier), a different algorithm with the same answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "workload-private.h"

#define BFS_UNSEEN UINT32_MAX

struct bfs_state {
	struct workload_graph g;  /* input, never modified */
	void *block;              /* holds level, parent, queue (workload_arrays_alloc) */
	uint32_t *level, *parent; /* output of the last run */
	uint32_t *queue;          /* scratch */
	uint64_t ref_checksum;
	double ref_level_sum;
};

/* Levels by bottom-up sweeps: independent of the kernel's queue. */
static int
bfs_reference(struct bfs_state *s)
{
	const struct workload_graph *g = &s->g;
	uint32_t *lv = malloc(g->n * sizeof(uint32_t)), depth = 0;
	double sum = 0;
	size_t v, i;
	int grew = 1;

	if (!lv)
		return -ENOMEM;
	for (v = 0; v < g->n; v++)
		lv[v] = BFS_UNSEEN;
	lv[0] = 0;
	while (grew) {
		grew = 0;
		for (v = 0; v < g->n; v++) {
			if (lv[v] != BFS_UNSEEN)
				continue;
			for (i = g->off[v]; i < g->off[v + 1]; i++)
				if (lv[g->adj[i]] == depth) {
					lv[v] = depth + 1;
					grew = 1;
					break;
				}
		}
		depth++;
	}
	for (v = 0; v < g->n; v++)
		sum += lv[v];
	s->ref_checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, lv, g->n * sizeof(uint32_t));
	s->ref_level_sum = sum;
	free(lv);
	return 0;
}

static void
bfs_free(struct bfs_state *s)
{
	if (!s)
		return;
	workload_graph_fini(&s->g);
	free(s->block);
	free(s);
}

static int
bfs_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct bfs_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t bytes[3] = { param * sizeof(uint32_t), param * sizeof(uint32_t),
			    param * sizeof(uint32_t) };
	void *arr[3];
	int rc = -ENOMEM;

	if (!s)
		return jb_err_set(err, rc, "bfs: out of memory");
	rc = workload_graph_init(&s->g, param, WORKLOAD_GRAPH_BA_M, 0, &rng);
	if (!rc) {
		s->block = workload_arrays_alloc(3, bytes, arr);
		rc = s->block ? 0 : -ENOMEM;
	}
	if (!rc) {
		s->level = arr[0];
		s->parent = arr[1];
		s->queue = arr[2];
		rc = bfs_reference(s);
	}
	if (rc) {
		bfs_free(s);
		return jb_err_set(err, rc, "bfs: cannot build a graph of %llu vertices",
				  (unsigned long long)param);
	}
	*state = s;
	return 0;
}

static int
bfs_run(void *state, struct workload_result *out)
{
	struct bfs_state *s = state;
	const struct workload_graph *g = &s->g;
	size_t head = 0, tail = 0, v, i;
	double sum = 0;

	for (v = 0; v < g->n; v++) {
		s->level[v] = BFS_UNSEEN;
		s->parent[v] = BFS_UNSEEN;
	}
	s->level[0] = 0;
	s->parent[0] = 0;
	s->queue[tail++] = 0;
	while (head < tail) {
		uint32_t u = s->queue[head++];

		for (i = g->off[u]; i < g->off[u + 1]; i++) {
			uint32_t w = g->adj[i];

			if (s->level[w] == BFS_UNSEEN) {
				s->level[w] = s->level[u] + 1;
				s->parent[w] = u;
				s->queue[tail++] = w;
			}
		}
	}
	for (v = 0; v < g->n; v++)
		sum += s->level[v];
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->level,
						g->n * sizeof(uint32_t));
	out->value = sum;
	out->work_units = 2.0 * (double)g->edges;
	return 0;
}

static int
bfs_verify(void *state, const struct workload_result *res)
{
	const struct bfs_state *s = state;

	return res->checksum == s->ref_checksum && res->value == s->ref_level_sum ? 0 : -EBADMSG;
}

static int
bfs_dump_input(void *state, FILE *f)
{
	return workload_graph_dump(&((const struct bfs_state *)state)->g, f);
}

static int
bfs_dump_output(void *state, FILE *f)
{
	const struct bfs_state *s = state;
	size_t v;

	/* One "level parent" line per vertex, in vertex order. */
	for (v = 0; v < s->g.n; v++)
		if (fprintf(f, "%u %u\n", s->level[v], s->parent[v]) < 0)
			return -EIO;
	return 0;
}

static void
bfs_teardown(void *state)
{
	bfs_free(state);
}

const struct workload_desc workload_bfs = {
	.name = "bfs",
	.summary = "breadth-first search from vertex 0 of a Barabasi-Albert graph (m = 10)",
	.modeled_on = "SeBS 503.graph-bfs",
	.work_unit = "edge",
	.size_param = { 2000, 700000, 1600000 },
	.size_param_name = "vertices",
	.setup = bfs_setup,
	.run = bfs_run,
	.verify = bfs_verify,
	.dump_input = bfs_dump_input,
	.dump_output = bfs_dump_output,
	.teardown = bfs_teardown,
};
