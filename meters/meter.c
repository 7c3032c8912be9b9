/* SPDX-License-Identifier: MIT */
/*
 * The meter registry and the code every backend shares: the wrap-safe counter delta, the
 * power integrator, and struct meter, which keeps a monotonic joule total per domain.
 * Backends only read raw values; all arithmetic on them lives here, once, so that a wrap or
 * a reset is handled the same way for RAPL, INA219 and the model (research/meters.md §0).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jb_clock.h"
#include "meter.h"
#include "meter-private.h"

/* Preference order: real meters first, the model last (DESIGN §4 step 1). */
static const struct meter_ops *const meter_table[] = {
	&meter_rapl_perf,     /* kernel-kept 64-bit counts, no wrap, quirks applied by the kernel */
	&meter_rapl_powercap, /* the same counters in µJ, wrapping at max_energy_range_uj */
#ifdef JB_HAVE_PAPI
	&meter_papi,          /* PAPI named events; on Debian's PAPI only perf_event_uncore */
#endif
#ifdef JB_HAVE_INA219
	&meter_ina219,        /* whole-board DC power over I2C, integrated by a sampler */
#endif
	&meter_hwmon,         /* any kernel hwmon energy/power sensor (ina2xx, ...) */
#ifdef JB_HAVE_IPMI
	&meter_ipmi,          /* the BMC's whole-machine power (wall-ac): DCMI or a sensor */
#endif
#ifdef JB_HAVE_REDFISH
	&meter_redfish,       /* the same BMC over Redfish (wall-ac) */
#endif
	/* After the machine's own sensors: it asks a Brick Daemon on the network (localhost
	 * by default), and its wall-ac or board-dc scope is wider than a package's. */
	&meter_tinkerforge,   /* TinkerForge bricklets through brickd: wall AC, board DC */
	&meter_model,         /* an estimate, always labelled modeled */
};

size_t
meter_count(void)
{
	return sizeof(meter_table) / sizeof(meter_table[0]);
}

const struct meter_ops *
meter_at(size_t i)
{
	return i < meter_count() ? meter_table[i] : NULL;
}

const struct meter_ops *
meter_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < meter_count(); i++)
		if (strcmp(meter_table[i]->name, name) == 0)
			return meter_table[i];
	return NULL;
}

/* The step from (@from_uj at @from_t_ns) to (@raw_uj at @t_ns), wrap-safe: 0 with *delta,
 * or -ERANGE when no plausible step gets there. */
static int
counter_step(uint64_t from_uj, uint64_t from_t_ns, uint64_t raw_uj, uint64_t t_ns,
	     uint64_t max_range_uj, uint64_t *delta, int *wrapped)
{
	uint64_t dt_ns = t_ns > from_t_ns ? t_ns - from_t_ns : 0;

	*wrapped = 0;
	if (raw_uj >= from_uj) {
		*delta = raw_uj - from_uj;
	} else {
		/*
		 * Backwards: a wrap only if the counter has a range, the old value lies inside
		 * it, and the wrapped delta is under half the range. More than that would mean
		 * we missed a whole half-range between two reads, which the read interval
		 * rules out (windows poll, meter_poll_interval_ns()); a reset or a glitch is
		 * far more likely. Reads further apart than that (between windows, where no
		 * energy is counted) cannot tell: the wrap is taken, and reported as a gap.
		 */
		if (max_range_uj == 0 || from_uj >= max_range_uj ||
		    (raw_uj + (max_range_uj - from_uj) > max_range_uj / 2 &&
		     dt_ns <= meter_range_safe_ns(max_range_uj, METER_PLAUSIBLE_POWER_W)))
			return -ERANGE;
		*delta = raw_uj + (max_range_uj - from_uj);
		*wrapped = 1;
	}
	/* µJ / ns * 1e3 = W; compare as delta_uj > P * dt_ns / 1e3, with 1 ms of slack so that
	 * two reads close together with one counter update between them are not rejected. */
	if ((double)*delta > METER_PLAUSIBLE_POWER_W * ((double)dt_ns + 1e6) / 1e3)
		return -ERANGE;
	return 0;
}

