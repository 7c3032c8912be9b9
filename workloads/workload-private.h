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
	void *block; /* holds the arrays above (workload_arrays_alloc) */
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

/* Where a kernel's arrays land (docs/workloads.md, "Memory layout"): array i of a block from
 * workload_arrays_alloc() starts i * WORKLOAD_ARRAY_STAGGER_BYTES past a page boundary.
 * 576 = 9 cache lines: offsets distinct modulo 4096 for up to 7 arrays and at least 9 lines
 * apart, so two arrays walked at the same index never share their low 12 address bits
 * (what store-to-load forwarding and the L1 set index look at), and the layout is the same
 * in every process, whatever malloc does with large blocks. */
#define WORKLOAD_ARRAY_STAGGER_BYTES 576
#define WORKLOAD_ARRAYS_MAX 7

/**
 * workload_arrays_alloc() - one zeroed, page-aligned allocation holding @count arrays:
 * array i, of @bytes[i] bytes, is returned in @ptrs[i] and starts on its own page plus
 * i * WORKLOAD_ARRAY_STAGGER_BYTES. Every page is touched here, in setup, not in run().
 * Return: the block, to release with free() (it frees every array), or NULL (@count 0 or
 * above WORKLOAD_ARRAYS_MAX, a size that overflows, or out of memory).
 */
void *workload_arrays_alloc(size_t count, const size_t *bytes, void **ptrs);

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
