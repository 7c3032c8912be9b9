/* SPDX-License-Identifier: MIT */
/*
 * json: modeled on FunctionBench's json_dumps_loads, which turns JSON text into objects
 * and back. Setup generates N records {id, name, score, active, tags[]} from the seed (names
 * include quotes, backslashes and non-ASCII UTF-8, so escaping is exercised); run() builds
 * them as json-c objects, serializes the array to text, parses the text back with json-c
 * and walks the parsed tree. One unit of work is a record (serialized and parsed once).
 * verify() compares what the parse gave back (count, id sum, tag count, a digest of the
 * names, the score sum in the same order) with the same aggregates computed in setup from
 * the C records: json-c prints doubles with 17 significant digits, so they round-trip
 * exactly and the comparison is exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "workload-private.h"

#define JSON_NAME_MAX 24
#define JSON_TAGS_MAX 4

static const char *const json_tags[8] = {
	"alpha", "beta", "gamma", "delta", "new", "sale", "eu", "us",
};

/* Name pieces: plain ASCII, one needing an escape each, and two-byte UTF-8 (é, ü). */
static const char *const json_name_parts[8] = {
	"an", "ber", "ka", "\"q\"", "b\\s", "\xc3\xa9t", "m\xc3\xbc", "lo",
};

struct json_record {
	uint32_t id;
	uint8_t active;
	uint8_t ntags;
	uint8_t tags[JSON_TAGS_MAX];
	double score;
	char name[JSON_NAME_MAX];
};

/* What a walk of the parsed tree found; setup computes the same from the C records. */
struct json_summary {
	uint64_t records, id_sum, tags, active, name_hash;
	double score_sum;
};

struct json_state {
	size_t n;
	struct json_record *rec; /* input, never modified */
	char *text;              /* output of the last run: the serialized array */
	size_t text_len, text_cap;
	struct json_summary got, ref;
};

static void
json_summary_add(struct json_summary *s, uint32_t id, const char *name, size_t name_len,
		 double score, int active, size_t ntags)
{
	s->records++;
	s->id_sum += id;
	s->tags += ntags;
	s->active += active != 0;
	s->name_hash = workload_checksum_bytes(s->name_hash, name, name_len + 1);
	s->score_sum += score;
}

static int
json_setup(uint64_t param, uint64_t seed, void **state, struct jb_err *err)
{
	struct json_state *s = calloc(1, sizeof(*s));
	uint64_t rng = seed;
	size_t i, k;

	if (!s || !(s->rec = calloc(param ? param : 1, sizeof(*s->rec)))) {
		free(s);
		return jb_err_set(err, -ENOMEM, "json: cannot allocate %llu records",
				  (unsigned long long)param);
	}
	s->n = param;
	s->ref.name_hash = WORKLOAD_FNV_OFFSET;
	for (i = 0; i < s->n; i++) {
		struct json_record *r = &s->rec[i];
		uint64_t x = workload_rng_next(&rng);
		size_t parts = 1 + x % 4, len = 0;

		r->id = (uint32_t)(x >> 32);
		r->active = (uint8_t)(x >> 8 & 1);
		r->ntags = (uint8_t)(x >> 9 & 3) + 1;
		for (k = 0; k < r->ntags; k++)
			r->tags[k] = (uint8_t)(x >> (12 + 3 * k) & 7);
		for (k = 0; k < parts; k++) {
			const char *p = json_name_parts[x >> (24 + 3 * k) & 7];

			memcpy(r->name + len, p, strlen(p));
			len += strlen(p);
		}
		r->name[len] = '\0';
		r->score = workload_rng_double(&rng) * 1000.0;
		json_summary_add(&s->ref, r->id, r->name, len, r->score, r->active, r->ntags);
	}
	*state = s;
	return 0;
}

static struct json_object *
json_build(const struct json_state *s)
{
	struct json_object *arr = json_object_new_array_ext((int)s->n);
	size_t i, k;

	for (i = 0; arr && i < s->n; i++) {
		const struct json_record *r = &s->rec[i];
		struct json_object *o = json_object_new_object();
		struct json_object *tags = json_object_new_array_ext(r->ntags);

		if (!o || !tags) {
			json_object_put(o);
			json_object_put(tags);
			json_object_put(arr);
			return NULL;
		}
		for (k = 0; k < r->ntags; k++)
			json_object_array_add(tags, json_object_new_string(json_tags[r->tags[k]]));
		json_object_object_add(o, "id", json_object_new_int64(r->id));
		json_object_object_add(o, "name", json_object_new_string(r->name));
		json_object_object_add(o, "score", json_object_new_double(r->score));
		json_object_object_add(o, "active", json_object_new_boolean(r->active));
		json_object_object_add(o, "tags", tags);
		json_object_array_add(arr, o);
	}
	return arr;
}

