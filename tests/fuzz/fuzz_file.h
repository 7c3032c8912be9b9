/* SPDX-License-Identifier: MIT */
/*
 * For fuzz targets whose parser reads a path: the bytes go to a temporary file made once
 * per process and rewritten in place for each input.
 */
#ifndef JB_FUZZ_FILE_H
#define JB_FUZZ_FILE_H

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Write @size bytes into the temporary file @path (a mkstemp template, edited in place on
 * the first call); @fd caches its descriptor. Aborts if the file cannot be written. */
static inline void
fuzz_file_put(char *path, int *fd, const uint8_t *data, size_t size)
{
	if (*fd < 0 && (*fd = mkstemp(path)) < 0)
		abort();
	if (ftruncate(*fd, 0) != 0 || pwrite(*fd, data, size, 0) != (ssize_t)size)
		abort();
}

#endif
