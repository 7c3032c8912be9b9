/* SPDX-License-Identifier: MIT */
/*
 * A bounded CPU load for the meter checks (meter_check.h): one spinning thread per chosen
 * CPU, pinned there, stopped by an atomic flag. The liveness probe and the load ladder use
 * it to make a package's power move, so that a counter which does not follow is caught.
 * Each thread reports the CPU time it really got, because on a shared machine a spinning
 * thread is not always running: the ladder's x axis is busy cores measured, not asked for.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meter_check.h"

struct load_thread {
	pthread_t tid;
	int cpu;
	uint64_t cpu_ns; /* CPU time the thread got, written before it exits */
	const atomic_int *stop;
};

struct meter_load {
	atomic_int stop;
	size_t n;
	struct load_thread t[];
};

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
load_spin(void *arg)
{
	struct load_thread *t = arg;
	uint64_t c0 = thread_cpu_ns();
	volatile uint64_t x = 1;

	/* Integer work the compiler cannot drop, checking the flag every few thousand steps. */
	while (!atomic_load_explicit(t->stop, memory_order_relaxed)) {
		unsigned i;

		for (i = 0; i < 4096; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
	}
	t->cpu_ns = thread_cpu_ns() - c0;
	return NULL;
}

int
meter_cores_allowed(int *cores, size_t max)
{
	cpu_set_t set;
	size_t n = 0;
	int cpu;

	if (max == 0)
		return -EINVAL;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		cores[0] = 0;
		return 1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
		if (CPU_ISSET(cpu, &set))
			cores[n++] = cpu;
	if (n == 0)
		cores[n++] = 0;
	return (int)n;
}

int
meter_load_start(struct meter_load **out, const int *cores, size_t n_cores,
		 struct jb_err *err)
{
	struct meter_load *l;
	size_t i;
	int rc;

	*out = NULL;
	if (n_cores > METER_CORES_MAX)
		return jb_err_set(err, -EINVAL, "load on %zu CPUs: at most %d", n_cores,
				  METER_CORES_MAX);
	l = calloc(1, sizeof(*l) + n_cores * sizeof(l->t[0]));
	if (!l)
		return jb_err_set(err, -ENOMEM, "load: out of memory");
	atomic_init(&l->stop, 0);
	for (i = 0; i < n_cores; i++) {
		pthread_attr_t attr;
		cpu_set_t set;

		l->t[i].cpu = cores[i];
		l->t[i].stop = &l->stop;
		pthread_attr_init(&attr);
		if (cores[i] >= 0 && cores[i] < CPU_SETSIZE) {
			CPU_ZERO(&set);
			CPU_SET(cores[i], &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		}
		rc = pthread_create(&l->t[i].tid, &attr, load_spin, &l->t[i]);
		pthread_attr_destroy(&attr);
		if (rc == EINVAL) /* a CPU outside our cpuset: spin where the scheduler says */
			rc = pthread_create(&l->t[i].tid, NULL, load_spin, &l->t[i]);
		if (rc) {
			l->n = i;
			meter_load_stop(l);
			return jb_err_set(err, -rc, "load: cannot start a thread on CPU %d: %s",
					  cores[i], strerror(rc));
		}
	}
	l->n = n_cores;
	*out = l;
	return 0;
}

uint64_t
meter_load_stop(struct meter_load *l)
{
	uint64_t cpu_ns = 0;
	size_t i;

	if (!l)
		return 0;
	atomic_store(&l->stop, 1);
	for (i = 0; i < l->n; i++) {
		pthread_join(l->t[i].tid, NULL);
		cpu_ns += l->t[i].cpu_ns;
	}
	free(l);
	return cpu_ns;
}
