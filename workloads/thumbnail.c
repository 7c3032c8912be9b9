/* SPDX-License-Identifier: MIT */
/*
 * thumbnail: modeled on SeBS 210.thumbnailer (and FunctionBench image_processing's
 * resize), which downloads an image, makes a 200 x 200 thumbnail and uploads it. Setup
 * draws a W x 3/4 W RGB picture from the seed (gradients, discs and noise) and encodes it
 * as a JPEG with libjpeg-turbo, outside the metered region; run() decodes that JPEG at full
 * size, box-filters it to 200 x 200 and encodes the thumbnail as a JPEG (quality 85). One
 * unit of work is a source pixel. verify() decodes the thumbnail and compares it with one
 * box-filtered in setup straight from the raw picture, never through JPEG: two lossy
 * encodings leave a mean error of a few levels, a wrong image hundreds of times more.
 * libjpeg's default error handler calls exit(); ours returns -EBADMSG through longjmp.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "workload-private.h"

#define THUMB_SIDE 200
#define THUMB_SRC_QUALITY 90
#define THUMB_OUT_QUALITY 85
/* Mean absolute difference per channel, in levels of 255, between the decoded thumbnail
 * and the reference: quality 90 then 85 on this picture gives about 1-2; a shifted,
 * transposed or garbled thumbnail gives tens. */
#define THUMB_MAE_MAX 6.0

struct thumb_state {
	size_t w, h;
	unsigned char *jpeg;     /* input: the source JPEG, never modified */
	unsigned long jpeg_len;
	unsigned char *pixels;   /* scratch: the decoded source, w x h x 3 */
	unsigned char small[THUMB_SIDE * THUMB_SIDE * 3]; /* scratch: the resized picture */
	unsigned char ref[THUMB_SIDE * THUMB_SIDE * 3];   /* reference from raw pixels */
	unsigned char *out;      /* output of the last run: the thumbnail JPEG */
	unsigned long out_len;
};

struct thumb_jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf env;
};

static void
thumb_error_exit(j_common_ptr cinfo)
{
	struct thumb_jerr *e = (struct thumb_jerr *)cinfo->err;

	longjmp(e->env, 1);
}

static void
thumb_output_message(j_common_ptr cinfo)
{
	(void)cinfo; /* libraries never print; warnings are not errors here */
}

static void
thumb_jerr_init(struct thumb_jerr *e)
{
	jpeg_std_error(&e->mgr);
	e->mgr.error_exit = thumb_error_exit;
	e->mgr.output_message = thumb_output_message;
}

/* Encode @rgb (w x h x 3) into a malloc'ed JPEG in *out (freed by the caller, also on
 * error). libjpeg writes *out and *out_len, which live outside this frame, so a longjmp
 * back here leaves them valid. */
static int
thumb_encode(const unsigned char *rgb, size_t w, size_t h, int quality, unsigned char **out,
	     unsigned long *out_len)
{
	struct jpeg_compress_struct c;
	struct thumb_jerr e;

	*out = NULL;
	*out_len = 0;
	thumb_jerr_init(&e);
	c.err = &e.mgr;
	if (setjmp(e.env)) {
		jpeg_destroy_compress(&c);
		return -EBADMSG;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, out, out_len);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * w * 3);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return 0;
}

/* Decode a JPEG of exactly @w x @h into @rgb (w x h x 3). */
static int
thumb_decode(const unsigned char *jpeg, unsigned long len, size_t w, size_t h,
	     unsigned char *rgb)
{
	struct jpeg_decompress_struct d;
	struct thumb_jerr e;

	thumb_jerr_init(&e);
	d.err = &e.mgr;
	if (setjmp(e.env)) {
		jpeg_destroy_decompress(&d);
		return -EBADMSG;
	}
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, jpeg, len);
	if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK)
		longjmp(e.env, 1);
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	if (d.output_width != w || d.output_height != h || d.output_components != 3)
		longjmp(e.env, 1);
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = rgb + (size_t)d.output_scanline * w * 3;

		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return 0;
}

/* Box filter: each thumbnail pixel is the mean of its source rectangle, rounded. */
static void
thumb_resize(const unsigned char *src, size_t w, size_t h, unsigned char *dst)
{
	size_t ox, oy, x, y, c;

	for (oy = 0; oy < THUMB_SIDE; oy++) {
		size_t y0 = oy * h / THUMB_SIDE, y1 = (oy + 1) * h / THUMB_SIDE;

		for (ox = 0; ox < THUMB_SIDE; ox++) {
			size_t x0 = ox * w / THUMB_SIDE, x1 = (ox + 1) * w / THUMB_SIDE;
			size_t area = (x1 - x0) * (y1 - y0);
			uint64_t sum[3] = { 0, 0, 0 };

			for (y = y0; y < y1; y++) {
				const unsigned char *p = src + (y * w + x0) * 3;

				for (x = x0; x < x1; x++, p += 3)
					for (c = 0; c < 3; c++)
						sum[c] += p[c];
			}
			for (c = 0; c < 3; c++)
				dst[(oy * THUMB_SIDE + ox) * 3 + c] =
					(unsigned char)((sum[c] + area / 2) / area);
		}
	}
}

