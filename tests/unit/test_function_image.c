/* SPDX-License-Identifier: MIT */
/*
 * workloads/function_image.c and the function file's `image` and `env` fields: a layout
 * written here blob by blob (each named by its own SHA-256, as the image-spec wants) is
 * read into the function's defaults (Entrypoint+Cmd, Env under the file's env, WorkingDir)
 * and its manifest digest; a missing tag, an image index, a damaged blob and another
 * machine's image are each refused with one line naming 'image'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "function_file.h"

static char layout[] = "/tmp/jb-img-test-XXXXXX";

/* Write @text as a blob of the layout; its digest ("sha256:<hex>") into @digest. */
static void
blob_put(const char *text, char digest[72])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	char hex[65], p[256];
	FILE *f;

	EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(digest, 72, "sha256:%s", hex);
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", layout, hex);
	cr_assert_not_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static const char *
goarch(void)
{
	struct utsname u;

	uname(&u);
	return !strcmp(u.machine, "x86_64") ? "amd64" : !strcmp(u.machine, "aarch64") ? "arm64"
										     : "arm";
}

/* A layout whose tag "fn" names a manifest of @config_json, tag "multi" an image index. */
static void
layout_make(const char *config_json, char manifest_digest[72])
{
	char cfg_digest[72], manifest[512], index[1024], p[256];
	FILE *f;

	cr_assert_not_null(mkdtemp(layout));
	snprintf(p, sizeof(p), "%s/blobs", layout);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256", layout);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/oci-layout", layout);
	cr_assert_not_null(f = fopen(p, "w"));
	fputs("{\"imageLayoutVersion\": \"1.0.0\"}", f);
	fclose(f);
	blob_put(config_json, cfg_digest);
	snprintf(manifest, sizeof(manifest), "{\"schemaVersion\": 2, \"config\": {\"mediaType\": "
		 "\"application/vnd.oci.image.config.v1+json\", \"digest\": \"%s\", \"size\": %zu},"
		 " \"layers\": []}", cfg_digest, strlen(config_json));
	blob_put(manifest, manifest_digest);
	snprintf(index, sizeof(index), "{\"schemaVersion\": 2, \"manifests\": [{\"mediaType\": "
		 "\"application/vnd.oci.image.manifest.v1+json\", \"digest\": \"%s\", \"size\": 1,"
		 " \"annotations\": {\"org.opencontainers.image.ref.name\": \"fn\"}}, "
		 "{\"mediaType\": \"application/vnd.oci.image.index.v1+json\", \"digest\": \"%s\","
		 " \"size\": 1, \"annotations\": {\"org.opencontainers.image.ref.name\": \"multi\"}}"
		 "]}", manifest_digest, manifest_digest);
	snprintf(p, sizeof(p), "%s/index.json", layout);
	cr_assert_not_null(f = fopen(p, "w"));
	fputs(index, f);
	fclose(f);
}

static void
layout_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", layout);
	cr_assert_eq(system(cmd), 0);
	snprintf(layout, sizeof(layout), "/tmp/jb-img-test-XXXXXX");
}

/* Parse @fields (a JSON object's inside, after the name) and resolve it against the
 * layout: resolve's return, the message in @err. */
static int
resolve(const char *fields, struct function_def *fn, struct jb_err *err)
{
	char text[1024];
	struct json_object *root;

	snprintf(text, sizeof(text), "{\"name\": \"img\", %s}", fields);
	cr_assert_not_null(root = json_tokener_parse(text), "%s", text);
	cr_assert_eq(function_def_parse(root, "f.json", layout, fn, err), 0, "%s", err->msg);
	return function_def_resolve(fn, "/nonexistent", err);
}

static char *
config_with(const char *arch)
{
	static char cfg[512];

	snprintf(cfg, sizeof(cfg), "{\"architecture\": \"%s\", \"os\": \"linux\", \"config\": "
		 "{\"Entrypoint\": [\"/fn/run\"], \"Cmd\": [\"--fast\"], \"Env\": [\"PATH=/bin\", "
		 "\"MODE=image\", \"KEEP=1\"], \"WorkingDir\": \"/fn\"}, \"rootfs\": {\"type\": "
		 "\"layers\", \"diff_ids\": []}}", arch);
	return cfg;
}