static int
json_walk(struct json_object *root, struct json_summary *sum)
{
	size_t i, n;

	if (!json_object_is_type(root, json_type_array))
		return -EBADMSG;
	n = json_object_array_length(root);
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(root, i);
		struct json_object *id, *name, *score, *active, *tags;

		if (!json_object_object_get_ex(o, "id", &id) ||
		    !json_object_object_get_ex(o, "name", &name) ||
		    !json_object_object_get_ex(o, "score", &score) ||
		    !json_object_object_get_ex(o, "active", &active) ||
		    !json_object_object_get_ex(o, "tags", &tags))
			return -EBADMSG;
		json_summary_add(sum, (uint32_t)json_object_get_int64(id),
				 json_object_get_string(name),
				 (size_t)json_object_get_string_len(name),
				 json_object_get_double(score), json_object_get_boolean(active),
				 json_object_array_length(tags));
	}
	return 0;
}

static int
json_run(void *state, struct workload_result *out)
{
	struct json_state *s = state;
	struct json_object *root = json_build(s), *back;
	const char *text;
	size_t len;
	int rc;

	if (!root)
		return -ENOMEM;
	text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN, &len);
	if (!text) {
		json_object_put(root);
		return -ENOMEM;
	}
	if (len + 1 > s->text_cap) {
		char *t = realloc(s->text, len + 1);

		if (!t) {
			json_object_put(root);
			return -ENOMEM;
		}
		s->text = t;
		s->text_cap = len + 1;
	}
	memcpy(s->text, text, len + 1);
	s->text_len = len;
	json_object_put(root);

	back = json_tokener_parse(s->text);
	if (!back)
		return -EBADMSG;
	memset(&s->got, 0, sizeof(s->got));
	s->got.name_hash = WORKLOAD_FNV_OFFSET;
	rc = json_walk(back, &s->got);
	json_object_put(back);
	if (rc)
		return rc;
	out->checksum = workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->text, s->text_len);
	out->value = s->got.score_sum;
	out->work_units = (double)s->n;
	return 0;
}

static int
json_verify(void *state, const struct workload_result *res)
{
	const struct json_state *s = state;
	const struct json_summary *g = &s->got, *r = &s->ref;

	if (g->records != r->records || g->id_sum != r->id_sum || g->tags != r->tags ||
	    g->active != r->active || g->name_hash != r->name_hash ||
	    g->score_sum != r->score_sum || res->value != r->score_sum)
		return -EBADMSG;
	return res->checksum == workload_checksum_bytes(WORKLOAD_FNV_OFFSET, s->text, s->text_len)
		       ? 0
		       : -EBADMSG;
}

static int
json_dump_input(void *state, FILE *f)
{
	const struct json_state *s = state;
	size_t i, k;

	/* One record per line: id TAB score TAB active TAB name TAB tags joined by commas.
	 * Names hold no tab or newline, so they are written raw (UTF-8). */
	for (i = 0; i < s->n; i++) {
		const struct json_record *r = &s->rec[i];

		if (fprintf(f, "%u\t%.17g\t%u\t%s\t", r->id, r->score, r->active, r->name) < 0)
			return -EIO;
		for (k = 0; k < r->ntags; k++)
			if (fprintf(f, "%s%s", k ? "," : "", json_tags[r->tags[k]]) < 0)
				return -EIO;
		if (fputc('\n', f) == EOF)
			return -EIO;
	}
	return 0;
}

static int
json_dump_output(void *state, FILE *f)
{
	const struct json_state *s = state;

	/* The JSON text the last run serialized (and parsed back). */
	return fwrite(s->text, 1, s->text_len, f) == s->text_len ? 0 : -EIO;
}

static void
json_teardown(void *state)
{
	struct json_state *s = state;

	if (s) {
		free(s->rec);
		free(s->text);
	}
	free(s);
}

const struct workload_desc workload_json = {
	.name = "json",
	.summary = "serialize N records to JSON and parse them back (json-c)",
	.modeled_on = "FunctionBench json_dumps_loads",
	.work_unit = "record",
	.size_param = { 500, 30000, 90000 },
	.size_param_name = "records",
	.setup = json_setup,
	.run = json_run,
	.verify = json_verify,
	.dump_input = json_dump_input,
	.dump_output = json_dump_output,
	.teardown = json_teardown,
};
