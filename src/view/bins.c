/* bins: a trace span cut into equal columns, with each CPU's on-CPU time
 * per cgroup class and each worker's on-CPU time per column.  Drawing
 * from columns instead of slices keeps the page's size bounded by its
 * pixels, however many slices a trace holds. */
#include "view.h"
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

/* Adds [s, e) of a task of class cls (worker w) on cpu to the columns. */
static void add_span(struct v_bins *b, int cpu, int cls, int w, int64_t s, int64_t e)
{
	if (s < b->lo)
		s = b->lo;
	if (e > b->hi)
		e = b->hi;
	if (e <= s)
		return;
	double x0 = (double)(s - b->lo) / b->col_ns, x1 = (double)(e - b->lo) / b->col_ns;
	int c0 = (int)x0, c1 = (int)x1;
	if (c1 >= b->ncol)
		c1 = b->ncol - 1;
	for (int c = c0; c <= c1; c++) {
		double a = c > c0 ? c : x0, z = c < c1 ? c + 1 : x1;
		float ns = (float)((z - a) * b->col_ns);
		if (ns <= 0)
			continue;
		v_bin(b, cpu, c)[cls] += ns;
		if (w >= 0)
			b->worker[(size_t)w * (size_t)b->ncol + (size_t)c] += ns;
	}
}

void v_bins_fill(struct v_bins *b, const struct v_run *r, int64_t lo, int64_t hi, int ncol)
{
	const struct timeline *tl = r->tl;
	memset(b, 0, sizeof(*b));
	b->ncol = ncol > 0 ? ncol : 1;
	b->nclass = r->ncg + 1;
	b->ncpu = tl && tl->cpu && tl->ncpus > 0 ? tl->ncpus : 0;
	b->nworker = r->nw;
	b->lo = lo, b->hi = hi > lo ? hi : lo + 1;
	b->col_ns = (double)(b->hi - b->lo) / b->ncol;
	b->cpu = v_alloc((size_t)(b->ncpu ? b->ncpu : 1) * (size_t)b->ncol * (size_t)b->nclass * sizeof(float));
	b->worker = v_alloc((size_t)(b->nworker ? b->nworker : 1) * (size_t)b->ncol * sizeof(float));
	for (int c = 0; c < b->ncpu; c++) {
		const struct tl_cpu *cpu = &tl->cpu[c];
		/* slices run from one sched_switch to the next, so a pid
		 * usually repeats: look it up once per run of it */
		int32_t last_pid = 0;
		int cls = r->ncg, w = -1;
		for (size_t k = 0; cpu->slice && k < cpu->nslice; k++) {
			const struct tl_slice *s = &cpu->slice[k];
			if (s->end_ns <= lo || s->start_ns >= hi || s->pid == 0)
				continue;
			if (k == 0 || s->pid != last_pid)
				cls = v_class_of(r, s->pid, &w), last_pid = s->pid;
			add_span(b, c, cls, w, s->start_ns, s->end_ns);
		}
	}
}

void v_bins_free(struct v_bins *b)
{
	free(b->cpu);
	free(b->worker);
	memset(b, 0, sizeof(*b));
}
