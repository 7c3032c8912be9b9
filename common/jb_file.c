/* SPDX-License-Identifier: MIT */
/*
 * jb_file_replace() (jb_file.h): mkostemp in the target's folder, write, fsync, fchmod,
 * rename. The temporary name starts with '.' and ends in mkstemp's six random characters.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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
