/* SPDX-License-Identifier: MIT */
/*
 * Clocks. Intervals use CLOCK_MONOTONIC (DESIGN §3: every meter reading carries a
 * CLOCK_MONOTONIC timestamp); CLOCK_REALTIME is used only for the start_unix_ns stamp of a
 * row. CPU time comes from the kernel's per-process and per-thread CPU clocks, in ns.
 */
#ifndef JB_CLOCK_H
#define JB_CLOCK_H

#include <stdint.h>

/** jb_clock_mono_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t jb_clock_mono_ns(void);

/** jb_clock_unix_ns() - CLOCK_REALTIME in nanoseconds since the Unix epoch. */
uint64_t jb_clock_unix_ns(void);

/** jb_clock_process_cpu_ns() - CPU time of the calling process (all threads), ns. */
uint64_t jb_clock_process_cpu_ns(void);

/** jb_clock_sleep_ns() - sleep @ns on CLOCK_MONOTONIC, restarting after signals. */
void jb_clock_sleep_ns(uint64_t ns);

#endif
