/* SPDX-License-Identifier: MIT */
/*
 * A user's own function (docs/functions.md, issue 24): the function file that says how it
 * starts, which protocol it speaks, the files it needs, its event per size, how its output
 * is checked and its work unit. Both sides read it with this one parser: `joulebench run
 * -f` loads the user's file, resolves it (absolute paths, the interpreter found on PATH,
 * the shipped adapter) and writes the resolved form, which joulebench-fn reads again
 * inside the sandbox. The parser is strict: an unknown or malformed field is an error that
 * names the field, because a misread function file measures something else.
 */
#ifndef JB_FUNCTION_FILE_H
#define JB_FUNCTION_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"
#include "workload.h"

struct json_object;

#define FUNCTION_NAME_MAX 48
#define FUNCTION_ARGV_MAX 32
#define FUNCTION_PATH_MAX 4096
#define FUNCTION_ENV_MAX 64
#define FUNCTION_DIGEST_MAX 72 /* "sha256:" and 64 hex digits */

enum function_protocol {
	FUNCTION_PROTO_LINES,       /* one JSON event line in, one JSON result line out */
	FUNCTION_PROTO_SEBS_PYTHON, /* a SeBS `handler(event)` in Python, through an adapter */
	FUNCTION_PROTO_SEBS_NODE,   /* a SeBS `exports.handler` in Node.js, through an adapter */
	FUNCTION_PROTO_LAMBDA,      /* a runtime interface client of the Lambda Runtime API */
};

enum function_check {
	FUNCTION_CHECK_NONE,     /* any well-formed result verifies */
	FUNCTION_CHECK_EXPECTED, /* the result equals a JSON value */
	FUNCTION_CHECK_PATH,     /* the value at a dotted path of the result equals a value */
	FUNCTION_CHECK_COMMAND,  /* a validator command exits 0 */
};

/* A loaded function file. Strings point into @root (json-c owns them). */
struct function_def {
	struct json_object *root;
	char name[FUNCTION_NAME_MAX];
	char file[FUNCTION_PATH_MAX];     /* the function file (or SeBS directory) as given */
	char dir[FUNCTION_PATH_MAX];      /* its files, absolute */
	enum function_protocol protocol;
	const char *argv[FUNCTION_ARGV_MAX + 1]; /* the command, NULL-terminated */
	const char *interpreter;          /* adapters: the interpreter ("" for lines) */
	const char *handler;              /* adapters: the handler file, absolute */
	struct json_object *event[WORKLOAD_SIZE_COUNT]; /* NULL: not given for that size */
	const char *event_argv[FUNCTION_ARGV_MAX + 1];  /* generator command, or empty */
	enum function_check check;
	struct json_object *check_value;  /* EXPECTED and PATH */
	const char *check_path;           /* PATH: "a.b.0" */
	const char *check_argv[FUNCTION_ARGV_MAX + 1];  /* COMMAND */
	const char *work_unit;            /* default "invocation" */
	double work_units[WORKLOAD_SIZE_COUNT]; /* per invocation; default 1 */
	double timeout_s;                 /* 0: none of its own (the driver's applies) */
	uint64_t memory_mb;               /* 0: not given */
	/* NAME=VALUE strings added to the function's environment (and its helpers'),
	 * NULL-terminated; they point into env_block. */
	const char *env[FUNCTION_ENV_MAX + 1];
	char *env_block;
	/* An OCI image layout as the function's files (function_image.c): its directory
	 * (absolute) and tag; "" when the function runs on the host's files. With an image,
	 * dir is the working directory inside the image. */
	char image_layout[FUNCTION_PATH_MAX];
	char image_tag[128];
	char image_digest[FUNCTION_DIGEST_MAX]; /* the manifest's, set by resolve; "" before */
};

/**
 * function_file_load() - read and check the function file at @path (a SeBS benchmark
 * directory is read by function_sebs_load() instead). Relative paths in it are relative
 * to the file's directory. Return: 0, or -EINVAL with "PATH: field 'X': why" in @err
 * (-ENOENT and friends when the file cannot be read). Release with function_def_free().
 */
int function_file_load(const char *path, struct function_def *fn, struct jb_err *err);

/**
 * function_def_parse() - check @root (ownership passes to @fn, also on failure) and fill
 * @fn; @base is the directory relative paths are taken from.
 */
int function_def_parse(struct json_object *root, const char *file, const char *base,
		       struct function_def *fn, struct jb_err *err);

/** function_def_free() - release what load or parse allocated; safe on a zeroed @fn. */
void function_def_free(struct function_def *fn);

/**
 * function_def_resolve() - make @fn ready to run anywhere it is visible: the command's
 * program and the interpreter found on PATH, the adapter for the protocol taken from
 * @adapter_dir. Return: 0 or -ENOENT with the program that is missing in @err.
 */
int function_def_resolve(struct function_def *fn, const char *adapter_dir, struct jb_err *err);

/**
 * function_def_write() - write the resolved function file to @path (joulebench-fn reads
 * it back with function_file_load()). Return: 0 or -errno.
 */
int function_def_write(const struct function_def *fn, const char *path, struct jb_err *err);

/**
 * function_dir_sha256() - the SHA-256 of what runs: every regular file under @fn's
 * directory (relative path and bytes, in name order) and the function file itself, as
 * 64 hex digits in @hex. Return: 0 or -errno.
 */
int function_dir_sha256(const struct function_def *fn, char hex[65], struct jb_err *err);

/**
 * function_image_resolve() - read @fn's OCI image layout (its oci-layout, index.json, the
 * tag's manifest and config blobs, each blob checked against its digest) and take the
 * image config's Entrypoint+Cmd, Env and WorkingDir where the function file gives no
 * command, env or dir. Sets fn->image_digest. Nothing is unpacked: the container driver
 * does that (drivers/oci_image.c). Return: 0 or -EINVAL with "FILE: field 'image': why"
 * in @err.
 */
int function_image_resolve(struct function_def *fn, struct jb_err *err);

/** function_protocol_name() - "lines", "sebs-python", "sebs-node". */
const char *function_protocol_name(enum function_protocol p);

#endif
