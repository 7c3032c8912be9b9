/* SPDX-License-Identifier: MIT */
/*
 * `joulebench check [-m METER]`: the instrument checks itself, as a lab validates one
 * before trusting it. For each measured meter usable here (or the one named): the liveness
 * probe; the counter's real update interval and smallest step against the declared ones;
 * idle power and its noise; a load ladder of 0..N busy cores with the fitted watts per
 * core and R²; and, for every pair of meters that read a domain of the same name (package-0
 * through rapl-perf and rapl-powercap), whether they count the same energy within 1% over
 * a window of at least 1 s. Prints a table, writes PREFIX.csv and a figure of power against
 * busy cores (PREFIX.png, .svg). Exit 0 when every criterion passes, 1 naming the failed
 * ones, 77 when no meter (or not the one named) is usable here. The measurements are
 * meters/meter_ladder.c's; the fit and the figure analysis/ladder.c's.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "driver.h"
#include "ladder.h"
#include "meter_check.h"

/* Criteria (docs/meters.md "joulebench check"). A counter that updates four times slower
 * than declared makes windows sized by the declared rate too short for their stated
 * uncertainty. R² 0.9: a package's power is close to linear in busy cores on the parts
 * measured by Fan et al. ("Power provisioning for a warehouse-sized computer", ISCA 2007,
 * linear power model within a few percent); a counter that does not follow the load is far
 * below. 1%: two readers of one RAPL counter differ only by their read times. */
#define CHECK_UPDATE_SLACK 4.0
#define CHECK_MIN_R2 0.9
#define CHECK_AGREE_REL 0.01
#define CHECK_IDLE_WINDOWS 10
/* The ladder's fitted rise must exceed 3 standard deviations of the idle windows. */
#define CHECK_RISE_NOISES 3.0

struct check_meter {
	const struct meter_ops *ops;
	struct meter m;
	int open, alive;
	char why[1024];
	struct meter_updates upd;
	int upd_rc;
	double idle_w, idle_sd_w;
	struct meter_ladder_step step[METER_CORES_MAX + 1];
	double x[METER_CORES_MAX + 1], y[METER_CORES_MAX + 1];
	int n_steps;
	struct ladder_fit fit;
	char failed[512];
};

static void
check_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench check [-m METER] [OPTIONS]\n\n"
		"Check an energy meter against itself and the others: liveness, update interval\n"
		"and step, idle power and noise, a load ladder of 0..N busy cores (fitted W/core\n"
		"and R^2), and agreement within 1%% of meters reading the same domain; meters of\n"
		"different scopes (a package and the wall) get their ratio, reported, not judged.\n"
		"Without -m, every measured meter usable here. Exit 0 pass, 1 fail (the criterion\n"
		"is named), 77 no such meter here.\n"
		"  -m, --meter NAME       the meter to check (see joulebench list meters)\n"
		"  -d, --domain LIST      domains to sum (default: the meter's default)\n"
		"  -o, --output PREFIX    PREFIX.csv and the figure PREFIX.png/.svg\n"
		"                         (default: runs/check-<UTC time>-<pid>)\n"
		"      --cores LIST       CPUs the load ladder uses (default: all this process may)\n"
		"      --step-s S         length of a ladder step (default: 0.5 s or 50 updates)\n"
		"      --idle-s S         idle measurement (default 2 s, in %d windows)\n"
		"      --agree-s S        agreement window, at least 1 s (default 1)\n"
		"      --profile NAME     power profile of the model meter\n"
		"      --meter-opts K=V,...  backend options\n"
		"      --no-plot          no figure\n"
		"  -q, --quiet            no progress lines on stderr\n",
		CHECK_IDLE_WINDOWS);
}

enum { OPT_CORES = 256, OPT_STEP, OPT_IDLE, OPT_AGREE, OPT_PROFILE, OPT_OPTS, OPT_NOPLOT };

