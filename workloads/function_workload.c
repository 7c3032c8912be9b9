/* SPDX-License-Identifier: MIT */
/*
 * A user's function as a workload of a run (function_workload.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fn_child.h"
#include "function_sebs.h"
#include "function_workload.h"

/*
 * The interpreter that really runs @prog, and its version, asked of the interpreter
 * itself: a pyenv or nvm shim on PATH is a script that picks one (and costs a second per
 * start, as measured here, which is no part of the function's cold start; inside a
 * sandbox it finds no $HOME), so commands name the executable the shim would run.
 */
static int
program_settle(const char *prog, int is_py, const char *dir, char *exe, size_t exe_len,
	       char *version, size_t version_len, struct jb_err *err)
{
	static const char *const py[] = { "-c", "import sys; print(sys.executable); "
						 "print('Python', sys.version.split()[0])" };
	static const char *const js[] = { "-e", "console.log(process.execPath); "
						 "console.log('Node.js', process.version)" };
	const char *argv[4] = { prog, is_py ? py[0] : js[0], is_py ? py[1] : js[1], NULL };
	char *out = NULL, *nl;
	int code = 0, rc;

	rc = fn_command_run(argv, dir, NULL, NULL, 0, 60000000000ull, &out, &code, err);
	if (rc)
		return rc;
	nl = strchr(out, '\n');
	if (code || !nl || out[0] != '/') {
		free(out);
		return jb_err_set(err, -EINVAL, "%s does not run as %s", prog,
				  is_py ? "Python" : "Node.js");
	}
	*nl = '\0';
	nl[1 + strcspn(nl + 1, "\n")] = '\0';
	snprintf(exe, exe_len, "%s", out);
	if (version)
		snprintf(version, version_len, "%.*s", (int)version_len - 1, nl + 1);
	free(out);
	return 0;
}

/* Element 0 of the array @key of @obj (and @argv[0]) set to @path. */
static void
argv0_set(struct json_object *obj, const char *key, const char **argv, const char *path)
{
	struct json_object *a = json_object_object_get(obj, key);

	json_object_array_put_idx(a, 0, json_object_new_string(path));
	argv[0] = json_object_get_string(json_object_array_get_idx(a, 0));
}

/* A helper command run by python (SeBS's input.py): settled like the interpreter. */
static int
helper_settle(struct function_workload *fw, struct json_object *obj, const char *key,
	      const char **argv, struct jb_err *err)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	char exe[4096];
	int rc;

	if (!base || strncmp(base + 1, "python", 6) != 0)
		return 0;
	rc = program_settle(argv[0], 1, fw->def.dir, exe, sizeof(exe), NULL, 0, err);
	if (!rc)
		argv0_set(obj, key, argv, exe);
	return rc;
}

static int
interpreter_settle(struct function_workload *fw, struct jb_err *err)
{
	struct json_object *root = fw->def.root, *check;
	char exe[4096];
	int rc;

	/* An image's programs are its own, found inside it when they start. */
	if (fw->def.image_tag[0])
		return 0;
	if (fw->def.protocol == FUNCTION_PROTO_SEBS_PYTHON ||
	    fw->def.protocol == FUNCTION_PROTO_SEBS_NODE) {
		rc = program_settle(fw->def.interpreter, fw->def.protocol == FUNCTION_PROTO_SEBS_PYTHON,
				    fw->def.dir, exe, sizeof(exe), fw->interpreter_version,
				    sizeof(fw->interpreter_version), err);
		if (rc)
			return jb_err_set(err, rc, "%s: field 'interpreter': %s", fw->def.file,
					  err->msg);
		argv0_set(root, "command", fw->def.argv, exe);
		json_object_object_add(root, "interpreter", json_object_new_string(exe));
		fw->def.interpreter = json_object_get_string(json_object_object_get(root,
										 "interpreter"));
	}
	if ((rc = helper_settle(fw, root, "event_command", fw->def.event_argv, err)))
		return rc;
	if (fw->def.check == FUNCTION_CHECK_COMMAND &&
	    json_object_object_get_ex(root, "check", &check))
		return helper_settle(fw, check, "command", fw->def.check_argv, err);
	return 0;
}

int
function_workload_load(const char *path, const char *adapter_dir, const char *spec_dir,
		       const struct function_options *opts, struct function_workload **out,
		       struct jb_err *err)
{
	struct function_workload *fw = calloc(1, sizeof(*fw));
	struct stat st;
	int rc, n;

	*out = NULL;
	if (!fw)
		return jb_err_set(err, -ENOMEM, "out of memory");
	if (stat(path, &st) != 0) {
		rc = jb_err_set(err, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	rc = S_ISDIR(st.st_mode) ? function_sebs_load(path, opts ? opts->language : NULL,
						      adapter_dir, &fw->def, err)
				 : function_file_load(path, &fw->def, err);
	if (rc)
		goto fail;
	if (opts && opts->interpreter) {
		if (fw->def.protocol != FUNCTION_PROTO_SEBS_PYTHON &&
		    fw->def.protocol != FUNCTION_PROTO_SEBS_NODE) {
			rc = jb_err_set(err, -EINVAL, "%s: --interpreter is for the sebs-python and "
						      "sebs-node protocols", path);
			goto fail;
		}
		json_object_object_add(fw->def.root, "interpreter",
				       json_object_new_string(opts->interpreter));
		fw->def.interpreter = json_object_get_string(
			json_object_object_get(fw->def.root, "interpreter"));
	}
	if ((rc = function_def_resolve(&fw->def, adapter_dir, err)) ||
	    (rc = interpreter_settle(fw, err)) ||
	    (rc = function_dir_sha256(&fw->def, fw->sha256, err)))
		goto fail;
	n = snprintf(fw->spec_path, sizeof(fw->spec_path), "%s/%s.json", spec_dir, fw->def.name);
	if (n < 0 || (size_t)n >= sizeof(fw->spec_path) || strchr(fw->spec_path, ' ')) {
		rc = jb_err_set(err, -ENAMETOOLONG, "%s: too long, or holds a space", fw->spec_path);
		goto fail;
	}
	if ((rc = function_def_write(&fw->def, fw->spec_path, err)))
		goto fail;
	snprintf(fw->summary, sizeof(fw->summary), "your function (%s, %s)",
		 function_protocol_name(fw->def.protocol), path);
	fw->desc.name = fw->def.name;
	fw->desc.summary = fw->summary;
	fw->desc.modeled_on = fw->def.file;
	fw->desc.work_unit = fw->def.work_unit;
	fw->desc.size_param_name = "event";
	fw->desc.function = fw;
	*out = fw;
	return 0;
fail:
	function_def_free(&fw->def);
	free(fw);
	return rc;
}

void
function_workload_free(struct function_workload *fw)
{
	if (!fw)
		return;
	if (fw->spec_path[0])
		unlink(fw->spec_path);
	function_def_free(&fw->def);
	free(fw);
}
