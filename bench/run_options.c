/* SPDX-License-Identifier: MIT */
/*
 * The one option table of `run` and `compare` (run_options.h): each option's long name,
 * the commands it belongs to, its --help line (a command may word it its own way where its
 * meaning differs, e.g. compare's -w takes one workload) and its parser. Before this table
 * compare kept a copy of run's options that had drifted (no --domain, --meter-opts,
 * --batch or --timeout-s: issue 23).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_functions.h"
#include "run_options.h"

enum {
	OPT_DOMAIN = 256, OPT_WARMUP, OPT_COLD, OPT_BATCH, OPT_MIN_WINDOW, OPT_IDLE, OPT_SEED,
	OPT_CORES, OPT_TIMEOUT, OPT_PROFILE, OPT_FN, OPT_FORCE, OPT_NO_PLOT, OPT_DRIFT,
	OPT_RESUME, OPT_METER_OPTS, OPT_SYSFS_ROOT, OPT_RATE, OPT_KEEP_ALIVE, OPT_MEMORY,
	OPT_RUNTIME, OPT_EXCLUSIVE, OPT_PLATFORM, OPT_ACCEL, OPT_VMM, OPT_GUEST_DIR, OPT_RUN_ID,
	OPT_ALLOW_HOST, OPT_CI_TARGET, OPT_MAX_WINDOWS, OPT_MAX_TIME, OPT_LANGUAGE, OPT_INTERPRETER,
};

#define R RUN_OPT_RUN
#define C RUN_OPT_COMPARE

struct run_opt_def {
	struct option opt;
	unsigned cmds;
	const char *help;          /* NULL: not in --help (for tests) */
	const char *help_compare;  /* compare's wording; NULL: the same as help */
};

