/* SPDX-License-Identifier: MIT */
/*
 * Scopes (common/jb_scope.c, issue 25): names, the scope of RAPL domains and hwmon chips,
 * a sum of scopes as one text, the scope a schema 1 row is given from its meter and
 * domain; a meter's selection carries its domains' scopes; summary_scope_check() refuses
 * or, when allowed, words a mix.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "jb_scope.h"
#include "meter.h"
#include "summary.h"

Test(scope, names_and_rapl_domains)
{
	cr_assert_str_eq(jb_scope_name(JB_SCOPE_WALL_AC), "wall-ac");
	cr_assert_str_eq(jb_scope_name(JB_SCOPE_NONE), "");
	cr_assert_str_eq(jb_scope_name(JB_SCOPES), "");
	cr_assert_eq(jb_scope_of_rapl_domain("package-1"), JB_SCOPE_CPU_PACKAGE);
	cr_assert_eq(jb_scope_of_rapl_domain("core-0"), JB_SCOPE_CPU_PACKAGE);
	cr_assert_eq(jb_scope_of_rapl_domain("uncore-0"), JB_SCOPE_CPU_PACKAGE);
	cr_assert_eq(jb_scope_of_rapl_domain("mmio-package-0"), JB_SCOPE_CPU_PACKAGE);
	cr_assert_eq(jb_scope_of_rapl_domain("dram-0"), JB_SCOPE_DRAM);
	cr_assert_eq(jb_scope_of_rapl_domain("psys"), JB_SCOPE_PSYS);
	/* A prefix must end at '-': "packaged" is not a package. */
	cr_assert_eq(jb_scope_of_rapl_domain("packaged"), JB_SCOPE_NONE);
	cr_assert_eq(jb_scope_of_hwmon_chip("ina219"), JB_SCOPE_BOARD_DC);
	cr_assert_eq(jb_scope_of_hwmon_chip("ina3221"), JB_SCOPE_BOARD_DC);
	cr_assert_eq(jb_scope_of_hwmon_chip("amd_energy"), JB_SCOPE_CPU_PACKAGE);
	cr_assert_eq(jb_scope_of_hwmon_chip("power_meter"), JB_SCOPE_WALL_AC);
}

Test(scope, join_and_derive)
{
	char buf[JB_SCOPE_TEXT_MAX];

	cr_assert_str_eq(jb_scope_join(0, buf, sizeof(buf)), "");
	cr_assert_str_eq(jb_scope_join(1u << JB_SCOPE_DRAM | 1u << JB_SCOPE_CPU_PACKAGE, buf,
				       sizeof(buf)), "cpu-package+dram");
	cr_assert_str_eq(jb_scope_join(~0u, buf, sizeof(buf)),
			 "cpu-package+dram+psys+board-dc+wall-ac+modeled");
	cr_assert_str_eq(jb_scope_derive("rapl-perf", "package", buf, sizeof(buf)),
			 "cpu-package");
	cr_assert_str_eq(jb_scope_derive("papi", "package-0,dram-0", buf, sizeof(buf)),
			 "cpu-package+dram");
	cr_assert_str_eq(jb_scope_derive("hwmon", "power_meter-3:power1", buf, sizeof(buf)),
			 "wall-ac");
	cr_assert_str_eq(jb_scope_derive("hwmon", "ina219-0:power1,amd_energy-2:energy1", buf,
					 sizeof(buf)), "cpu-package+board-dc");
	cr_assert_str_eq(jb_scope_derive("tinkerforge", "wall", buf, sizeof(buf)), "wall-ac");
	cr_assert_str_eq(jb_scope_derive("ipmi", "wall", buf, sizeof(buf)), "wall-ac");
	cr_assert_str_eq(jb_scope_derive("model", "model", buf, sizeof(buf)), "modeled");
	/* An unknown meter or domain is not guessed. */
	cr_assert_str_eq(jb_scope_derive("script", "package", buf, sizeof(buf)), "");
	cr_assert_str_eq(jb_scope_derive("rapl-perf", "gpu", buf, sizeof(buf)), "");
}

Test(scope, check_refuses_or_words_a_mix)
{
	char why[512];

	cr_assert_eq(summary_scope_check("a", "wall-ac", "b", "wall-ac", 0, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "");
	cr_assert_eq(summary_scope_check("server", "cpu-package", "board", "board-dc", 0, why,
					 sizeof(why)), -EDOM);
	cr_assert(strstr(why, "server is scope 'cpu-package'") &&
		  strstr(why, "board is scope 'board-dc'") && strstr(why, "--allow-scope-mix") &&
		  !strchr(why, '\n'), "%s", why);
	cr_assert_eq(summary_scope_check("server", "cpu-package", "board", "board-dc", 1, why,
					 sizeof(why)), 1);
	cr_assert(!strncmp(why, SUMMARY_SCOPE_MIX_WARNING, strlen(SUMMARY_SCOPE_MIX_WARNING)),
		  "%s", why);
}

/* Two package domains and a dram one: the selection's scope follows --domain. */
static int scoped_with_gpu; /* also a domain without a scope */

static int
scoped_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	static const char *const names[] = { "package-0", "package-1", "dram-0", "gpu" };
	size_t i;

	(void)ctx;
	(void)err;
	*priv = NULL;
	info->n_domains = 4;
	for (i = 0; i < 4; i++) {
		memset(&info->domain[i], 0, sizeof(info->domain[i]));
		strcpy(info->domain[i].name, names[i]);
		info->domain[i].scope = jb_scope_of_rapl_domain(names[i]);
	}
	/* "gpu" is left without a scope when asked: meter_open() must refuse it. */
	info->n_domains = scoped_with_gpu ? 4 : 3;
	return 0;
}

static int
scoped_read(void *priv, struct meter_reading *out)
{
	(void)priv;
	memset(out, 0, sizeof(*out));
	out->t_ns = 1;
	return 0;
}

static void
scoped_close(void *priv)
{
	(void)priv;
}

static const struct meter_ops scoped_ops = {
	.name = "scoped", .kind = METER_KIND_MEASURED, .open = scoped_open, .read = scoped_read,
	.close = scoped_close,
};

Test(scope, selection_carries_scope_and_undeclared_is_refused)
{
	struct meter m;
	struct jb_err err = { 0 };

	scoped_with_gpu = 0;
	cr_assert_eq(meter_open(&m, &scoped_ops, NULL, &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(m.selection, "package");
	cr_assert_str_eq(m.scope, "cpu-package");
	cr_assert_eq(meter_select(&m, "dram", &err), 0);
	cr_assert_str_eq(m.scope, "dram");
	cr_assert_eq(meter_select(&m, "package-1,dram", &err), 0);
	cr_assert_str_eq(m.scope, "cpu-package+dram");
	meter_close(&m);
	scoped_with_gpu = 1;
	cr_assert_eq(meter_open(&m, &scoped_ops, NULL, &err), -EINVAL);
	cr_assert(strstr(err.msg, "domain gpu declares no scope"), "%s", err.msg);
}
