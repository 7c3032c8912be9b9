/* SPDX-License-Identifier: MIT */
/*
 * TinkerForge's TCP/IP protocol (tfp.h): framing, calls, identity, enumeration, UIDs, and
 * the one relay call boot-energy needs. Byte layouts follow TinkerForge's "TCP/IP Protocol"
 * documentation and the devices' "TCP/IP" API pages; every integer is little-endian. The
 * socket is non-blocking and every wait goes through poll() with the call's deadline, so a
 * daemon that stops answering costs at most one timeout, never a hang.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jb_clock.h"
#include "jb_err.h"
#include "meter-private.h"
#include "tfp.h"

/* Error codes in bits 6-7 of the header's last byte (TFP docs, "Error codes"). */
#define TFP_E_INVALID_PARAMETER 1
#define TFP_E_NOT_SUPPORTED 2

/* Industrial Dual Relay Bricklet (its TCP/IP API page): set_selected_value (channel uint8,
 * value bool) and get_value (channel0 bool, channel1 bool). */
#define TFP_RELAY_FID_GET_VALUE 2
#define TFP_RELAY_FID_SET_SELECTED_VALUE 6

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int
tfp_connect(struct tfp_conn *c, const char *host, unsigned port, unsigned timeout_ms,
	    char *why, size_t why_len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *a;
	char port_s[16];
	int rc, fd = -1, one = 1;

	c->fd = -1;
	c->seq = 0;
	c->timeout_ms = timeout_ms;
	snprintf(port_s, sizeof(port_s), "%u", port);
	rc = getaddrinfo(host, port_s, &hints, &res);
	if (rc) {
		snprintf(why, why_len, "cannot resolve host '%s': %s", host, gai_strerror(rc));
		return -ENOENT;
	}
	rc = -ECONNREFUSED;
	for (a = res; a; a = a->ai_next) {
		struct pollfd pfd;
		socklen_t len = sizeof(rc);
		int err = 0;

		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			rc = -errno;
		} else {
			pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, (int)timeout_ms) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
				break;
			rc = err ? -err : -ETIMEDOUT;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, why_len, "no Brick Daemon at %s:%u (%s): start brickd there, or set "
			 "host=,port= in --meter-opts", host, port, jb_strerror(rc));
		return rc;
	}
	/* Requests are small and each waits for its answer: do not let Nagle delay them. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	return 0;
}

void
tfp_close(struct tfp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Move @len bytes to or from the socket before @deadline_ns. 0 or -errno. */
static int
io_full(int fd, void *buf, size_t len, int writing, uint64_t deadline_ns)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = writing ? POLLOUT : POLLIN };
		uint64_t now = jb_clock_mono_ns();
		ssize_t k;
		int r;

		if (now >= deadline_ns)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)((deadline_ns - now) / 1000000u) + 1);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		k = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (k == 0)
			return -ECONNRESET;
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* One whole packet into @pkt (TFP_PACKET_MAX bytes). Return its length or -errno. */
static int
packet_read(struct tfp_conn *c, uint8_t *pkt, uint64_t deadline_ns)
{
	int rc = io_full(c->fd, pkt, TFP_HEADER_LEN, 0, deadline_ns);

	if (rc)
		return rc;
	/* A length outside the protocol's bounds means we lost the framing: give up on it. */
	if (pkt[4] < TFP_HEADER_LEN || pkt[4] > TFP_PACKET_MAX)
		return -EBADMSG;
	rc = io_full(c->fd, pkt + TFP_HEADER_LEN, pkt[4] - TFP_HEADER_LEN, 0, deadline_ns);
	return rc ? rc : pkt[4];
}

