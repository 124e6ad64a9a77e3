/* figure: what the timeline's parts share (internal to src/view): its
 * geometry, the class names of its rows and marks, and one figure being
 * drawn. */
#ifndef KTSTR_FIGURE_H
#define KTSTR_FIGURE_H

#include "view.h"

enum {
	LABEL_W = 170,		/* row labels, left of the plot */
	RIGHT_W = 16,
	TOP_H = 42,		/* scheduler and step labels above the rows */
	CPU_H = 14,
	CPU_GAP = 3,
	WORKER_H = 11,
	WORKER_GAP = 4,
	BLOCK_GAP = 12,
	AXIS_H = 26,
	CHAR_W = 6,		/* about one 11px character */
	MAX_OVERVIEW_WORKERS = 64,
	MAX_WINDOW_WORKERS = 16,
	MAX_WINDOWS = 20,
};
#define WINDOW_NS 1e9
#define BLANK_BELOW 0.02	/* a pixel less busy than this stays blank */
#define SOLID_FROM 0.5		/* busier than this: solid, else pale */

/* The class names of a figure's rows and marks (overview or window). */
struct row_classes {
	const char *cpu, *worker, *gap, *sched, *iso;
};

struct fig {
	FILE *f;
	const struct v_run *r;
	int64_t lo, hi;
	int w;				/* plot width, px: one column each */
	const struct row_classes *cls;
	const struct v_bins *b;		/* NULL: no trace */
	const int *rows;		/* the workers drawn */
	int nrows;
	int bottom;			/* y below the last row */
};

static inline double fx(const struct fig *g, int64_t t)
{
	double x = (double)(t - g->lo) * g->w / (double)(g->hi - g->lo);
	return LABEL_W + (x < 0 ? 0 : x > g->w ? g->w : x);
}

static inline bool in_span(const struct fig *g, int64_t t)
{
	return t != V_UNKNOWN && t >= g->lo && t <= g->hi;
}

static inline const char *class_name(const struct v_run *r, int cls, char *buf, size_t n)
{
	if (cls < 0 || cls >= r->ncg)
		return "cx";
	snprintf(buf, n, "c%d", r->color[cls] % V_PALETTE);
	return buf;
}

static inline const char *class_label(const struct v_run *r, int cls)
{
	return cls < r->ncg ? v_cg_display(r->cg[cls]) : "other tasks";
}

/* rows_svg.c */
void v_cpu_row(const struct fig *g, int cpu, int y);
void v_worker_row(const struct fig *g, int wi, int y);

#endif
