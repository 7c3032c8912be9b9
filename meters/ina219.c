/* SPDX-License-Identifier: MIT */
/*
 * The `ina219` meter: whole-board DC power from a TI INA219 on /dev/i2c-N (ina219.h has the
 * register map). The chip gives power, not energy, so a sampling thread waits for each
 * conversion (CNVR), reads the power register and integrates it over CLOCK_MONOTONIC with
 * meter_integrator_add(); read() hands out the integral as a monotonic µJ counter. The
 * sampler honours the overflow flag (OVF: the sample is meaningless, so it is dropped and
 * the next read() reports -EOVERFLOW), repairs a chip reset (calibration reads 0 after a
 * brown-out, as the kernel's ina2xx driver does), and measures its own rate and CPU cost,
 * which matter on a small board where the meter's reader is part of what is measured.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ina219.h"
#include "jb_clock.h"
#include "meter-private.h"
#include "meter_sampler.h"

struct ina219_state {
	struct ina219_bus bus;
	struct ina219_cfg cfg;
	struct ina219_calib cal;
	struct meter_info *info; /* to refresh detail with the sampler's statistics */
	struct meter_sampler sp;
	/* Guarded by sp.lock. */
	struct meter_integrator integ;
	struct ina219_stats st;  /* its samples count is sp.samples */
	uint64_t unreported_ovf;
	int last_error;            /* the latest transfer error, 0 after a good sample */
	uint64_t last_good_ns;     /* when the latest good sample was taken */
};

static int
chip_program(struct ina219_state *s)
{
	int rc = s->bus.write16(s->bus.bus_ctx, INA219_REG_CONFIG, s->cal.config);

	return rc ? rc : s->bus.write16(s->bus.bus_ctx, INA219_REG_CAL, s->cal.cal);
}

/* One conversion: wait for CNVR, then read power. 1 = a sample in *power_w, 0 = nothing
 * to integrate (overflow, repaired reset), or -errno. */
static int
sample_once(struct ina219_state *s, uint64_t *t_ns, double *power_w)
{
	uint64_t poll_ns = s->cal.cycle_ns / 16 > 50000 ? s->cal.cycle_ns / 16 : 50000;
	uint16_t bus, power, cal, shunt;
	int rc, tries;

	for (tries = 0;; tries++) {
		rc = s->bus.read16(s->bus.bus_ctx, INA219_REG_BUS, &bus);
		pthread_mutex_lock(&s->sp.lock);
		s->st.polls++;
		pthread_mutex_unlock(&s->sp.lock);
		if (rc)
			return rc;
		if (bus & INA219_BUS_CNVR)
			break;
		if (tries > 64) /* 4 cycles without a conversion: a chip that stopped */
			break;
		meter__sleep_until_ns(jb_clock_mono_ns() + poll_ns);
	}
	*t_ns = jb_clock_mono_ns();
	/* The shunt ADC saturates silently at the PGA's full scale; OVF only reports math
	 * overflow, which a calibration such as SBOS448's own example (3.2767 A before math
	 * overflow, 3.2 A at 320 mV) never reaches. So a saturated shunt is an overflow too. */
	rc = s->bus.read16(s->bus.bus_ctx, INA219_REG_SHUNT, &shunt);
	if (rc)
		return rc;
	/* Reading the power register clears CNVR (SBOS448 §8.6.3.2). */
	rc = s->bus.read16(s->bus.bus_ctx, INA219_REG_POWER, &power);
	if (rc)
		return rc;
	if ((bus & INA219_BUS_OVF) || abs((int16_t)shunt) >= (int)(4000u * s->cal.pga_div)) {
		pthread_mutex_lock(&s->sp.lock);
		s->st.overflows++;
		s->unreported_ovf++;
		pthread_mutex_unlock(&s->sp.lock);
		return 0;
	}
	if (power == 0 || !(bus & INA219_BUS_CNVR)) {
		/* After a reset the calibration reads 0 and so do current and power (kernel
		 * ina2xx_read_reg does the same check); reprogram and count it. */
		rc = s->bus.read16(s->bus.bus_ctx, INA219_REG_CAL, &cal);
		if (rc)
			return rc;
		if (cal != s->cal.cal) {
			rc = chip_program(s);
			pthread_mutex_lock(&s->sp.lock);
			s->st.resets++;
			pthread_mutex_unlock(&s->sp.lock);
			return rc ? rc : 0;
		}
		if (!(bus & INA219_BUS_CNVR))
			return -ETIMEDOUT;
	}
	*power_w = (double)power * s->cal.power_lsb_w;
	return 1;
}