int
meter_counter_update(struct meter_counter *c, uint64_t raw_uj, uint64_t t_ns,
		     uint64_t max_range_uj, uint64_t *delta_uj)
{
	uint64_t delta;
	int wrapped;

	*delta_uj = 0;
	if (!c->primed) {
		c->primed = 1;
		c->last_uj = raw_uj;
		c->last_t_ns = t_ns;
		return METER_DELTA_FIRST;
	}
	if (counter_step(c->last_uj, c->last_t_ns, raw_uj, t_ns, max_range_uj, &delta,
			 &wrapped) == 0) {
		int recovered = c->suspect;
		int gap = max_range_uj && t_ns > c->last_t_ns &&
			  t_ns - c->last_t_ns > meter_range_safe_ns(max_range_uj,
								    METER_PLAUSIBLE_POWER_W);

		c->suspect = 0;
		c->last_uj = raw_uj;
		c->last_t_ns = t_ns;
		*delta_uj = delta;
		if (recovered)
			return METER_DELTA_RECOVERED;
		return gap ? METER_DELTA_GAP : wrapped ? METER_DELTA_WRAPPED : METER_DELTA_OK;
	}
	if (c->suspect && raw_uj > c->suspect_uj &&
	    counter_step(c->suspect_uj, c->suspect_t_ns, raw_uj, t_ns, max_range_uj, &delta,
			 &wrapped) == 0) {
		/* The counter counts on upwards from the rejected value: it was reset. Count on
		 * from here. A value that merely repeats (a stuck or garbage read) is not that. */
		c->suspect = 0;
		c->last_uj = raw_uj;
		c->last_t_ns = t_ns;
		return -ERANGE;
	}
	c->suspect = 1;
	c->suspect_uj = raw_uj;
	c->suspect_t_ns = t_ns;
	return -ERANGE;
}

uint64_t
meter_range_safe_ns(uint64_t max_range_uj, double max_power_w)
{
	/* Half the range in µJ over W is µs; x 1000 is ns. */
	if (!max_range_uj || !(max_power_w > 0))
		return UINT64_MAX;
	return (uint64_t)((double)max_range_uj / 2.0 / max_power_w * 1e3);
}

uint64_t
meter_poll_interval_ns(const struct meter *m)
{
	uint64_t poll_ns = 0;
	size_t i;

	for (i = 0; i < m->info.n_domains; i++) {
		double lo_w, hi_w;
		uint64_t safe_ns;

		if (!m->info.domain[i].max_energy_range_uj)
			continue;
		meter_domain_power_range_w(m->info.domain[i].name, &lo_w, &hi_w);
		safe_ns = meter_range_safe_ns(m->info.domain[i].max_energy_range_uj, hi_w) / 2;
		if (safe_ns == 0)
			safe_ns = 1;
		if (!poll_ns || safe_ns < poll_ns)
			poll_ns = safe_ns;
	}
	return poll_ns;
}

int
meter_integrator_add(struct meter_integrator *in, uint64_t t_ns, double power_w)
{
	if (!isfinite(power_w) || power_w < 0)
		return -EINVAL;
	if (!in->primed) {
		in->primed = 1;
		in->last_t_ns = t_ns;
		in->last_power_w = power_w;
		return 0;
	}
	if (t_ns <= in->last_t_ns)
		return -EINVAL;
	if (power_w != in->last_power_w)
		in->changes++;
	in->energy_j += 0.5 * (in->last_power_w + power_w) * (double)(t_ns - in->last_t_ns) / 1e9;
	in->last_t_ns = t_ns;
	in->last_power_w = power_w;
	return 0;
}

static int
domain_matches(const char *name, const char *want, size_t want_len)
{
	/* "package" selects package-0, package-1...; "package-1" selects just that one. */
	if (strlen(name) == want_len && strncmp(name, want, want_len) == 0)
		return 1;
	return strncmp(name, want, want_len) == 0 && name[want_len] == '-';
}

static int
selection_overlaps(const struct meter *m)
{
	size_t i, j;

	for (i = 0; i < m->info.n_domains; i++) {
		if (!m->selected[i] || !m->info.domain[i].parent[0])
			continue;
		for (j = 0; j < m->info.n_domains; j++)
			if (m->selected[j] &&
			    strcmp(m->info.domain[j].name, m->info.domain[i].parent) == 0)
				return 1;
	}
	return 0;
}

/* The scope column of the selection: one scope, or the scopes it sums joined by '+'. */
static void
selection_scope(struct meter *m)
{
	unsigned mask = 0;
	size_t i;

	for (i = 0; i < m->info.n_domains; i++)
		if (m->selected[i])
			mask |= 1u << m->info.domain[i].scope;
	jb_scope_join(mask, m->scope, sizeof(m->scope));
}

