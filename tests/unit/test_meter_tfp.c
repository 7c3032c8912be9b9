/* SPDX-License-Identifier: MIT */
/*
 * TinkerForge's TCP/IP protocol client (meters/tfp.c) on a socketpair, with the peer's
 * packets written by hand from the protocol documentation: the request's header bytes,
 * callbacks and stale answers skipped, error codes, wrong sizes, a timeout; base58 UIDs
 * (numbers as Wireshark's tfp dissector shows them) and the host/port/uid/channel options.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tfp.h"

Test(tfp, uid_base58)
{
	uint32_t uid = 0;

	/* 128992: the numeric UID Wireshark's tfp dissector shows for "Em1". */
	cr_assert_eq(tfp_uid_parse("Em1", &uid), 0);
	cr_assert_eq(uid, 128992u);
	cr_assert_eq(tfp_uid_parse("2", &uid), 0);
	cr_assert_eq(uid, 1u);
	cr_assert_eq(tfp_uid_parse("1", &uid), -EINVAL, "0 is the broadcast UID");
	cr_assert_eq(tfp_uid_parse("0O", &uid), -EINVAL, "0 and O are not base58");
	cr_assert_eq(tfp_uid_parse("Il", &uid), -EINVAL, "I and l are not base58");
	cr_assert_eq(tfp_uid_parse("", &uid), -EINVAL);
	cr_assert_eq(tfp_uid_parse("ZZZZZZZZZZZZ", &uid), -EINVAL, "over 64 bits");
}

Test(tfp, target_options)
{
	struct tfp_target t;
	char why[256];

	cr_assert_eq(tfp_target_parse(NULL, 1, 1, &t, why, sizeof(why)), 0);
	cr_assert_str_eq(t.host, "localhost");
	cr_assert_eq(t.port, 4223u);
	cr_assert_str_eq(t.uid, "");
	cr_assert_eq(tfp_target_parse("host=mm,port=4280,uid=Rd3,channel=1", 1, 1, &t, why,
				      sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(t.host, "mm");
	cr_assert_eq(t.port, 4280u);
	cr_assert_str_eq(t.uid, "Rd3");
	cr_assert_eq(t.channel, 1u);
	cr_assert_eq(tfp_target_parse("uid=Rd3,channel=2", 1, 1, &t, why, sizeof(why)), -EINVAL);
	cr_assert_eq(tfp_target_parse("port=0", 1, 1, &t, why, sizeof(why)), -EINVAL);
	cr_assert_eq(tfp_target_parse("uid=Rd3,chanel=1", 1, 1, &t, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "chanel"), "%s", why);
	cr_assert_eq(tfp_target_parse("channel=1", 1, 0, &t, why, sizeof(why)), -EINVAL,
		     "a meter has no channel");
}

/* A header: uid, length, fid, sequence number << 4 | response expected << 3, error << 6. */
static void
put(int fd, uint32_t uid, uint8_t fid, uint8_t seq, uint8_t err, const void *p, size_t n)
{
	uint8_t b[80] = { (uint8_t)uid, (uint8_t)(uid >> 8), (uint8_t)(uid >> 16),
			  (uint8_t)(uid >> 24), (uint8_t)(8 + n), fid, (uint8_t)(seq << 4 | 0x08),
			  (uint8_t)(err << 6) };

	if (n) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(b + 8, p, n);
	cr_assert_eq(write(fd, b, 8 + n), (ssize_t)(8 + n));
}

Test(tfp, call_skips_callbacks_and_stale_answers)
{
	struct tfp_conn c = { .timeout_ms = 500 };
	uint8_t req[8], resp[4], power[4] = { 0xc4, 0x09, 0, 0 }; /* 2500 mW */
	int sv[2], rc;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	c.fd = sv[0];
	put(sv[1], 2, 253, 0, 0, "enumerate callback.......", 26); /* seq 0: a callback */
	put(sv[1], 2, 9, 7, 0, power, 4);                            /* an older call's */
	put(sv[1], 2, 9, 1, 0, power, 4);                            /* ours */
	cr_assert_eq(tfp_call(&c, 2, 9, NULL, 0, 1, resp, sizeof(resp)), 0);
	cr_assert_eq(memcmp(resp, power, 4), 0);
	/* What was sent: uid 2 LE, length 8, fid 9, sequence 1 with response expected. */
	cr_assert_eq(read(sv[1], req, sizeof(req)), 8);
	cr_assert_eq(memcmp(req, "\x02\x00\x00\x00\x08\x09\x18\x00", 8), 0);

	put(sv[1], 2, 3, 2, 2, NULL, 0); /* error code 2: function not supported */
	cr_assert_eq(tfp_call(&c, 2, 3, NULL, 0, 1, NULL, 0), -ENOTSUP);
	put(sv[1], 2, 9, 3, 0, power, 2); /* a payload of the wrong size */
	cr_assert_eq(tfp_call(&c, 2, 9, NULL, 0, 1, resp, sizeof(resp)), -EBADMSG);
	c.timeout_ms = 50; /* nobody answers */
	cr_assert_eq(tfp_call(&c, 2, 9, NULL, 0, 1, resp, sizeof(resp)), -ETIMEDOUT);
	close(sv[1]);
	rc = tfp_call(&c, 2, 9, NULL, 0, 1, resp, sizeof(resp));
	cr_assert(rc == -EPIPE || rc == -ECONNRESET, "a closed daemon: %d", rc);
	tfp_close(&c);
}

Test(tfp, sequence_numbers_cycle_1_to_15)
{
	struct tfp_conn c = { .timeout_ms = 100 };
	uint8_t req[8];
	int sv[2], i;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	c.fd = sv[0];
	for (i = 0; i < 31; i++) {
		cr_assert_eq(tfp_call(&c, 5, 1, "\x01\x00", 2, 0, NULL, 0), 0);
		cr_assert_eq(read(sv[1], req, 8), 8);
		cr_assert_eq(req[6] >> 4, i % 15 + 1);
		cr_assert_eq(req[6] & 0x08, 0, "no response expected");
		cr_assert_eq(read(sv[1], req, 2), 2);
	}
	tfp_close(&c);
	close(sv[1]);
}
