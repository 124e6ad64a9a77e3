/* plots: per cgroup, its CPU share over time (from the trace, else from
 * the workers' per-step telemetry) and its wake-latency CDF, as small
 * inline SVG charts on scales the whole page shares, so A and B can be
 * read against each other. */
#include "view.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
	CH_H = 184,
	ML = 46,			/* room for the y labels */
	MR = 24,			/* half a tick label */
	MT = 12,
	MB = 46,			/* x labels and two lines of caption */
	SHARE_BINS = 200,
	CDF_POINTS = 256,
};

struct chart {
	FILE *f;
	int w;
	double x0, x1, y0, y1;		/* data range */
};

static double cx(const struct chart *c, double v)
{
	double t = (v - c->x0) / (c->x1 - c->x0);
	return ML + (t < 0 ? 0 : t > 1 ? 1 : t) * (c->w - ML - MR);
}

static double cy(const struct chart *c, double v)
{
	double t = (v - c->y0) / (c->y1 - c->y0);
	return CH_H - MB - (t < 0 ? 0 : t > 1 ? 1 : t) * (CH_H - MB - MT);
}

static void chart_open(const struct chart *c, const char *aria)
{
	fprintf(c->f, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
		c->w, CH_H, c->w, CH_H, aria);
	fprintf(c->f, "<rect class=\"plotbg\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", ML, MT, c->w - ML - MR,
		CH_H - MB - MT);
}

static void ytick(const struct chart *c, double v, const char *text)
{
	double y = cy(c, v);
	fprintf(c->f, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", ML, c->w - MR, y, y);
	fprintf(c->f, "<text class=\"ytick\" x=\"%d\" y=\"%.1f\">%s</text>", ML - 4, y + 4, text);
}

static void xtick(const struct chart *c, double v, const char *text)
{
	double x = cx(c, v);
	fprintf(c->f, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>", x, x, MT, CH_H - MB);
	fprintf(c->f, "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%s</text>", x, CH_H - MB + 13, text);
}

static void caption(const struct chart *c, int line, const char *text)
{
	fprintf(c->f, "<text class=\"caption\" x=\"%d\" y=\"%d\">%s</text>", ML, CH_H - 18 + 14 * line, text);
}

/* ---- CPU share over time ----------------------------------------------------------- */

static void seg_add(struct v_series *s, int64_t a, int64_t z, double v)
{
	s->seg = v_grow(s->seg, (size_t)(s->nseg + 1) * sizeof(*s->seg));
	s->seg[s->nseg++] = (struct v_seg){a, z, v};
}

static void share_traced(struct v_run *r, int64_t lo, int64_t hi)
{
	struct v_bins b;
	v_bins_fill(&b, r, lo, hi, SHARE_BINS);
	for (int cg = 0; cg < r->ncg; cg++) {
		r->share[cg].traced = true;
		for (int col = 0; col < b.ncol; col++) {
			double ns = 0;
			for (int cpu = 0; cpu < b.ncpu; cpu++)
				ns += v_bin(&b, cpu, col)[cg];
			seg_add(&r->share[cg], lo + (int64_t)(col * b.col_ns), lo + (int64_t)((col + 1) * b.col_ns),
				ns / b.col_ns);
		}
	}
	v_bins_free(&b);
}

/* Sum of the cgroup's workers' CPU time in each step over the step's
 * window: the mean CPUs it held then. */
static void share_from_phases(struct v_run *r, int cg)
{
	int max_epoch = -1;
	for (int i = 0; i < r->nw; i++) {
		const cJSON *ph;
		cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(r->w[i].rec, "phases"))
			if (r->w[i].cg == cg && v_ji64(ph, "epoch", -1) > max_epoch)
				max_epoch = v_jint(ph, "epoch", -1);
	}
	for (int e = 0; e <= max_epoch && e < 4096; e++) {
		int64_t a, z;
		double cpu = 0, one;
		bool any = false;
		if (!v_step_window(r, e, &a, &z))
			continue;
		for (int i = 0; i < r->nw; i++) {
			const cJSON *ph;
			cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(r->w[i].rec, "phases"))
				if (r->w[i].cg == cg && v_ji64(ph, "epoch", -1) == e && v_jnum(ph, "cpu_ns", &one))
					cpu += one, any = true;
		}
		if (any)
			seg_add(&r->share[cg], a, z, cpu / (double)(z - a));
	}
}

