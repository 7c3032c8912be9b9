/* SPDX-License-Identifier: MIT */
/*
 * `joulebench plot FILE... [-o PREFIX]`: read result CSVs (several runs at once), summarise
 * them, and draw energy per invocation per workload and driver as PNG and SVG.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "plot.h"
#include "results.h"
#include "summary.h"

int
cmd_plot(int argc, char **argv)
{
	struct summary sum = { 0 };
	struct jb_err err = { 0 };
	const char *prefix = NULL, *files[256];
	int i, n = 0, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: joulebench plot FILE.csv... [-o PREFIX]\n\n"
			       "Draw median energy per invocation (with interquartile whiskers) per\n"
			       "workload and driver into PREFIX.png and PREFIX.svg (default PREFIX:\n"
			       "the first FILE without .csv). Needs gnuplot.\n");
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			prefix = argv[++i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "joulebench plot: unknown option '%s'\n", argv[i]);
			return CLI_EXIT_USAGE;
		} else if (n < 256) {
			files[n++] = argv[i];
		}
	}
	if (!n) {
		fprintf(stderr, "usage: joulebench plot FILE.csv... [-o PREFIX]\n");
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		rc = summary_add_file(&sum, files[i], &err);
		if (rc) {
			fprintf(stderr, "joulebench plot: %s\n", err.msg);
			summary_fini(&sum);
			return rc == -ENOMEM ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
		}
	}
	{
		char def[4096];
		size_t len = strlen(files[0]);

		if (!prefix) {
			snprintf(def, sizeof(def), "%.*s",
				 (int)(len > 4 && !strcmp(files[0] + len - 4, ".csv") ? len - 4 : len),
				 files[0]);
			prefix = def;
		}
		rc = plot_energy(&sum, prefix, &err);
		if (!rc)
			fprintf(stderr, "joulebench plot: wrote %s.png and %s.svg\n", prefix, prefix);
	}
	summary_fini(&sum);
	if (rc) {
		fprintf(stderr, "joulebench plot: %s\n", err.msg);
		return rc == -ENOENT ? CLI_EXIT_UNAVAILABLE : rc == -ENODATA ? CLI_EXIT_USAGE
									     : CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}
