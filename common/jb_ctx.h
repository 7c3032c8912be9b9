/* SPDX-License-Identifier: MIT */
/*
 * The run context handed to meters, drivers and workloads: configuration that would
 * otherwise become mutable globals (style.md §4.5). Tests point the hardware seams at fakes
 * through it: sysfs_root for hwmon-style trees, meter_opts for backend options.
 */
#ifndef JB_CTX_H
#define JB_CTX_H

struct jb_ctx {
	/* Root of the sysfs tree to read ("/sys" normally). libpowercap hard-codes
	 * /sys/class/powercap, so powercap tests use a private mount namespace instead. */
	const char *sysfs_root;
	/* Name or path of the model meter's platform power profile; NULL = by architecture. */
	const char *profile;
	/* Directories searched for profiles by name, ':'-separated; NULL = built-in list. */
	const char *profile_path;
	/* Backend options as "key=value,key=value" (e.g. "bus=1,addr=0x40"); may be NULL. */
	const char *meter_opts;
};

#endif
