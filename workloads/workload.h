/* SPDX-License-Identifier: MIT */
/*
 * The workload interface (DESIGN §3). A workload is a kernel modeled on a typical
 * serverless function. setup() builds seeded input outside any metered region; run() is
 * one invocation and must leave the input unchanged, so that every warm invocation does the
 * same work and verifies against the same reference; verify() checks the result.
 * Each kernel is one file ending in one `const struct workload_desc`, listed once in
 * workload.c's registry.
 */
#ifndef JB_WORKLOAD_H
#define JB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jb_err.h"

enum workload_size {
	WORKLOAD_SIZE_TEST,  /* milliseconds, for CI */
	WORKLOAD_SIZE_SMALL, /* about 100-300 ms on one server core */
	WORKLOAD_SIZE_LARGE, /* about 0.5-1 s */
	WORKLOAD_SIZE_COUNT,
};

/* What one invocation produced. */
struct workload_result {
	uint64_t checksum; /* a 64-bit digest of the output (bit-exact where the kernel is) */
	double value;      /* a scalar the verifier may compare within a tolerance */
	double work_units; /* units of work done, in the descriptor's work_unit */
};

struct function_workload;

struct workload_desc {
	const char *name;       /* "matmul" */
	const char *summary;    /* one line */
	const char *modeled_on; /* the SeBS or FunctionBench function it stands for */
	const char *work_unit;  /* what one unit of work is: "flop", "byte", "record", "edge" */
	/* The size parameter of each class (matrix order, bytes, records...), and its meaning. */
	uint64_t size_param[WORKLOAD_SIZE_COUNT];
	const char *size_param_name;
	/**
	 * setup() - build the input for @param from @seed, and anything verify() needs.
	 * Return: 0 or -errno (message in @err); *state is freed by teardown().
	 */
	int (*setup)(uint64_t param, uint64_t seed, void **state, struct jb_err *err);
	/** run() - one invocation. Return: 0 or -errno. Must not modify the input. */
	int (*run)(void *state, struct workload_result *out);
	/** verify() - 0 when @res is correct for the input, -EBADMSG when not. */
	int (*verify)(void *state, const struct workload_result *res);
	/** dump_input() - write the generated input to @f (optional; NULL = not offered). */
	int (*dump_input)(void *state, FILE *f);
	/** dump_output() - write the output of the last run() to @f, in the format the
	 * catalogue (docs/workloads.md) gives, so that external tools can check it
	 * (optional; NULL = not offered). Return: 0 or -errno. */
	int (*dump_output)(void *state, FILE *f);
	void (*teardown)(void *state);
	/* A user's function given with `run -f` (function_workload.h); NULL for a built-in
	 * kernel. Its setup/run/verify are NULL: joulebench-fn serves it (fn_user.h). */
	const struct function_workload *function;
};

/** workload_find() - the workload called @name, or NULL. */
const struct workload_desc *workload_find(const char *name);

/** workload_count() / workload_at() - iterate the registry. */
size_t workload_count(void);
const struct workload_desc *workload_at(size_t i);

/** workload_size_parse() - "test" | "small" | "large" to the enum; -EINVAL otherwise. */
int workload_size_parse(const char *s, enum workload_size *out);

/** workload_size_name() - the enum's name ("test", ...), or "?" when out of range. */
const char *workload_size_name(enum workload_size size);

/** workload_checksum_bytes() - FNV-1a 64 over @len bytes, continuing from @h (start with
 * WORKLOAD_FNV_OFFSET). A digest, not a cryptographic hash: it detects wrong output. */
#define WORKLOAD_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t workload_checksum_bytes(uint64_t h, const void *data, size_t len);

/** workload_rng_next() - splitmix64, the seeded generator every workload draws input from,
 * so that one seed gives the same input on every architecture. */
uint64_t workload_rng_next(uint64_t *state);

/** workload_rng_double() - a uniform double in [0, 1) from workload_rng_next(). */
double workload_rng_double(uint64_t *state);

/** workload_rel_close() - |a - b| <= rel * max(|a|, |b|) (and both finite). */
int workload_rel_close(double a, double b, double rel);

#endif
