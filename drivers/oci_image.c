/* SPDX-License-Identifier: MIT */
/*
 * OCI images for the container driver (oci_image.h). umoci (a Debian package; `umoci
 * unpack --image DIR:TAG BUNDLE`, umoci-unpack(1)) does the unpacking: layers applied in
 * order, whiteouts, ownership and modes as the image says. It runs as a child process with
 * an argv, never through a shell. The cache entry is <cache>/sha256-<hex>, renamed into
 * place from a private directory once umoci is done, so a crash, or two runs unpacking the
 * same image at once, never leave half an image where a later run would take it whole.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver-private.h"
#include "jb_file.h"
#include "oci_bundle.h"
#include "oci_image.h"

extern char **environ;

void
oci_image_cache_dir(char *out, size_t len)
{
	jb_file_cache_dir("JOULEBENCH_IMAGE_CACHE", "images", out, len);
}

/* `umoci unpack --image LAYOUT:TAG BUNDLE`, its output into @log. Its exit status, or
 * -errno when it could not start. */
static int
umoci_run(const char *umoci, const struct driver_image *img, const char *bundle,
	  const char *log)
{
	char ref[PATH_MAX + 160];
	char *argv[] = { (char *)umoci, "unpack", "--image", ref, (char *)bundle, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc;

	snprintf(ref, sizeof(ref), "%s:%s", img->layout, img->tag);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&pid, umoci, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 1 when umoci's record of what it unpacked (BUNDLE/umoci.json) names @digest. */
static int
umoci_json_names(const char *bundle, const char *digest)
{
	char p[PATH_MAX + 32], buf[8192];
	size_t n;
	FILE *f;

	snprintf(p, sizeof(p), "%s/umoci.json", bundle);
	if (!(f = fopen(p, "re")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, digest) != NULL;
}

int
oci_image_unpack(const char *umoci, const char *cache_dir, const struct driver_image *img,
		 char *rootfs, size_t len, struct jb_err *err)
{
	char entry[PATH_MAX], tmp[PATH_MAX], bundle[PATH_MAX + 8], log[PATH_MAX + 16];
	char tail[256];
	struct stat st;
	int rc;

	if (strncmp(img->digest, "sha256:", 7) != 0 || strchr(img->digest, '/'))
		return jb_err_set(err, -EINVAL, "image %s: digest '%s' is not sha256", img->layout,
				  img->digest);
	if (snprintf(entry, sizeof(entry), "%s/sha256-%s", cache_dir, img->digest + 7) >=
		    (int)sizeof(entry) ||
	    snprintf(rootfs, len, "%s/rootfs", entry) >= (int)len)
		return jb_err_set(err, -ENAMETOOLONG, "image cache %s: path too long", cache_dir);
	if (stat(rootfs, &st) == 0 && S_ISDIR(st.st_mode))
		return 0; /* a cache hit: entries appear only whole */
	if (!umoci)
		return jb_err_set(err, -ENODEV, "umoci is not installed, and the OCI image %s:%s is "
				  "unpacked with it (apt-get install umoci, or scripts/install-deps "
				  "--drivers)", img->layout, img->tag);
	if ((rc = jb_file_mkdir_p(cache_dir)))
		return jb_err_set(err, rc, "image cache %s: %s", cache_dir, jb_strerror(rc));
	snprintf(tmp, sizeof(tmp), "%s/.unpack-%ld-XXXXXX", cache_dir, (long)getpid());
	if (!mkdtemp(tmp))
		return jb_err_set(err, -errno, "image cache %s: %s", tmp, strerror(errno));
	snprintf(bundle, sizeof(bundle), "%s/bundle", tmp);
	snprintf(log, sizeof(log), "%s/umoci.log", tmp);
	rc = umoci_run(umoci, img, bundle, log);
	if (rc) {
		driver_log_tail(log, tail, sizeof(tail));
		rc = jb_err_set(err, rc < 0 ? rc : -EIO, "umoci unpack --image %s:%s failed%s%s: "
				"%.200s", img->layout, img->tag, rc < 0 ? " to start: " : "",
				rc < 0 ? jb_strerror(rc) : "", tail[0] ? tail : "no message");
	} else if (!umoci_json_names(bundle, img->digest)) {
		rc = jb_err_set(err, -ESTALE, "image %s:%s changed while it was read (umoci "
				"unpacked another manifest than %s)", img->layout, img->tag,
				img->digest);
	} else if (rename(bundle, entry) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
		rc = jb_err_set(err, -errno, "image cache %s: %s", entry, strerror(errno));
	}
	/* What is left in tmp: the log, and our copy when another run's came first. */
	(void)oci_bundle_remove(tmp);
	return rc;
}

/* Make @path inside the directory @rootfd: every level a directory (the last an empty
 * file with @file), a symlink on the way an error. */
static int
mountpoint_make(int rootfd, const char *path, int file)
{
	char p[PATH_MAX], *comp, *save = NULL, *next;
	int dfd = dup(rootfd), fd, rc = 0;

	if (dfd < 0)
		return -errno;
	snprintf(p, sizeof(p), "%s", path);
	for (comp = strtok_r(p, "/", &save); comp && !rc; comp = next) {
		int last;

		next = strtok_r(NULL, "/", &save);
		last = next == NULL;
		if (last && file) {
			fd = openat(dfd, comp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd < 0 && errno == EISDIR)
				rc = -EISDIR;
			else if (fd < 0)
				rc = -errno;
			else
				close(fd);
			break;
		}
		if (mkdirat(dfd, comp, 0755) != 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = errno == ELOOP || errno == ENOTDIR ? -ENOTDIR : -errno;
			break;
		}
		close(dfd);
		dfd = fd;
	}
	close(dfd);
	return rc;
}

int
oci_image_mountpoints(const char *rootfs, const char *const *dirs, const char *const *files,
		      struct jb_err *err)
{
	int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0, i;

	if (rootfd < 0)
		return jb_err_set(err, -errno, "image root %s: %s", rootfs, strerror(errno));
	for (i = 0; !rc && dirs && dirs[i]; i++)
		if ((rc = mountpoint_make(rootfd, dirs[i], 0)))
			rc = jb_err_set(err, rc, "image root %s: cannot make the mount point %s: "
					"%s", rootfs, dirs[i], rc == -ENOTDIR ? "the image has a "
					"symbolic link or a file on the way" : jb_strerror(rc));
	for (i = 0; !rc && files && files[i]; i++)
		if ((rc = mountpoint_make(rootfd, files[i], 1)))
			rc = jb_err_set(err, rc, "image root %s: cannot make the mount point %s: %s",
					rootfs, files[i], jb_strerror(rc));
	close(rootfd);
	return rc;
}

/* The PT_INTERP of the ELF file @path into @out; "" for a static one. */
static int
elf_interp(const char *path, char *out, size_t len)
{
	unsigned char id[EI_NIDENT];
	int fd = open(path, O_RDONLY | O_CLOEXEC), is64, rc = 0;
	uint64_t phoff, off = 0, sz = 0;
	unsigned phnum, phentsize, i;

	out[0] = '\0';
	if (fd < 0)
		return -errno;
	if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id) || memcmp(id, ELFMAG, SELFMAG)) {
		close(fd);
		return -ENOEXEC;
	}
	is64 = id[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr eh;

		rc = pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) ? 0 : -ENOEXEC;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
	} else {
		Elf32_Ehdr eh;

		rc = pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) ? 0 : -ENOEXEC;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
	}
	for (i = 0; !rc && i < phnum && !sz; i++) {
		Elf64_Phdr p64;
		Elf32_Phdr p32;
		off_t at = (off_t)(phoff + (uint64_t)i * phentsize);

		if (is64 && pread(fd, &p64, sizeof(p64), at) == (ssize_t)sizeof(p64) &&
		    p64.p_type == PT_INTERP)
			off = p64.p_offset, sz = p64.p_filesz;
		else if (!is64 && pread(fd, &p32, sizeof(p32), at) == (ssize_t)sizeof(p32) &&
			 p32.p_type == PT_INTERP)
			off = p32.p_offset, sz = p32.p_filesz;
	}
	if (!rc && sz && (sz >= len || pread(fd, out, sz, (off_t)off) != (ssize_t)sz))
		rc = -ENOEXEC;
	if (!rc && sz)
		out[sz - 1] = '\0'; /* PT_INTERP's string includes its NUL */
	close(fd);
	return rc;
}

