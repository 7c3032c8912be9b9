/* SPDX-License-Identifier: MIT */
/*
 * meters/profile.c: power profiles parse, every value must name its source, and the
 * shipped profiles load.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "profile.h"

Test(profile, parses_with_sources)
{
	struct meter_profile p;
	const char *text = "# c\nname = t | me\ncores = 4 | datasheet\n"
			   "idle_w = 2.5 | meter A\nloaded_w = 6 | meter B\n";

	cr_assert_eq(meter_profile_parse(text, "t", &p, NULL), 0);
	cr_assert_eq(p.cores, 4);
	cr_assert_float_eq(p.idle_w, 2.5, 1e-12);
	cr_assert_str_eq(p.loaded_source, "meter B");
}

Test(profile, rejects_missing_source_unknown_key_bad_values)
{
	struct meter_profile p;
	struct jb_err err;

	cr_assert_eq(meter_profile_parse("name = t\n", "f", &p, &err), -EINVAL);
	cr_assert(strstr(err.msg, "f:1"), "%s", err.msg);
	cr_assert_eq(meter_profile_parse("name = t |   \n", "f", &p, &err), -EINVAL);
	cr_assert(strstr(err.msg, "no source"), "%s", err.msg);
	cr_assert_eq(meter_profile_parse("colour = red | x\n", "f", &p, &err), -EINVAL);
	cr_assert(strstr(err.msg, "unknown key"), "%s", err.msg);
	cr_assert_eq(meter_profile_parse("idle_w = -3 | x\n", "f", &p, &err), -EINVAL);
	cr_assert_eq(meter_profile_parse("cores = 2.5 | x\n", "f", &p, &err), -EINVAL);
	cr_assert_eq(meter_profile_parse("name = t | x\ncores = 2 | x\nidle_w = 5 | x\n"
					 "loaded_w = 4 | x\n", "f", &p, &err), -EINVAL);
	cr_assert(strstr(err.msg, "below idle"), "%s", err.msg);
	cr_assert_eq(meter_profile_parse("name = t | x\n", "f", &p, &err), -EINVAL);
}

Test(profile, shipped_profiles_load)
{
	struct meter_profile p;
	struct jb_ctx ctx = { .profile = "generic-x86-server" };
	struct jb_err err;

	cr_assert_eq(meter_profile_load(&ctx, &p, &err), 0, "%s", err.msg);
	cr_assert_eq(p.cores, 48);
	ctx.profile = "raspberry-pi-4b";
	cr_assert_eq(meter_profile_load(&ctx, &p, &err), 0, "%s", err.msg);
	cr_assert_eq(p.cores, 4);
	ctx.profile = "no-such-board";
	cr_assert_eq(meter_profile_load(&ctx, &p, &err), -ENOENT);
	cr_assert(strstr(err.msg, "no-such-board"));
}
