/* SPDX-License-Identifier: MIT */
/*
 * The image of a function's root file system (microvm_rootfs.h): its name in the cache,
 * and when it is not there, the staged tree and `mke2fs -d`.
 *
 * The image is ext4 without a journal (it is mounted read-only), written by e2fsprogs'
 * `mke2fs -d DIR`, which copies a directory tree into a new file system without root, a
 * loop device or a mount (mke2fs(8)). The tree is staged in the run's directory by
 * copying, since a hard link into the host's /usr would copy the file up on an overlay
 * root anyway. The guest mounts its own /tmp (a tmpfs, writable as on Lambda), so what
 * lives under the host's /tmp is staged under /.jbtmp and shown at its path by the guest's
 * init (microvm_init.c).
 *
 * The cache: an image is named by the SHA-256 of its set (each path with its type, mode,
 * size, modification time (not a directory's) and link target), so a changed file, interpreter or library
 * makes a new one and an unchanged function boots from the image it built before; the 4
 * used last are kept.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "driver-private.h"
#include "jb_capture.h"
#include "jb_file.h"
#include "microvm_rootfs.h"
#include "oci_bundle.h"

#define CACHE_KEEP 4
#define MKFS_TIMEOUT_NS (600ull * 1000000000ull)

static int
entry_sort(const void *a, const void *b)
{
	return strcmp((*(struct microvm_rootfs_entry *const *)a)->path, (*(struct microvm_rootfs_entry *const *)b)->path);
}

/* SHA-256 of the sorted set, hex, cut to 16 digits (2^64 names: no collision among a
 * user's images). The format's version is part of it. */
static int
set_digest(const struct microvm_rootfs *r, char hex[17], struct jb_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned len = 0, i;
	size_t k;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return jb_err_set(err, -ENOMEM, "microvm: SHA-256 unavailable");
	}
	EVP_DigestUpdate(md, "joulebench rootfs 1 ext4 nojournal jbtmp", 41);
	for (k = 0; k < r->n; k++) {
		const struct microvm_rootfs_entry *e = r->e[k];
		char meta[96];
		/* A directory's time changes with any entry made in it (/tmp's all the time):
		 * its entries in the set are what counts. */
		int n = snprintf(meta, sizeof(meta), "%o %llu %lld", (unsigned)e->mode,
				 (unsigned long long)e->size,
				 S_ISDIR(e->mode) ? 0ll : (long long)e->mtime_ns);

		EVP_DigestUpdate(md, e->path, strlen(e->path) + 1);
		EVP_DigestUpdate(md, meta, (size_t)n + 1);
		if (e->target)
			EVP_DigestUpdate(md, e->target, strlen(e->target) + 1);
	}
	EVP_DigestFinal_ex(md, sum, &len);
	EVP_MD_CTX_free(md);
	for (i = 0; i < 8 && i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	return 0;
}

/* Where @path goes in the staged tree: under /.jbtmp when it is under /tmp; NULL for what
 * the guest's init mounts over (left out). */
static const char *
stage_name(const char *path, char *buf, size_t len)
{
	static const char *const hidden[] = { "/dev", "/proc", "/sys", "/jb", "/joulebench-fn",
					      "/newroot" };
	size_t i, n;

	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		n = strlen(hidden[i]);
		if (!strncmp(path, hidden[i], n) && (path[n] == '\0' || path[n] == '/'))
			return NULL;
	}
	if (!strncmp(path, "/tmp", 4) && (path[4] == '\0' || path[4] == '/')) {
		snprintf(buf, len, "/.jbtmp%s", path + 4);
		return buf;
	}
	return path;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
file_copy(const char *from, const char *to, mode_t mode)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, 1u << 30, 0);
		if (n > 0)
			continue;
		if (n == 0)
			break;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
			rc = -errno;
			break;
		}
		/* A file system that cannot: plain copies, from where it stopped. */
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write_all(out, buf, (size_t)n)) {
				rc = -errno;
				break;
			}
		if (n < 0)
			rc = -errno;
		break;
	}
	if (close(out) != 0 && !rc)
		rc = -errno;
	close(in);
	return rc;
}

