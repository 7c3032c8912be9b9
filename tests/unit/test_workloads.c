/* SPDX-License-Identifier: MIT */
/*
 * workloads/: every kernel at size test verifies, gives the same checksum twice (its
 * input is unchanged by a run), and a corrupted result fails verification. The pinned
 * checksums below were produced by this code on x86-64 and must not change silently: a
 * change means the kernel or its input generator changed, which invalidates old results.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "workload-kernels.h"
#include "workload.h"

Test(workloads, every_kernel_verifies_and_is_repeatable)
{
	size_t i;

	for (i = 0; i < workload_count(); i++) {
		const struct workload_desc *w = workload_at(i);
		struct workload_result a = { 0 }, b = { 0 };
		void *state = NULL;

		cr_assert_eq(w->setup(w->size_param[WORKLOAD_SIZE_TEST], 42, &state, NULL), 0,
			     "%s setup", w->name);
		cr_assert_eq(w->run(state, &a), 0);
		cr_assert_eq(w->verify(state, &a), 0, "%s does not verify", w->name);
		cr_assert_eq(w->run(state, &b), 0);
		cr_assert_eq(a.checksum, b.checksum, "%s is not repeatable", w->name);
		cr_assert_gt(a.work_units, 0);
		a.value = a.value * 1.001 + 1.0;
		cr_assert_eq(w->verify(state, &a), -EBADMSG, "%s accepts a wrong result", w->name);
		w->teardown(state);
	}
}

Test(workloads, seed_changes_input)
{
	const struct workload_desc *w = workload_find("matmul");
	struct workload_result a, b;
	void *s1, *s2;

	cr_assert_eq(w->setup(16, 1, &s1, NULL), 0);
	cr_assert_eq(w->setup(16, 2, &s2, NULL), 0);
	w->run(s1, &a);
	w->run(s2, &b);
	cr_assert_neq(a.checksum, b.checksum);
	w->teardown(s1);
	w->teardown(s2);
}

Test(workloads, matmul_matches_naive_reference)
{
	/* Rebuild the input with the same generator and multiply naively (j inner-most
	 * order differs from the kernel's i-k-j), then compare every element's digest. */
	const struct workload_desc *w = workload_find("matmul");
	struct workload_result res;
	double a[8 * 8], b[8 * 8], c[8 * 8];
	uint64_t rng = 7;
	void *state;
	int i, j, k;

	for (i = 0; i < 64; i++)
		a[i] = workload_rng_double(&rng) * 2.0 - 1.0;
	for (i = 0; i < 64; i++)
		b[i] = workload_rng_double(&rng) * 2.0 - 1.0;
	for (i = 0; i < 8; i++)
		for (j = 0; j < 8; j++) {
			double s = 0;

			for (k = 0; k < 8; k++)
				s += a[i * 8 + k] * b[k * 8 + j];
			c[i * 8 + j] = s;
		}
	cr_assert_eq(w->setup(8, 7, &state, NULL), 0);
	cr_assert_eq(w->run(state, &res), 0);
	/* Same additions in the same k order per element: bit-identical with fp-contract off. */
	cr_assert_eq(res.checksum, workload_checksum_bytes(WORKLOAD_FNV_OFFSET, c, sizeof(c)));
	w->teardown(state);
}

Test(workloads, rng_is_splitmix64)
{
	uint64_t s = 0;

	/* First outputs of splitmix64 from seed 0, as published with the reference code. */
	cr_assert_eq(workload_rng_next(&s), 0xe220a8397b1dcdafull);
	cr_assert_eq(workload_rng_next(&s), 0x6e789e6aa1b965f4ull);
}

