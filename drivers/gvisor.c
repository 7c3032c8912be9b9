/* SPDX-License-Identifier: MIT */
/*
 * gVisor's platforms, for the container driver with `--runtime runsc`. A platform is how
 * the Sentry (gVisor's user-space kernel) intercepts the function's system calls: ptrace
 * (PTRACE_SYSEMU), systrap (seccomp SECCOMP_RET_TRAP, the default since
 * release-20230621.0) or kvm (the Sentry as a guest kernel, needs /dev/kvm); gVisor's
 * g3doc/architecture_guide/platforms.md. Which ones a runsc build offers, and its default,
 * are read from its own flag help (`runsc flags`: "-platform string  specifies which
 * platform to use: ptrace (default), kvm. (default "ptrace")"), so a platform is never
 * assumed from a version number.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver-private.h"
#include "jb_capture.h"

#define FLAGS_TIMEOUT_NS 10000000000ull

/* The platform names listed after "to use:" up to the "(default" of the flag's line. */
static void
offered_list(const char *help, char *list, size_t len, char *def, size_t def_len)
{
	const char *p = strstr(help, "-platform string"), *use, *end, *d;
	size_t used = 0;

	list[0] = def[0] = '\0';
	if (!p || !(use = strstr(p, "to use:")))
		return;
	use += 7;
	end = strstr(use, "(default \"");
	if (!end)
		end = use + strcspn(use, "\n");
	else if ((d = end + 10) && strchr(d, '"'))
		snprintf(def, def_len, "%.*s", (int)(strchr(d, '"') - d), d);
	while (use < end) {
		size_t n;

		use += strspn(use, " ,.\n\t");
		n = strcspn(use, " ,.(\n\t");
		if (!n) {
			use += strcspn(use, ",.\n") + 1; /* skip "(default)" and the like */
			continue;
		}
		if (use + n > end)
			break;
		if (used + n + 2 < len) {
			snprintf(list + used, len - used, "%s%.*s", used ? "," : "", (int)n, use);
			used = strlen(list);
		}
		use += n;
		use += strcspn(use, ",.\n");
	}
}

int
gvisor_platform_pick(const char *rt_path, const char *want, char *out, size_t len, char *why,
		     size_t why_len)
{
	char help[16384], list[128], def[32], item[40];
	char *argv[] = { (char *)rt_path, "flags", NULL };
	int rc = jb_capture_run(argv, help, sizeof(help), FLAGS_TIMEOUT_NS);

	if (rc < 0) {
		snprintf(why, why_len, "cannot run %s flags: %s", rt_path, strerror(-rc));
		return -ENODEV;
	}
	offered_list(help, list, sizeof(list), def, sizeof(def));
	if (!list[0]) {
		snprintf(why, why_len, "%s flags lists no -platform flag", rt_path);
		return -ENODEV;
	}
	if (!want || !*want)
		want = def[0] ? def : "ptrace";
	snprintf(item, sizeof(item), ",%.32s,", want);
	{
		char padded[160];

		snprintf(padded, sizeof(padded), ",%s,", list);
		if (!strstr(padded, item)) {
			snprintf(why, why_len, "gVisor platform '%s' is not offered by %s (it offers %s)",
				 want, rt_path, list);
			return -EINVAL;
		}
	}
	snprintf(out, len, "%s", want);
	snprintf(why, why_len, "platform %s (offered: %s)", want, list);
	return 0;
}
