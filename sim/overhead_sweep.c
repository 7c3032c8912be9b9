/* SPDX-License-Identifier: MIT */
/*
 * Sweeps of the overhead model (overhead_sweep.h): points are claimed from a shared
 * counter by worker threads, each point written only by the thread that claimed it.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overhead_sweep.h"

int
overhead_sweep_parse(const char *spec, const struct params *base,
		     struct overhead_sweep_axis *ax, struct jb_err *err)
{
	char list[1024], *tok, *save = NULL;
	const char *eq = strchr(spec, '=');
	int rc;

	memset(ax, 0, sizeof(*ax));
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(ax->key) ||
	    strlen(eq + 1) >= sizeof(list))
		return jb_err_set(err, -EINVAL, "--sweep wants KEY=V1,V2,..., not '%s'", spec);
	snprintf(ax->key, sizeof(ax->key), "%.*s", (int)(eq - spec), spec);
	snprintf(list, sizeof(list), "%s", eq + 1);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct params p = *base;

		if (ax->n == OVERHEAD_SWEEP_MAX)
			return jb_err_set(err, -EINVAL, "--sweep: at most %d values",
					  OVERHEAD_SWEEP_MAX);
		if ((rc = params_set(&p, ax->key, tok, "command line --sweep", err)))
			return rc == -ENOENT ? -EINVAL : rc;
		ax->idx = params_find(ax->key);
		ax->val[ax->n++] = p.v[ax->idx];
	}
	if (!ax->n)
		return jb_err_set(err, -EINVAL, "--sweep %s: no values", ax->key);
	return 0;
}

size_t
overhead_sweep_points(const struct overhead_sweep_job *job)
{
	return job->ax[0]->n * (job->ax[1] ? job->ax[1]->n : 1);
}

struct sweep_worker {
	const struct overhead_sweep_job *job;
	struct overhead_sweep_point *pt;
	atomic_size_t *next;
	unsigned inner;          /* threads of each simulation */
	int rc;
	struct jb_err err;
	size_t *done;            /* done[i] = 1 once point i holds a result */
};

static int
point_run(const struct sweep_worker *w, size_t i, struct jb_err *err)
{
	const struct overhead_sweep_job *job = w->job;
	size_t n2 = job->ax[1] ? job->ax[1]->n : 1;
	struct overhead_sweep_point *pt = &w->pt[i];
	struct params p = *job->base;
	struct trace own = { 0 };
	const struct trace *t = job->t;
	unsigned a;
	int rc;

	pt->value = job->ax[0]->val[i / n2];
	pt->value2 = job->ax[1] ? job->ax[1]->val[i % n2] : 0;
	for (a = 0; a < 2 && job->ax[a]; a++) {
		p.v[job->ax[a]->idx] = a ? pt->value2 : pt->value;
		snprintf(p.src[job->ax[a]->idx], PARAMS_SOURCE_LEN, "command line --sweep");
	}
	if (job->gen && ((job->ax[0] && !strncmp(job->ax[0]->key, "gen_", 4)) ||
			 (job->ax[1] && !strncmp(job->ax[1]->key, "gen_", 4)))) {
		if ((rc = trace_gen_create(&own, &p, job->gen_hours, job->seed, err))) {
			trace_fini(&own);
			return rc;
		}
		t = &own;
	}
	rc = overhead_simulate(t, &p, job->seed, 0, w->inner, &pt->r, err);
	trace_fini(&own);
	return rc;
}

static void *
worker_run(void *arg)
{
	struct sweep_worker *w = arg;
	size_t n = overhead_sweep_points(w->job), i;

	while (!w->rc && (i = atomic_fetch_add(w->next, 1)) < n) {
		w->rc = point_run(w, i, &w->err);
		if (!w->rc)
			w->done[i] = 1;
	}
	return NULL;
}

int
overhead_sweep_run(const struct overhead_sweep_job *job, struct overhead_sweep_point *pt,
		   struct jb_err *err)
{
	size_t n = overhead_sweep_points(job), i;
	unsigned nw = job->threads ? job->threads : 1, k, started = 0;
	atomic_size_t next = 0;
	struct sweep_worker *w;
	pthread_t *tid;
	size_t *done;
	int rc = 0;

	if (nw > n)
		nw = (unsigned)n;
	w = calloc(nw, sizeof(*w));
	tid = calloc(nw, sizeof(*tid));
	done = calloc(n, sizeof(*done));
	if (!w || !tid || !done) {
		free(w), free(tid), free(done);
		return jb_err_set(err, -ENOMEM, "out of memory for %zu sweep points", n);
	}
	for (k = 0; k < nw; k++) {
		w[k] = (struct sweep_worker){ .job = job, .pt = pt, .next = &next, .done = done };
		/* Fewer points than threads: the spare threads go to the simulations. */
		w[k].inner = (job->threads ? job->threads : 1) / nw;
		if (!w[k].inner)
			w[k].inner = 1;
	}
	for (k = 1; k < nw; k++) {
		if ((rc = pthread_create(&tid[k], NULL, worker_run, &w[k]))) {
			rc = jb_err_set(err, -rc, "cannot start sweep thread %u: %s", k, strerror(rc));
			atomic_store(&next, n); /* the started ones stop after their point */
			break;
		}
		started = k;
	}
	if (!rc)
		worker_run(&w[0]);
	for (k = 1; k <= started; k++)
		pthread_join(tid[k], NULL);
	for (k = 0; k < nw && !rc; k++)
		if (w[k].rc)
			rc = jb_err_set(err, w[k].rc, "%s", w[k].err.msg);
	if (rc)
		for (i = 0; i < n; i++)
			if (done[i])
				overhead_result_fini(&pt[i].r);
	free(w), free(tid), free(done);
	return rc;
}
