/* SPDX-License-Identifier: MIT */
/*
 * The run metadata sidecar, `<run>.meta.json`, written next to the CSV. bench/ builds the
 * document (with json-c); this file decides the path and writes it atomically (a new file
 * renamed into place), or, when the disk is full, in place within the old file's blocks.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jb_file.h"
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

/* Every sidecar is padded with blanks (valid JSON whitespace) to at least this size, so a
 * later version can overwrite it in place when the disk is full and no new file fits. */
#define META_RESERVE_BYTES 16384

static int
meta_put(int fd, const char *json, size_t len)
{
	size_t total = len + 1 < META_RESERVE_BYTES ? META_RESERVE_BYTES : len + 1, off = 0;
	char pad[512];

	memset(pad, ' ', sizeof(pad));
	while (off < total) {
		const char *src;
		size_t n;
		ssize_t w;

		if (off < len) {
			src = json + off;
			n = len - off;
		} else if (off == total - 1) {
			src = "\n";
			n = 1;
		} else {
			src = pad;
			n = total - 1 - off < sizeof(pad) ? total - 1 - off : sizeof(pad);
		}
		w = pwrite(fd, src, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (size_t)w;
	}
	if (ftruncate(fd, (off_t)total) != 0 || fsync(fd) != 0)
		return -errno;
	return 0;
}

struct meta_doc {
	const char *json;
	size_t len;
};

static int
meta_put_file(FILE *f, void *arg)
{
	const struct meta_doc *d = arg;

	return meta_put(fileno(f), d->json, d->len);
}

int
results_meta_write(const char *csv_path, const char *json, struct jb_err *err)
{
	struct meta_doc doc = { json, strlen(json) };
	size_t len = doc.len;
	char path[4096];
	int fd, rc;

	if (results_meta_path(csv_path, path, sizeof(path)))
		return jb_err_set(err, -ENAMETOOLONG, "path too long: %s", csv_path);
	/* Normally: a new file (mkstemp: no planted "<sidecar>.tmp" is followed) renamed into
	 * place, so a reader never sees half a sidecar. */
	rc = jb_file_replace(path, 0644, meta_put_file, &doc);
	if (!rc)
		return 0;
	/* No room for a new file (a full disk): overwrite the old sidecar in place, within
	 * the blocks it already holds. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) == 0 && (size_t)st.st_size >= len + 1 &&
		    meta_put(fd, json, len) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
	}
	return jb_err_set(err, rc, "writing %s: %s", path, jb_strerror(rc));
}
