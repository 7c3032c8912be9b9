/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the model meter's power-profile parser on arbitrary text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct meter_profile p;
	struct jb_err err;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (meter_profile_parse(text, "fuzz", &p, &err) == 0 &&
	    (p.idle_w <= 0 || p.loaded_w < p.idle_w || !p.cores))
		abort(); /* a profile that parses must be usable */
	free(text);
	return 0;
}
