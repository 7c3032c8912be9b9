/* SPDX-License-Identifier: MIT */
/*
 * What `joulebench run` writes besides its rows (run-private.h): the default results path
 * under runs/, the figure, and the notes under the summary that the sidecar calls for.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "plot.h"
#include "run-private.h"

int
run_output_default(char *buf, size_t len)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if (mkdir("runs", 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "joulebench run: cannot create runs/: %s\n", strerror(errno));
		return CLI_EXIT_FAILED;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "runs/%s-%ld.csv", stamp, (long)getpid());
	return 0;
}

void
run_output_figure(struct runner_report *rep, const char *csv, int quiet)
{
	char prefix[4096];
	size_t n = strlen(csv);
	struct jb_err err = { 0 };

	snprintf(prefix, sizeof(prefix), "%.*s", (int)(n > 4 && !strcmp(csv + n - 4, ".csv") ? n - 4 : n),
		 csv);
	if (plot_energy(&rep->summary, prefix, &err) == 0) {
		if (!quiet)
			fprintf(stderr, "joulebench: figure %s.png and %s.svg\n", prefix, prefix);
	} else {
		fprintf(stderr, "joulebench: no figure: %s\n", err.msg);
	}
}

/* Under the summary of a microvm run under TCG (the sidecar says which accelerator ran):
 * its figures are QEMU's emulation, not a microVM's isolation (docs/drivers.md). */
void
run_output_notes(const char *meta_path)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(meta_path, "re");

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strstr(buf, "; accel tcg"))
		printf("note: the microVMs ran under TCG, QEMU's emulator: these figures are "
		       "emulation, not a microVM's isolation cost (use --accel kvm on a server)\n");
	/* The tests' Firecracker (tests/integration/fake_firecracker) says so in --version. */
	if (strstr(buf, "test double"))
		printf("note: the VMM was a test double (its --version, in the sidecar, says so), "
		       "not the real VMM: these figures are not its cost\n");
}