int
tfp_call(struct tfp_conn *c, uint32_t uid, uint8_t fid, const void *req, size_t req_len,
	 int want_response, void *resp, size_t resp_len)
{
	uint8_t pkt[TFP_PACKET_MAX];
	uint64_t deadline = jb_clock_mono_ns() + (uint64_t)c->timeout_ms * 1000000u;
	int rc;

	if (c->fd < 0 || req_len > TFP_PAYLOAD_MAX || resp_len > TFP_PAYLOAD_MAX)
		return -EINVAL;
	/* Sequence numbers 1..15: 0 marks callbacks, which are never answers. */
	c->seq = (uint8_t)(c->seq % 15 + 1);
	put_u32(pkt, uid);
	pkt[4] = (uint8_t)(TFP_HEADER_LEN + req_len);
	pkt[5] = fid;
	pkt[6] = (uint8_t)(c->seq << 4 | (want_response ? 0x08 : 0));
	pkt[7] = 0;
	if (req_len)
		memcpy(pkt + TFP_HEADER_LEN, req, req_len);
	rc = io_full(c->fd, pkt, TFP_HEADER_LEN + req_len, 1, deadline);
	if (rc || !want_response)
		return rc;
	for (;;) {
		int n = packet_read(c, pkt, deadline), e;

		if (n < 0)
			return n;
		if (get_u32(pkt) != uid || pkt[5] != fid || (pkt[6] >> 4) != c->seq)
			continue; /* a callback, or a late answer to an earlier call */
		e = pkt[7] >> 6;
		if (e)
			return e == TFP_E_INVALID_PARAMETER ? -EINVAL
			       : e == TFP_E_NOT_SUPPORTED   ? -ENOTSUP
							    : -EPROTO;
		if ((size_t)n - TFP_HEADER_LEN != resp_len)
			return -EBADMSG;
		if (resp_len)
			memcpy(resp, pkt + TFP_HEADER_LEN, resp_len);
		return 0;
	}
}

/* The identity fields shared by get_identity's answer and the enumerate callback:
 * uid char[8], connected_uid char[8], position char, hardware and firmware version
 * uint8[3] each, device identifier uint16 (TFP docs, "get_identity"). */
static void
identity_decode(const uint8_t *p, struct tfp_identity *id)
{
	memset(id, 0, sizeof(*id));
	memcpy(id->uid, p, 8);
	memcpy(id->connected_uid, p + 8, 8);
	id->position = (char)p[16];
	memcpy(id->hw_version, p + 17, 3);
	memcpy(id->fw_version, p + 20, 3);
	id->device_id = (uint16_t)(p[23] | p[24] << 8);
}

int
tfp_identity_get(struct tfp_conn *c, uint32_t uid, struct tfp_identity *id)
{
	uint8_t p[25];
	int rc = tfp_call(c, uid, TFP_FID_GET_IDENTITY, NULL, 0, 1, p, sizeof(p));

	if (!rc)
		identity_decode(p, id);
	return rc;
}

int
tfp_enumerate(struct tfp_conn *c, struct tfp_identity *out, size_t max, unsigned first_ms,
	      unsigned quiet_ms)
{
	uint64_t deadline;
	uint8_t pkt[TFP_PACKET_MAX];
	size_t n = 0;
	int rc = tfp_call(c, 0, TFP_FID_ENUMERATE, NULL, 0, 0, NULL, 0);

	if (rc)
		return rc;
	deadline = jb_clock_mono_ns() + (uint64_t)first_ms * 1000000u;
	for (;;) {
		int k = packet_read(c, pkt, deadline);

		if (k == -ETIMEDOUT)
			break;
		if (k < 0)
			return k;
		/* Enumerate callback: identity + enumeration_type uint8 (2 = disconnected). */
		if (pkt[5] != TFP_FID_CALLBACK_ENUMERATE || k != TFP_HEADER_LEN + 26 ||
		    pkt[TFP_HEADER_LEN + 25] == 2 || n >= max)
			continue;
		identity_decode(pkt + TFP_HEADER_LEN, &out[n++]);
		deadline = jb_clock_mono_ns() + (uint64_t)quiet_ms * 1000000u;
	}
	return (int)n;
}

int
tfp_uid_parse(const char *s, uint32_t *uid)
{
	static const char alphabet[] =
		"123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 13)
		return -EINVAL;
	for (; *s; s++) {
		const char *d = strchr(alphabet, *s);

		if (!d || v > (UINT64_MAX - (uint64_t)(d - alphabet)) / 58)
			return -EINVAL;
		v = v * 58 + (uint64_t)(d - alphabet);
	}
	if (v > 0xFFFFFFFFu) {
		/* A 64-bit UID of an old Brick: its 32-bit form takes these bit fields (the
		 * mapping TinkerForge's bindings apply, "UID" in the TCP/IP protocol docs). */
		uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);

		v = (lo & 0x00000FFFu) | (lo & 0x0F000000u) >> 12 | (uint64_t)(hi & 0x3Fu) << 16 |
		    (uint64_t)(hi & 0x000F0000u) << 6 | (uint64_t)(hi & 0x3F000000u) << 2;
	}
	if (v == 0)
		return -EINVAL;
	*uid = (uint32_t)v;
	return 0;
}

