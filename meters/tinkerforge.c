/* SPDX-License-Identifier: MIT */
/*
 * The `tinkerforge` meter: the bricklets of the paper's artifact, read through a Brick
 * Daemon over TinkerForge's TCP/IP protocol (tfp.c). One bricklet, chosen by uid= (or the
 * only supported one brickd enumerates), is one domain:
 * - Energy Monitor Bricklet (device 2152): domain `wall`, scope wall-ac: the whole machine
 *   at its plug, with the bricklet on the machine's spliced power cable. get_energy_data
 *   (fid 1) gives real power in 10 mW steps and an energy counter in 10 mWh steps, both
 *   over "10 zero-crossings of the voltage sine wave", 200 ms at 50 Hz (its API page).
 * - Voltage/Current Bricklet 2.0 (device 2105): domain `board`, scope board-dc: a board's
 *   DC supply (the paper's 5 V USB cable). get_power (fid 9) in mW, an INA226 average of
 *   averaging x (voltage + current conversion time), from get_configuration (fid 14).
 * A sampling thread polls at half the update interval (every update is seen) and
 * integrates power with meter_integrator_add(), as hwmon.c and ina219.c do; read() samples
 * too, so a window's ends are current. source=counter uses the Energy Monitor's own counter
 * instead (36 J steps, interpolated within a step by the power; wrap at 2^32 steps and
 * resets handled by meter.c). The sampler also
 * reports a sensor that stopped updating (a value bit-identical for 25 update intervals,
 * where real readings carry noise) and values outside the device's documented range.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jb_clock.h"
#include "meter-private.h"
#include "meter_sampler.h"
#include "tfp.h"

/* Energy Monitor: get_energy_data, get_transformer_status (its TCP/IP API page). */
#define EM_FID_GET_ENERGY_DATA 1
#define EM_FID_GET_TRANSFORMER_STATUS 4
#define EM_ENERGY_DATA_LEN 28
/* Voltage/Current 2.0: get_power (int32 mW, 0..720000) and get_configuration (averaging,
 * voltage and current conversion time codes) (its TCP/IP API page). */
#define VC_FID_GET_POWER 9
#define VC_FID_GET_CONFIGURATION 14
#define VC_POWER_MAX_MW 720000
/* 0.01 Wh, the Energy Monitor's energy unit, in µJ. */
#define EM_ENERGY_STEP_UJ 36000000u
/* Bit-identical readings for this many update intervals: the sensor stopped updating. */
#define TF_STALE_UPDATES 25
#define TF_TIMEOUT_MS 1500

struct tf_state {
	struct tfp_target t;
	struct tfp_conn conn;
	struct tfp_identity id;
	uint32_t uid;
	int is_em, counter;
	struct meter_info *info;
	uint64_t upd_ns, interval_ns, interval_ms;
	double freq_hz; /* Energy Monitor: the mains frequency at open */
	struct meter_sampler sp; /* its lock guards the connection and everything below */
	int last_error;
	struct meter_integrator integ;
	uint64_t counter_uj, reported_uj, last_good_ns, changed_ns;
	double offset_uj; /* source=counter: the report is the power integral plus this */
	uint8_t last[EM_ENERGY_DATA_LEN];
	double power_w;
};

static int32_t
le_i32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/* One reading, under the lock. Return 0, or -errno (the call's, -ERANGE for a value the
 * device cannot report, -ENODATA for a sensor that stopped updating). */
