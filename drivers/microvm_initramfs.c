/* SPDX-License-Identifier: MIT */
/*
 * The microvm guest's initramfs, built by joulebench itself for every run: a newc cpio
 * archive (the kernel's Documentation/driver-api/early-userspace/buffer-format.rst) with
 * joulebench-vminit as /init, the function runner as /joulebench-fn, and exactly the
 * shared libraries and loader the two need. Those are found from the ELF files themselves
 * (elf(5): PT_INTERP names the loader, the PT_DYNAMIC segment's DT_NEEDED entries the
 * libraries, DT_RUNPATH/DT_RPATH where to look first), never by running them, and stored
 * at their host paths, where the guest's loader looks by default. The guest kernel's
 * serial port is built in, so no kernel module is needed.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "microvm.h"

/* Where glibc's loader looks after the runpath, without an ld.so.cache (ld.so(8)). A
 * library of another machine found there is skipped, as the loader skips it ("skipping
 * incompatible"): an x86-64 host may hold arm64 libraries (multiarch) and the reverse, and
 * under qemu-user (scripts/cross-check) the aarch64 build sees the sysroot's libraries
 * (QEMU_LD_PREFIX) where it has them and the host's x86-64 ones everywhere else. */
static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

static int
list_has(char **out, size_t n, const char *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(out[i], p))
			return 1;
	return 0;
}

static int
list_add(char **out, size_t *n, size_t max, const char *p, struct jb_err *err)
{
	if (list_has(out, *n, p))
		return 1;
	if (*n == max)
		return jb_err_set(err, -E2BIG, "initramfs: more than %zu libraries", max);
	if (!(out[*n] = strdup(p)))
		return jb_err_set(err, -ENOMEM, "initramfs: out of memory");
	(*n)++;
	return 0;
}

/* File offset of virtual address @va, through the PT_LOAD segments. */
static int
va_to_off(const unsigned char *m, const Elf64_Ehdr *eh, uint64_t va, uint64_t *off)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(m + eh->e_phoff);
	int i;

	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr &&
		    va < ph[i].p_vaddr + ph[i].p_filesz) {
			*off = va - ph[i].p_vaddr + ph[i].p_offset;
			return 0;
		}
	return -ENOEXEC;
}

/* Whether @path is a 64-bit ELF file for @machine (e_machine). */
static int
elf_is_for(const char *path, unsigned machine)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = read(fd, &eh, sizeof(eh)) == (ssize_t)sizeof(eh) &&
	     !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	     eh.e_machine == machine;
	close(fd);
	return ok;
}

static int
resolve(const char *name, const char *runpath, const char *origin, unsigned machine, char *out,
	size_t len)
{
	size_t i;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, R_OK) == 0 ? 0 : -ENOENT;
	}
	while (runpath && *runpath) {
		size_t k = strcspn(runpath, ":");

		if (k >= 7 && !strncmp(runpath, "$ORIGIN", 7))
			snprintf(out, len, "%.2000s%.*s/%.255s", origin, (int)(k - 7), runpath + 7, name);
		else
			snprintf(out, len, "%.*s/%.255s", (int)k, runpath, name);
		if (elf_is_for(out, machine))
			return 0;
		runpath += k + (runpath[k] == ':');
	}
	for (i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		snprintf(out, len, "%s/%.255s", lib_dirs[i], name);
		if (elf_is_for(out, machine))
			return 0;
	}
	return -ENOENT;
}

