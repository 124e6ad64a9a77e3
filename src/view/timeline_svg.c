/* timeline_svg: a run drawn against time as inline SVG — one row per CPU
 * (who ran there, coloured by cgroup), one per worker (when it ran), step
 * boundaries, scheduler failures and the evidence of failed claims (gap
 * marks, CPUs outside a cpuset): an overview of the whole run, and
 * windows of about a second each for a longer one. */
#include "view.h"
#include "timeline.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The overview carries the names tests and tools count; the windows
 * repeat its content under other names, so the count of cpu-row groups
 * stays the CPU count. */
struct row_classes {
	const char *cpu, *worker, *gap, *sched, *iso;
};
static const struct row_classes overview_cls = {"cpu-row", "worker-row", "gap-mark", "sched-event", "iso-cpu"};
static const struct row_classes window_cls = {"zcpu", "zworker", "zgap", "zsched", "ziso"};

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

static double fx(const struct fig *g, int64_t t)
{
	double x = (double)(t - g->lo) * g->w / (double)(g->hi - g->lo);
	return LABEL_W + (x < 0 ? 0 : x > g->w ? g->w : x);
}

static bool in_span(const struct fig *g, int64_t t)
{
	return t != V_UNKNOWN && t >= g->lo && t <= g->hi;
}

static const char *class_name(const struct v_run *r, int cls, char *buf, size_t n)
{
	if (cls < 0 || cls >= r->ncg)
		return "cx";
	snprintf(buf, n, "c%d", r->color[cls] % V_PALETTE);
	return buf;
}

static const char *class_label(const struct v_run *r, int cls)
{
	return cls < r->ncg ? v_cg_display(r->cg[cls]) : "other tasks";
}

/* ---- run-length encoded rows ----------------------------------------------------- */

/* Equal neighbouring columns become one segment; each key's segments
 * one path (relative moves keep it short). */
struct runs {
	int nkey;
	struct v_buf *d;
	int *end;
	double *ns;			/* time under each key, for its tooltip */
};

static void runs_init(struct runs *rs, int nkey)
{
	rs->nkey = nkey;
	rs->d = v_alloc((size_t)nkey * sizeof(*rs->d));
	rs->end = v_alloc((size_t)nkey * sizeof(*rs->end));
	rs->ns = v_alloc((size_t)nkey * sizeof(*rs->ns));
}

static void runs_free(struct runs *rs)
{
	for (int k = 0; k < rs->nkey; k++)
		free(rs->d[k].p);
	free(rs->d);
	free(rs->end);
	free(rs->ns);
}

static void runs_add(struct runs *rs, int key, int x, int len, int ymid)
{
	struct v_buf *d = &rs->d[key];
	if (!d->n)
		v_buf_printf(d, "M%d %dh%d", x, ymid, len);
	else
		v_buf_printf(d, "m%d 0h%d", x - rs->end[key], len);
	rs->end[key] = x + len;
}

/* keys[c] per column, -1 blank */
static void runs_encode(struct runs *rs, const int *keys, int ncol, int ymid)
{
	int start = 0;
	for (int c = 1; c <= ncol; c++) {
		if (c < ncol && keys[c] == keys[start])
			continue;
		if (keys[start] >= 0)
			runs_add(rs, keys[start], LABEL_W + start, c - start, ymid);
		start = c;
	}
}

/* ---- CPU rows ---------------------------------------------------------------- */

static int cpu_key(const struct v_bins *b, int cpu, int col, double *class_ns)
{
	const float *v = v_bin(b, cpu, col);
	double busy = 0, best = 0;
	int d = -1;
	for (int k = 0; k < b->nclass; k++) {
		busy += v[k];
		class_ns[k] += v[k];
		if (v[k] > best)
			best = v[k], d = k;
	}
	if (busy < BLANK_BELOW * b->col_ns || d < 0)
		return -1;
	return d * 2 + (busy >= SOLID_FROM * b->col_ns ? 0 : 1);
}

