/* SPDX-License-Identifier: MIT */
/*
 * results/: the CSV writer quotes what must be quoted (RFC 4180 via libcsv) and the reader
 * gets every field back; malformed files are refused with file, record and reason.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "results.h"

static char tmpdir[] = "/tmp/jb-results-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	(void)!system(cmd);
}

static struct results_row
sample_row(const char *message)
{
	struct results_row r;

	memset(&r, 0, sizeof(r));
	r.schema_version = RESULTS_SCHEMA_VERSION;
	r.run_id = "run-1";
	r.host = "h";
	r.arch = "x86_64";
	r.driver = "pinned";
	r.isolation = "dedicated-core";
	r.meter = "model";
	r.meter_kind = "modeled";
	r.domain = "package-0,dram-0";
	r.workload = "matmul";
	r.size = "test";
	r.seed = 42;
	r.core = -1;
	r.phase = "warm";
	r.work_unit = "flop";
	r.energy_j = 0.125;
	r.window_energy_j = NAN;
	r.dynamic_energy_j = -0.5;
	r.work_units = 1e6;
	r.idle_power_w = 35.5;
	r.energy_uncertainty_j = NAN;
	r.energy_method = "m";
	r.status = "failed";
	r.message = message;
	r.checksum = "0x00000000000000ff";
	return r;
}

struct collected {
	int rows;
	char message[4][256];
	char energy[4][64];
	char window[4][64];
	char domain[4][64];
};

static int
collect(void *arg, const char *const *f, unsigned long rec)
{
	struct collected *c = arg;

	(void)rec;
	snprintf(c->message[c->rows], 256, "%s", f[RESULTS_COL_INDEX_message]);
	snprintf(c->energy[c->rows], 64, "%s", f[RESULTS_COL_INDEX_energy_j]);
	snprintf(c->window[c->rows], 64, "%s", f[RESULTS_COL_INDEX_window_energy_j]);
	snprintf(c->domain[c->rows], 64, "%s", f[RESULTS_COL_INDEX_domain]);
	c->rows++;
	return 0;
}

Test(results_csv, quoting_round_trip, .init = setup, .fini = teardown)
{
	const char *messages[] = { "plain", "comma, and \"quotes\"", "two\nlines", " padded " };
	struct results_writer *w;
	struct collected got = { 0 };
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "%s/r.csv", tmpdir);
	cr_assert_eq(results_writer_open(path, 0, &w, NULL), 0);
	for (i = 0; i < 4; i++) {
		struct results_row r = sample_row(messages[i]);

		cr_assert_eq(results_writer_write(w, &r, NULL), 0);
	}
	cr_assert_eq(results_writer_close(w, NULL), 0);
	cr_assert_eq(results_read(path, collect, &got, NULL), 0);
	cr_assert_eq(got.rows, 4);
	for (i = 0; i < 4; i++)
		cr_assert_str_eq(got.message[i], messages[i]);
	cr_assert_str_eq(got.energy[0], "0.125");
	cr_assert_str_eq(got.window[0], "", "NAN is an empty field");
	cr_assert_str_eq(got.domain[0], "package-0,dram-0");
}

Test(results_csv, refuses_to_overwrite, .init = setup, .fini = teardown)
{
	struct results_writer *w;
	struct jb_err err;
	char path[256];

	snprintf(path, sizeof(path), "%s/r.csv", tmpdir);
	cr_assert_eq(results_writer_open(path, 0, &w, NULL), 0);
	cr_assert_eq(results_writer_close(w, NULL), 0);
	cr_assert_eq(results_writer_open(path, 0, &w, &err), -EEXIST);
	cr_assert(strstr(err.msg, "exists"));
	cr_assert_eq(results_writer_open(path, 1, &w, NULL), 0);
	cr_assert_eq(results_writer_close(w, NULL), 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
header_line(void)
{
	static char h[4096];
	unsigned i;

	h[0] = '\0';
	for (i = 0; i < RESULTS_N_COLUMNS; i++) {
		strcat(h, i ? "," : "");
		strcat(h, results_column_name(i));
	}
	return h;
}

Test(results_csv, malformed_files_name_file_and_record, .init = setup, .fini = teardown)
{
	struct collected got = { 0 };
	struct jb_err err;
	char path[256], text[8192];

	snprintf(path, sizeof(path), "%s/bad.csv", tmpdir);
	write_file(path, "");
	cr_assert_eq(results_read(path, collect, &got, &err), -EINVAL);
	cr_assert(strstr(err.msg, "empty"));

	write_file(path, "a,b,c\n1,2,3\n");
	cr_assert_eq(results_read(path, collect, &got, &err), -EINVAL);
	cr_assert(strstr(err.msg, "missing"), "%s", err.msg);

	snprintf(text, sizeof(text), "%s\n1,2\n", header_line());
	write_file(path, text);
	cr_assert_eq(results_read(path, collect, &got, &err), -EINVAL);
	cr_assert(strstr(err.msg, "record 2"), "%s", err.msg);

	snprintf(text, sizeof(text), "%s\n\"unterminated\n", header_line());
	write_file(path, text);
	cr_assert_eq(results_read(path, collect, &got, &err), -EINVAL);
	cr_assert(strstr(err.msg, "bad.csv"), "%s", err.msg);
}

Test(results_csv, other_schema_version_refused, .init = setup, .fini = teardown)
{
	struct collected got = { 0 };
	struct jb_err err;
	char path[256], text[8192], row[2048] = "3";
	unsigned i;

	for (i = 1; i < RESULTS_N_COLUMNS; i++)
		strcat(row, ",x");
	snprintf(path, sizeof(path), "%s/v3.csv", tmpdir);
	snprintf(text, sizeof(text), "%s\n%s\n", header_line(), row);
	write_file(path, text);
	cr_assert_eq(results_read(path, collect, &got, &err), -EPROTO);
	cr_assert(strstr(err.msg, "schema_version 3"), "%s", err.msg);
}

struct scopes {
	int rows;
	char scope[8][64];
};

static int
collect_scope(void *arg, const char *const *f, unsigned long rec)
{
	struct scopes *c = arg;

	(void)rec;
	snprintf(c->scope[c->rows++], 64, "%s", f[RESULTS_COL_INDEX_scope]);
	return 0;
}

/* A schema 1 file has no scope column: each row's is derived from its meter and domain. */
Test(results_csv, schema_1_scope_derived, .init = setup, .fini = teardown)
{
	static const char *const meter_domain[][3] = {
		{ "rapl-powercap", "package", "cpu-package" },
		{ "rapl-perf", "package-0,dram-0", "cpu-package+dram" },
		{ "rapl-powercap", "core", "cpu-package" },
		{ "rapl-perf", "psys", "psys" },
		{ "ina219", "board", "board-dc" },
		{ "hwmon", "ina219-1:power1", "board-dc" },
		{ "hwmon", "amd_energy-2:energy1", "cpu-package" },
		{ "model", "model", "modeled" },
	};
	struct scopes got = { 0 };
	struct jb_err err;
	char path[256], text[16384], *p = text;
	unsigned i, k;

	for (i = 0; i < RESULTS_N_COLUMNS; i++)
		if (i != RESULTS_COL_INDEX_scope)
			p += sprintf(p, "%s%s", i ? "," : "", results_column_name(i));
	*p++ = '\n';
	for (k = 0; k < 8; k++) {
		for (i = 0; i < RESULTS_N_COLUMNS; i++) {
			const char *v = i == RESULTS_COL_INDEX_schema_version ? "1"
				: i == RESULTS_COL_INDEX_meter ? meter_domain[k][0]
				: i == RESULTS_COL_INDEX_domain ? meter_domain[k][1] : "x";

			if (i != RESULTS_COL_INDEX_scope)
				p += sprintf(p, "%s\"%s\"", i ? "," : "", v);
		}
		*p++ = '\n';
	}
	*p = '\0';
	snprintf(path, sizeof(path), "%s/v1.csv", tmpdir);
	write_file(path, text);
	cr_assert_eq(results_read(path, collect_scope, &got, &err), 0, "%s", err.msg);
	cr_assert_eq(got.rows, 8);
	for (k = 0; k < 8; k++)
		cr_assert_str_eq(got.scope[k], meter_domain[k][2], "%s %s", meter_domain[k][0],
				 meter_domain[k][1]);
	/* A schema 2 row in a header without scope is a damaged file, not a schema 1 one. */
	p = strchr(text, '\n') + 2;
	*p = '2';
	write_file(path, text);
	cr_assert_eq(results_read(path, collect_scope, &got, &err), -EINVAL);
	cr_assert(strstr(err.msg, "'scope' is missing"), "%s", err.msg);
}

