/* html: the page — header, claims, evidence of failed claims, timeline,
 * per-cgroup plots — for one run, or for A and B in two columns with
 * each section side by side so they line up. */
#include "html.h"
#include "view.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Tableau 10 without its red: red is kept for failures. */
const char *const v_palette[V_PALETTE] = {"#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948",
					  "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#bcbd22"};

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:16px 24px;color:#1d1d1f;background:#fff}\n"
	"h1{font-size:22px;margin:0 0 10px}h3{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd;padding-bottom:2px}\n"
	"h4{font-size:13px;margin:10px 0 4px}code{background:#f1f1f1;padding:0 3px;border-radius:3px}\n"
	".run-label{margin:0 8px 6px 0;font-size:16px;color:#fff;background:#455a64;display:inline-block;padding:1px 10px;border-radius:4px}\n"
	".verdict{display:inline-block;padding:1px 10px;border-radius:4px;color:#fff;font-weight:700;text-transform:uppercase}\n"
	".v-pass{background:#2e7d32}.v-fail{background:#c62828}.v-skip{background:#757575}.v-error{background:#ef6c00}\n"
	".reason{font-weight:600;margin:6px 0 10px;max-width:1150px;overflow-wrap:anywhere}\n"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:1px 14px;margin:0;font-size:13px}\n"
	"dt{color:#666}dd{margin:0;overflow-wrap:anywhere}\n"
	"table.claims{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\n"
	"th{background:#f5f5f5}tr.failed td{background:#fff3f3}\n"
	".st{font-weight:700;border-radius:3px;padding:0 6px;color:#fff;white-space:nowrap}.st-held{background:#2e7d32}.st-failed{background:#c62828}.st-na{background:#9e9e9e}\n"
	".note{background:#f4f6fb;border-left:4px solid #4e79a7;padding:6px 10px;max-width:1150px}\n"
	".note.no-trace{border-color:#edc948;background:#fffbea}.note.warn{border-color:#ef6c00;background:#fff4e5}\n"
	"ul.evidence{margin:4px 0;padding-left:20px;max-width:1150px}ul.evidence li{margin:2px 0}\n"
	".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:6px 0}\n"
	".sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #0002}\n"
	".sw.idle{background:#fff}.sw.lt{opacity:.4}.sw.gapsw{background:#d6272838;border:2px solid #d62728;width:10px;height:10px}\n"
	".sw.schedsw{width:3px;background:#d62728;border:0}.sw.stepsw{width:2px;background:#555;border:0}\n"
	"svg{display:block}svg text{font:11px system-ui,sans-serif;fill:#333}\n"
	".rl{text-anchor:end}.wl{font-size:10px}svg .bad{fill:#c62828;font-weight:700}\n"
	".plotbg{fill:#fafafa;stroke:#ddd}.rowbg{fill:#fff}.ops{fill:#ececec}.grid{stroke:#e4e4e4}\n"
	".tl path{fill:none;shape-rendering:crispEdges}.cpu-row path,.zcpu path{stroke-width:14px}\n"
	".worker-row path,.zworker path{stroke-width:11px}.tl .lt{stroke-opacity:.4}\n"
	".cx{fill:#b0b0b0;stroke:#b0b0b0;background:#b0b0b0}\n"
	".gap-mark,.zgap{fill:#d6272838;stroke:#d62728;stroke-width:1.5}.gaplabel{fill:#c62828;font-weight:700;font-size:10px}\n"
	/* a white halo keeps labels legible over the rows they cross */
	".gaplabel,.schedlabel,.steplabel{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}\n"
	".iso-cpu,.ziso{fill:#d6272824}\n"
	".schedline{stroke:#d62728;stroke-width:2}.schednote{stroke:#999;stroke-dasharray:2 3}\n"
	".schedlabel{font-weight:600;fill:#666}.sched-event .schedlabel,.zsched .schedlabel{fill:#c62828}\n"
	".step{stroke:#555;stroke-dasharray:4 3}.steplabel{fill:#444}\n"
	".tick{text-anchor:middle;fill:#666;font-size:10px}.ytick{text-anchor:end;fill:#666;font-size:10px}\n"
	".caption{fill:#444}.empty,.unplaced{fill:#999;font-style:italic;font-size:10px}\n"
	".area{fill-opacity:.3;stroke-width:1.2}polyline.cdf{fill:none;stroke-width:2}\n"
	".cgcard{display:inline-block;vertical-align:top;margin:0 18px 12px 0}.charts{display:flex;gap:8px;flex-wrap:wrap}\n"
	".nosamples{color:#666;font-style:italic;font-size:13px;margin:40px 0 0 10px}\n"
	".compare{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:0 28px}.span2{grid-column:1/-1}\n"
	".cell{min-width:0}.scroll{overflow-x:auto}\n"
	"details summary{cursor:pointer;font-weight:600;margin:10px 0 4px}\n";