/* The seeded picture: two gradients, a few flat discs and +-8 levels of noise. */
static void
thumb_draw(unsigned char *rgb, size_t w, size_t h, uint64_t *rng)
{
	double cx[6], cy[6], r2[6];
	unsigned char col[6][3];
	size_t x, y, i, k;

	for (i = 0; i < 6; i++) {
		double r = (0.05 + 0.15 * workload_rng_double(rng)) * (double)w;

		cx[i] = workload_rng_double(rng) * (double)w;
		cy[i] = workload_rng_double(rng) * (double)h;
		r2[i] = r * r;
		for (k = 0; k < 3; k++)
			col[i][k] = (unsigned char)(workload_rng_next(rng) >> 56);
	}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned char *p = rgb + (y * w + x) * 3;
			uint64_t noise = workload_rng_next(rng);

			p[0] = (unsigned char)(x * 255 / w);
			p[1] = (unsigned char)(y * 255 / h);
			p[2] = (unsigned char)((x + y) * 127 / (w + h) + 64);
			for (i = 0; i < 6; i++) {
				double dx = (double)x - cx[i], dy = (double)y - cy[i];

				if (dx * dx + dy * dy < r2[i])
					memcpy(p, col[i], 3);
			}
			for (k = 0; k < 3; k++) {
				int v = p[k] + (int)(noise >> (8 * k) & 15) - 8;

				p[k] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
}

static void
thumb_free(struct thumb_state *s)
{
	if (!s)
		return;
	free(s->jpeg);
	free(s->pixels);
	free(s->out);
	free(s);
}

static int
thumb_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct thumb_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	int rc;

	if (!s)
		return jb_err_set(err, -ENOMEM, "thumbnail: out of memory");
	if (param < THUMB_SIDE || param > 20000) {
		free(s);
		return jb_err_set(err, -EINVAL, "thumbnail: width %llu not in 200..20000",
				  (unsigned long long)param);
	}
	s->w = param;
	s->h = param * 3 / 4;
	if (!(s->pixels = malloc(s->w * s->h * 3))) {
		thumb_free(s);
		return jb_err_set(err, -ENOMEM, "thumbnail: cannot allocate %zu x %zu pixels",
				  (size_t)param, (size_t)param * 3 / 4);
	}
	thumb_draw(s->pixels, s->w, s->h, &rng);
	thumb_resize(s->pixels, s->w, s->h, s->ref);
	rc = thumb_encode(s->pixels, s->w, s->h, THUMB_SRC_QUALITY, &s->jpeg, &s->jpeg_len);
	if (rc) {
		thumb_free(s);
		return jb_err_set(err, rc, "thumbnail: libjpeg could not encode the source");
	}
	*state = s;
	return 0;
}

static int
thumb_run(void *state, struct workload_result *out)
{
	struct thumb_state *s = state;
	int rc = thumb_decode(s->jpeg, s->jpeg_len, s->w, s->h, s->pixels);

	if (rc)
		return rc;
	thumb_resize(s->pixels, s->w, s->h, s->small);
	free(s->out);
	s->out = NULL;
	rc = thumb_encode(s->small, THUMB_SIDE, THUMB_SIDE, THUMB_OUT_QUALITY, &s->out,
			  &s->out_len);
	if (rc)
		return rc;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->out, s->out_len);
	out->value = (double)s->out_len;
	out->work_units = (double)(s->w * s->h);
	return 0;
}

static int
thumb_verify(void *state, const struct workload_result *res)
{
	struct thumb_state *s = state;
	unsigned char back[THUMB_SIDE * THUMB_SIDE * 3];
	uint64_t diff = 0;
	size_t i;

	if (!s->out || res->value != (double)s->out_len ||
	    res->checksum != workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->out, s->out_len))
		return -EBADMSG;
	if (thumb_decode(s->out, s->out_len, THUMB_SIDE, THUMB_SIDE, back))
		return -EBADMSG;
	for (i = 0; i < sizeof(back); i++)
		diff += (uint64_t)(back[i] > s->ref[i] ? back[i] - s->ref[i] : s->ref[i] - back[i]);
	return (double)diff / (double)sizeof(back) <= THUMB_MAE_MAX ? 0 : -EBADMSG;
}

static int
thumb_dump_input(void *state, FILE *f)
{
	const struct thumb_state *s = state;

	return fwrite(s->jpeg, 1, s->jpeg_len, f) == s->jpeg_len ? 0 : -EIO;
}

static int
thumb_dump_output(void *state, FILE *f)
{
	const struct thumb_state *s = state;

	return s->out && fwrite(s->out, 1, s->out_len, f) == s->out_len ? 0 : -EIO;
}

static void
thumb_teardown(void *state)
{
	thumb_free(state);
}

const struct workload_desc workload_thumbnail = {
	.name = "thumbnail",
	.summary = "decode a JPEG, box-resize to 200 x 200, encode (libjpeg-turbo)",
	.modeled_on = "SeBS 210.thumbnailer, FunctionBench image_processing",
	.work_unit = "pixel",
	.size_param = { 320, 6400, 12000 },
	.size_param_name = "width",
	.setup = thumb_setup,
	.run = thumb_run,
	.verify = thumb_verify,
	.dump_input = thumb_dump_input,
	.dump_output = thumb_dump_output,
	.teardown = thumb_teardown,
};
