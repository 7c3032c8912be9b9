/* SPDX-License-Identifier: MIT */
/*
 * `joulebench calibrate -m METER -o FILE.profile`: a power profile for the `model` meter,
 * fitted on this machine from a real meter's load ladder (idle_w from the fit's intercept,
 * loaded_w = idle_w + W/core x cores), in the profile format meters/profile.c reads, with
 * its provenance: CPU model, kernel, meter and domain, date, the fit and the ladder.
 * `--meter model --meter-opts profile=FILE` then estimates energy with it, still labelled
 * modeled. This is how a user without counter access (not root, a container) gets estimates
 * calibrated on the same hardware, as Kepler trains its models from RAPL.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "jb_file.h"
#include "profile.h"
#include "sysinfo.h"

/* The same line criterion as check's ladder (cmd_check.c): a profile from a counter that
 * does not follow the load would model nothing. */
#define CALIB_MIN_R2 0.9

static void
calibrate_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench calibrate -m METER -o FILE.profile [OPTIONS]\n\n"
		"Fit a power profile for the model meter from METER's load ladder on this machine\n"
		"(0..N busy cores): idle_w, loaded_w and cores, with the CPU model, kernel, meter\n"
		"and date it came from. Use it with --meter model --meter-opts profile=FILE\n"
		"(estimates stay labelled modeled).\n"
		"  -m, --meter NAME       a measured meter (see joulebench list meters)\n"
		"  -o, --output FILE      the profile to write (NAME.profile)\n"
		"  -d, --domain LIST      domains to sum (default: the meter's default)\n"
		"      --cores LIST       CPUs of the ladder, and the profile's cores (default: all\n"
		"                         this process may use)\n"
		"      --step-s S         length of a ladder step (default: 0.5 s or 50 updates)\n"
		"      --meter-opts K=V,...  backend options\n"
		"  -q, --quiet            no progress lines on stderr\n");
}

/* The profile's name: FILE's base name without .profile, as profile.c looks names up. */
static int
calibrate_name(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 8 && strcmp(base + n - 8, ".profile") == 0)
		n -= 8;
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(name, base, n);
	name[n] = '\0';
	return 0;
}

static int
calibrate_put(FILE *f, void *text)
{
	return fputs(text, f) < 0 ? -EIO : 0;
}

