/* SPDX-License-Identifier: MIT */
/*
 * One CSV of one run from the parts of a fleet (fleet-private.h), shared by the ssh fleet
 * (`run --hosts`) and by Slurm (`joulebench gather`, as an afterany job or by hand). Each
 * part left a directory: run.csv and run.meta.json of its own `joulebench run`, and a
 * `task` file (label, node, arch, exit, span) once it ended. Each CSV, read back with
 * results_read(), is written again through the results writer (same columns, same number
 * formats), under the fleet's run_id and with the host column the part's name; the fleet's
 * sidecar embeds each part's own sidecar whole. A part that failed is reported with what
 * it left: its rows are gathered all the same (they are valid rows of a run that stopped).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "fleet-private.h"
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

/* Keep the row's span and energy for the comparison with Slurm's accounting. */
static void
span_add(struct fleet_host *h, const struct results_row *row)
{
	if (isfinite(row->energy_j))
		h->energy_j += row->energy_j;
	if (isfinite(row->idle_power_w))
		h->idle_power_w = row->idle_power_w;
	if (h->n_spans == h->cap_spans) {
		size_t cap = h->cap_spans ? 2 * h->cap_spans : 256;
		struct fleet_span *s = realloc(h->spans, cap * sizeof(*s));

		if (!s)
			return; /* the comparison is then partial; the rows are what matters */
		h->spans = s;
		h->cap_spans = cap;
	}
	h->spans[h->n_spans].start_ns = (long long)row->start_unix_ns;
	h->spans[h->n_spans++].end_ns = (long long)(row->start_unix_ns + row->wall_ns);
}

static int
span_cmp(const void *a, const void *b)
{
	const struct fleet_span *x = a, *y = b;

	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

/* The time covered by the rows' invocations: co-located rows overlap, so the union. */
static void
span_union(struct fleet_host *h)
{
	long long cs = 0, ce = 0, total = 0;
	size_t i;

	if (h->n_spans) /* qsort(NULL, 0) is undefined (UBSan: a host with no rows) */
		qsort(h->spans, h->n_spans, sizeof(*h->spans), span_cmp);
	for (i = 0; i < h->n_spans; i++) {
		if (i && h->spans[i].start_ns <= ce) {
			if (h->spans[i].end_ns > ce)
				ce = h->spans[i].end_ns;
			continue;
		}
		total += ce - cs;
		cs = h->spans[i].start_ns;
		ce = h->spans[i].end_ns;
	}
	total += ce - cs;
	h->metered_s = (double)total / 1e9;
	free(h->spans);
	h->spans = NULL;
	h->n_spans = h->cap_spans = 0;
}

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
	/* Written again in this schema: a schema 1 row's scope is derived by the reader. */
	row.schema_version = RESULTS_SCHEMA_VERSION;
	g->h->rows++;
	g->h->rows_warm += !strcmp(row.phase, "warm");
	span_add(g->h, &row);
	return results_writer_write(g->f->w, &row, g->err);
}

static int
gather_file(struct fleet *f, struct fleet_host *h, const char *path)
{
	struct jb_err err = { 0 };
	struct gather_ctx g = { f, h, path, &err };
	int rc = results_read(path, gather_row, &g, &err);

	if (!rc)
		rc = results_writer_flush(f->w, &err);
	span_union(h);
	if (rc)
		fleet__notice(f->ev, "joulebench: fleet: %s: %s", h->entry, err.msg);
	else if (!f->quiet)
		fleet__notice(f->ev, "joulebench: fleet: %s: %lu row(s) gathered", h->entry, h->rows);
	return rc;
}

int
fleet__task_write(const struct fleet_host *h)
{
	char path[PATH_MAX + 8];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/task", h->dir);
	fp = fopen(path, "w");
	if (!fp)
		return -errno;
	fprintf(fp, "label=%s\nnode=%s\narch=%s\nexit=%d\n", h->name, h->node, h->arch, h->code);
	return fclose(fp) ? -errno : 0;
}

/* The `task` file, if the part got so far: what it says overrides what we assumed. */
static void
task_read(struct fleet_host *h)
{
	char path[PATH_MAX + 8], line[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/task", h->dir);
	fp = fopen(path, "r");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *v = strchr(line, '=');

		if (!v)
			continue;
		*v++ = '\0';
		v[strcspn(v, "\r\n")] = '\0';
		if (!strcmp(line, "label") && *v)
			snprintf(h->name, sizeof(h->name), "%s", v);
		else if (!strcmp(line, "node"))
			snprintf(h->node, sizeof(h->node), "%s", v);
		else if (!strcmp(line, "arch"))
			snprintf(h->arch, sizeof(h->arch), "%s", v);
		else if (!strcmp(line, "job_id"))
			snprintf(h->job_id, sizeof(h->job_id), "%s", v);
		else if (!strcmp(line, "exit"))
			h->code = atoi(v);
		else if (!strcmp(line, "start_unix_s"))
			h->start_unix_s = atoll(v);
		else if (!strcmp(line, "end_unix_s"))
			h->end_unix_s = atoll(v);
	}
	fclose(fp);
}