static int
tf_sample(struct tf_state *s, int by_sampler)
{
	uint8_t p[EM_ENERGY_DATA_LEN] = { 0 };
	size_t len = s->is_em ? EM_ENERGY_DATA_LEN : 4;
	uint64_t t_ns;
	double power_w;
	int rc = tfp_call(&s->conn, s->uid, s->is_em ? EM_FID_GET_ENERGY_DATA : VC_FID_GET_POWER,
			  NULL, 0, 1, p, len);

	t_ns = jb_clock_mono_ns();
	if (rc)
		return s->last_error = rc;
	/* Real power: 4th int32 in 10 mW; the V/C's only int32 in mW. */
	power_w = s->is_em ? le_i32(p + 12) / 100.0 : le_i32(p) / 1000.0;
	if (power_w < 0 || (!s->is_em && le_i32(p) > VC_POWER_MAX_MW))
		return s->last_error = -ERANGE;
	/* Real sensors carry noise in their last digits; a frozen one repeats itself. A
	 * reading of exactly 0 W is a dead supply, which the plausibility check names. */
	if (memcmp(p, s->last, len) != 0 || power_w == 0) {
		memcpy(s->last, p, len);
		s->changed_ns = t_ns;
	} else if (t_ns - s->changed_ns > TF_STALE_UPDATES * s->upd_ns) {
		return s->last_error = -ENODATA;
	}
	if (s->counter && (uint64_t)(uint32_t)le_i32(p + 8) * EM_ENERGY_STEP_UJ != s->counter_uj) {
		uint64_t c = (uint64_t)(uint32_t)le_i32(p + 8) * EM_ENERGY_STEP_UJ;

		/* A new value bounds the report anew (see tf_energy_uj); one below the last is
		 * a reset or a wrap, which meter.c must see as it is: the report starts again
		 * from it. */
		if (c < s->counter_uj) {
			s->reported_uj = 0;
			s->offset_uj = (double)c - s->integ.energy_j * 1e6;
		}
		s->counter_uj = c;
	}
	if (meter_integrator_add(&s->integ, t_ns, power_w))
		return 0; /* a time stamp not after the last one: nothing to add */
	s->power_w = power_w;
	s->last_error = 0;
	s->last_good_ns = t_ns;
	if (by_sampler)
		meter_sampler_count(&s->sp, t_ns);
	return 0;
}

/*
 * The energy read() reports, in µJ: the power integral, or with source=counter the power
 * integral moved by an offset that keeps it between the bricklet's counter and one
 * update's energy (or one step) above it, and never below the last report. A bare
 * counter moves in jumps of whole steps once per update, which two reads a few ms apart
 * would show as kilowatts (meter.c refuses such a jump). Restarting the integral from
 * each new counter value did too: the sampler may see a value late, and when the next is
 * seen promptly by a read, the report jumped by the power times that lateness (at 1500 W,
 * 50 ms late is 75 J: 75 kW between two reads 1 ms apart); a counter window was flagged
 * so in the ASan suite under load. The integral runs on instead,
 * and the counter only moves the offset when the integral leaves its band: monotonic,
 * following the bricklet's own counter, never more than one update's energy off it.
 */
static uint64_t
tf_energy_uj(struct tf_state *s)
{
	double total_uj = s->integ.energy_j * 1e6, cap_uj, lo_uj, v;

	if (!s->counter)
		return (uint64_t)total_uj;
	cap_uj = s->power_w * (double)s->upd_ns / 1e3;
	if (cap_uj < EM_ENERGY_STEP_UJ)
		cap_uj = EM_ENERGY_STEP_UJ;
	lo_uj = (double)s->counter_uj;
	v = total_uj + s->offset_uj;
	if (v < lo_uj) {
		s->offset_uj += lo_uj - v;
		v = lo_uj;
	} else if (v > lo_uj + cap_uj) {
		s->offset_uj -= v - (lo_uj + cap_uj);
		v = lo_uj + cap_uj;
	}
	if ((uint64_t)v > s->reported_uj)
		s->reported_uj = (uint64_t)v;
	return s->reported_uj;
}

/* The sampler's pass: one reading, under the lock (it shares the connection with read()). */
static void
tf_sampler_sample(struct meter_sampler *sp, void *arg)
{
	pthread_mutex_lock(&sp->lock);
	(void)tf_sample(arg, 1);
	pthread_mutex_unlock(&sp->lock);
}

static void
tf_close(void *priv)
{
	struct tf_state *s = priv;

	if (!s)
		return;
	meter_sampler_fini(&s->sp);
	tfp_close(&s->conn);
	free(s);
}

/* source=counter needs the Energy Monitor's counter. 0 or -EINVAL. */
static int
tf_counter_check(struct tf_state *s, char *why, size_t why_len)
{
	s->is_em = s->id.device_id == TFP_DEVICE_ENERGY_MONITOR;
	if (s->counter && !s->is_em) {
		snprintf(why, why_len, "source=counter: the Voltage/Current Bricklet 2.0 has no "
			 "energy counter");
		return -EINVAL;
	}
	return 0;
}

