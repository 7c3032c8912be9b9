/* SPDX-License-Identifier: MIT */
/*
 * How bench/ prints what the fleet library reports (fleet/fleet.h): its context lines and
 * errors on stderr, its result lines and the summary table on stdout. One set, shared by
 * `run --hosts`, `slurm` and `gather`.
 */
#ifndef JB_BENCH_CLI_FLEET_H
#define JB_BENCH_CLI_FLEET_H

#include "fleet.h"

/** cli_fleet_events() - the events that print the fleet's lines. */
const struct fleet_events *cli_fleet_events(void);

#endif
