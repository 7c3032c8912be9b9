/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the joulebench-fn line protocol parsers (requests, results, ready
 * lines). What parses must survive a round trip through the formatter unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jb_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[JB_PROTO_LINE_MAX * 2];
	char again[JB_PROTO_LINE_MAX];
	struct jb_fn_request req, req2;
	struct jb_fn_result res, res2;
	struct jb_fn_ready ready;

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (jb_proto_request_parse(line, &req, NULL) == 0) {
		if (jb_proto_request_format(&req, again, sizeof(again)) < 0 ||
		    jb_proto_request_parse(again, &req2, NULL) != 0 || req.verb != req2.verb ||
		    req.seed != req2.seed || strcmp(req.workload, req2.workload) != 0)
			abort();
	}
	if (jb_proto_result_parse(line, &res, NULL) == 0 &&
	    jb_proto_result_format(&res, 0, again, sizeof(again)) > 0) {
		if (jb_proto_result_parse(again, &res2, NULL) != 0 || res.checksum != res2.checksum ||
		    res.wall_ns != res2.wall_ns)
			abort();
	}
	(void)jb_proto_ready_parse(line, &ready, NULL);
	return 0;
}
