/* SPDX-License-Identifier: MIT */
/*
 * `joulebench compare`: the isolation ladder in one command. The same workload runs under
 * each driver given (default: bare on a pinned core, then in a container), every one on
 * the same core and, where it has one, the CPU quota of the same memory size; each is a
 * complete run with its own CSV. The first driver is the baseline (normally `pinned`);
 * every other one is an isolation, and for each, its energy and time per warm invocation
 * and per cold start are reported as ratios to the baseline: the ratio of the medians
 * with its percentile bootstrap confidence interval (Efron and Tibshirani, "An
 * Introduction to the Bootstrap", 1993, ch. 13), from analysis/stats.c, resampled with
 * GSL's MT19937 seeded by --seed so the interval can be reproduced. A driver may carry a
 * variant: `container:runsc` (gVisor; `--platform` picks its platform), `container:runc`,
 * `microvm:tcg`, `microvm:kvm`, `microvm:firecracker` (Firecracker, under KVM). Each isolation is named as it ran (its sidecar: the
 * runtime, gVisor platform or accelerator), one figure of the ladder is drawn with
 * gnuplot, and for each isolation a server CSV (baseline rows + its rows) is written for
 * `joulebench overhead --server-csv`, whose container_create_j and isolation_frac it
 * measures.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_functions.h"
#include "oci_bundle.h"
#include "plot.h"
#include "results.h"
#include "runner.h"
#include "stats.h"

#define RUNGS_MAX 6
#define BOOT_DEFAULT 2000u

static void
compare_usage(FILE *f)
{
	fprintf(f,
		"usage: joulebench compare [OPTIONS]\n\n"
		"Run one workload under each driver on the same core and report, for every driver\n"
		"after the first, the energy and time per warm invocation and per cold start\n"
		"relative to the first, with bootstrap 95%% confidence intervals.\n\n"
		"      --drivers A,B,...  the baseline then the isolations, 2 to 6 (default:\n"
		"                         pinned,container); variants: container:RUNTIME (runc,\n"
		"                         crun, runsc = gVisor), microvm:ACCEL (kvm, tcg, auto),\n"
		"                         microvm:firecracker (Firecracker instead of QEMU)\n"
		"  -w, --workload NAME    one workload (default: matmul)\n"
		"  -f, --function PATH    or your function: a function file or a SeBS benchmark\n"
		"                         directory (docs/functions.md)\n"
		"  -s, --size SIZE        test, small or large (default: small)\n"
		"  -m, --meter NAME       a meter, or 'auto' (default: auto)\n"
		"      --core N           the core all run on (default: the last usable one)\n"
		"      --memory-mb M      container and microVM memory; quota = M / 1769 vCPU\n"
		"                         (default: 1769)\n"
		"      --platform P       gVisor platform for container:runsc (default: runsc's)\n"
		"      --accel A          microvm accelerator without a variant (default: auto)\n"
		"  -r, --runs N           metered windows per driver (default: 10)\n"
		"      --cold N           cold starts per driver, each measured (default: 3)\n"
		"      --warmup N         warm invocations before the windows (default: 3)\n"
		"      --min-window-s S   shortest window (default: the meter's)\n"
		"      --idle-s S         idle baseline before and after each run (default: 2)\n"
		"      --seed N           input seed and bootstrap seed (default: 42)\n"
		"      --bootstrap N      bootstrap resamples (default: 2000)\n"
		"      --fn PATH          the joulebench-fn function runner\n"
		"  -o, --output PREFIX    PREFIX-<driver>.csv per driver, PREFIX-server-<isolation>.csv\n"
		"                         for overhead --server-csv, PREFIX-ladder.{dat,png,svg}\n"
		"                         (default: runs/compare-<time>)\n"
		"      --force            overwrite them\n"
		"  -q, --quiet            no context lines on stderr\n"
		"  -h, --help             this text\n\n"
		"Exit: 0 ok, 1 a run failed, 2 bad usage, 77 a driver or meter is not available.\n");
}

enum { OPT_DRIVERS = 256, OPT_CORE, OPT_MEMORY, OPT_WARMUP, OPT_MIN_WINDOW, OPT_IDLE, OPT_SEED,
       OPT_BOOT, OPT_FN, OPT_FORCE, OPT_COLD, OPT_PLATFORM, OPT_ACCEL };

static const struct option compare_options[] = {
	{ "drivers", required_argument, NULL, OPT_DRIVERS },
	{ "workload", required_argument, NULL, 'w' },
	{ "function", required_argument, NULL, 'f' },
	{ "size", required_argument, NULL, 's' },
	{ "meter", required_argument, NULL, 'm' },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "memory-mb", required_argument, NULL, OPT_MEMORY },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "runs", required_argument, NULL, 'r' },
	{ "cold", required_argument, NULL, OPT_COLD },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "min-window-s", required_argument, NULL, OPT_MIN_WINDOW },
	{ "idle-s", required_argument, NULL, OPT_IDLE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "bootstrap", required_argument, NULL, OPT_BOOT },
	{ "fn", required_argument, NULL, OPT_FN },
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "joulebench compare: bad value '%s' for %s: %s\n", val, opt, want);
	return CLI_EXIT_USAGE;
}

/* One rung of the ladder: a driver with its variant, its run, its cold starts. */
struct rung {
	char spec[48], name[32], variant[32];
	char label[48];                /* as it ran: "pinned", "container-runc", "gvisor-ptrace" */
	const struct driver_ops *d;
	char out[4096];
	struct runner_report rep;
	double *cold_j, *cold_s;       /* energy and time of each ok cold start */
	size_t n_cold, cap_j, cap_s;
	size_t n_cold_flagged;         /* of those, flagged untrustworthy (too short a window) */
	double ratio[4], lo[4], hi[4]; /* warm energy, warm time, cold energy, cold time */
	int vmm_double;                /* its VMM said it is a test double (--version) */
};

