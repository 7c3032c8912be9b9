/* SPDX-License-Identifier: MIT */
/*
 * The results library: one struct results_row per invocation, written as RFC 4180 CSV with
 * libcsv (quoting only where a field needs it), and read back with libcsv's parser; the
 * `<run>.meta.json` sidecar. Rows are flushed and fsync'd on request, so an interrupted run
 * leaves a valid CSV of everything completed (DESIGN §4 step 4).
 */
#ifndef JB_RESULTS_H
#define JB_RESULTS_H

#include <stdint.h>
#include <stdio.h>

#include "jb_err.h"
#include "schema.h"

#define RESULTS_COL_STR const char *
#define RESULTS_COL_U64 uint64_t
#define RESULTS_COL_I64 int64_t
#define RESULTS_COL_F64 double
#define RESULTS_COL_BOOL int

/* One row. Strings are borrowed, never owned; an F64 of NAN is written as an empty field
 * (not measured). */
struct results_row {
#define X(name, type, desc) RESULTS_COL_##type name;
	RESULTS_COLUMNS(X)
#undef X
};

enum results_column {
#define X(name, type, desc) RESULTS_COL_INDEX_##name,
	RESULTS_COLUMNS(X)
#undef X
	RESULTS_N_COLUMNS
};

/** results_column_name() - the header name of column @i, or NULL. */
const char *results_column_name(unsigned i);

/** results_column_find() - the index of the column called @name, or -ENOENT. */
int results_column_find(const char *name);

struct results_writer;

/**
 * results_writer_open() - create @path and write the header. Refuses to overwrite an
 * existing file (-EEXIST) unless @overwrite, so a finished run is never lost by accident.
 * Return: 0 or -errno (message in @err); *out is freed by results_writer_close().
 */
int results_writer_open(const char *path, int overwrite, struct results_writer **out,
			struct jb_err *err);

/**
 * results_trim_partial() - cut a partial last record (no final LF) off @path: a run killed
 * in the middle of a write. Return: 0 or -errno.
 */
int results_trim_partial(const char *path, struct jb_err *err);

/**
 * results_writer_open_append() - reopen the CSV of an interrupted run to add rows (for
 * --resume). A partial last record (a run killed mid-write) is cut away first.
 * Return: 0 or -errno (message in @err).
 */
int results_writer_open_append(const char *path, struct results_writer **out,
			       struct jb_err *err);

/** results_writer_write() - add one row to the rows of the next flush (in memory).
 * 0 or -ENOMEM. */
int results_writer_write(struct results_writer *w, const struct results_row *row,
			 struct jb_err *err);

/**
 * results_writer_flush() - write the rows added since the last flush in one write and
 * fsync them. On failure (-ENOSPC, -EIO) the file is cut back to its last good length:
 * it stays a valid CSV holding every row flushed before. 0 or -errno.
 */
int results_writer_flush(struct results_writer *w, struct jb_err *err);

/** results_writer_close() - flush, fsync and close; @w may be NULL. 0 or -errno. */
int results_writer_close(struct results_writer *w, struct jb_err *err);

/* The reader hands each data row to a callback as an array of RESULTS_N_COLUMNS strings in
 * schema order (the file's column order may differ; unknown extra columns are ignored). */
typedef int (*results_row_fn)(void *arg, const char *const *fields, unsigned long line);

/**
 * results_read() - parse @path with libcsv, check the header and schema_version, and call
 * @fn for each data row. Return: 0, -EINVAL for a malformed file or a row of the wrong
 * width (@err names the file, line and column), -EPROTO for another schema_version, the
 * first non-zero return of @fn, or -errno.
 */
int results_read(const char *path, results_row_fn fn, void *arg, struct jb_err *err);

/**
 * results_method_is_attributed() - 1 when a row's @energy_method splits a co-located
 * window by CPU time (`window-split-by-*-cpu-share`): its energy rests on an attribution
 * model, not on the meter alone, and its energy_uncertainty_j includes the model's term
 * (results/README.md); 0 otherwise, also for NULL.
 */
int results_method_is_attributed(const char *energy_method);

/**
 * results_field_u64() - a field of a U64 column: decimal digits only (no sign, not empty).
 * Return: 0 or -EINVAL.
 */
int results_field_u64(const char *s, uint64_t *out);

/**
 * results_field_f64() - a field of an F64 column: empty is NAN (not measured), otherwise a
 * whole number as strtod reads it. Return: 0 or -EINVAL (also for an overflow).
 */
int results_field_f64(const char *s, double *out);

/**
 * results_meta_path() - the sidecar path for CSV @csv_path: "x.csv" -> "x.meta.json",
 * anything else -> "<path>.meta.json". Return: 0 or -ENAMETOOLONG.
 */
int results_meta_path(const char *csv_path, char *out, size_t len);

/**
 * results_meta_write() - write @json (a complete JSON document) to the sidecar of
 * @csv_path atomically (a temporary file renamed into place). 0 or -errno.
 */
int results_meta_write(const char *csv_path, const char *json, struct jb_err *err);

#define RESULTS_META_RESUMES_MAX 32
#define RESULTS_META_ARGV_MAX 256

#define RESULTS_META_HOST_CHANGE_LEN 600

/* What a run measured with, kept in its sidecar, for --resume to refuse to go on with
 * anything else (a requeued job on another node mixed two machines in one CSV: issue 23).
 * "" where the sidecar has none (runtime: not a container). */
struct results_meta_identity {
	char host[256];
	char meter[64];
	char domains[256];        /* meter.domains_summed */
	char driver[32];
	char runtime[64];
	char runtime_path[512];
	char fn_path[4096];
	char version[160];        /* "joulebench_version (git git_revision)" */
};

/* What --resume reads back from a sidecar (meta_read.c). */
struct results_meta_resume {
	struct results_meta_identity id;
	/* "from -> to" of each deliberate change of host so far (--resume-allow-host-change). */
	char host_changes[RESULTS_META_RESUMES_MAX][RESULTS_META_HOST_CHANGE_LEN];
	size_t n_host_changes;  /* at most RESULTS_META_RESUMES_MAX - 1 */
	int completed;              /* "ended" was "completed": nothing to resume */
	char run_id[128];
	uint64_t started_unix_ns;   /* 0 when absent */
	uint64_t resumed_unix_ns[RESULTS_META_RESUMES_MAX];
	size_t n_resumed;           /* at most RESULTS_META_RESUMES_MAX - 1 */
	int argc;
	char *argv[RESULTS_META_ARGV_MAX]; /* owned; freed by results_meta_resume_fini() */
};

/**
 * results_meta_parse_resume() - parse sidecar text @json (@len bytes; @name for messages)
 * and validate every field --resume uses: "ended" one of running, interrupted, error,
 * completed; "run_id" a non-empty string without quotes or line breaks;
 * "started_unix_ns" and "resumed_unix_ns" non-negative integers (optional); "argv" a
 * non-empty array of strings. Return: 0, or -EINVAL / -E2BIG / -ENOMEM with one line
 * naming @name and the field in @err (@out is then empty).
 */
int results_meta_parse_resume(const char *json, size_t len, const char *name,
			      struct results_meta_resume *out, struct jb_err *err);

/** results_meta_read_resume() - the same, from the sidecar of CSV @csv_path. */
int results_meta_read_resume(const char *csv_path, struct results_meta_resume *out,
			     struct jb_err *err);

void results_meta_resume_fini(struct results_meta_resume *m);

#endif
