/* rows_svg: the timeline's rows — one per CPU, coloured by the cgroup
 * that ran there, one per worker, from the trace or else its per-step
 * telemetry — run-length encoded per pixel, with the gap marks of
 * failed claims on the workers' rows. */
#include "figure.h"
#include "timeline.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* ---- run-length encoded rows ----------------------------------------------------- */

/* Equal neighbouring columns become one segment; each key's segments
 * one path (relative moves keep it short). */
struct runs {
	int nkey;
	struct v_buf *d;		/* path data per key */
	int *end;			/* x where each key's last segment ended */
};

static void runs_init(struct runs *rs, int nkey)
{
	rs->nkey = nkey;
	rs->d = v_alloc((size_t)nkey * sizeof(*rs->d));
	rs->end = v_alloc((size_t)nkey * sizeof(*rs->end));
}

static void runs_free(struct runs *rs)
{
	for (int k = 0; k < rs->nkey; k++)
		free(rs->d[k].p);
	free(rs->d);
	free(rs->end);
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

void v_cpu_row(const struct fig *g, int cpu, int y)
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

static void worker_title(const struct fig *g, const struct v_worker *w, double traced_ns)
{
	const struct v_run *r = g->r;
	const char *work = v_jstr(w->rec, "work");
	char a[32], b[32], c[32];
	fprintf(g->f, "<title>pid %d, cgroup ", w->tid);
	v_esc(g->f, v_cg_display(r->cg[w->cg]));
	fprintf(g->f, ", ");
	v_esc(g->f, work ? work : "?");
	fprintf(g->f, " worker %d of step %d%s; ", w->index, w->step, w->sentinel ? " (never reported)" : "");
	if (w->start_ns != V_UNKNOWN)
		fprintf(g->f, "ran from %s to %s; ", v_secs(a, sizeof(a), (double)w->start_ns, 1e6),
			v_secs(b, sizeof(b), (double)(w->start_ns + w->wall_ns), 1e6));
	fprintf(g->f, "on CPU %s of its %s (telemetry); longest gap %s", v_dur(a, sizeof(a), (double)w->cpu_ns),
		v_dur(b, sizeof(b), (double)w->wall_ns), v_dur(c, sizeof(c), (double)w->max_gap_ns));
	if (g->b)
		fprintf(g->f, "; trace: on a CPU %.1f%% of the time shown", 100 * traced_ns / (double)(g->hi - g->lo));
	const struct tl_task *t = v_trace_task(r, w->tid);
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

static double traced_total(const struct fig *g, int wi)
{
	const float *on = g->b->worker + (size_t)wi * (size_t)g->b->ncol;
	double total = 0;
	for (int c = 0; c < g->b->ncol; c++)
		total += on[c];
	return total;
}

/* From the trace: the share of each column the worker was on a CPU. */
static void traced_paths(const struct fig *g, int wi)
{
	const struct v_bins *b = g->b;
	const float *on = b->worker + (size_t)wi * (size_t)b->ncol;
	int *keys = v_alloc((size_t)b->ncol * sizeof(*keys));
	struct runs rs;
	runs_init(&rs, 2);
	for (int c = 0; c < b->ncol; c++)
		keys[c] = on[c] < BLANK_BELOW * b->col_ns ? -1 : on[c] >= SOLID_FROM * b->col_ns ? 0 : 1;
	runs_encode(&rs, keys, b->ncol, WORKER_H / 2);
	char buf[16];
	const char *cls = class_name(g->r, g->r->w[wi].cg, buf, sizeof(buf));
	for (int k = 0; k < 2; k++)
		if (rs.d[k].n)
			fprintf(g->f, "<path class=\"%s%s\" d=\"%s\"/>", cls, k ? " lt" : "", rs.d[k].p);
	runs_free(&rs);
	free(keys);
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
		v_jint(ph, "epoch", 0), v_dur(d1, sizeof(d1), cpu), v_dur(d2, sizeof(d2), wall), 100 * share);
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
		if (!v_step_window(g->r, v_jint(ph, "epoch", -1), &a, &z))
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
	int64_t start = w->mark_from_ns, end = w->mark_to_ns;
	if (!w->marked || start == V_UNKNOWN || end < g->lo || start > g->hi)
		return;
	double x0 = fx(g, start), x1 = fx(g, end);
	if (x1 - x0 < 2)
		x0 = (x0 + x1) / 2 - 1, x1 = x0 + 2;
	char len[32], a[32], b[32], text[64];
	v_dur(len, sizeof(len), (double)w->mark_len_ns);
	fprintf(g->f, "<rect class=\"%s\" x=\"%.1f\" y=\"-2\" width=\"%.1f\" height=\"%d\"><title>pid %d %s for %s, "
		"from %s to %s. Failed: ", g->cls->gap, x0, x1 - x0, WORKER_H + 4, w->tid,
		w->mark_is_wait ? "was runnable but did not run (trace)" : "did not run (telemetry)", len,
		v_secs(a, sizeof(a), (double)start, 1e6), v_secs(b, sizeof(b), (double)end, 1e6));
	v_esc(g->f, w->mark_claim);
	fprintf(g->f, "</title></rect>");
	snprintf(text, sizeof(text), "%s %s", len, w->mark_is_wait ? "runnable wait" : "gap");
	gap_label(g, x0, x1, text);
}

void v_worker_row(const struct fig *g, int wi, int y)
{
	const struct v_worker *w = &g->r->w[wi];
	fprintf(g->f, "<g class=\"%s\" data-pid=\"%d\" data-cgroup=\"", g->cls->worker, w->tid);
	v_esc(g->f, g->r->cg[w->cg]);
	fprintf(g->f, "\" transform=\"translate(0,%d)\">", y);
	/* a tooltip is its parent's first child */
	worker_title(g, w, g->b ? traced_total(g, wi) : 0);
	fprintf(g->f, "<rect class=\"rowbg\" x=\"%d\" width=\"%d\" height=\"%d\"/>", LABEL_W, g->w, WORKER_H);
	worker_label(g, w);
	if (g->b)
		traced_paths(g, wi);
	else
		telemetry_rects(g, w);
	gap_mark(g, w);
	fprintf(g->f, "</g>\n");
}
