/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the results CSV reader (results_read on libcsv) and the summary that
 * folds its rows, on arbitrary bytes. Any input must give 0 or a clean -errno, never a
 * crash, a leak or undefined behaviour.
 */
#include <stdint.h>

#include "fuzz_file.h"

#include "results.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_state {
	struct summary s;
};

static int
fuzz_row(void *arg, const char *const *fields, unsigned long record)
{
	struct fuzz_state *st = arg;

	(void)record;
	(void)summary_add_fields(&st->s, fields, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/jb-fuzz-csv-XXXXXX";
	static int fd = -1;
	struct fuzz_state st = { 0 };
	size_t i;

	fuzz_file_put(path, &fd, data, size);
	(void)results_read(path, fuzz_row, &st, NULL);
	for (i = 0; i < st.s.n; i++) {
		struct summary_stats stats;

		summary_group_stats(&st.s.group[i], &stats);
	}
	summary_fini(&st.s);
	return 0;
}
