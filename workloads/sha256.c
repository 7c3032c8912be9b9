/* SPDX-License-Identifier: MIT */
/*
 * sha256: the hashing at the heart of integrity and authentication functions (vSwarm's
 * Auth; SeBS and FunctionBench have no hash function of their own). It computes SHA-256
 * with OpenSSL's libcrypto (EVP), as a real function would, over a message of N bytes
 * that is a seeded 1 MiB block repeated, fed in 1 MiB updates as a streamed upload would
 * be. One unit of work is a byte hashed. verify() compares with a digest computed in
 * setup through the same library but in odd-sized pieces, which checks the streaming
 * path; the library itself is checked against NIST vectors and sha256sum by the tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "workload-kernels.h"
#include "workload-private.h"

#define SHA256_BLOCK_BYTES ((size_t)1 << 20)
/* Not a divisor of any power of two, so the reference's pieces straddle every boundary. */
#define SHA256_REF_PIECE_BYTES ((size_t)4093)

struct sha256_state {
	size_t len;          /* message length */
	size_t block_len;    /* the repeated block's length, min(len, 1 MiB) */
	unsigned char *block;
	uint8_t digest[32];  /* output of the last run */
	uint64_t ref_checksum;
	double ref_value;
};

/* The first 48 bits of a digest as an exact double: the result's comparable scalar. */
static double
sha256_value(const uint8_t d[32])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | d[i];
	return (double)v;
}

/* Feed the message (block repeated to len bytes) in pieces of at most @piece bytes. */
static int
sha256_message(const struct sha256_state *s, size_t piece, uint8_t digest[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t off = 0;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && off < s->len) {
		size_t in_block = off % s->block_len;
		size_t n = s->block_len - in_block;

		if (n > piece)
			n = piece;
		if (n > s->len - off)
			n = s->len - off;
		ok = EVP_DigestUpdate(ctx, s->block + in_block, n);
		off += n;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, digest, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int
workload_sha256_compute(const void *data, size_t len, uint8_t digest[32])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) && n == 32 ? 0 : -EIO;
}

static int
sha256_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct sha256_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	uint8_t ref[32];
	size_t i;
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "sha256: out of memory");
	s->len = param;
	s->block_len = param < SHA256_BLOCK_BYTES ? param : SHA256_BLOCK_BYTES;
	s->block = malloc(s->block_len ? s->block_len : 1);
	if (!s->block) {
		size_t want = s->block_len;

		free(s);
		return jb_err_set(err, -ENOMEM, "sha256: cannot allocate %zu bytes", want);
	}
	for (i = 0; i < s->block_len; i++)
		s->block[i] = (unsigned char)(workload_rng_next(&rng) >> 56);
	rc = sha256_message(s, SHA256_REF_PIECE_BYTES, ref);
	if (rc) {
		free(s->block);
		free(s);
		return jb_err_set(err, rc, "sha256: libcrypto failed in setup");
	}
	s->ref_checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, ref, sizeof(ref));
	s->ref_value = sha256_value(ref);
	*state = s;
	return 0;
}

static int
sha256_run(void *state, struct workload_result *out)
{
	struct sha256_state *s = state;
	int rc = sha256_message(s, SHA256_BLOCK_BYTES, s->digest);

	if (rc)
		return rc;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->digest, sizeof(s->digest));
	out->value = sha256_value(s->digest);
	out->work_units = (double)s->len;
	return 0;
}

static int
sha256_verify(void *state, const struct workload_result *res)
{
	const struct sha256_state *s = state;

	return res->checksum == s->ref_checksum && res->value == s->ref_value ? 0 : -EBADMSG;
}

static int
sha256_dump_input(void *state, FILE *f)
{
	const struct sha256_state *s = state;
	size_t off;

	/* The raw message bytes, so that `sha256sum` of this dump is the kernel's digest. */
	for (off = 0; off < s->len; off += s->block_len) {
		size_t n = s->len - off < s->block_len ? s->len - off : s->block_len;

		if (fwrite(s->block, 1, n, f) != n)
			return -EIO;
	}
	return 0;
}

static int
sha256_dump_output(void *state, FILE *f)
{
	const struct sha256_state *s = state;
	size_t i;

	/* Lowercase hex and a newline, as the first word of a sha256sum line. */
	for (i = 0; i < sizeof(s->digest); i++)
		if (fprintf(f, "%02x", s->digest[i]) < 0)
			return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}

static void
sha256_teardown(void *state)
{
	struct sha256_state *s = state;

	if (s)
		free(s->block);
	free(s);
}

const struct workload_desc workload_sha256 = {
	.name = "sha256",
	.summary = "SHA-256 (libcrypto EVP) of an N-byte message",
	.modeled_on = "vSwarm Auth (integrity hash)",
	.work_unit = "byte",
	.size_param = { 65536, 384u << 20, 1024u << 20 },
	.size_param_name = "bytes",
	.setup = sha256_setup,
	.run = sha256_run,
	.verify = sha256_verify,
	.dump_input = sha256_dump_input,
	.dump_output = sha256_dump_output,
	.teardown = sha256_teardown,
};