/* Two parts with one label (two Slurm tasks on one node, in turn): tell their rows apart. */
static void
labels_dedupe(struct fleet *f)
{
	size_t i, j;

	for (i = 0; i < f->n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(f->host[i].name, f->host[j].name)) {
				char was[256];

				snprintf(was, sizeof(was), "%s", f->host[i].name);
				snprintf(f->host[i].name, sizeof(f->host[i].name), "%.120s#%.120s",
					 was, f->host[i].entry);
				fleet__notice(f->ev, "joulebench: fleet: %s and %s both ran on %s; the "
						"rows of %s have host %s", f->host[j].entry,
					f->host[i].entry, was, f->host[i].entry, f->host[i].name);
				break;
			}
}

/* A part's sidecar: a JSON object, or NULL with @why (@len bytes) saying what is wrong with
 * the file. json-c reads it in pieces, so that a file cut short says so rather than
 * json-c's "continue". As before, what follows a complete document is not read. */
static json_object *
meta_load(const char *path, char *why, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error e = json_tokener_continue;
	json_object *o = NULL;
	size_t got = 0, total = 0;
	char buf[4096];
	FILE *fp;

	if (!tok) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	if (!(fp = fopen(path, "re"))) {
		snprintf(why, len, "%s", strerror(errno));
		json_tokener_free(tok);
		return NULL;
	}
	while (e == json_tokener_continue && (got = fread(buf, 1, sizeof(buf), fp)) > 0) {
		total += got;
		o = json_tokener_parse_ex(tok, buf, (int)got);
		e = json_tokener_get_error(tok);
	}
	if (e == json_tokener_continue && total && !ferror(fp)) {
		/* The end of the file ends a value that only its end can (a bare number). */
		o = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
	}
	if (ferror(fp))
		snprintf(why, len, "read error");
	else if (!total)
		snprintf(why, len, "empty");
	else if (e == json_tokener_continue || e == json_tokener_error_parse_eof)
		snprintf(why, len, "cut short: the JSON ends at byte %zu, unfinished", total);
	else if (e != json_tokener_success)
		snprintf(why, len, "not JSON: %s near byte %zu", json_tokener_error_desc(e),
			 total - got + json_tokener_get_parse_end(tok));
	else if (!json_object_is_type(o, json_type_object))
		snprintf(why, len, "a JSON %s, not an object",
			 json_type_to_name(json_object_get_type(o)));
	fclose(fp);
	json_tokener_free(tok);
	if (e != json_tokener_success || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *
jstr(const char *s)
{
	return json_object_new_string(s);
}

static int
meta_write(struct fleet *f, int argc, char **argv)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(),
		    *hs = json_object_new_array();
	struct jb_err err = { 0 };
	size_t i;
	int rc;

	json_object_object_add(o, "schema_version", json_object_new_int(RESULTS_SCHEMA_VERSION));
	json_object_object_add(o, "kind", jstr("fleet"));
	json_object_object_add(o, "launcher", jstr(f->kind ? f->kind : "ssh"));
	json_object_object_add(o, "run_id", jstr(f->run_id));
	json_object_object_add(o, "joulebench_version", jstr(JB_VERSION));
	json_object_object_add(o, "git_revision", jstr(JB_GIT_REVISION));
	json_object_object_add(o, "ended", jstr(f->stopped ? "interrupted" : "completed"));
	for (i = 0; i < (size_t)argc; i++)
		json_object_array_add(a, jstr(argv[i]));
	json_object_object_add(o, "argv", a);
	for (i = 0; i < f->n; i++) {
		struct fleet_host *h = &f->host[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "entry", jstr(h->entry));
		json_object_object_add(e, "host", jstr(h->name));
		if (h->target[0]) {
			json_object_object_add(e, "ssh_target", jstr(h->target));
			json_object_object_add(e, "port", jstr(h->port));
		}
		if (h->job_id[0] || h->node[0]) {
			json_object_object_add(e, "node", jstr(h->node));
			json_object_object_add(e, "slurm_job", jstr(h->job_id));
		}
		json_object_object_add(e, "group", jstr(h->group));
		json_object_object_add(e, "arch", jstr(h->arch));
		if (h->bin[0]) {
			json_object_object_add(e, "joulebench", jstr(h->bin));
			json_object_object_add(e, "joulebench_fn", jstr(h->fn));
		}
		json_object_object_add(e, "exit", json_object_new_int(h->code));
		json_object_object_add(e, "rows", json_object_new_int64((int64_t)h->rows));
		/* The part's own sidecar, whole: its machine, meter, idle baseline, run_id. */
		json_object_object_add(e, "run", h->meta ? json_object_get(h->meta) : NULL);
		json_object_array_add(hs, e);
	}
	json_object_object_add(o, "hosts", hs);
	rc = results_meta_write(f->out, json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), &err);
	json_object_put(o);
	if (rc)
		fleet__notice(f->ev, "joulebench: fleet: %s", err.msg);
	return rc;
}