static int
elf_scan(const unsigned char *m, size_t size, const char *path, char **out, size_t *n,
	 size_t max, struct jb_err *err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	uint64_t strtab = 0, stroff = 0, runpath = (uint64_t)-1;
	size_t ndyn = 0, i;
	char origin[4096], found[4096];
	int rc;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size)
		return jb_err_set(err, -ENOEXEC, "initramfs: %s is not a 64-bit ELF file", path);
	ph = (const Elf64_Phdr *)(m + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_offset + ph[i].p_filesz > size)
			return jb_err_set(err, -ENOEXEC, "initramfs: %s: segment past its end", path);
		if (ph[i].p_type == PT_INTERP && ph[i].p_filesz > 1) {
			char interp[4096];

			snprintf(interp, sizeof(interp), "%.*s", (int)ph[i].p_filesz - 1,
				 (const char *)m + ph[i].p_offset);
			if ((rc = list_add(out, n, max, interp, err)) < 0)
				return rc;
		}
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(m + ph[i].p_offset);
			ndyn = ph[i].p_filesz / sizeof(*dyn);
		}
	}
	for (i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = dyn[i].d_un.d_ptr;
		if (dyn[i].d_tag == DT_RUNPATH || dyn[i].d_tag == DT_RPATH)
			runpath = dyn[i].d_un.d_val;
	}
	if (!dyn || !strtab)
		return 0; /* static */
	if (va_to_off(m, eh, strtab, &stroff) || stroff >= size)
		return jb_err_set(err, -ENOEXEC, "initramfs: %s: DT_STRTAB outside the file", path);
	snprintf(origin, sizeof(origin), "%s", path);
	*(strrchr(origin, '/') ? strrchr(origin, '/') : origin) = '\0';
	for (i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		const char *name;

		if (dyn[i].d_tag != DT_NEEDED)
			continue;
		if (stroff + dyn[i].d_un.d_val >= size)
			return jb_err_set(err, -ENOEXEC, "initramfs: %s: bad DT_NEEDED", path);
		name = (const char *)m + stroff + dyn[i].d_un.d_val;
		if (resolve(name, runpath != (uint64_t)-1 && stroff + runpath < size
					  ? (const char *)m + stroff + runpath : NULL,
			    origin, eh->e_machine, found, sizeof(found)))
			return jb_err_set(err, -ENOENT, "initramfs: %s needs %s, which is not found "
							"(for its machine, ELF e_machine %u)",
					  path, name, (unsigned)eh->e_machine);
		rc = list_add(out, n, max, found, err);
		if (rc < 0)
			return rc;
		if (rc == 0 && (rc = microvm_elf_needs(found, out, n, max, err)))
			return rc;
	}
	return 0;
}

int
microvm_elf_needs(const char *path, char **out, size_t *n, size_t max, struct jb_err *err)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return jb_err_set(err, -errno, "initramfs: open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return jb_err_set(err, -ENOEXEC, "initramfs: %s is not an ELF file", path);
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return jb_err_set(err, -errno, "initramfs: mmap %s: %s", path, strerror(errno));
	rc = elf_scan(m, (size_t)st.st_size, path, out, n, max, err);
	munmap(m, (size_t)st.st_size);
	return rc;
}

/* ---- newc writer ---- */

struct cpio {
	FILE *f;
	unsigned ino;
	char dirs[64][256];
	size_t n_dirs;
};

static int
cpio_pad(struct cpio *c)
{
	long pos = ftell(c->f);

	while (pos >= 0 && pos % 4) {
		if (fputc(0, c->f) == EOF)
			return -EIO;
		pos++;
	}
	return pos < 0 ? -EIO : 0;
}

static int
cpio_header(struct cpio *c, const char *name, unsigned mode, uint64_t size, unsigned rmaj,
	    unsigned rmin)
{
	if (fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		    ++c->ino, mode, 0u, 0u, (mode & S_IFMT) == S_IFDIR ? 2u : 1u, 0u,
		    (unsigned)size, 0u, 0u, rmaj, rmin, strlen(name) + 1, 0u) < 0 ||
	    fwrite(name, 1, strlen(name) + 1, c->f) != strlen(name) + 1)
		return -EIO;
	return cpio_pad(c);
}

