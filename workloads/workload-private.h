/* SPDX-License-Identifier: MIT */
/*
 * The workload descriptors the registry in workload.c lists. Only workloads/ includes this.
 */
#ifndef JB_WORKLOAD_PRIVATE_H
#define JB_WORKLOAD_PRIVATE_H

#include "workload.h"

extern const struct workload_desc workload_float_ops;
extern const struct workload_desc workload_matmul;

#endif