static void cpu_row_title(const struct fig *g, int cpu, const double *class_ns)
{
	double span = (double)(g->hi - g->lo), busy = 0;
	for (int k = 0; k < g->b->nclass; k++)
		busy += class_ns[k];
	fprintf(g->f, "<title>CPU %d: busy %.0f%% of the time shown", cpu, 100 * busy / span);
	for (int k = 0; k < g->b->nclass; k++)
		if (class_ns[k] > 0) {
			fprintf(g->f, "%s", k ? ", " : " \xe2\x80\x94 ");
			v_esc(g->f, class_label(g->r, k));
			fprintf(g->f, " %.1f%%", 100 * class_ns[k] / span);
		}
	if (v_cpus_has(&g->r->iso, cpu))
		fprintf(g->f, ". A cgroup with a failed isolation claim ran here, outside its cpuset.");
	fprintf(g->f, "</title>");
}

static void cpu_paths(const struct fig *g, const struct runs *rs, int cpu)
{
	char buf[16];
	for (int key = 0; key < rs->nkey; key++) {
		if (!rs->d[key].n)
			continue;
		int cls = key / 2;
		fprintf(g->f, "<path class=\"%s%s\" d=\"%s\"><title>CPU %d: ", class_name(g->r, cls, buf, sizeof(buf)),
			key % 2 ? " lt" : "", rs->d[key].p, cpu);
		v_esc(g->f, class_label(g->r, cls));
		fprintf(g->f, "%s</title></path>", key % 2 ? " (pale: the CPU was busy less than half of that pixel)" : "");
	}
}

static void cpu_row(const struct fig *g, int cpu, int y)
{
	const struct v_bins *b = g->b;
	int *keys = v_alloc((size_t)b->ncol * sizeof(*keys));
	double *class_ns = v_alloc((size_t)b->nclass * sizeof(*class_ns));
	struct runs rs;
	runs_init(&rs, 2 * b->nclass);
	for (int c = 0; c < b->ncol; c++)
		keys[c] = cpu_key(b, cpu, c, class_ns);
	runs_encode(&rs, keys, b->ncol, CPU_H / 2);
	bool iso = v_cpus_has(&g->r->iso, cpu);
	fprintf(g->f, "<g class=\"%s\" data-cpu=\"%d\" transform=\"translate(0,%d)\">", g->cls->cpu, cpu, y);
	cpu_row_title(g, cpu, class_ns);
	if (iso)
		fprintf(g->f, "<rect class=\"%s\" x=\"0\" y=\"-2\" width=\"%d\" height=\"%d\"/>", g->cls->iso,
			LABEL_W + g->w, CPU_H + 4);
	fprintf(g->f, "<rect class=\"rowbg\" x=\"%d\" width=\"%d\" height=\"%d\"/>", LABEL_W, g->w, CPU_H);
	fprintf(g->f, "<text class=\"rl%s\" x=\"%d\" y=\"%d\">%sCPU %d</text>", iso ? " bad" : "", LABEL_W - 6,
		CPU_H - 3, iso ? "\xe2\x9a\xa0 outside cpuset: " : "", cpu);
	cpu_paths(g, &rs, cpu);
	fprintf(g->f, "</g>\n");
	runs_free(&rs);
	free(class_ns);
	free(keys);
}

/* ---- worker rows ----------------------------------------------------------------- */

static const struct tl_task *trace_task(const struct v_run *r, int32_t pid)
{
	for (size_t i = 0; r->tl && r->tl->task && i < r->tl->ntask; i++)
		if (r->tl->task[i].pid == pid)
			return &r->tl->task[i];
	return NULL;
}

