/* SPDX-License-Identifier: MIT */
/*
 * html: modeled on SeBS 110.dynamic-html (and FunctionBench chameleon), which renders a
 * page greeting a user and listing N random numbers with a Jinja2 template. Plain C: a
 * small template engine that compiles the template on every invocation, as an uncached
 * renderer would, then renders it ({{ var }} with HTML escaping, {% for x in list %}) into
 * a growing buffer. One unit of work is a list item rendered.
 * verify() compares the page with one assembled in setup without the engine, from the
 * template's fixed pieces with snprintf() and a separate escaper.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "workload-private.h"

/* The template, in pieces so that the reference can assemble the page without parsing it. */
#define HTML_P0 "<!DOCTYPE html>\n<html>\n<head><title>Randomly generated data.</title>\n" \
		"<meta charset=\"utf-8\"></head>\n<body>\n<p>Welcome "
#define HTML_P1 "!</p>\n<p>Data generated at: "
#define HTML_P2 "!</p>\n<p>Requested random numbers:</p>\n<ul>\n"
#define HTML_ITEM0 "  <li>"
#define HTML_ITEM1 "</li>\n"
#define HTML_P3 "</ul>\n</body>\n</html>\n"
static const char html_template[] =
	HTML_P0 "{{ username }}" HTML_P1 "{{ cur_time }}" HTML_P2
	"{% for n in random_numbers %}" HTML_ITEM0 "{{ n }}" HTML_ITEM1 "{% endfor %}" HTML_P3;

#define HTML_OPS_MAX 32

enum html_op_kind { HTML_LIT, HTML_VAR, HTML_FOR, HTML_ENDFOR };

struct html_op {
	enum html_op_kind kind;
	const char *s; /* literal text, variable or list name */
	size_t len;
	size_t end;    /* HTML_FOR: index of the matching HTML_ENDFOR */
};

struct html_buf {
	char *p;
	size_t len, cap;
};

struct html_state {
	size_t n;
	uint32_t *numbers;      /* input, never modified */
	char username[32], cur_time[32];
	struct html_buf out;    /* output of the last run */
	uint64_t ref_checksum;
	size_t ref_len;
};

static int
html_buf_put(struct html_buf *b, const char *s, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + len)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	return 0;
}

/* Escape &, <, >, " and ' as Jinja's autoescape does. */
static int
html_buf_put_escaped(struct html_buf *b, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++)
		switch (*s) {
		case '&': rc = html_buf_put(b, "&amp;", 5); break;
		case '<': rc = html_buf_put(b, "&lt;", 4); break;
		case '>': rc = html_buf_put(b, "&gt;", 4); break;
		case '"': rc = html_buf_put(b, "&#34;", 5); break;
		case '\'': rc = html_buf_put(b, "&#39;", 5); break;
		default: rc = html_buf_put(b, s, 1); break;
		}
	return rc;
}

static int
html_buf_put_u32(struct html_buf *b, uint32_t v)
{
	char d[10];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return html_buf_put(b, d + i, sizeof(d) - i);
}

static const char *
html_skip_space(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* Compile @tpl into @ops; returns the op count or -EINVAL on a syntax error. */
static int
html_compile(const char *tpl, struct html_op *ops)
{
	size_t n = 0, open[HTML_OPS_MAX], depth = 0;
	const char *p = tpl;

	while (*p) {
		const char *tag = strchr(p, '{');

		while (tag && tag[1] != '{' && tag[1] != '%')
			tag = strchr(tag + 1, '{');
		if (n + 2 > HTML_OPS_MAX)
			return -EINVAL;
		if (!tag) {
			ops[n++] = (struct html_op){ HTML_LIT, p, strlen(p), 0 };
			break;
		}
		if (tag > p)
			ops[n++] = (struct html_op){ HTML_LIT, p, (size_t)(tag - p), 0 };
		{
			const char *close = strstr(tag + 2, tag[1] == '{' ? "}}" : "%}");
			const char *a, *e;

			if (!close)
				return -EINVAL;
			a = html_skip_space(tag + 2, close);
			for (e = close; e > a && e[-1] == ' ';)
				e--;
			if (tag[1] == '{') {
				ops[n++] = (struct html_op){ HTML_VAR, a, (size_t)(e - a), 0 };
			} else if ((size_t)(e - a) == 6 && memcmp(a, "endfor", 6) == 0) {
				if (!depth)
					return -EINVAL;
				ops[open[--depth]].end = n;
				ops[n++] = (struct html_op){ HTML_ENDFOR, a, 6, 0 };
			} else if (e - a > 4 && memcmp(a, "for ", 4) == 0) {
				/* "for x in list": keep the list name; the loop variable is
				 * whatever {{ }} inside the body names. */
				const char *in = strstr(a, " in ");

				if (!in || in >= e || depth == HTML_OPS_MAX)
					return -EINVAL;
				in = html_skip_space(in + 4, e);
				open[depth++] = n;
				ops[n++] = (struct html_op){ HTML_FOR, in, (size_t)(e - in), 0 };
			} else {
				return -EINVAL;
			}
			p = close + 2;
		}
	}
	return depth ? -EINVAL : (int)n;
}

static int
html_is(const struct html_op *op, const char *name)
{
	return op->len == strlen(name) && memcmp(op->s, name, op->len) == 0;
}

/* Render ops [from, to); @item is the current loop item, NULL outside a loop. */
static int
html_render(struct html_state *s, const struct html_op *ops, size_t from, size_t to,
	    const uint32_t *item)
{
	size_t i, k;
	int rc = 0;

	for (i = from; i < to && !rc; i++) {
		const struct html_op *op = &ops[i];

		switch (op->kind) {
		case HTML_LIT:
			rc = html_buf_put(&s->out, op->s, op->len);
			break;
		case HTML_VAR:
			if (html_is(op, "username"))
				rc = html_buf_put_escaped(&s->out, s->username);
			else if (html_is(op, "cur_time"))
				rc = html_buf_put_escaped(&s->out, s->cur_time);
			else if (item)
				rc = html_buf_put_u32(&s->out, *item);
			else
				rc = -EINVAL;
			break;
		case HTML_FOR:
			if (!html_is(op, "random_numbers"))
				return -EINVAL;
			for (k = 0; k < s->n && !rc; k++)
				rc = html_render(s, ops, i + 1, op->end, &s->numbers[k]);
			i = op->end;
			break;
		case HTML_ENDFOR:
			break;
		}
	}
	return rc;
}

/* The reference page, assembled without the engine. */
static int
html_reference(struct html_state *s)
{
	static const char *const esc[] = { ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
					   ['"'] = "&#34;", ['\''] = "&#39;" };
	struct html_buf b = { 0 };
	const char *var[2] = { s->username, s->cur_time };
	const char *lit[3] = { HTML_P0, HTML_P1, HTML_P2 };
	char tmp[64];
	size_t i, v;
	int rc = 0;

	for (v = 0; v < 2 && !rc; v++) {
		rc = html_buf_put(&b, lit[v], strlen(lit[v]));
		for (i = 0; var[v][i] && !rc; i++) {
			unsigned char c = (unsigned char)var[v][i];
			const char *e = c < sizeof(esc) / sizeof(esc[0]) ? esc[c] : NULL;

			rc = e ? html_buf_put(&b, e, strlen(e)) : html_buf_put(&b, var[v] + i, 1);
		}
	}
	rc = rc ? rc : html_buf_put(&b, HTML_P2, strlen(HTML_P2));
	for (i = 0; i < s->n && !rc; i++) {
		int len = snprintf(tmp, sizeof(tmp), HTML_ITEM0 "%u" HTML_ITEM1,
				   (unsigned)s->numbers[i]);

		rc = len < 0 ? -EIO : html_buf_put(&b, tmp, (size_t)len);
	}
	rc = rc ? rc : html_buf_put(&b, HTML_P3, strlen(HTML_P3));
	if (!rc) {
		s->ref_len = b.len;
		s->ref_checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, b.p, b.len);
	}
	free(b.p);
	return rc;
}

