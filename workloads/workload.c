/* SPDX-License-Identifier: MIT */
/*
 * The workload registry and the few helpers every kernel shares: size-class names, the
 * seeded generator (splitmix64, chosen because it is tiny, has no state beyond one word and
 * gives the same stream on every architecture), the FNV-1a output digest, and the one
 * allocator of a kernel's large arrays, which fixes where they land.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* The page size the offsets are measured from: 4 KiB on x86-64 and on the arm64 kernels
 * Debian ships; a larger page keeps the offsets distinct modulo 4096 all the same. */
#define WORKLOAD_PAGE_BYTES 4096u
/* The x86-64 (and 4 KiB-granule arm64) PMD huge page, 2 MiB. */
#define WORKLOAD_HUGE_PAGE_BYTES (2u * 1024 * 1024)

void *
workload_arrays_alloc(size_t count, const size_t *bytes, void **ptrs)
{
	size_t i, pos = 0, align, at[WORKLOAD_ARRAYS_MAX];
	unsigned char *block;

	if (count == 0 || count > WORKLOAD_ARRAYS_MAX)
		return NULL;
	for (i = 0; i < count; i++) {
		size_t page = (pos + WORKLOAD_PAGE_BYTES - 1) / WORKLOAD_PAGE_BYTES;

		at[i] = page * WORKLOAD_PAGE_BYTES + i * WORKLOAD_ARRAY_STAGGER_BYTES;
		if (at[i] < pos || bytes[i] > SIZE_MAX / 2 - at[i])
			return NULL;
		pos = at[i] + bytes[i];
	}
	if (pos == 0)
		pos = 1;
	/* A block of a huge page or more is aligned to one and asked for huge pages, as numpy
	 * does for arrays of 4 MB and more (the FunctionBench kernels are numpy): physically
	 * contiguous 2 MiB pages take away the per-process luck of which physical pages, and
	 * so which cache sets, the arrays get. */
	align = pos >= WORKLOAD_HUGE_PAGE_BYTES ? WORKLOAD_HUGE_PAGE_BYTES : WORKLOAD_PAGE_BYTES;
	pos = (pos + align - 1) / align * align;
	block = aligned_alloc(align, pos);
	if (!block)
		return NULL;
	if (align == WORKLOAD_HUGE_PAGE_BYTES)
		(void)madvise(block, pos, MADV_HUGEPAGE); /* advice: without THP, 4 KiB pages */
	memset(block, 0, pos);
	for (i = 0; i < count; i++)
		ptrs[i] = block + at[i];
	return block;
}