static const struct run_opt_def run_opt_defs[] = {
	{ { "workload", required_argument, NULL, 'w' }, R | C,
	  "  -w, --workload LIST    comma-separated workloads, or 'all' (default: all, or\n"
	  "                         none when -f is given)\n",
	  "  -w, --workload NAME    one workload (default: matmul)\n" },
	{ { "function", required_argument, NULL, 'f' }, R | C,
	  "  -f, --function PATH    your function: a function file or a SeBS benchmark\n"
	  "                         directory (repeatable; docs/functions.md)\n",
	  "  -f, --function PATH    or your function: a function file or a SeBS benchmark\n"
	  "                         directory (docs/functions.md)\n" },
	{ { "language", required_argument, NULL, OPT_LANGUAGE }, R | C,
	  "      --language L       SeBS directories: python or nodejs (default: python)\n", NULL },
	{ { "interpreter", required_argument, NULL, OPT_INTERPRETER }, R | C,
	  "      --interpreter P    SeBS handlers: the python3 or node to run (default: the\n"
	  "                         function file's, else the one on PATH)\n", NULL },
	{ { "size", required_argument, NULL, 's' }, R | C,
	  "  -s, --size SIZE        test, small or large (default: small)\n", NULL },
	{ { "driver", required_argument, NULL, 'd' }, R,
	  "  -d, --driver NAME      pinned, container or microvm (default: pinned)\n", NULL },
	{ { "meter", required_argument, NULL, 'm' }, R | C,
	  "  -m, --meter NAME       a meter, or 'auto' for the best usable one (default: auto)\n",
	  NULL },
	{ { "domain", required_argument, NULL, OPT_DOMAIN }, R | C,
	  "      --domain LIST      energy domains to sum (default: every package; see list)\n",
	  NULL },
	{ { "runs", required_argument, NULL, 'r' }, R | C,
	  "  -r, --runs N           metered windows per workload (default: 10)\n",
	  "  -r, --runs N           metered windows per driver (default: 10)\n" },
	{ { "ci-target", required_argument, NULL, OPT_CI_TARGET }, R,
	  "      --ci-target P      add windows until the 95% CI of the median energy per\n"
	  "                         invocation is within +-P% of it, on 15 windows or more\n"
	  "                         (-r N: starts from N, else 5)\n",
	  NULL },
	{ { "max-windows", required_argument, NULL, OPT_MAX_WINDOWS }, R,
	  "      --max-windows N    --ci-target: at most N windows per workload (default: 100)\n",
	  NULL },
	{ { "max-time-s", required_argument, NULL, OPT_MAX_TIME }, R,
	  "      --max-time-s S     --ci-target: stop adding windows after S s (default: none)\n",
	  NULL },
	{ { "warmup", required_argument, NULL, OPT_WARMUP }, R | C,
	  "      --warmup N         warm invocations before the windows (default: 3)\n", NULL },
	{ { "cold", required_argument, NULL, OPT_COLD }, R | C,
	  "      --cold N           cold starts measured per workload (default: 1)\n",
	  "      --cold N           cold starts per driver, each measured, 1 or more (default: 3)\n" },
	{ { "batch", required_argument, NULL, OPT_BATCH }, R | C,
	  "      --batch N          invocations per window (default: enough to fill the window)\n",
	  NULL },
	{ { "min-window-s", required_argument, NULL, OPT_MIN_WINDOW }, R | C,
	  "      --min-window-s S   shortest window (default: the meter's, e.g. 1 s for model)\n",
	  NULL },
	{ { "idle-s", required_argument, NULL, OPT_IDLE }, R | C,
	  "      --idle-s S         idle baseline before and after the run (default: 2)\n",
	  "      --idle-s S         idle baseline before and after each run (default: 2)\n" },
	{ { "seed", required_argument, NULL, OPT_SEED }, R | C,
	  "      --seed N           seed of the generated inputs (default: 42)\n",
	  "      --seed N           input seed (default: 42)\n" },
	{ { "cores", required_argument, NULL, OPT_CORES }, R,
	  "      --cores LIST       pinned: cores to use, one instance per core; container: the\n"
	  "                         cpuset all containers share (default: all)\n", NULL },
	{ { "concurrency", required_argument, NULL, 'c' }, R,
	  "  -c, --concurrency N    instances running at once, workloads assigned round-robin\n"
	  "                         (default: 1)\n", NULL },
	{ { "rate", required_argument, NULL, OPT_RATE }, R,
	  "      --rate R           Poisson arrivals per second over all instances, seeded by\n"
	  "                         --seed (default: closed loop, back-to-back)\n", NULL },
	{ { "keep-alive-s", required_argument, NULL, OPT_KEEP_ALIVE }, R,
	  "      --keep-alive-s S   retire an instance idle for S seconds (default: never)\n", NULL },
	{ { "memory-mb", required_argument, NULL, OPT_MEMORY }, R | C,
	  "      --memory-mb M      container, microvm: memory limit; CPU quota = M / 1769 vCPU,\n"
	  "                         as on AWS Lambda (default: 1769)\n", NULL },
	{ { "runtime", required_argument, NULL, OPT_RUNTIME }, R,
	  "      --runtime NAME     container: runc, crun, runsc (gVisor) or a path\n"
	  "                         (default: probed)\n", NULL },
	{ { "platform", required_argument, NULL, OPT_PLATFORM }, R | C,
	  "      --platform P       container with runsc: gVisor platform (ptrace, kvm, systrap,\n"
	  "                         as the installed runsc offers; default: runsc's own)\n", NULL },
	{ { "accel", required_argument, NULL, OPT_ACCEL }, R | C,
	  "      --accel A          microvm: kvm, tcg or auto (default: auto, KVM probed by a\n"
	  "                         bounded boot, else TCG with a warning)\n",
	  "      --accel A          microvm accelerator without a variant (default: auto)\n" },
	{ { "vmm", required_argument, NULL, OPT_VMM }, R,
	  "      --vmm V            microvm: qemu or firecracker (default: qemu)\n", NULL },
	{ { "guest-dir", required_argument, NULL, OPT_GUEST_DIR }, R,
	  "      --guest-dir DIR    microvm: guest kernel (default: scripts/fetch-guest-kernel's)\n",
	  NULL },
	{ { "exclusive", no_argument, NULL, OPT_EXCLUSIVE }, R,
	  "      --exclusive        pinned: one instance on the whole machine\n", NULL },
	{ { "timeout-s", required_argument, NULL, OPT_TIMEOUT }, R | C,
	  "      --timeout-s S      per invocation; a slower one is a timeout row (default: 60)\n",
	  NULL },
	{ { "profile", required_argument, NULL, OPT_PROFILE }, R | C,
	  "      --profile NAME     power profile of the model meter (default: by architecture)\n",
	  NULL },
	{ { "meter-opts", required_argument, NULL, OPT_METER_OPTS }, R | C,
	  "      --meter-opts K=V,...  backend options, e.g. bus=1,addr=0x40,shunt_uohm=100000\n"
	  "                         for ina219, host=bmc,user=u,password_file=F for ipmi\n"
	  "                         and redfish (BMC passwords only from a file or\n"
	  "                         $JOULEBENCH_BMC_PASSWORD; docs/meters.md lists each\n"
	  "                         meter's)\n", NULL },
	{ { "fn", required_argument, NULL, OPT_FN }, R | C,
	  "      --fn PATH          the joulebench-fn function runner (default: found)\n", NULL },
	{ { "output", required_argument, NULL, 'o' }, R | C,
	  "  -o, --output FILE      results CSV (default: runs/<run id>.csv)\n",
	  "  -o, --output PREFIX    PREFIX-<driver>.csv per driver, PREFIX-server-<isolation>.csv\n"
	  "                         for overhead --server-csv, PREFIX-ladder.{dat,png,svg}\n"
	  "                         (default: runs/compare-<time>)\n" },
	{ { "force", no_argument, NULL, OPT_FORCE }, R | C,
	  "      --force            overwrite FILE if it exists\n",
	  "      --force            overwrite them\n" },
	{ { "no-plot", no_argument, NULL, OPT_NO_PLOT }, R,
	  "      --no-plot          do not draw the figure (default: FILE minus .csv + .png/.svg)\n",
	  NULL },
	{ { "drift-threshold-pct", required_argument, NULL, OPT_DRIFT }, R,
	  "      --drift-threshold-pct P  flag idle-power drift above P% (default: 5)\n", NULL },
	{ { "resume", required_argument, NULL, OPT_RESUME }, R,
	  "      --resume FILE      continue the interrupted run in FILE (same options,\n"
	  "                         read from its sidecar; no row is written twice); refused\n"
	  "                         when host, meter, domain, driver, runtime or binaries differ\n",
	  NULL },
	{ { "resume-allow-host-change", no_argument, NULL, OPT_ALLOW_HOST }, R,
	  "      --resume-allow-host-change  with --resume: continue on another host on purpose\n"
	  "                         (a fleet's requeued task); the sidecar records the change\n",
	  NULL },
	{ { "run-id", required_argument, NULL, OPT_RUN_ID }, R,
	  "      --run-id ID        the run id of the rows (default: time, host, pid); a fleet's\n"
	  "                         nodes share one (docs/fleet.md)\n", NULL },
	/* For tests: read hwmon and perf sysfs files under another root (not in --help). */
	{ { "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT }, R | C, NULL, NULL },
	{ { "quiet", no_argument, NULL, 'q' }, R | C,
	  "  -q, --quiet            no context lines on stderr\n", NULL },
	{ { "help", no_argument, NULL, 'h' }, R | C, "  -h, --help             this text\n", NULL },
};

#define N_DEFS (sizeof(run_opt_defs) / sizeof(run_opt_defs[0]))

int
run_opts_bad(const char *cmd_name, const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "joulebench %s: bad value '%s' for %s: %s\n", cmd_name, val, opt,
		want);
	return CLI_EXIT_USAGE;
}

void
run_opts_defaults(struct proto_config *cfg, struct run_opts *o, volatile sig_atomic_t *stop)
{
	struct cli_functions *fns = o->fns;

	memset(cfg, 0, sizeof(*cfg));
	memset(o, 0, sizeof(*o));
	/* The caller's -f list survives, emptied: a resume parses its stored command again. */
	o->fns = fns;
	if (fns)
		fns->n_paths = 0;
	cfg->size = WORKLOAD_SIZE_SMALL;
	cfg->seed = 42;
	cfg->runs = 10;
	cfg->warmup = 3;
	cfg->cold = 1;
	cfg->idle_s = 2.0;
	cfg->stop = stop;
	cfg->concurrency = 1;
	cfg->ctx.sysfs_root = "/sys";
	o->driver_name = "pinned";
	o->timeout_s = 60;
	(void)run_opts_workloads("run", cfg, "all");
}

int
run_opts_workloads(const char *cmd_name, struct proto_config *cfg, const char *list)
{
	char buf[1024], *tok, *save = NULL;
	size_t i;

	if (!strcmp(list, "all")) {
		for (i = 0; i < workload_count() && i < PROTO_WORKLOADS_MAX; i++)
			cfg->workload[i] = workload_at(i);
		cfg->n_workloads = i;
		return 0;
	}
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return run_opts_bad(cmd_name, "--workload", list, "too long");
	cfg->n_workloads = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct workload_desc *w = workload_find(tok);

		if (!w) {
			fprintf(stderr, "joulebench %s: unknown workload '%s' (see joulebench list "
					"workloads)\n", cmd_name, tok);
			return CLI_EXIT_USAGE;
		}
		for (i = 0; i < cfg->n_workloads; i++)
			if (cfg->workload[i] == w)
				return run_opts_bad(cmd_name, "--workload", tok, "listed twice");
		if (cfg->n_workloads == PROTO_WORKLOADS_MAX)
			return run_opts_bad(cmd_name, "--workload", list, "too many workloads");
		cfg->workload[cfg->n_workloads++] = w;
	}
	return cfg->n_workloads ? 0 : run_opts_bad(cmd_name, "--workload", list, "no workload named");
}

