/* SPDX-License-Identifier: MIT */
/*
 * The `ipmi` meter: the whole machine's input power from its BMC, scope wall-ac (the
 * machine at its plug; docs/meters.md "Scopes"), through FreeIPMI's library (libfreeipmi),
 * never by parsing a tool's text. In-band over the kernel's OpenIPMI device (/dev/ipmi0)
 * when no host= is given, else over the LAN (IPMI 2.0, "lanplus"). The reading is DCMI Get
 * Power Reading (DCMI 1.5 §6.6.1: whole watts, "current power") where the BMC supports it,
 * otherwise a threshold sensor whose SDR unit is watts ("Pwr Consumption" on Dell iDRAC,
 * "Total Power" or "System Power" elsewhere; sensor= picks one by name). bmc.c polls it once
 * a second and integrates. Options: host, user, password_file (or $JOULEBENCH_BMC_PASSWORD),
 * source (auto | dcmi | sensor), sensor, cipher (the IPMI 2.0 cipher suite, default 3:
 * HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128, what FreeIPMI's tools use), workaround (FreeIPMI's
 * names: opensesspriv, authcap, intel20, supermicro20, sun20, integritycheckvalue,
 * nochecksumcheck; '+'-separated), interval_ms, stale_s, timeout_ms.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>

#include "bmc.h"
#include "meter-private.h"

/* Whole-machine sensors by the names BMC vendors give them, in preference order, for
 * when sensor= is not given (Dell iDRAC, Supermicro, HPE and OpenBMC sensor lists). */
static const char *const machine_sensors[] = {
	"Pwr Consumption", "Total Power", "System Power", "SYS Power", "Power", NULL
};

struct ipmi_state {
	struct bmc_opts o;
	unsigned workarounds;
	unsigned cipher;
	int inband, use_dcmi;
	int lost; /* the LAN session failed: reopen before the next reading */
	ipmi_ctx_t ctx;
	ipmi_sensor_read_ctx_t sread;
	fiid_obj_t dcmi_rs;
	uint8_t record[IPMI_SDR_MAX_RECORD_LENGTH];
	unsigned record_len;
	char sensor_name[64];
	double step_w;
	struct bmc_sampler smp;
	struct meter_info *info;
};

/* FreeIPMI's error of @ctx as -errno: refused credentials are -EACCES (exit 77 at open,
 * with the reason), an unreachable BMC -EHOSTUNREACH or -ETIMEDOUT. */
static int
ctx_errno(ipmi_ctx_t ctx)
{
	switch (ipmi_ctx_errnum(ctx)) {
	case IPMI_ERR_USERNAME_INVALID:
	case IPMI_ERR_PASSWORD_INVALID:
	case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
	case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
	case IPMI_ERR_K_G_INVALID:
	case IPMI_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
	case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
	case IPMI_ERR_PERMISSION:
		return -EACCES;
	case IPMI_ERR_CONNECTION_TIMEOUT:
	case IPMI_ERR_SESSION_TIMEOUT:
	case IPMI_ERR_PASSWORD_VERIFICATION_TIMEOUT:
		return -ETIMEDOUT;
	case IPMI_ERR_HOSTNAME_INVALID:
	case IPMI_ERR_IPMI_ERROR: /* e.g. DCMI not implemented: "invalid command" */
		return -EOPNOTSUPP;
	case IPMI_ERR_DEVICE_NOT_OPEN:
	case IPMI_ERR_DEVICE_NOT_SUPPORTED:
		return -ENODEV;
	default:
		return -EIO;
	}
}