Test(function_image, config_gives_the_defaults)
{
	char digest[72];
	struct function_def fn;
	struct jb_err err = { 0 };

	layout_make(config_with(goarch()), digest);
	cr_assert_eq(resolve("\"image\": \".:fn\", \"env\": {\"MODE\": \"file\"}", &fn, &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(fn.image_digest, digest);
	cr_assert_str_eq(fn.image_layout, layout, "%s", fn.image_layout);
	cr_assert_str_eq(fn.argv[0], "/fn/run");
	cr_assert_str_eq(fn.argv[1], "--fast");
	cr_assert_null(fn.argv[2]);
	cr_assert_str_eq(fn.dir, "/fn");
	/* The image's Env, the file's env over it. */
	cr_assert_str_eq(fn.env[0], "PATH=/bin");
	cr_assert_str_eq(fn.env[1], "MODE=file");
	cr_assert_str_eq(fn.env[2], "KEEP=1");
	cr_assert_null(fn.env[3]);
	function_def_free(&fn);
	/* The file's command and dir win over the image's. */
	cr_assert_eq(resolve("\"image\": \".:fn\", \"command\": [\"sh\"], \"dir\": \"/w\"", &fn,
			     &err), 0, "%s", err.msg);
	cr_assert_str_eq(fn.argv[0], "sh");
	cr_assert_null(fn.argv[1]);
	cr_assert_str_eq(fn.dir, "/w");
	function_def_free(&fn);
	layout_remove();
}

Test(function_image, refusals_name_the_field)
{
	static const struct {
		const char *fields, *words;
	} cases[] = {
		{ "\"image\": \".:nosuch\"", "no tag 'nosuch' in index.json (tags: fn, multi)" },
		{ "\"image\": \".:multi\"", "image index" },
		{ "\"image\": \"nowhere:fn\"", "No such file or directory" },
		{ "\"image\": \"blobs:fn\"", "oci-layout" },
	};
	char digest[72], p[256];
	struct function_def fn;
	struct jb_err err = { 0 };
	size_t i;
	FILE *f;

	layout_make(config_with(goarch()), digest);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(resolve(cases[i].fields, &fn, &err), -EINVAL, "%s", cases[i].fields);
		cr_assert(strstr(err.msg, "field 'image'") && strstr(err.msg, cases[i].words),
			  "%s: %s", cases[i].fields, err.msg);
		function_def_free(&fn);
	}
	/* A damaged manifest: its bytes no longer hash to its name. */
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", layout, digest + 7);
	cr_assert_not_null(f = fopen(p, "a"));
	fputc(' ', f);
	fclose(f);
	cr_assert_eq(resolve("\"image\": \".:fn\"", &fn, &err), -EINVAL);
	cr_assert_not_null(strstr(err.msg, "does not match its digest"), "%s", err.msg);
	function_def_free(&fn);
	layout_remove();
	/* Another machine's image. */
	layout_make(config_with("s390x-not-this"), digest);
	cr_assert_eq(resolve("\"image\": \".:fn\"", &fn, &err), -EINVAL);
	cr_assert_not_null(strstr(err.msg, "this machine runs linux/"), "%s", err.msg);
	function_def_free(&fn);
	layout_remove();
}

Test(function_image, file_fields_checked)
{
	static const struct {
		const char *json, *field;
	} cases[] = {
		{ "{\"name\": \"a\", \"image\": \"layout\"}", "'image'" },
		{ "{\"name\": \"a\", \"image\": \"layout:\"}", "'image'" },
		{ "{\"name\": \"a\", \"image\": \"l:t\", \"dir\": \"rel\"}", "'dir'" },
		{ "{\"name\": \"a\", \"image\": \"l:t\", \"protocol\": \"sebs-python\", "
		  "\"handler\": \"h.py\"}", "'image'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"env\": {\"A=B\": \"c\"}}", "'env'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"env\": {\"A\": 1}}", "'env'" },
		{ "{\"name\": \"a\", \"command\": [\"x\"], \"env\": [\"A=1\"]}", "'env'" },
	};
	struct function_def fn;
	struct jb_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(function_def_parse(json_tokener_parse(cases[i].json), "f.json", "/b",
						&fn, &err), -EINVAL, "accepted %s", cases[i].json);
		cr_assert_not_null(strstr(err.msg, cases[i].field), "%s: %s", cases[i].json, err.msg);
	}
	/* A tag after the last '/' only: "a:b/layout:t" is the layout "a:b/layout". */
	cr_assert_eq(function_def_parse(json_tokener_parse("{\"name\": \"a\", \"image\": "
							   "\"a:b/layout:t\"}"), "f.json", "/b",
					&fn, &err), 0, "%s", err.msg);
	cr_assert_str_eq(fn.image_layout, "/b/a:b/layout");
	cr_assert_str_eq(fn.image_tag, "t");
	function_def_free(&fn);
}
