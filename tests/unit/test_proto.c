/* SPDX-License-Identifier: MIT */
/*
 * common/jb_proto.c: the joulebench-fn line protocol round-trips, and rejects what a
 * misbehaving runner or a corrupted pipe could send.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "jb_proto.h"

Test(proto, request_round_trip)
{
	struct jb_fn_request in = { .verb = JB_PROTO_INVOKE, .seed = 18446744073709551615ull };
	struct jb_fn_request out;
	char line[JB_PROTO_LINE_MAX];

	strcpy(in.workload, "matmul");
	strcpy(in.size, "small");
	cr_assert_gt(jb_proto_request_format(&in, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "invoke workload=matmul size=small seed=18446744073709551615\n");
	cr_assert_eq(jb_proto_request_parse(line, &out, NULL), 0);
	cr_assert_eq(out.verb, JB_PROTO_INVOKE);
	cr_assert_str_eq(out.workload, "matmul");
	cr_assert_eq(out.seed, in.seed);
}

Test(proto, result_round_trip_keeps_message_on_one_line)
{
	struct jb_fn_result in = { .checksum = 0xdeadbeefcafef00dull, .verified = 1,
				   .wall_ns = 123, .cpu_ns = 456, .work_units = 2e9 };
	struct jb_fn_result out;
	char line[JB_PROTO_LINE_MAX];

	strcpy(in.status, "failed");
	strcpy(in.msg, "bad\nthing, with = signs");
	cr_assert_gt(jb_proto_result_format(&in, 0, line, sizeof(line)), 0);
	cr_assert_eq(strchr(line, '\n'), line + strlen(line) - 1);
	cr_assert_eq(jb_proto_result_parse(line, &out, NULL), 0);
	cr_assert_str_eq(out.status, "failed");
	cr_assert_eq(out.checksum, in.checksum);
	cr_assert_eq(out.wall_ns, 123);
	cr_assert_eq(out.cpu_ns, 456);
	cr_assert_float_eq(out.work_units, 2e9, 1e-3);
	cr_assert_str_eq(out.msg, "bad thing, with = signs");
}

Test(proto, rejects_malformed_lines)
{
	struct jb_fn_request req;
	struct jb_fn_result res;
	struct jb_err err;

	cr_assert_eq(jb_proto_request_parse("explode workload=x size=y\n", &req, &err), -EINVAL);
	cr_assert(strstr(err.msg, "unknown request"));
	cr_assert_eq(jb_proto_request_parse("invoke workload=x\n", &req, &err), -EINVAL);
	cr_assert_eq(jb_proto_request_parse("invoke workload=x size=s seed=-1\n", &req, &err),
		     -EINVAL);
	cr_assert_eq(jb_proto_request_parse("invoke workload=x size=s seed=12x\n", &req, &err),
		     -EINVAL);
	cr_assert_eq(jb_proto_request_parse("invoke workload=x size=s color=red\n", &req, &err),
		     -EINVAL);
	cr_assert_eq(jb_proto_request_parse("quit workload=x\n", &req, &err), -EINVAL,
		     "quit takes no arguments (a fuzz_proto finding)");
	cr_assert_eq(jb_proto_request_parse("quit\n", &req, &err), 0);
	cr_assert_eq(jb_proto_request_parse("quit  \n", &req, &err), 0);
	cr_assert_eq(jb_proto_result_parse("ready pid=1\n", &res, &err), -EPROTO);
	cr_assert_eq(jb_proto_result_parse("result checksum=1\n", &res, &err), -EINVAL);
	cr_assert_eq(jb_proto_result_parse("result status=ok verified=2\n", &res, &err), -EINVAL);
	cr_assert_eq(jb_proto_result_parse("result status=ok wall_ns\n", &res, &err), -EINVAL);
}

Test(proto, ready_line)
{
	struct jb_fn_ready in = { .pid = 42, .cpu = 3 }, out;
	char line[256];

	strcpy(in.cpus_allowed, "3");
	cr_assert_gt(jb_proto_ready_format(&in, line, sizeof(line)), 0);
	cr_assert_eq(jb_proto_ready_parse(line, &out, NULL), 0);
	cr_assert_eq(out.pid, 42);
	cr_assert_eq(out.cpu, 3);
	cr_assert_str_eq(out.cpus_allowed, "3");
	cr_assert_eq(jb_proto_ready_parse("readyx pid=1\n", &out, NULL), -EPROTO);
}
