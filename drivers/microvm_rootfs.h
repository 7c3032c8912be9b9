/* SPDX-License-Identifier: MIT */
/*
 * The root file system of a microVM that runs a user's function (docs/functions.md): a
 * read-only ext4 image, made with e2fsprogs' `mke2fs -d` from the files the function needs
 * at their host paths, cached by a digest of those files (microvm_rootfs.c). What a
 * program needs (its libraries, a script's interpreter, the programs a shell script names,
 * Python's standard library and the packages the function imports) is found by
 * microvm_needs.c, which fills the same set.
 */
#ifndef JB_MICROVM_ROOTFS_H
#define JB_MICROVM_ROOTFS_H

#include <stddef.h>
#include <stdint.h>

#include "jb_err.h"

/* The guest's PATH, as in a container (oci_bundle.c): the programs a function names
 * without a '/' are looked up there, on the host, for the image. */
#define MICROVM_GUEST_PATH "/usr/bin:/bin"

struct microvm_rootfs_req {
	const char *const *dirs;     /* NULL-terminated: copied whole (the function's files) */
	const char *const *programs; /* NULL-terminated: each with what it needs to run */
	const char *fn_path;         /* the runner: the libraries it loads */
	const char *run_dir;         /* where the image is staged (the run's own directory) */
	const char *cache_dir;       /* NULL: $JOULEBENCH_ROOTFS_CACHE, else the user's cache */
};

struct microvm_rootfs_info {
	char path[4096];             /* the image */
	uint64_t bytes;              /* the files' bytes in it */
	size_t files;                /* its entries (files, directories, links) */
	int cached;                  /* 1: found in the cache, not built */
	uint64_t build_ns;           /* the time to find and (if not cached) build it */
	char digest[17];             /* the first 16 hex digits of its SHA-256 */
};

/**
 * microvm_rootfs_get() - the image holding @q's files: from the cache when an image of
 * the same files (path, type, mode, size, a file's modification time, link target) is
 * there, else
 * built and cached; the cache keeps the 4 images used last. Return: 0, or -ENOENT (a
 * program, or a library a program needs, is missing; mke2fs is not installed), -E2BIG
 * (too many files) or -errno, with the reason in @err.
 */
int microvm_rootfs_get(const struct microvm_rootfs_req *q, struct microvm_rootfs_info *out,
		       struct jb_err *err);

/* ---- Shared by microvm_rootfs.c, microvm_image.c, microvm_needs.c, microvm_python.c ---- */

#include <sys/types.h>

/* One host path of the set. */
struct microvm_rootfs_entry {
	char *path;
	char *target;     /* a link's target; NULL otherwise */
	mode_t mode;      /* st_mode: type and permissions */
	uint64_t size;    /* bytes of a regular file, else 0 */
	int64_t mtime_ns;
	int walked;       /* a directory whose contents are in the set */
};

/* The set of host paths the image will hold. */
struct microvm_rootfs {
	struct microvm_rootfs_entry **e;
	size_t n, cap;
	void *index;      /* tsearch(3) tree of the entries, by path */
	uint64_t bytes;   /* the regular files' bytes */
};

#define ROOTFS_TREE 1u     /* a directory with everything under it */
#define ROOTFS_OPTIONAL 2u /* a missing file or library is no error (a tree's files) */

/**
 * microvm_rootfs_add() - add the host path @path (absolute) to the set: every symbolic
 * link on the way as a link (with what it points to), the file with the libraries it
 * loads when it is an ELF file, a directory with its contents when @flags has
 * ROOTFS_TREE. Return: 0, or -ENOENT and friends (never with ROOTFS_OPTIONAL).
 */
int microvm_rootfs_add(struct microvm_rootfs *r, const char *path, unsigned flags,
		       struct jb_err *err);

/**
 * microvm_image_get() - sort @r, name it by its digest and fill @out with the cached
 * image of that name, building it when it is not there (microvm_image.c). 0 or -errno.
 */
int microvm_image_get(struct microvm_rootfs *r, const struct microvm_rootfs_req *q,
		      struct microvm_rootfs_info *out, struct jb_err *err);

/* What the programs need (microvm_needs.c, microvm_python.c). */
#define MICROVM_NAMES_MAX 4096
#define MICROVM_PYTHONS_MAX 8

struct microvm_needs {
	struct microvm_rootfs *r;
	void *seen;                         /* tsearch(3): programs and words looked at */
	char *names[MICROVM_NAMES_MAX];     /* top-level modules the Python code imports */
	size_t n_names;
	char pythons[MICROVM_PYTHONS_MAX][4096]; /* the Python interpreters met */
	size_t n_pythons;
};

/**
 * microvm_needs_add() - add what @q's programs and the scripts in @q's directories need to
 * run (microvm_needs.c). Return: 0, or -ENOENT with the program that is missing.
 */
int microvm_needs_add(struct microvm_rootfs *r, const struct microvm_rootfs_req *q,
		      struct jb_err *err);

/** microvm_file_read() - up to @max bytes of @path, NUL-terminated (malloc'd), or NULL. */
char *microvm_file_read(const char *path, size_t max);

/** microvm_python_scan() - note the modules Python source file @path imports. */
void microvm_python_scan(struct microvm_needs *nd, const char *path);

/**
 * microvm_python_add() - add interpreter @python's standard library and, from its site
 * directories, the packages the noted modules are in (microvm_python.c). 0 or -errno.
 */
int microvm_python_add(struct microvm_needs *nd, const char *python, struct jb_err *err);

#endif
