/* SPDX-License-Identifier: MIT */
/*
 * The root file system of a function's microVM (microvm_rootfs.h): the set of host paths
 * the guest needs, an image of them, and its cache.
 *
 * Paths keep their host names, so the resolved function file, the interpreter's own idea
 * of where its library is (Python's prefix from its executable's path) and the loader's
 * default directories all hold in the guest as on the host. Every symbolic link on the way
 * to a file is kept as a link (Debian's /lib is a link to usr/lib), with what it points
 * to. The image and its cache are microvm_image.c's.
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

#include "driver.h"
#include "jb_clock.h"
#include "microvm.h"
#include "microvm_rootfs.h"

#define ENTRIES_MAX 400000
#define BYTES_MAX (8ull << 30)
#define HOPS_MAX 40
#define LIBS_MAX 256

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct microvm_rootfs_entry *)a)->path, ((const struct microvm_rootfs_entry *)b)->path);
}

static struct microvm_rootfs_entry *
entry_find(const struct microvm_rootfs *r, const char *path)
{
	struct microvm_rootfs_entry key = { .path = (char *)path };
	void *hit = tfind(&key, &r->index, entry_cmp);

	return hit ? *(struct microvm_rootfs_entry **)hit : NULL;
}

/* Record @path (lstat'ed as @st). 1 when new, 0 when it was there, or -errno. */
static int
entry_add(struct microvm_rootfs *r, const char *path, const struct stat *st, const char *target,
	  struct jb_err *err)
{
	struct microvm_rootfs_entry *e;

	if (entry_find(r, path))
		return 0;
	if (r->n == ENTRIES_MAX || r->bytes + (uint64_t)st->st_size > BYTES_MAX)
		return jb_err_set(err, -E2BIG, "microvm: a function's root file system over %u "
					       "files or %llu GiB (at %s)", ENTRIES_MAX,
				  BYTES_MAX >> 30, path);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct microvm_rootfs_entry **m = realloc(r->e, cap * sizeof(*m));

		if (!m)
			return jb_err_set(err, -ENOMEM, "microvm: out of memory");
		r->e = m;
		r->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path)) || (target && !(e->target = strdup(target))) ||
	    !tsearch(e, &r->index, entry_cmp)) {
		if (e)
			free(e->path), free(e->target);
		free(e);
		return jb_err_set(err, -ENOMEM, "microvm: out of memory");
	}
	e->mode = st->st_mode;
	e->size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	r->bytes += e->size;
	r->e[r->n++] = e;
	return 1;
}

/* @in made absolute-lexical: no "//", ".", ".." (which is right here, since every link on
 * the way has been followed before a ".." after it is met). */
static void
path_normalize(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in;

	while (*p && o + 2 < len) {
		size_t k;

		while (*p == '/')
			p++;
		k = strcspn(p, "/");
		if (!k)
			break;
		if (k == 1 && p[0] == '.') {
			/* nothing */
		} else if (k == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (o + 1 + k < len) {
			out[o++] = '/';
			memcpy(out + o, p, k);
			o += k;
		}
		p += k;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
}

static int add_walk(struct microvm_rootfs *r, const char *path, unsigned flags, int hops,
		    struct jb_err *err);

/* A file's libraries, when it is an ELF file. */
static int
elf_add(struct microvm_rootfs *r, const char *path, unsigned flags, struct jb_err *err)
{
	static const unsigned char magic[4] = { 0x7f, 'E', 'L', 'F' };
	unsigned char head[4] = { 0 };
	char *libs[LIBS_MAX];
	size_t n = 0, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return flags & ROOTFS_OPTIONAL ? 0 : jb_err_set(err, -errno, "microvm: %s: %s", path,
								   strerror(errno));
	if (read(fd, head, sizeof(head)) != (ssize_t)sizeof(head) || memcmp(head, magic, 4)) {
		close(fd);
		return 0;
	}
	close(fd);
	rc = microvm_elf_needs(path, libs, &n, LIBS_MAX, err);
	if (rc && (flags & ROOTFS_OPTIONAL))
		rc = 0; /* a tree's file that cannot load here cannot in the guest either */
	else if (rc && err) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		rc = jb_err_set(err, rc, "microvm: a function's root file system: %.400s", why);
	}
	for (i = 0; i < n; i++) {
		if (!rc)
			rc = add_walk(r, libs[i], flags & ROOTFS_OPTIONAL, 0, err);
		free(libs[i]);
	}
	return rc;
}

/* Whether a tree's file is left out: byte code for `python -O` and `-OO`, which nothing
 * runs (about a third of a Python standard library's __pycache__). */
static int
name_skipped(const char *name)
{
	size_t n = strlen(name);

	return n > 10 && (!strcmp(name + n - 10, ".opt-1.pyc") || !strcmp(name + n - 10, ".opt-2.pyc"));
}

static int
tree_walk(struct microvm_rootfs *r, struct microvm_rootfs_entry *dir, unsigned flags, struct jb_err *err)
{
	char child[PATH_MAX];
	struct dirent *d;
	DIR *dh;
	int rc = 0;

	dir->walked = 1;
	if (!(dh = opendir(dir->path)))
		return flags & ROOTFS_OPTIONAL ? 0 : jb_err_set(err, -errno, "microvm: %s: %s",
								   dir->path, strerror(errno));
	while (!rc && (d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") || name_skipped(d->d_name))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", strcmp(dir->path, "/") ? dir->path : "",
			     d->d_name) >= (int)sizeof(child))
			continue;
		rc = add_walk(r, child, flags | ROOTFS_OPTIONAL, 0, err);
	}
	closedir(dh);
	return rc;
}

