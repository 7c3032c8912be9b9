/* SPDX-License-Identifier: MIT */
/*
 * A SeBS benchmark directory read as it is (issue 24, docs/functions.md): config.json
 * (timeout, memory, languages, modules), input.py (generate_input, validate_output) and
 * python/function.py or nodejs/function.js, turned into the same struct function_def a
 * function file gives. Layout as in spcl/serverless-benchmarks@a7a05320 (benchmarks/GROUP/
 * NNN.name/).
 */
#ifndef JB_FUNCTION_SEBS_H
#define JB_FUNCTION_SEBS_H

#include "function_file.h"

/**
 * function_sebs_load() - read the SeBS benchmark in @dir for @language ("python", the
 * default when NULL, or "nodejs"); the event comes from input.py through @adapter_dir's
 * sebs_input.py. Return: 0, -EINVAL naming what is wrong (a language it lacks, a module
 * such as storage that joulebench does not stand in for), -ENOENT for a missing file.
 */
int function_sebs_load(const char *dir, const char *language, const char *adapter_dir,
		       struct function_def *fn, struct jb_err *err);

#endif