/* The set as a directory tree in @stage, with the guest init's mount points. */
static int
stage_write(const struct microvm_rootfs *r, const char *stage, struct jb_err *err)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "tmp", "jb" };
	char to[PATH_MAX * 2], name[PATH_MAX];
	size_t i;
	int rc, fd;

	if (mkdir(stage, 0755) != 0)
		return jb_err_set(err, -errno, "microvm: mkdir %s: %s", stage, strerror(errno));
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(to, sizeof(to), "%s/%s", stage, dirs[i]);
		if (mkdir(to, 0755) != 0 && errno != EEXIST)
			return jb_err_set(err, -errno, "microvm: mkdir %s: %s", to, strerror(errno));
	}
	snprintf(to, sizeof(to), "%s/joulebench-fn", stage);
	if ((fd = open(to, O_WRONLY | O_CREAT | O_CLOEXEC, 0755)) < 0)
		return jb_err_set(err, -errno, "microvm: %s: %s", to, strerror(errno));
	close(fd);
	for (i = 0; i < r->n; i++) {
		const struct microvm_rootfs_entry *e = r->e[i];
		const char *at = stage_name(e->path, name, sizeof(name));

		if (!at)
			continue;
		snprintf(to, sizeof(to), "%s%s", stage, at);
		if (S_ISDIR(e->mode))
			rc = mkdir(to, 0755) == 0 || errno == EEXIST ? 0 : -errno;
		else if (S_ISLNK(e->mode))
			rc = symlink(e->target, to) == 0 ? 0 : -errno;
		else
			rc = file_copy(e->path, to, e->mode);
		if (rc)
			return jb_err_set(err, rc, "microvm: staging %s: %s", e->path, strerror(-rc));
	}
	/* Directories' own modes last (one without write permission would have refused its
	 * files), writable by their owner still, so that the stage can be removed; the guest
	 * runs the function as root, which such a bit does not stop anyway. */
	for (i = r->n; i-- > 0;) {
		const struct microvm_rootfs_entry *e = r->e[i];
		const char *at = stage_name(e->path, name, sizeof(name));

		if (at && S_ISDIR(e->mode)) {
			snprintf(to, sizeof(to), "%s%s", stage, at);
			(void)chmod(to, (e->mode & 07777) | 0700);
		}
	}
	return 0;
}

/* mke2fs -d: the image @img of @stage, sized for @r with room to spare. */
static int
image_make(const struct microvm_rootfs *r, const char *stage, const char *img,
	   struct jb_err *err)
{
	char mke2fs[PATH_MAX], inodes[32], blocks[32], out[2048];
	uint64_t n_blocks = 0, n_inodes = r->n + 64;
	size_t i;
	int rc, tries;

	if (driver_exe_find("mke2fs", mke2fs, sizeof(mke2fs)) &&
	    driver_exe_find("/usr/sbin/mke2fs", mke2fs, sizeof(mke2fs)) &&
	    driver_exe_find("/sbin/mke2fs", mke2fs, sizeof(mke2fs)))
		return jb_err_set(err, -ENOENT, "microvm: mke2fs not found, which makes a "
						"function's root file system: apt-get install "
						"e2fsprogs");
	for (i = 0; i < r->n; i++) {
		const struct microvm_rootfs_entry *e = r->e[i];

		/* A file's blocks; a directory's (about 40 entries per 4 KiB block are
		 * counted below); a long link's one. */
		n_blocks += S_ISREG(e->mode) ? (e->size + 4095) / 4096 : 1;
	}
	/* Directory blocks, inode tables (256 bytes an inode), bitmaps and group descriptors
	 * (a few per cent), and slack: mke2fs fails rather than grows. */
	n_blocks += r->n / 40 + n_inodes / 16 + n_blocks / 10 + 4096;
	snprintf(inodes, sizeof(inodes), "%llu", (unsigned long long)n_inodes);
	for (tries = 0; tries < 2; tries++, n_blocks *= 2) {
		char *argv[] = { mke2fs, "-q", "-F", "-t", "ext4", "-O", "^has_journal", "-b", "4096",
				 "-m", "0", "-N", inodes, "-L", "jbfn", "-E", "root_owner=0:0",
				 "-d", (char *)stage, (char *)img, blocks, NULL };

		snprintf(blocks, sizeof(blocks), "%llu", (unsigned long long)n_blocks);
		(void)unlink(img);
		rc = jb_capture_run(argv, out, sizeof(out), MKFS_TIMEOUT_NS);
		if (rc == 0)
			return 0;
	}
	(void)unlink(img);
	out[strcspn(out, "\n")] = '\0';
	return jb_err_set(err, rc < 0 ? rc : -EIO, "microvm: mke2fs -d failed (%s): %.300s",
			  rc < 0 ? jb_strerror(rc) : "exit status", out);
}

