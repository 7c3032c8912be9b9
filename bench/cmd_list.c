/* SPDX-License-Identifier: MIT */
/*
 * `joulebench list [workloads|drivers|meters]`: what this build offers, and for each meter
 * and driver whether it works here and, when not, the exact reason and the fix (the probe's
 * text, PAPI's disabled_reason idea). A measured meter whose probe succeeds is also opened
 * and run through the liveness probe: one whose counters do not move is listed `dead`.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "driver.h"
#include "meter.h"
#include "oci_runtime.h"
#include "workload.h"

static void
list_usage(FILE *f)
{
	fprintf(f, "usage: joulebench list [workloads|drivers|meters]\n"
		   "   or: joulebench list --names workloads|sizes|drivers|meters|runtimes\n\n"
		   "With no argument, lists all three. Meters and drivers are probed: each says\n"
		   "whether it is usable here and, if not, why and what to do.\n"
		   "  --profile NAME|PATH   power profile the model meter would use\n"
		   "  --meter-opts K=V,...  backend options the meters are probed with (e.g. ina219:\n"
		   "                        bus=1,addr=0x40,shunt_uohm=100000,max_current_ma=3200,avg=8)\n"
		   "  --names KIND          only the names, one a line, nothing probed (for shell\n"
		   "                        completion): workloads, sizes, drivers, meters or runtimes\n");
}

/* `--names KIND`: what completion/joulebench.bash offers, from the registries themselves. */
static int
list_names(const char *what)
{
	const char *s;
	size_t i;

	if (!strcmp(what, "workloads"))
		for (i = 0; i < workload_count(); i++)
			puts(workload_at(i)->name);
	else if (!strcmp(what, "sizes"))
		for (i = 0; i < WORKLOAD_SIZE_COUNT; i++)
			puts(workload_size_name((enum workload_size)i));
	else if (!strcmp(what, "drivers"))
		for (i = 0; i < driver_count(); i++)
			puts(driver_at(i)->name);
	else if (!strcmp(what, "meters"))
		for (i = 0; i < meter_count(); i++)
			puts(meter_at(i)->name);
	else if (!strcmp(what, "runtimes"))
		for (i = 0; (s = oci_runtime_known(i)); i++)
			puts(s);
	else {
		fprintf(stderr, "joulebench list: --names takes workloads, sizes, drivers, meters or "
				"runtimes, not '%s'\n", what);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static void
list_workloads(void)
{
	size_t i;

	printf("workloads (sizes test/small/large):\n");
	for (i = 0; i < workload_count(); i++) {
		const struct workload_desc *w = workload_at(i);

		printf("  %-12s %s; unit %s; %s %" PRIu64 "/%" PRIu64 "/%" PRIu64
		       "; modeled on %s\n",
		       w->name, w->summary, w->work_unit, w->size_param_name, w->size_param[0],
		       w->size_param[1], w->size_param[2], w->modeled_on);
	}
}

static void
list_drivers(const struct jb_ctx *ctx)
{
	char why[1024];
	size_t i;

	printf("drivers:\n");
	for (i = 0; i < driver_count(); i++) {
		const struct driver_ops *d = driver_at(i);
		int rc = d->probe(ctx, why, sizeof(why));

		printf("  %-14s %-11s %s\n  %-14s %s\n", d->name, rc ? "UNAVAILABLE" : "usable",
		       d->summary, "", why);
	}
}

static void
list_meters(const struct jb_ctx *ctx)
{
	char why[1024];
	size_t i;

	printf("meters (in order of preference):\n");
	for (i = 0; i < meter_count(); i++) {
		const struct meter_ops *m = meter_at(i);
		int rc = m->probe(ctx, why, sizeof(why));
		const char *state = rc ? "UNAVAILABLE" : "usable";
		/* The liveness verdict, before what the probe found (dead), or after it (a
		 * warning), or instead of it (unusable). */
		char live[1024] = "";
		const char *before = "", *after = "";

		/* Usable only if it also counts: the same liveness probe the run's pick uses. */
		if (rc == 0) {
			int lrc = cli_meter_alive(m, ctx, NULL, NULL, 0, live, sizeof(live));

			if (lrc == -ENODATA) {
				state = "dead";
				before = "; found: ";
			} else if (lrc == METER_LIVE_NO_LOAD) {
				after = "; warning: ";
			} else if (lrc) {
				state = "UNAVAILABLE";
				snprintf(why, sizeof(why), "%s", live);
			}
		}
		printf("  %-14s %-11s %s [%s]\n  %-14s %s%s%s%s%s\n", m->name, state,
		       m->summary, m->kind == METER_KIND_MODELED ? "modeled" : "measured", "",
		       *before ? live : "", before, why, after, *after ? live : "");
	}
}

int
cmd_list(int argc, char **argv)
{
	struct jb_ctx ctx = { .sysfs_root = "/sys" };
	const char *what = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			list_usage(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--names") && i + 1 < argc) {
			return list_names(argv[i + 1]);
		} else if (!strcmp(argv[i], "--profile") && i + 1 < argc) {
			ctx.profile = argv[++i];
		} else if (!strcmp(argv[i], "--meter-opts") && i + 1 < argc) {
			ctx.meter_opts = argv[++i];
		} else if (!strcmp(argv[i], "--sysfs-root") && i + 1 < argc) {
			/* Hidden, for tests: probe hwmon and rapl-perf on a fake sysfs tree. */
			ctx.sysfs_root = argv[++i];
		} else if (!what && (!strcmp(argv[i], "workloads") || !strcmp(argv[i], "drivers") ||
				     !strcmp(argv[i], "meters"))) {
			what = argv[i];
		} else {
			fprintf(stderr, "joulebench list: unexpected '%s'\n", argv[i]);
			list_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (!what || !strcmp(what, "workloads"))
		list_workloads();
	if (!what || !strcmp(what, "drivers"))
		list_drivers(&ctx);
	if (!what || !strcmp(what, "meters"))
		list_meters(&ctx);
	return CLI_EXIT_OK;
}