/* The sampler's pass: one conversion, integrated. */
static void
ina219_sample(struct meter_sampler *sp, void *arg)
{
	struct ina219_state *s = arg;
	uint64_t t_ns = 0;
	double power_w = 0;
	int rc = sample_once(s, &t_ns, &power_w);

	pthread_mutex_lock(&sp->lock);
	if (rc < 0) {
		s->st.bus_errors++;
		s->last_error = rc;
	} else if (rc == 1) {
		/* The value is the mean over the cycle that just ended: stamp its middle. */
		uint64_t t_mid = t_ns - s->cal.cycle_ns / 2;

		if (meter_integrator_add(&s->integ, t_mid, power_w) == 0) {
			meter_sampler_count(sp, t_mid);
			s->last_error = 0;
			s->last_good_ns = t_ns;
		}
	}
	pthread_mutex_unlock(&sp->lock);
}

void
ina219_stats_get(void *priv, struct ina219_stats *st)
{
	struct ina219_state *s = priv;

	pthread_mutex_lock(&s->sp.lock);
	*st = s->st;
	st->samples = s->sp.samples;
	st->energy_j = s->integ.energy_j;
	st->first_t_ns = s->sp.first_t_ns;
	st->last_t_ns = s->sp.last_t_ns;
	meter_sampler_rate(&s->sp, 1, &st->rate_hz, &st->cpu_frac);
	pthread_mutex_unlock(&s->sp.lock);
}

static void
ina219_close(void *priv)
{
	struct ina219_state *s = priv;

	if (!s)
		return;
	meter_sampler_fini(&s->sp);
	if (s->bus.close)
		s->bus.close(s->bus.bus_ctx);
	free(s);
}

static void
ina219_detail(struct ina219_state *s, struct meter_info *info)
{
	struct ina219_stats st;

	ina219_stats_get(s, &st);
	snprintf(info->detail, sizeof(info->detail),
		 "INA219 i2c-%u@0x%02x, shunt %" PRIu64 " uohm, Cal %u, Current_LSB %.4g A, "
		 "Power_LSB %.4g W, PGA /%u, %u-bit x%u (%.2f ms/cycle); sampler %.1f Hz, "
		 "%.2f%% of a CPU, %" PRIu64 " samples, %" PRIu64 " resets, %" PRIu64 " overflows",
		 s->cfg.bus, s->cfg.addr, s->cfg.shunt_uohm, s->cal.cal, s->cal.current_lsb_a,
		 s->cal.power_lsb_w, s->cal.pga_div, s->cfg.adc_bits, s->cfg.avg,
		 (double)s->cal.cycle_ns / 1e6, st.rate_hz, 100 * st.cpu_frac, st.samples, st.resets,
		 st.overflows);
}

int
ina219_open_with(const struct jb_ctx *ctx, const struct ina219_bus *bus, void **priv,
		 struct meter_info *info, struct jb_err *err)
{
	struct ina219_state *s = calloc(1, sizeof(*s));
	char why[512];
	int rc;

	if (!s) {
		if (bus->close)
			bus->close(bus->bus_ctx);
		return jb_err_set(err, -ENOMEM, "ina219: out of memory");
	}
	s->bus = *bus;
	meter_sampler_init(&s->sp);
	rc = ina219_cfg_parse(ctx->meter_opts, &s->cfg, why, sizeof(why));
	if (!rc)
		rc = ina219_calib_compute(&s->cfg, &s->cal, why, sizeof(why));
	if (rc) {
		jb_err_set(err, rc, "ina219: %s", why);
		goto fail;
	}
	/* Reset first (all registers to defaults), then program config and calibration. */
	rc = s->bus.write16(s->bus.bus_ctx, INA219_REG_CONFIG, INA219_CFG_RST);
	if (!rc)
		rc = chip_program(s);
	if (rc) {
		jb_err_set(err, rc, "ina219: programming the chip: %s", jb_strerror(rc));
		goto fail;
	}
	/* No point polling before a conversion can be done: each pass first sleeps most of
	 * a cycle from the end of the last. */
	rc = meter_sampler_start(&s->sp, s->cal.cycle_ns - s->cal.cycle_ns / 8,
				 METER_SAMPLER_AFTER, 1, ina219_sample, s);
	if (rc) {
		jb_err_set(err, rc, "ina219: cannot start the sampler: %s", jb_strerror(rc));
		goto fail;
	}
	/* Wait for the first sample (a few cycles), so that integration covers the run. */
	rc = meter_sampler_wait_first(&s->sp, (4 * s->cal.cycle_ns + 999999u) / 1000000u + 200,
				      NULL);
	if (rc) {
		jb_err_set(err, -EIO, "ina219: no power value within %.0f ms (last error: %s)",
			   4 * (double)s->cal.cycle_ns / 1e6 + 200, s->last_error ? jb_strerror(s->last_error) : "none, CNVR never set");
		rc = -EIO;
		goto fail;
	}
	info->n_domains = 1;
	snprintf(info->domain[0].name, METER_NAME_MAX, "board");
	/* The shunt sits in the board's DC supply line, after its adapter: board-dc. */
	info->domain[0].scope = JB_SCOPE_BOARD_DC;
	info->domain[0].power_sampled = 1;
	/* The integral moves in steps of one power LSB over one cycle; the value the runner
	 * reads lags the present by up to one cycle, which is the update interval. A window of
	 * 100 cycles keeps the two endpoints' lag near 2% (as RAPL's 100 updates). */
	info->resolution_j = s->cal.power_lsb_w * (double)s->cal.cycle_ns / 1e9;
	/* Its domains are this machine's own (meter.h): the probe's load must show. */
	info->measures_host = 1;
	info->update_interval_ns = s->cal.cycle_ns;
	info->min_window_ns = 100 * s->cal.cycle_ns;
	s->info = info;
	ina219_detail(s, info);
	*priv = s;
	return 0;
fail:
	ina219_close(s);
	return rc;
}