void v_share_compute(struct v_run *r, int64_t lo, int64_t hi)
{
	r->share = v_alloc((size_t)(r->ncg + 1) * sizeof(*r->share));
	if (r->tl) {
		share_traced(r, lo, hi);
		return;
	}
	for (int cg = 0; cg < r->ncg; cg++)
		share_from_phases(r, cg);
}

/* The series as a filled step area; a break where the segments do. */
static void share_area(const struct chart *c, const struct v_series *s, const char *cls)
{
	double base = cy(c, 0);
	fprintf(c->f, "<path class=\"area %s\" d=\"", cls);
	for (int i = 0; i < s->nseg; i++) {
		const struct v_seg *g = &s->seg[i];
		if (i && g->a != s->seg[i - 1].z)
			fprintf(c->f, "V%.1f", base);
		if (!i || g->a != s->seg[i - 1].z)
			fprintf(c->f, "M%.1f %.1f", cx(c, (double)g->a), base);
		fprintf(c->f, "V%.1fH%.1f", cy(c, g->v), cx(c, (double)g->z));
	}
	fprintf(c->f, "V%.1f\"/>", base);
}

static void share_chart(struct v_page *pg, const struct v_run *r, int cg, const char *cls)
{
	const struct v_series *s = &r->share[cg];
	struct chart c = {pg->out, pg->chart_w, (double)pg->lo, (double)pg->hi, 0, pg->share_max};
	double peak = 0, sum = 0, len = 0;
	char t[32];
	for (int i = 0; i < s->nseg; i++) {
		peak = s->seg[i].v > peak ? s->seg[i].v : peak;
		sum += s->seg[i].v * (double)(s->seg[i].z - s->seg[i].a);
		len += (double)(s->seg[i].z - s->seg[i].a);
	}
	chart_open(&c, "CPU share over time");
	double ys = v_nice_step(c.y1, 4), xs = v_nice_step(c.x1 - c.x0, (c.w - ML) / 70);
	for (double v = 0; v <= c.y1 + 1e-9; v += ys) {
		snprintf(t, sizeof(t), "%g", v);
		ytick(&c, v, t);
	}
	for (double v = ceil(c.x0 / xs) * xs; v <= c.x1; v += xs)
		xtick(&c, v, v_secs(t, sizeof(t), v, xs));
	if (s->nseg)
		share_area(&c, s, cls);
	fprintf(c.f, "<title>mean %.2f CPUs, peak %.2f CPUs</title>", len > 0 ? sum / len : 0, peak);
	caption(&c, 0, s->traced ? "CPUs used (from the trace)" : "CPUs used per step (from telemetry)");
	if (!s->nseg)
		fprintf(c.f, "<text class=\"empty\" x=\"%d\" y=\"%d\">no step windows to place it in</text>", ML + 8, MT + 20);
	fprintf(c.f, "</svg>");
}

/* ---- wake latency ------------------------------------------------------------------ */

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

size_t v_wake_samples(const struct v_run *r, int cg, double **out)
{
	size_t n = 0, cap = 0;
	double *v = NULL;
	for (int i = 0; i < r->nw; i++) {
		const cJSON *it;
		if (r->w[i].cg != cg)
			continue;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->w[i].rec, "wake_samples_ns")) {
			if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < 0)
				continue;
			if (n == cap)
				v = v_grow(v, (cap = cap * 2 + 64) * sizeof(*v));
			v[n++] = it->valuedouble;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), dbl_cmp);
	*out = v;
	return n;
}

