/* SPDX-License-Identifier: MIT */
/*
 * An OCI image layout as a function's files (function_file.h, docs/functions.md): the
 * layout is read here, with json-c, as the image-spec describes it (image-layout.md:
 * `oci-layout`, `index.json`, content-addressed `blobs/<alg>/<hex>`; manifest.md;
 * config.md), to find the tag's manifest, check each blob against its digest, and take the
 * image config's Entrypoint, Cmd, Env and WorkingDir as the function's defaults. The
 * manifest's digest names the image in the sidecar and keys the container driver's cache
 * of unpacked images (drivers/oci_image.c, which runs umoci). Reading needs no umoci, so
 * a bad layout or tag is one line naming the field before any driver starts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "function_file.h"

/* Manifests and configs are small JSON documents; a bound keeps a damaged layout from
 * making us read gigabytes. */
#define BLOB_JSON_MAX (4u << 20)
#define REF_NAME "org.opencontainers.image.ref.name"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"

static int
bad_image(struct jb_err *err, const struct function_def *fn, const char *why)
{
	return jb_err_set(err, -EINVAL, "%s: field 'image': %s:%s: %s", fn->file,
			  fn->image_layout, fn->image_tag, why);
}

/* The string @key of @obj, or NULL when it is missing or not a string. */
static const char *
str_of(struct json_object *obj, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

/* The whole file @path (at most BLOB_JSON_MAX bytes) in *@out, NUL-terminated. */
static int
file_slurp(const char *path, char **out, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > BLOB_JSON_MAX) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	*out = malloc((size_t)st.st_size + 1);
	if (!*out) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, *out, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*out);
		return -EIO;
	}
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* The JSON blob of @digest ("sha256:<64 hex>"), its bytes checked against the digest. */
static int
blob_json(const struct function_def *fn, const char *digest, const char *what,
	  struct json_object **out, struct jb_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0, i;
	char path[FUNCTION_PATH_MAX + 100], hex[65], why[160], *data = NULL;
	size_t len = 0;
	int rc;

	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71 ||
	    strspn(digest + 7, "0123456789abcdef") != 64) {
		snprintf(why, sizeof(why), "the %s's digest '%.80s' is not sha256:<64 hex>", what,
			 digest);
		return bad_image(err, fn, why);
	}
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", fn->image_layout, digest + 7);
	if ((rc = file_slurp(path, &data, &len))) {
		snprintf(why, sizeof(why), "the %s blob %.80s: %s", what, digest, jb_strerror(rc));
		return bad_image(err, fn, why);
	}
	EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
	for (i = 0; i < 32 && i < md_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (md_len != 32 || strcmp(hex, digest + 7) != 0) {
		free(data);
		snprintf(why, sizeof(why), "the %s blob does not match its digest %.80s (damaged)",
			 what, digest);
		return bad_image(err, fn, why);
	}
	*out = json_tokener_parse(data);
	free(data);
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		snprintf(why, sizeof(why), "the %s blob is not a JSON object", what);
		return bad_image(err, fn, why);
	}
	return 0;
}

/* The manifest descriptor of the tag in index.json: its digest into @digest. */
static int
tag_find(struct function_def *fn, char *digest, size_t len, struct jb_err *err)
{
	char path[FUNCTION_PATH_MAX + 32], why[400], tags[200] = "";
	struct json_object *index, *list;
	size_t i, n, used = 0;
	int rc = -ENOENT;

	snprintf(path, sizeof(path), "%s/oci-layout", fn->image_layout);
	if (access(path, R_OK) != 0)
		return bad_image(err, fn, "not an OCI image layout (no readable oci-layout file)");
	snprintf(path, sizeof(path), "%s/index.json", fn->image_layout);
	index = json_object_from_file(path);
	if (!json_object_object_get_ex(index, "manifests", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(index);
		return bad_image(err, fn, "index.json is missing or holds no manifests array");
	}
	n = json_object_array_length(list);
	for (i = 0; i < n && rc == -ENOENT; i++) {
		struct json_object *d = json_object_array_get_idx(list, i), *ann;
		const char *mt, *name, *dg;

		if (!json_object_object_get_ex(d, "annotations", &ann) ||
		    !(name = str_of(ann, REF_NAME)))
			continue;
		if (strcmp(name, fn->image_tag) != 0) {
			int w = snprintf(tags + used, sizeof(tags) - used, "%s%s", used ? ", " : "",
					 name);

			if (w > 0 && (size_t)w < sizeof(tags) - used)
				used += (size_t)w;
			continue;
		}
		mt = str_of(d, "mediaType") ? str_of(d, "mediaType") : "";
		dg = str_of(d, "digest");
		if (!strcmp(mt, MT_INDEX)) {
			rc = bad_image(err, fn, "the tag names an image index (several platforms); "
						"umoci unpacks one manifest: tag that one");
		} else if (mt[0] && strcmp(mt, MT_MANIFEST) != 0) {
			rc = bad_image(err, fn, "the tag names no OCI image manifest");
		} else if (!dg || strlen(dg) >= len) {
			rc = bad_image(err, fn, "the tag's descriptor has no digest");
		} else {
			snprintf(digest, len, "%s", dg);
			rc = 0;
		}
	}
	json_object_put(index);
	if (rc == -ENOENT) {
		snprintf(why, sizeof(why), "no tag '%.100s' in index.json (tags: %s)", fn->image_tag,
			 tags[0] ? tags : "none");
		rc = bad_image(err, fn, why);
	}
	return rc;
}

/* Go's GOARCH for this machine, the names image configs use (config.md). */
static const char *
host_goarch(void)
{
	static const char *const map[][2] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" },
		{ "armv6l", "arm" }, { "i686", "386" }, { "i386", "386" },
		{ "riscv64", "riscv64" }, { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
	};
	struct utsname u;
	size_t i;

	if (uname(&u) != 0)
		return NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(u.machine, map[i][0]))
			return map[i][1];
	return NULL;
}

