/* SPDX-License-Identifier: MIT */
/*
 * jb_file_replace() (jb_file.h): mkostemp in the target's folder, write, fsync, fchmod,
 * rename. The temporary name starts with '.' and ends in mkstemp's six random characters.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jb_file.h"

int
jb_file_replace(const char *path, mode_t mode, jb_file_write_fn put, void *arg)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	char tmp[4200];
	FILE *f;
	int fd, rc;

	if (!*path || (slash && !slash[1]))
		return -EISDIR;
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)dir_len, path,
		     slash ? slash + 1 : path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	rc = put(f, arg);
	errno = 0;
	if (!rc && (fflush(f) != 0 || ferror(f)))
		rc = errno ? -errno : -EIO;
	if (!rc && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
		rc = -errno;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int
jb_file_mkdir_p(const char *path)
{
	char p[PATH_MAX], *s;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -errno;
		if (!s)
			return 0;
		*s = '/';
	}
}

void
jb_file_cache_dir(const char *env, const char *sub, char *out, size_t len)
{
	const char *v = env ? getenv(env) : NULL, *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (v && *v)
		snprintf(out, len, "%s", v);
	else if (xdg && *xdg)
		snprintf(out, len, "%s/joulebench/%s", xdg, sub);
	else
		snprintf(out, len, "%s/.cache/joulebench/%s", home && *home ? home : "/root", sub);
}