static void palette_css(FILE *f)
{
	for (int i = 0; i < V_PALETTE; i++)
		fprintf(f, ".c%d{fill:%s;stroke:%s;background:%s}", i, v_palette[i], v_palette[i], v_palette[i]);
	fputc('\n', f);
}

/* ---- header -------------------------------------------------------------------- */

static void fact(FILE *f, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	fprintf(f, "<dt>%s</dt><dd>", name);
	v_esc(f, value);
	fprintf(f, "</dd>");
}

static void fact_num(FILE *f, const cJSON *o, const char *key, const char *name, double scale, const char *unit)
{
	double v;
	char buf[64];
	if (v_jnum(o, key, &v)) {
		snprintf(buf, sizeof(buf), "%.6g%s", v * scale, unit);
		fact(f, name, buf);
	}
}

static void trace_fact(FILE *f, const struct v_run *r)
{
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(r->r, "trace");
	char buf[300];
	if (!cJSON_IsObject(tr)) {
		fact(f, "trace", "none (ktstr run --trace records one)");
		return;
	}
	double lost = v_trace_lost(tr);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tr, "available")))
		snprintf(buf, sizeof(buf), "%s%s, %.0f events lost", v_jstr(tr, "file") ? v_jstr(tr, "file") : "recorded",
			 r->tl ? "" : " (not loaded)", lost);
	else
		snprintf(buf, sizeof(buf), "not available: %s", v_jstr(tr, "reason") ? v_jstr(tr, "reason") : "?");
	fact(f, "trace", buf);
}

static void monitor_fact(FILE *f, const struct v_run *r)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(r->r, "monitor");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(m, "summary");
	double stall, cpu = -1, wait;
	char buf[200];
	if (!cJSON_IsObject(m))
		return;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "available"))) {
		fact(f, "host monitor", v_jstr(m, "reason") ? v_jstr(m, "reason") : "not available");
		return;
	}
	if (v_jnum(s, "max_cpu_stall_ms", &stall)) {
		v_jnum(s, "stall_cpu", &cpu);
		snprintf(buf, sizeof(buf), "longest CPU stall %.1f ms (CPU %.0f)", stall, cpu);
		if (v_jnum(s, "max_scx_wait_ms", &wait))
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; longest sched_ext wait %.0f ms", wait);
		fact(f, "host monitor", buf);
	}
}

static void timestamp_fact(FILE *f, const cJSON *r)
{
	double ts;
	char buf[64];
	struct tm tm;
	if (!v_jnum(r, "timestamp", &ts) || ts < 0 || ts > 1e11)
		return;
	time_t t = (time_t)ts;
	if (gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm))
		fact(f, "run at", buf);
}

static void findings(FILE *f, const cJSON *r)
{
	const cJSON *it, *arr = cJSON_GetObjectItemCaseSensitive(r, "findings");
	if (!cJSON_GetArraySize(arr))
		return;
	fprintf(f, "<p class=\"note warn\"><b>Kernel log findings:</b>");
	cJSON_ArrayForEach(it, arr) {
		fprintf(f, "<br/>");
		v_esc(f, v_jstr(it, "name"));
		fprintf(f, ": ");
		v_esc(f, v_jstr(it, "line"));
	}
	fprintf(f, "</p>\n");
}