/* The options (host, port, uid, source, interval_ms) into @s. 0 or -EINVAL. */
static int
tf_opts(struct tf_state *s, const char *opts, char *why, size_t why_len)
{
	char src[16] = "power";
	int rc = meter__opts_check(opts, why, why_len);

	if (!rc)
		rc = tfp_target_parse(opts, 0, 0, &s->t, why, why_len);
	/* 0: half the device's update interval, known once it is found (tf_open). */
	if (!rc)
		rc = meter__opt_u64(opts, "interval_ms", 0, 1, 10000, &s->interval_ms, why, why_len);
	if (rc)
		return rc;
	if (meter__opt(opts, "source", src, sizeof(src)) < 0 ||
	    (strcmp(src, "power") && strcmp(src, "counter"))) {
		snprintf(why, why_len, "option source: want power or counter");
		return -EINVAL;
	}
	s->counter = !strcmp(src, "counter");
	return 0;
}

/* Connect and find the bricklet: by uid=, or the only supported one brickd enumerates.
 * 0, or -errno with the reason in @why (-EINVAL bad option, -ENODEV no such bricklet). */
static int
tf_find(struct tf_state *s, const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct tfp_identity all[32];
	char name[32], list[512] = "";
	size_t at = 0;
	int rc = tf_opts(s, ctx->meter_opts, why, why_len), n, i, found = 0;

	if (rc)
		return rc;
	if (s->t.uid[0] && tfp_uid_parse(s->t.uid, &s->uid)) {
		snprintf(why, why_len, "uid '%s' is not a TinkerForge UID (base58, as brick-viewer "
			 "shows it)", s->t.uid);
		return -EINVAL;
	}
	rc = tfp_connect(&s->conn, s->t.host, s->t.port, TF_TIMEOUT_MS, why, why_len);
	if (rc)
		return rc;
	if (s->t.uid[0]) {
		rc = tfp_identity_get(&s->conn, s->uid, &s->id);
		if (rc) {
			snprintf(why, why_len, "no device answers to UID %s at %s:%u (%s): check the "
				 "UID in brick-viewer or `tinkerforge enumerate`", s->t.uid,
				 s->t.host, s->t.port, jb_strerror(rc));
			return -ENODEV;
		}
		if (s->id.device_id != TFP_DEVICE_ENERGY_MONITOR &&
		    s->id.device_id != TFP_DEVICE_VOLTAGE_CURRENT_V2) {
			snprintf(why, why_len, "UID %s at %s:%u is not an Energy Monitor Bricklet "
				 "or a Voltage/Current Bricklet 2.0 but: %s", s->t.uid, s->t.host,
				 s->t.port, tfp_device_name(s->id.device_id, name, sizeof(name)));
			return -ENODEV;
		}
		return tf_counter_check(s, why, why_len);
	}
	/* A local brickd answers in milliseconds; one across a network or on a loaded host
	 * (a fake brickd beside six tests answered after 500 ms) may take seconds, and the
	 * burst is over when it has been quiet for a while. */
	n = tfp_enumerate(&s->conn, all, sizeof(all) / sizeof(all[0]), 3000, 500);
	for (i = 0; i < n; i++) {
		if (all[i].device_id != TFP_DEVICE_ENERGY_MONITOR &&
		    all[i].device_id != TFP_DEVICE_VOLTAGE_CURRENT_V2)
			continue;
		if (!found++)
			s->id = all[i];
		if (at < sizeof(list) - 48) /* one entry fits: ", " 8 " (" 31 ")" */
			at += (size_t)snprintf(list + at, 48, "%s%.8s (%.31s)", found > 1 ? ", " : "",
					       all[i].uid, tfp_device_name(all[i].device_id, name,
									  sizeof(name)));
	}
	if (found != 1) {
		snprintf(why, why_len, found ? "several bricklets at %s:%u, name one with uid=: %s"
					     : "brickd at %s:%u has no Energy Monitor or "
					       "Voltage/Current 2.0 bricklet%s", s->t.host, s->t.port,
			 list);
		return -ENODEV;
	}
	snprintf(s->t.uid, sizeof(s->t.uid), "%s", s->id.uid);
	return tfp_uid_parse(s->t.uid, &s->uid) ? -ENODEV : tf_counter_check(s, why, why_len);
}

