/* SPDX-License-Identifier: MIT */
/*
 * workloads/function_file.c and the `spec=` word of the line protocol: a function file is
 * read into the fields it names, a bad one is refused with the field named, resolution
 * makes the command absolute, and a request for a user's function round-trips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "function_file.h"
#include "jb_proto.h"

static int
parse(const char *text, struct function_def *fn, struct jb_err *err)
{
	struct json_object *root = json_tokener_parse(text);

	cr_assert_not_null(root, "test JSON does not parse: %s", text);
	return function_def_parse(root, "f.json", "/base", fn, err);
}

Test(function_file, fields_read)
{
	struct function_def fn;
	struct jb_err err = { 0 };

	cr_assert_eq(parse("{\"name\": \"f1\", \"command\": [\"./run\", \"-x\"], \"dir\": \"code\","
			   " \"events\": {\"small\": {\"n\": 3}}, \"check\": {\"path\": \"a.0\","
			   " \"value\": 7}, \"work_unit\": \"page\", \"work_units\": {\"small\": 4},"
			   " \"timeout_s\": 2.5, \"memory_mb\": 256}", &fn, &err), 0, "%s", err.msg);
	cr_assert_str_eq(fn.name, "f1");
	cr_assert_str_eq(fn.dir, "/base/code");
	cr_assert_eq(fn.protocol, FUNCTION_PROTO_LINES);
	cr_assert_str_eq(fn.argv[0], "./run");
	cr_assert_str_eq(fn.argv[1], "-x");
	cr_assert_null(fn.argv[2]);
	cr_assert_null(fn.event[WORKLOAD_SIZE_TEST]);
	cr_assert_not_null(fn.event[WORKLOAD_SIZE_SMALL]);
	cr_assert_eq(fn.check, FUNCTION_CHECK_PATH);
	cr_assert_str_eq(fn.check_path, "a.0");
	cr_assert_eq(json_object_get_int(fn.check_value), 7);
	cr_assert_str_eq(fn.work_unit, "page");
	cr_assert_float_eq(fn.work_units[WORKLOAD_SIZE_SMALL], 4.0, 1e-12);
	cr_assert_float_eq(fn.work_units[WORKLOAD_SIZE_TEST], 1.0, 1e-12);
	cr_assert_float_eq(fn.timeout_s, 2.5, 1e-12);
	cr_assert_eq(fn.memory_mb, 256);
	function_def_free(&fn);
}

Test(function_file, bad_fields_named)
{
	static const struct {
		const char *json, *field;
	} cases[] = {
		{ "{\"command\": [\"x\"]}", "'name'" },
		{ "{\"name\": \"a b\", \"command\": [\"x\"]}", "'name'" },
		{ "{\"name\": \"a\"}", "'command'" },
		{ "{\"name\": \"a\", \"command\": []}", "'command'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"protocol\": \"grpc\"}", "'protocol'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"extra\": 1}", "'extra'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"events\": {\"xl\": 1}}", "'events'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"check\": {}}", "'check'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"check\": {\"value\": 1}}", "'check.path'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"timeout_s\": -1}", "'timeout_s'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"memory_mb\": 1.5}", "'memory_mb'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"handler\": \"h.py\"}", "'handler'" },
		{ "{\"name\": \"a\", \"protocol\": \"sebs-python\"}", "'handler'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"events\": {\"test\": 1},"
		  " \"event_command\": [\"g\"]}", "'event_command'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct function_def fn;
		struct jb_err err = { 0 };

		cr_assert_eq(parse(cases[i].json, &fn, &err), -EINVAL, "accepted %s", cases[i].json);
		cr_assert_not_null(strstr(err.msg, cases[i].field), "%s: '%s' does not name %s",
				   cases[i].json, err.msg, cases[i].field);
		cr_assert_null(strchr(err.msg, '\n'));
	}
}

Test(function_file, resolve_makes_the_command_absolute)
{
	char dir[] = "/tmp/jb-ff-XXXXXX", prog[64], spec[64];
	struct function_def fn, back;
	struct jb_err err = { 0 };
	char text[256];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(prog, sizeof(prog), "%s/run.sh", dir);
	f = fopen(prog, "w");
	cr_assert_not_null(f);
	fputs("#!/bin/sh\ncat\n", f);
	fclose(f);
	cr_assert_eq(chmod(prog, 0755), 0);
	snprintf(text, sizeof(text), "{\"name\": \"r\", \"dir\": \"%s\", \"command\": [\"./run.sh\"],"
		 " \"check\": {\"command\": [\"true\"]}}", dir);
	cr_assert_eq(parse(text, &fn, &err), 0, "%s", err.msg);
	cr_assert_eq(function_def_resolve(&fn, "/nonexistent", &err), 0, "%s", err.msg);
	cr_assert_str_eq(fn.argv[0], prog);
	cr_assert_eq(fn.check_argv[0][0], '/', "validator not found on PATH: %s", fn.check_argv[0]);
	snprintf(spec, sizeof(spec), "%s/r.json", dir);
	cr_assert_eq(function_def_write(&fn, spec, &err), 0, "%s", err.msg);
	cr_assert_eq(function_file_load(spec, &back, &err), 0, "%s", err.msg);
	cr_assert_str_eq(back.argv[0], prog);
	cr_assert_str_eq(back.dir, dir);
	function_def_free(&back);
	function_def_free(&fn);
	unlink(spec);
	unlink(prog);
	rmdir(dir);
}

Test(function_file, missing_program_named)
{
	struct function_def fn;
	struct jb_err err = { 0 };

	cr_assert_eq(parse("{\"name\": \"m\", \"dir\": \"/\", \"command\": [\"jb-no-such-program\"]}",
			   &fn, &err), 0);
	cr_assert_eq(function_def_resolve(&fn, "/nonexistent", &err), -ENOENT);
	cr_assert_not_null(strstr(err.msg, "jb-no-such-program"), "%s", err.msg);
	function_def_free(&fn);
}

Test(function_file, request_carries_the_spec)
{
	struct jb_fn_request in = { .verb = JB_PROTO_PREPARE, .seed = 7 }, out;
	char line[JB_PROTO_LINE_MAX];

	strcpy(in.workload, "f1");
	strcpy(in.size, "test");
	strcpy(in.spec, "/tmp/jb-fn-abc/f1.json");
	cr_assert_gt(jb_proto_request_format(&in, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "prepare workload=f1 size=test seed=7 spec=/tmp/jb-fn-abc/f1.json\n");
	cr_assert_eq(jb_proto_request_parse(line, &out, NULL), 0);
	cr_assert_str_eq(out.spec, in.spec);
	/* A built-in kernel's request has no spec word. */
	in.spec[0] = '\0';
	cr_assert_gt(jb_proto_request_format(&in, line, sizeof(line)), 0);
	cr_assert_null(strstr(line, "spec="));
}