static const struct option check_long[] = {
	{ "meter", required_argument, NULL, 'm' },
	{ "domain", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "cores", required_argument, NULL, OPT_CORES },
	{ "step-s", required_argument, NULL, OPT_STEP },
	{ "idle-s", required_argument, NULL, OPT_IDLE },
	{ "agree-s", required_argument, NULL, OPT_AGREE },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "meter-opts", required_argument, NULL, OPT_OPTS },
	{ "no-plot", no_argument, NULL, OPT_NOPLOT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
cli_check_parse(const char *cmd, int argc, char **argv, struct cli_check_opts *o, int *help)
{
	int c, n;

	*help = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:d:o:qh", check_long, NULL)) != -1) {
		switch (c) {
		case 'm': o->meter = optarg; break;
		case 'd': o->domains = optarg; break;
		case 'o': o->out = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'h': *help = 1; return 0;
		case OPT_NOPLOT: o->no_plot = 1; break;
		case OPT_PROFILE: o->ctx.profile = optarg; break;
		case OPT_OPTS: o->ctx.meter_opts = optarg; break;
		case OPT_CORES:
			n = driver_cores_parse(optarg, o->cores, METER_CORES_MAX);
			if (n <= 0) {
				fprintf(stderr, "joulebench %s: --cores '%s': want a list such as 0-3,6, "
						"each CPU once\n", cmd, optarg);
				return CLI_EXIT_USAGE;
			}
			o->n_cores = (size_t)n;
			break;
		case OPT_STEP:
		case OPT_IDLE:
		case OPT_AGREE: {
			double v, lo = c == OPT_AGREE ? 1.0 : 0.01;

			if (cli_parse_double(optarg, lo, 3600, &v)) {
				fprintf(stderr, "joulebench %s: %s '%s': want seconds from %g to 3600\n",
					cmd, c == OPT_STEP ? "--step-s" : c == OPT_IDLE ? "--idle-s"
							   : "--agree-s", optarg, lo);
				return CLI_EXIT_USAGE;
			}
			*(c == OPT_STEP ? &o->step_s : c == OPT_IDLE ? &o->idle_s : &o->agree_s) = v;
			break;
		}
		case ':':
			fprintf(stderr, "joulebench %s: %s needs a value\n", cmd, argv[optind - 1]);
			return CLI_EXIT_USAGE;
		default:
			fprintf(stderr, "joulebench %s: unknown option '%s'\n", cmd, argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "joulebench %s: unexpected '%s'\n", cmd, argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (!o->n_cores) {
		n = meter_cores_allowed(o->cores, METER_CORES_MAX);
		if (n < 0) {
			fprintf(stderr, "joulebench %s: cannot read this process's CPUs\n", cmd);
			return CLI_EXIT_FAILED;
		}
		o->n_cores = (size_t)n;
	}
	return 0;
}

uint64_t
cli_check_step_ns(const struct cli_check_opts *o, const struct meter *m)
{
	uint64_t ns = 50 * m->info.update_interval_ns;

	if (o->step_s > 0)
		return (uint64_t)(o->step_s * 1e9);
	return ns > 500000000u ? ns : 500000000u;
}

int
cli_check_ladder(const char *cmd, const struct cli_check_opts *o, struct meter *m,
		 struct meter_ladder_step *steps, struct ladder_fit *fit)
{
	double x[METER_CORES_MAX + 1], y[METER_CORES_MAX + 1];
	struct jb_err err = { 0 };
	int n, i;

	if (!o->quiet)
		fprintf(stderr, "joulebench %s: %s: load ladder 0..%zu busy cores, %.2f s a step\n",
			cmd, m->ops->name, o->n_cores, (double)cli_check_step_ns(o, m) / 1e9);
	n = meter_ladder_run(m, o->cores, o->n_cores, cli_check_step_ns(o, m), o->stop, steps,
			     &err);
	if (n < 0) {
		fprintf(stderr, "joulebench %s: %s\n", cmd, err.msg);
		return n;
	}
	for (i = 0; i < n; i++) {
		x[i] = steps[i].busy_cores;
		y[i] = steps[i].power_w;
	}
	if (n > 1 && !o->quiet && steps[n - 1].busy_cores < 0.5 * (double)steps[n - 1].cores_busy)
		fprintf(stderr, "joulebench %s: %s: the load got only %.2f of %u cores (a busy "
				"machine?): the fitted W/core is an extrapolation\n", cmd, m->ops->name,
			steps[n - 1].busy_cores, steps[n - 1].cores_busy);
	if (ladder_fit_line(x, y, (size_t)n, fit)) {
		fprintf(stderr, "joulebench %s: %s: the ladder has too few distinct steps to fit "
				"(interrupted, or the load got no CPU)\n", cmd, m->ops->name);
		return -ENODATA;
	}
	return n;
}

static void __attribute__((format(printf, 2, 3)))
fail_add(struct check_meter *c, const char *fmt, ...)
{
	size_t used = strlen(c->failed);
	va_list ap;

	if (used && used + 2 < sizeof(c->failed)) {
		memcpy(c->failed + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(c->failed + used, sizeof(c->failed) - used, fmt, ap);
	va_end(ap);
}

/* Every measurement of one open, live meter, and its verdicts. */
static void
check_one(const struct cli_check_opts *o, struct check_meter *c)
{
	struct meter *m = &c->m;
	double p[CHECK_IDLE_WINDOWS], lo_w, hi_w, sum = 0, ss = 0, declared_s, x_max = 0;
	uint64_t idle_win_ns = (uint64_t)(o->idle_s * 1e9 / CHECK_IDLE_WINDOWS);
	int i, rc;

	c->upd_rc = meter_updates_measure(m, 200000000u > 20 * m->info.update_interval_ns
					      ? 200000000u : 20 * m->info.update_interval_ns,
					  &c->upd);
	declared_s = (double)m->info.update_interval_ns / 1e9;
	if (c->upd_rc)
		fail_add(c, "update interval (the counter changed fewer than 3 times in %.2f s)",
			 c->upd.polled_s);
	else if (c->upd.interval_s > CHECK_UPDATE_SLACK * declared_s)
		fail_add(c, "update interval (%.4g s, declared %.4g s)", c->upd.interval_s,
			 declared_s);
	/* The noise of windows of this length, so at least 10 updates each. */
	if (idle_win_ns < 10 * m->info.update_interval_ns)
		idle_win_ns = 10 * m->info.update_interval_ns;
	if (!o->quiet)
		fprintf(stderr, "joulebench check: %s: idle power over %d windows of %.2f s\n",
			m->ops->name, CHECK_IDLE_WINDOWS, (double)idle_win_ns / 1e9);
	rc = meter_power_series(m, idle_win_ns, CHECK_IDLE_WINDOWS, p);
	if (rc) {
		fail_add(c, "idle power (a read failed: %s)", jb_strerror(rc));
		c->idle_w = c->idle_sd_w = NAN;
	} else {
		for (i = 0; i < CHECK_IDLE_WINDOWS; i++)
			sum += p[i];
		c->idle_w = sum / CHECK_IDLE_WINDOWS;
		for (i = 0; i < CHECK_IDLE_WINDOWS; i++)
			ss += (p[i] - c->idle_w) * (p[i] - c->idle_w);
		c->idle_sd_w = sqrt(ss / (CHECK_IDLE_WINDOWS - 1));
		meter_power_range_w(m, &lo_w, &hi_w);
		if (!(c->idle_w >= lo_w && c->idle_w <= hi_w) &&
		    m->ops->kind == METER_KIND_MEASURED)
			fail_add(c, "idle power (%.4g W outside the plausible %.4g W and up)",
				 c->idle_w, lo_w);
	}
	c->n_steps = cli_check_ladder("check", o, m, c->step, &c->fit);
	if (c->n_steps < 0) {
		fail_add(c, "ladder (not measured)");
		c->n_steps = 0;
		return;
	}
	for (i = 0; i < c->n_steps; i++) {
		c->x[i] = c->step[i].busy_cores;
		c->y[i] = c->step[i].power_w;
	}
	for (i = 0; i < c->n_steps; i++)
		x_max = c->x[i] > x_max ? c->x[i] : x_max;
	if (!(c->fit.w_per_core > 0))
		fail_add(c, "ladder (power does not rise with load: %.4g W/core)",
			 c->fit.w_per_core);
	else if (isfinite(c->idle_sd_w) &&
		 !(c->fit.w_per_core * x_max > CHECK_RISE_NOISES * c->idle_sd_w))
		/* With a few steps a flat counter's noise can fit a line with a high R²: the
		 * rise itself must stand out of the idle noise. */
		fail_add(c, "ladder (power rises %.3g W over the ladder, within %g x the idle "
			    "noise %.3g W: the counter does not follow the load)",
			 c->fit.w_per_core * x_max, CHECK_RISE_NOISES, c->idle_sd_w);
	else if (!(c->fit.r2 >= CHECK_MIN_R2))
		fail_add(c, "ladder (R^2 %.3f < %.2f)", c->fit.r2, CHECK_MIN_R2);
}

static void
csv_row(FILE *f, const char *meter, const char *domain, const char *measure, double busy,
	double value, const char *unit, double declared, double limit, const char *other,
	const char *result)
{
	fprintf(f, "%s,\"%s\",%s,", meter, domain, measure);
	if (isfinite(busy))
		fprintf(f, "%.6g", busy);
	fprintf(f, ",%.9g,%s,", value, unit);
	if (isfinite(declared))
		fprintf(f, "%.9g", declared);
	fprintf(f, ",");
	if (isfinite(limit))
		fprintf(f, "%.9g", limit);
	fprintf(f, ",%s,%s\n", other, result);
}

static int
check_write_csv(const char *path, struct check_meter *cm, size_t n, struct meter_agreement *ag,
		const char (*pair)[2][METER_NAME_MAX], size_t n_ag)
{
	FILE *f = fopen(path, "we");
	size_t i;
	int k;

	if (!f) {
		fprintf(stderr, "joulebench check: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "meter,domain,measure,busy_cores,value,unit,declared,limit,other_meter,result\n");
	for (i = 0; i < n; i++) {
		struct check_meter *c = &cm[i];
		const char *d = c->m.selection;

		if (!c->open)
			continue;
		if (!c->alive) {
			csv_row(f, c->ops->name, d, "liveness", NAN, 0, "", NAN, NAN, "", "fail");
			continue;
		}
		if (!c->upd_rc) {
			csv_row(f, c->ops->name, d, "update_interval_s", NAN, c->upd.interval_s, "s",
				(double)c->m.info.update_interval_ns / 1e9,
				CHECK_UPDATE_SLACK * (double)c->m.info.update_interval_ns / 1e9, "",
				strstr(c->failed, "update") ? "fail" : "pass");
			csv_row(f, c->ops->name, d, "step_min_j", NAN, c->upd.step_min_j, "J",
				c->m.info.resolution_j, NAN, "", "info");
		}
		csv_row(f, c->ops->name, d, "idle_power_w", 0, c->idle_w, "W", NAN, NAN, "",
			strstr(c->failed, "idle") ? "fail" : "pass");
		csv_row(f, c->ops->name, d, "idle_noise_sd_w", 0, c->idle_sd_w, "W", NAN, NAN, "",
			"info");
		for (k = 0; k < c->n_steps; k++)
			csv_row(f, c->ops->name, d, "ladder_power_w", c->step[k].busy_cores,
				c->step[k].power_w, "W", NAN, NAN, "", "info");
		if (c->n_steps) {
			csv_row(f, c->ops->name, d, "w_per_core", NAN, c->fit.w_per_core, "W", NAN, 0,
				"", strstr(c->failed, "ladder") ? "fail" : "pass");
			csv_row(f, c->ops->name, d, "idle_fit_w", NAN, c->fit.idle_w, "W", NAN, NAN, "",
				"info");
			csv_row(f, c->ops->name, d, "r2", NAN, c->fit.r2, "", NAN, CHECK_MIN_R2, "",
				strstr(c->failed, "ladder") ? "fail" : "pass");
		}
	}
	for (i = 0; i < n_ag; i++)
		if (ag[i].scopes_differ)
			csv_row(f, pair[i][0], ag[i].domain, "scope_ratio", NAN,
				ag[i].a_j / ag[i].b_j, "", NAN, NAN, pair[i][1], "info");
		else
			csv_row(f, pair[i][0], ag[i].domain, "agreement_rel", NAN, ag[i].diff_rel,
				"", NAN, CHECK_AGREE_REL, pair[i][1],
				ag[i].diff_rel <= CHECK_AGREE_REL ? "pass" : "fail");
	if (fclose(f) != 0) {
		fprintf(stderr, "joulebench check: writing %s failed\n", path);
		return -1;
	}
	return 0;
}

static void
check_print(const struct check_meter *c)
{
	int k;

	printf("%s (%s, domain %s):\n", c->ops->name,
	       c->ops->kind == METER_KIND_MODELED ? "modeled" : "measured", c->m.selection);
	if (!c->alive) {
		printf("  liveness        FAIL  %s\n", c->why);
		return;
	}
	printf("  liveness        pass  %s\n", c->why);
	if (c->upd_rc)
		printf("  update interval FAIL  fewer than 3 changes in %.2f s\n", c->upd.polled_s);
	else
		printf("  update interval %s  %.4g ms measured, %.4g ms declared; smallest step "
		       "%.4g J (declared resolution %.4g J)\n",
		       strstr(c->failed, "update") ? "FAIL" : "pass", c->upd.interval_s * 1e3,
		       (double)c->m.info.update_interval_ns / 1e6, c->upd.step_min_j,
		       c->m.info.resolution_j);
	printf("  idle power      %s  %.4g W, noise (sd of %d windows) %.3g W\n",
	       strstr(c->failed, "idle") ? "FAIL" : "pass", c->idle_w, CHECK_IDLE_WINDOWS,
	       c->idle_sd_w);
	printf("  load ladder     %s  %.4g W + %.4g W/core, R^2 %.4f\n",
	       strstr(c->failed, "ladder") ? "FAIL" : "pass", c->fit.idle_w, c->fit.w_per_core,
	       c->fit.r2);
	for (k = 0; k < c->n_steps; k++)
		printf("    %2u cores asked, %5.2f busy: %.4g W over %.2f s\n", c->step[k].cores_busy,
		       c->step[k].busy_cores, c->step[k].power_w, c->step[k].wall_s);
}

/* Which meters to check; 0, or the exit code. */
static int
check_select(const struct cli_check_opts *o, struct check_meter *cm, size_t *n)
{
	char why[1024];
	size_t i;
	int rc;

	*n = 0;
	if (o->meter) {
		const struct meter_ops *ops = meter_find(o->meter);

		if (!ops) {
			fprintf(stderr, "joulebench check: unknown meter '%s' (see joulebench list "
					"meters)\n", o->meter);
			return CLI_EXIT_USAGE;
		}
		rc = ops->probe(&o->ctx, why, sizeof(why));
		if (rc) {
			fprintf(stderr, "joulebench check: meter %s %s: %s\n", o->meter,
				rc == -EINVAL ? "is misconfigured" : "is not usable here", why);
			return rc == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_UNAVAILABLE;
		}
		cm[(*n)++].ops = ops;
		return 0;
	}
	for (i = 0; i < meter_count(); i++) {
		const struct meter_ops *ops = meter_at(i);

		if (ops->kind != METER_KIND_MEASURED)
			continue;
		rc = ops->probe(&o->ctx, why, sizeof(why));
		if (rc == 0)
			cm[(*n)++].ops = ops;
		else if (!o->quiet)
			fprintf(stderr, "joulebench check: meter %s unusable: %s\n", ops->name, why);
	}
	if (!*n) {
		fprintf(stderr, "joulebench check: no measured meter is usable here (joulebench list "
				"meters says why; `joulebench check -m model` checks the model)\n");
		return CLI_EXIT_UNAVAILABLE;
	}
	return 0;
}

int
cmd_check(int argc, char **argv)
{
	struct cli_check_opts o = { .ctx = { .sysfs_root = "/sys" }, .idle_s = 2.0, .agree_s = 1.0 };
	struct meter_agreement ag[64];
	char pair[64][2][METER_NAME_MAX], prefix[3900], path[4096];
	struct ladder_series series[16];
	struct check_meter *cm;
	size_t n = 0, i, j, n_ag = 0, n_series = 0, n_open = 0;
	int help, code, failed = 0;

	code = cli_check_parse("check", argc, argv, &o, &help);
	if (help)
		check_usage(stdout);
	if (code || help)
		return code;
	o.stop = cli_stop_install();
	cm = calloc(meter_count(), sizeof(*cm));
	if (!cm)
		return CLI_EXIT_FAILED;
	code = check_select(&o, cm, &n);
	if (code)
		goto out;
	for (i = 0; i < n; i++) {
		struct check_meter *c = &cm[i];
		struct jb_err err = { 0 };
		int rc = meter_open(&c->m, c->ops, &o.ctx, &err);

		if (rc) {
			fprintf(stderr, "joulebench check: %s\n", err.msg);
			if (o.meter) {
				code = CLI_EXIT_UNAVAILABLE;
				goto out;
			}
			continue;
		}
		c->open = 1;
		n_open++;
		if (o.domains && meter_select(&c->m, o.domains, &err)) {
			fprintf(stderr, "joulebench check: %s\n", err.msg);
			code = CLI_EXIT_USAGE;
			goto out;
		}
		rc = meter_liveness_check(&c->m, o.cores, o.n_cores, c->why, sizeof(c->why));
		/* One that does not follow load passes here; the ladder fails it with numbers. */
		c->alive = rc == 0 || rc == METER_LIVE_NO_LOAD;
		if (!c->alive) {
			snprintf(c->failed, sizeof(c->failed), "liveness");
			continue;
		}
		check_one(&o, c);
		if (c->n_steps && n_series < 16)
			series[n_series++] = (struct ladder_series){ c->ops->name, (size_t)c->n_steps,
								      c->x, c->y, c->fit };
	}
	if (!n_open) {
		code = CLI_EXIT_UNAVAILABLE;
		goto out;
	}
	/* Every pair of live meters with a domain of the same name. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			struct meter_agreement g[METER_DOMAINS_MAX];
			int k, rc;

			if (!cm[i].alive || !cm[j].alive || (o.stop && *o.stop))
				continue;
			rc = meter_agree(&cm[i].m, &cm[j].m, (uint64_t)(o.agree_s * 1e9), g);
			for (k = 0; k < rc && n_ag < 64; k++, n_ag++) {
				ag[n_ag] = g[k];
				snprintf(pair[n_ag][0], METER_NAME_MAX, "%s", cm[i].ops->name);
				snprintf(pair[n_ag][1], METER_NAME_MAX, "%s", cm[j].ops->name);
			}
		}
	for (i = 0; i < n; i++) {
		if (!cm[i].open)
			continue;
		check_print(&cm[i]);
		failed |= cm[i].failed[0] != 0;
	}
	for (i = 0; i < n_ag; i++) {
		int ok = ag[i].diff_rel <= CHECK_AGREE_REL;

		/* Different scopes do not agree by design: their ratio is the figure (how much
		 * of the wall or the board the package counter sees), never a failure. */
		if (ag[i].scopes_differ) {
			printf("scope ratio %s %s (%s) / %s (%s): %.4g  %.6g J vs %.6g J over %.2f s "
			       "(different scopes: reported, not judged)\n", ag[i].domain,
			       pair[i][0], ag[i].scope_a, pair[i][1], ag[i].scope_b,
			       ag[i].a_j / ag[i].b_j, ag[i].a_j, ag[i].b_j, ag[i].window_s);
			continue;
		}

		printf("agreement %s %s vs %s: %s  %.6g J vs %.6g J over %.2f s, %.3f%% apart "
		       "(limit %.0f%%)\n", ag[i].domain, pair[i][0], pair[i][1], ok ? "pass" : "FAIL",
		       ag[i].a_j, ag[i].b_j, ag[i].window_s, 100 * ag[i].diff_rel,
		       100 * CHECK_AGREE_REL);
		failed |= !ok;
	}
	if (n_open > 1 && !n_ag)
		printf("agreement: no two live meters read a domain of the same name or "
		       "different scopes\n");
	if (o.out) {
		snprintf(prefix, sizeof(prefix), "%s", o.out);
	} else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		if (mkdir("runs", 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "joulebench check: cannot create runs/: %s\n", strerror(errno));
			code = CLI_EXIT_FAILED;
			goto out;
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(prefix, sizeof(prefix), "runs/check-%s-%ld", stamp, (long)getpid());
	}
	snprintf(path, sizeof(path), "%s.csv", prefix);
	if (check_write_csv(path, cm, n, ag, (const char (*)[2][METER_NAME_MAX])pair, n_ag)) {
		code = CLI_EXIT_FAILED;
		goto out;
	}
	printf("wrote %s\n", path);
	if (!o.no_plot && n_series) {
		struct jb_err err = { 0 };

		if (ladder_plot(prefix, series, n_series, &err))
			fprintf(stderr, "joulebench check: no figure: %s\n", err.msg);
		else
			printf("wrote %s.png and %s.svg\n", prefix, prefix);
	}
	for (i = 0; i < n; i++)
		if (cm[i].failed[0])
			fprintf(stderr, "joulebench check: %s FAILED: %s%s%s\n", cm[i].ops->name,
				cm[i].failed, cm[i].alive ? "" : ": ", cm[i].alive ? "" : cm[i].why);
	for (i = 0; i < n_ag; i++)
		if (!ag[i].scopes_differ && ag[i].diff_rel > CHECK_AGREE_REL)
			fprintf(stderr, "joulebench check: FAILED: agreement (%s %s vs %s %.3f%% apart)\n",
				ag[i].domain, pair[i][0], pair[i][1], 100 * ag[i].diff_rel);
	code = failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
out:
	for (i = 0; i < n; i++)
		if (cm[i].open)
			meter_close(&cm[i].m);
	free(cm);
	return code;
}
