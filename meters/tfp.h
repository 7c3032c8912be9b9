/* SPDX-License-Identifier: MIT */
/*
 * A client of TinkerForge's TCP/IP protocol (TFP), enough for the `tinkerforge` meter and
 * for switching a board with a relay bricklet in `joulebench boot-energy`: one blocking TCP
 * connection to a Brick Daemon (brickd, port 4223), request/response calls with sequence
 * numbers and a deadline, get_identity, enumerate, and the base58 UIDs that name devices.
 * Written from TinkerForge's protocol documentation ("TCP/IP Protocol" in their docs, and
 * each device's "TCP/IP" API page); every layout constant says where it comes from.
 */
#ifndef JB_TFP_H
#define JB_TFP_H

#include <stddef.h>
#include <stdint.h>

/* Brick Daemon's TCP port (TinkerForge docs, "Brick Daemon": listen.plain_port = 4223). */
#define TFP_PORT_DEFAULT 4223
/* Header: uid uint32 LE, length uint8 (whole packet), function id uint8, sequence number
 * (bits 4-7) and options (bit 3: response expected), error code (bits 6-7) and future
 * use. A payload is at most 64 bytes and a packet at most 80 (TFP docs, "Packet"). */
#define TFP_HEADER_LEN 8
#define TFP_PACKET_MAX 80
#define TFP_PAYLOAD_MAX 64

/* Function ids every device and brickd answer (TFP docs, "Common functions"). */
#define TFP_FID_GET_IDENTITY 255
#define TFP_FID_ENUMERATE 254
#define TFP_FID_CALLBACK_ENUMERATE 253

/* Device identifiers (each device's API page, DEVICE_IDENTIFIER). */
#define TFP_DEVICE_ENERGY_MONITOR 2152
#define TFP_DEVICE_VOLTAGE_CURRENT_V2 2105
#define TFP_DEVICE_INDUSTRIAL_DUAL_RELAY 284

struct tfp_conn {
	int fd;
	uint8_t seq;            /* the last sequence number used, 1..15 */
	unsigned timeout_ms;    /* per call */
};

/* What get_identity (and an enumerate callback) says of a device. */
struct tfp_identity {
	char uid[9], connected_uid[9];
	char position;
	uint8_t hw_version[3], fw_version[3];
	uint16_t device_id;
};

/**
 * tfp_connect() - a TCP connection to @host:@port, each call waiting at most @timeout_ms.
 * Return: 0, or -errno with the reason (and what to do) in @why: -ECONNREFUSED (nothing
 * listens: no brickd), -ETIMEDOUT, -EHOSTUNREACH, -ENOENT (host name unknown).
 */
int tfp_connect(struct tfp_conn *c, const char *host, unsigned port, unsigned timeout_ms,
		char *why, size_t why_len);

/** tfp_close() - close the connection (fd -1 is a no-op). */
void tfp_close(struct tfp_conn *c);

/**
 * tfp_call() - send function @fid to device @uid with @req (@req_len bytes); with
 * @want_response set, wait for the answer of the same uid, fid and sequence number (other
 * packets, such as callbacks, are skipped) and copy its payload, which must be exactly
 * @resp_len bytes, to @resp. Return: 0; -ETIMEDOUT (no answer: a wrong UID, or a device
 * that is gone); -EINVAL, -ENOTSUP, -EPROTO (the device's error code: invalid parameter,
 * function not supported, other); -EBADMSG (a payload of the wrong size); -ECONNRESET or
 * -EPIPE (the daemon closed the connection).
 */
int tfp_call(struct tfp_conn *c, uint32_t uid, uint8_t fid, const void *req, size_t req_len,
	     int want_response, void *resp, size_t resp_len);

/** tfp_identity_get() - get_identity of @uid. Return: 0 or tfp_call()'s -errno. */
int tfp_identity_get(struct tfp_conn *c, uint32_t uid, struct tfp_identity *id);

/**
 * tfp_enumerate() - broadcast enumerate and collect the callbacks: brickd answers for
 * every device it knows at once, so collecting ends @quiet_ms after the latest callback,
 * or @first_ms after the broadcast when none came. Return: how many devices were written
 * to @out (at most @max), or -errno.
 */
int tfp_enumerate(struct tfp_conn *c, struct tfp_identity *out, size_t max, unsigned first_ms,
		  unsigned quiet_ms);

/**
 * tfp_uid_parse() - a base58 UID string ("XYZ", up to 64 bits, which map to the 32 bits
 * of the header as TinkerForge's bindings map them) into @uid. 0 or -EINVAL (not base58,
 * overflow, or 0, which is the broadcast address).
 */
int tfp_uid_parse(const char *s, uint32_t *uid);

/** tfp_device_name() - the display name of device identifier @id ("device 1234" if
 * unknown; the buffer @buf holds that case). */
const char *tfp_device_name(uint16_t id, char *buf, size_t len);

/* Where a bricklet is: host, port and UID, from "host=...,port=...,uid=..." options. */
struct tfp_target {
	char host[256];
	unsigned port;
	char uid[16];
	unsigned channel; /* relays only */
};

/**
 * tfp_target_parse() - host (default localhost), port (default 4223) and uid of @opts;
 * with @channel_ok also channel (0 or 1), else channel is refused. Keys other than these
 * are refused when @strict. Return: 0 or -EINVAL with the reason in @why.
 */
int tfp_target_parse(const char *opts, int strict, int channel_ok, struct tfp_target *t,
		     char *why, size_t why_len);

/**
 * tfp_relay_switch() - switch channel t->channel of the Industrial Dual Relay Bricklet
 * t->uid at t->host:t->port on (@on 1) or off, and read the state back. The device's type
 * is checked first, so a UID of another device switches nothing.
 * Return: 0, or -errno with the reason in @why (-ENODEV: no such UID or not that relay).
 */
int tfp_relay_switch(const struct tfp_target *t, int on, char *why, size_t why_len);

#endif
