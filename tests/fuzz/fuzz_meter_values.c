/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what meters/ parses from outside: sysfs and hwmon value files (one
 * number), kernel CPU lists (a PMU's cpumask), and the --meter-opts string. The input is
 * used as all three.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "meter-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/jb-fuzz-value-XXXXXX";
	static int fd = -1;
	char text[1024], why[256], val[64];
	int cpus[64];
	uint64_t v;

	fuzz_file_put(path, &fd, data, size);
	(void)meter__read_u64(path, &v);
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)meter__cpulist_parse(text, cpus, 64);
	(void)meter__opts_check(text, why, sizeof(why));
	(void)meter__opt(text, "shunt_uohm", val, sizeof(val));
	(void)meter__opt_u64(text, "bus", 1, 0, 255, &v, why, sizeof(why));
	return 0;
}