static void header(struct v_page *pg, const struct v_run *r)
{
	FILE *f = pg->out;
	const char *v = v_jstr(r->r, "verdict");
	bool known = v && (!strcmp(v, "pass") || !strcmp(v, "fail") || !strcmp(v, "skip") || !strcmp(v, "error"));
	if (r->label && pg->nrun > 1) {
		fprintf(f, "<h2 class=\"run-label\">");
		v_esc(f, r->label);
		fprintf(f, "</h2>");
	}
	fprintf(f, "<span class=\"verdict v-%s\">", known ? v : "error");
	v_esc(f, v ? v : "no verdict");
	fprintf(f, "</span>\n<p class=\"reason\">");
	v_esc(f, v_jstr(r->r, "reason") ? v_jstr(r->r, "reason") : "(no reason given)");
	fprintf(f, "</p>\n<dl class=\"facts\">");
	fact(f, "scenario", v_jstr(r->r, "scenario"));
	if (pg->nrun == 1)
		fact(f, "file", r->label);
	fact(f, "topology", v_jstr(r->r, "topology"));
	fact(f, "scheduler", v_jstr(r->r, "scheduler"));
	fact(f, "kernel", v_jstr(r->r, "kernel"));
	fact(f, "accelerator", v_jstr(r->r, "accelerator"));
	fact_num(f, r->r, "duration_ms", "duration", 1e-3, " s");
	fact_num(f, r->r, "wall_ms", "wall time", 1e-3, " s");
	timestamp_fact(f, r->r);
	fact(f, "source", v_jstr(r->r, "source"));
	trace_fact(f, r);
	monitor_fact(f, r);
	fact(f, "ktstr", v_jstr(r->r, "ktstr_version"));
	fprintf(f, "</dl>\n");
	findings(f, r->r);
}

/* ---- claims and evidence --------------------------------------------------------- */

static void claim_row(FILE *f, const cJSON *c)
{
	const char *st = v_jstr(c, "status");
	const char *cls = !st ? "na" : !strcmp(st, "held") ? "held" : !strcmp(st, "failed") ? "failed" : "na";
	fprintf(f, "<tr class=\"%s\"><td><span class=\"st st-%s\">", cls, cls);
	v_esc(f, st ? st : "?");
	fprintf(f, "</span></td>");
	static const char *const cols[] = {"name", "scope", "expected", "actual_text", "detail"};
	for (size_t i = 0; i < sizeof(cols) / sizeof(*cols); i++) {
		fprintf(f, "<td>");
		v_esc(f, v_jstr(c, cols[i]));
		fprintf(f, "</td>");
	}
	fprintf(f, "</tr>\n");
}

static bool is_failed(const cJSON *c)
{
	const char *st = v_jstr(c, "status");
	return st && !strcmp(st, "failed");
}

static void claims(struct v_page *pg, const struct v_run *r)
{
	FILE *f = pg->out;
	const cJSON *c, *arr = cJSON_GetObjectItemCaseSensitive(r->r, "claims");
	fprintf(f, "<h3>Claims</h3>\n");
	if (!cJSON_GetArraySize(arr)) {
		fprintf(f, "<p class=\"note\">This result has no claims.</p>\n");
		return;
	}
	fprintf(f, "<table class=\"claims\"><thead><tr><th>status</th><th>claim</th><th>scope</th><th>expected</th>"
		"<th>actual</th><th>detail</th></tr></thead><tbody>\n");
	/* failed first: they are what the reader came for */
	for (int pass = 0; pass < 2; pass++)
		cJSON_ArrayForEach(c, arr)
			if (is_failed(c) == !pass)
				claim_row(f, c);
	fprintf(f, "</tbody></table>\n");
}

static void evidence(struct v_page *pg, const struct v_run *r)
{
	FILE *f = pg->out;
	fprintf(f, "<h3>Evidence drawn below</h3>\n");
	if (!r->nnote) {
		fprintf(f, "<p class=\"note\">Nothing to mark: no failed claim points at a worker, a CPU or a "
			"scheduler event.</p>\n");
		return;
	}
	fprintf(f, "<ul class=\"evidence\">");
	for (int i = 0; i < r->nnote; i++) {
		fprintf(f, "<li>");
		v_esc(f, r->note[i].text);
		fprintf(f, "</li>");
	}
	fprintf(f, "</ul>\n");
}

/* ---- payloads ---------------------------------------------------------------------- */

static void payload_metrics(FILE *f, const cJSON *p)
{
	const cJSON *m;
	bool first = true;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "key_metrics")) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
		fprintf(f, "%s", first ? "" : "<br/>");
		first = false;
		v_esc(f, v_jstr(m, "name"));
		if (cJSON_IsNumber(v))
			fprintf(f, " = %.4g", v->valuedouble);
		else
			fprintf(f, " absent");
		v_esc(f, v_jstr(m, "unit") && cJSON_IsNumber(v) ? v_jstr(m, "unit") : "");
		fprintf(f, " <small>(%s is better)</small>", v_jstr(m, "better") ? v_jstr(m, "better") : "?");
	}
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "subtests");
	if (st)
		fprintf(f, "%ssubtests: %.0f pass, %.0f fail, %.0f skip", first ? "" : "<br/>",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "pass")),
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "fail")),
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "skip")));
}

