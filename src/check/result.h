/* result: the verdict and the result file.  A result is one JSON object
 * (schema/result.schema.json) built from the run's records, the checker's
 * claims and the console findings; the text report, JUnit XML, `ktstr
 * report`, `ktstr check` and `ktstr compare` all render or re-evaluate
 * that object, so a saved result can be re-checked without booting. */
#ifndef KTSTR_RESULT_H
#define KTSTR_RESULT_H

#include <stdbool.h>
#include <stdio.h>

#include "bytecode.h"

struct cJSON;
struct run_output;

enum verdict { V_PASS, V_FAIL, V_SKIP, V_ERROR };

struct result_meta {
	const char *scenario, *source, *scheduler, *flags;
};

/* Build the result of a run (takes ownership of nothing). */
struct cJSON *result_build(const struct kb_program *p, const struct result_meta *m,
			   const struct run_output *run);
/* Re-evaluate the claims of p against a saved result's records; updates
 * claims, verdict and reason in place. */
void result_recheck(struct cJSON *result, const struct kb_program *p);
enum verdict result_verdict(const struct cJSON *result);
int verdict_exit(enum verdict v);
const char *verdict_name(enum verdict v);

/* Text report: the first line is the verdict and its one-line reason. */
void result_print(const struct cJSON *result, FILE *out, bool color);
void result_junit(struct cJSON *const *results, size_t n, FILE *out);
/* dir/<scenario>-<timestamp>-<pid>: the result is stem.json, the files
 * that go with it (trace.dat, ...) stem.<what>.  Creates dir. */
void result_stem(const char *scenario, const char *dir, char *out, size_t n);
/* Write the result to path atomically (a temp file renamed). */
bool result_write(const struct cJSON *result, const char *path);
const char *runs_dir(void);

/* resultschema.c: the JSON Schema of a result (caller frees). */
char *result_json_schema(void);

#endif