/* The update interval, from the device (see the file comment). 0 or -errno with @why. */
static int
tf_configure(struct tf_state *s, char *why, size_t why_len)
{
	/* INA226 averaging counts and conversion times in µs, indexed by the codes of
	 * set_configuration (Voltage/Current 2.0 API page; TI INA226 datasheet SBOS547). */
	static const unsigned avg[] = { 1, 4, 16, 64, 128, 256, 512, 1024 };
	static const unsigned ct_us[] = { 140, 204, 332, 588, 1100, 2116, 4156, 8244 };
	uint8_t cfg[3], st[2], p[EM_ENERGY_DATA_LEN];
	int rc;

	if (!s->is_em) {
		rc = tfp_call(&s->conn, s->uid, VC_FID_GET_CONFIGURATION, NULL, 0, 1, cfg, 3);
		if (!rc && (cfg[0] > 7 || cfg[1] > 7 || cfg[2] > 7))
			rc = -EBADMSG;
		if (rc) {
			snprintf(why, why_len, "get_configuration of %s: %s", s->t.uid,
				 jb_strerror(rc));
			return rc;
		}
		s->upd_ns = (uint64_t)avg[cfg[0]] * (ct_us[cfg[1]] + ct_us[cfg[2]]) * 1000u;
		return 0;
	}
	rc = tfp_call(&s->conn, s->uid, EM_FID_GET_TRANSFORMER_STATUS, NULL, 0, 1, st, 2);
	if (!rc && (!st[0] || !st[1])) {
		snprintf(why, why_len, "the Energy Monitor %s has no %s transformer connected: real "
			 "power needs both (docs/boards.md)", s->t.uid, !st[0] ? "voltage" : "current");
		return -ENODEV;
	}
	if (!rc)
		rc = tfp_call(&s->conn, s->uid, EM_FID_GET_ENERGY_DATA, NULL, 0, 1, p, sizeof(p));
	if (rc) {
		snprintf(why, why_len, "Energy Monitor %s: %s", s->t.uid, jb_strerror(rc));
		return rc;
	}
	if (le_i32(p + 12) < 0) {
		snprintf(why, why_len, "the Energy Monitor %s reads negative real power (%.2f W): "
			 "its current clamp faces the wrong way", s->t.uid, le_i32(p + 12) / 100.0);
		return -ENODEV;
	}
	/* Frequency: last uint16, 0.01 Hz. 10 zero-crossings = 10 mains periods; 50 Hz if the
	 * bricklet has not measured one yet. */
	s->freq_hz = (double)(p[26] | p[27] << 8) / 100.0;
	s->upd_ns = (uint64_t)(10.0 / (s->freq_hz >= 40 && s->freq_hz <= 70 ? s->freq_hz : 50.0) *
			       1e9);
	return 0;
}

static void
tf_detail(struct tf_state *s)
{
	char hz[48] = "";
	double rate, cpu;

	pthread_mutex_lock(&s->sp.lock);
	meter_sampler_rate(&s->sp, 1, &rate, &cpu);
	pthread_mutex_unlock(&s->sp.lock);
	if (s->is_em)
		snprintf(hz, sizeof(hz), " (10 mains periods at %.2f Hz)", s->freq_hz);
	snprintf(s->info->detail, sizeof(s->info->detail),
		 "%s %s at %.40s:%u (fw %u.%u.%u, scope %s); %s; update %.1f ms%s; sampler every "
		 "%.1f ms: %.1f samples/s, %.2f%% of a CPU", s->is_em ? "Energy Monitor Bricklet"
		 : "Voltage/Current Bricklet 2.0", s->t.uid, s->t.host, s->t.port,
		 s->id.fw_version[0], s->id.fw_version[1], s->id.fw_version[2],
		 s->is_em ? "wall-ac" : "board-dc", s->counter ? "the bricklet's energy counter "
		 "(0.01 Wh steps)" : "power integrated", (double)s->upd_ns / 1e6, hz,
		 (double)s->interval_ns / 1e6, rate, 100 * cpu);
}