static int
workarounds_parse(const char *spec, unsigned *flags, char *why, size_t why_len)
{
	static const struct {
		const char *name;
		unsigned flag;
	} known[] = {
		{ "authcap", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES },
		{ "intel20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_INTEL_2_0_SESSION },
		{ "supermicro20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION },
		{ "sun20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUN_2_0_SESSION },
		{ "opensesspriv", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE },
		{ "integritycheckvalue",
		  IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE },
		{ "nochecksumcheck", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK },
	};
	const char *p = spec;

	*flags = 0;
	while (*p) {
		size_t len = strcspn(p, "+"), i;
		int ok = 0;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len && strncmp(p, known[i].name, len) == 0) {
				*flags |= known[i].flag;
				ok = 1;
			}
		if (!ok) {
			snprintf(why, why_len, "workaround '%.*s' unknown (FreeIPMI's names: authcap, "
				 "intel20, supermicro20, sun20, opensesspriv, integritycheckvalue, "
				 "nochecksumcheck; join with '+')", (int)len, p);
			return -EINVAL;
		}
		p += len;
		if (*p == '+')
			p++;
	}
	return 0;
}

/* Open the session, in-band or over the LAN. 0 or -errno with the reason. */
static int
session_open(struct ipmi_state *s, char *why, size_t why_len)
{
	int rc;

	if (s->inband) {
		rc = ipmi_ctx_open_inband(s->ctx, IPMI_DEVICE_OPENIPMI, 0, 0, 0, NULL, 0, 0);
		if (rc < 0) {
			rc = ctx_errno(s->ctx);
			snprintf(why, why_len, "in-band /dev/ipmi0: %s (load ipmi_devintf and ipmi_si, "
				 "run as root, or give host= for the LAN)", ipmi_ctx_errormsg(s->ctx));
			return rc == -EIO ? -ENODEV : rc;
		}
		return 0;
	}
	/* User privilege is enough to read sensors and DCMI power (least privilege). */
	rc = ipmi_ctx_open_outofband_2_0(s->ctx, s->o.host, s->o.user[0] ? s->o.user : NULL,
					 s->o.have_password ? s->o.password : NULL, NULL, 0,
					 IPMI_PRIVILEGE_LEVEL_USER, (uint8_t)s->cipher,
					 (unsigned)s->o.timeout_ms, 0, s->workarounds, 0);
	if (rc < 0) {
		rc = ctx_errno(s->ctx);
		snprintf(why, why_len, "lanplus %.200s: %s%s", s->o.host, ipmi_ctx_errormsg(s->ctx),
			 rc == -EACCES ? " (check user=, password_file= or $" BMC_ENV_PASSWORD
					 ", and workaround=)" : "");
		return rc;
	}
	return 0;
}

static int
dcmi_read(struct ipmi_state *s, double *power_w)
{
	uint64_t v = 0, active = 0;

	fiid_obj_clear(s->dcmi_rs);
	if (ipmi_cmd_dcmi_get_power_reading(s->ctx, IPMI_DCMI_POWER_READING_MODE_SYSTEM_POWER_STATISTICS,
					    0, s->dcmi_rs) < 0)
		return ctx_errno(s->ctx);
	if (fiid_obj_get(s->dcmi_rs, "power_reading_state.power_measurement", &active) < 0 ||
	    fiid_obj_get(s->dcmi_rs, "current_power", &v) < 0)
		return -EPROTO;
	/* DCMI 1.5 Table 6-16: bit 6 of the state byte, "power measurement active". */
	if (active != IPMI_DCMI_POWER_READING_STATE_POWER_MEASUREMENT_ACTIVE)
		return -ENODATA;
	*power_w = (double)v;
	return 0;
}

static int
sensor_read_w(struct ipmi_state *s, double *power_w)
{
	double *reading = NULL;
	uint16_t events = 0;
	uint8_t raw = 0;
	int rc = ipmi_sensor_read(s->sread, s->record, s->record_len, 0, &raw, &reading, &events);

	if (rc < 0)
		return ctx_errno(s->ctx);
	if (rc == 0 || !reading) {
		free(reading);
		return -ENODATA; /* the BMC has no value for the sensor now */
	}
	*power_w = *reading;
	free(reading);
	return 0;
}

/* bmc_poll_fn: one reading. A LAN session that failed (the BMC rebooted, a network
 * outage past the session timeout) is closed and reopened at the next poll. */
static int
ipmi_poll(void *src, struct bmc_value *v)
{
	struct ipmi_state *s = src;
	char why[256];
	int rc;

	v->energy_j = NAN;
	if (s->lost) {
		rc = session_open(s, why, sizeof(why));
		if (rc)
			return rc;
		s->lost = 0;
	}
	rc = s->use_dcmi ? dcmi_read(s, &v->power_w) : sensor_read_w(s, &v->power_w);
	if (rc && rc != -ENODATA && rc != -EPROTO && !s->inband) {
		ipmi_ctx_close(s->ctx);
		s->lost = 1;
	}
	return rc;
}

/* Find the watts sensor in the BMC's SDR repository, cached in a private temporary file
 * (FreeIPMI's SDR API reads from a cache file) that is removed at once. */
static int
sensor_find(struct ipmi_state *s, char *why, size_t why_len)
{
	char dir[] = "/tmp/joulebench-sdr-XXXXXX", path[64], name[64];
	ipmi_sdr_ctx_t sdr = ipmi_sdr_ctx_create();
	int rc = -ENOENT, best = 1 << 30;

	if (!sdr || !mkdtemp(dir)) {
		if (sdr)
			ipmi_sdr_ctx_destroy(sdr);
		snprintf(why, why_len, "cannot create the SDR cache");
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/sdr", dir);
	if (ipmi_sdr_cache_create(sdr, s->ctx, path, IPMI_SDR_CACHE_CREATE_FLAGS_OVERWRITE, NULL,
				  NULL) < 0 || ipmi_sdr_cache_open(sdr, s->ctx, path) < 0) {
		snprintf(why, why_len, "reading the SDR repository: %s",
			 ipmi_sdr_ctx_errormsg(sdr));
		rc = -EIO;
		goto out;
	}
	do {
		uint8_t rec[IPMI_SDR_MAX_RECORD_LENGTH], type = 0, unit = 0, pct, mod, rate, modu;
		uint8_t code = 0;
		uint16_t id;
		int len = ipmi_sdr_cache_record_read(sdr, rec, sizeof(rec)), rank, i;

		if (len <= 0 || ipmi_sdr_parse_record_id_and_type(sdr, rec, (unsigned)len, &id,
								  &type) < 0)
			continue;
		if (type != IPMI_SDR_FORMAT_FULL_SENSOR_RECORD &&
		    type != IPMI_SDR_FORMAT_COMPACT_SENSOR_RECORD)
			continue;
		if (ipmi_sdr_parse_sensor_units(sdr, rec, (unsigned)len, &pct, &mod, &rate, &unit,
						&modu) < 0 || unit != IPMI_SENSOR_UNIT_WATTS ||
		    ipmi_sdr_parse_event_reading_type_code(sdr, rec, (unsigned)len, &code) < 0 ||
		    code != IPMI_EVENT_READING_TYPE_CODE_THRESHOLD)
			continue;
		memset(name, 0, sizeof(name));
		if (ipmi_sdr_parse_id_string(sdr, rec, (unsigned)len, name, sizeof(name) - 1) < 0)
			continue;
		if (s->o.id[0]) {
			rank = strcmp(name, s->o.id) == 0 ? 0 : -1;
		} else {
			for (i = 0; machine_sensors[i] && strcasecmp(name, machine_sensors[i]); i++)
				;
			rank = i + 1; /* a named one first, then the first watts sensor */
		}
		if (rank < 0 || rank >= best)
			continue;
		best = rank;
		memcpy(s->record, rec, (size_t)len);
		s->record_len = (unsigned)len;
		snprintf(s->sensor_name, sizeof(s->sensor_name), "%s", name);
		rc = 0;
	} while (ipmi_sdr_cache_next(sdr) == 1);
	if (rc)
		snprintf(why, why_len, s->o.id[0] ? "no threshold sensor named '%s' in watts in "
			 "the SDR repository" : "no DCMI power reading and no sensor in watts in the "
			 "SDR repository%s", s->o.id);
	if (!rc) {
		int8_t r_exp = 0, b_exp = 0;
		int16_t m = 1, b = 0;
		uint8_t lin, fmt;

		/* One raw step of the reading: M x 10^R watts (IPMI 2.0 §36.3). */
		if (ipmi_sdr_parse_sensor_decoding_data(sdr, s->record, s->record_len, &r_exp,
							&b_exp, &m, &b, &lin, &fmt) == 0)
			s->step_w = fabs((double)m) * pow(10.0, r_exp);
		if (!(s->step_w > 0))
			s->step_w = 1.0;
	}
out:
	ipmi_sdr_cache_close(sdr);
	ipmi_sdr_ctx_destroy(sdr);
	unlink(path);
	rmdir(dir);
	return rc;
}

static void
ipmi_close(void *priv)
{
	struct ipmi_state *s = priv;

	if (!s)
		return;
	bmc_sampler_stop(&s->smp);
	if (s->sread)
		ipmi_sensor_read_ctx_destroy(s->sread);
	if (s->dcmi_rs)
		fiid_obj_destroy(s->dcmi_rs);
	if (s->ctx) {
		ipmi_ctx_close(s->ctx);
		ipmi_ctx_destroy(s->ctx);
	}
	bmc_opts_wipe(&s->o);
	free(s);
}

/* Everything up to a first reading; @s is closed by the caller on failure. */
static int
ipmi_setup(const struct jb_ctx *ctx, struct ipmi_state *s, char *why, size_t why_len)
{
	char spec[64] = "";
	uint64_t cipher;
	double w;
	int rc = bmc_opts_parse(ctx->meter_opts, "sensor", &s->o, why, why_len);

	if (!rc)
		rc = meter__opt_u64(ctx->meter_opts, "cipher", 3, 0, 17, &cipher, why, why_len);
	if (!rc && meter__opt(ctx->meter_opts, "workaround", spec, sizeof(spec)) >= 0)
		rc = workarounds_parse(spec, &s->workarounds, why, why_len);
	if (!rc && strcmp(s->o.source, "auto") && strcmp(s->o.source, "dcmi") &&
	    strcmp(s->o.source, "sensor")) {
		snprintf(why, why_len, "source=%s: want auto, dcmi or sensor", s->o.source);
		rc = -EINVAL;
	}
	if (rc)
		return rc;
	s->cipher = (unsigned)cipher;
	if (strstr(s->o.host, "://")) {
		snprintf(why, why_len, "host=%.200s is a URL, which is for the redfish meter; ipmi "
			 "wants a name or address (and :port)", s->o.host);
		return -ENODEV;
	}
	s->inband = !s->o.host[0];
	if (s->inband && access("/dev/ipmi0", F_OK) != 0 && access("/dev/ipmi/0", F_OK) != 0 &&
	    access("/dev/ipmidev/0", F_OK) != 0) {
		snprintf(why, why_len, "no BMC: no host= in --meter-opts and no /dev/ipmi0 "
			 "(modprobe ipmi_si ipmi_devintf on a server with a BMC)");
		return -ENODEV;
	}
	s->ctx = ipmi_ctx_create();
	s->dcmi_rs = fiid_obj_create(tmpl_cmd_dcmi_get_power_reading_rs);
	if (!s->ctx || !s->dcmi_rs) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	rc = session_open(s, why, why_len);
	if (rc)
		return rc;
	if (strcmp(s->o.source, "sensor") != 0) {
		rc = dcmi_read(s, &w);
		if (!rc) {
			s->use_dcmi = 1;
			s->step_w = 1.0; /* DCMI reports whole watts */
			return 0;
		}
		if (strcmp(s->o.source, "dcmi") == 0) {
			snprintf(why, why_len, "DCMI Get Power Reading failed: %s (try source=sensor)",
				 rc == -ENODATA ? "power measurement not active" : ipmi_ctx_errormsg(s->ctx));
			return rc == -EOPNOTSUPP ? -ENODEV : rc;
		}
	}
	rc = sensor_find(s, why, why_len);
	if (rc)
		return rc == -ENOENT ? -ENODEV : rc;
	s->sread = ipmi_sensor_read_ctx_create(s->ctx);
	if (!s->sread) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int
ipmi_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	struct ipmi_state *s = calloc(1, sizeof(*s));
	char why[512];
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "ipmi: out of memory");
	rc = ipmi_setup(ctx, s, why, sizeof(why));
	if (!rc) {
		rc = bmc_sampler_start(&s->smp, ipmi_poll, s, s->o.interval_ns, s->o.stale_ns);
		if (rc)
			snprintf(why, sizeof(why), "the first reading of %s failed: %s",
				 s->use_dcmi ? "DCMI power" : s->sensor_name, jb_strerror(rc));
	}
	if (rc) {
		ipmi_close(s);
		return jb_err_set(err, rc, "ipmi: %s", why);
	}
	bmc_info_fill(info, s->o.interval_ns, s->step_w);
	s->info = info;
	snprintf(info->detail, sizeof(info->detail), "ipmi %.80s, %s (%.3g W steps), scope wall-ac",
		 s->inband ? "in-band /dev/ipmi0" : s->o.host,
		 s->use_dcmi ? "DCMI Get Power Reading" : s->sensor_name, s->step_w);
	bmc_sampler_describe(&s->smp, info->detail, sizeof(info->detail));
	*priv = s;
	return 0;
}

static int
ipmi_read(void *priv, struct meter_reading *out)
{
	struct ipmi_state *s = priv;

	return bmc_sampler_read(&s->smp, out);
}

/* Usable here: a session opens and a first reading comes (cheap on a LAN: one round trip
 * for DCMI; the SDR walk for a sensor). */
static int
ipmi_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct ipmi_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	rc = ipmi_setup(ctx, s, why, why_len);
	if (!rc) {
		double w = 0;

		rc = s->use_dcmi ? dcmi_read(s, &w) : sensor_read_w(s, &w);
		if (rc)
			snprintf(why, why_len, "%s gives no reading: %s",
				 s->use_dcmi ? "DCMI" : s->sensor_name, jb_strerror(rc));
		else
			snprintf(why, why_len, "%s via %s reads %.0f W (scope wall-ac)",
				 s->inband ? "in-band BMC" : s->o.host,
				 s->use_dcmi ? "DCMI Get Power Reading" : s->sensor_name, w);
	}
	ipmi_close(s);
	return rc;
}

const struct meter_ops meter_ipmi = {
	.name = "ipmi",
	.summary = "whole-machine input power (wall-ac) from the BMC: DCMI or a watts sensor, "
		   "in-band or lanplus (FreeIPMI)",
	.kind = METER_KIND_MEASURED,
	.probe = ipmi_probe,
	.open = ipmi_open,
	.read = ipmi_read,
	.close = ipmi_close,
};
