/* SPDX-License-Identifier: MIT */
/*
 * What meters/ shares between its own files: the backend descriptors the registry lists,
 * and the platform power profiles of the model meter. Not for other folders.
 */
#ifndef JB_METER_PRIVATE_H
#define JB_METER_PRIVATE_H

#include "meter.h"

extern const struct meter_ops meter_rapl_powercap;
extern const struct meter_ops meter_model;

#endif