static int
add_walk(struct microvm_rootfs *r, const char *path_in, unsigned flags, int hops,
	 struct jb_err *err)
{
	char path[PATH_MAX], pre[PATH_MAX];
	struct stat st;
	size_t at = 1;
	int rc;

	if (hops > HOPS_MAX)
		return flags & ROOTFS_OPTIONAL ? 0 : jb_err_set(err, -ELOOP, "microvm: %s: too many "
									     "symbolic links", path_in);
	path_normalize(path_in, path, sizeof(path));
	if (!strcmp(path, "/"))
		return 0;
	for (;;) {
		size_t k = strcspn(path + at, "/");
		int last = path[at + k] == '\0';

		snprintf(pre, sizeof(pre), "%.*s", (int)(at + k), path);
		if (lstat(pre, &st) != 0)
			return flags & ROOTFS_OPTIONAL ? 0 : jb_err_set(err, -errno, "microvm: %s: %s",
									   pre, strerror(errno));
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX], next[PATH_MAX * 2];
			ssize_t n = readlink(pre, target, sizeof(target) - 1);

			if (n <= 0)
				return flags & ROOTFS_OPTIONAL ? 0 : jb_err_set(err, -EIO, "microvm: "
										       "readlink %s", pre);
			target[n] = '\0';
			if ((rc = entry_add(r, pre, &st, target, err)) < 0)
				return rc;
			/* Follow it: the link's directory, its target, what was left of @path. */
			if (target[0] == '/')
				snprintf(next, sizeof(next), "%s%s", target, path + at + k);
			else
				snprintf(next, sizeof(next), "%.*s%s%s", (int)at, path, target,
					 path + at + k);
			return add_walk(r, next, flags, hops + 1, err);
		}
		if (last)
			break;
		if (!S_ISDIR(st.st_mode))
			return flags & ROOTFS_OPTIONAL ? 0 : jb_err_set(err, -ENOTDIR, "microvm: %s: "
										       "not a directory", pre);
		if ((rc = entry_add(r, pre, &st, NULL, err)) < 0)
			return rc;
		at += k + 1;
	}
	if (S_ISDIR(st.st_mode)) {
		struct microvm_rootfs_entry *e;

		if ((rc = entry_add(r, path, &st, NULL, err)) < 0)
			return rc;
		e = entry_find(r, path);
		return (flags & ROOTFS_TREE) && !e->walked ? tree_walk(r, e, flags, err) : 0;
	}
	if (!S_ISREG(st.st_mode))
		return 0; /* sockets, fifos, devices: the guest has its own */
	rc = entry_add(r, path, &st, NULL, err);
	return rc == 1 ? elf_add(r, path, flags, err) : rc;
}

int
microvm_rootfs_add(struct microvm_rootfs *r, const char *path, unsigned flags,
		   struct jb_err *err)
{
	if (!path || path[0] != '/')
		return jb_err_set(err, -EINVAL, "microvm: '%s' is not an absolute path",
				  path ? path : "(null)");
	return add_walk(r, path, flags, 0, err);
}

/* The entries belong to r->e; the tree only points at them. */
static void
node_keep(void *p)
{
	(void)p;
}

static void
rootfs_free(struct microvm_rootfs *r)
{
	size_t i;

	tdestroy(r->index, node_keep);
	for (i = 0; i < r->n; i++) {
		free(r->e[i]->path);
		free(r->e[i]->target);
		free(r->e[i]);
	}
	free(r->e);
}

/* $JOULEBENCH_GUEST_PATHS: host paths (':'-separated) the user adds, each whole, for what
 * no scan finds (a module imported by a computed name, a program a handler spawns). */
static int
extra_paths_add(struct microvm_rootfs *r, struct jb_err *err)
{
	const char *env = getenv("JOULEBENCH_GUEST_PATHS");
	char path[PATH_MAX];
	int rc = 0;

	while (env && *env && !rc) {
		size_t k = strcspn(env, ":");

		if (k && k < sizeof(path)) {
			snprintf(path, sizeof(path), "%.*s", (int)k, env);
			if ((rc = microvm_rootfs_add(r, path, ROOTFS_TREE, NULL)))
				rc = jb_err_set(err, rc, "JOULEBENCH_GUEST_PATHS: %s: %s", path,
						jb_strerror(rc));
		}
		env += k + (env[k] == ':');
	}
	return rc;
}