/* The config's Entrypoint and Cmd, then the file's env over the config's Env, then its
 * WorkingDir, written into the function file's JSON where the file gives none. */
static int
defaults_apply(struct function_def *fn, struct json_object *cfg, struct jb_err *err)
{
	struct json_object *root = fn->root, *c = NULL, *v, *env = json_object_new_object();
	char ref[FUNCTION_PATH_MAX + 160];
	size_t i;

	(void)json_object_object_get_ex(cfg, "config", &c);
	if (!json_object_object_get_ex(root, "command", &v)) {
		struct json_object *cmd = json_object_new_array();
		static const char *const parts[] = { "Entrypoint", "Cmd" };

		for (i = 0; i < 2; i++) {
			size_t k, n;

			if (!json_object_object_get_ex(c, parts[i], &v) ||
			    !json_object_is_type(v, json_type_array))
				continue;
			n = json_object_array_length(v);
			for (k = 0; k < n; k++)
				json_object_array_add(cmd, json_object_get(
								   json_object_array_get_idx(v, k)));
		}
		json_object_object_add(root, "command", cmd);
		if (!json_object_array_length(cmd)) {
			json_object_put(env);
			return jb_err_set(err, -EINVAL, "%s: field 'command': missing, and the "
					  "image's config has no Entrypoint or Cmd", fn->file);
		}
	}
	if (json_object_object_get_ex(c, "Env", &v) && json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++) {
			const char *kv = json_object_get_string(json_object_array_get_idx(v, i));
			const char *eq = kv ? strchr(kv, '=') : NULL;
			char name[256];

			if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)(eq - kv), kv);
			json_object_object_add(env, name, json_object_new_string(eq + 1));
		}
	}
	for (i = 0; fn->env[i]; i++) {
		const char *eq = strchr(fn->env[i], '=');
		char name[256];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - fn->env[i]), fn->env[i]);
		json_object_object_add(env, name, json_object_new_string(eq + 1));
	}
	json_object_object_add(root, "env", env);
	if (!json_object_object_get_ex(root, "dir", &v)) {
		const char *wd = str_of(c, "WorkingDir");
		char dir[FUNCTION_PATH_MAX];

		snprintf(dir, sizeof(dir), "%s%s", wd && wd[0] == '/' ? "" : "/",
			 wd && wd[0] ? wd : "");
		json_object_object_add(root, "dir", json_object_new_string(dir));
	}
	snprintf(ref, sizeof(ref), "%s:%s", fn->image_layout, fn->image_tag);
	json_object_object_add(root, "image", json_object_new_string(ref));
	return 0;
}

int
function_image_resolve(struct function_def *fn, struct jb_err *err)
{
	char digest[FUNCTION_DIGEST_MAX], file[FUNCTION_PATH_MAX], why[200];
	struct json_object *manifest = NULL, *cfg = NULL, *d, *root;
	const char *arch = host_goarch(), *a, *os, *cd;
	char real[PATH_MAX];
	int rc;

	if (!realpath(fn->image_layout, real))
		return bad_image(err, fn, strerror(errno));
	snprintf(fn->image_layout, sizeof(fn->image_layout), "%s", real);
	if ((rc = tag_find(fn, digest, sizeof(digest), err)) ||
	    (rc = blob_json(fn, digest, "manifest", &manifest, err)))
		return rc;
	if (!json_object_object_get_ex(manifest, "config", &d) || !(cd = str_of(d, "digest"))) {
		json_object_put(manifest);
		return bad_image(err, fn, "the manifest names no config blob");
	}
	rc = blob_json(fn, cd, "config", &cfg, err);
	json_object_put(manifest);
	if (rc)
		return rc;
	a = str_of(cfg, "architecture");
	os = str_of(cfg, "os");
	if ((os && strcmp(os, "linux") != 0) || (a && arch && strcmp(a, arch) != 0)) {
		snprintf(why, sizeof(why), "the image is for %.30s/%.30s; this machine runs "
			 "linux/%s", os ? os : "?", a ? a : "?", arch ? arch : "?");
		json_object_put(cfg);
		return bad_image(err, fn, why);
	}
	rc = defaults_apply(fn, cfg, err);
	json_object_put(cfg);
	if (rc)
		return rc;
	/* Read the completed JSON again with the one parser, so what joulebench-fn will read
	 * is what this side checked. */
	root = json_object_get(fn->root);
	snprintf(file, sizeof(file), "%s", fn->file);
	function_def_free(fn);
	if ((rc = function_def_parse(root, file, "/", fn, err)))
		return rc;
	snprintf(fn->image_digest, sizeof(fn->image_digest), "%s", digest);
	return 0;
}
