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
	FILE *f;
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
	w = calloc(1, sizeof(*w));
	if (!w || !(w->f = fdopen(fd, "w"))) {
		free(w);
		close(fd);
		return jb_err_set(err, -ENOMEM, "cannot open %s for writing", path);
	}
	snprintf(w->path, sizeof(w->path), "%s", path);
	for (i = 0; i < RESULTS_N_COLUMNS; i++)
		fprintf(w->f, "%s%s", i ? "," : "", column_names[i]);
	/* RFC 4180 ends records with CRLF; every reader we target accepts LF, and LF keeps
	 * the file friendly to grep, awk and diff. */
	fputc('\n', w->f);
	*out = w;
	return results_writer_flush(w, err);
}

int
results_writer_write(struct results_writer *w, const struct results_row *row, struct jb_err *err)
{
	int rc = 0;
	unsigned col = 0;

#define X(name, type, desc)                                                                    \
	if (!rc && col++ && fputc(',', w->f) == EOF)                                           \
		rc = -EIO;                                                                     \
	if (!rc)                                                                               \
		rc = WRITE_##type(w->f, row->name);
	RESULTS_COLUMNS(X)
#undef X
	if (!rc && fputc('\n', w->f) == EOF)
		rc = -EIO;
	if (rc)
		return jb_err_set(err, rc, "writing %s: %s", w->path, strerror(errno ? errno : EIO));
	return 0;
}

int
results_writer_flush(struct results_writer *w, struct jb_err *err)
{
	if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) {
		int rc = -errno;

		return jb_err_set(err, rc, "writing %s: %s", w->path, jb_strerror(rc));
	}
	return 0;
}

int
results_writer_close(struct results_writer *w, struct jb_err *err)
{
	int rc;

	if (!w)
		return 0;
	rc = results_writer_flush(w, err);
	if (fclose(w->f) != 0 && !rc)
		rc = jb_err_set(err, -errno, "closing %s: %s", w->path, strerror(errno));
	free(w);
	return rc;
}