struct cached {
	char name[64];
	int64_t mtime_ns;
};

static int
cached_newer(const void *a, const void *b)
{
	int64_t x = ((const struct cached *)a)->mtime_ns, y = ((const struct cached *)b)->mtime_ns;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Keep the CACHE_KEEP images used last (an image in use by another run stays readable:
 * its QEMU holds it open), and remove what killed harnesses left half-built. */
static void
cache_prune(const char *dir)
{
	struct cached c[64];
	struct dirent *d;
	size_t n = 0, i;
	DIR *dh = opendir(dir);

	if (!dh)
		return;
	while ((d = readdir(dh)) && n < sizeof(c) / sizeof(c[0])) {
		char p[PATH_MAX];
		struct stat st;
		size_t k = strlen(d->d_name);

		long pid;

		/* An image half-built by a harness that was killed: "fn-D.ext4.PID.tmp". */
		if (!strncmp(d->d_name, "fn-", 3) && k > 4 && !strcmp(d->d_name + k - 4, ".tmp") &&
		    strstr(d->d_name, ".ext4.") &&
		    sscanf(strstr(d->d_name, ".ext4.") + 6, "%ld", &pid) == 1 && pid > 0 &&
		    kill((pid_t)pid, 0) != 0 && errno == ESRCH &&
		    snprintf(p, sizeof(p), "%s/%s", dir, d->d_name) < (int)sizeof(p)) {
			(void)unlink(p);
			continue;
		}
		if (strncmp(d->d_name, "fn-", 3) || k < 8 || k >= sizeof(c[0].name) ||
		    strcmp(d->d_name + k - 5, ".ext4"))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, d->d_name) >= (int)sizeof(p) ||
		    stat(p, &st) != 0)
			continue;
		snprintf(c[n].name, sizeof(c[n].name), "%s", d->d_name);
		c[n++].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
	closedir(dh);
	qsort(c, n, sizeof(c[0]), cached_newer);
	for (i = CACHE_KEEP; i < n; i++) {
		char p[PATH_MAX];

		if (snprintf(p, sizeof(p), "%s/%s", dir, c[i].name) < (int)sizeof(p))
			(void)unlink(p);
	}
}

int
microvm_image_get(struct microvm_rootfs *rs, const struct microvm_rootfs_req *q,
		  struct microvm_rootfs_info *out, struct jb_err *err)
{
	char cache[PATH_MAX], stage[PATH_MAX], tmp[PATH_MAX + 32];
	int rc;

	qsort(rs->e, rs->n, sizeof(rs->e[0]), entry_sort);
	if ((rc = set_digest(rs, out->digest, err)))
		return rc;
	if (q->cache_dir)
		snprintf(cache, sizeof(cache), "%s", q->cache_dir);
	else
		jb_file_cache_dir("JOULEBENCH_ROOTFS_CACHE", "rootfs", cache, sizeof(cache));
	if ((rc = jb_file_mkdir_p(cache))) {
		rc = jb_err_set(err, rc, "microvm: cache %s: %s", cache, strerror(-rc));
		return rc;
	}
	snprintf(out->path, sizeof(out->path), "%.4000s/fn-%s.ext4", cache, out->digest);
	out->bytes = rs->bytes;
	out->files = rs->n;
	if (access(out->path, R_OK) == 0) {
		out->cached = 1;
		(void)utimensat(AT_FDCWD, out->path, NULL, 0); /* used last: kept longest */
		return 0;
	}
	snprintf(stage, sizeof(stage), "%.4000s/rootfs-%s", q->run_dir, out->digest);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", out->path, (long)getpid());
	(void)oci_bundle_remove(stage);
	rc = stage_write(rs, stage, err);
	if (!rc)
		rc = image_make(rs, stage, tmp, err);
	(void)oci_bundle_remove(stage);
	/* Built whole, then named: a run beside this one never sees half an image. */
	if (!rc && rename(tmp, out->path) != 0)
		rc = jb_err_set(err, -errno, "microvm: rename %s: %s", tmp, strerror(errno));
	if (rc)
		(void)unlink(tmp);
	else
		cache_prune(cache);
	return rc;
}