static double log_us(double ns)
{
	return log10(ns > 1 ? ns / 1e3 : 1e-3);
}

static double quantile(const double *v, size_t n, double q)
{
	return v[(size_t)(q * (double)(n - 1) + 0.5)];
}

static void cdf_axes(const struct chart *c)
{
	static const char *const unit[] = {"1 ns", "10 ns", "100 ns", "1 \xc2\xb5s", "10 \xc2\xb5s", "100 \xc2\xb5s",
					   "1 ms", "10 ms", "100 ms", "1 s", "10 s", "100 s"};
	for (int d = (int)c->x0; d <= (int)c->x1; d++)
		if (d >= -3 && d <= 8)
			xtick(c, d, unit[d + 3]);
	for (int q = 0; q <= 4; q++) {
		char t[16];
		snprintf(t, sizeof(t), "%g", q / 4.0);
		ytick(c, q / 4.0, t);
	}
}

static void cdf_chart(struct v_page *pg, const struct v_run *r, int cg, const char *cls)
{
	double *v;
	size_t n = v_wake_samples(r, cg, &v);
	if (!n) {
		fprintf(pg->out, "<p class=\"nosamples\" style=\"width:%dpx\">No wake-latency samples in this cgroup: "
			"its workers never slept and woke (spinning work records none).</p>", pg->chart_w - 20);
		free(v);
		return;
	}
	struct chart c = {pg->out, pg->chart_w, pg->cdf_lo, pg->cdf_hi, 0, 1};
	char p50[32], p99[32], mx[32], cap[160];
	chart_open(&c, "wake latency CDF");
	cdf_axes(&c);
	fprintf(c.f, "<polyline class=\"cdf %s\" points=\"%.1f,%.1f", cls, cx(&c, log_us(v[0])), cy(&c, 0));
	for (int k = 0; k < CDF_POINTS; k++) {
		size_t i = (size_t)((double)k * (double)(n - 1) / (CDF_POINTS - 1) + 0.5);
		fprintf(c.f, " %.1f,%.1f", cx(&c, log_us(v[i])), cy(&c, (double)(i + 1) / (double)n));
	}
	fprintf(c.f, "\"/>");
	v_dur(p50, sizeof(p50), quantile(v, n, 0.5));
	v_dur(p99, sizeof(p99), quantile(v, n, 0.99));
	v_dur(mx, sizeof(mx), v[n - 1]);
	fprintf(c.f, "<title>%zu wake latencies: p50 %s, p99 %s, max %s</title>", n, p50, p99, mx);
	snprintf(cap, sizeof(cap), "wake latency CDF of %zu samples", n);
	caption(&c, 0, cap);
	snprintf(cap, sizeof(cap), "p50 %s, p99 %s, max %s", p50, p99, mx);
	caption(&c, 1, cap);
	fprintf(c.f, "</svg>");
	free(v);
}

void v_cgroup_plots(struct v_page *pg, const struct v_run *r, const char *cgname)
{
	int cg = -1;
	for (int i = 0; i < r->ncg && cg < 0; i++)
		if (!strcmp(r->cg[i], cgname))
			cg = i;
	if (cg < 0) {
		fprintf(pg->out, "<p class=\"note\">No cgroup ");
		v_esc(pg->out, v_cg_display(cgname));
		fprintf(pg->out, " in this run.</p>\n");
		return;
	}
	char cls[16];
	snprintf(cls, sizeof(cls), "c%d", r->color[cg] % V_PALETTE);
	fprintf(pg->out, "<div class=\"cgcard\"><h4><i class=\"sw %s\"></i>", cls);
	v_esc(pg->out, v_cg_display(cgname));
	fprintf(pg->out, "</h4><div class=\"charts\">");
	share_chart(pg, r, cg, cls);
	cdf_chart(pg, r, cg, cls);
	fprintf(pg->out, "</div></div>\n");
}
