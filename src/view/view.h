/* view: what the parts of the HTML renderer share (internal to src/view):
 * a run read out of its result JSON once (the model), the page-wide
 * scales that keep A and B comparable, time binning of the trace, and
 * escaping and formatting. */
#ifndef KTSTR_VIEW_H
#define KTSTR_VIEW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;
struct timeline;
struct html_run;

#define V_MAX_CPUS 1024
#define V_UNKNOWN INT64_MIN	/* a time the result does not carry */
#define V_PALETTE 10		/* cgroup colours before they repeat */
/* Times beyond this (11 days) are garbage, and their differences could
 * overflow: such a time counts as missing. */
#define V_MAX_TIME 1000000000000000ll

struct v_cpus {
	uint64_t bits[V_MAX_CPUS / 64];
};

struct v_worker {
	const struct cJSON *rec;
	int cg;				/* index into v_run.cg */
	int32_t pid, tid;
	int step, index;
	bool sentinel;
	int64_t start_ns;		/* start_at_ns, or V_UNKNOWN (older results) */
	int64_t wall_ns, cpu_ns, max_gap_ns, max_gap_at_ns;
	int max_gap_cpu;
	/* what a failed claim points at: its worst gap (the step's, for a
	 * step's claim), or its longest runnable wait in the trace */
	bool marked, mark_is_wait;
	int64_t mark_len_ns, mark_from_ns, mark_to_ns;	/* V_UNKNOWN: cannot be placed */
	char mark_claim[200];		/* the claims, in words */
	struct v_cpus outside;		/* CPUs it ran on outside its cpuset, failed isolation */
	bool has_outside;
};

struct v_step {
	int step;
	const char *name;
	int64_t start_ns, end_ns;	/* V_UNKNOWN when missing */
};

struct v_event {
	int64_t at_ns;
	const char *event, *name, *why;
	bool failure;			/* ejected, exited, error: the scheduler failed */
};

/* pid or tid -> cgroup class and worker, sorted by pid for bsearch */
struct v_pid {
	int32_t pid;
	int cls, worker;		/* worker -1: a thread worker's container process */
};

/* A value held over [a, z): a cgroup's CPU share, in CPUs */
struct v_seg {
	int64_t a, z;
	double v;
};

struct v_series {
	struct v_seg *seg;
	int nseg;
	bool traced;			/* from the trace, else from per-step telemetry */
};

struct v_note {
	char text[600];
};

struct v_run {
	const struct cJSON *r;
	const struct timeline *tl;
	const char *label;
	const char **cg;		/* cgroup names, in the result's order */
	int ncg;
	int *color;			/* palette slot of each cgroup (page-wide, by name) */
	struct v_worker *w;
	int nw;
	struct v_step *step;
	int nstep;
	struct v_event *ev;
	int nev;
	struct v_pid *pid;
	int npid;
	struct v_note *note;		/* evidence of failed claims, in words */
	int nnote;
	int64_t backdrop_ns, end_ns;
	int64_t lo, hi;			/* what this run's records and trace span */
	int ncpus;			/* 0: unknown */
	struct v_cpus iso;		/* CPUs some cgroup ran on outside its cpuset */
	struct v_series *share;		/* per cgroup, once the page's span is known */
};

/* What A and B share, so the eye can compare them. */
struct v_page {
	FILE *out;
	struct v_run *run;
	int nrun;
	const char **cgname;		/* every run's cgroups: a name has one colour */
	int ncgname;
	int plot_w, chart_w;		/* px: timeline plot area, one small chart */
	int64_t lo, hi;			/* the time span every timeline draws */
	int64_t trace_lo, trace_hi;	/* where the traces have data (lo > hi: none) */
	double share_max;		/* CPUs: top of every share chart */
	double cdf_lo, cdf_hi;		/* log10(us): the CDF charts' x range */
};

/* model.c */
void v_run_read(struct v_run *r, const struct html_run *in);
void v_run_free(struct v_run *r);
/* Class of a traced task: its cgroup's index, or r->ncg for a task that
 * is no worker; *worker: its worker index or -1. */
int v_class_of(const struct v_run *r, int32_t pid, int *worker);
/* evidence.c: marks and words for the failed claims */
void v_find_evidence(struct v_run *r);
/* Where the trace has data, if anywhere sane. */
bool v_trace_span(const struct timeline *tl, int64_t *first, int64_t *last);
const struct tl_task *v_trace_task(const struct v_run *r, int32_t pid);
/* Events the trace lost, by whichever count the result carries. */
double v_trace_lost(const struct cJSON *trace);
/* The window of step epoch (0: the backdrop) in executor time. */
bool v_step_window(const struct v_run *r, int epoch, int64_t *from, int64_t *to);
const char *v_cg_display(const char *name);

/* bins.c: on-CPU time of a trace span cut into columns. */
struct v_bins {
	int ncol, nclass, ncpu, nworker;
	int64_t lo, hi;
	double col_ns;
	float *cpu;			/* [cpu][col][class] ns */
	float *worker;			/* [worker][col] ns */
};
void v_bins_fill(struct v_bins *b, const struct v_run *r, int64_t lo, int64_t hi, int ncol);
void v_bins_free(struct v_bins *b);
static inline float *v_bin(const struct v_bins *b, int cpu, int col)
{
	return b->cpu + ((size_t)cpu * (size_t)b->ncol + (size_t)col) * (size_t)b->nclass;
}

extern const char *const v_palette[V_PALETTE];

/* timeline_svg.c: the per-CPU and per-worker timeline with its evidence. */
void v_timeline_section(struct v_page *pg, const struct v_run *r);
/* plots.c: one cgroup's CPU share over time and wake-latency CDF. */
void v_share_compute(struct v_run *r, int64_t lo, int64_t hi);
void v_cgroup_plots(struct v_page *pg, const struct v_run *r, const char *cgname);
/* The wake-latency samples of a cgroup's workers, sorted, in ns. */
size_t v_wake_samples(const struct v_run *r, int cg, double **out);

/* text.c */
void v_esc(FILE *f, const char *s);
void v_esc_max(FILE *f, const char *s, size_t max_chars);
const char *v_dur(char *buf, size_t n, double ns);
const char *v_secs(char *buf, size_t n, double ns, double step_ns);
double v_nice_step(double span, int max_ticks);
/* JSON read tolerantly: NULL or false for anything missing or ill-typed */
const struct cJSON *v_jget(const struct cJSON *o, const char *k);
const char *v_jstr(const struct cJSON *o, const char *k);
bool v_is_type(const struct cJSON *rec, const char *type);
bool v_jnum(const struct cJSON *o, const char *k, double *out);
int64_t v_ji64(const struct cJSON *o, const char *k, int64_t dflt);
int64_t v_jtime(const struct cJSON *o, const char *k, int64_t dflt);	/* ns, within +-11 days */
int v_jint(const struct cJSON *o, const char *k, int dflt);
bool v_cpus_parse(const char *text, struct v_cpus *s);
void v_cpus_from_json(const struct cJSON *arr, struct v_cpus *s);
void v_cpus_format(const struct v_cpus *s, char *out, size_t n);
bool v_cpus_has(const struct v_cpus *s, int cpu);
void v_cpus_set(struct v_cpus *s, int cpu);
bool v_cpus_any(const struct v_cpus *s);
void *v_alloc(size_t n);
void *v_grow(void *p, size_t n);

/* A string being built (SVG path data) */
struct v_buf {
	char *p;
	size_t n, cap;
};
void v_buf_printf(struct v_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