static int
tf_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct tf_state s = { .conn = { .fd = -1 } };
	char name[32];
	int rc = tf_find(&s, ctx, why, why_len);

	tfp_close(&s.conn);
	if (!rc)
		snprintf(why, why_len, "%s %s at %s:%u", tfp_device_name(s.id.device_id, name,
			 sizeof(name)), s.t.uid, s.t.host, s.t.port);
	return rc;
}

static int
tf_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	struct tf_state *s = calloc(1, sizeof(*s));
	char why[1024];
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "tinkerforge: out of memory");
	s->conn.fd = -1;
	meter_sampler_init(&s->sp);
	rc = tf_find(s, ctx, why, sizeof(why));
	if (!rc)
		rc = tf_configure(s, why, sizeof(why));
	if (rc) {
		tf_close(s);
		return jb_err_set(err, rc, "tinkerforge: %s", why);
	}
	/* Half the update interval by default, so that no update is missed. */
	s->interval_ns = s->interval_ms ? s->interval_ms * 1000000u : s->upd_ns / 2;
	s->info = info;
	info->n_domains = 1;
	memset(&info->domain[0], 0, sizeof(info->domain[0]));
	/* Scope: wall-ac (the Energy Monitor on the machine's mains cable) or board-dc (the
	 * Voltage/Current Bricklet on a board's DC supply, after its adapter). */
	snprintf(info->domain[0].name, METER_NAME_MAX, s->is_em ? "wall" : "board");
	info->domain[0].scope = s->is_em ? JB_SCOPE_WALL_AC : JB_SCOPE_BOARD_DC;
	info->update_interval_ns = s->upd_ns;
	info->min_window_ns = 100 * s->upd_ns;
	if (s->counter) {
		/* Signed 32-bit in 0.01 Wh, read as unsigned: the range of 2^32 steps. */
		info->domain[0].max_energy_range_uj = (UINT64_C(1) << 32) * EM_ENERGY_STEP_UJ;
		info->resolution_j = EM_ENERGY_STEP_UJ / 1e6;
	} else {
		/* One LSB of power (10 mW, 1 mW) held for one update interval. */
		info->resolution_j = (s->is_em ? 0.01 : 0.001) * (double)s->upd_ns / 1e9;
	}
	/* A slow call (a TCP round trip) is not followed by a burst of catching up. */
	rc = meter_sampler_start(&s->sp, s->interval_ns, METER_SAMPLER_NO_BURST, 0,
				 tf_sampler_sample, s);
	if (rc) {
		tf_close(s);
		return jb_err_set(err, rc, "tinkerforge: cannot start the sampler");
	}
	rc = meter_sampler_wait_first(&s->sp, 2000, &s->last_error);
	if (rc) {
		/* The message first: it names the bricklet, which tf_close() frees. */
		jb_err_set(err, rc, "tinkerforge: first reading of %s: %s", s->t.uid,
			   jb_strerror(rc));
		tf_close(s);
		return rc;
	}
	tf_detail(s);
	*priv = s;
	return 0;
}

static int
tf_read(void *priv, struct meter_reading *out)
{
	struct tf_state *s = priv;
	int rc;

	pthread_mutex_lock(&s->sp.lock);
	rc = tf_sample(s, 0);
	out->t_ns = jb_clock_mono_ns();
	/* One lost call is bridged by the integral; four update intervals without a good
	 * reading mean the bricklet or brickd is gone. A stale or impossible value is not
	 * bridged: it is what the sensor says now. */
	if (rc == -ETIMEDOUT && out->t_ns - s->last_good_ns < 4 * s->upd_ns)
		rc = 0;
	out->energy_uj[0] = tf_energy_uj(s);
	pthread_mutex_unlock(&s->sp.lock);
	tf_detail(s);
	return rc;
}

const struct meter_ops meter_tinkerforge = {
	.name = "tinkerforge",
	.summary = "TinkerForge Energy Monitor (wall AC) or Voltage/Current 2.0 (board DC) via brickd",
	.kind = METER_KIND_MEASURED,
	.probe = tf_probe,
	.open = tf_open,
	.read = tf_read,
	.close = tf_close,
};
