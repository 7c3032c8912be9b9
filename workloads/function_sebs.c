/* SPDX-License-Identifier: MIT */
/*
 * A SeBS benchmark directory as a function (function_sebs.h). SeBS builds a function by
 * copying the language directory and running its init.sh, which copies templates/ from
 * beside init.sh into the copy; the language directory already holds templates/ beside
 * function.py, so running in place gives the function the files SeBS's build would.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "function_sebs.h"

static struct json_object *
argv_new(const char *const *argv)
{
	struct json_object *a = json_object_new_array();

	for (; *argv; argv++)
		json_object_array_add(a, json_object_new_string(*argv));
	return a;
}

/* 1 when @path's text holds @needle. */
static int
file_holds(const char *path, const char *needle)
{
	char line[1024];
	int found = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static int
config_read(const char *dir, const char *lang, struct json_object *root, struct jb_err *err)
{
	char p[PATH_MAX];
	struct json_object *cfg, *v;
	size_t i;
	int has_lang = 0;

	snprintf(p, sizeof(p), "%.4000s/config.json", dir);
	cfg = json_object_from_file(p);
	if (!cfg)
		return jb_err_set(err, access(p, R_OK) ? -ENOENT : -EINVAL, "%s: %s", p,
				  access(p, R_OK) ? "missing (not a SeBS benchmark directory?)"
						  : "not valid JSON");
	if (json_object_object_get_ex(cfg, "languages", &v) &&
	    json_object_is_type(v, json_type_array))
		for (i = 0; i < json_object_array_length(v); i++)
			has_lang |= !strcmp(json_object_get_string(json_object_array_get_idx(v, i)),
					    lang);
	if (!has_lang) {
		json_object_put(cfg);
		return jb_err_set(err, -EINVAL, "%s: field 'languages' does not list %s", p, lang);
	}
	/* SeBS's storage and nosql modules reach a cloud bucket or table: no local stand-in
	 * here, so such a benchmark is refused rather than run with a missing input. */
	if (json_object_object_get_ex(cfg, "modules", &v) &&
	    json_object_is_type(v, json_type_array) && json_object_array_length(v)) {
		int rc = jb_err_set(err, -EINVAL, "%s: needs SeBS's %s module (config.json "
						  "'modules'); joulebench has no local stand-in for it",
				    dir, json_object_get_string(json_object_array_get_idx(v, 0)));
		json_object_put(cfg);
		return rc;
	}
	if (json_object_object_get_ex(cfg, "timeout", &v))
		json_object_object_add(root, "timeout_s", json_object_get(v));
	if (json_object_object_get_ex(cfg, "memory", &v))
		json_object_object_add(root, "memory_mb", json_object_get(v));
	json_object_put(cfg);
	return 0;
}

int
function_sebs_load(const char *dir, const char *language, const char *adapter_dir,
		   struct function_def *fn, struct jb_err *err)
{
	const char *lang = language ? language : "python";
	int py = !strcmp(lang, "python");
	char abs[PATH_MAX], code[PATH_MAX], input[PATH_MAX], tool[PATH_MAX], name[64];
	const char *base, *gen[5], *val[7];
	struct json_object *root, *check;
	int rc;

	memset(fn, 0, sizeof(*fn));
	if (!py && strcmp(lang, "nodejs"))
		return jb_err_set(err, -EINVAL, "--language: python or nodejs, not '%s'", lang);
	if (!realpath(dir, abs))
		return jb_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	snprintf(code, sizeof(code), "%.4000s/%s", abs, py ? "python" : "nodejs");
	snprintf(input, sizeof(input), "%.4000s/input.py", abs);
	snprintf(tool, sizeof(tool), "%.4000s/sebs_input.py", adapter_dir);
	if (access(input, R_OK) != 0)
		return jb_err_set(err, -ENOENT, "%s: missing (not a SeBS benchmark directory?)",
				  input);
	base = strrchr(abs, '/') ? strrchr(abs, '/') + 1 : abs;
	snprintf(name, sizeof(name), "%.40s%s", base, py ? "" : "-nodejs");
	root = json_object_new_object();
	rc = config_read(abs, lang, root, err);
	if (rc) {
		json_object_put(root);
		return rc;
	}
	json_object_object_add(root, "name", json_object_new_string(name));
	json_object_object_add(root, "protocol",
			       json_object_new_string(py ? "sebs-python" : "sebs-node"));
	json_object_object_add(root, "dir", json_object_new_string(code));
	json_object_object_add(root, "handler", json_object_new_string(py ? "function.py"
									   : "function.js"));
	/* input.py is Python whatever the function's language; SeBS runs it with python3. */
	gen[0] = "python3", gen[1] = tool, gen[2] = "generate", gen[3] = abs, gen[4] = NULL;
	json_object_object_add(root, "event_command", argv_new(gen));
	if (file_holds(input, "def validate_output")) {
		val[0] = "python3", val[1] = tool, val[2] = "validate", val[3] = abs;
		val[4] = lang, val[5] = NULL;
		check = json_object_new_object();
		json_object_object_add(check, "command", argv_new(val));
		json_object_object_add(root, "check", check);
	}
	json_object_object_add(root, "work_unit", json_object_new_string("invocation"));
	return function_def_parse(root, abs, abs, fn, err);
}
