/* payloadview: payload runs in the result summary, the text report and
 * JUnit (see payloadview.c). */
#ifndef KTSTR_PAYLOADVIEW_H
#define KTSTR_PAYLOADVIEW_H

#include "payloadout.h"

#include <stdio.h>

/* r["payloads"]: one summary per payload record, after payload_extract_all. */
void payload_summaries(cJSON *r, const struct kb_program *p, const cJSON *records);

/* Its lines in the text report. */
void payload_print(const cJSON *r, FILE *out);

/* KTAP subtests as JUnit test cases: how many (adding to the counters), and
 * the <testcase> elements. */
size_t payload_junit_count(const cJSON *r, size_t *failures, size_t *skipped);
void payload_junit(const cJSON *r, FILE *out);

#endif