int
run_opts_table(unsigned cmd, const struct option *own, const char *own_short,
	       struct option *table, size_t cap, char *shortopts, size_t short_len)
{
	size_t i, n = 0, s = 0;

	if (short_len < 2)
		return -ENOSPC;
	shortopts[s++] = ':';
	for (i = 0; i < N_DEFS; i++) {
		const struct option *op = &run_opt_defs[i].opt;

		if (!(run_opt_defs[i].cmds & cmd))
			continue;
		if (n + 1 >= cap)
			return -ENOSPC;
		table[n++] = *op;
		if (op->val < 256 && isalpha(op->val)) {
			if (s + 3 >= short_len)
				return -ENOSPC;
			shortopts[s++] = (char)op->val;
			if (op->has_arg == required_argument)
				shortopts[s++] = ':';
		}
	}
	for (; own && own->name; own++) {
		if (n + 1 >= cap)
			return -ENOSPC;
		table[n++] = *own;
	}
	memset(&table[n], 0, sizeof(table[n]));
	if (own_short && s + strlen(own_short) >= short_len)
		return -ENOSPC;
	shortopts[s] = '\0';
	if (own_short)
		strcat(shortopts, own_short);
	return 0;
}

void
run_opts_usage(FILE *f, unsigned cmd)
{
	size_t i;

	for (i = 0; i < N_DEFS; i++) {
		const struct run_opt_def *d = &run_opt_defs[i];

		if (!(d->cmds & cmd) || !d->help)
			continue;
		fputs(cmd == RUN_OPT_COMPARE && d->help_compare ? d->help_compare : d->help, f);
	}
}

