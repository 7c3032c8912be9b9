/* SPDX-License-Identifier: MIT */
/*
 * workload_arrays_alloc(), the one allocator of the kernels' large arrays (issue 23): the
 * layout it promises (each array on its own page plus i x 576 bytes, huge-page alignment
 * for blocks of 2 MiB or more, zeroed, no overlap) and its refusals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "workload-private.h"

static void
layout_check(size_t count, const size_t *bytes, uintptr_t align)
{
	void *ptrs[WORKLOAD_ARRAYS_MAX];
	void *block = workload_arrays_alloc(count, bytes, ptrs);
	size_t i, j;

	cr_assert_not_null(block);
	cr_assert_eq((uintptr_t)block % align, 0, "block %p not aligned to %zu", block,
		     (size_t)align);
	for (i = 0; i < count; i++) {
		const unsigned char *p = ptrs[i];

		cr_assert_eq((uintptr_t)p % 4096, i * WORKLOAD_ARRAY_STAGGER_BYTES,
			     "array %zu at page + %zu", i, (size_t)((uintptr_t)p % 4096));
		for (j = 0; j < bytes[i]; j++)
			cr_assert_eq(p[j], 0, "array %zu byte %zu not zeroed", i, j);
		memset(ptrs[i], 0xa5, bytes[i]); /* writable to the last byte */
		if (i + 1 < count)
			cr_assert_leq((uintptr_t)p + bytes[i], (uintptr_t)ptrs[i + 1],
				      "array %zu overlaps the next", i);
	}
	free(block);
}

Test(workload_layout, small_arrays_page_aligned_and_staggered)
{
	size_t bytes[3] = { 100, 4096, 1 };

	layout_check(3, bytes, 4096);
}

Test(workload_layout, large_block_huge_page_aligned)
{
	size_t bytes[5] = { 6480000, 6480000, 7200, 7200, 7200 }; /* linpack at size small */

	layout_check(5, bytes, 2u * 1024 * 1024);
}

Test(workload_layout, every_slot_and_empty_arrays)
{
	size_t bytes[WORKLOAD_ARRAYS_MAX] = { 0 };

	bytes[3] = 5000;
	layout_check(WORKLOAD_ARRAYS_MAX, bytes, 4096);
}

Test(workload_layout, refusals)
{
	size_t bytes[WORKLOAD_ARRAYS_MAX + 1] = { 16, 16, 16, 16, 16, 16, 16, 16 };
	size_t huge[2] = { 16, SIZE_MAX - 8 };
	void *ptrs[WORKLOAD_ARRAYS_MAX + 1];

	cr_assert_null(workload_arrays_alloc(0, bytes, ptrs));
	cr_assert_null(workload_arrays_alloc(WORKLOAD_ARRAYS_MAX + 1, bytes, ptrs));
	cr_assert_null(workload_arrays_alloc(2, huge, ptrs));
}
