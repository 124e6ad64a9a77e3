/* summary: a gauntlet's outcome as one JSON document (gauntlet.json) —
 * the matrix identity, the shard, every cell with its verdict — and what
 * is made from it: the printed matrix, JUnit XML, the exit status, and
 * the merge of shard outputs. */
#ifndef KTSTR_SUMMARY_H
#define KTSTR_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "matrix.h"
#include "runner.h"

struct cJSON;

struct cJSON *gauntlet_doc(const struct matrix *m, const struct cell_result *res, unsigned shard, unsigned shards);
/* The matrix: a row per scenario, a column per topology and scheduler;
 * repeats folded (pass, FAIL, flaky, skip, ERROR, - not run); then the
 * reasons of what did not pass. */
void gauntlet_print(const struct cJSON *doc, FILE *out);
void gauntlet_junit(const struct cJSON *doc, FILE *out);
/* With several schedulers: per scenario and preset, every scheduler's
 * finished cells against the first scheduler's, as `ktstr compare`. */
void gauntlet_ab(const struct cJSON *doc, FILE *out);
/* 0 all passed or skipped, 1 a failure, 3 an infrastructure error. */
int gauntlet_exit(const struct cJSON *doc);
/* One document of n shard documents of the same matrix; NULL with why in
 * err when they are of different matrices or overlap. */
struct cJSON *gauntlet_merge(struct cJSON *const *docs, size_t n, char *err, size_t errn);
/* Writes doc as dir/gauntlet.json and dir/junit.xml. */
bool gauntlet_write(const struct cJSON *doc, const char *dir, char *err, size_t errn);

#endif
