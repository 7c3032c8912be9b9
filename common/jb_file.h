/* SPDX-License-Identifier: MIT */
/*
 * Replacing a file whole and safely: the new content goes to a file made by mkostemp(3)
 * in the target's own folder (O_EXCL, a random name: a symlink or file planted at a
 * guessable "<out>.tmp-<pid>" is never opened or followed, which matters for commands run
 * as root such as `calibrate`), is flushed to disk, then renamed over the target, so a
 * reader sees the old file or the new one, never half of one. One copy, for every writer.
 * Also the two folder chores the drivers' caches share: mkdir -p, and where a cache lives.
 */
#ifndef JB_FILE_H
#define JB_FILE_H

#include <stdio.h>
#include <sys/types.h>

/* Writes the content to @f; 0 or -errno. */
typedef int (*jb_file_write_fn)(FILE *f, void *arg);

/**
 * jb_file_replace() - write @path atomically with @put (its @arg), mode @mode (the
 * umask does not apply). On any failure the temporary file is removed and @path is left
 * as it was. Return: 0, the writer's error, or -errno.
 */
int jb_file_replace(const char *path, mode_t mode, jb_file_write_fn put, void *arg);

/**
 * jb_file_mkdir_p() - make @path and every missing folder above it (0755 each, less the
 * umask); folders that exist are fine. Return: 0, -ENAMETOOLONG, or mkdir(2)'s -errno.
 */
int jb_file_mkdir_p(const char *path);

/**
 * jb_file_cache_dir() - where joulebench's cache @sub lives (a guest kernel, microVM root
 * file systems, unpacked OCI images): $@env when set and not empty, else
 * $XDG_CACHE_HOME/joulebench/@sub, else $HOME/.cache/joulebench/@sub (/root without HOME,
 * as for a root service). Written to @out (@len bytes, truncated if longer).
 */
void jb_file_cache_dir(const char *env, const char *sub, char *out, size_t len);

#endif