/* Capture a dump hook's bytes in memory; the caller frees *buf. */
static size_t
dump_to_mem(int (*dump)(void *, FILE *), void *state, char **buf)
{
	size_t len = 0;
	FILE *f = open_memstream(buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(dump(state, f), 0);
	cr_assert_eq(fclose(f), 0);
	return len;
}

Test(workloads, run_leaves_input_unchanged_and_dumps)
{
	size_t i;

	for (i = 0; i < workload_count(); i++) {
		const struct workload_desc *w = workload_at(i);
		struct workload_result res = { 0 };
		char *before = NULL, *after = NULL, *out = NULL;
		size_t lb, la;
		void *state = NULL;

		cr_assert_not_null(w->dump_input, "%s has no dump_input", w->name);
		cr_assert_not_null(w->modeled_on);
		cr_assert_not_null(w->work_unit);
		cr_assert(w->size_param[0] < w->size_param[1] &&
			  w->size_param[1] < w->size_param[2], "%s sizes not increasing", w->name);
		cr_assert_eq(w->setup(w->size_param[WORKLOAD_SIZE_TEST], 9, &state, NULL), 0);
		lb = dump_to_mem(w->dump_input, state, &before);
		cr_assert_eq(w->run(state, &res), 0);
		la = dump_to_mem(w->dump_input, state, &after);
		cr_assert(lb == la && memcmp(before, after, lb) == 0, "%s changed its input",
			  w->name);
		if (w->dump_output) {
			cr_assert_gt(dump_to_mem(w->dump_output, state, &out), 0);
			free(out);
		}
		free(before);
		free(after);
		w->teardown(state);
	}
}

/* Run @name at @param and seed 5; return the state (caller tears it down) and result. */
static void *
run_one(const char *name, uint64_t param, struct workload_result *res)
{
	const struct workload_desc *w = workload_find(name);
	void *state = NULL;

	cr_assert_not_null(w, "%s is not registered", name);
	cr_assert_eq(w->setup(param, 5, &state, NULL), 0, "%s setup", name);
	cr_assert_eq(w->run(state, res), 0);
	cr_assert_eq(w->verify(state, res), 0, "%s does not verify", name);
	return state;
}

static void
hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned v;

		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

Test(workloads, sha256_nist_vectors)
{
	/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf" and "SHA2_Additional.pdf"). */
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t got[32], want[32];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(workload_sha256_compute(v[i].msg, strlen(v[i].msg), got), 0);
		hex_to_bytes(v[i].hex, want, 32);
		cr_assert_arr_eq(got, want, 32, "SHA-256 of \"%s\"", v[i].msg);
	}
}

Test(workloads, sha256_workload_digests_its_dumped_message)
{
	const struct workload_desc *w = workload_find("sha256");
	struct workload_result res;
	char *msg = NULL, *hex = NULL;
	uint8_t digest[32], want[32];
	void *state = run_one("sha256", 100003, &res); /* not a multiple of the block */
	size_t len = dump_to_mem(w->dump_input, state, &msg);

	cr_assert_eq(len, 100003);
	cr_assert_eq(workload_sha256_compute(msg, len, digest), 0);
	cr_assert_eq(dump_to_mem(w->dump_output, state, &hex), 65);
	hex_to_bytes(hex, want, 32);
	cr_assert_arr_eq(digest, want, 32);
	free(msg);
	free(hex);
	w->teardown(state);
}

