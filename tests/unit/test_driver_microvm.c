/* SPDX-License-Identifier: MIT */
/*
 * The microvm driver's guest image, without a VM: the ELF needs of the real function
 * runner (its loader and libc among them, each an existing file), a file that is not an
 * ELF, and the newc archive (header magic, the entries the guest needs, the trailer),
 * read back independently of the writer by walking its headers.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microvm.h"

Test(microvm, elf_needs_of_the_runner)
{
	char *libs[MICROVM_LIBS_MAX];
	struct jb_err err = { 0, "" };
	size_t n = 0, i;
	int libc = 0, loader = 0;

	cr_assert_eq(microvm_elf_needs(JB_FN_BUILD_PATH, libs, &n, MICROVM_LIBS_MAX, &err), 0,
		     "%s", err.msg);
	cr_assert_gt(n, 2);
	for (i = 0; i < n; i++) {
		cr_assert_eq(access(libs[i], R_OK), 0, "%s", libs[i]);
		libc |= strstr(libs[i], "/libc.so.") != NULL;
		loader |= strstr(libs[i], "/ld-linux") != NULL;
		free(libs[i]);
	}
	cr_assert(libc && loader);
}

Test(microvm, not_an_elf)
{
	char *libs[4];
	size_t n = 0;

	cr_assert_eq(microvm_elf_needs(JB_SOURCE_ROOT "/README.md", libs, &n, 4, NULL), -ENOEXEC);
	cr_assert_eq(n, 0);
}

/* Walk the newc headers of @buf: names into @names (joined by '|'); 0 when it ends in
 * the trailer and every header is well-formed. */
static int
newc_walk(const char *buf, size_t len, char *names, size_t nlen)
{
	size_t off = 0;

	names[0] = '\0';
	while (off + 110 <= len) {
		char field[9] = { 0 };
		unsigned long size, namesize;
		const char *name;

		if (memcmp(buf + off, "070701", 6))
			return -1;
		memcpy(field, buf + off + 54, 8);
		size = strtoul(field, NULL, 16);
		memcpy(field, buf + off + 94, 8);
		namesize = strtoul(field, NULL, 16);
		name = buf + off + 110;
		if (off + 110 + namesize > len || name[namesize - 1])
			return -1;
		if (!strcmp(name, "TRAILER!!!"))
			return 0;
		strncat(names, name, nlen - strlen(names) - 2);
		strcat(names, "|");
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		off = (off + size + 3) & ~(size_t)3;
	}
	return -1;
}

Test(microvm, initramfs_is_newc_with_init_and_runner)
{
	char dir[] = "/tmp/jb-unit-ir-XXXXXX", path[128], names[8192];
	struct jb_err err = { 0, "" };
	char *buf;
	long len;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ir.cpio", dir);
	cr_assert_eq(microvm_initramfs_build(path, JB_FN_BUILD_PATH, JB_FN_BUILD_PATH, &err), 0,
		     "%s", err.msg);
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	cr_assert_eq(len % 4, 0);
	cr_assert_eq(newc_walk(buf, (size_t)len, names, sizeof(names)), 0, "%s", names);
	cr_assert_not_null(strstr(names, "|init|"), "%s", names);
	cr_assert_not_null(strstr(names, "|joulebench-fn|"), "%s", names);
	cr_assert_not_null(strstr(names, "dev/console|"), "%s", names);
	cr_assert_not_null(strstr(names, "libc.so."), "%s", names);
	free(buf);
	/* The output may not exist already. */
	cr_assert_lt(microvm_initramfs_build(path, JB_FN_BUILD_PATH, JB_FN_BUILD_PATH, NULL), 0);
	unlink(path);
	rmdir(dir);
}
