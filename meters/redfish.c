/* SPDX-License-Identifier: MIT */
/*
 * The `redfish` meter: the whole machine's input power from its BMC over Redfish (DMTF
 * DSP0266), scope wall-ac, with libcurl and json-c. A chassis (chassis=ID, else the first
 * member of /redfish/v1/Chassis) is read from, in this order for source=auto:
 *   environment  Chassis/{id}/EnvironmentMetrics (EnvironmentMetrics v1.1+): the energy
 *                counter EnergyJoules.Reading when present (followed as a counter), else
 *                PowerWatts.Reading (integrated);
 *   power        Chassis/{id}/Power (deprecated since 2020.4, still on most BMCs):
 *                PowerControl[0].PowerConsumedWatts;
 *   psu          Chassis/{id}/PowerSubsystem/PowerSupplies/<each>/Metrics: the sum of the
 *                supplies' InputPowerWatts.Reading.
 * EnergykWh (EnvironmentMetrics, PowerSupplyMetrics) is reported in the run's metadata but
 * not metered: BMCs round it to 0.1-1 kWh (0.36-3.6 MJ), coarser than any window. HTTP
 * basic authentication: user= or $JOULEBENCH_BMC_USER, password_file= or
 * $JOULEBENCH_BMC_PASSWORD; TLS verified against the system CAs or cacert=PATH; insecure=1
 * turns verification off (a BMC's self-signed certificate) and says so in the metadata.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "bmc.h"
#include "meter-private.h"

/* A Redfish resource is a few kB; a BMC sending more than this is not answering us. */
#define REDFISH_BODY_MAX (1u << 20)
#define REDFISH_PSU_MAX 8

enum redfish_source { SRC_ENV, SRC_POWER, SRC_PSU };

struct redfish_state {
	struct bmc_opts o;
	CURL *curl;
	char *body;
	size_t body_len;
	int insecure;
	char cacert[256];
	char err[CURL_ERROR_SIZE];
	enum redfish_source src;
	char path[256];                       /* the resource polled (env, power) */
	char psu[REDFISH_PSU_MAX][256];       /* the supplies' Metrics (psu) */
	size_t n_psu;
	char kwh[64];                         /* an EnergykWh seen at open, for the metadata */
	struct bmc_sampler smp;
};

static size_t
body_add(char *data, size_t size, size_t n, void *arg)
{
	struct redfish_state *s = arg;
	size_t len = size * n;

	if (s->body_len + len + 1 > REDFISH_BODY_MAX)
		return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
	char *nb = realloc(s->body, s->body_len + len + 1);

	if (!nb)
		return 0;
	s->body = nb;
	memcpy(s->body + s->body_len, data, len);
	s->body_len += len;
	s->body[s->body_len] = '\0';
	return len;
}

/* GET @path (absolute, from /redfish/v1) as JSON into *out (caller puts it). 0 or -errno:
 * -EACCES (401/403), -ENOENT (404), -EIO (5xx), -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH,
 * -EPROTO (TLS, not JSON). */