static void worker_title(const struct fig *g, const struct v_worker *w, double traced_ns)
{
	const struct v_run *r = g->r;
	const char *work = v_jstr(w->rec, "work");
	char a[32], b[32];
	fprintf(g->f, "<title>pid %d, cgroup ", w->tid);
	v_esc(g->f, v_cg_display(r->cg[w->cg]));
	fprintf(g->f, ", ");
	v_esc(g->f, work ? work : "?");
	fprintf(g->f, " worker %d of step %d%s; ", w->index, w->step, w->sentinel ? " (never reported)" : "");
	if (w->start_ns != V_UNKNOWN)
		fprintf(g->f, "ran from %s to %s; ", v_secs(a, sizeof(a), (double)w->start_ns, 1e6),
			v_secs(b, sizeof(b), (double)(w->start_ns + w->wall_ns), 1e6));
	fprintf(g->f, "on CPU %s of its %s (telemetry); longest gap %s", v_dur(a, sizeof(a), (double)w->cpu_ns),
		v_dur(b, sizeof(b), (double)w->wall_ns), v_dur(b, sizeof(b), (double)w->max_gap_ns));
	if (g->b)
		fprintf(g->f, "; trace: on a CPU %.1f%% of the time shown", 100 * traced_ns / (double)(g->hi - g->lo));
	const struct tl_task *t = trace_task(r, w->tid);
	if (t && t->max_wait_ns)
		fprintf(g->f, ", longest runnable wait %s, until %s on CPU %d", v_dur(a, sizeof(a), (double)t->max_wait_ns),
			v_secs(b, sizeof(b), (double)t->max_wait_end_ns, 1e6), t->max_wait_cpu);
	if (w->marked) {
		fprintf(g->f, ". Failed: ");
		v_esc(g->f, w->mark_claim);
	}
	fprintf(g->f, "</title>");
}

static void worker_label(const struct fig *g, const struct v_worker *w)
{
	fprintf(g->f, "<text class=\"rl wl%s\" x=\"%d\" y=\"%d\">", w->marked || w->has_outside ? " bad" : "",
		LABEL_W - 6, WORKER_H - 2);
	v_esc_max(g->f, v_cg_display(g->r->cg[w->cg]), 16);
	fprintf(g->f, " pid %d</text>", w->tid);
}

/* From the trace: the share of each column the worker was on a CPU. */
static double traced_paths(const struct fig *g, int wi)
{
	const struct v_bins *b = g->b;
	const float *on = b->worker + (size_t)wi * (size_t)b->ncol;
	int *keys = v_alloc((size_t)b->ncol * sizeof(*keys));
	double total = 0;
	struct runs rs;
	runs_init(&rs, 2);
	for (int c = 0; c < b->ncol; c++) {
		total += on[c];
		keys[c] = on[c] < BLANK_BELOW * b->col_ns ? -1 : on[c] >= SOLID_FROM * b->col_ns ? 0 : 1;
	}
	runs_encode(&rs, keys, b->ncol, WORKER_H / 2);
	char buf[16];
	const char *cls = class_name(g->r, g->r->w[wi].cg, buf, sizeof(buf));
	for (int k = 0; k < 2; k++)
		if (rs.d[k].n)
			fprintf(g->f, "<path class=\"%s%s\" d=\"%s\"/>", cls, k ? " lt" : "", rs.d[k].p);
	runs_free(&rs);
	free(keys);
	return total;
}

static void phase_rect(const struct fig *g, const struct v_worker *w, const cJSON *ph, int64_t a, int64_t z)
{
	double cpu = 0, wall = 0;
	char buf[16], d1[32], d2[32];
	v_jnum(ph, "cpu_ns", &cpu);
	v_jnum(ph, "wall_ns", &wall);
	double share = wall > 0 ? cpu / wall : 0;
	if (share > 1)
		share = 1;
	double x0 = fx(g, a), x1 = fx(g, z);
	fprintf(g->f, "<rect class=\"%s\" x=\"%.1f\" width=\"%.1f\" height=\"%d\" fill-opacity=\"%.2f\">",
		class_name(g->r, w->cg, buf, sizeof(buf)), x0, x1 - x0 > 1 ? x1 - x0 : 1, WORKER_H,
		0.12 + 0.88 * share);
	fprintf(g->f, "<title>step %d: on CPU %s of %s (%.0f%%, telemetry: without a trace only per step)</title></rect>",
		(int)v_ji64(ph, "epoch", 0), v_dur(d1, sizeof(d1), cpu), v_dur(d2, sizeof(d2), wall), 100 * share);
}

