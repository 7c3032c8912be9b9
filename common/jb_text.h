/* SPDX-License-Identifier: MIT */
/*
 * Small text helpers every folder needs for sysfs, cgroup, profile and parameter files:
 * reading a small file whole, and trimming blanks. One copy, here in common/.
 */
#ifndef JB_TEXT_H
#define JB_TEXT_H

#include <stddef.h>
#include <sys/types.h>

/**
 * jb_text_read_file() - read at most @len - 1 bytes of @path into @buf, NUL-terminated
 * (one read(2), as sysfs and cgroup files want: their content is made at read time).
 * Return: the number of bytes read, or -errno.
 */
ssize_t jb_text_read_file(const char *path, char *buf, size_t len);

/** jb_text_trim() - skip leading blanks of @s and cut trailing ones in place; returns the
 * first non-blank character. */
char *jb_text_trim(char *s);

/** jb_text_parse_uint() - @s as a decimal count from 0 to @max, all of it, no sign or
 * blank before it. Return: 0 or -EINVAL. */
int jb_text_parse_uint(const char *s, unsigned long long max, unsigned long long *out);

#endif