static int
http_get(struct redfish_state *s, const char *path, json_object **out)
{
	char url[600];
	long code = 0;
	CURLcode cc;

	snprintf(url, sizeof(url), "%s%s", s->o.host, path);
	s->body_len = 0;
	s->err[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	cc = curl_easy_perform(s->curl);
	if (cc != CURLE_OK) {
		if (!s->err[0])
			snprintf(s->err, sizeof(s->err), "%s", curl_easy_strerror(cc));
		switch (cc) {
		case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
		case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
		case CURLE_COULDNT_RESOLVE_HOST: return -EHOSTUNREACH;
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CONNECT_ERROR: return -EPROTO;
		default: return -EIO;
		}
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		snprintf(s->err, sizeof(s->err), "HTTP %ld for %.200s", code, path);
		return code == 401 || code == 403 ? -EACCES : code == 404 ? -ENOENT : -EIO;
	}
	*out = s->body_len ? json_tokener_parse(s->body) : NULL;
	if (!*out) {
		snprintf(s->err, sizeof(s->err), "%.200s is not JSON", path);
		return -EPROTO;
	}
	return 0;
}

/* The number at a path of keys (NULL-terminated) under @o, or NAN (absent, null, text). */
static double
json_number(json_object *o, const char *const *keys)
{
	for (; *keys && o; keys++)
		if (!json_object_object_get_ex(o, *keys, &o))
			return NAN;
	if (!o || !(json_object_is_type(o, json_type_double) ||
		    json_object_is_type(o, json_type_int)))
		return NAN;
	return json_object_get_double(o);
}

/* The "@odata.id" link of member @key of @o (or of element @idx of array @key), or NULL. */
static const char *
json_link(json_object *o, const char *key, int idx)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	if (idx >= 0) {
		if (!json_object_is_type(v, json_type_array) ||
		    (size_t)idx >= json_object_array_length(v))
			return NULL;
		v = json_object_array_get_idx(v, (size_t)idx);
	}
	if (!json_object_object_get_ex(v, "@odata.id", &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* bmc_poll_fn: one reading of the chosen source. */
static int
redfish_poll(void *src, struct bmc_value *v)
{
	static const char *const joules[] = { "EnergyJoules", "Reading", NULL };
	static const char *const watts[] = { "PowerWatts", "Reading", NULL };
	static const char *const input[] = { "InputPowerWatts", "Reading", NULL };
	struct redfish_state *s = src;
	json_object *j = NULL, *pc, *el;
	size_t i;
	int rc;

	v->power_w = v->energy_j = NAN;
	if (s->src == SRC_PSU) {
		v->power_w = 0;
		for (i = 0; i < s->n_psu; i++) {
			double w;

			if ((rc = http_get(s, s->psu[i], &j)))
				return rc;
			w = json_number(j, input);
			json_object_put(j);
			if (!isfinite(w))
				return -ENODATA;
			v->power_w += w;
		}
		return 0;
	}
	if ((rc = http_get(s, s->path, &j)))
		return rc;
	if (s->src == SRC_ENV) {
		v->energy_j = json_number(j, joules);
		v->power_w = json_number(j, watts);
	} else if (json_object_object_get_ex(j, "PowerControl", &pc) &&
		   json_object_is_type(pc, json_type_array) && json_object_array_length(pc) > 0) {
		static const char *const consumed[] = { "PowerConsumedWatts", NULL };

		el = json_object_array_get_idx(pc, 0);
		v->power_w = json_number(el, consumed);
	}
	json_object_put(j);
	return isfinite(v->power_w) || isfinite(v->energy_j) ? 0 : -ENODATA;
}

/* The supplies' Metrics links under @subsystem_path. 0 or -errno. */
static int
psu_find(struct redfish_state *s, const char *subsystem_path)
{
	json_object *j = NULL, *coll = NULL, *members;
	const char *link;
	char path[256];
	size_t i;
	int rc = http_get(s, subsystem_path, &j);

	if (rc)
		return rc;
	link = json_link(j, "PowerSupplies", -1);
	snprintf(path, sizeof(path), "%s", link ? link : "");
	json_object_put(j);
	if (!path[0] || (rc = http_get(s, path, &coll)))
		return rc ? rc : -ENOENT;
	if (!json_object_object_get_ex(coll, "Members", &members) ||
	    !json_object_is_type(members, json_type_array)) {
		json_object_put(coll);
		return -ENOENT;
	}
	for (i = 0; i < json_object_array_length(members) && s->n_psu < REDFISH_PSU_MAX; i++) {
		const char *m = json_link(coll, "Members", (int)i);

		if (!m || http_get(s, m, &j))
			continue;
		link = json_link(j, "Metrics", -1);
		if (link)
			snprintf(s->psu[s->n_psu++], sizeof(s->psu[0]), "%s", link);
		json_object_put(j);
	}
	json_object_put(coll);
	return s->n_psu ? 0 : -ENOENT;
}

/* Find the chassis and the source; one reading must come. 0 or -errno with the reason. */
static int
source_find(struct redfish_state *s, char *why, size_t why_len)
{
	static const char *const kwh[] = { "EnergykWh", "Reading", NULL };
	const char *want = s->o.source, *link;
	json_object *j = NULL;
	char chassis[256], env[256] = "", power[256] = "", subsys[256] = "";
	struct bmc_value v;
	int rc;

	if (s->o.id[0]) {
		snprintf(chassis, sizeof(chassis), "/redfish/v1/Chassis/%s", s->o.id);
	} else {
		rc = http_get(s, "/redfish/v1/Chassis", &j);
		if (rc)
			goto fail;
		link = json_link(j, "Members", 0);
		snprintf(chassis, sizeof(chassis), "%s", link ? link : "");
		json_object_put(j);
		if (!chassis[0]) {
			snprintf(why, why_len, "no chassis in /redfish/v1/Chassis");
			return -ENODEV;
		}
	}
	rc = http_get(s, chassis, &j);
	if (rc)
		goto fail;
	if ((link = json_link(j, "EnvironmentMetrics", -1)))
		snprintf(env, sizeof(env), "%s", link);
	if ((link = json_link(j, "Power", -1)))
		snprintf(power, sizeof(power), "%s", link);
	if ((link = json_link(j, "PowerSubsystem", -1)))
		snprintf(subsys, sizeof(subsys), "%s", link);
	json_object_put(j);
	if (env[0] && !http_get(s, env, &j)) {
		double e = json_number(j, kwh);

		if (isfinite(e))
			snprintf(s->kwh, sizeof(s->kwh), "EnergykWh %.6g (not metered: too coarse)", e);
		json_object_put(j);
	}
	/* Each candidate in order; the first that gives a reading is the source. */
	rc = -ENODEV;
	if ((!strcmp(want, "auto") || !strcmp(want, "environment")) && env[0]) {
		s->src = SRC_ENV;
		snprintf(s->path, sizeof(s->path), "%s", env);
		rc = redfish_poll(s, &v);
	}
	if (rc && (!strcmp(want, "auto") || !strcmp(want, "power")) && power[0]) {
		s->src = SRC_POWER;
		snprintf(s->path, sizeof(s->path), "%s", power);
		rc = redfish_poll(s, &v);
	}
	if (rc && (!strcmp(want, "auto") || !strcmp(want, "psu")) && subsys[0]) {
		s->src = SRC_PSU;
		rc = psu_find(s, subsys);
		if (!rc)
			rc = redfish_poll(s, &v);
	}
	if (rc == -ENODEV || rc == -ENODATA || rc == -ENOENT) {
		snprintf(why, why_len, "chassis %.100s has no power reading for source=%s "
			 "(EnvironmentMetrics PowerWatts/EnergyJoules, Power PowerConsumedWatts, "
			 "PowerSubsystem supplies' InputPowerWatts)", chassis, want);
		return -ENODEV;
	}
	if (!rc)
		return 0;
fail:
	snprintf(why, why_len, "%.200s: %s%s", s->o.host, s->err,
		 rc == -EACCES ? " (check user=, password_file= or $" BMC_ENV_PASSWORD ")" : "");
	return rc;
}

static void
redfish_close(void *priv)
{
	struct redfish_state *s = priv;

	if (!s)
		return;
	bmc_sampler_stop(&s->smp);
	if (s->curl) {
		curl_easy_cleanup(s->curl);
		curl_global_cleanup();
	}
	free(s->body);
	bmc_opts_wipe(&s->o);
	free(s);
}

static int
redfish_setup(const struct jb_ctx *ctx, struct redfish_state *s, char *why, size_t why_len)
{
	uint64_t insecure = 0;
	int rc = bmc_opts_parse(ctx->meter_opts, "chassis", &s->o, why, why_len);

	if (!rc)
		rc = meter__opt_u64(ctx->meter_opts, "insecure", 0, 0, 1, &insecure, why, why_len);
	if (!rc && meter__opt(ctx->meter_opts, "cacert", s->cacert, sizeof(s->cacert)) < 0) {
		snprintf(why, why_len, "cacert: path too long");
		rc = -EINVAL;
	}
	if (!rc && strcmp(s->o.source, "auto") && strcmp(s->o.source, "environment") &&
	    strcmp(s->o.source, "power") && strcmp(s->o.source, "psu")) {
		snprintf(why, why_len, "source=%s: want auto, environment, power or psu", s->o.source);
		rc = -EINVAL;
	}
	if (rc)
		return rc;
	if (!s->o.host[0]) {
		snprintf(why, why_len, "no BMC named: give host=https://BMC in --meter-opts");
		return -ENODEV;
	}
	if (strncmp(s->o.host, "https://", 8) && strncmp(s->o.host, "http://", 7)) {
		snprintf(why, why_len, "host=%s: want a URL, https://BMC[:port]", s->o.host);
		return -EINVAL;
	}
	/* The base only: resources are addressed by their absolute @odata.id paths. */
	s->o.host[strcspn(s->o.host, ":") + 3 + strcspn(s->o.host + strcspn(s->o.host, ":") + 3,
							   "/")] = '\0';
	s->insecure = (int)insecure;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(s->curl = curl_easy_init())) {
		snprintf(why, why_len, "libcurl would not start");
		return -ENOMEM;
	}
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, body_add);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->err);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, (long)s->o.timeout_ms);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (s->o.user[0] || s->o.have_password) {
		curl_easy_setopt(s->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, s->o.user);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, s->o.password);
	}
	if (s->cacert[0])
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, s->cacert);
	if (s->insecure) {
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return source_find(s, why, why_len);
}