Test(workloads, aes_sp800_38a_f51_ctr_vectors)
{
	/* NIST SP 800-38A, F.5.1 CTR-AES128.Encrypt (and F.5.2: decryption is the same). */
	uint8_t key[16], iv[16], pt[64], ct[64], got[64], back[64];

	hex_to_bytes("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	hex_to_bytes("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
	hex_to_bytes("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
		     "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", pt, 64);
	hex_to_bytes("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
		     "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee", ct, 64);
	cr_assert_eq(workload_aes128_ctr_crypt(key, iv, pt, got, 64), 0);
	cr_assert_arr_eq(got, ct, 64);
	cr_assert_eq(workload_aes128_ctr_crypt(key, iv, ct, back, 64), 0);
	cr_assert_arr_eq(back, pt, 64);
}

Test(workloads, linpack_residual_and_solution)
{
	const struct workload_desc *w = workload_find("linpack");
	struct workload_result res;
	void *state = run_one("linpack", 40, &res);
	char *in = NULL, *out = NULL;
	double a[40 * 40], b[40], x[40];
	FILE *f;
	size_t i, n;

	/* Read A, b and x back from the dumps: the check owes nothing to the kernel's data. */
	dump_to_mem(w->dump_input, state, &in);
	dump_to_mem(w->dump_output, state, &out);
	f = fmemopen(in, strlen(in), "r");
	cr_assert_eq(fscanf(f, "%zu", &n), 1);
	cr_assert_eq(n, 40);
	for (i = 0; i < n * n; i++)
		cr_assert_eq(fscanf(f, "%lf", &a[i]), 1);
	for (i = 0; i < n; i++)
		cr_assert_eq(fscanf(f, "%lf", &b[i]), 1);
	fclose(f);
	f = fmemopen(out, strlen(out), "r");
	for (i = 0; i < n; i++) {
		cr_assert_eq(fscanf(f, "%lf", &x[i]), 1);
		cr_assert_float_eq(x[i], 1.0, 1e-9); /* b is A's row sums: x is all ones */
	}
	fclose(f);
	cr_assert_lt(workload_linpack_residual(a, b, x, n), 16.0);
	x[7] += 1e-6; /* one slightly wrong element fails the HPL test */
	cr_assert_gt(workload_linpack_residual(a, b, x, n), 16.0);
	/* work units are FunctionBench's 2/3 n^3 + 2 n^2 */
	cr_assert_float_eq(res.work_units, 2.0 / 3.0 * 64000 + 2.0 * 1600, 1e-6);
	free(in);
	free(out);
	w->teardown(state);
}

/* A graph read back from a dump: "n edges" then "u v [weight]" lines. */
struct tiny_graph {
	size_t n, m;
	unsigned u[4096], v[4096], wt[4096];
};

static void
tiny_graph_read(const char *name, uint64_t n, int weighted, struct tiny_graph *g, void **state,
		struct workload_result *res)
{
	const struct workload_desc *w = workload_find(name);
	char *in = NULL;
	FILE *f;
	size_t e;

	*state = run_one(name, n, res);
	dump_to_mem(w->dump_input, *state, &in);
	f = fmemopen(in, strlen(in), "r");
	cr_assert_eq(fscanf(f, "%zu %zu", &g->n, &g->m), 2);
	cr_assert_leq(g->m, 4096);
	for (e = 0; e < g->m; e++) {
		cr_assert_eq(fscanf(f, "%u %u", &g->u[e], &g->v[e]), 2);
		if (weighted)
			cr_assert_eq(fscanf(f, "%u", &g->wt[e]), 1);
		cr_assert(g->u[e] < g->n && g->v[e] < g->u[e], "edge %zu", e);
	}
	fclose(f);
	free(in);
}

Test(workloads, graph_is_barabasi_albert)
{
	struct tiny_graph g;
	struct workload_result res;
	void *state;
	size_t e, f;

	tiny_graph_read("bfs", 200, 0, &g, &state, &res);
	/* Vertex i brings min(i, 10) edges, with no repeats. */
	cr_assert_eq(g.m, 45 + 10 + (200 - 11) * 10);
	for (e = 0; e < g.m; e++)
		for (f = e + 1; f < g.m && g.u[f] == g.u[e]; f++)
			cr_assert_neq(g.v[f], g.v[e], "multi-edge %u-%u", g.u[e], g.v[e]);
	workload_find("bfs")->teardown(state);
}

Test(workloads, pagerank_by_hand_on_complete_graphs)
{
	/* Up to 11 vertices every new vertex joins all earlier ones (m = 10): a complete
	 * graph, whose ranks are all 1/n by symmetry. */
	const struct workload_desc *w = workload_find("pagerank");
	uint64_t n;

	for (n = 2; n <= 11; n += 3) {
		struct workload_result res;
		void *state = run_one("pagerank", n, &res);
		char *out = NULL;
		FILE *f;
		size_t i;

		dump_to_mem(w->dump_output, state, &out);
		f = fmemopen(out, strlen(out), "r");
		for (i = 0; i < n; i++) {
			double r;

			cr_assert_eq(fscanf(f, "%lf", &r), 1);
			cr_assert_float_eq(r, 1.0 / (double)n, 1e-12);
		}
		fclose(f);
		free(out);
		w->teardown(state);
	}
}

Test(workloads, pagerank_matches_dense_reference)
{
	const struct workload_desc *w = workload_find("pagerank");
	static double adj[60][60];
	double pr[60], nxt[60], deg[60] = { 0 }, sum = 0;
	struct tiny_graph g;
	struct workload_result res;
	void *state;
	char *out = NULL;
	size_t e, i, j, it;
	FILE *f;

	tiny_graph_read("pagerank", 60, 0, &g, &state, &res);
	memset(adj, 0, sizeof(adj));
	for (e = 0; e < g.m; e++) {
		adj[g.u[e]][g.v[e]] = adj[g.v[e]][g.u[e]] = 1;
		deg[g.u[e]]++;
		deg[g.v[e]]++;
	}
	/* Dense power iteration, far past convergence. */
	for (i = 0; i < 60; i++)
		pr[i] = 1.0 / 60;
	for (it = 0; it < 500; it++) {
		for (i = 0; i < 60; i++) {
			nxt[i] = 0.15 / 60;
			for (j = 0; j < 60; j++)
				nxt[i] += 0.85 * adj[i][j] * pr[j] / deg[j];
		}
		memcpy(pr, nxt, sizeof(pr));
	}
	dump_to_mem(w->dump_output, state, &out);
	f = fmemopen(out, strlen(out), "r");
	for (i = 0; i < 60; i++) {
		double r;

		cr_assert_eq(fscanf(f, "%lf", &r), 1);
		cr_assert_float_eq(r, pr[i], 1e-9, "rank of %zu", i);
		sum += r;
	}
	cr_assert_float_eq(sum, 1.0, 1e-12);
	fclose(f);
	free(out);
	w->teardown(state);
}

Test(workloads, bfs_levels_match_brute_force)
{
	const struct workload_desc *w = workload_find("bfs");
	struct workload_result res;
	struct tiny_graph g;
	unsigned dist[300];
	void *state;
	char *out = NULL;
	size_t e, i;
	int changed = 1;
	FILE *f;

	tiny_graph_read("bfs", 300, 0, &g, &state, &res);
	/* Bellman-Ford with unit weights: relax every edge until nothing changes. */
	for (i = 0; i < g.n; i++)
		dist[i] = i ? 1000000 : 0;
	while (changed) {
		changed = 0;
		for (e = 0; e < g.m; e++) {
			unsigned a = g.u[e], b = g.v[e];

			if (dist[a] + 1 < dist[b])
				dist[b] = dist[a] + 1, changed = 1;
			if (dist[b] + 1 < dist[a])
				dist[a] = dist[b] + 1, changed = 1;
		}
	}
	dump_to_mem(w->dump_output, state, &out);
	f = fmemopen(out, strlen(out), "r");
	for (i = 0; i < g.n; i++) {
		unsigned level, parent;
		int adjacent = i == 0;

		cr_assert_eq(fscanf(f, "%u %u", &level, &parent), 2);
		cr_assert_eq(level, dist[i], "level of %zu", i);
		/* The parent is a neighbour one level up. */
		for (e = 0; e < g.m && !adjacent; e++)
			adjacent = (g.u[e] == i && g.v[e] == parent) ||
				   (g.v[e] == i && g.u[e] == parent);
		cr_assert(adjacent, "parent of %zu is no neighbour", i);
		if (i)
			cr_assert_eq(dist[parent] + 1, level);
	}
	fclose(f);
	free(out);
	w->teardown(state);
}

Test(workloads, mst_weight_matches_dense_prim)
{
	const struct workload_desc *w = workload_find("mst");
	static uint64_t wt[120][120];
	struct workload_result res;
	struct tiny_graph g;
	uint64_t best[120], total = 0, got_total, sum = 0;
	unsigned comp[120];
	int in[120] = { 0 };
	void *state;
	char *out = NULL;
	size_t e, i, k;
	FILE *f;

	tiny_graph_read("mst", 120, 1, &g, &state, &res);
	for (i = 0; i < 120; i++)
		for (k = 0; k < 120; k++)
			wt[i][k] = UINT64_MAX;
	for (e = 0; e < g.m; e++)
		wt[g.u[e]][g.v[e]] = wt[g.v[e]][g.u[e]] = g.wt[e];
	/* O(n^2) Prim on the dense matrix. */
	for (i = 0; i < 120; i++)
		best[i] = UINT64_MAX;
	best[0] = 0;
	for (k = 0; k < 120; k++) {
		size_t v = 120;

		for (i = 0; i < 120; i++)
			if (!in[i] && (v == 120 || best[i] < best[v]))
				v = i;
		in[v] = 1;
		total += best[v];
		for (i = 0; i < 120; i++)
			if (!in[i] && wt[v][i] < best[i])
				best[i] = wt[v][i];
	}
	dump_to_mem(w->dump_output, state, &out);
	f = fmemopen(out, strlen(out), "r");
	cr_assert_eq(fscanf(f, "%" SCNu64, &got_total), 1);
	cr_assert_eq(got_total, total);
	cr_assert_eq((uint64_t)res.value, total);
	/* The output's n - 1 edges are graph edges that join all vertices (no cycle). */
	for (i = 0; i < 120; i++)
		comp[i] = (unsigned)i;
	for (k = 0; k + 1 < 120; k++) {
		unsigned a, b, x, ca, cb;

		cr_assert_eq(fscanf(f, "%u %u %u", &a, &b, &x), 3);
		cr_assert_eq(wt[a][b], x);
		sum += x;
		ca = comp[a];
		cb = comp[b];
		cr_assert_neq(ca, cb, "tree edge %u-%u closes a cycle", a, b);
		for (i = 0; i < 120; i++)
			if (comp[i] == cb)
				comp[i] = ca;
	}
	cr_assert_eq(sum, total);
	fclose(f);
	free(out);
	w->teardown(state);
}

Test(workloads, compress_output_is_gzip)
{
	const struct workload_desc *w = workload_find("compress");
	struct workload_result res;
	void *state = run_one("compress", 100000, &res);
	char *out = NULL;
	size_t len = dump_to_mem(w->dump_output, state, &out);

	/* RFC 1952: magic 1f 8b, method 8 (deflate); text-like input shrinks well. */
	cr_assert_geq(len, 18);
	cr_assert_eq((unsigned char)out[0], 0x1f);
	cr_assert_eq((unsigned char)out[1], 0x8b);
	cr_assert_eq(out[2], 8);
	cr_assert_lt(len, 100000 / 2);
	free(out);
	w->teardown(state);
}

Test(workloads, thumbnail_is_a_200x200_jpeg)
{
	const struct workload_desc *w = workload_find("thumbnail");
	struct workload_result res;
	void *state = run_one("thumbnail", 400, &res);
	unsigned char *p;
	char *out = NULL;
	size_t len = dump_to_mem(w->dump_output, state, &out), i;
	int found = 0;

	p = (unsigned char *)out;
	cr_assert(len > 4 && p[0] == 0xff && p[1] == 0xd8, "no SOI marker");
	cr_assert(p[len - 2] == 0xff && p[len - 1] == 0xd9, "no EOI marker");
	/* Baseline SOF0: ff c0, length, precision, height, width (big-endian). */
	for (i = 2; i + 9 < len && !found; i++)
		if (p[i] == 0xff && p[i + 1] == 0xc0) {
			cr_assert_eq(p[i + 5] << 8 | p[i + 6], 200);
			cr_assert_eq(p[i + 7] << 8 | p[i + 8], 200);
			found = 1;
		}
	cr_assert(found, "no SOF0 marker");
	cr_assert_float_eq(res.work_units, 400.0 * 300.0, 0.5);
	free(out);
	w->teardown(state);
}

Test(workloads, integer_checksums_are_pinned)
{
	/* Integer-only kernels (and libcrypto, whose output is fixed by the standards) give
	 * these digests at size test, seed 42, on every architecture. compress and thumbnail
	 * are left out: their bytes depend on the zlib and libjpeg versions, not the kernel. */
	static const struct {
		const char *name;
		uint64_t checksum;
	} pin[] = {
		{ "aes", 0x65062905968f1fe1ull },  { "sha256", 0x5aee7fbc845adca1ull },
		{ "html", 0x2979f2acc5f29dc2ull }, { "bfs", 0xb4c5d06fcc20e817ull },
		{ "mst", 0x9911277d4ecffcaaull },
	};
	size_t i;

	for (i = 0; i < sizeof(pin) / sizeof(pin[0]); i++) {
		const struct workload_desc *w = workload_find(pin[i].name);
		struct workload_result res;
		void *state = NULL;

		cr_assert_eq(w->setup(w->size_param[WORKLOAD_SIZE_TEST], 42, &state, NULL), 0);
		cr_assert_eq(w->run(state, &res), 0);
		cr_assert_eq(res.checksum, pin[i].checksum, "%s: %#" PRIx64, w->name, res.checksum);
		w->teardown(state);
	}
}
