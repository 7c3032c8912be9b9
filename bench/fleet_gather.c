/* SPDX-License-Identifier: MIT */
/*
 * Gathering for `joulebench run --hosts` (fleet-private.h): each host's CSV, read back with
 * results_read(), is written again through the results writer (same columns, same number
 * formats), under the fleet's run_id and with the host column as the hosts file names it;
 * the fleet's sidecar embeds each host's own sidecar whole.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet-private.h"
#include "report.h"
#include "summary.h"

static int
set_STR(const char **d, const char *s)
{
	*d = s;
	return 0;
}

static int
set_U64(uint64_t *d, const char *s)
{
	char *e;

	errno = 0;
	*d = strtoull(s, &e, 10);
	return errno || e == s || *e ? -EINVAL : 0;
}

static int
set_I64(int64_t *d, const char *s)
{
	char *e;

	errno = 0;
	*d = strtoll(s, &e, 10);
	return errno || e == s || *e ? -EINVAL : 0;
}

static int
set_F64(double *d, const char *s)
{
	char *e;

	if (!*s) {
		*d = NAN; /* not measured, written back as an empty field */
		return 0;
	}
	*d = strtod(s, &e);
	return *e ? -EINVAL : 0;
}

static int
set_BOOL(int *d, const char *s)
{
	*d = s[0] == '1';
	return (s[0] == '0' || s[0] == '1') && !s[1] ? 0 : -EINVAL;
}

struct gather_ctx {
	struct fleet *f;
	struct fleet_host *h;
	const char *path;
	struct jb_err *err;
};

static int
gather_row(void *arg, const char *const *fields, unsigned long line)
{
	struct gather_ctx *g = arg;
	struct results_row row;
	int bad = 0;

	/* The columns come back typed as they were written; the values do not change
	 * (doubles were written with %.9g and are written so again). */
#define X(name, type, desc) bad |= set_##type(&row.name, fields[RESULTS_COL_INDEX_##name]) != 0;
	RESULTS_COLUMNS(X)
#undef X
	if (bad)
		return jb_err_set(g->err, -EINVAL, "%s (from %s) line %lu: a field does not parse",
				  g->path, g->h->entry, line);
	row.run_id = g->f->run_id;
	row.host = g->h->name;
	g->h->rows++;
	return results_writer_write(g->f->w, &row, g->err);
}

int
fleet__gather_file(struct fleet *f, struct fleet_host *h, const char *path)
{
	struct jb_err err = { 0 };
	struct gather_ctx g = { f, h, path, &err };
	int rc = results_read(path, gather_row, &g, &err);

	if (!rc)
		rc = results_writer_flush(f->w, &err);
	if (rc)
		fprintf(stderr, "joulebench: fleet: %s: %s\n", h->entry, err.msg);
	else if (!f->quiet)
		fprintf(stderr, "joulebench: fleet: %s: %lu row(s) gathered\n", h->entry, h->rows);
	return rc;
}

int
fleet__gather_meta_write(struct fleet *f, int argc, char **argv)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(),
		    *hs = json_object_new_array();
	struct jb_err err = { 0 };
	size_t i;
	int rc;

	json_object_object_add(o, "schema_version", json_object_new_int(RESULTS_SCHEMA_VERSION));
	json_object_object_add(o, "kind", json_object_new_string("fleet"));
	json_object_object_add(o, "run_id", json_object_new_string(f->run_id));
	json_object_object_add(o, "joulebench_version", json_object_new_string(JB_VERSION));
	json_object_object_add(o, "git_revision", json_object_new_string(JB_GIT_REVISION));
	json_object_object_add(o, "ended", json_object_new_string(f->stopped ? "interrupted"
									      : "completed"));
	for (i = 0; i < (size_t)argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_object_add(o, "argv", a);
	for (i = 0; i < f->n; i++) {
		struct fleet_host *h = &f->host[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "entry", json_object_new_string(h->entry));
		json_object_object_add(e, "host", json_object_new_string(h->name));
		json_object_object_add(e, "ssh_target", json_object_new_string(h->target));
		json_object_object_add(e, "port", json_object_new_string(h->port));
		json_object_object_add(e, "arch", json_object_new_string(h->arch));
		json_object_object_add(e, "joulebench", json_object_new_string(h->bin));
		json_object_object_add(e, "joulebench_fn", json_object_new_string(h->fn));
		json_object_object_add(e, "exit", json_object_new_int(h->code));
		json_object_object_add(e, "rows", json_object_new_int64((int64_t)h->rows));
		/* The host's own sidecar, whole: its machine, meter, idle baseline, run_id. */
		json_object_object_add(e, "run", h->meta ? json_object_get(h->meta) : NULL);
		json_object_array_add(hs, e);
	}
	json_object_object_add(o, "hosts", hs);
	rc = results_meta_write(f->out, json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), &err);
	json_object_put(o);
	if (rc)
		fprintf(stderr, "joulebench run --hosts: %s\n", err.msg);
	return rc;
}

void
fleet__gather_summary_print(struct fleet *f)
{
	struct summary s;
	struct jb_err err = { 0 };
	size_t i;

	memset(&s, 0, sizeof(s));
	if (summary_add_file(&s, f->out, &err) == 0)
		report_print_summary(stdout, &s);
	summary_fini(&s);
	for (i = 0; i < f->n && !f->quiet; i++)
		fprintf(stderr, "joulebench: fleet: %-30s %-8s exit %d, %lu row(s)\n",
			f->host[i].entry, f->host[i].arch[0] ? f->host[i].arch : "?",
			f->host[i].code, f->host[i].rows);
	if (!f->quiet)
		fprintf(stderr, "joulebench: fleet: rows of %zu host(s) in %s\n", f->n, f->out);
}