const char *
tfp_device_name(uint16_t id, char *buf, size_t len)
{
	switch (id) {
	case TFP_DEVICE_ENERGY_MONITOR: return "Energy Monitor Bricklet";
	case TFP_DEVICE_VOLTAGE_CURRENT_V2: return "Voltage/Current Bricklet 2.0";
	case TFP_DEVICE_INDUSTRIAL_DUAL_RELAY: return "Industrial Dual Relay Bricklet";
	case 227: return "Voltage/Current Bricklet (1.0)";
	default: snprintf(buf, len, "device %u", id); return buf;
	}
}

int
tfp_target_parse(const char *opts, int strict, int channel_ok, struct tfp_target *t,
		 char *why, size_t why_len)
{
	uint64_t port = TFP_PORT_DEFAULT, ch = 0;
	const char *p = opts;
	int rc;

	memset(t, 0, sizeof(*t));
	while (strict && p && *p) {
		size_t len = strcspn(p, ","), klen = strcspn(p, "=,");

		if (!((klen == 4 && !strncmp(p, "host", 4)) || (klen == 4 && !strncmp(p, "port", 4)) ||
		      (klen == 3 && !strncmp(p, "uid", 3)) ||
		      (channel_ok && klen == 7 && !strncmp(p, "channel", 7))) || klen == len) {
			snprintf(why, why_len, "unknown or malformed option '%.*s' (want host=, "
				 "port=, uid=%s)", (int)len, p, channel_ok ? ", channel=" : "");
			return -EINVAL;
		}
		p += len + (p[len] == ',');
	}
	rc = meter__opt(opts, "host", t->host, sizeof(t->host));
	if (rc < 0 || (rc == 1 && !t->host[0])) {
		snprintf(why, why_len, "option host: want a host name or address");
		return -EINVAL;
	}
	if (rc == 0)
		snprintf(t->host, sizeof(t->host), "localhost");
	rc = meter__opt_u64(opts, "port", TFP_PORT_DEFAULT, 1, 65535, &port, why, why_len);
	if (!rc && channel_ok)
		rc = meter__opt_u64(opts, "channel", 0, 0, 1, &ch, why, why_len);
	if (rc)
		return rc;
	t->port = (unsigned)port;
	t->channel = (unsigned)ch;
	rc = meter__opt(opts, "uid", t->uid, sizeof(t->uid));
	if (rc < 0) {
		snprintf(why, why_len, "option uid: too long for a TinkerForge UID");
		return -EINVAL;
	}
	return 0;
}

int
tfp_relay_switch(const struct tfp_target *t, int on, char *why, size_t why_len)
{
	struct tfp_conn c;
	struct tfp_identity id;
	uint8_t req[2] = { (uint8_t)t->channel, on ? 1 : 0 }, state[2];
	char name[32];
	uint32_t uid;
	int rc;

	if (tfp_uid_parse(t->uid, &uid)) {
		snprintf(why, why_len, "relay: uid '%s' is not a TinkerForge UID (base58)", t->uid);
		return -EINVAL;
	}
	rc = tfp_connect(&c, t->host, t->port, 2500, why, why_len);
	if (rc)
		return rc;
	rc = tfp_identity_get(&c, uid, &id);
	if (rc == 0 && id.device_id != TFP_DEVICE_INDUSTRIAL_DUAL_RELAY) {
		snprintf(why, why_len, "relay: UID %s at %s:%u is not an Industrial Dual Relay "
			 "Bricklet but: %s", t->uid, t->host, t->port, tfp_device_name(id.device_id, name,
										 sizeof(name)));
		rc = -ENODEV;
		goto out;
	}
	if (rc) {
		snprintf(why, why_len, "relay: no device answers to UID %s at %s:%u (%s)", t->uid,
			 t->host, t->port, jb_strerror(rc));
		rc = rc == -ETIMEDOUT ? -ENODEV : rc;
		goto out;
	}
	/* Response expected on the setter, so that a refused call is seen; then read back. */
	rc = tfp_call(&c, uid, TFP_RELAY_FID_SET_SELECTED_VALUE, req, sizeof(req), 1, NULL, 0);
	if (!rc)
		rc = tfp_call(&c, uid, TFP_RELAY_FID_GET_VALUE, NULL, 0, 1, state, sizeof(state));
	if (rc)
		snprintf(why, why_len, "relay %s channel %u: %s", t->uid, t->channel,
			 jb_strerror(rc));
	else if (state[t->channel] != (on ? 1 : 0)) {
		snprintf(why, why_len, "relay %s channel %u reads %s after switching it %s", t->uid,
			 t->channel, state[t->channel] ? "on" : "off", on ? "on" : "off");
		rc = -EIO;
	}
out:
	tfp_close(&c);
	return rc;
}
