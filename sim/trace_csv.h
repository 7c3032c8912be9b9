/* SPDX-License-Identifier: MIT */
/*
 * A small record reader on libcsv for the trace files (module-private to sim/): it
 * hands each record to a callback as an array of NUL-terminated fields, kept in one
 * growing buffer so a 1,444-field row of the 2019 trace costs no allocation per field.
 */
#ifndef JB_SIM_TRACE_CSV_H
#define JB_SIM_TRACE_CSV_H

#include <stddef.h>

#include "jb_err.h"

/* @line is the record's number, 1 = the header (records are lines in these files). */
typedef int (*trace_csv_fn)(void *arg, char **fields, size_t n, unsigned long line);

/**
 * trace_csv_read() - parse @path strictly and call @fn for every record, the header too.
 * Return: 0, the first non-zero return of @fn, -EINVAL for malformed CSV or an empty file
 * (@err names the file and line), -errno when the file cannot be read, -ENOMEM.
 */
int trace_csv_read(const char *path, trace_csv_fn fn, void *arg, struct jb_err *err);

/**
 * trace_csv_number() - parse field @s as a finite number >= 0. On failure, fill @err with
 * "PATH: line L, column C (NAME): 'S' is not ..." and return -EINVAL.
 */
int trace_csv_number(const char *path, unsigned long line, size_t col, const char *name,
		     const char *s, double *out, struct jb_err *err);

#endif
