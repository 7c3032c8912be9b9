/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Azure Functions 2019 trace reader, which joins two files: the
 * input is split at its first NUL byte into the invocations file and the durations file.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char inv[] = "/tmp/jb-fuzz-t19i-XXXXXX", dur[] = "/tmp/jb-fuzz-t19d-XXXXXX";
	static int fd_inv = -1, fd_dur = -1;
	const uint8_t *nul = memchr(data, 0, size);
	size_t n_inv = nul ? (size_t)(nul - data) : size;
	struct trace t = { 0 };

	fuzz_file_put(inv, &fd_inv, data, n_inv);
	fuzz_file_put(dur, &fd_dur, nul ? nul + 1 : data, nul ? size - n_inv - 1 : 0);
	(void)trace_azure2019_read(&t, inv, dur, NULL, NULL);
	trace_fini(&t);
	return 0;
}
