/* SPDX-License-Identifier: MIT */
/*
 * The run metadata sidecar, `<run>.meta.json`, written next to the CSV. bench/ builds the
 * document (with json-c); this file only decides the path and writes it atomically, so a
 * reader never sees half a sidecar.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "results.h"

int
results_meta_path(const char *csv_path, char *out, size_t len)
{
	size_t n = strlen(csv_path);
	int w;

	if (n > 4 && strcmp(csv_path + n - 4, ".csv") == 0)
		w = snprintf(out, len, "%.*s.meta.json", (int)(n - 4), csv_path);
	else
		w = snprintf(out, len, "%s.meta.json", csv_path);
	return (w < 0 || (size_t)w >= len) ? -ENAMETOOLONG : 0;
}

int
results_meta_write(const char *csv_path, const char *json, struct jb_err *err)
{
	char path[4096], tmp[4200];
	FILE *f;
	int rc;

	if (results_meta_path(csv_path, path, sizeof(path)))
		return jb_err_set(err, -ENAMETOOLONG, "path too long: %s", csv_path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return jb_err_set(err, -errno, "cannot create %s: %s", tmp, strerror(errno));
	rc = (fputs(json, f) < 0 || fputc('\n', f) == EOF || fflush(f) != 0 ||
	      fsync(fileno(f)) != 0) ? -errno : 0;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) != 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return jb_err_set(err, rc ? rc : -EIO, "writing %s: %s", path, jb_strerror(rc));
	}
	return 0;
}
