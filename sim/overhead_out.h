/* SPDX-License-Identifier: MIT */
/*
 * Files of the overhead model: the breakdown, time-series, parameter and sweep CSVs
 * (text quoted by libcsv) and the gnuplot figures (PNG and SVG): stacked energy bars per
 * platform with the reduction written on them, overhead power over time, and the
 * reduction against a swept parameter. Every function writes files only; bench/ prints.
 */
#ifndef JB_SIM_OVERHEAD_OUT_H
#define JB_SIM_OVERHEAD_OUT_H

#include <stddef.h>

#include "jb_err.h"
#include "overhead.h"
#include "params.h"

/* One point of a sweep: the swept value (and the second key's, in a map) and the
 * result there. */
struct overhead_sweep_point {
	double value, value2;
	struct overhead_result r;
};

/**
 * overhead_out_csv() - write @prefix.breakdown.csv (platform, part, energy_j, power_w),
 * @prefix.timeseries.csv (one row per step and platform) and @prefix.params.csv (key,
 * value, source of every parameter of @p). Return: 0 or -errno (@err names the file).
 */
int overhead_out_csv(const struct overhead_result *r, const struct params *p,
		     const char *prefix, struct jb_err *err);

/** overhead_out_sweep_csv() - @prefix.sweep.csv: @key, value, reduction, overheads. */
int overhead_out_sweep_csv(const char *key, const struct overhead_sweep_point *pt, size_t n,
			   const char *prefix, struct jb_err *err);

/**
 * overhead_out_plot() - @prefix.energy.{png,svg} (stacked bars) and @prefix.power.{png,svg}
 * (overhead power over time; needs a time series). The data gnuplot read stays in
 * @prefix.*.dat. Return: 0, -ENOENT when gnuplot is missing, -EIO when it failed.
 */
int overhead_out_plot(const struct overhead_result *r, const char *prefix, struct jb_err *err);

/** overhead_out_sweep_plot() - @prefix.sweep.{png,svg}: reduction against @key. */
int overhead_out_sweep_plot(const char *key, const struct overhead_sweep_point *pt, size_t n,
			    const char *prefix, struct jb_err *err);

/**
 * overhead_out_map_csv() - @prefix.map.csv of a 2-D sweep, @pt[i * n2 + j] at value i of
 * @key1 and j of @key2: both values, the reduction under both accountings, both
 * platforms' total energy and their ratio, and the fleet saving.
 */
int overhead_out_map_csv(const char *key1, const char *key2,
			 const struct overhead_sweep_point *pt, size_t n1, size_t n2,
			 const char *prefix, struct jb_err *err);

/**
 * overhead_out_map_plot() - @prefix.map.{png,svg}: a heatmap of the reduction (the
 * selected accounting) over @key1 x @key2 with the break-even contour (0%) and the
 * paper's 90.63% contour (research/paper.md). Return: as overhead_out_plot().
 */
int overhead_out_map_plot(const char *key1, const char *key2,
			  const struct overhead_sweep_point *pt, size_t n1, size_t n2,
			  const char *prefix, struct jb_err *err);

#endif
