/* SPDX-License-Identifier: MIT */
/*
 * OCI images as the root of a container (issue 24, docs/functions.md): an image layout is
 * unpacked once with umoci into a cache keyed by its manifest digest, and its rootfs is
 * then the read-only root of every container of a function that names it. joulebench-fn,
 * which must run in that foreign root, is started by the host's own loader and libraries,
 * bound read-only under OCI_HOST_DIR, so the image's libc (or none) does not matter to it;
 * the function it starts runs on the image's files alone.
 */
#ifndef JB_OCI_IMAGE_H
#define JB_OCI_IMAGE_H

#include <limits.h>
#include <stddef.h>

#include "driver.h"
#include "jb_err.h"

/* Where the host's system directories appear inside an image's root. */
#define OCI_HOST_DIR "/.joulebench-host"

/* The host's loader and library path as the runner sees them inside an image. */
struct oci_host_runner {
	char loader[PATH_MAX];    /* "" when joulebench-fn is static */
	char lib_path[2048];      /* for the loader's --library-path */
};

/**
 * oci_image_cache_dir() - where unpacked images are kept: $JOULEBENCH_IMAGE_CACHE, else
 * $XDG_CACHE_HOME/joulebench/images, else ~/.cache/joulebench/images.
 */
void oci_image_cache_dir(char *out, size_t len);

/**
 * oci_image_unpack() - the rootfs of @img in the cache (@cache_dir, created if needed),
 * unpacked with `@umoci unpack` when it is not there yet, into @rootfs. The entry is
 * renamed into place only once complete and its umoci.json names @img's digest, so a
 * cache entry is always a whole image. @umoci NULL: none is installed, which only a cache
 * miss needs. Return: 0, -ENODEV (a miss and no umoci), or -errno with umoci's last line
 * in @err.
 */
int oci_image_unpack(const char *umoci, const char *cache_dir, const struct driver_image *img,
		     char *rootfs, size_t len, struct jb_err *err);

/**
 * oci_image_mountpoints() - make the mount points a bundle binds into @rootfs (an
 * unpacked image): the directories @dirs and the files @files (absolute paths inside it,
 * NULL-terminated; NULL is none), walking it without following a symlink, since an
 * image's links point into the image. Return: 0, or -errno naming the path in @err.
 */
int oci_image_mountpoints(const char *rootfs, const char *const *dirs,
			  const char *const *files, struct jb_err *err);

/**
 * oci_host_runner_find() - how @fn_path (joulebench-fn, on the host) starts inside an
 * image: its ELF interpreter and library directories as seen under OCI_HOST_DIR.
 * Return: 0 or -errno.
 */
int oci_host_runner_find(const char *fn_path, struct oci_host_runner *r, struct jb_err *err);

#endif
