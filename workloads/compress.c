/* SPDX-License-Identifier: MIT */
/*
 * compress: modeled on SeBS 311.compression and FunctionBench gzip_compression, which
 * compress a directory or a file for download. The kernel deflates (zlib, level 6, the
 * gzip default) N bytes of seeded text-like data into a gzip stream: made-up words with
 * a Zipf-like skew, punctuation and numbers, so it compresses about 3:1 as documents do
 * (FunctionBench's random bytes would not compress at all). One unit of work is an
 * input byte.
 * verify() inflates the output with zlib and compares it with the input: a round trip
 * that does not trust the compressor. The checksum is bit-exact for one zlib version;
 * another zlib (or zlib-ng) may choose other matches, so compare checksums within one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "workload-private.h"

#define COMPRESS_LEVEL 6
/* windowBits 15 + 16: a 32 KiB window and a gzip header, so `gzip -d` reads the output. */
#define COMPRESS_WINDOW_BITS (15 + 16)

struct compress_state {
	size_t len;
	void *block;         /* holds in, out and back (workload_arrays_alloc) */
	unsigned char *in;   /* input, never modified */
	unsigned char *out;  /* output of the last run */
	size_t out_cap, out_len;
	unsigned char *back; /* scratch for verify's inflate */
};

static const char *const compress_syllables[32] = {
	"ka", "lo", "mer", "ti", "san", "ve", "ro", "dul", "pa", "en", "sho", "ri",
	"qua", "no", "bel", "at", "gri", "us", "fen", "do", "mi", "tra", "ok", "le",
	"wim", "cor", "ha", "ess", "by", "nu", "zet", "ion",
};

#define COMPRESS_VOCAB_WORDS 4096
#define COMPRESS_WORD_MAX 16

/* Fill @buf with text: a vocabulary of 4096 made-up words of 1-5 syllables, drawn with a
 * Zipf-like skew (index = 4096 u^3), with punctuation, line breaks and some numbers. */
static int
compress_fill(unsigned char *buf, size_t len, uint64_t *rng)
{
	static const size_t vocab_bytes = COMPRESS_VOCAB_WORDS * COMPRESS_WORD_MAX;
	char *vocab = malloc(vocab_bytes);
	size_t pos = 0, w;

	if (!vocab)
		return -ENOMEM;
	for (w = 0; w < COMPRESS_VOCAB_WORDS; w++) {
		uint64_t r = workload_rng_next(rng);
		char *word = vocab + w * COMPRESS_WORD_MAX;
		int k, syl = 1 + (int)(r % 5), n = 0;

		for (k = 0; k < syl; k++) {
			const char *sy = compress_syllables[r >> (8 + 5 * k) & 31];
			size_t sl = strlen(sy);

			memcpy(word + n, sy, sl);
			n += (int)sl;
		}
		word[n] = '\0';
	}
	while (pos < len) {
		uint64_t r = workload_rng_next(rng);
		double u = (double)(r >> 11) * 0x1.0p-53;
		char word[COMPRESS_WORD_MAX + 8];
		int n, k;

		if ((r & 63) == 0)
			n = snprintf(word, sizeof(word), "%u", (unsigned)(r >> 16 & 0xfffff));
		else
			n = snprintf(word, sizeof(word), "%s",
				     vocab + (size_t)(COMPRESS_VOCAB_WORDS * u * u * u) *
						     COMPRESS_WORD_MAX);
		if (n < 0)
			n = 0;
		word[n++] = (r >> 6 & 15) == 0 ? '.' : (r >> 6 & 15) == 1 ? ',' : ' ';
		if ((r >> 10 & 31) == 0)
			word[n++] = '\n';
		for (k = 0; k < n && pos < len; k++)
			buf[pos++] = (unsigned char)word[k];
	}
	free(vocab);
	return 0;
}

static void
compress_free(struct compress_state *s)
{
	if (!s)
		return;
	free(s->block);
	free(s);
}

static int
compress_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct compress_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t bytes[3];
	void *arr[3];

	if (!s || param > UINT32_MAX)
		goto fail;
	s->len = param;
	/* deflateBound() for zlib-wrapped output, plus the gzip header and trailer's extra. */
	s->out_cap = compressBound((uLong)param) + 32;
	bytes[0] = bytes[2] = s->len ? s->len : 1;
	bytes[1] = s->out_cap;
	if (!(s->block = workload_arrays_alloc(3, bytes, arr)))
		goto fail;
	s->in = arr[0];
	s->out = arr[1];
	s->back = arr[2];
	if (compress_fill(s->in, s->len, &rng))
		goto fail;
	*state = s;
	return 0;
fail:
	compress_free(s);
	return jb_err_set(err, -ENOMEM, "compress: cannot allocate for %llu bytes",
			  (unsigned long long)param);
}

static int
compress_run(void *state, struct workload_result *out)
{
	struct compress_state *s = state;
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, COMPRESS_LEVEL, Z_DEFLATED, COMPRESS_WINDOW_BITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	/* zlib's next_in is not const in older headers; it only reads the input. */
	z.next_in = s->in;
	z.avail_in = (uInt)s->len;
	z.next_out = s->out;
	z.avail_out = (uInt)s->out_cap;
	rc = deflate(&z, Z_FINISH);
	s->out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END)
		return -EIO;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->out, s->out_len);
	out->value = (double)s->out_len;
	out->work_units = (double)s->len;
	return 0;
}

static int
compress_verify(void *state, const struct workload_result *res)
{
	struct compress_state *s = state;
	z_stream z;
	int rc;

	if (res->value != (double)s->out_len ||
	    res->checksum != workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->out, s->out_len))
		return -EBADMSG;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, COMPRESS_WINDOW_BITS) != Z_OK)
		return -ENOMEM;
	z.next_in = s->out;
	z.avail_in = (uInt)s->out_len;
	z.next_out = s->back;
	z.avail_out = (uInt)s->len;
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.total_out != s->len || memcmp(s->back, s->in, s->len) != 0)
		return -EBADMSG;
	return 0;
}

static int
compress_dump_input(void *state, FILE *f)
{
	const struct compress_state *s = state;

	return fwrite(s->in, 1, s->len, f) == s->len ? 0 : -EIO;
}

static int
compress_dump_output(void *state, FILE *f)
{
	const struct compress_state *s = state;

	/* The gzip stream of the last run: `gzip -d` gives the input dump back. */
	return fwrite(s->out, 1, s->out_len, f) == s->out_len ? 0 : -EIO;
}

static void
compress_teardown(void *state)
{
	compress_free(state);
}

const struct workload_desc workload_compress = {
	.name = "compress",
	.summary = "gzip (zlib deflate, level 6) of N bytes of text-like data",
	.modeled_on = "SeBS 311.compression, FunctionBench gzip_compression",
	.work_unit = "byte",
	.size_param = { 65536, 3u << 20, 8u << 20 },
	.size_param_name = "bytes",
	.setup = compress_setup,
	.run = compress_run,
	.verify = compress_verify,
	.dump_input = compress_dump_input,
	.dump_output = compress_dump_output,
	.teardown = compress_teardown,
};
