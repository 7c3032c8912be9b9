/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Azure Functions 2019 trace reader, which joins three files: the
 * input is split at its first two NUL bytes into the invocations, durations and memory
 * files (the memory file only when a second NUL is there; 12 or 13 columns). An input of
 * odd length is read as two days (the same files twice), so the multi-day merge (minutes
 * shifted across midnight, per-day tables, memory averaged) is fuzzed too; one read per
 * input keeps the fixed CI campaign's time (scripts/fuzz) as it was.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char inv[] = "/tmp/jb-fuzz-t19i-XXXXXX", dur[] = "/tmp/jb-fuzz-t19d-XXXXXX",
		    mem[] = "/tmp/jb-fuzz-t19m-XXXXXX";
	static int fd_inv = -1, fd_dur = -1, fd_mem = -1;
	const uint8_t *nul = memchr(data, 0, size), *nul2 = NULL, *d2;
	size_t n_inv = nul ? (size_t)(nul - data) : size, n_dur;
	const char *invs[2] = { inv, inv }, *durs[2] = { dur, dur }, *mems[2] = { mem, mem };
	struct trace t = { 0 };

	d2 = nul ? nul + 1 : data + size;
	n_dur = (size_t)(data + size - d2);
	if (nul && (nul2 = memchr(d2, 0, n_dur)))
		n_dur = (size_t)(nul2 - d2);
	fuzz_file_put(inv, &fd_inv, data, n_inv);
	fuzz_file_put(dur, &fd_dur, d2, n_dur);
	fuzz_file_put(mem, &fd_mem, nul2 ? nul2 + 1 : data, nul2 ? (size_t)(data + size - nul2 - 1) : 0);
	(void)trace_azure2019_read_days(&t, invs, durs, nul2 ? mems : NULL, 1 + (size & 1), NULL);
	trace_fini(&t);
	return 0;
}
