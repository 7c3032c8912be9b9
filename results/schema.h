/* SPDX-License-Identifier: MIT */
/*
 * The results CSV columns, defined once (DESIGN §5; style.md §4.10). The writer, the reader
 * and the tests all expand RESULTS_COLUMNS, so a column cannot be added in one place and
 * forgotten in another. results/README.md documents every column with its unit; a test
 * checks that it names each of them.
 *
 * X(name, type, description). Types: STR (text), U64, I64, F64 (empty when not measured),
 * BOOL (0 or 1).
 */
#ifndef JB_RESULTS_SCHEMA_H
#define JB_RESULTS_SCHEMA_H

/* 2 added `scope`. The reader still reads 1, deriving a row's scope from its meter and
 * domain (jb_scope_derive()). */
#define RESULTS_SCHEMA_VERSION 2

#define RESULTS_COLUMNS(X)                                                                     \
	X(schema_version, U64, "version of this column set")                                 \
	X(run_id, STR, "identifier shared by every row of one run")                           \
	X(host, STR, "host name of the machine that ran the function")                        \
	X(arch, STR, "machine architecture (uname -m)")                                        \
	X(driver, STR, "driver that placed the invocation (pinned, container)")               \
	X(isolation, STR, "isolation kind of the driver (dedicated-core, container)")          \
	X(meter, STR, "meter backend (rapl-powercap, model, ...)")                             \
	X(meter_kind, STR, "measured or modeled")                                               \
	X(domain, STR, "energy domains summed into energy_j (package = every package)")        \
	X(scope, STR, "what the domains see: cpu-package, dram, psys, board-dc, wall-ac, modeled") \
	X(workload, STR, "workload name")                                                       \
	X(size, STR, "size class: test, small or large")                                        \
	X(seed, U64, "seed of the generated input")                                             \
	X(concurrency, U64, "instances running at once")                                        \
	X(instance, U64, "instance id within the run")                                          \
	X(core, I64, "core the instance was bound to, -1 when not bound")                       \
	X(phase, STR, "cold, warmup or warm")                                                   \
	X(rep, U64, "metered window (repetition) index; rows of one window share its energy")  \
	X(invocation, U64, "invocation index within this workload's rows")                     \
	X(window_invocations, U64, "invocations in this row's metered window")                 \
	X(start_unix_ns, U64, "CLOCK_REALTIME at the invocation's request, ns")                \
	X(wall_ns, U64, "wall time of the kernel alone, reported by the runner, ns")           \
	X(cpu_ns, U64, "CPU time of the runner process over the kernel, ns")                    \
	X(work_units, F64, "units of work done by the invocation")                              \
	X(work_unit, STR, "what one unit of work is (flop, byte, record, ...)")                 \
	X(window_wall_ns, U64, "wall time of the metered window, ns")                           \
	X(window_energy_j, F64, "energy of the whole metered window, J")                        \
	X(energy_j, F64, "this invocation's share of the window energy, J")                     \
	X(idle_power_w, F64, "idle baseline power measured before the run, W")                  \
	X(dynamic_energy_j, F64, "energy_j minus this invocation's share of idle energy, J")    \
	X(energy_method, STR, "how energy_j was attributed (see results/README.md)")            \
	X(energy_uncertainty_j, F64, "uncertainty of energy_j from the meter's resolution, J")  \
	X(status, STR, "ok, failed, error, timeout, crashed or untrustworthy")                  \
	X(message, STR, "why the status is not ok; empty otherwise")                            \
	X(checksum, STR, "64-bit digest of the output, hex")                                    \
	X(verified, BOOL, "1 when the checksum verified against the reference")

#endif
