/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the overhead model's parameter files (`key = value | source`).
 */
#include <stdint.h>

#include "fuzz_file.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/jb-fuzz-params-XXXXXX";
	static int fd = -1;
	struct params p;

	fuzz_file_put(path, &fd, data, size);
	params_init(&p);
	(void)params_load_file(&p, path, NULL);
	return 0;
}
