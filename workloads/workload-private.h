/* SPDX-License-Identifier: MIT */
/*
 * The workload descriptors the registry in workload.c lists. Only workloads/ includes this.
 */
#ifndef JB_WORKLOAD_PRIVATE_H
#define JB_WORKLOAD_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "workload.h"

/* The Barabasi-Albert graph pagerank, bfs and mst share (graph.c). Vertices are
 * 0..n-1; edge e joins eu[e] > ev[e]; the neighbours of v are adj[off[v] .. off[v+1]),
 * and adj_edge[] (when asked for; NULL otherwise) gives the edge index of each entry. */
struct workload_graph {
	size_t n, edges;
	uint32_t *eu, *ev;
	uint32_t *off, *adj, *adj_edge;
};

/* The number of edges each new vertex brings, as in SeBS (igraph Barabasi(n, 10)). */
#define WORKLOAD_GRAPH_BA_M 10

/**
 * workload_graph_init() - build a Barabasi-Albert graph of @n vertices, each new vertex
 * attaching @m edges, drawing from @rng; adj_edge is filled only when @with_edge_ids.
 * Return: 0, -EINVAL (n < 2, m not in 1..64) or -ENOMEM; on success, release it with
 * workload_graph_fini().
 */
int workload_graph_init(struct workload_graph *g, size_t n, size_t m, int with_edge_ids,
			uint64_t *rng);

/** workload_graph_fini() - free what init allocated; @g may be NULL or already freed. */
void workload_graph_fini(struct workload_graph *g);

/** workload_graph_dump() - "n edges" then one "u v" line per edge. Return: 0 or -EIO. */
int workload_graph_dump(const struct workload_graph *g, FILE *f);

extern const struct workload_desc workload_float_ops;
extern const struct workload_desc workload_matmul;
extern const struct workload_desc workload_linpack;
extern const struct workload_desc workload_aes;
extern const struct workload_desc workload_sha256;
extern const struct workload_desc workload_compress;
extern const struct workload_desc workload_json;
extern const struct workload_desc workload_html;
extern const struct workload_desc workload_thumbnail;
extern const struct workload_desc workload_pagerank;
extern const struct workload_desc workload_bfs;
extern const struct workload_desc workload_mst;

#endif