int
cmd_calibrate(int argc, char **argv)
{
	struct cli_check_opts o = { .ctx = { .sysfs_root = "/sys" } };
	struct meter_ladder_step *steps;
	struct meter_profile check;
	struct sysinfo_host host;
	const struct meter_ops *ops;
	struct ladder_fit fit;
	struct jb_err err = { 0 };
	struct meter m;
	char name[64], date[32], text[16384], src[400];
	size_t used = 0;
	time_t now = time(NULL);
	struct tm tm;
	int help, code, n, i, rc;
	double loaded_w;

	code = cli_check_parse("calibrate", argc, argv, &o, &help);
	if (help)
		calibrate_usage(stdout);
	if (code || help)
		return code;
	if (!o.meter || !o.out) {
		fprintf(stderr, "joulebench calibrate: needs -m METER and -o FILE.profile\n");
		return CLI_EXIT_USAGE;
	}
	if (calibrate_name(o.out, name, sizeof(name))) {
		fprintf(stderr, "joulebench calibrate: -o %s: want FILE.profile with a name of 1 to "
				"63 characters\n", o.out);
		return CLI_EXIT_USAGE;
	}
	if (meter_find(o.meter) && meter_find(o.meter)->kind == METER_KIND_MODELED) {
		fprintf(stderr, "joulebench calibrate: -m %s: calibrate from a measured meter (the "
				"model would only fit itself)\n", o.meter);
		return CLI_EXIT_USAGE;
	}
	ops = cli_meter_pick_live(o.meter, &o.ctx, o.domains, o.cores, o.n_cores, o.quiet, &code);
	if (!ops)
		return code;
	o.stop = cli_stop_install();
	if (meter_open(&m, ops, &o.ctx, &err)) {
		fprintf(stderr, "joulebench calibrate: %s\n", err.msg);
		return CLI_EXIT_UNAVAILABLE;
	}
	if (o.domains && meter_select(&m, o.domains, &err)) {
		fprintf(stderr, "joulebench calibrate: %s\n", err.msg);
		meter_close(&m);
		return CLI_EXIT_USAGE;
	}
	steps = calloc(o.n_cores + 1, sizeof(*steps));
	if (!steps) {
		meter_close(&m);
		return CLI_EXIT_FAILED;
	}
	n = cli_check_ladder("calibrate", &o, &m, steps, &fit);
	code = CLI_EXIT_FAILED;
	if (n < 0)
		goto out;
	if (o.stop && *o.stop) {
		fprintf(stderr, "joulebench calibrate: interrupted; no profile written\n");
		goto out;
	}
	loaded_w = fit.idle_w + fit.w_per_core * (double)o.n_cores;
	printf("%s (domain %s): %.4g W + %.4g W/core, R^2 %.4f over %d steps\n", ops->name,
	       m.selection, fit.idle_w, fit.w_per_core, fit.r2, n);
	if (!(fit.idle_w > 0) || !(fit.w_per_core > 0) || !(fit.r2 >= CALIB_MIN_R2)) {
		fprintf(stderr, "joulebench calibrate: FAILED: ladder (%.4g W + %.4g W/core, R^2 "
				"%.3f; want a positive idle power and slope and R^2 >= %.2f); no profile "
				"written (joulebench check -m %s says more)\n",
			fit.idle_w, fit.w_per_core, fit.r2, CALIB_MIN_R2, ops->name);
		goto out;
	}
	sysinfo_read(&host);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(src, sizeof(src), "joulebench calibrate -m %s, domain %s, %.80s, %.60s, %s",
		 ops->name, m.selection, host.cpu_model, host.kernel, date);
#define ADD(...) (used += (size_t)snprintf(text + used, used < sizeof(text) ? sizeof(text) - used : 0, __VA_ARGS__))
	ADD("# joulebench platform power profile, written by `joulebench calibrate` and read by\n"
	    "# the model meter (meters/profile.c). Format: `key = value | source`.\n"
	    "# Estimates made with it are labelled meter_kind=modeled.\n"
	    "# meter: %s (%s), domain %s\n# cpu_model: %s\n# kernel: %s\n# host: %s\n# arch: %s\n"
	    "# date: %s\n# joulebench: %s (git %s)\n"
	    "# fit: %.6g W + %.6g W/core, R^2 %.6f, %d steps of %.3f s on CPUs",
	    ops->name, m.info.detail, m.selection, host.cpu_model, host.kernel, host.host,
	    host.arch, date, JB_VERSION, JB_GIT_REVISION, fit.idle_w, fit.w_per_core, fit.r2, n,
	    (double)cli_check_step_ns(&o, &m) / 1e9);
	for (i = 0; i < (int)o.n_cores && used < sizeof(text) - 64; i++)
		ADD("%s%d", i ? "," : " ", o.cores[i]);
	ADD("\n# ladder: cores_asked busy_cores power_w\n");
	for (i = 0; i < n && used < sizeof(text) - 128; i++)
		ADD("#   %u %.4f %.6g\n", steps[i].cores_busy, steps[i].busy_cores, steps[i].power_w);
	ADD("name = %s | joulebench calibrate\n", name);
	ADD("description = %.60s, %.40s calibrated from %s (%s) on %s | joulebench calibrate\n",
	    host.cpu_model, host.host, ops->name, m.selection, date);
	ADD("arch = %.31s | uname -m\n", host.arch);
	ADD("cores = %zu | CPUs of the load ladder (--cores, else every CPU joulebench may use)\n",
	    o.n_cores);
	ADD("idle_w = %.6g | fit intercept at 0 busy cores: %s\n", fit.idle_w, src);
	ADD("loaded_w = %.6g | idle_w + %zu cores x %.6g W/core fitted (R^2 %.4f): %s\n", loaded_w,
	    o.n_cores, fit.w_per_core, fit.r2, src);
#undef ADD
	if (used >= sizeof(text)) {
		fprintf(stderr, "joulebench calibrate: profile text too long\n");
		goto out;
	}
	/* Never write a profile the model could not read back. */
	if (meter_profile_parse(text, o.out, &check, &err)) {
		fprintf(stderr, "joulebench calibrate: internal error, the profile does not parse: "
				"%s\n", err.msg);
		goto out;
	}
	rc = jb_file_replace(o.out, 0644, calibrate_put, text);
	if (rc) {
		fprintf(stderr, "joulebench calibrate: cannot write %s: %s\n", o.out, jb_strerror(rc));
		goto out;
	}
	printf("wrote %s: idle_w %.4g W, loaded_w %.4g W, %zu cores; use it with --meter model "
	       "--meter-opts profile=%s\n", o.out, fit.idle_w, loaded_w, o.n_cores, o.out);
	code = CLI_EXIT_OK;
out:
	free(steps);
	meter_close(&m);
	return code;
}