Test(results_csv, readme_documents_every_column)
{
	char path[512], *text;
	FILE *f;
	long n;
	unsigned i;

	snprintf(path, sizeof(path), "%s/results/README.md", JB_SOURCE_ROOT);
	f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (i = 0; i < RESULTS_N_COLUMNS; i++) {
		char needle[80];

		snprintf(needle, sizeof(needle), "| `%s` |", results_column_name(i));
		cr_expect(strstr(text, needle), "results/README.md does not document %s",
			  results_column_name(i));
	}
	free(text);
}

Test(results_meta, sidecar_path)
{
	char out[256];

	cr_assert_eq(results_meta_path("runs/a.csv", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "runs/a.meta.json");
	cr_assert_eq(results_meta_path("x", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "x.meta.json");
}

Test(results_method, cpu_share_splits_are_attributions)
{
	cr_assert(results_method_is_attributed("window-split-by-cgroup-cpu-share"));
	cr_assert(results_method_is_attributed("window-split-by-process-cpu-share"));
	cr_assert(results_method_is_attributed("window-split-by-runner-cpu-share"));
	cr_assert(!results_method_is_attributed("window-split-by-round-trip"));
	cr_assert(!results_method_is_attributed("cold-start+first-invocation"));
	cr_assert(!results_method_is_attributed("window-split-by--cpu-share"));
	cr_assert(!results_method_is_attributed(""));
	cr_assert(!results_method_is_attributed(NULL));
}

/* --resume appends under the file's header: a schema 1 file (no scope) is refused, since
 * the new rows would be one column wider; a file of this schema is reopened. */
Test(results_csv, append_refuses_another_header, .init = setup, .fini = teardown)
{
	struct results_writer *w;
	struct jb_err err;
	char path[256], text[8192], *p = text;
	unsigned i;

	for (i = 0; i < RESULTS_N_COLUMNS; i++)
		if (i != RESULTS_COL_INDEX_scope)
			p += sprintf(p, "%s%s", i ? "," : "", results_column_name(i));
	strcpy(p, "\n");
	snprintf(path, sizeof(path), "%s/v1.csv", tmpdir);
	write_file(path, text);
	cr_assert_eq(results_writer_open_append(path, &w, &err), -EPROTO);
	cr_assert(strstr(err.msg, "resume it with the joulebench that started it"), "%s", err.msg);
	snprintf(path, sizeof(path), "%s/v2.csv", tmpdir);
	cr_assert_eq(results_writer_open(path, 0, &w, NULL), 0);
	cr_assert_eq(results_writer_close(w, NULL), 0);
	cr_assert_eq(results_writer_open_append(path, &w, &err), 0, "%s", err.msg);
	cr_assert_eq(results_writer_close(w, NULL), 0);
}
