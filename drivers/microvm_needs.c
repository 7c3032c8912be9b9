/* SPDX-License-Identifier: MIT */
/*
 * What a function's programs need in its microVM (microvm_rootfs.h), found without running
 * the function:
 *
 * - a program: itself and the libraries it loads (ELF DT_NEEDED, microvm_initramfs.c);
 *   a name without '/' is looked up in the guest's PATH, as the guest will;
 * - a script (`#!`): its interpreter, through `env` too;
 * - a shell script (a `#!` shell, or a name ending in .sh): every word of it that names a
 *   program in the guest's PATH (curl, sed, cat: a shell script's commands cannot be
 *   known otherwise; a word that only looks like one adds a small program);
 * - Python (a program named python*): microvm_python.c;
 * - Node.js needs no more than its executable and libraries: its standard library is
 *   built in, and a function's node_modules are in its directory.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "microvm_rootfs.h"

#define DEPTH_MAX 4

static int program_add(struct microvm_needs *nd, const char *prog, int depth, unsigned flags,
		       struct jb_err *err);

/* 1 the first time @key is asked about (a copy is kept), else 0. */
static int
first_time(struct microvm_needs *nd, const char *key)
{
	char *k = strdup(key), **hit;

	if (!k)
		return 0;
	hit = tsearch(k, &nd->seen, (int (*)(const void *, const void *))strcmp);
	if (!hit || *hit != k) {
		free(k);
		return 0;
	}
	return 1;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* @name in the guest's PATH, on the host. 0 or -ENOENT. */
static int
guest_path_find(const char *name, char *out, size_t len)
{
	const char *p = MICROVM_GUEST_PATH;
	struct stat st;

	while (*p) {
		size_t k = strcspn(p, ":");

		snprintf(out, len, "%.*s/%s", (int)k, p, name);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		p += k + (p[k] == ':');
	}
	return -ENOENT;
}

char *
microvm_file_read(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return NULL;
	if (!(buf = malloc(max + 1))) {
		close(fd);
		return NULL;
	}
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* ---- Programs and scripts ---- */

static int
is_shell(const char *base)
{
	static const char *const shells[] = { "sh", "bash", "dash", "ash", "ksh", "mksh", "zsh" };
	size_t i;

	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (!strcmp(base, shells[i]))
			return 1;
	return 0;
}

static int
is_python(const char *base)
{
	return !strncmp(base, "python", 6);
}

/* Every word of shell script @path that names a program in the guest's PATH (or is the
 * absolute path of one). */
static int
shell_scan(struct microvm_needs *nd, const char *path, int depth, struct jb_err *err)
{
	char *text = microvm_file_read(path, 1u << 20), *p, found[PATH_MAX], key[80];
	int rc = 0;

	for (p = text; p && *p && !rc;) {
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789_.+-/");

		if (!k) {
			p++;
			continue;
		}
		snprintf(key, sizeof(key), "w:%.*s", k < 70 ? (int)k : 70, p);
		if (k < 70 && ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
			       p[0] == '/') && first_time(nd, key)) {
			if (key[2] == '/' && access(key + 2, X_OK) == 0)
				rc = program_add(nd, key + 2, depth + 1, ROOTFS_OPTIONAL, err);
			else if (!strchr(key + 2, '/') && guest_path_find(key + 2, found,
									   sizeof(found)) == 0)
				rc = program_add(nd, found, depth + 1, ROOTFS_OPTIONAL, err);
		}
		p += k;
	}
	free(text);
	return rc;
}

/* A script's interpreter (`#!/bin/sh`, `#!/usr/bin/env python3`), and for a shell script
 * the programs it names. */
static int
script_add(struct microvm_needs *nd, const char *path, int depth, struct jb_err *err)
{
	char *head = microvm_file_read(path, 256), *line, *interp, *arg, *save = NULL;
	const char *eff;
	size_t k = strlen(path);
	int rc = 0;

	if (!head || strncmp(head, "#!", 2)) {
		free(head);
		return k > 3 && !strcmp(path + k - 3, ".sh") ? shell_scan(nd, path, depth, err) : 0;
	}
	line = strtok_r(head + 2, "\n", &save);
	interp = line ? strtok_r(line, " \t", &save) : NULL;
	arg = interp ? strtok_r(NULL, " \t", &save) : NULL;
	if (!interp) {
		free(head);
		return 0;
	}
	rc = program_add(nd, interp, depth + 1, 0, err);
	eff = base_name(interp);
	if (!rc && !strcmp(eff, "env")) {
		while (arg && arg[0] == '-') /* env -S python3 -u */
			arg = strtok_r(NULL, " \t", &save);
		if (arg) {
			rc = program_add(nd, arg, depth + 1, 0, err);
			eff = base_name(arg);
		}
	}
	if (!rc && is_shell(eff))
		rc = shell_scan(nd, path, depth, err);
	if (!rc && is_python(eff))
		microvm_python_scan(nd, path);
	free(head);
	return rc;
}

static int
program_add(struct microvm_needs *nd, const char *prog, int depth, unsigned flags, struct jb_err *err)
{
	char path[PATH_MAX];
	int rc;

	if (!prog || !*prog || depth > DEPTH_MAX)
		return 0;
	if (strchr(prog, '/'))
		snprintf(path, sizeof(path), "%s", prog);
	else if (guest_path_find(prog, path, sizeof(path)))
		return flags & ROOTFS_OPTIONAL ? 0 : jb_err_set(err, -ENOENT, "microvm: '%s' is not "
									      "in the guest's PATH (%s)",
								 prog, MICROVM_GUEST_PATH);
	if (!first_time(nd, path))
		return 0;
	if ((rc = microvm_rootfs_add(nd->r, path, flags & ROOTFS_OPTIONAL, err)))
		return rc;
	if (is_python(base_name(path)) && nd->n_pythons < MICROVM_PYTHONS_MAX)
		snprintf(nd->pythons[nd->n_pythons++], sizeof(nd->pythons[0]), "%s", path);
	return script_add(nd, path, depth, err);
}

/* The scripts among a function's files: their interpreters, a shell script's programs,
 * the Python files' imports. */
static int
dir_scan(struct microvm_needs *nd, const char *dir, int depth, struct jb_err *err)
{
	struct dirent *d;
	DIR *dh;
	int rc = 0;

	if (depth > 24 || !(dh = opendir(dir)))
		return 0;
	while (!rc && (d = readdir(dh))) {
		char p[PATH_MAX];
		size_t k = strlen(d->d_name);
		struct stat st;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    snprintf(p, sizeof(p), "%s/%s", dir, d->d_name) >= (int)sizeof(p) ||
		    lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && strcmp(d->d_name, "__pycache__") && d->d_name[0] != '.')
			rc = dir_scan(nd, p, depth + 1, err);
		else if (S_ISREG(st.st_mode) && k > 3 && !strcmp(d->d_name + k - 3, ".py"))
			microvm_python_scan(nd, p);
		else if (S_ISREG(st.st_mode) && first_time(nd, p))
			rc = script_add(nd, p, 1, err);
	}
	closedir(dh);
	return rc;
}

int
microvm_needs_add(struct microvm_rootfs *r, const struct microvm_rootfs_req *q,
		  struct jb_err *err)
{
	struct microvm_needs *nd = calloc(1, sizeof(*nd));
	size_t i;
	int rc = 0;

	if (!nd)
		return jb_err_set(err, -ENOMEM, "microvm: out of memory");
	nd->r = r;
	for (i = 0; q->dirs && q->dirs[i] && !rc; i++)
		rc = dir_scan(nd, q->dirs[i], 0, err);
	for (i = 0; q->programs && q->programs[i] && !rc; i++)
		rc = program_add(nd, q->programs[i], 0, 0, err);
	for (i = 0; i < nd->n_pythons && !rc; i++)
		rc = microvm_python_add(nd, nd->pythons[i], err);
	for (i = 0; i < nd->n_names; i++)
		free(nd->names[i]);
	tdestroy(nd->seen, free);
	free(nd);
	return rc;
}