/* Without a trace: each step slice of the worker's telemetry, as dense
 * as its CPU share, placed in its step's window (cut to the worker's
 * life when the result says when it started). */
static void telemetry_rects(const struct fig *g, const struct v_worker *w)
{
	const cJSON *ph;
	int placed = 0;
	cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(w->rec, "phases")) {
		int64_t a, z;
		if (!v_step_window(g->r, (int)v_ji64(ph, "epoch", -1), &a, &z))
			continue;
		if (w->start_ns != V_UNKNOWN) {
			a = a > w->start_ns ? a : w->start_ns;
			z = z < w->start_ns + w->wall_ns ? z : w->start_ns + w->wall_ns;
		}
		if (z > a && z > g->lo && a < g->hi) {
			phase_rect(g, w, ph, a, z);
			placed++;
		}
	}
	if (!placed && w->start_ns == V_UNKNOWN)
		fprintf(g->f, "<text class=\"unplaced\" x=\"%d\" y=\"%d\">not placed: this result has no step windows "
			"or start time for it</text>", LABEL_W + 4, WORKER_H - 2);
}

static void gap_label(const struct fig *g, double x0, double x1, const char *text)
{
	double tw = (double)strlen(text) * CHAR_W;
	if (x1 + 4 + tw <= LABEL_W + g->w)
		fprintf(g->f, "<text class=\"gaplabel\" x=\"%.1f\" y=\"%d\">%s</text>", x1 + 4, WORKER_H - 2, text);
	else if (x0 - 4 - tw >= LABEL_W)
		fprintf(g->f, "<text class=\"gaplabel\" x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%s</text>", x0 - 4,
			WORKER_H - 2, text);
	else
		fprintf(g->f, "<text class=\"gaplabel\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
			(x0 + x1) / 2, WORKER_H - 2, text);
}

static void gap_mark(const struct fig *g, const struct v_worker *w)
{
	if (!w->marked || w->start_ns == V_UNKNOWN || w->mark_gap_at_ns == V_UNKNOWN)
		return;
	int64_t end = w->start_ns + w->mark_gap_at_ns, start = end - w->mark_gap_ns;
	if (end < g->lo || start > g->hi)
		return;
	double x0 = fx(g, start), x1 = fx(g, end);
	if (x1 - x0 < 2)
		x0 = (x0 + x1) / 2 - 1, x1 = x0 + 2;
	char len[32], a[32], b[32], text[64];
	v_dur(len, sizeof(len), (double)w->mark_gap_ns);
	fprintf(g->f, "<rect class=\"%s\" x=\"%.1f\" y=\"-2\" width=\"%.1f\" height=\"%d\"><title>pid %d did not run for %s, "
		"from %s to %s. Failed: ", g->cls->gap, x0, x1 - x0, WORKER_H + 4, w->tid, len,
		v_secs(a, sizeof(a), (double)start, 1e6), v_secs(b, sizeof(b), (double)end, 1e6));
	v_esc(g->f, w->mark_claim);
	fprintf(g->f, "</title></rect>");
	snprintf(text, sizeof(text), "%s gap", len);
	gap_label(g, x0, x1, text);
}

static void worker_row(const struct fig *g, int wi, int y)
{
	const struct v_worker *w = &g->r->w[wi];
	fprintf(g->f, "<g class=\"%s\" data-pid=\"%d\" data-cgroup=\"", g->cls->worker, w->tid);
	v_esc(g->f, g->r->cg[w->cg]);
	fprintf(g->f, "\" transform=\"translate(0,%d)\">", y);
	fprintf(g->f, "<rect class=\"rowbg\" x=\"%d\" width=\"%d\" height=\"%d\"/>", LABEL_W, g->w, WORKER_H);
	worker_label(g, w);
	double traced = 0;
	if (g->b)
		traced = traced_paths(g, wi);
	else
		telemetry_rects(g, w);
	worker_title(g, w, traced);
	gap_mark(g, w);
	fprintf(g->f, "</g>\n");
}

/* ---- marks across the rows ---------------------------------------------------------- */