/* The real programs the scenario ran, with the metrics that matter. */
static void payloads(struct v_page *pg, const struct v_run *r)
{
	FILE *f = pg->out;
	const cJSON *p, *arr = cJSON_GetObjectItemCaseSensitive(r->r, "payloads");
	fprintf(f, "<h3>Payloads</h3>\n");
	if (!cJSON_GetArraySize(arr)) {
		fprintf(f, "<p class=\"note\">No payload ran.</p>\n");
		return;
	}
	fprintf(f, "<table class=\"claims\"><thead><tr><th>payload</th><th>step</th><th>exit</th><th>time</th>"
		"<th>metrics</th></tr></thead><tbody>\n");
	cJSON_ArrayForEach(p, arr) {
		double code = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "exit_code"));
		fprintf(f, "<tr class=\"%s\"><td>", code == 0 ? "held" : "failed");
		v_esc(f, v_jstr(p, "name"));
		fprintf(f, "</td><td>%.0f</td><td>%.0f%s</td><td>%.2f s</td><td>",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "step")), code,
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "timed_out")) ? " (timed out)" : "",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "wall_ms")) / 1e3);
		payload_metrics(f, p);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static void cgroups_title(struct v_page *pg)
{
	fprintf(pg->out, "<h3%s>Per cgroup: CPU share over time and wake latency</h3>\n",
		pg->nrun > 1 ? " class=\"span2\"" : "");
}

/* ---- the page -------------------------------------------------------------------- */

typedef void (*section_fn)(struct v_page *pg, const struct v_run *r);

/* One section for every run: in a row of cells when comparing. */
static void section(struct v_page *pg, section_fn fn)
{
	for (int i = 0; i < pg->nrun; i++) {
		if (pg->nrun > 1)
			fprintf(pg->out, "<div class=\"cell run-%c\">", 'a' + i);
		fn(pg, &pg->run[i]);
		if (pg->nrun > 1)
			fprintf(pg->out, "</div>\n");
	}
}

static void cgroup_sections(struct v_page *pg)
{
	cgroups_title(pg);
	for (int k = 0; k < pg->ncgname; k++)
		for (int i = 0; i < pg->nrun; i++) {
			if (pg->nrun > 1)
				fprintf(pg->out, "<div class=\"cell run-%c\">", 'a' + i);
			v_cgroup_plots(pg, &pg->run[i], pg->cgname[k]);
			if (pg->nrun > 1)
				fprintf(pg->out, "</div>\n");
		}
	if (!pg->ncgname)
		fprintf(pg->out, "<p class=\"note%s\">No cgroups with workers in this result.</p>\n",
			pg->nrun > 1 ? " span2" : "");
}

/* The same words as the document's title and as its heading. */
static void page_title(struct v_page *pg, const char *tag)
{
	FILE *f = pg->out;
	fprintf(f, "<%s>ktstr%s: ", tag, pg->nrun > 1 ? " compare" : "");
	for (int i = 0; i < pg->nrun; i++) {
		const char *s = v_jstr(pg->run[i].r, "scenario");
		fprintf(f, "%s", i ? " vs " : "");
		v_esc(f, s ? s : "(no scenario)");
		if (pg->nrun > 1) {
			fprintf(f, " (");
			v_esc(f, pg->run[i].label ? pg->run[i].label : (i ? "B" : "A"));
			fprintf(f, ")");
		}
	}
	fprintf(f, "</%s>\n", tag);
}

static void page(struct v_page *pg)
{
	FILE *f = pg->out;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
	page_title(pg, "title");
	fprintf(f, "<style>\n%s", css);
	palette_css(f);
	fprintf(f, "</style>\n</head>\n<body>\n");
	page_title(pg, "h1");
	if (pg->nrun > 1)
		fprintf(f, "<div class=\"compare\">\n");
	section(pg, header);
	section(pg, claims);
	bool any_notes = false;
	for (int i = 0; i < pg->nrun; i++)
		any_notes |= pg->run[i].nnote > 0;
	if (any_notes)
		section(pg, evidence);
	bool any_payloads = false;
	for (int i = 0; i < pg->nrun; i++)
		any_payloads |= cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(pg->run[i].r, "payloads")) > 0;
	if (any_payloads)
		section(pg, payloads);
	section(pg, v_timeline_section);
	cgroup_sections(pg);
	if (pg->nrun > 1)
		fprintf(f, "</div>\n");
	fprintf(f, "</body>\n</html>\n");
}