/* What a failed part left: its rows, and how its own run ended by its sidecar. */
static void
failed_report(const struct fleet *f, const struct fleet_host *h)
{
	json_object *v = NULL;
	const char *ended = h->meta && json_object_object_get_ex(h->meta, "ended", &v)
				    ? json_object_get_string(v) : NULL;
	const char *why = h->meta && json_object_object_get_ex(h->meta, "ended_reason", &v)
				  ? json_object_get_string(v) : "";
	char how[PATH_MAX + 64], left[1024];
	struct stat st;

	if (h->code >= 0)
		snprintf(how, sizeof(how), "exit %d; ", h->code);
	else if (stat(h->dir, &st))
		snprintf(how, sizeof(how), "never started (no %s); ", h->dir);
	else
		snprintf(how, sizeof(how), "did not finish (no task file: killed, or still running); ");
	/* A stop before the first window (an early Slurm signal, a scancel) left a sidecar
	 * and a CSV header: the part is not missing, and --resume or a requeue starts it. */
	if (ended && !strcmp(ended, "interrupted") && !h->rows_warm)
		snprintf(left, sizeof(left), "interrupted before its first window (%.500s); left "
			 "%lu row(s); a requeue or `run --resume` of its run.csv starts it",
			 why, h->rows);
	else if (ended)
		snprintf(left, sizeof(left), "left %lu row(s), its run %.300s%s%.500s", h->rows,
			 ended, *why ? ": " : "", why);
	else
		snprintf(left, sizeof(left), "left %lu row(s) and %s", h->rows,
			 h->meta_damaged ? "a damaged sidecar" : "no sidecar");
	fleet__notice(f->ev, "joulebench: fleet: %s %s%s%s: %s%s",
		      ended && !strcmp(ended, "interrupted") ? "INTERRUPTED" : "FAILED", h->entry,
		      h->node[0] ? " on " : "", h->node, how, left);
}

static void
summary_report(struct fleet *f)
{
	struct summary s;
	struct jb_err err = { 0 };
	size_t i;

	memset(&s, 0, sizeof(s));
	if (summary_add_file(&s, f->out, &err) == 0)
		if (f->ev->summary)
			f->ev->summary(f->ev->arg, &s);
	summary_fini(&s);
	for (i = 0; i < f->n && !f->quiet; i++)
		fleet__notice(f->ev, "joulebench: fleet: %-30s %-8s exit %d, %lu row(s)",
			f->host[i].entry, f->host[i].arch[0] ? f->host[i].arch : "?",
			f->host[i].code, f->host[i].rows);
	for (i = 0; i < f->n; i++)
		if (f->host[i].code != 0)
			failed_report(f, &f->host[i]);
	if (!f->quiet)
		fleet__notice(f->ev, "joulebench: fleet: rows of %zu part(s) in %s", f->n, f->out);
}

int
fleet_gather(struct fleet *f, int argc, char **argv)
{
	struct jb_err err = { 0 };
	char path[PATH_MAX + 16], why[160];
	size_t i, n_ok = 0, n_unavail = 0;
	int code = 0, rc;

	for (i = 0; i < f->n; i++)
		task_read(&f->host[i]);
	labels_dedupe(f);
	rc = results_writer_open(f->out, f->force, &f->w, &err);
	if (rc) {
		fleet__notice(f->ev, "joulebench: fleet: %s", err.msg);
		return JB_EXIT_USAGE;
	}
	for (i = 0; i < f->n; i++) {
		struct fleet_host *h = &f->host[i];
		struct stat st;

		snprintf(path, sizeof(path), "%s/run.meta.json", h->dir);
		if (!h->meta && stat(path, &st) == 0 &&
		    !(h->meta = meta_load(path, why, sizeof(why)))) {
			/* Its rows are still valid rows: only the fleet's sidecar loses its run. */
			h->meta_damaged = 1;
			fleet__notice(f->ev, "joulebench: fleet: warning: host %s: %s is damaged "
					"(%s); its rows are kept, the fleet's sidecar has no run "
					"for it", h->name, path, why);
		}
		snprintf(path, sizeof(path), "%s/run.csv", h->dir);
		if (stat(path, &st) == 0 && gather_file(f, h, path) && !h->code)
			h->code = JB_EXIT_FAILED;
		n_ok += h->code == 0;
		n_unavail += h->code == JB_EXIT_UNAVAILABLE;
		if (h->code == JB_EXIT_USAGE)
			code = JB_EXIT_USAGE;
	}
	if (results_writer_close(f->w, &err)) {
		fleet__notice(f->ev, "joulebench: fleet: %s", err.msg);
		code = JB_EXIT_FAILED;
	}
	f->w = NULL;
	if (meta_write(f, argc, argv))
		code = JB_EXIT_FAILED;
	summary_report(f);
	fleet__sacct_report(f);
	if (!code && n_ok < f->n)
		code = n_unavail == f->n ? JB_EXIT_UNAVAILABLE : JB_EXIT_FAILED;
	return code;
}
