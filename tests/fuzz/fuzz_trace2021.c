/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Azure Functions 2021 per-invocation trace reader.
 */
#include <stdint.h>

#include "fuzz_file.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/jb-fuzz-t21-XXXXXX";
	static int fd = -1;
	struct trace t = { 0 };

	fuzz_file_put(path, &fd, data, size);
	(void)trace_azure2021_read(&t, path, NULL);
	trace_fini(&t);
	return 0;
}
