/* SPDX-License-Identifier: MIT */
/*
 * The rungs of `joulebench compare` (compare_rung.h). Ratios are of medians, with the
 * interval of analysis/stats.c (the two sides' variances added on the log scale): warm
 * figures over ok warm windows, cold starts one to a window.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "compare_rung.h"
#include "plot.h"
#include "results.h"
#include "stats.h"

int
compare_bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "joulebench compare: bad value '%s' for %s: %s\n", val, opt, want);
	return CLI_EXIT_USAGE;
}

const struct summary_group *
compare_group_of(const struct runner_report *rep, const char *workload)
{
	size_t i;

	for (i = 0; i < rep->summary.n; i++)
		if (!strcmp(rep->summary.group[i].key.workload, workload))
			return &rep->summary.group[i];
	return NULL;
}

/* One line: the medians of both and the ratio b/a with its 95% CI (flagged when
 * it rests on fewer than 5 windows or starts). */
static void
print_row(const char *what, const char *unit, double scale, double ma, double mb,
	  const struct stats_interval *ci, double *ratio, double *lo, double *hi)
{
	printf("%-14s %12.4g %-3s %12.4g %-3s %8.4f  [%.4f, %.4f]%s\n", what, ma * scale, unit,
	       mb * scale, unit, mb / ma, ci->lo, ci->hi, ci->flag ? " (flagged: < 5)" : "");
	if (ratio) {
		*ratio = mb / ma;
		*lo = ci->lo;
		*hi = ci->hi;
	}
}

/* A warm figure: the medians of the two runs' ok windows (value @v per invocation), the
 * ratio's 95% interval over those windows (analysis/summary.h). */
static void
print_warm(const char *what, const char *unit, double scale, const struct summary_group *a,
	   const struct summary_group *b, enum windows_value v, double *ratio, double *lo,
	   double *hi)
{
	struct stats_interval ci;

	summary_ratio_ci(a, b, v, 0.95, &ci);
	print_row(what, unit, scale, summary_group_median(a, v), summary_group_median(b, v), &ci,
		  ratio, lo, hi);
}

/* A cold figure: each cold start is metered on its own, one window each. */
static void
print_cold(const char *what, const char *unit, double scale, const double *a, size_t na,
	   const double *b, size_t nb, double *ratio, double *lo, double *hi)
{
	struct stats_runs ra = { a, &na, na ? 1 : 0 }, rb = { b, &nb, nb ? 1 : 0 };
	struct stats_interval ci;

	if (na < 2 || nb < 2 || stats_runs_ratio_ci(&ra, &rb, 0.95, &ci))
		ci.lo = ci.hi = NAN;
	print_row(what, unit, scale, na ? stats_quantile(a, na, 0.5) : NAN,
		  nb ? stats_quantile(b, nb, 0.5) : NAN, &ci, ratio, lo, hi);
}