int
microvm_rootfs_get(const struct microvm_rootfs_req *q, struct microvm_rootfs_info *out,
		   struct jb_err *err)
{
	struct microvm_rootfs r = { 0 };
	char *libs[LIBS_MAX];
	uint64_t t0 = jb_clock_mono_ns();
	size_t i, n = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; q->dirs && q->dirs[i] && !rc; i++)
		rc = microvm_rootfs_add(&r, q->dirs[i], ROOTFS_TREE, err);
	/* The runner itself comes from the initramfs (it changes with every build); the
	 * libraries it loads, from here. */
	if (!rc && q->fn_path && (rc = microvm_elf_needs(q->fn_path, libs, &n, LIBS_MAX, err)) == 0)
		for (i = 0; i < n; i++)
			if (!rc)
				rc = microvm_rootfs_add(&r, libs[i], 0, err);
	for (i = 0; i < n; i++)
		free(libs[i]);
	if (!rc)
		rc = microvm_needs_add(&r, q, err);
	/* system(3) and popen(3) run /bin/sh. */
	if (!rc)
		rc = microvm_rootfs_add(&r, "/bin/sh", ROOTFS_OPTIONAL, err);
	if (!rc)
		rc = extra_paths_add(&r, err);
	if (rc)
		goto out;
	rc = microvm_image_get(&r, q, out, err);
out:
	out->build_ns = jb_clock_mono_ns() - t0;
	rootfs_free(&r);
	return rc;
}

static int
extra_add(struct microvm_fn_guest *g, const char *name, const char *host, struct jb_err *err)
{
	struct microvm_initramfs_file *f = &g->extra[g->n_extra];

	if (g->n_extra == MICROVM_FN_EXTRA_MAX)
		return jb_err_set(err, -E2BIG, "microvm: more than %d files for the initramfs",
				  MICROVM_FN_EXTRA_MAX);
	if (snprintf(f->name, sizeof(f->name), "%s", name) >= (int)sizeof(f->name) ||
	    snprintf(f->host, sizeof(f->host), "%s", host) >= (int)sizeof(f->host))
		return jb_err_set(err, -ENAMETOOLONG, "microvm: %s: name too long", host);
	g->n_extra++;
	return 0;
}

int
microvm_fn_guest_prepare(const struct driver_config *cfg, const struct microvm_host *h,
			 const char *run_dir, const char *fn_path, struct microvm_fn_guest *g,
			 struct jb_err *err)
{
	struct microvm_rootfs_req q = { .dirs = cfg->guest_dirs, .programs = cfg->guest_programs,
					.fn_path = fn_path, .run_dir = run_dir };
	struct microvm_rootfs_info info;
	char order[PATH_MAX], path[PATH_MAX * 2], name[160], *list, *m, *save = NULL;
	struct dirent *d;
	DIR *dh;
	int rc = 0;

	memset(g, 0, sizeof(*g));
	/* Firecracker tells the guest where its virtio devices are on the kernel command line
	 * (virtio_mmio.device=), which Debian's cloud kernel does not read
	 * (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set); QEMU's microvm machine describes
	 * them in ACPI tables. */
	if (strcmp(h->vmm->name, "qemu"))
		return jb_err_set(err, -ENODEV, "microvm: --vmm %s does not run users' functions: "
						"their root file system is a virtio disk, which it "
						"announces on the kernel command line, where Debian's "
						"cloud kernel does not look (use --vmm qemu)",
				  h->vmm->name);
	if (microvm_guest_file(h, "modules/order", order, sizeof(order)))
		return jb_err_set(err, -ENODEV, "microvm: a function's root file system needs the "
						"guest kernel's virtio modules, and %s has none: run "
						"scripts/fetch-guest-kernel again", h->guest_dir);
	if ((rc = extra_add(g, "jb/modules/order", order, err)))
		return rc;
	if (!(list = microvm_file_read(order, 4096)))
		return jb_err_set(err, -EIO, "microvm: %s: %s", order, strerror(errno));
	for (m = strtok_r(list, "\n", &save); m && !rc; m = strtok_r(NULL, "\n", &save)) {
		snprintf(name, sizeof(name), "jb/modules/%.100s.ko", m);
		snprintf(path, sizeof(path), "%s/modules/%.100s.ko", h->guest_dir, m);
		rc = extra_add(g, name, path, err);
	}
	free(list);
	/* The resolved function files: requests name them as /jb/spec/NAME (microvm.c). */
	if (!rc && cfg->spec_dir && (dh = opendir(cfg->spec_dir))) {
		while (!rc && (d = readdir(dh))) {
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", cfg->spec_dir, d->d_name);
			if (d->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			snprintf(name, sizeof(name), "%s/%.100s", MICROVM_SPEC_GUEST_DIR + 1,
				 d->d_name);
			rc = extra_add(g, name, path, err);
		}
		closedir(dh);
	}
	if (rc || (rc = microvm_rootfs_get(&q, &info, err)))
		return rc;
	snprintf(g->image, sizeof(g->image), "%s", info.path);
	snprintf(g->about, sizeof(g->about), "fn-%s.ext4: %zu files, %.1f MB, %s %.2f s",
		 info.digest, info.files, (double)info.bytes / 1e6,
		 info.cached ? "found in the cache in" : "built in", (double)info.build_ns / 1e9);
	return 0;
}
