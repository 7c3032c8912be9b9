/* SPDX-License-Identifier: MIT */
/*
 * The workload registry and the few helpers every kernel shares: size-class names, the
 * seeded generator (splitmix64, chosen because it is tiny, has no state beyond one word and
 * gives the same stream on every architecture) and the FNV-1a output digest.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "workload.h"
#include "workload-private.h"

static const struct workload_desc *const workload_table[] = {
	&workload_float_ops,
	&workload_matmul,
	&workload_linpack,
	&workload_aes,
	&workload_sha256,
	&workload_compress,
	&workload_json,
	&workload_html,
	&workload_thumbnail,
	&workload_pagerank,
	&workload_bfs,
	&workload_mst,
};

static const char *const size_names[WORKLOAD_SIZE_COUNT] = {
	[WORKLOAD_SIZE_TEST] = "test",
	[WORKLOAD_SIZE_SMALL] = "small",
	[WORKLOAD_SIZE_LARGE] = "large",
};

size_t
workload_count(void)
{
	return sizeof(workload_table) / sizeof(workload_table[0]);
}

const struct workload_desc *
workload_at(size_t i)
{
	return i < workload_count() ? workload_table[i] : NULL;
}

const struct workload_desc *
workload_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < workload_count(); i++)
		if (strcmp(workload_table[i]->name, name) == 0)
			return workload_table[i];
	return NULL;
}

int
workload_size_parse(const char *s, enum workload_size *out)
{
	int i;

	for (i = 0; s && i < WORKLOAD_SIZE_COUNT; i++)
		if (strcmp(s, size_names[i]) == 0) {
			*out = (enum workload_size)i;
			return 0;
		}
	return -EINVAL;
}

const char *
workload_size_name(enum workload_size size)
{
	return (unsigned)size < WORKLOAD_SIZE_COUNT ? size_names[size] : "?";
}

uint64_t
workload_checksum_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull; /* the FNV-1a 64-bit prime */
	}
	return h;
}

uint64_t
workload_rng_next(uint64_t *state)
{
	/* splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
	 * OOPSLA 2014); constants from that paper's published generator. */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double
workload_rng_double(uint64_t *state)
{
	/* The top 53 bits make every double in [0, 1) with step 2^-53 equally likely. */
	return (double)(workload_rng_next(state) >> 11) * 0x1.0p-53;
}

int
workload_rel_close(double a, double b, double rel)
{
	double scale = fmax(fabs(a), fabs(b));

	return isfinite(a) && isfinite(b) && fabs(a - b) <= rel * scale;
}
