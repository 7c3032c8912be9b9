/* SPDX-License-Identifier: MIT */
/*
 * The INA219 register model (ina219_model.h). Sources: SBOS448 §8.6 (registers), §8.5.1
 * (Current = Shunt x Cal / 4096, Power = Current x Bus / 5000), Table 4 (PGA ranges
 * ±40/80/160/320 mV), Table 5 (conversion times).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ina219_model.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
reset_locked(struct ina219_model *m)
{
	m->config = INA219_CFG_RESET_VALUE;
	m->cal = 0;
	m->shunt = m->current = 0;
	m->bus_val = m->power = 0;
	m->cnvr = m->ovf = 0;
	m->last_conv_ns = now_ns();
}

static uint64_t
cycle_ns(uint16_t config)
{
	static const uint64_t t_ns[16] = { 84000, 148000, 276000, 532000, 84000, 148000, 276000,
					   532000, 532000, 1060000, 2130000, 4260000, 8510000,
					   17020000, 34050000, 68100000 };

	return t_ns[(config >> INA219_CFG_SADC_SHIFT) & 0xF] +
	       t_ns[(config >> INA219_CFG_BADC_SHIFT) & 0xF];
}

static void
convert_at(struct ina219_model *m, double t_s)
{
	unsigned pg = (m->config >> INA219_CFG_PG_SHIFT) & 3;
	double range_v = 0.040 * (double)(1u << pg);
	double v_shunt = m->current_a(m->arg, t_s) * m->r_shunt_ohm;
	double bus_max_v = (m->config & INA219_CFG_BRNG) ? 32.0 : 16.0;
	long cur, pow_;

	/* The shunt ADC saturates at the PGA's full scale; LSB 10 µV. */
	if (v_shunt > range_v)
		v_shunt = range_v;
	if (v_shunt < -range_v)
		v_shunt = -range_v;
	m->shunt = (int16_t)lround(v_shunt / 10e-6);
	m->bus_val = (uint16_t)lround(fmin(m->bus_v, bus_max_v) / 0.004);
	if (m->bus_val > 0x1FFF)
		m->bus_val = 0x1FFF;
	/* On-chip arithmetic, truncating as integer hardware does. */
	cur = (long)m->shunt * (long)m->cal / 4096;
	pow_ = labs(cur) * (long)m->bus_val / 5000;
	m->ovf = cur > 32767 || cur < -32768 || pow_ > 65535;
	m->current = (int16_t)(cur > 32767 ? 32767 : cur < -32768 ? -32768 : cur);
	m->power = (uint16_t)(pow_ > 65535 ? 65535 : pow_);
	m->cnvr = 1;
}

/* Complete the conversions that real time allows: the latest one wins. */
static void
advance_locked(struct ina219_model *m)
{
	uint64_t c = cycle_ns(m->config), t = now_ns(), n;

	if ((m->config & 7) != INA219_CFG_MODE_CONT || t - m->last_conv_ns < c)
		return;
	n = (t - m->last_conv_ns) / c;
	m->last_conv_ns += n * c;
	convert_at(m, (double)(m->last_conv_ns - c / 2 - m->t0_ns) / 1e9);
}

static int
model_read16(void *bus_ctx, uint8_t reg, uint16_t *val)
{
	struct ina219_model *m = bus_ctx;
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	m->reads++;
	if (m->fail_reads) {
		m->fail_reads--;
		pthread_mutex_unlock(&m->lock);
		return -EIO;
	}
	advance_locked(m);
	switch (reg) {
	case INA219_REG_CONFIG: *val = m->config; break;
	case INA219_REG_SHUNT: *val = (uint16_t)m->shunt; break;
	case INA219_REG_BUS:
		*val = (uint16_t)(m->bus_val << 3 | (m->cnvr ? INA219_BUS_CNVR : 0) |
				  (m->ovf ? INA219_BUS_OVF : 0));
		break;
	case INA219_REG_POWER:
		*val = m->power;
		m->cnvr = 0; /* reading power clears CNVR (SBOS448 §8.6.3.2) */
		break;
	case INA219_REG_CURRENT: *val = (uint16_t)m->current; break;
	case INA219_REG_CAL: *val = m->cal; break;
	default: rc = -ENXIO; /* no such register: the chip NAKs */
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int
model_write16(void *bus_ctx, uint8_t reg, uint16_t val)
{
	struct ina219_model *m = bus_ctx;

	pthread_mutex_lock(&m->lock);
	m->writes++;
	if (reg == INA219_REG_CONFIG) {
		if (val & INA219_CFG_RST) {
			reset_locked(m);
		} else {
			m->config = val & 0x3FFF; /* bit 14 unused */
			m->cnvr = 0;              /* writing the mode clears CNVR */
			m->last_conv_ns = now_ns();
		}
	} else if (reg == INA219_REG_CAL) {
		m->cal = val & 0xFFFE;  /* bit 0 is not used and reads 0 */
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void
ina219_model_init(struct ina219_model *m, double r_shunt_ohm, double bus_v,
		  double (*current_a)(void *arg, double t_s), void *arg)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->r_shunt_ohm = r_shunt_ohm;
	m->bus_v = bus_v;
	m->current_a = current_a;
	m->arg = arg;
	m->t0_ns = now_ns();
	reset_locked(m);
}

struct ina219_bus
ina219_model_bus(struct ina219_model *m)
{
	struct ina219_bus b = { model_read16, model_write16, NULL, m };

	return b;
}

void
ina219_model_convert(struct ina219_model *m)
{
	pthread_mutex_lock(&m->lock);
	convert_at(m, (double)(now_ns() - m->t0_ns) / 1e9);
	pthread_mutex_unlock(&m->lock);
}

void
ina219_model_brownout(struct ina219_model *m)
{
	pthread_mutex_lock(&m->lock);
	reset_locked(m);
	pthread_mutex_unlock(&m->lock);
}
