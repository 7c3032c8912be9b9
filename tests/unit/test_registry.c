/* SPDX-License-Identifier: MIT */
/*
 * The three registries: every entry is found by its own name, names are unique, unknown
 * names give NULL, and the meter order puts real meters before the model.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "driver.h"
#include "meter.h"
#include "workload.h"

Test(registry, meters_found_by_name_model_last)
{
	size_t i, j;

	cr_assert_gt(meter_count(), 1);
	for (i = 0; i < meter_count(); i++) {
		cr_assert_eq(meter_find(meter_at(i)->name), meter_at(i));
		cr_assert_not_null(meter_at(i)->probe);
		cr_assert_not_null(meter_at(i)->open);
		for (j = i + 1; j < meter_count(); j++)
			cr_assert_str_neq(meter_at(i)->name, meter_at(j)->name);
	}
	cr_assert_str_eq(meter_at(meter_count() - 1)->name, "model");
	cr_assert_eq(meter_at(meter_count() - 1)->kind, METER_KIND_MODELED);
	cr_assert_null(meter_find("no-such-meter"));
	cr_assert_null(meter_find(NULL));
	cr_assert_null(meter_at(meter_count()));
}

Test(registry, workloads_and_drivers)
{
	size_t i;

	cr_assert_geq(workload_count(), 2);
	for (i = 0; i < workload_count(); i++) {
		const struct workload_desc *w = workload_at(i);

		cr_assert_eq(workload_find(w->name), w);
		cr_assert(w->modeled_on && *w->modeled_on, "%s names no model", w->name);
		cr_assert(w->work_unit && *w->work_unit);
		cr_assert(w->size_param[0] < w->size_param[1] && w->size_param[1] < w->size_param[2],
			  "%s: sizes must grow", w->name);
	}
	cr_assert_null(workload_find("nope"));
	cr_assert_not_null(driver_find("pinned"));
	cr_assert_null(driver_find("nope"));
}

Test(registry, size_names)
{
	enum workload_size s;

	cr_assert_eq(workload_size_parse("large", &s), 0);
	cr_assert_eq(s, WORKLOAD_SIZE_LARGE);
	cr_assert_eq(workload_size_parse("huge", &s), -EINVAL);
	cr_assert_str_eq(workload_size_name(WORKLOAD_SIZE_TEST), "test");
}

Test(registry, core_lists)
{
	int c[16];

	cr_assert_eq(driver_cores_parse("0-3,6", c, 16), 5);
	cr_assert_eq(c[4], 6);
	cr_assert_eq(driver_cores_parse("2", c, 16), 1);
	cr_assert_eq(driver_cores_parse("1,1", c, 16), -EINVAL);
	cr_assert_eq(driver_cores_parse("3-1", c, 16), -EINVAL);
	cr_assert_eq(driver_cores_parse("1,", c, 16), -EINVAL);
	cr_assert_eq(driver_cores_parse("a", c, 16), -EINVAL);
	cr_assert_eq(driver_cores_parse("", c, 16), -EINVAL);
	cr_assert_eq(driver_cores_parse("0-20", c, 16), -E2BIG);
}
