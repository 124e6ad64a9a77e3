/* payloadout: metrics from a payload's output by its output format
 * (json, yaml, ktap, text), added to its record on the host. */
#ifndef KTSTR_PAYLOADOUT_H
#define KTSTR_PAYLOADOUT_H

#include "bytecode.h"

#include <cjson/cJSON.h>

/* Sets rec's "metrics", "metric_notes" and "subtests" from its output
 * (replacing any earlier ones: extraction can be redone on a saved
 * result).  Nothing for output: exit_code. */
void payload_extract(const struct kb_program *p, const struct kb_insn *def, cJSON *rec);

/* payload_extract for every payload record. */
void payload_extract_all(const struct kb_program *p, cJSON *records);

#endif
