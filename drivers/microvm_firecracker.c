/* SPDX-License-Identifier: MIT */
/*
 * The microvm driver's Firecracker backend (`--vmm firecracker`). Not implemented yet:
 * its check says so.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "microvm.h"

static int
fc_check(struct microvm_host *h, char *why, size_t why_len)
{
	if (microvm_exe_find("firecracker", h->vmm_path, sizeof(h->vmm_path)))
		snprintf(why, why_len, "--vmm firecracker: no firecracker binary on $PATH (not "
				       "packaged by Debian 12: install a release from "
				       "github.com/firecracker-microvm/firecracker)");
	else
		snprintf(why, why_len, "--vmm firecracker: %s is installed, but this build "
				       "drives QEMU only (not implemented)", h->vmm_path);
	return -ENODEV;
}

const struct microvm_vmm microvm_vmm_firecracker = {
	.name = "firecracker",
	.runtime = "firecracker",
	.check = fc_check,
};
