/* SPDX-License-Identifier: MIT */
/*
 * Slurm's own energy beside ours (fleet-private.h), a cross-check of the meters: for each
 * Slurm task of a gathered fleet, `sacct -n -P -X -j ID,... --format=JobID,NodeList,
 * ConsumedEnergyRaw,ElapsedRaw` gives the joules Slurm's acct_gather_energy plugin (rapl,
 * ipmi, ...) counted for the task's allocation and the seconds it lasted (sacct(1):
 * ConsumedEnergyRaw is in joules and describes the job only under an exclusive allocation,
 * which `joulebench slurm` always asks for). Our energy over the same span is the rows'
 * energy (their metered windows and cold starts) plus the run's idle power times the rest
 * of the span (startup, idle baselines, copying), since Slurm counts the whole allocation.
 * The two are reported with their ratio. Where the cluster keeps no accounting or no energy,
 * one line says so. Slurm's rapl plugin reads package and DRAM only, ipmi the whole node
 * at 30-s steps by default (research/isolation-and-slurm.md §4): the meters differ in what
 * they cover, so the ratio is a plausibility check, not a calibration. sacct runs without
 * a shell (common/jb_capture.h) and is killed after 60 s.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet-private.h"
#include "jb_capture.h"

/* sacct's answer: a line of at most ~330 bytes per task (FLEET_HOSTS_MAX of them), and
 * room for its messages. */
#define SACCT_OUT_MAX (256u * 1024)
/* sacct waits on slurmdbd; one that does not answer in a minute is not going to. */
#define SACCT_TIMEOUT_NS (60ull * 1000000000ull)

struct sacct_row {
	char job_id[64], nodes[256];
	double energy_j, elapsed_s;
};

/* Job ids are "<array job>_<task>" from Slurm's environment; anything else is not passed
 * to sacct. */
static int
job_id_ok(const char *s)
{
	return *s && strspn(s, "0123456789_") == strlen(s);
}

/* The meter kind of a part's run, from its sidecar, for the label of our number. */
static const char *
meter_kind(const struct fleet_host *h)
{
	json_object *m, *k;

	if (h->meta && json_object_object_get_ex(h->meta, "meter", &m) &&
	    json_object_object_get_ex(m, "kind", &k))
		return json_object_get_string(k);
	return "?";
}

static void
compare_report(const struct fleet *f, const struct fleet_host *h, const struct sacct_row *s)
{
	double rest_s = s->elapsed_s - h->metered_s, ours_j;
	char ratio[64];

	if (rest_s < 0)
		rest_s = 0;
	ours_j = h->energy_j + h->idle_power_w * rest_s;
	if (isfinite(ours_j) && s->energy_j > 0)
		snprintf(ratio, sizeof(ratio), "%.1f%%", 100.0 * ours_j / s->energy_j);
	else
		snprintf(ratio, sizeof(ratio), "n/a (no idle power in the rows)");
	fleet__out(f->ev, "slurm energy %-20s %-12s slurm %10.1f J over %6.0f s | joulebench (%s) "
		   "%10.1f J = rows %.1f J + idle %.2f W x %.0f s | joulebench/slurm %s",
		   h->entry, s->nodes, s->energy_j, s->elapsed_s, meter_kind(h), ours_j,
		   h->energy_j, h->idle_power_w, rest_s, ratio);
}

void
fleet__sacct_report(struct fleet *f)
{
	char ids[16384] = "", *out, *line, *save = NULL, first[512] = "";
	char *argv[] = { "sacct", "-n", "-P", "-X",
			 "--format=JobID,NodeList,ConsumedEnergyRaw,ElapsedRaw", "-j", ids, NULL };
	struct sacct_row *rows = NULL;
	size_t i, j, n = 0, cap = 0, n_ids = 0, n_energy = 0, used = 0;
	int st;

	for (i = 0; i < f->n; i++) {
		if (!job_id_ok(f->host[i].job_id) || used + 80 > sizeof(ids))
			continue;
		used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s%s", n_ids++ ? "," : "",
					 f->host[i].job_id);
	}
	if (!n_ids)
		return;
	out = malloc(SACCT_OUT_MAX);
	if (!out) {
		fleet__out(f->ev, "slurm energy: not compared: out of memory");
		return;
	}
	/* Its stderr with its stdout, as its first line is the reason when it fails. */
	st = jb_capture_run(argv, out, SACCT_OUT_MAX, SACCT_TIMEOUT_NS);
	if (st < 0) {
		fleet__out(f->ev, "slurm energy: not compared: cannot run sacct: %s",
			   st == -ETIMEDOUT ? "no answer in 60 s" : strerror(-st));
		free(out);
		return;
	}
	for (line = strtok_r(out, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		struct sacct_row r = { 0 };
		char *fld[4], *t = line;
		int k;

		if (!first[0])
			snprintf(first, sizeof(first), "%.500s", line);
		for (k = 0; k < 4; k++) {
			fld[k] = t ? strsep(&t, "|") : NULL;
			if (!fld[k])
				break;
		}
		if (k < 4 || !job_id_ok(fld[0]))
			continue;
		snprintf(r.job_id, sizeof(r.job_id), "%s", fld[0]);
		snprintf(r.nodes, sizeof(r.nodes), "%s", fld[1]);
		r.energy_j = *fld[2] && isdigit((unsigned char)*fld[2]) ? strtod(fld[2], NULL) : 0;
		r.elapsed_s = strtod(fld[3], NULL);
		if (n == cap) {
			struct sacct_row *m = realloc(rows, (cap = cap ? 2 * cap : 16) * sizeof(*m));

			if (!m)
				break;
			rows = m;
		}
		rows[n++] = r;
		n_energy += r.energy_j > 0;
	}
	free(out);
	if (st != 0 && !n) {
		fleet__out(f->ev, "slurm energy: none to compare: sacct failed: %s",
			   first[0] ? first : "?");
	} else if (!n_energy) {
		fleet__out(f->ev, "slurm energy: none to compare: this cluster accounts no energy "
			   "for these tasks (ConsumedEnergyRaw empty or 0: no "
			   "AcctGatherEnergyType, docs/fleet.md)");
	} else {
		for (i = 0; i < f->n; i++)
			for (j = 0; j < n; j++)
				if (!strcmp(rows[j].job_id, f->host[i].job_id) && rows[j].energy_j > 0)
					compare_report(f, &f->host[i], &rows[j]);
	}
	free(rows);
}
