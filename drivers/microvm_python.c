/* SPDX-License-Identifier: MIT */
/*
 * What a Python function needs in its microVM (microvm_rootfs.h): the interpreter's
 * standard library as it reports it (sysconfig's stdlib and platstdlib), less what no
 * function imports (its test suite, IDLE, Tk, ensurepip, the static library and Makefile
 * in config-*); and of its site directories (site-packages, dist-packages), the .pth
 * files it runs at start and the packages the function's Python files import, with the
 * packages those import in turn. A site directory is hundreds of MB on a developer's
 * machine (460 MB here); a function needs a few packages of it.
 *
 * The imports are found by reading the source, never by running it: `import a.b, c`,
 * `from a import x`, `__import__('a')` and `import_module('a')`. A name built at run time
 * (importlib.import_module(variable)) is not found; docs/functions.md says how to add
 * one. Words in strings and comments count too: a package too many costs some bytes of
 * the image, one too few a failed import.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jb_capture.h"
#include "microvm_rootfs.h"

#define SITES_MAX 16
#define SCAN_MAX_BYTES (4u << 20)
#define PY_TIMEOUT_NS (60ull * 1000000000ull)

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static void
name_note(struct microvm_needs *nd, const char *p, size_t len)
{
	size_t i;

	if (!len || len > 100 || (p[0] >= '0' && p[0] <= '9') || nd->n_names == MICROVM_NAMES_MAX)
		return;
	for (i = 0; i < nd->n_names; i++)
		if (strlen(nd->names[i]) == len && !memcmp(nd->names[i], p, len))
			return;
	if ((nd->names[nd->n_names] = strndup(p, len)))
		nd->n_names++;
}

static const char *
blanks_skip(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '(' || (*p == '\\' && p[1] == '\n'))
		p += *p == '\\' ? 2 : 1;
	return p;
}

/* A dotted name at @p: its first part noted (when @note), the end returned. */
static const char *
dotted(struct microvm_needs *nd, const char *p, int note)
{
	const char *q = p;

	while (ident_char(*q))
		q++;
	if (note)
		name_note(nd, p, (size_t)(q - p));
	while (*q == '.' || ident_char(*q))
		q++;
	return q;
}

/* `a.b as c, d` after `import`. */
static const char *
import_list(struct microvm_needs *nd, const char *p, int note)
{
	for (;;) {
		p = dotted(nd, blanks_skip(p), note);
		p = blanks_skip(p);
		if (!strncmp(p, "as", 2) && !ident_char(p[2]))
			p = dotted(nd, blanks_skip(p + 2), 0);
		p = blanks_skip(p);
		if (*p != ',')
			return p;
		p++;
	}
}

/* The top-level modules source text @s imports: `import a.b, c`, `from a import x` (not a
 * relative `from .`), __import__('a') and import_module('a'). Words in strings and
 * comments count too: a module too many is a few files, one too few a failed import.
 * @unindented_only: only statements at the start of a line, for a package's own imports:
 * its indented ones are optional (under `try:`, `if TYPE_CHECKING:`) or lazy (in a
 * function), and following those brings in half of a site directory (IPython, jedi, ...:
 * 104 MB of the 460 here, for a handler that imports only the standard library). */
static void
py_imports(struct microvm_needs *nd, const char *s, int unindented_only)
{
	const char *p = s;

	while (*p) {
		const char *q = p;
		size_t len;

		if (!ident_char(*p) || (p > s && ident_char(p[-1])) ||
		    (unindented_only && p > s && p[-1] != '\n')) {
			p++;
			continue;
		}
		while (ident_char(*q))
			q++;
		len = (size_t)(q - p);
		if (len == 6 && !memcmp(p, "import", 6)) {
			q = import_list(nd, q, 1);
		} else if (len == 4 && !memcmp(p, "from", 4)) {
			q = blanks_skip(q);
			if (*q != '.' && ident_char(*q)) {
				q = blanks_skip(dotted(nd, q, 1));
				/* The names after `from a import` are a's, not modules. */
				if (!strncmp(q, "import", 6) && !ident_char(q[6]))
					q = import_list(nd, q + 6, 0);
			}
		} else if (!unindented_only && ((len == 10 && !memcmp(p, "__import__", 10)) ||
						(len == 13 && !memcmp(p, "import_module", 13)))) {
			q = blanks_skip(q);
			if (*q == '\'' || *q == '"')
				q = dotted(nd, q + 1, 1);
		}
		p = q > p ? q : p + 1;
	}
}

static void
py_scan_file(struct microvm_needs *nd, const char *path, int unindented_only)
{
	char *text = microvm_file_read(path, SCAN_MAX_BYTES);

	if (text)
		py_imports(nd, text, unindented_only);
	free(text);
}

