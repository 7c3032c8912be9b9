/* SPDX-License-Identifier: MIT */
/*
 * The digest of what a user's function runs (function_file.h): SHA-256 (OpenSSL EVP) over
 * the function file and every file under its directory, walked in name order so that the
 * same tree gives the same digest on every machine. Each entry contributes its relative
 * path, a NUL, its kind and its bytes (a symbolic link its target), so moving bytes from
 * one file to another changes the digest. A function in an OCI image is the function file
 * and the image's manifest digest.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "function_file.h"

#define DIGEST_DEPTH_MAX 32

static int
hash_file(EVP_MD_CTX *md, const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	close(fd);
	return n < 0 ? -EIO : 0;
}

static int
hash_tree(EVP_MD_CTX *md, const char *abs, const char *rel, int depth)
{
	struct dirent **ents;
	int i, n, rc = 0;

	if (depth > DIGEST_DEPTH_MAX)
		return -ELOOP;
	n = scandir(abs, &ents, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		char a[4096], r[4096], target[4096];
		const char *name = ents[i]->d_name;
		struct stat st;
		ssize_t tl;

		if (rc || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (snprintf(a, sizeof(a), "%s/%s", abs, name) >= (int)sizeof(a) ||
		    snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", name) >= (int)sizeof(r)) {
			rc = -ENAMETOOLONG;
			continue;
		}
		if (lstat(a, &st) != 0) {
			rc = -errno;
			continue;
		}
		EVP_DigestUpdate(md, r, strlen(r) + 1);
		if (S_ISDIR(st.st_mode)) {
			EVP_DigestUpdate(md, "d", 1);
			rc = hash_tree(md, a, r, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			tl = readlink(a, target, sizeof(target));
			EVP_DigestUpdate(md, "l", 1);
			if (tl > 0)
				EVP_DigestUpdate(md, target, (size_t)tl);
		} else if (S_ISREG(st.st_mode)) {
			EVP_DigestUpdate(md, "f", 1);
			rc = hash_file(md, a);
		}
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

int
function_dir_sha256(const struct function_def *fn, char hex[65], struct jb_err *err)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct stat st;
	int rc;

	if (!md)
		return jb_err_set(err, -ENOMEM, "out of memory");
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	/* A SeBS directory holds the function's directory and its input.py: hash it all. An
	 * image is named by its manifest's digest, which covers its config and layers. */
	if (fn->image_digest[0]) {
		rc = hash_file(md, fn->file);
		EVP_DigestUpdate(md, "image", 6);
		EVP_DigestUpdate(md, fn->image_digest, strlen(fn->image_digest));
	} else if (stat(fn->file, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = hash_tree(md, fn->file, "", 0);
	} else {
		rc = hash_file(md, fn->file);
		if (!rc)
			rc = hash_tree(md, fn->dir, "", 0);
	}
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
	if (rc)
		return jb_err_set(err, rc, "digest of %s: %s", fn->dir, jb_strerror(rc));
	for (i = 0; i < len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", out[i]);
	return 0;
}
