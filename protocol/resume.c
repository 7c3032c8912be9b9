/* SPDX-License-Identifier: MIT */
/*
 * Loading an interrupted run for --resume (resume.h). The CSV is the truth for what was
 * measured: rows are written a whole window at a time, so every window in the file is
 * complete, and a resumed run continues the window and invocation numbering after the
 * largest index found, never reusing one.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "resume.h"
#include "results.h"

struct resume_scan {
	struct resume_info *ri;
	struct jb_err *err;
	const char *path;
	/* Per workload, which warm windows were seen (windows are consecutive in the file). */
	uint64_t last_warm_rep[PROTO_WORKLOADS_MAX];
	int have_warm[PROTO_WORKLOADS_MAX];
	uint64_t last_warm_rep_all;
	int have_warm_all;
};

static struct proto_resume *
scan_workload(struct resume_scan *s, const char *name, size_t *idx)
{
	struct resume_info *ri = s->ri;
	size_t i;

	for (i = 0; i < ri->n_wl; i++)
		if (!strcmp(ri->wl[i].workload, name)) {
			*idx = i;
			return &ri->wl[i];
		}
	if (ri->n_wl == PROTO_WORKLOADS_MAX)
		return NULL;
	*idx = ri->n_wl;
	memset(&ri->wl[ri->n_wl], 0, sizeof(ri->wl[0]));
	snprintf(ri->wl[ri->n_wl].workload, sizeof(ri->wl[0].workload), "%s", name);
	return &ri->wl[ri->n_wl++];
}

static int
scan_row(void *arg, const char *const *f, unsigned long record)
{
	struct resume_scan *s = arg;
	struct proto_resume *w;
	uint64_t rep, inv;
	size_t i;

	if (strcmp(f[RESULTS_COL_INDEX_run_id], s->ri->run_id) != 0)
		return jb_err_set(s->err, -EINVAL, "%s: record %lu belongs to run %s, not %s",
				  s->path, record, f[RESULTS_COL_INDEX_run_id], s->ri->run_id);
	if (results_field_u64(f[RESULTS_COL_INDEX_rep], &rep) ||
	    results_field_u64(f[RESULTS_COL_INDEX_invocation], &inv))
		return jb_err_set(s->err, -EINVAL, "%s: record %lu: bad rep or invocation", s->path,
				  record);
	w = scan_workload(s, f[RESULTS_COL_INDEX_workload], &i);
	if (!w)
		return jb_err_set(s->err, -E2BIG, "%s: too many workloads", s->path);
	if (rep + 1 > w->next_rep)
		w->next_rep = rep + 1;
	if (inv + 1 > w->next_invocation)
		w->next_invocation = inv + 1;
	if (!strcmp(f[RESULTS_COL_INDEX_phase], "cold"))
		w->has_cold = 1;
	if (!strcmp(f[RESULTS_COL_INDEX_phase], "warm") &&
	    (!s->have_warm[i] || s->last_warm_rep[i] != rep)) {
		s->have_warm[i] = 1;
		s->last_warm_rep[i] = rep;
		w->warm_windows++;
	}
	/* Over all workloads: a co-located window's rows (of several workloads) are written
	 * together, so a change of rep among warm rows is a new window. */
	if (rep + 1 > s->ri->all.next_rep)
		s->ri->all.next_rep = rep + 1;
	if (inv + 1 > s->ri->all.next_invocation)
		s->ri->all.next_invocation = inv + 1;
	if (!strcmp(f[RESULTS_COL_INDEX_phase], "warm") &&
	    (!s->have_warm_all || s->last_warm_rep_all != rep)) {
		s->have_warm_all = 1;
		s->last_warm_rep_all = rep;
		s->ri->all.warm_windows++;
	}
	s->ri->rows++;
	return 0;
}

static int
load_sidecar(const char *path, struct resume_info *ri, struct jb_err *err)
{
	struct results_meta_resume m;
	int rc, i;

	/* Every field is validated there: a damaged sidecar is one line and exit 2. */
	rc = results_meta_read_resume(path, &m, err);
	if (rc)
		return rc;
	if (m.completed) {
		results_meta_resume_fini(&m);
		return jb_err_set(err, -EALREADY, "%s: the run completed; nothing to resume", path);
	}
	snprintf(ri->run_id, sizeof(ri->run_id), "%s", m.run_id);
	ri->started_unix_ns = m.started_unix_ns;
	_Static_assert(RESULTS_META_RESUMES_MAX <= PROTO_RESUMES_MAX, "resume slots");
	_Static_assert(RESULTS_META_ARGV_MAX <= sizeof(ri->command) / sizeof(ri->command[0]), "argv");
	memcpy(ri->resumed_unix_ns, m.resumed_unix_ns, sizeof(m.resumed_unix_ns));
	ri->n_resumed = m.n_resumed;
	/* The strings change owner: resume_info_fini() frees them. */
	for (i = 0; i < m.argc; i++)
		ri->command[i] = m.argv[i];
	ri->n_command = m.argc;
	ri->id = m.id;
	_Static_assert(RESULTS_META_RESUMES_MAX <= PROTO_RESUMES_MAX, "host changes");
	memcpy(ri->host_changes, m.host_changes, sizeof(m.host_changes));
	ri->n_host_changes = m.n_host_changes;
	return 0;
}

int
resume_load(const char *path, struct resume_info *ri, struct jb_err *err)
{
	struct resume_scan scan = { .ri = ri, .err = err, .path = path };
	int rc;

	memset(ri, 0, sizeof(*ri));
	rc = load_sidecar(path, ri, err);
	if (!rc)
		rc = results_trim_partial(path, err);
	if (!rc)
		rc = results_read(path, scan_row, &scan, err);
	return rc;
}

void
resume_info_fini(struct resume_info *ri)
{
	int i;

	for (i = 0; i < ri->n_command; i++)
		free(ri->command[i]);
	ri->n_command = 0;
}

int
resume_identity_check(const struct results_meta_identity *was,
		      const struct results_meta_identity *now, int allow_host,
		      struct jb_err *err)
{
	static const struct {
		const char *what;
		size_t off;
	} field[] = {
		{ "meter", offsetof(struct results_meta_identity, meter) },
		{ "domains", offsetof(struct results_meta_identity, domains) },
		{ "driver", offsetof(struct results_meta_identity, driver) },
		{ "runtime", offsetof(struct results_meta_identity, runtime) },
		{ "runtime binary", offsetof(struct results_meta_identity, runtime_path) },
		{ "function runner (--fn)", offsetof(struct results_meta_identity, fn_path) },
		{ "joulebench version", offsetof(struct results_meta_identity, version) },
	};
	size_t i;

	for (i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		const char *a = (const char *)was + field[i].off, *b = (const char *)now + field[i].off;

		if (strcmp(a, b))
			return jb_err_set(err, -EINVAL, "--resume: the run measured with %s '%s'; "
					  "this one would use '%s': refused (one file, one setup)",
					  field[i].what, a, b);
	}
	if (!strcmp(was->host, now->host))
		return 0;
	if (allow_host)
		return 1;
	return jb_err_set(err, -EINVAL, "--resume: the run began on host '%s'; this is host '%s': "
			  "refused (give --resume-allow-host-change to continue it here on purpose)",
			  was->host, now->host);
}