static int
redfish_open(const struct jb_ctx *ctx, void **priv, struct meter_info *info, struct jb_err *err)
{
	static const char *const names[] = { "EnvironmentMetrics", "Power", "PowerSubsystem" };
	struct redfish_state *s = calloc(1, sizeof(*s));
	char why[512];
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "redfish: out of memory");
	rc = redfish_setup(ctx, s, why, sizeof(why));
	if (!rc) {
		rc = bmc_sampler_start(&s->smp, redfish_poll, s, s->o.interval_ns, s->o.stale_ns);
		if (rc)
			snprintf(why, sizeof(why), "the first reading failed: %s", jb_strerror(rc));
	}
	if (rc) {
		redfish_close(s);
		return jb_err_set(err, rc, "redfish: %s", why);
	}
	/* Watts: Redfish readings of power are whole watts on the BMCs we know of (the DMTF
	 * mockups too); an energy counter in joules steps by 1 J at best. */
	bmc_info_fill(info, s->o.interval_ns, 1.0);
	snprintf(info->detail, sizeof(info->detail), "redfish %.60s %.60s (%s)%s%.40s%s, scope wall-ac",
		 s->o.host, s->src == SRC_PSU ? "PowerSupplies/*/Metrics" : s->path, names[s->src],
		 s->kwh[0] ? ", " : "", s->kwh, s->insecure ? ", TLS NOT verified (insecure=1)" : "");
	bmc_sampler_describe(&s->smp, info->detail, sizeof(info->detail));
	*priv = s;
	return 0;
}

static int
redfish_read(void *priv, struct meter_reading *out)
{
	struct redfish_state *s = priv;

	return bmc_sampler_read(&s->smp, out);
}

static int
redfish_probe(const struct jb_ctx *ctx, char *why, size_t why_len)
{
	struct redfish_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	rc = redfish_setup(ctx, s, why, why_len);
	if (!rc)
		snprintf(why, why_len, "%s answers with a power reading at %s (scope wall-ac)",
			 s->o.host, s->src == SRC_PSU ? "the power supplies' Metrics" : s->path);
	redfish_close(s);
	return rc;
}

const struct meter_ops meter_redfish = {
	.name = "redfish",
	.summary = "whole-machine input power (wall-ac) from the BMC over Redfish (libcurl)",
	.kind = METER_KIND_MEASURED,
	.probe = redfish_probe,
	.open = redfish_open,
	.read = redfish_read,
	.close = redfish_close,
};