/* ---- page-wide scales ------------------------------------------------------------- */

static void name_colours(struct v_page *pg)
{
	for (int i = 0; i < pg->nrun; i++) {
		struct v_run *r = &pg->run[i];
		for (int k = 0; k < r->ncg; k++) {
			int j = 0;
			while (j < pg->ncgname && strcmp(pg->cgname[j], r->cg[k]))
				j++;
			if (j == pg->ncgname) {
				pg->cgname = v_grow(pg->cgname, (size_t)(pg->ncgname + 1) * sizeof(*pg->cgname));
				pg->cgname[pg->ncgname++] = r->cg[k];
			}
			r->color[k] = j;
		}
	}
}

static void share_scale(struct v_page *pg)
{
	double peak = 0;
	for (int i = 0; i < pg->nrun; i++) {
		struct v_run *r = &pg->run[i];
		v_share_compute(r, pg->lo, pg->hi);
		for (int k = 0; k < r->ncg; k++)
			for (int s = 0; s < r->share[k].nseg; s++)
				peak = r->share[k].seg[s].v > peak ? r->share[k].seg[s].v : peak;
	}
	double step = v_nice_step(peak, 4);
	pg->share_max = peak > 0 ? ceil(peak / step - 1e-9) * step : 1;
}

static void cdf_scale(struct v_page *pg)
{
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < pg->nrun; i++)
		for (int k = 0; k < pg->run[i].ncg; k++) {
			double *v;
			size_t n = v_wake_samples(&pg->run[i], k, &v);
			if (n) {
				lo = fmin(lo, log10(v[0] > 1 ? v[0] / 1e3 : 1e-3));
				hi = fmax(hi, log10(v[n - 1] > 1 ? v[n - 1] / 1e3 : 1e-3));
			}
			free(v);
		}
	pg->cdf_lo = isfinite(lo) ? floor(lo) : 0;
	pg->cdf_hi = isfinite(hi) ? ceil(hi) : 3;
	if (pg->cdf_hi < pg->cdf_lo + 2)
		pg->cdf_hi = pg->cdf_lo + 2;
}

static void page_setup(struct v_page *pg, FILE *out, const struct html_run *runs, int nruns)
{
	memset(pg, 0, sizeof(*pg));
	pg->out = out;
	pg->nrun = nruns;
	pg->run = v_alloc((size_t)nruns * sizeof(*pg->run));
	pg->plot_w = nruns > 1 ? 480 : 1000;
	pg->chart_w = nruns > 1 ? 300 : 440;
	pg->trace_lo = INT64_MAX, pg->trace_hi = INT64_MIN;
	for (int i = 0; i < nruns; i++) {
		const struct v_run *r = &pg->run[i];
		v_run_read(&pg->run[i], &runs[i]);
		if (!i || r->lo < pg->lo)
			pg->lo = r->lo;
		if (!i || r->hi > pg->hi)
			pg->hi = r->hi;
		int64_t first, last;
		if (v_trace_span(r->tl, &first, &last)) {
			pg->trace_lo = first < pg->trace_lo ? first : pg->trace_lo;
			pg->trace_hi = last > pg->trace_hi ? last : pg->trace_hi;
		}
	}
	name_colours(pg);
	share_scale(pg);
	cdf_scale(pg);
}

static void page_free(struct v_page *pg)
{
	for (int i = 0; i < pg->nrun; i++)
		v_run_free(&pg->run[i]);
	free(pg->run);
	free(pg->cgname);
}

bool html_write(FILE *out, const struct html_run *runs, int nruns, char *err, size_t n)
{
	if (!out || !runs || nruns < 1 || nruns > 2) {
		snprintf(err, n, "html: %s", !out ? "no output" : "a page shows one run or compares two");
		return false;
	}
	struct v_page pg;
	page_setup(&pg, out, runs, nruns);
	page(&pg);
	page_free(&pg);
	errno = 0;
	if (fflush(out) || ferror(out)) {
		snprintf(err, n, "writing the HTML page: %s", errno ? strerror(errno) : "write error");
		return false;
	}
	return true;
}
