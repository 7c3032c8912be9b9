/* SPDX-License-Identifier: MIT */
/*
 * What the run metadata says about the machine (DESIGN §5): CPU model, kernel, frequency
 * governor, turbo and SMT state, cgroup version. Each value that cannot be read is the
 * string "unknown", never a guess.
 */
#ifndef JB_PROTOCOL_SYSINFO_H
#define JB_PROTOCOL_SYSINFO_H

struct sysinfo_host {
	char host[256];
	char arch[64];
	char kernel[256];
	char cpu_model[256];
	long cpus_online;
	char governor[64];
	char turbo[64];
	char smt[64];
	char cgroup[64];
	char thp[64];      /* transparent huge pages: always, madvise or never */
};

/** sysinfo_read() - fill @h from uname(2), /proc and /sys. */
void sysinfo_read(struct sysinfo_host *h);

#endif
