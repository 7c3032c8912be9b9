/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the run sidecar (.meta.json) as --resume reads it back. Every field it
 * uses is validated (results/meta_read.c); the seed corpus holds the two sidecars that
 * crashed `run --resume` before that ("ended": null, and a null inside argv).
 */
#include <stdint.h>

#include "results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct results_meta_resume m;
	struct jb_err err = { 0 };

	if (results_meta_parse_resume((const char *)data, size, "fuzz", &m, &err) == 0)
		results_meta_resume_fini(&m);
	return 0;
}
