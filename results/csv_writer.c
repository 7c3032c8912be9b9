/* SPDX-License-Identifier: MIT */
/*
 * The results CSV writer. Every row has every column of schema.h, in order. Text fields
 * that need it (a comma, a quote, CR or LF, leading or trailing space) are quoted by
 * libcsv's csv_fwrite (RFC 4180: the field in double quotes, inner quotes doubled); other
 * fields are written bare so the file stays readable. Numbers use a fixed format per type:
 * integers in decimal, doubles with %.9g (nine significant digits, below any meter's
 * resolution), and NAN as an empty field, meaning "not measured".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "results.h"

struct results_writer {
	int fd;
	FILE *mem;        /* rows since the last flush, formatted in memory */
	char *mem_buf;
	size_t mem_len;
	off_t good_bytes; /* the file's length after the last successful flush */
	char path[4096];
};

static const char *const column_names[] = {
#define X(name, type, desc) #name,
	RESULTS_COLUMNS(X)
#undef X
};

const char *
results_column_name(unsigned i)
{
	return i < RESULTS_N_COLUMNS ? column_names[i] : NULL;
}

int
results_column_find(const char *name)
{
	unsigned i;

	for (i = 0; i < RESULTS_N_COLUMNS; i++)
		if (strcmp(column_names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

static int
needs_quotes(const char *s)
{
	size_t len = strlen(s);

	return strpbrk(s, ",\"\r\n") != NULL ||
	       (len && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t'));
}

static int
write_text(FILE *f, const char *s)
{
	if (!s)
		s = "";
	if (needs_quotes(s))
		return csv_fwrite(f, s, strlen(s)) == 0 ? 0 : -EIO;
	return fputs(s, f) < 0 ? -EIO : 0;
}

static int
write_f64(FILE *f, double v)
{
	if (isnan(v))
		return 0;
	return fprintf(f, "%.9g", v) < 0 ? -EIO : 0;
}

#define WRITE_STR(f, v) write_text(f, v)
#define WRITE_U64(f, v) (fprintf(f, "%" PRIu64, (uint64_t)(v)) < 0 ? -EIO : 0)
#define WRITE_I64(f, v) (fprintf(f, "%" PRId64, (int64_t)(v)) < 0 ? -EIO : 0)
#define WRITE_F64(f, v) write_f64(f, v)
#define WRITE_BOOL(f, v) (fputs((v) ? "1" : "0", f) < 0 ? -EIO : 0)

static int
writer_mem_open(struct results_writer *w)
{
	w->mem_buf = NULL;
	w->mem_len = 0;
	w->mem = open_memstream(&w->mem_buf, &w->mem_len);
	return w->mem ? 0 : -ENOMEM;
}

static void
writer_mem_close(struct results_writer *w)
{
	if (w->mem)
		fclose(w->mem);
	free(w->mem_buf);
	w->mem = NULL;
	w->mem_buf = NULL;
}

static struct results_writer *
writer_new(const char *path, int fd)
{
	struct results_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fd = fd;
	snprintf(w->path, sizeof(w->path), "%s", path);
	if (writer_mem_open(w)) {
		free(w);
		return NULL;
	}
	return w;
}

int
results_writer_open(const char *path, int overwrite, struct results_writer **out,
		    struct jb_err *err)
{
	struct results_writer *w;
	int fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
	unsigned i;

	fd = open(path, flags, 0644);
	if (fd < 0) {
		int rc = -errno;

		if (rc == -EEXIST)
			return jb_err_set(err, rc, "%s exists; choose another -o or remove it first",
					  path);
		return jb_err_set(err, rc, "cannot create %s: %s", path, jb_strerror(rc));
	}
	w = writer_new(path, fd);
	if (!w) {
		close(fd);
		return jb_err_set(err, -ENOMEM, "cannot open %s for writing", path);
	}
	for (i = 0; i < RESULTS_N_COLUMNS; i++)
		fprintf(w->mem, "%s%s", i ? "," : "", column_names[i]);
	/* RFC 4180 ends records with CRLF; every reader we target accepts LF, and LF keeps
	 * the file friendly to grep, awk and diff. */
	fputc('\n', w->mem);
	*out = w;
	return results_writer_flush(w, err);
}

int
results_trim_partial(const char *path, struct jb_err *err)
{
	char last;
	off_t end, cut;
	int fd = open(path, O_RDWR | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return jb_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	end = lseek(fd, 0, SEEK_END);
	/* A run killed in the middle of a write can leave a partial last record: it was
	 * never a completed row, so cut the file back to the last record separator. */
	for (cut = end; cut > 0; cut--) {
		if (pread(fd, &last, 1, cut - 1) != 1) {
			rc = jb_err_set(err, -EIO, "cannot read %s", path);
			break;
		}
		if (last == '\n')
			break;
	}
	if (!rc && cut != end && ftruncate(fd, cut) != 0)
		rc = jb_err_set(err, -errno, "cannot trim %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* 0 when the first line of @fd is the header results_writer_open() writes, else -EPROTO. */
static int
header_matches(int fd)
{
	char got[4096], want[4096];
	size_t used = 0;
	ssize_t n;
	unsigned i;

	for (i = 0; i < RESULTS_N_COLUMNS && used < sizeof(want); i++)
		used += (size_t)snprintf(want + used, sizeof(want) - used, "%s%s", i ? "," : "",
					 column_names[i]);
	if (used + 1 >= sizeof(want))
		return -EPROTO;
	want[used++] = '\n';
	n = pread(fd, got, used, 0);
	return n == (ssize_t)used && !memcmp(got, want, used) ? 0 : -EPROTO;
}

int
results_writer_open_append(const char *path, struct results_writer **out, struct jb_err *err)
{
	struct results_writer *w;
	off_t end;
	int fd, rc = results_trim_partial(path, err);

	if (rc)
		return rc;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return jb_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	/* Rows go on under the file's own header: one of another column set (a schema 1
	 * file, which has no scope) would get rows of the wrong width. */
	rc = header_matches(fd);
	if (rc) {
		close(fd);
		return jb_err_set(err, rc, "%s: its header is not schema %d's; resume it with the "
				  "joulebench that started it", path, RESULTS_SCHEMA_VERSION);
	}
	end = lseek(fd, 0, SEEK_END);
	w = writer_new(path, fd);
	if (!w) {
		close(fd);
		return jb_err_set(err, -ENOMEM, "cannot open %s for writing", path);
	}
	w->good_bytes = end;
	*out = w;
	return 0;
}

int
results_writer_write(struct results_writer *w, const struct results_row *row, struct jb_err *err)
{
	FILE *f = w->mem;
	int rc = 0;
	unsigned col = 0;

#define X(name, type, desc)                                                                    \
	if (!rc && col++ && fputc(',', f) == EOF)                                              \
		rc = -EIO;                                                                     \
	if (!rc)                                                                               \
		rc = WRITE_##type(f, row->name);
	RESULTS_COLUMNS(X)
#undef X
	if (!rc && fputc('\n', f) == EOF)
		rc = -EIO;
	if (rc)
		return jb_err_set(err, -ENOMEM, "formatting a row of %s failed", w->path);
	return 0;
}

int
results_writer_flush(struct results_writer *w, struct jb_err *err)
{
	size_t off = 0;
	int rc = 0;

	if (fflush(w->mem) != 0)
		return jb_err_set(err, -ENOMEM, "formatting rows of %s failed", w->path);
	/* The rows since the last flush go out in one pwrite at the known good end, so the
	 * file only ever grows by whole records; on any failure (a full disk) it is cut back
	 * to the last good length and still holds every row written before. */
	while (off < w->mem_len) {
		ssize_t n = pwrite(w->fd, w->mem_buf + off, w->mem_len - off,
				   w->good_bytes + (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (!rc && fsync(w->fd) != 0 && errno != EINVAL)
		rc = -errno;
	if (rc) {
		(void)!ftruncate(w->fd, w->good_bytes);
		return jb_err_set(err, rc, "writing %s: %s (the file keeps every row up to the "
					   "last window)", w->path, jb_strerror(rc));
	}
	w->good_bytes += (off_t)w->mem_len;
	writer_mem_close(w);
	if (writer_mem_open(w))
		return jb_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

int
results_writer_close(struct results_writer *w, struct jb_err *err)
{
	int rc;

	if (!w)
		return 0;
	rc = results_writer_flush(w, err);
	if (close(w->fd) != 0 && !rc)
		rc = jb_err_set(err, -errno, "closing %s: %s", w->path, strerror(errno));
	writer_mem_close(w);
	free(w);
	return rc;
}