static const struct summary_group *
group_of(const struct runner_report *rep, const char *workload)
{
	size_t i;

	for (i = 0; i < rep->summary.n; i++)
		if (!strcmp(rep->summary.group[i].workload, workload))
			return &rep->summary.group[i];
	return NULL;
}

/* One line: the medians of both and the ratio b/a with its bootstrap 95% CI (the same
 * statistics as `joulebench analyze --ratios`, analysis/stats.c). */
static void
print_row(const char *what, const char *unit, double scale, const double *a, size_t na,
	  const double *b, size_t nb, unsigned boot, uint64_t seed, double *ratio, double *lo,
	  double *hi)
{
	double ma = na ? stats_quantile(a, na, 0.5) : NAN, mb = nb ? stats_quantile(b, nb, 0.5) : NAN;
	struct stats_ci ci;

	if (na < 2 || nb < 2 || stats_ratio_ci(a, na, b, nb, boot, seed, 0.95, &ci))
		ci.lo = ci.hi = NAN;
	printf("%-14s %12.4g %-3s %12.4g %-3s %8.4f  [%.4f, %.4f]\n", what, ma * scale, unit,
	       mb * scale, unit, mb / ma, ci.lo, ci.hi);
	if (ratio) {
		*ratio = mb / ma;
		*lo = ci.lo;
		*hi = ci.hi;
	}
}

static int
last_core(void)
{
	cpu_set_t set;
	int c, last = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			last = c;
	return last;
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
static int
cold_row(void *arg, const char *const *f, unsigned long line)
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
static void
label_of(struct rung *r)
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
 * container_create_j and isolation_frac for this isolation (analysis/params_measured.c). */
static int
server_csv_write(const struct rung *base, const struct rung *r, const char *prefix, char *path,
		 size_t len)
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
static int
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
		 "set title 'Isolation ladder: energy relative to %s (median, 95%% bootstrap CI)'\n"
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
static int
rung_parse(struct rung *r, const char *spec)
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
		return bad("--drivers", spec, "only container:RUNTIME and microvm:ACCEL have variants");
	if (r->variant[0] && !strcmp(r->name, "microvm") && strcmp(r->variant, "kvm") &&
	    strcmp(r->variant, "tcg") && strcmp(r->variant, "auto") &&
	    strcmp(r->variant, "firecracker"))
		return bad("--drivers", spec, "microvm:kvm, microvm:tcg, microvm:auto or "
					      "microvm:firecracker");
	return 0;
}