void
microvm_python_scan(struct microvm_needs *nd, const char *path)
{
	py_scan_file(nd, path, 0);
}

/* Every .py file under @dir (a package). */
static void
py_scan_tree(struct microvm_needs *nd, const char *dir, int depth)
{
	struct dirent *d;
	DIR *dh;

	if (depth > 16 || !(dh = opendir(dir)))
		return;
	while ((d = readdir(dh))) {
		char p[PATH_MAX];
		size_t k = strlen(d->d_name);
		struct stat st;

		if (d->d_name[0] == '.' ||
		    snprintf(p, sizeof(p), "%s/%s", dir, d->d_name) >= (int)sizeof(p) ||
		    lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			py_scan_tree(nd, p, depth + 1);
		else if (S_ISREG(st.st_mode) && k > 3 && !strcmp(d->d_name + k - 3, ".py"))
			py_scan_file(nd, p, 1);
	}
	closedir(dh);
}

/* ---- Python's standard library and site packages ---- */

static int
py_stdlib_skipped(const char *name)
{
	static const char *const skip[] = { "test", "idlelib", "tkinter", "turtledemo",
					    "ensurepip", "site-packages", "dist-packages" };
	size_t i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(name, skip[i]))
			return 1;
	return !strncmp(name, "config-", 7); /* libpythonX.Y.a and the build's Makefile */
}

static int
path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return n && !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

static int
stdlib_add(struct microvm_needs *nd, const char *dir, struct jb_err *err)
{
	struct dirent *d;
	DIR *dh = opendir(dir);
	int rc = microvm_rootfs_add(nd->r, dir, 0, err);

	if (!dh)
		return 0;
	while (!rc && (d = readdir(dh))) {
		char p[PATH_MAX];

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    py_stdlib_skipped(d->d_name) ||
		    snprintf(p, sizeof(p), "%s/%s", dir, d->d_name) >= (int)sizeof(p))
			continue;
		rc = microvm_rootfs_add(nd->r, p, ROOTFS_TREE | ROOTFS_OPTIONAL, err);
	}
	closedir(dh);
	return rc;
}

/* "Jinja2-3.1.2.dist-info" names project jinja2: lower case, '-' and '.' as '_'. */
static int
dist_names(const char *entry, const char *name)
{
	size_t k = strcspn(entry, "-"), i;

	if (k != strlen(name))
		return 0;
	for (i = 0; i < k; i++) {
		char c = entry[i] >= 'A' && entry[i] <= 'Z' ? (char)(entry[i] - 'A' + 'a') : entry[i];

		if (c == '.' || c == '-')
			c = '_';
		if (c != name[i])
			return 0;
	}
	return 1;
}

/* Module @name in site directory @site: its package, module or extension, with its
 * distribution's metadata (importlib.metadata reads it); the package's own imports are
 * noted. 1 when found. */
static int
site_find(struct microvm_needs *nd, const char *site, const char *name, struct jb_err *err)
{
	struct dirent *d;
	DIR *dh = opendir(site);
	size_t n = strlen(name);
	int found = 0, rc = 0;

	if (!dh)
		return 0;
	while (!rc && (d = readdir(dh))) {
		const char *e = d->d_name;
		size_t k = strlen(e);
		char p[PATH_MAX], *top;
		struct stat st;
		int meta = (k > 10 && !strcmp(e + k - 10, ".dist-info")) ||
			   (k > 9 && !strcmp(e + k - 9, ".egg-info"));

		if (snprintf(p, sizeof(p), "%s/%s", site, e) >= (int)sizeof(p))
			continue;
		if (meta) {
			char tl[PATH_MAX + 16];
			int mine = dist_names(e, name);

			snprintf(tl, sizeof(tl), "%s/top_level.txt", p);
			if (!mine && (top = microvm_file_read(tl, 65536))) {
				for (char *s = strtok(top, "\r\n"); s && !mine; s = strtok(NULL, "\r\n"))
					mine = !strcmp(s, name);
				free(top);
			}
			if (mine)
				rc = microvm_rootfs_add(nd->r, p, ROOTFS_TREE | ROOTFS_OPTIONAL, err);
			continue;
		}
		if (strncmp(e, name, n) || (e[n] != '\0' && e[n] != '.') || stat(p, &st) != 0)
			continue;
		if (e[n] == '\0' && S_ISDIR(st.st_mode)) {
			found = 1;
			rc = microvm_rootfs_add(nd->r, p, ROOTFS_TREE | ROOTFS_OPTIONAL, err);
			py_scan_tree(nd, p, 0);
		} else if (!strcmp(e + n, ".py") ||
			   (k > 3 && !strcmp(e + k - 3, ".so") && S_ISREG(st.st_mode))) {
			found = 1;
			rc = microvm_rootfs_add(nd->r, p, ROOTFS_OPTIONAL, err);
			if (!strcmp(e + n, ".py"))
				py_scan_file(nd, p, 1);
		}
	}
	closedir(dh);
	return rc ? rc : found;
}

