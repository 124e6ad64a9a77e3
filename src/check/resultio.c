/* resultio: reading result files. */
#include "resultio.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* ---- shape ------------------------------------------------------------------ */

enum jt { J_STR, J_NUM, J_NUM_OR_NULL, J_BOOL, J_ARR, J_OBJ };

static bool is(const cJSON *v, enum jt t)
{
	switch (t) {
	case J_STR: return cJSON_IsString(v) && v->valuestring;
	case J_NUM: return cJSON_IsNumber(v);
	case J_NUM_OR_NULL: return cJSON_IsNumber(v) || cJSON_IsNull(v);
	case J_BOOL: return cJSON_IsBool(v);
	case J_ARR: return cJSON_IsArray(v);
	case J_OBJ: return cJSON_IsObject(v);
	}
	return false;
}

struct field {
	const char *key;
	enum jt type;
	bool required;
};

static const char *const type_names[] = {"a string", "a number", "a number or null", "true or false",
					 "an array", "an object"};

/* Every field of o against the list; what = "claims[3]" for the message. */
static bool fields_ok(const cJSON *o, const struct field *f, const char *what, char *why, size_t n)
{
	if (!cJSON_IsObject(o)) {
		snprintf(why, n, "%s: expected an object", what);
		return false;
	}
	for (; f->key; f++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->key);
		if ((v || f->required) && !is(v, f->type)) {
			snprintf(why, n, "%s%s%s: %s; expected %s", what, *what ? "." : "", f->key,
				 v ? "wrong type" : "missing", type_names[f->type]);
			return false;
		}
	}
	return true;
}

static bool each_ok(const cJSON *arr, const char *name, const struct field *f, char *why, size_t n)
{
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, arr) {
		char what[64];
		snprintf(what, sizeof(what), "%s[%d]", name, i++);
		if (!fields_ok(it, f, what, why, n))
			return false;
	}
	return true;
}

bool result_shape_ok(const cJSON *r, char *why, size_t n)
{
	static const struct field top[] = {
		{"verdict", J_STR, true}, {"reason", J_STR, true}, {"scenario", J_STR, true},
		{"topology", J_STR, false}, {"scheduler", J_STR, false}, {"kernel", J_STR, false},
		{"accelerator", J_STR, false}, {"boot_ms", J_NUM_OR_NULL, false},
		{"claims", J_ARR, true}, {"findings", J_ARR, false}, {"workers", J_ARR, false},
		{"cgroups", J_ARR, false}, {"records", J_ARR, true}, {"monitor", J_OBJ, false}, {"trace", J_OBJ, false},
		{"watchdog", J_OBJ, false},
		{"console_tail", J_STR, false}, {0},
	};
	static const struct field claim[] = {
		{"name", J_STR, true}, {"scope", J_STR, true}, {"expected", J_STR, true},
		{"actual", J_NUM_OR_NULL, true}, {"actual_text", J_STR, false}, {"passed", J_BOOL, true},
		{"status", J_STR, false}, {"detail", J_STR, false}, {0},
	};
	static const struct field finding[] = {{"name", J_STR, true}, {"line", J_STR, true}, {0}};
	static const struct field cgroup[] = {{"name", J_STR, true}, {0}};
	static const struct field record[] = {{"type", J_STR, true}, {0}};
	static const struct field monitor[] = {
		{"available", J_BOOL, true}, {"reason", J_STR, false}, {"samples", J_NUM, false},
		{"period_ms", J_NUM, false}, {"summary", J_OBJ, false}, {"series", J_OBJ, false},
		{"dump", J_OBJ, false}, {"watchdog", J_OBJ, false}, {0},
	};
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "verdict"));
	if (!fields_ok(r, top, "", why, n) ||
	    !each_ok(cJSON_GetObjectItemCaseSensitive(r, "claims"), "claims", claim, why, n) ||
	    !each_ok(cJSON_GetObjectItemCaseSensitive(r, "findings"), "findings", finding, why, n) ||
	    !each_ok(cJSON_GetObjectItemCaseSensitive(r, "cgroups"), "cgroups", cgroup, why, n) ||
	    !each_ok(cJSON_GetObjectItemCaseSensitive(r, "workers"), "workers", cgroup + 1, why, n) ||
	    !each_ok(cJSON_GetObjectItemCaseSensitive(r, "records"), "records", record, why, n))
		return false;
	static const struct field trace[] = {
		{"available", J_BOOL, true}, {"reason", J_STR, false}, {"file", J_STR, false},
		{"t0_mono_ns", J_NUM, false}, {"bytes", J_NUM, false}, {"crc32", J_NUM, false},
		{"lost_events", J_NUM, false}, {"per_cpu", J_ARR, false}, {"event_counts", J_OBJ, false},
		{"tasks", J_ARR, false}, {0},
	};
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "monitor");
	if (m && !fields_ok(m, monitor, "monitor", why, n))
		return false;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "trace");
	if (t && !fields_ok(t, trace, "trace", why, n))
		return false;
	if (strcmp(v, "pass") && strcmp(v, "fail") && strcmp(v, "skip") && strcmp(v, "error")) {
		snprintf(why, n, "verdict: '%.40s'; expected pass, fail, skip or error", v);
		return false;
	}
	return true;
}

/* ---- loading ---------------------------------------------------------------- */

static cJSON *load_one(const char *path)
{
	size_t len;
	char *text = read_file(path, &len, 512u << 20);
	if (!text) {
		fprintf(stderr, "ktstr: cannot read %s: %s\n", path, read_file_error(errno));
		return NULL;
	}
	cJSON *j = cJSON_ParseWithLength(text, len);
	free(text);
	char why[200];
	if (!j) {
		fprintf(stderr, "ktstr: %s is not a ktstr result file: not JSON\n", path);
	} else if (!result_shape_ok(j, why, sizeof(why))) {
		fprintf(stderr, "ktstr: %s is not a ktstr result file: %s\n", path, why);
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

int results_load(const char *path, cJSON ***out, int *broken)
{
	struct stat st;
	*out = NULL;
	*broken = 0;
	if (stat(path, &st)) {
		fprintf(stderr, "ktstr: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		cJSON *j = load_one(path);
		if (!j)
			return -1;
		*out = xmalloc(sizeof(**out));
		(*out)[0] = j;
		return 1;
	}
	/* a traced run's Perfetto file sits beside its result */
	size_t n;
	char **names = dir_files(path, ".json", ".perfetto.json", &n);
	if (!n) {	/* a wrong directory, not an empty set that passes */
		dir_files_free(names);
		fprintf(stderr, "ktstr: %s: no results (*.json) found; expected a directory of ktstr result files\n", path);
		return -1;
	}
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		cJSON *j = load_one(names[i]);
		if (j)
			(*out)[k++] = j;
		else
			(*broken)++;
	}
	dir_files_free(names);
	return k;
}

void results_free(cJSON **r, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(r[i]);
	free(r);
}