static int
check_run_id(const char *cmd, const char *arg)
{
	if (!*arg || strlen(arg) > 100 ||
	    arg[strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")])
		return run_opts_bad(cmd, "--run-id", arg, "1 to 100 of A-Z a-z 0-9 . _ -");
	return 0;
}

/* The options that take a number: 0 when @c is not one, else parsed (or an exit code). */
static int
apply_number(const char *cmd, int c, const char *arg, struct proto_config *cfg,
	     struct run_opts *o, int *taken)
{
	unsigned long long u;

	*taken = 1;
	switch (c) {
	case 'r':
		if (cli_parse_uint(arg, 1000000, &u) || u == 0)
			return run_opts_bad(cmd, "--runs", arg, "a count from 1 to 1000000");
		cfg->runs = (unsigned)u;
		o->runs_given = 1;
		return 0;
	case OPT_CI_TARGET:
		if (cli_parse_double(arg, 0.001, 100, &o->ci_target_pct))
			return run_opts_bad(cmd, "--ci-target", arg, "a percentage from 0.001 to 100");
		return 0;
	case OPT_MAX_WINDOWS:
		if (cli_parse_uint(arg, 1000000, &u) || u < 2)
			return run_opts_bad(cmd, "--max-windows", arg, "a count from 2 to 1000000");
		o->max_windows = (unsigned)u;
		return 0;
	case OPT_MAX_TIME:
		if (cli_parse_double(arg, 0.001, 86400 * 30, &o->max_time_s))
			return run_opts_bad(cmd, "--max-time-s", arg, "seconds from 0.001 to 2592000");
		return 0;
	case OPT_WARMUP:
		if (cli_parse_uint(arg, 1000000, &u))
			return run_opts_bad(cmd, "--warmup", arg, "a count from 0 to 1000000");
		cfg->warmup = (unsigned)u;
		return 0;
	case OPT_COLD:
		if (cli_parse_uint(arg, 10000, &u))
			return run_opts_bad(cmd, "--cold", arg, "a count from 0 to 10000");
		cfg->cold = (unsigned)u;
		return 0;
	case OPT_BATCH:
		if (cli_parse_uint(arg, 1000000, &u) || u == 0)
			return run_opts_bad(cmd, "--batch", arg, "a count from 1 to 1000000");
		cfg->batch = (unsigned)u;
		return 0;
	case OPT_MIN_WINDOW:
		if (cli_parse_double(arg, 0, 3600, &cfg->min_window_s))
			return run_opts_bad(cmd, "--min-window-s", arg, "seconds from 0 to 3600");
		return 0;
	case OPT_IDLE:
		if (cli_parse_double(arg, 0.01, 3600, &cfg->idle_s))
			return run_opts_bad(cmd, "--idle-s", arg, "seconds from 0.01 to 3600");
		return 0;
	case OPT_SEED:
		if (cli_parse_uint(arg, UINT64_MAX, &u))
			return run_opts_bad(cmd, "--seed", arg, "a non-negative integer");
		cfg->seed = u;
		return 0;
	case 'c':
		if (cli_parse_uint(arg, 256, &u) || u == 0)
			return run_opts_bad(cmd, "--concurrency", arg, "a count from 1 to 256");
		cfg->concurrency = (unsigned)u;
		return 0;
	case OPT_RATE:
		if (cli_parse_double(arg, 0.001, 1e6, &cfg->rate_per_s))
			return run_opts_bad(cmd, "--rate", arg, "arrivals per second from 0.001 to 1e6");
		return 0;
	case OPT_KEEP_ALIVE:
		if (cli_parse_double(arg, 0.001, 86400, &cfg->keep_alive_s))
			return run_opts_bad(cmd, "--keep-alive-s", arg, "seconds from 0.001 to 86400");
		return 0;
	case OPT_MEMORY:
		/* Lambda's range: 128 MB to 10,240 MB (configuration-memory.html). */
		if (cli_parse_uint(arg, 10240, &u) || u < 128)
			return run_opts_bad(cmd, "--memory-mb", arg, "megabytes from 128 to 10240");
		cfg->driver_cfg.memory_mb = u;
		return 0;
	case OPT_TIMEOUT:
		if (cli_parse_double(arg, 0.001, 86400, &o->timeout_s))
			return run_opts_bad(cmd, "--timeout-s", arg, "seconds from 0.001 to 86400");
		return 0;
	case OPT_DRIFT:
		if (cli_parse_double(arg, 0.001, 1000, &cfg->drift_threshold_pct))
			return run_opts_bad(cmd, "--drift-threshold-pct", arg, "a percentage above 0");
		return 0;
	default:
		*taken = 0;
		return 0;
	}
}

int
run_opts_apply(const char *cmd, int c, const char *arg, struct proto_config *cfg,
	       struct run_opts *o)
{
	int n, taken, code = apply_number(cmd, c, arg, cfg, o, &taken);

	if (taken)
		return code;
	switch (c) {
	case 'w':
		o->workloads_given = 1;
		return run_opts_workloads(cmd, cfg, arg);
	case 'f': return cli_functions_note(o->fns, arg, cmd);
	case OPT_LANGUAGE:
		if (strcmp(arg, "python") && strcmp(arg, "nodejs"))
			return run_opts_bad(cmd, "--language", arg, "python or nodejs");
		o->fns->opts.language = arg;
		return 0;
	case OPT_INTERPRETER: o->fns->opts.interpreter = arg; return 0;
	case 's':
		if (workload_size_parse(arg, &cfg->size))
			return run_opts_bad(cmd, "--size", arg, "test, small or large");
		return 0;
	case 'd': o->driver_name = arg; return 0;
	case 'm': o->meter_name = arg; return 0;
	case OPT_DOMAIN: cfg->domains = arg; return 0;
	case OPT_CORES:
		n = driver_cores_parse(arg, o->cores, DRIVER_CORES_MAX);
		if (n <= 0)
			return run_opts_bad(cmd, "--cores", arg, "a list such as 0-3,6, each core once");
		cfg->driver_cfg.cores = o->cores;
		cfg->driver_cfg.n_cores = (size_t)n;
		return 0;
	case OPT_RUNTIME: cfg->driver_cfg.runtime = arg; return 0;
	case OPT_EXCLUSIVE: cfg->driver_cfg.exclusive = 1; return 0;
	case OPT_PLATFORM: cfg->driver_cfg.platform = arg; return 0;
	case OPT_ACCEL:
		if (strcmp(arg, "kvm") && strcmp(arg, "tcg") && strcmp(arg, "auto"))
			return run_opts_bad(cmd, "--accel", arg, "kvm, tcg or auto");
		cfg->driver_cfg.accel = arg;
		return 0;
	case OPT_VMM:
		if (strcmp(arg, "qemu") && strcmp(arg, "firecracker"))
			return run_opts_bad(cmd, "--vmm", arg, "qemu or firecracker");
		cfg->driver_cfg.vmm = arg;
		return 0;
	case OPT_GUEST_DIR: cfg->driver_cfg.guest_dir = arg; return 0;
	case OPT_PROFILE: cfg->ctx.profile = arg; return 0;
	case OPT_METER_OPTS: cfg->ctx.meter_opts = arg; return 0;
	case OPT_SYSFS_ROOT: cfg->ctx.sysfs_root = arg; return 0;
	case OPT_FN: o->fn = arg; return 0;
	case 'o':
		if (snprintf(o->out, sizeof(o->out), "%s", arg) >= (int)sizeof(o->out))
			return run_opts_bad(cmd, "--output", arg, "too long");
		return 0;
	case OPT_FORCE: cfg->overwrite = 1; return 0;
	case OPT_NO_PLOT: o->no_plot = 1; return 0;
	case OPT_RESUME: o->resume = arg; return 0;
	case OPT_ALLOW_HOST: o->allow_host_change = 1; return 0;
	case OPT_RUN_ID: /* the runner takes a given run id from here (--resume sets it too) */
		if ((code = check_run_id(cmd, arg)))
			return code;
		cfg->resume_run_id = arg;
		return 0;
	case 'q': o->quiet = 1; return 0;
	default:
		return -1;
	}
}
