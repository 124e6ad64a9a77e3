/* htmlfile: saved results (and their traces) to an HTML file (see
 * htmlfile.h). */
#include "htmlfile.h"
#include "html.h"
#include "timeline.h"
#include "traceattach.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void html_path_for(const char *result_path, char *out, size_t n)
{
	size_t len = strlen(result_path);
	if (len > 5 && !strcmp(result_path + len - 5, ".json"))
		len -= 5;
	snprintf(out, n, "%.*s.html", (int)len, result_path);
}

bool html_report_file(struct cJSON *const *results, const char *const *paths, const char *const *labels, int n,
		      const char *out_path, char *err, size_t errn)
{
	struct timeline tl[2];
	struct html_run runs[2];
	int loaded[2] = {0, 0};
	bool ok = n >= 1 && n <= 2;
	for (int i = 0; ok && i < n; i++) {
		loaded[i] = trace_load_for(results[i], paths[i], &tl[i], err, errn);
		ok = loaded[i] >= 0;
		runs[i] = (struct html_run){results[i], loaded[i] > 0 ? &tl[i] : NULL, labels[i]};
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	FILE *f = ok ? fopen(tmp, "w") : NULL;
	if (ok && !f)
		snprintf(err, errn, "cannot write %s: %s", tmp, strerror(errno)), ok = false;
	if (f) {
		ok = html_write(f, runs, n, err, errn);
		if (fclose(f) && ok)
			snprintf(err, errn, "cannot write %s: %s", tmp, strerror(errno)), ok = false;
		if (ok && rename(tmp, out_path))
			snprintf(err, errn, "cannot write %s: %s", out_path, strerror(errno)), ok = false;
		if (!ok)
			unlink(tmp);
	}
	for (int i = 0; i < n && i < 2; i++)
		if (loaded[i] > 0)
			timeline_free(&tl[i]);
	return ok;
}