static int
ina219_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct ina219_cfg cfg;
	struct ina219_calib cal;
	struct ina219_bus bus;
	uint16_t v;
	int rc;

	rc = ina219_cfg_parse(ctx->meter_opts, &cfg, why, why_len);
	if (!rc)
		rc = ina219_calib_compute(&cfg, &cal, why, why_len);
	if (rc)
		return rc;
	rc = ina219_i2c_open(cfg.bus, cfg.addr, &bus, why, why_len);
	if (rc)
		return rc;
	/* Read only: the probe must not disturb a chip someone else may be using. */
	rc = bus.read16(bus.bus_ctx, INA219_REG_CONFIG, &v);
	bus.close(bus.bus_ctx);
	if (rc) {
		snprintf(why, why_len, "no answer at address 0x%02x on /dev/i2c-%u (%s): check the "
			 "wiring (SDA, SCL, VCC 3-5.5 V, GND), the A0/A1 address pins, and "
			 "`i2cdetect -y %u`; set bus=N,addr=0x4N in --meter-opts", cfg.addr, cfg.bus,
			 jb_strerror(rc), cfg.bus);
		return rc == -ENXIO || rc == -EREMOTEIO ? -ENODEV : rc;
	}
	snprintf(why, why_len, "INA219 answers at 0x%02x on /dev/i2c-%u (config 0x%04x); "
		 "shunt %" PRIu64 " uohm, max %" PRIu64 " mA -> Cal %u, Power_LSB %.3g W, "
		 "a power value every %.2f ms", cfg.addr, cfg.bus, v, cfg.shunt_uohm,
		 cfg.max_current_ma, cal.cal, cal.power_lsb_w, (double)cal.cycle_ns / 1e6);
	return 0;
}

static int
ina219_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	struct ina219_cfg cfg;
	struct ina219_bus bus;
	char why[512];
	int rc = ina219_cfg_parse(ctx->meter_opts, &cfg, why, sizeof(why));

	if (!rc)
		rc = ina219_i2c_open(cfg.bus, cfg.addr, &bus, why, sizeof(why));
	if (rc)
		return jb_err_set(err, rc, "ina219: %s", why);
	return ina219_open_with(ctx, &bus, priv, info, err);
}

static int
ina219_read(void *priv, struct meter_reading *out)
{
	struct ina219_state *s = priv;
	uint64_t ovf;
	double energy_j;
	int last_error;

	pthread_mutex_lock(&s->sp.lock);
	energy_j = s->integ.energy_j;
	out->power_changes[0] = s->integ.changes;
	ovf = s->unreported_ovf;
	s->unreported_ovf = 0;
	last_error = s->last_error;
	out->t_ns = jb_clock_mono_ns();
	/* One lost transfer only loses a sample, which the trapezoid bridges; four cycles
	 * without a good one mean the chip is gone. */
	if (out->t_ns - s->last_good_ns < 4 * s->cal.cycle_ns)
		last_error = 0;
	pthread_mutex_unlock(&s->sp.lock);
	ina219_detail(s, s->info);
	/* A window with a dropped (overflowed) sample or a sampler that has lost the chip is
	 * reported, not smoothed over: the runner marks its rows meter-error. */
	if (ovf)
		return -EOVERFLOW;
	if (last_error)
		return last_error;
	out->energy_uj[0] = (uint64_t)(energy_j * 1e6);
	return 0;
}

const struct meter_ops meter_ina219 = {
	.name = "ina219",
	.summary = "TI INA219 board power over /dev/i2c-N, integrated by a sampling thread",
	.kind = METER_KIND_MEASURED,
	.probe = ina219_probe,
	.open = ina219_open,
	.read = ina219_read,
	.close = ina219_close,
};
