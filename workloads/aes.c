/* SPDX-License-Identifier: MIT */
/*
 * aes: modeled on FunctionBench's pyaes (and vSwarm's AES), which encrypts and then
 * decrypts a message with AES-128 in CTR mode, num_of_iterations times. The kernel calls
 * OpenSSL's libcrypto (EVP), as a real function would, on a seeded 1 MiB message with a
 * seeded key and initial counter; the size parameter is the number of iterations. One
 * unit of work is a byte through the cipher (2 x 1 MiB per iteration).
 * verify() checks that decryption gave the message back and that the ciphertext matches
 * one built in setup by a different route: our own counter blocks through AES-128-ECB,
 * XORed with the message (SP 800-38A section 6.5), so OpenSSL's CTR code is not its own
 * reference. The tests add the SP 800-38A F.5.1 vectors and `openssl enc`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "workload-kernels.h"
#include "workload-private.h"

#define AES_MSG_BYTES ((size_t)1 << 20)

struct aes_state {
	uint64_t iterations;
	uint8_t key[16], iv[16];
	void *block;          /* holds msg, ct and back (workload_arrays_alloc) */
	unsigned char *msg;   /* input, never modified */
	unsigned char *ct;    /* output: the ciphertext of the last run */
	unsigned char *back;  /* output: the ciphertext decrypted again */
	uint64_t ref_checksum;
	double ref_value;
};

int
workload_aes128_ctr_crypt(const uint8_t key[16], const uint8_t iv[16], const void *in,
			  void *out, size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ok;
	size_t done = 0;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv);
	/* EVP takes an int length: feed at most 1 GiB at a time. */
	while (ok && done < len) {
		size_t chunk = len - done > ((size_t)1 << 30) ? (size_t)1 << 30 : len - done;

		ok = EVP_EncryptUpdate(ctx, (unsigned char *)out + done, &n,
				       (const unsigned char *)in + done, (int)chunk);
		ok = ok && (size_t)n == chunk;
		done += chunk;
	}
	ok = ok && EVP_EncryptFinal_ex(ctx, (unsigned char *)out + done, &fin) && fin == 0;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* CTR built by hand: E_K(iv + i) XOR block i, the counter a 128-bit big-endian integer. */
static int
aes_reference(const struct aes_state *s, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t ctr[16], ks[16];
	size_t off, i;
	int n, ok;

	if (!ctx)
		return -ENOMEM;
	memcpy(ctr, s->iv, sizeof(ctr));
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, s->key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0);
	for (off = 0; ok && off < AES_MSG_BYTES; off += 16) {
		ok = EVP_EncryptUpdate(ctx, ks, &n, ctr, 16) && n == 16;
		for (i = 0; i < 16 && off + i < AES_MSG_BYTES; i++)
			out[off + i] = s->msg[off + i] ^ ks[i];
		for (i = 16; i-- > 0;)
			if (++ctr[i] != 0)
				break;
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

static double
aes_value(const unsigned char *ct)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | ct[i];
	return (double)v;
}

static void
aes_free(struct aes_state *s)
{
	if (!s)
		return;
	free(s->block);
	free(s);
}

static int
aes_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct aes_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t i, bytes[3] = { AES_MSG_BYTES, AES_MSG_BYTES, AES_MSG_BYTES };
	void *arr[3];
	int rc;

	if (!s || !(s->block = workload_arrays_alloc(3, bytes, arr))) {
		aes_free(s);
		return jb_err_set(err, -ENOMEM, "aes: out of memory");
	}
	s->msg = arr[0];
	s->ct = arr[1];
	s->back = arr[2];
	s->iterations = param;
	for (i = 0; i < 16; i++)
		s->key[i] = (uint8_t)(workload_rng_next(&rng) >> 56);
	for (i = 0; i < 16; i++)
		s->iv[i] = (uint8_t)(workload_rng_next(&rng) >> 56);
	/* pyaes encrypts lowercase letters and digits; so do we. */
	for (i = 0; i < AES_MSG_BYTES; i++)
		s->msg[i] = (unsigned char)"abcdefghijklmnopqrstuvwxyz0123456789"
			[workload_rng_next(&rng) % 36];
	rc = aes_reference(s, s->ct);
	if (rc) {
		aes_free(s);
		return jb_err_set(err, rc, "aes: libcrypto failed in setup");
	}
	s->ref_checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->ct, AES_MSG_BYTES);
	s->ref_value = aes_value(s->ct);
	memset(s->ct, 0, AES_MSG_BYTES);
	*state = s;
	return 0;
}

static int
aes_run(void *state, struct workload_result *out)
{
	struct aes_state *s = state;
	uint64_t it;
	int rc;

	for (it = 0; it < s->iterations; it++) {
		rc = workload_aes128_ctr_crypt(s->key, s->iv, s->msg, s->ct, AES_MSG_BYTES);
		if (!rc)
			rc = workload_aes128_ctr_crypt(s->key, s->iv, s->ct, s->back,
						       AES_MSG_BYTES);
		if (rc)
			return rc;
	}
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->ct, AES_MSG_BYTES);
	out->value = aes_value(s->ct);
	out->work_units = 2.0 * (double)AES_MSG_BYTES * (double)s->iterations;
	return 0;
}

static int
aes_verify(void *state, const struct workload_result *res)
{
	const struct aes_state *s = state;

	if (memcmp(s->back, s->msg, AES_MSG_BYTES) != 0)
		return -EBADMSG;
	return res->checksum == s->ref_checksum && res->value == s->ref_value ? 0 : -EBADMSG;
}

static int
aes_dump_input(void *state, FILE *f)
{
	const struct aes_state *s = state;
	size_t i;

	/* One text line "key=HEX iv=HEX bytes=N", then the N raw message bytes. */
	if (fputs("key=", f) == EOF)
		return -EIO;
	for (i = 0; i < 16; i++)
		if (fprintf(f, "%02x", s->key[i]) < 0)
			return -EIO;
	if (fputs(" iv=", f) == EOF)
		return -EIO;
	for (i = 0; i < 16; i++)
		if (fprintf(f, "%02x", s->iv[i]) < 0)
			return -EIO;
	if (fprintf(f, " bytes=%zu\n", AES_MSG_BYTES) < 0)
		return -EIO;
	return fwrite(s->msg, 1, AES_MSG_BYTES, f) == AES_MSG_BYTES ? 0 : -EIO;
}

static int
aes_dump_output(void *state, FILE *f)
{
	const struct aes_state *s = state;

	/* The raw ciphertext of the last run. */
	return fwrite(s->ct, 1, AES_MSG_BYTES, f) == AES_MSG_BYTES ? 0 : -EIO;
}

static void
aes_teardown(void *state)
{
	aes_free(state);
}

const struct workload_desc workload_aes = {
	.name = "aes",
	.summary = "AES-128-CTR (libcrypto EVP) encrypt and decrypt of a 1 MiB message",
	.modeled_on = "FunctionBench pyaes",
	.work_unit = "byte",
	.size_param = { 4, 800, 2800 },
	.size_param_name = "iterations",
	.setup = aes_setup,
	.run = aes_run,
	.verify = aes_verify,
	.dump_input = aes_dump_input,
	.dump_output = aes_dump_output,
	.teardown = aes_teardown,
};
