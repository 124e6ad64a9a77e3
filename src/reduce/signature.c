/* signature: a run's failure, compared across runs (see signature.h).
 * The order follows the verdict's own (src/check/result.c): a scheduler
 * failure outranks a kernel finding, which outranks the guest dying,
 * which outranks failed claims. */
#include "signature.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <cjson/cJSON.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

static const char *str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const char *const sched_failures[] = {"exited", "ejected", "attach_timeout", "detach_failed", "stop_timeout", NULL};

static const char *scheduler_event(const cJSON *result)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(result, "records")) {
		const char *t = str(r, "type"), *ev = str(r, "event");
		for (int i = 0; t && ev && !strcmp(t, "scheduler") && sched_failures[i]; i++)
			if (!strcmp(ev, sched_failures[i]))
				return ev;
	}
	return NULL;
}

static bool matches(const char *re, const char *text)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (!c)
		return false;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
	int rc = pcre2_match(c, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(c);
	return rc >= 0;
}

const char *signature_check_regex(const char *re, char *why, size_t n)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (c) {
		pcre2_code_free(c);
		return NULL;
	}
	char msg[256];
	pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof(msg));
	snprintf(why, n, "%s at offset %zu", msg, (size_t)off);
	return why;
}

struct signature signature_of(const cJSON *result, const char *keep)
{
	struct signature s = {.keep = keep};
	const char *v = str(result, "verdict"), *ev;
	if (!v || strcmp(v, "fail"))
		return s;
	if (keep) {
		s.kind = matches(keep, str(result, "reason") ? str(result, "reason") : "") ? SIG_KEEP : SIG_NONE;
		return s;
	}
	const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(result, "findings"), 0), *c;
	if ((ev = scheduler_event(result))) {
		s.kind = SIG_SCHEDULER;
		snprintf(s.name, sizeof(s.name), "%s", ev);
	} else if (f) {
		s.kind = SIG_FINDING;
		snprintf(s.name, sizeof(s.name), "%s", str(f, "name") ? str(f, "name") : "");
	} else if (str(result, "run_error")) {
		s.kind = SIG_RUN_ERROR;
	} else {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(result, "claims")) {
			const char *st = str(c, "status");
			if (st && !strcmp(st, "failed")) {
				s.kind = SIG_CLAIM;
				snprintf(s.name, sizeof(s.name), "%s", str(c, "name") ? str(c, "name") : "");
				snprintf(s.scope, sizeof(s.scope), "%s", str(c, "scope") ? str(c, "scope") : "");
				break;
			}
		}
	}
	return s;
}

/* A claim's scope without its step number: dropping an earlier step
 * renumbers the later ones, and it is still the same claim. */
static void scope_key(const char *scope, char *out, size_t n)
{
	size_t k = 0;
	for (const char *p = scope; *p && k + 6 < n;) {
		if (!strncmp(p, "step ", 5)) {
			memcpy(out + k, "step ", 5);
			k += 5, p += 5;
			while (*p >= '0' && *p <= '9')
				p++;
		} else {
			out[k++] = *p++;
		}
	}
	out[k] = 0;
}

bool signature_match(const struct signature *want, const cJSON *result)
{
	const char *v = str(result, "verdict");
	if (!v || strcmp(v, "fail") || want->kind == SIG_NONE)
		return false;
	if (want->kind == SIG_KEEP)
		return matches(want->keep, str(result, "reason") ? str(result, "reason") : "");
	if (want->kind == SIG_CLAIM) {	/* that claim failed, whatever else did */
		const cJSON *c;
		char a[192], b[192];
		scope_key(want->scope, a, sizeof(a));
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(result, "claims")) {
			const char *st = str(c, "status"), *n = str(c, "name"), *sc = str(c, "scope");
			if (!st || !n || !sc || strcmp(st, "failed") || strcmp(n, want->name))
				continue;
			scope_key(sc, b, sizeof(b));
			if (!strcmp(a, b))
				return true;
		}
		return false;
	}
	struct signature got = signature_of(result, NULL);
	return got.kind == want->kind && !strcmp(got.name, want->name);
}

void signature_format(const struct signature *s, char *out, size_t n)
{
	switch (s->kind) {
	case SIG_SCHEDULER: snprintf(out, n, "the scheduler %s", s->name); break;
	case SIG_FINDING: snprintf(out, n, "kernel finding %s", s->name); break;
	case SIG_RUN_ERROR: snprintf(out, n, "the guest died or hung mid-run"); break;
	case SIG_CLAIM: snprintf(out, n, "claim %s (%s) failed", s->name, s->scope); break;
	case SIG_KEEP: snprintf(out, n, "a failure whose reason matches /%s/", s->keep); break;
	default: snprintf(out, n, "no failure"); break;
	}
}