/* Append OCI_HOST_DIR + @dir to @r->lib_path when it is a directory not listed yet. */
static void
lib_dir_add(struct oci_host_runner *r, const char *dir)
{
	char real[PATH_MAX], entry[PATH_MAX + 32];
	size_t used = strlen(r->lib_path);
	struct stat st;
	const char *p;

	if (!realpath(dir, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	snprintf(entry, sizeof(entry), OCI_HOST_DIR "%s", real);
	for (p = r->lib_path; (p = strstr(p, entry)); p++)
		if ((p == r->lib_path || p[-1] == ':') && (p[strlen(entry)] == ':' ||
							   !p[strlen(entry)]))
			return;
	snprintf(r->lib_path + used, sizeof(r->lib_path) - used, "%s%s", used ? ":" : "", entry);
}

int
oci_host_runner_find(const char *fn_path, struct oci_host_runner *r, struct jb_err *err)
{
	char interp[PATH_MAX], real[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX], multi[PATH_MAX];
	char cand[PATH_MAX + 16];
	static const char *const fixed[] = { "/usr/lib64", "/lib64", "/usr/lib", "/lib",
					     "/usr/local/lib" };
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = elf_interp(fn_path, interp, sizeof(interp))))
		return jb_err_set(err, rc, "%s: cannot read its ELF interpreter: %s", fn_path,
				  jb_strerror(rc));
	if (!interp[0])
		return 0; /* static: it runs as it is */
	if (!realpath(interp, real))
		return jb_err_set(err, -errno, "%s: its loader %s: %s", fn_path, interp,
				  strerror(errno));
	if (snprintf(r->loader, sizeof(r->loader), OCI_HOST_DIR "%s", real) >=
	    (int)sizeof(r->loader))
		return jb_err_set(err, -ENAMETOOLONG, "%s: its loader's path is too long", fn_path);
	/* The loader's own directory, its multiarch name's (Debian: /usr/lib/<triplet>,
	 * where the libraries are), then the loader's default directories (ld.so(8)). */
	snprintf(tmp, sizeof(tmp), "%s", real);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	snprintf(tmp, sizeof(tmp), "%s", dir);
	snprintf(multi, sizeof(multi), "%s", basename(tmp));
	lib_dir_add(r, dir);
	snprintf(cand, sizeof(cand), "/usr/lib/%s", multi);
	lib_dir_add(r, cand);
	snprintf(cand, sizeof(cand), "/lib/%s", multi);
	lib_dir_add(r, cand);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		lib_dir_add(r, fixed[i]);
	return 0;
}