static void vline(const struct fig *g, const char *cls, double x, int top)
{
	fprintf(g->f, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>", cls, x, x, top, g->bottom);
}

static void step_label(const struct fig *g, double x, double room, const char *name, int step)
{
	char text[96];
	if (step)
		snprintf(text, sizeof(text), "%d %s", step, name ? name : "");
	else
		snprintf(text, sizeof(text), "backdrop");
	size_t fit = room > 2 * CHAR_W ? (size_t)(room / CHAR_W) - 1 : 0;
	if (!fit)
		return;
	fprintf(g->f, "<text class=\"steplabel\" x=\"%.1f\" y=\"%d\">", x + 3, TOP_H - 8);
	v_esc_max(g->f, text, fit);
	fprintf(g->f, "</text>");
}

static void step_marks(const struct fig *g)
{
	const struct v_run *r = g->r;
	char a[32], b[32];
	for (int i = -1; i < r->nstep; i++) {
		bool backdrop = i < 0;
		const struct v_step *s = backdrop ? NULL : &r->step[i];
		int64_t at = backdrop ? (r->nstep ? r->backdrop_ns : V_UNKNOWN) : s->start_ns;
		if (!in_span(g, at) || (s && s->step == 0))
			continue;
		double x = fx(g, at), next = LABEL_W + g->w;
		if (i + 1 < r->nstep && in_span(g, r->step[i + 1].start_ns))
			next = fx(g, r->step[i + 1].start_ns);
		fprintf(g->f, "<g class=\"step-line\"><title>");
		if (backdrop) {
			fprintf(g->f, "backdrop from %s", v_secs(a, sizeof(a), (double)at, 1e6));
		} else {
			fprintf(g->f, "step %d ", s->step);
			v_esc(g->f, s->name ? s->name : "");
			fprintf(g->f, ": %s to %s", v_secs(a, sizeof(a), (double)at, 1e6),
				s->end_ns != V_UNKNOWN ? v_secs(b, sizeof(b), (double)s->end_ns, 1e6) : "?");
		}
		fprintf(g->f, "</title>");
		vline(g, "step", x, TOP_H - 20);
		step_label(g, x, next - x, s ? s->name : NULL, s ? s->step : 0);
		fprintf(g->f, "</g>");
	}
}

/* Between two step windows the next step's ops run, in no window. */
static void ops_shading(const struct fig *g)
{
	const struct v_run *r = g->r;
	for (int i = 0; i + 1 < r->nstep; i++) {
		int64_t a = r->step[i].end_ns, z = r->step[i + 1].start_ns;
		if (a == V_UNKNOWN || z == V_UNKNOWN || z <= a || z < g->lo || a > g->hi)
			continue;
		double x0 = fx(g, a), x1 = fx(g, z);
		if (x1 - x0 >= 1)
			fprintf(g->f, "<rect class=\"ops\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>between "
				"steps %d and %d: ops, in no step's window</title></rect>", x0, TOP_H - 4, x1 - x0,
				g->bottom - TOP_H + 4, r->step[i].step, r->step[i + 1].step);
	}
}

static void sched_marks(const struct fig *g)
{
	const struct v_run *r = g->r;
	double last_label_end = -1e9;
	char at[32];
	for (int i = 0; i < r->nev; i++) {
		const struct v_event *e = &r->ev[i];
		if (!in_span(g, e->at_ns))
			continue;
		double x = fx(g, e->at_ns);
		fprintf(g->f, "<g class=\"%s\"><title>scheduler ", e->failure ? g->cls->sched : "sched-note");
		v_esc(g->f, e->name ? e->name : "");
		fprintf(g->f, " ");
		v_esc(g->f, e->event);
		fprintf(g->f, " at %s</title>", v_secs(at, sizeof(at), (double)e->at_ns, 1e6));
		vline(g, e->failure ? "schedline" : "schednote", x, 4);
		const char *name = e->failure && e->name ? e->name : "";
		double tw = (double)(strlen(name) + strlen(e->event) + 2) * CHAR_W;
		if (x + 3 > last_label_end || e->failure) {
			bool left = x + 3 + tw > LABEL_W + g->w;
			fprintf(g->f, "<text class=\"schedlabel\" x=\"%.1f\" y=\"12\"%s>", left ? x - 3 : x + 3,
				left ? " text-anchor=\"end\"" : "");
			v_esc_max(g->f, name, 24);
			fprintf(g->f, "%s", *name ? " " : "");
			v_esc(g->f, e->event);
			fprintf(g->f, "</text>");
			last_label_end = x + 3 + tw;
		}
		fprintf(g->f, "</g>");
	}
}

static void axis(const struct fig *g)
{
	double span = (double)(g->hi - g->lo), step = v_nice_step(span, g->w / 90 > 1 ? g->w / 90 : 1);
	char t[32];
	for (double v = ceil((double)g->lo / step) * step; v <= (double)g->hi; v += step) {
		double x = fx(g, (int64_t)v);
		fprintf(g->f, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>", x, x, TOP_H - 4,
			g->bottom + 3);
		fprintf(g->f, "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%s</text>", x, g->bottom + 16,
			v_secs(t, sizeof(t), v, step));
	}
}

/* ---- figures ------------------------------------------------------------------- */

static int rows_height(const struct fig *g)
{
	int ncpu = g->b ? g->b->ncpu : 0, h = TOP_H + ncpu * (CPU_H + CPU_GAP);
	if (ncpu && g->nrows)
		h += BLOCK_GAP;
	return h + g->nrows * (WORKER_H + WORKER_GAP);
}

static void figure(struct fig *g, const char *aria)
{
	int ncpu = g->b ? g->b->ncpu : 0;
	g->bottom = rows_height(g);
	int width = LABEL_W + g->w + RIGHT_W, height = g->bottom + AXIS_H;
	fprintf(g->f, "<svg class=\"tl\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
		width, height, width, height, aria);
	fprintf(g->f, "<rect class=\"plotbg\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", LABEL_W, TOP_H - 4, g->w,
		g->bottom - TOP_H + 4);
	ops_shading(g);
	axis(g);
	int y = TOP_H;
	for (int c = 0; c < ncpu; c++, y += CPU_H + CPU_GAP)
		cpu_row(g, c, y);
	if (ncpu && g->nrows)
		y += BLOCK_GAP;
	for (int i = 0; i < g->nrows; i++, y += WORKER_H + WORKER_GAP)
		worker_row(g, g->rows[i], y);
	step_marks(g);
	sched_marks(g);
	fprintf(g->f, "</svg>\n");
}

/* The workers a figure draws: all up to max, then the ones with
 * evidence; *left the ones left out. */
static int pick_rows(const struct v_run *r, int max, int *rows, int *left)
{
	int n = 0;
	for (int i = 0; i < r->nw; i++)
		if (r->nw <= max || r->w[i].marked || r->w[i].has_outside || n < max / 2)
			rows[n++] = i;
	*left = r->nw - n;
	return n;
}

static void draw(struct v_page *pg, const struct v_run *r, int64_t lo, int64_t hi, int w, bool overview)
{
	struct v_bins b;
	int *rows = v_alloc((size_t)(r->nw + 1) * sizeof(*rows)), left;
	int n = pick_rows(r, overview ? MAX_OVERVIEW_WORKERS : MAX_WINDOW_WORKERS, rows, &left);
	if (r->tl)
		v_bins_fill(&b, r, lo, hi, w);
	struct fig g = {pg->out, r, lo, hi, w, overview ? &overview_cls : &window_cls, r->tl ? &b : NULL, rows, n, 0};
	figure(&g, overview ? "timeline of the whole run" : "timeline window");
	if (left > 0)
		fprintf(pg->out, "<p class=\"note\">%d more workers are not drawn here (those with evidence are).</p>\n",
			left);
	if (r->tl)
		v_bins_free(&b);
	free(rows);
}

static void windows(struct v_page *pg, const struct v_run *r)
{
	double span = (double)(pg->hi - pg->lo), win = WINDOW_NS;
	if (span <= 1.5 * WINDOW_NS)
		return;
	if (span / win > MAX_WINDOWS)
		win = v_nice_step(span, MAX_WINDOWS);
	char a[32], b[32], d[32];
	fprintf(pg->out, "<details class=\"windows\" open=\"\"><summary>Windows of %s (1 px = %s)</summary>\n",
		v_dur(d, sizeof(d), win), v_dur(a, sizeof(a), win / pg->plot_w));
	/* a last sliver joins the window before it */
	int nwin = (int)ceil(span / win - 0.25);
	for (int k = 0; k < nwin; k++) {
		double lo = (double)pg->lo + k * win, hi = k + 1 < nwin ? lo + win : (double)pg->hi;
		int w = (int)(pg->plot_w * (hi - lo) / win + 0.5);
		fprintf(pg->out, "<h4>%s \xe2\x80\x93 %s</h4>\n", v_secs(a, sizeof(a), lo, win), v_secs(b, sizeof(b), hi, win));
		draw(pg, r, (int64_t)lo, (int64_t)hi, w > 8 ? w : 8, false);
	}
	fprintf(pg->out, "</details>\n");
}

/* ---- legend and notes ------------------------------------------------------------- */

static void legend(struct v_page *pg, const struct v_run *r)
{
	FILE *f = pg->out;
	fprintf(f, "<div class=\"legend\">");
	for (int i = 0; i < r->ncg; i++) {
		int n = 0;
		for (int k = 0; k < r->nw; k++)
			n += r->w[k].cg == i;
		fprintf(f, "<span><i class=\"sw c%d\"></i>", r->color[i] % V_PALETTE);
		v_esc(f, v_cg_display(r->cg[i]));
		fprintf(f, " (%d worker%s)</span>", n, n == 1 ? "" : "s");
	}
	if (r->tl)
		fprintf(f, "<span><i class=\"sw cx\"></i>other tasks</span><span><i class=\"sw idle\"></i>idle</span>"
			"<span><i class=\"sw c0 lt\"></i>pale: busy &lt; half of the pixel</span>");
	else
		fprintf(f, "<span><i class=\"sw c0 lt\"></i>worker rows: density = CPU share in each step</span>");
	fprintf(f, "<span><i class=\"sw gapsw\"></i>gap of a failed claim</span>"
		"<span><i class=\"sw schedsw\"></i>scheduler failed</span><span><i class=\"sw stepsw\"></i>step start</span>");
	fprintf(f, "</div>\n");
}

static void trace_notes(struct v_page *pg, const struct v_run *r)
{
	FILE *f = pg->out;
	const cJSON *tr = cJSON_IsObject(r->r) ? cJSON_GetObjectItemCaseSensitive(r->r, "trace") : NULL;
	const char *why = v_jstr(tr, "reason"), *file = v_jstr(tr, "file");
	if (!r->tl) {
		fprintf(f, "<p class=\"note no-trace\">No per-CPU timeline: it needs a trace, "
			"<code>ktstr run --trace</code>. The worker rows below come from the workers' own telemetry, "
			"one density per step.");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tr, "available")) && file) {
			fprintf(f, " (This run was traced, but its trace file ");
			v_esc(f, file);
			fprintf(f, " was not read.)");
		} else if (why) {
			fprintf(f, " (Trace: ");
			v_esc(f, why);
			fprintf(f, ".)");
		}
		fprintf(f, "</p>\n");
		return;
	}
	double lost = 0;
	v_jnum(tr, "lost_events", &lost);
	if (lost > 0 || r->tl->missed)
		fprintf(f, "<p class=\"note warn\">The trace lost %.0f events: a blank stretch may be missing data, "
			"not idleness.</p>\n", lost > (double)r->tl->missed ? lost : (double)r->tl->missed);
}

void v_timeline_section(struct v_page *pg, const struct v_run *r)
{
	fprintf(pg->out, "<h3>Timeline</h3>\n");
	trace_notes(pg, r);
	legend(pg, r);
	fprintf(pg->out, "<div class=\"scroll\">");
	draw(pg, r, pg->lo, pg->hi, pg->plot_w, true);
	if (r->tl)
		windows(pg, r);
	fprintf(pg->out, "</div>\n");
}
