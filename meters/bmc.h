/* SPDX-License-Identifier: MIT */
/*
 * What the two BMC meters share (bmc.c): `ipmi` (ipmi.c) and `redfish` (redfish.c) both read
 * the whole machine's input power from its baseboard management controller, scope wall-ac
 * (the machine at its plug: power supplies, fans, disks, memory, every CPU). A BMC refreshes
 * its reading about once a second in whole watts, so both are sampling meters: a thread
 * polls the BMC every interval and integrates the power with meter_integrator_add() (or
 * follows an energy counter where the BMC has one), and read() hands out the integral as a
 * monotonic µJ counter. Here also: the options both take, and their credentials, which
 * never come from argv (see bmc_opts_parse()).
 */
#ifndef JB_BMC_H
#define JB_BMC_H

#include <stddef.h>
#include <stdint.h>

#include "meter.h"
#include "meter_sampler.h"

/* The one domain of a BMC meter. Its scope is wall-ac; the domain name says "wall" so the
 * plausibility table (meter_plausible.c) can hold it to what a running machine draws. */
#define BMC_DOMAIN "wall"

/* Environment variables for the credentials (docs/meters.md "Credentials"). */
#define BMC_ENV_USER "JOULEBENCH_BMC_USER"
#define BMC_ENV_PASSWORD "JOULEBENCH_BMC_PASSWORD"

struct bmc_opts {
	char host[256];     /* host= (ipmi: name or address, "" = in-band; redfish: base URL) */
	char user[64];      /* user=, else $JOULEBENCH_BMC_USER */
	char password[128]; /* from password_file=PATH, else $JOULEBENCH_BMC_PASSWORD */
	int have_password;
	uint64_t interval_ns; /* interval_ms=: poll period and declared update interval */
	uint64_t stale_ns;    /* stale_s=: an unchanged value for this long is stale; 0 off */
	uint64_t timeout_ms;  /* timeout_ms=: one request's limit */
	char source[16];      /* source=: which reading (backend-specific; "auto") */
	char id[64];          /* chassis= (redfish) or sensor= (ipmi): "" = the first */
};

/**
 * bmc_opts_parse() - the BMC options in @opts ("k=v,..."), with @id_key naming the option
 * that picks a chassis or sensor. The password is read from the file named by
 * password_file= (its first line) or from $JOULEBENCH_BMC_PASSWORD, never from @opts
 * itself: an option "password=" is refused, so it cannot reach argv, the sidecar or the CSV.
 * Return: 0, or -EINVAL / -errno (an unreadable password file) with the reason in @why.
 */
int bmc_opts_parse(const char *opts, const char *id_key, struct bmc_opts *o, char *why,
		   size_t why_len);

/** bmc_opts_wipe() - overwrite the password in @o (after the session is opened). */
void bmc_opts_wipe(struct bmc_opts *o);

/* One reading of the BMC. */
struct bmc_value {
	double power_w;  /* watts now (NAN when the source gives only energy) */
	double energy_j; /* a cumulative energy counter in J, or NAN when there is none */
};

/* Poll the BMC once: 0 with @v filled, or -errno (-ETIMEDOUT, -EIO, -EPROTO...). */
typedef int (*bmc_poll_fn)(void *src, struct bmc_value *v);

struct bmc_sampler {
	bmc_poll_fn poll;
	void *src;
	uint64_t interval_ns, stale_ns;
	struct meter_sampler sp; /* the thread; its lock guards what follows */
	int counter_mode, last_error;
	int unreported_gap; /* readings resumed after a gap of 4+ intervals, not yet reported */
	struct meter_integrator integ;
	double energy0_j, energy_j, last_value, last_power_w;
	uint64_t last_good_ns, last_change_ns, errors;
};

/**
 * bmc_sampler_start() - take one reading now (so that a BMC that does not answer fails the
 * open), then start the thread that polls every @interval_ns. An energy counter in the
 * first reading makes the sampler follow it; otherwise power is integrated.
 * Return: 0 or the poll's -errno (the sampler is then not running).
 */
int bmc_sampler_start(struct bmc_sampler *s, bmc_poll_fn poll, void *src, uint64_t interval_ns,
		      uint64_t stale_ns);

/**
 * bmc_sampler_read() - the energy since the start as out->energy_uj[0], stamped with the
 * time of the latest reading (the time the integral reaches), not the time of the call.
 * Return: 0; the last poll's -errno when no good reading came for 4 intervals (a BMC that
 * stopped answering), and -ETIMEDOUT once after readings resume from such a gap; -ENODATA when the value has not changed for stale_ns (a sensor that
 * stopped updating). The protocol flags the window of a failed read.
 */
int bmc_sampler_read(struct bmc_sampler *s, struct meter_reading *out);

/** bmc_sampler_stop() - stop the thread (safe on a sampler never started). */
void bmc_sampler_stop(struct bmc_sampler *s);

/** bmc_sampler_describe() - append the sampler's live statistics to @buf. */
void bmc_sampler_describe(struct bmc_sampler *s, char *buf, size_t len);

/**
 * bmc_info_fill() - the one wall domain, and the update interval and resolution of a
 * reading in steps of @step_w refreshed every interval; windows of 10 intervals or more.
 */
void bmc_info_fill(struct meter_info *info, uint64_t interval_ns, double step_w);

#endif