static int
push(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		double *p = realloc(*v, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*v = p, *cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* The cold rows: energy_j and window_wall_ns (the whole cold start: the instance's
 * start to its `ready`, plus the first invocation, which every rung has alike). */
int
compare_cold_row(void *arg, const char *const *f, unsigned long line)
{
	struct rung *r = arg;
	double e, t;
	size_t n;

	(void)line;
	/* A cold start shorter than the meter's window is flagged `untrustworthy` (a
	 * process starts in milliseconds): kept and counted, as the rows keep it. */
	if (strcmp(f[RESULTS_COL_INDEX_phase], "cold") ||
	    (strcmp(f[RESULTS_COL_INDEX_status], "ok") &&
	     strcmp(f[RESULTS_COL_INDEX_status], "untrustworthy")))
		return 0;
	r->n_cold_flagged += strcmp(f[RESULTS_COL_INDEX_status], "ok") != 0;
	e = strtod(f[RESULTS_COL_INDEX_energy_j], NULL);
	t = strtod(f[RESULTS_COL_INDEX_window_wall_ns], NULL) / 1e9;
	if (!isfinite(e) || !(t > 0))
		return 0;
	n = r->n_cold;
	if (push(&r->cold_j, &n, &r->cap_j, e))
		return -ENOMEM;
	n = r->n_cold;
	if (push(&r->cold_s, &n, &r->cap_s, t))
		return -ENOMEM;
	r->n_cold = n;
	return 0;
}

/* The rung's name as it ran, from its sidecar: gVisor's platform, the VM's accelerator,
 * the OCI runtime. */
void
compare_label_of(struct rung *r)
{
	char meta[4200];
	json_object *o, *d, *x;
	const char *rt = "", *ver = "", *p;

	snprintf(r->label, sizeof(r->label), "%s", r->name);
	if (results_meta_path(r->out, meta, sizeof(meta)) || !(o = json_object_from_file(meta)))
		return;
	if (json_object_object_get_ex(o, "driver", &d)) {
		if (json_object_object_get_ex(d, "runtime", &x))
			rt = json_object_get_string(x);
		if (json_object_object_get_ex(d, "runtime_version", &x))
			ver = json_object_get_string(x);
	}
	if ((p = strstr(ver, "platform ")))
		snprintf(r->label, sizeof(r->label), "gvisor-%.*s", (int)strcspn(p + 9, "; "), p + 9);
	else if ((p = strstr(ver, "accel ")))
		snprintf(r->label, sizeof(r->label), "%s-%.*s",
			 strcmp(rt, "firecracker") ? r->name : rt, (int)strcspn(p + 6, "; "), p + 6);
	else if (rt[0] && strcmp(rt, r->name))
		snprintf(r->label, sizeof(r->label), "%s-%.24s", r->name, rt);
	r->vmm_double = strstr(ver, "test double") != NULL;
	json_object_put(o);
}

/* The baseline's rows then @r's, one CSV: what `overhead --server-csv` reads to set
 * container_create_j and isolation_frac for this isolation (sim/params_measured.c). */
int
compare_server_csv_write(const struct rung *base, const struct rung *r, const char *prefix,
			 char *path, size_t len)
{
	const char *src[2] = { base->out, r->out };
	char line[16384];
	FILE *out, *in;
	int i, rc = 0;

	snprintf(path, len, "%s-server-%s.csv", prefix, r->label);
	if (!(out = fopen(path, "we")))
		return -errno;
	for (i = 0; i < 2 && !rc; i++) {
		int first = 1;

		if (!(in = fopen(src[i], "re"))) {
			rc = -errno;
			break;
		}
		/* Whole records only: a quoted field may hold a newline, but the header is one
		 * line and only the second file's is skipped. */
		while (fgets(line, sizeof(line), in)) {
			if (first && i == 1) {
				first = line[strlen(line) - 1] != '\n';
				continue;
			}
			first = 0;
			fputs(line, out);
		}
		fclose(in);
	}
	if (fclose(out) != 0 && !rc)
		rc = -EIO;
	return rc;
}

/* The ladder figure: one bar per isolation, its warm and cold-start energy as ratios to the
 * baseline with their CIs, on a log scale (a VM's cold start is orders above a process's). */
int
compare_ladder_plot(struct rung *r, int n, const char *prefix, struct jb_err *err)
{
	char dat[4200], base[4200], q_dat[8500], script[9500];
	int i, rc, cold = 0;
	FILE *f;

	snprintf(dat, sizeof(dat), "%s-ladder.dat", prefix);
	if ((rc = plot_gnuplot_quote(dat, q_dat, sizeof(q_dat), err)))
		return rc;
	if (!(f = fopen(dat, "we")))
		return jb_err_set(err, -errno, "cannot create %s: %s", dat, strerror(errno));
	fprintf(f, "# isolation warm_energy_ratio lo hi cold_energy_ratio lo hi (vs %s)\n",
		r[0].label);
	for (i = 1; i < n; i++)
		fprintf(f, "%s %.6g %.6g %.6g %.6g %.6g %.6g\n", r[i].label, r[i].ratio[0], r[i].lo[0],
			r[i].hi[0], r[i].ratio[2], r[i].lo[2], r[i].hi[2]);
	if (fclose(f) != 0)
		return jb_err_set(err, -EIO, "writing %s failed", dat);
	for (i = 1; i < n; i++)
		cold |= isfinite(r[i].ratio[2]) && r[i].ratio[2] > 0;
	/* Rung labels are driver names and variants (letters, digits, dashes). */
	snprintf(script, sizeof(script),
		 "set title 'Isolation ladder: energy relative to %s (median, 95%% CI)'\n"
		 "set logscale y\nset ylabel 'ratio to %s'\nset style data histogram\n"
		 "set style histogram errorbars gap 1 lw 1\nset style fill solid 0.6 border -1\n"
		 "set key top left\nset grid ytics\n"
		 "plot %s using 2:3:4:xtic(1) title 'warm invocation'%s\n",
		 r[0].label, r[0].label, q_dat,
		 cold ? ", '' using 5:6:7 title 'cold start (+ first invocation)'" : "");
	snprintf(base, sizeof(base), "%s-ladder", prefix);
	return plot_gnuplot_figures(base, "size 900,500", script, err);
}
/* "container:runsc" -> driver, variant; the variant checked against the driver. */
int
compare_rung_parse(struct rung *r, const char *spec)
{
	const char *colon = strchr(spec, ':');

	snprintf(r->spec, sizeof(r->spec), "%.47s", spec);
	snprintf(r->name, sizeof(r->name), "%.*s", colon ? (int)(colon - spec) : 31, spec);
	snprintf(r->variant, sizeof(r->variant), "%.31s", colon ? colon + 1 : "");
	r->d = driver_find(r->name);
	if (!r->d) {
		fprintf(stderr, "joulebench compare: unknown driver '%s'\n", r->name);
		return CLI_EXIT_USAGE;
	}
	if (r->variant[0] && strcmp(r->name, "container") && strcmp(r->name, "microvm"))
		return compare_bad("--drivers", spec, "only container:RUNTIME and microvm:ACCEL have variants");
	if (r->variant[0] && !strcmp(r->name, "microvm") && strcmp(r->variant, "kvm") &&
	    strcmp(r->variant, "tcg") && strcmp(r->variant, "auto") &&
	    strcmp(r->variant, "firecracker"))
		return compare_bad("--drivers", spec, "microvm:kvm, microvm:tcg, microvm:auto or "
					      "microvm:firecracker");
	return 0;
}

/* The driver configuration of rung @r: its variant, the shared core and memory size. */
void
compare_rung_config(const struct rung *r, struct proto_config *cfg, const char *platform,
		    const char *accel)
{
	int is_ctr = !strcmp(r->name, "container"), is_vm = !strcmp(r->name, "microvm");

	cfg->driver = r->d;
	if (!is_ctr && !is_vm)
		cfg->driver_cfg.memory_mb = 0; /* pinned has no limits of its own */
	cfg->driver_cfg.runtime = is_ctr && r->variant[0] ? r->variant : NULL;
	cfg->driver_cfg.platform = is_ctr && platform && r->variant[0] &&
					   strstr(r->variant, "runsc") ? platform : NULL;
	/* microvm:firecracker: Firecracker (KVM only) instead of QEMU; --accel still applies. */
	cfg->driver_cfg.vmm = is_vm && !strcmp(r->variant, "firecracker") ? "firecracker" : NULL;
	cfg->driver_cfg.accel = is_vm ? (r->variant[0] && !cfg->driver_cfg.vmm ? r->variant : accel)
				      : NULL;
}

void
compare_print_ratios(struct rung *a, struct rung *b, const char *wl)
{
	const struct summary_group *ga = compare_group_of(&a->rep, wl);
	const struct summary_group *gb = compare_group_of(&b->rep, wl);
	struct summary_stats sa, sb;

	summary_group_stats(ga, &sa);
	summary_group_stats(gb, &sb);
	printf("\n%s vs %s\n", b->label, a->label);
	printf("%-14s %16s %16s %8s  %s\n", "median", a->label, b->label, "ratio",
	       "95% CI");
	print_warm("energy", "mJ", 1e3, ga, gb, WINDOWS_ENERGY, &b->ratio[0], &b->lo[0],
		   &b->hi[0]);
	print_warm("dynamic", "mJ", 1e3, ga, gb, WINDOWS_DYNAMIC, NULL, NULL, NULL);
	print_warm("wall", "us", 1e6, ga, gb, WINDOWS_WALL, &b->ratio[1], &b->lo[1], &b->hi[1]);
	print_cold("cold-energy", "J", 1, a->cold_j, a->n_cold, b->cold_j, b->n_cold,
		   &b->ratio[2], &b->lo[2], &b->hi[2]);
	print_cold("cold-time", "ms", 1e3, a->cold_s, a->n_cold, b->cold_s, b->n_cold,
		   &b->ratio[3], &b->lo[3], &b->hi[3]);
	printf("warm: medians of ok windows' figure per invocation; %zu and %zu windows (%zu and "
	       "%zu invocations), %zu and %zu left out; %zu and %zu cold starts; ratio = %s / %s\n",
	       sa.n_windows, sb.n_windows, sa.n, sb.n, sa.windows_excluded, sb.windows_excluded,
	       a->n_cold, b->n_cold, b->label, a->label);
	{
		char note[512];

		summary_dynamic_note(ga, sa.dynamic_median_j, note, sizeof(note));
		if (note[0])
			printf("note: %s: %s\n", a->label, note);
		summary_dynamic_note(gb, sb.dynamic_median_j, note, sizeof(note));
		if (note[0])
			printf("note: %s: %s\n", b->label, note);
	}
	if (sa.n_runs == 1 || sb.n_runs == 1)
		printf("note: %s\n", stats_one_run_note);
	if (sa.n_attributed || sb.n_attributed)
		printf("note: %zu and %zu of the windows' energy is a co-located share by CPU "
		       "time: it rests on attribution (a model), not on the meter alone\n",
		       sa.n_attributed, sb.n_attributed);
	if (a->n_cold_flagged || b->n_cold_flagged)
		printf("note: %zu and %zu of the cold starts were shorter than the meter's window "
		       "(rows flagged untrustworthy): their energy is shown as measured, not "
		       "trusted\n", a->n_cold_flagged, b->n_cold_flagged);
	if (strstr(b->label, "-tcg"))
		printf("note: %s ran under TCG, QEMU's emulator: its cost is emulation, not "
		       "isolation, and does not represent a microVM's (use KVM on a real server)\n",
		       b->label);
	if (b->vmm_double)
		printf("note: %s ran on a test double of its VMM (its --version says so), not "
		       "the real one: its figures are not that VMM's\n", b->label);
}