static int
html_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz<>&'\"";
	struct html_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed, t;
	size_t i;
	int rc;

	if (!s || !(s->numbers = malloc((param ? param : 1) * sizeof(uint32_t)))) {
		free(s);
		return jb_err_set(err, -ENOMEM, "html: cannot allocate %llu numbers",
				  (unsigned long long)param);
	}
	s->n = param;
	/* SeBS draws sample(range(0, 1000000), n); repeats do not matter to the renderer. */
	for (i = 0; i < s->n; i++)
		s->numbers[i] = (uint32_t)(workload_rng_next(&rng) % 1000000);
	for (i = 0; i < 12; i++)
		s->username[i] = name_chars[workload_rng_next(&rng) % (sizeof(name_chars) - 1)];
	/* A fixed, seeded "current time", so every invocation renders the same page. */
	t = workload_rng_next(&rng) % 86400;
	snprintf(s->cur_time, sizeof(s->cur_time), "2026-01-01 %02u:%02u:%02u",
		 (unsigned)(t / 3600), (unsigned)(t / 60 % 60), (unsigned)(t % 60));
	rc = html_reference(s);
	if (rc) {
		free(s->numbers);
		free(s);
		return jb_err_set(err, rc, "html: cannot build the reference page");
	}
	*state = s;
	return 0;
}

static int
html_run(void *state, struct workload_result *out)
{
	struct html_state *s = state;
	struct html_op ops[HTML_OPS_MAX];
	int n = html_compile(html_template, ops), rc;

	if (n < 0)
		return n;
	s->out.len = 0;
	rc = html_render(s, ops, 0, (size_t)n, NULL);
	if (rc)
		return rc;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->out.p, s->out.len);
	out->value = (double)s->out.len;
	out->work_units = (double)s->n;
	return 0;
}

static int
html_verify(void *state, const struct workload_result *res)
{
	const struct html_state *s = state;

	return res->checksum == s->ref_checksum && res->value == (double)s->ref_len ? 0
										     : -EBADMSG;
}

static int
html_dump_input(void *state, FILE *f)
{
	const struct html_state *s = state;
	size_t i;

	/* username, cur_time, then one number per line. */
	if (fprintf(f, "%s\n%s\n", s->username, s->cur_time) < 0)
		return -EIO;
	for (i = 0; i < s->n; i++)
		if (fprintf(f, "%u\n", (unsigned)s->numbers[i]) < 0)
			return -EIO;
	return 0;
}

static int
html_dump_output(void *state, FILE *f)
{
	const struct html_state *s = state;

	return fwrite(s->out.p, 1, s->out.len, f) == s->out.len ? 0 : -EIO;
}

static void
html_teardown(void *state)
{
	struct html_state *s = state;

	if (s) {
		free(s->numbers);
		free(s->out.p);
	}
	free(s);
}

const struct workload_desc workload_html = {
	.name = "html",
	.summary = "template render of a page listing N random numbers",
	.modeled_on = "SeBS 110.dynamic-html, FunctionBench chameleon",
	.work_unit = "item",
	.size_param = { 1000, 4000000, 12000000 },
	.size_param_name = "items",
	.setup = html_setup,
	.run = html_run,
	.verify = html_verify,
	.dump_input = html_dump_input,
	.dump_output = html_dump_output,
	.teardown = html_teardown,
};
