/* timeline_svg: a run drawn against time as inline SVG — one row per CPU
 * (who ran there, coloured by cgroup), one per worker (when it ran), step
 * boundaries, scheduler failures and the evidence of failed claims (gap
 * marks, CPUs outside a cpuset): an overview of the whole run, and
 * windows of about a second each for a longer one. */
#include "figure.h"
#include "timeline.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The overview carries the names tests and tools count; the windows
 * repeat its content under other names, so the count of cpu-row groups
 * stays the CPU count. */
static const struct row_classes overview_cls = {"cpu-row", "worker-row", "gap-mark", "sched-event", "iso-cpu"};
static const struct row_classes window_cls = {"zcpu", "zworker", "zgap", "zsched", "ziso"};

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
		fprintf(g->f, " at %s%s", v_secs(at, sizeof(at), (double)e->at_ns, 1e6), e->why ? ": " : "");
		v_esc(g->f, e->why);
		fprintf(g->f, "</title>");
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
		v_cpu_row(g, c, y);
	if (ncpu && g->nrows)
		y += BLOCK_GAP;
	for (int i = 0; i < g->nrows; i++, y += WORKER_H + WORKER_GAP)
		v_worker_row(g, g->rows[i], y);
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

/* Windows of about a second where the trace has data (a run may go on
 * long after its trace stops), aligned to whole windows. */
static void windows(struct v_page *pg, const struct v_run *r)
{
	double win = WINDOW_NS, lo = fmax((double)pg->lo, (double)pg->trace_lo);
	double hi = fmin((double)pg->hi, (double)pg->trace_hi);
	if ((double)(pg->hi - pg->lo) <= 1.5 * WINDOW_NS || hi <= lo)
		return;
	if ((hi - lo) / win > MAX_WINDOWS)
		win = v_nice_step(hi - lo, MAX_WINDOWS);
	lo = fmax((double)pg->lo, floor(lo / win) * win);
	char a[32], b[32], d[32];
	fprintf(pg->out, "<details class=\"windows\" open=\"\"><summary>Windows of %s (1 px = %s)</summary>\n",
		v_dur(d, sizeof(d), win), v_dur(a, sizeof(a), win / pg->plot_w));
	/* a last sliver joins the window before it */
	int nwin = (int)ceil((hi - lo) / win - 0.25);
	for (int k = 0; k < (nwin > 1 ? nwin : 1); k++) {
		double from = lo + k * win, to = k + 1 < nwin ? from + win : hi;
		int w = (int)fmin(pg->plot_w, pg->plot_w * (to - from) / win + 0.5);
		fprintf(pg->out, "<h4>%s \xe2\x80\x93 %s</h4>\n", v_secs(a, sizeof(a), from, win / 10),
			v_secs(b, sizeof(b), to, win / 10));
		draw(pg, r, (int64_t)from, (int64_t)to, w > 8 ? w : 8, false);
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
	double lost = v_trace_lost(tr);
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