/* The driver configuration of rung @r: its variant, the shared core and memory size. */
static void
rung_config(const struct rung *r, struct proto_config *cfg, const char *platform,
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

static void
print_ratios(struct rung *a, struct rung *b, const char *wl, unsigned boot, uint64_t seed)
{
	const struct summary_group *ga = group_of(&a->rep, wl), *gb = group_of(&b->rep, wl);

	printf("\n%s vs %s\n", b->label, a->label);
	printf("%-14s %16s %16s %8s  %s\n", "median", a->label, b->label, "ratio",
	       "95% CI (bootstrap)");
	print_row("energy", "mJ", 1e3, ga->energy_j, ga->n, gb->energy_j, gb->n, boot, seed,
		  &b->ratio[0], &b->lo[0], &b->hi[0]);
	print_row("dynamic", "mJ", 1e3, ga->dynamic_j, ga->n, gb->dynamic_j, gb->n, boot, seed + 1,
		  NULL, NULL, NULL);
	print_row("wall", "us", 1e6, ga->wall_s, ga->n, gb->wall_s, gb->n, boot, seed + 2,
		  &b->ratio[1], &b->lo[1], &b->hi[1]);
	print_row("cold-energy", "J", 1, a->cold_j, a->n_cold, b->cold_j, b->n_cold, boot, seed + 3,
		  &b->ratio[2], &b->lo[2], &b->hi[2]);
	print_row("cold-time", "ms", 1e3, a->cold_s, a->n_cold, b->cold_s, b->n_cold, boot, seed + 4,
		  &b->ratio[3], &b->lo[3], &b->hi[3]);
	printf("n = %zu and %zu warm invocations, %zu and %zu cold starts; ratio = %s / %s\n",
	       ga->n, gb->n, a->n_cold, b->n_cold, b->label, a->label);
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

int
cmd_compare(int argc, char **argv)
{
	struct proto_config base = {
		.size = WORKLOAD_SIZE_SMALL, .seed = 42, .runs = 10, .warmup = 3, .cold = 3,
		.idle_s = 2.0, .concurrency = 1,
	};
	const char *drivers = "pinned,container", *wl = "matmul", *meter_name = NULL, *fn = NULL;
	const char *platform = NULL, *accel = NULL, *fpath = NULL;
	struct cli_functions fs = { 0 };
	char prefix[3800] = "", why[1024], list[256], *tok, *save = NULL;
	struct rung *r = calloc(RUNGS_MAX, sizeof(*r));
	unsigned boot = BOOT_DEFAULT;
	unsigned long long u;
	int core = -1, c, code = 0, i, n = 0, prc, quiet = 0;

	if (!r) {
		fprintf(stderr, "joulebench compare: out of memory\n");
		return CLI_EXIT_FAILED;
	}
	base.ctx.sysfs_root = "/sys";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:f:s:m:r:o:qh", compare_options, NULL)) != -1) {
		switch (c) {
		case OPT_DRIVERS: drivers = optarg; break;
		case 'w': wl = optarg; break;
		case 'f': fpath = optarg; break;
		case 's':
			if (workload_size_parse(optarg, &base.size))
				code = bad("--size", optarg, "test, small or large");
			break;
		case 'm': meter_name = optarg; break;
		case OPT_CORE:
			if (cli_parse_uint(optarg, DRIVER_CORES_MAX - 1, &u))
				code = bad("--core", optarg, "a core number");
			core = (int)u;
			break;
		case OPT_MEMORY:
			if (cli_parse_uint(optarg, 10240, &u) || u < 128)
				code = bad("--memory-mb", optarg, "megabytes from 128 to 10240");
			base.driver_cfg.memory_mb = u;
			break;
		case OPT_PLATFORM: platform = optarg; break;
		case OPT_ACCEL:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "tcg") && strcmp(optarg, "auto"))
				code = bad("--accel", optarg, "kvm, tcg or auto");
			accel = optarg;
			break;
		case 'r':
			if (cli_parse_uint(optarg, 1000000, &u) || !u)
				code = bad("--runs", optarg, "a count from 1 to 1000000");
			base.runs = (unsigned)u;
			break;
		case OPT_COLD:
			if (cli_parse_uint(optarg, 1000, &u) || !u)
				code = bad("--cold", optarg, "a count from 1 to 1000");
			base.cold = (unsigned)u;
			break;
		case OPT_WARMUP:
			if (cli_parse_uint(optarg, 1000000, &u))
				code = bad("--warmup", optarg, "a count from 0 to 1000000");
			base.warmup = (unsigned)u;
			break;
		case OPT_MIN_WINDOW:
			if (cli_parse_double(optarg, 0, 3600, &base.min_window_s))
				code = bad("--min-window-s", optarg, "seconds from 0 to 3600");
			break;
		case OPT_IDLE:
			if (cli_parse_double(optarg, 0.01, 3600, &base.idle_s))
				code = bad("--idle-s", optarg, "seconds from 0.01 to 3600");
			break;
		case OPT_SEED:
			if (cli_parse_uint(optarg, UINT64_MAX, &u))
				code = bad("--seed", optarg, "a non-negative integer");
			base.seed = u;
			break;
		case OPT_BOOT:
			if (cli_parse_uint(optarg, 1000000, &u) || u < 100)
				code = bad("--bootstrap", optarg, "resamples from 100 to 1000000");
			boot = (unsigned)u;
			break;
		case OPT_FN: fn = optarg; break;
		case 'o': snprintf(prefix, sizeof(prefix), "%.*s", (int)sizeof(prefix) - 1, optarg); break;
		case OPT_FORCE: base.overwrite = 1; break;
		case 'q': quiet = 1; break;
		case 'h': compare_usage(stdout); free(r); return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "joulebench compare: %s needs a value\n", argv[optind - 1]);
			code = CLI_EXIT_USAGE;
			break;
		default:
			fprintf(stderr, "joulebench compare: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			code = CLI_EXIT_USAGE;
		}
		if (code)
			goto out;
	}
	if (optind < argc) {
		fprintf(stderr, "joulebench compare: unexpected argument '%s'\n", argv[optind]);
		code = CLI_EXIT_USAGE;
		goto out;
	}
	snprintf(list, sizeof(list), "%s", drivers);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == RUNGS_MAX) {
			code = bad("--drivers", drivers, "at most 6 drivers");
			goto out;
		}
		if ((code = rung_parse(&r[n++], tok)))
			goto out;
	}
	if (n < 2) {
		code = bad("--drivers", drivers, "two or more drivers, such as pinned,container");
		goto out;
	}
	base.workload[0] = workload_find(wl);
	base.n_workloads = 1;
	if (fpath) {
		/* One function instead of -w's workload, loaded once for every rung. */
		if ((code = cli_functions_note(&fs, fpath, "compare")) ||
		    (code = cli_functions_load(&fs, &base, 0, "compare")))
			goto out;
		wl = base.workload[0]->name;
	}
	if (!base.workload[0]) {
		fprintf(stderr, "joulebench compare: unknown workload '%s' (see joulebench list "
				"workloads)\n", wl);
		code = CLI_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* The probes read the runtime and VMM from the environment (as `run` sets it). */
		if (!strcmp(r[i].name, "container") && r[i].variant[0])
			setenv("JOULEBENCH_RUNTIME", r[i].variant, 1);
		else
			unsetenv("JOULEBENCH_RUNTIME");
		if (!strcmp(r[i].name, "microvm") && !strcmp(r[i].variant, "firecracker"))
			setenv("JOULEBENCH_VMM", "firecracker", 1);
		prc = r[i].d->probe(&base.ctx, why, sizeof(why));
		if (!strcmp(r[i].name, "microvm") && !strcmp(r[i].variant, "firecracker"))
			unsetenv("JOULEBENCH_VMM");
		if (prc != 0) {
			fprintf(stderr, "joulebench compare: driver %s is not usable here: %s\n",
				r[i].spec, why);
			code = CLI_EXIT_UNAVAILABLE;
			goto out;
		}
	}
	unsetenv("JOULEBENCH_RUNTIME");
	base.driver_cfg.fn_path = cli_fn_path(fn);
	if (!base.driver_cfg.fn_path) {
		fprintf(stderr, "joulebench compare: cannot find joulebench-fn; give it with --fn\n");
		code = CLI_EXIT_USAGE;
		goto out;
	}
	base.meter = cli_meter_pick_live(meter_name, &base.ctx, base.domains, base.driver_cfg.cores,
					 base.driver_cfg.n_cores, quiet, &code);
	if (!base.meter)
		goto out;
	if (core < 0)
		core = last_core();
	base.driver_cfg.cores = &core;
	base.driver_cfg.n_cores = 1;
	base.driver_cfg.timeout_ns = 60000000000ull;
	if (!prefix[0]) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		if (mkdir("runs", 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "joulebench compare: cannot create runs/: %s\n", strerror(errno));
			code = CLI_EXIT_FAILED;
			goto out;
		}
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(prefix, sizeof(prefix), "runs/compare-%s-%ld", stamp, (long)getpid());
	}
	base.stop = cli_stop_install();
	for (i = 0; i < n; i++) {
		struct proto_config cfg = base;
		struct jb_err err = { 0 };
		int rc, j;

		rung_config(&r[i], &cfg, platform, accel);
		snprintf(r[i].out, sizeof(r[i].out), "%s-%s.csv", prefix, r[i].spec);
		for (j = (int)strlen(prefix) + 1; r[i].out[j]; j++)
			if (r[i].out[j] == ':' || r[i].out[j] == '/')
				r[i].out[j] = '-';
		cfg.out_path = r[i].out;
		rc = runner_run(&cfg, quiet, &r[i].rep, &err);
		if (rc) {
			fprintf(stderr, "joulebench compare: %s: %s\n", r[i].spec,
				err.msg[0] ? err.msg : jb_strerror(rc));
			code = rc == -EEXIST || rc == -EINVAL ? CLI_EXIT_USAGE
			     : (rc == -ENODEV || rc == -EACCES) ? CLI_EXIT_UNAVAILABLE : CLI_EXIT_FAILED;
			goto out;
		}
		if (r[i].rep.proto.interrupted) {
			code = CLI_EXIT_FAILED;
			goto out;
		}
		label_of(&r[i]);
		if ((rc = results_read(r[i].out, cold_row, &r[i], &err))) {
			fprintf(stderr, "joulebench compare: %s: %s\n", r[i].out, err.msg);
			code = CLI_EXIT_FAILED;
			goto out;
		}
		if (!group_of(&r[i].rep, wl) || !group_of(&r[i].rep, wl)->n) {
			fprintf(stderr, "joulebench compare: no usable warm invocations under %s (see "
					"%s)\n", r[i].spec, r[i].out);
			code = CLI_EXIT_FAILED;
			goto out;
		}
	}
	printf("compare %s (%s) on core %d; memory %llu MB, quota %llu/%u us (container, "
	       "microvm); meter %s (%s); bootstrap %u resamples, seed %llu\n", wl,
	       workload_size_name(base.size), core,
	       (unsigned long long)(base.driver_cfg.memory_mb ? base.driver_cfg.memory_mb
							: OCI_MB_PER_VCPU),
	       (unsigned long long)oci_cpu_quota_us(base.driver_cfg.memory_mb
						? base.driver_cfg.memory_mb : OCI_MB_PER_VCPU,
						OCI_CPU_PERIOD_US),
	       OCI_CPU_PERIOD_US, base.meter->name, r[0].rep.proto.meter_kind, boot,
	       (unsigned long long)base.seed);
	for (i = 1; i < n; i++) {
		char server[4200];

		print_ratios(&r[0], &r[i], wl, boot, base.seed);
		if (server_csv_write(&r[0], &r[i], prefix, server, sizeof(server)) == 0)
			printf("overhead --server-csv %s: this isolation's container_create_j and "
			       "isolation_frac\n", server);
	}
	{
		struct jb_err perr = { 0 };
		int rc = compare_ladder_plot(r, n, prefix, &perr);

		if (!quiet && rc == 0)
			fprintf(stderr, "joulebench: the ladder in %s-ladder.png and .svg\n", prefix);
		else if (!quiet)
			fprintf(stderr, "joulebench: no ladder figure: %s\n", perr.msg);
	}
out:
	cli_functions_fini(&fs);
	for (i = 0; i < RUNGS_MAX; i++) {
		runner_report_fini(&r[i].rep);
		free(r[i].cold_j);
		free(r[i].cold_s);
	}
	free(r);
	return code;
}