/* Every directory above @path ("lib/x86_64-linux-gnu/libc.so.6"), once. */
static int
cpio_parents(struct cpio *c, const char *path)
{
	char d[256];
	const char *p = path;
	size_t i;
	int rc;

	while ((p = strchr(p, '/'))) {
		int seen = 0;

		snprintf(d, sizeof(d), "%.*s", (int)(p - path), path);
		p++;
		for (i = 0; i < c->n_dirs; i++)
			seen |= !strcmp(c->dirs[i], d);
		if (seen || !d[0])
			continue;
		if (c->n_dirs == sizeof(c->dirs) / sizeof(c->dirs[0]))
			return -E2BIG;
		snprintf(c->dirs[c->n_dirs++], sizeof(c->dirs[0]), "%s", d);
		if ((rc = cpio_header(c, d, S_IFDIR | 0755, 0, 0, 0)))
			return rc;
	}
	return 0;
}

static int
cpio_file(struct cpio *c, const char *name, const char *host, unsigned mode, struct jb_err *err)
{
	char buf[65536];
	struct stat st;
	FILE *in;
	size_t k;
	int rc;

	if (stat(host, &st) != 0)
		return jb_err_set(err, -errno, "initramfs: %s: %s", host, strerror(errno));
	if ((uint64_t)st.st_size > 0xffffffffu)
		return jb_err_set(err, -EFBIG, "initramfs: %s is too large for newc", host);
	if ((rc = cpio_parents(c, name)) || (rc = cpio_header(c, name, S_IFREG | mode,
							       (uint64_t)st.st_size, 0, 0)))
		return jb_err_set(err, rc, "initramfs: write failed");
	if (!(in = fopen(host, "rbe")))
		return jb_err_set(err, -errno, "initramfs: %s: %s", host, strerror(errno));
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, k, c->f) != k) {
			fclose(in);
			return jb_err_set(err, -EIO, "initramfs: write failed");
		}
	fclose(in);
	return cpio_pad(c) ? jb_err_set(err, -EIO, "initramfs: write failed") : 0;
}

int
microvm_initramfs_build(const char *out, const char *init_path, const char *fn_path,
			const struct microvm_initramfs_file *extra, size_t n_extra,
			struct jb_err *err)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "tmp" };
	char *libs[MICROVM_LIBS_MAX];
	struct cpio c = { 0 };
	size_t n = 0, i;
	int rc;

	if ((rc = microvm_elf_needs(init_path, libs, &n, MICROVM_LIBS_MAX, err)) ||
	    (rc = microvm_elf_needs(fn_path, libs, &n, MICROVM_LIBS_MAX, err)))
		goto out;
	c.f = fopen(out, "wbex");
	if (!c.f) {
		rc = jb_err_set(err, -errno, "initramfs: create %s: %s", out, strerror(errno));
		goto out;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !rc; i++)
		rc = cpio_parents(&c, dirs[i]) ? -EIO : cpio_header(&c, dirs[i], S_IFDIR | 0755, 0, 0, 0);
	/* The kernel opens /dev/console for init before anything is mounted (devices.txt:
	 * 5,1 is the console). */
	if (!rc)
		rc = cpio_header(&c, "dev/console", S_IFCHR | 0600, 0, 5, 1);
	if (rc)
		rc = jb_err_set(err, rc, "initramfs: write failed");
	if (!rc)
		rc = cpio_file(&c, "init", init_path, 0755, err);
	if (!rc)
		rc = cpio_file(&c, "joulebench-fn", fn_path, 0755, err);
	for (i = 0; i < n && !rc; i++)
		rc = cpio_file(&c, libs[i] + 1, libs[i], 0755, err);
	for (i = 0; i < n_extra && !rc; i++)
		rc = cpio_file(&c, extra[i].name, extra[i].host, 0644, err);
	if (!rc && (cpio_header(&c, "TRAILER!!!", 0, 0, 0, 0) || fflush(c.f)))
		rc = jb_err_set(err, -EIO, "initramfs: write failed");
	if (fclose(c.f) != 0 && !rc)
		rc = jb_err_set(err, -EIO, "initramfs: write %s failed", out);
	if (rc)
		(void)unlink(out);
out:
	for (i = 0; i < n; i++)
		free(libs[i]);
	return rc;
}