/* The .pth files of @site run at the interpreter's start: they and what they import. */
static int
site_pth_add(struct microvm_needs *nd, const char *site, struct jb_err *err)
{
	struct dirent *d;
	DIR *dh = opendir(site);
	int rc = 0;

	if (!dh)
		return 0;
	while (!rc && (d = readdir(dh))) {
		size_t k = strlen(d->d_name);
		char p[PATH_MAX];

		if (k < 5 || strcmp(d->d_name + k - 4, ".pth") ||
		    snprintf(p, sizeof(p), "%s/%s", site, d->d_name) >= (int)sizeof(p))
			continue;
		rc = microvm_rootfs_add(nd->r, p, ROOTFS_OPTIONAL, err);
		microvm_python_scan(nd, p);
	}
	closedir(dh);
	return rc;
}

/* Ask @python where its library is and what is on its path (-I: as in the guest, without
 * the user's site directory or PYTHON* variables), then add what the function needs. */
int
microvm_python_add(struct microvm_needs *nd, const char *python, struct jb_err *err)
{
	static const char code[] = "import sys, sysconfig\n"
				   "p = sysconfig.get_paths()\n"
				   "for k in ('stdlib', 'platstdlib'): print('jbdir\\t' + p[k])\n"
				   "for e in sys.path: print('jbpath\\t' + e)\n"
				   "if sys.prefix != sys.base_prefix:\n"
				   " print('jbcfg\\t' + sys.prefix + '/pyvenv.cfg')\n";
	char *argv[] = { (char *)python, "-I", "-c", (char *)code, NULL };
	char out[16384], dirs[2][PATH_MAX] = { "", "" }, sites[SITES_MAX][PATH_MAX];
	size_t n_dirs = 0, n_sites = 0, i, j;
	int rc = jb_capture_run(argv, out, sizeof(out), PY_TIMEOUT_NS);
	char *line, *save = NULL;

	if (rc != 0)
		return jb_err_set(err, rc < 0 ? rc : -EINVAL, "microvm: %s did not say where its "
							      "library is (%s)", python,
				  rc < 0 ? jb_strerror(rc) : "exit status");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct stat st;

		if (!strncmp(line, "jbdir\t/", 7) && n_dirs < 2 &&
		    (n_dirs == 0 || strcmp(dirs[0], line + 6)))
			snprintf(dirs[n_dirs++], PATH_MAX, "%s", line + 6);
		/* A virtual environment: its pyvenv.cfg makes its site-packages the path. */
		if (!strncmp(line, "jbcfg\t/", 7) &&
		    (rc = microvm_rootfs_add(nd->r, line + 6, ROOTFS_OPTIONAL, err)))
			return rc;
		if (strncmp(line, "jbpath\t/", 8) || stat(line + 7, &st) != 0)
			continue;
		if (S_ISREG(st.st_mode)) { /* python3X.zip */
			if ((rc = microvm_rootfs_add(nd->r, line + 7, ROOTFS_OPTIONAL, err)))
				return rc;
			continue;
		}
		for (i = 0; i < n_dirs && !path_under(line + 7, dirs[i]); i++)
			;
		if (n_sites < SITES_MAX && S_ISDIR(st.st_mode) &&
		    (i == n_dirs || !strcmp(base_name(line + 7), "site-packages") ||
		     !strcmp(base_name(line + 7), "dist-packages")))
			snprintf(sites[n_sites++], PATH_MAX, "%s", line + 7);
	}
	if (!n_dirs)
		return jb_err_set(err, -EINVAL, "microvm: %s did not say where its library is",
				  python);
	for (i = 0; i < n_dirs; i++)
		if ((rc = stdlib_add(nd, dirs[i], err)))
			return rc;
	for (i = 0; i < n_sites; i++)
		if ((rc = site_pth_add(nd, sites[i], err)))
			return rc;
	name_note(nd, "sitecustomize", 13);
	name_note(nd, "usercustomize", 13);
	/* The list grows as packages are found: their imports are noted too. */
	for (j = 0; j < nd->n_names; j++)
		for (i = 0; i < n_sites; i++) {
			rc = site_find(nd, sites[i], nd->names[j], err);
			if (rc < 0)
				return rc;
			if (rc == 1)
				break;
		}
	return 0;
}