int
meter_select(struct meter *m, const char *spec, struct jb_err *err)
{
	int picked[METER_DOMAINS_MAX] = { 0 };
	const char *p = spec;
	size_t i;

	while (p && *p) {
		size_t len = strcspn(p, ",");
		int found = 0;

		for (i = 0; i < m->info.n_domains; i++)
			if (domain_matches(m->info.domain[i].name, p, len))
				picked[i] = found = 1;
		if (!found)
			return jb_err_set(err, -ENOENT, "meter %s has no domain '%.*s'",
					  m->ops->name, (int)len, p);
		p += len;
		if (*p == ',')
			p++;
	}
	memcpy(m->selected, picked, sizeof(picked));
	if (selection_overlaps(m))
		return jb_err_set(err, -EINVAL,
				  "domains '%s' overlap (a parent and its child would be summed)",
				  spec);
	snprintf(m->selection, sizeof(m->selection), "%s", spec);
	selection_scope(m);
	return 0;
}

static void
select_default(struct meter *m)
{
	size_t i, n = 0;

	/* Every package, even under psys: the packages are disjoint, psys is then unselected.
 * Else every top-level domain not marked default_off (meter_open() ensures one). */
	for (i = 0; i < m->info.n_domains; i++) {
		m->selected[i] = strncmp(m->info.domain[i].name, "package-", 8) == 0;
		n += (size_t)m->selected[i];
	}
	if (n) {
		snprintf(m->selection, sizeof(m->selection), "package");
		selection_scope(m);
		return;
	}
	m->selection[0] = '\0';
	for (i = 0; i < m->info.n_domains; i++) {
		m->selected[i] = !m->info.domain[i].parent[0] && !m->info.domain[i].default_off;
		if (m->selected[i]) {
			size_t used = strlen(m->selection);

			snprintf(m->selection + used, sizeof(m->selection) - used, "%s%s",
				 used ? "," : "", m->info.domain[i].name);
		}
	}
	selection_scope(m);
}

int
meter_open(struct meter *m, const struct meter_ops *ops, const struct jb_ctx *ctx,
	   struct jb_err *err)
{
	struct meter_sample first;
	size_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = ops->open(ctx, &m->priv, &m->info, err);
	if (rc)
		return rc;
	m->ops = ops;
	if (m->info.n_domains == 0 || m->info.n_domains > METER_DOMAINS_MAX) {
		meter_close(m);
		return jb_err_set(err, -ENODEV, "meter %s: no energy domain found", ops->name);
	}
	for (i = 0; i < m->info.n_domains; i++)
		if (m->info.domain[i].scope <= JB_SCOPE_NONE || m->info.domain[i].scope >= JB_SCOPES) {
			jb_err_set(err, -EINVAL, "meter %s: domain %s declares no scope", ops->name,
				   m->info.domain[i].name);
			meter_close(m);
			return -EINVAL;
		}
	select_default(m);
	m->poll_ns = meter_poll_interval_ns(m);
	/* Prime every counter, so the first window does not start from "no sample". */
	rc = meter_sample(m, &first);
	if (rc) {
		jb_err_set(err, rc, "meter %s: first read failed: %s", ops->name, jb_strerror(rc));
		meter_close(m);
	}
	return rc;
}

int
meter_sample(struct meter *m, struct meter_sample *out)
{
	struct meter_reading r;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = m->ops->read(m->priv, &r);
	if (rc) {
		out->t_ns = jb_clock_mono_ns();
		out->energy_j = NAN;
		out->rejected = m->rejected;
		out->gaps = m->gaps;
		return rc;
	}
	out->t_ns = r.t_ns;
	out->energy_j = 0;
	for (i = 0; i < m->info.n_domains; i++) {
		uint64_t d;

		int res = meter_counter_update(&m->counter[i], r.energy_uj[i], r.t_ns,
					       m->info.domain[i].max_energy_range_uj, &d);

		if (res < 0 || res == METER_DELTA_RECOVERED)
			m->rejected++;
		if (res == METER_DELTA_GAP)
			m->gaps++;
		m->power_changes[i] = r.power_changes[i];
		m->total_j[i] += (double)d / 1e6;
		if (m->selected[i])
			out->energy_j += m->total_j[i];
	}
	out->rejected = m->rejected;
	out->gaps = m->gaps;
	return 0;
}

void
meter_close(struct meter *m)
{
	if (m->ops && m->ops->close)
		m->ops->close(m->priv);
	m->ops = NULL;
	m->priv = NULL;
}
