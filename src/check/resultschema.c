/* resultschema: the JSON Schema of a run result (`ktstr schema --result`,
 * committed as schema/result.schema.json).  The envelope — verdict,
 * claims, summaries — is written here once; the records the executor
 * sends are described from the guest contract (guest/report.def), the
 * claim statuses from the checker and the per-cgroup summary columns
 * from the metric catalogue, so none of them can drift from the code. */
#include "checker.h"
#include "report.h"
#include "result.h"
#include "vocab.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char envelope[] =
	"{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
	" \"$id\": \"https://ktstr.dev/schema/result.schema.json\","
	" \"title\": \"ktstr run result\","
	" \"description\": \"One scenario run: verdict, claims, findings, per-worker summaries, per-cgroup statistics and the executor's raw records (their keys: guest/report.def).\","
	" \"type\": \"object\","
	" \"required\": [\"ktstr_version\", \"scenario\", \"topology\", \"scheduler\", \"kernel\", \"accelerator\","
	"   \"verdict\", \"reason\", \"claims\", \"findings\", \"workers\", \"cgroups\", \"records\", \"boot_ms\", \"console_tail\"],"
	" \"properties\": {"
	"  \"ktstr_version\": {\"type\": \"string\"}, \"scenario\": {\"type\": \"string\"}, \"source\": {\"type\": \"string\"},"
	"  \"topology\": {\"type\": \"string\", \"pattern\": \"^[0-9]+n[0-9]+l[0-9]+c[0-9]+t$\"},"
	"  \"scheduler\": {\"type\": \"string\"}, \"kernel\": {\"type\": \"string\"},"
	"  \"accelerator\": {\"enum\": [\"kvm\", \"tcg\", \"\"]}, \"timestamp\": {\"type\": \"number\"},"
	"  \"duration_ms\": {\"type\": \"number\", \"minimum\": 0},"
	"  \"boot_ms\": {\"type\": [\"number\", \"null\"], \"description\": \"host launch to executor start\"},"
	"  \"first_op_ms\": {\"type\": [\"number\", \"null\"], \"description\": \"host launch to the first op\"},"
	"  \"wall_ms\": {\"type\": [\"number\", \"null\"]},"
	"  \"vm_outcome\": {\"enum\": [\"exited\", \"kernel panic\", \"guest hung\", \"guest crashed\", \"interrupted\", \"launch failed\"]},"
	"  \"started\": {\"type\": \"boolean\"}, \"run_error\": {\"type\": \"string\"},"
	"  \"verdict\": {\"enum\": [\"pass\", \"fail\", \"skip\", \"error\"]},"
	"  \"reason\": {\"type\": \"string\", \"minLength\": 1},"
	"  \"claims\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
	"   \"required\": [\"name\", \"scope\", \"expected\", \"actual\", \"passed\", \"status\"],"
	"   \"properties\": {\"name\": {\"type\": \"string\"}, \"scope\": {\"type\": \"string\"},"
	"    \"expected\": {\"type\": \"string\"}, \"actual\": {\"type\": [\"number\", \"null\"]},"
	"    \"actual_text\": {\"type\": \"string\"},"
	"    \"passed\": {\"type\": \"boolean\", \"description\": \"status is held\"},"
	"    \"status\": {}, \"detail\": {\"type\": \"string\"}},"
	"   \"additionalProperties\": false}},"
	"  \"findings\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"required\": [\"name\", \"line\"],"
	"   \"properties\": {\"name\": {\"type\": \"string\"}, \"line\": {\"type\": \"string\"},"
	"    \"expected\": {\"type\": \"boolean\", \"description\": \"the scenario expects it (expect_findings): it does not fail the run\"}},"
	"   \"additionalProperties\": false}},"
	"  \"workers\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
	"   \"required\": [\"cgroup\", \"pid\", \"work_units\", \"cpus\", \"max_gap_ms\"],"
	"   \"properties\": {\"cgroup\": {\"type\": \"string\"}, \"pid\": {\"type\": [\"number\", \"null\"]},"
	"    \"work\": {\"type\": \"string\"}, \"work_units\": {\"type\": [\"number\", \"null\"], \"minimum\": 0},"
	"    \"iterations\": {\"type\": [\"number\", \"null\"], \"minimum\": 0},"
	"    \"cpus\": {\"type\": \"array\", \"items\": {\"type\": \"integer\", \"minimum\": 0}},"
	"    \"max_gap_ms\": {\"type\": [\"number\", \"null\"], \"minimum\": 0},"
	"    \"migrations\": {\"type\": [\"number\", \"null\"], \"minimum\": 0}, \"sentinel\": {\"type\": \"boolean\"}}}},"
	"  \"cgroups\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"required\": [\"name\"],"
	"   \"properties\": {\"name\": {\"type\": \"string\"}}, \"additionalProperties\": false}},"
	"  \"records\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"required\": [\"type\"],"
	"   \"properties\": {\"type\": {\"type\": \"string\"}}, \"allOf\": []}},"
	"  \"payloads\": {\"type\": \"array\", \"description\": \"one summary per payload run (src/check/payloadview.h)\","
	"   \"items\": {\"type\": \"object\", \"required\": [\"name\", \"exit_code\", \"output\"],"
	"    \"properties\": {\"name\": {\"type\": \"string\"}, \"step\": {\"type\": \"number\"},"
	"     \"exit_code\": {\"type\": \"number\"}, \"wall_ms\": {\"type\": \"number\"}, \"timed_out\": {\"type\": \"boolean\"},"
	"     \"output\": {\"type\": \"string\"}, \"subtests\": {\"type\": \"object\"},"
	"     \"key_metrics\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"required\": [\"name\", \"value\", \"better\"],"
	"      \"properties\": {\"name\": {\"type\": \"string\"}, \"value\": {\"type\": [\"number\", \"null\"]},"
	"       \"better\": {\"enum\": [\"lower\", \"higher\"]}, \"unit\": {\"type\": \"string\"}}}}}}},"
	"  \"console_tail\": {\"type\": \"string\"},"
	"  \"trace\": {\"$ref\": \"#/$defs/trace_record\"},"
	"  \"watchdog\": {\"type\": \"object\", \"required\": [\"requested_ms\", \"applied\"],"
	"   \"description\": \"the scenario's watchdog (or --watchdog), which only the host monitor applies: whether it was, and if not why\","
	"   \"properties\": {\"requested_ms\": {\"type\": \"number\"}, \"applied\": {\"type\": \"boolean\"},"
	"    \"verified\": {\"type\": \"boolean\"}, \"reason\": {\"type\": \"string\"}}},"
	"  \"monitor\": {\"type\": \"object\", \"required\": [\"available\"],"
	"   \"description\": \"the host-side monitor of the guest kernel (src/vm/monitor.h)\","
	"   \"properties\": {\"available\": {\"type\": \"boolean\"}, \"reason\": {\"type\": \"string\"},"
	"    \"period_ms\": {\"type\": \"number\"}, \"samples\": {\"type\": \"number\"},"
	"    \"summary\": {\"type\": \"object\"}, \"watchdog\": {\"type\": \"object\"},"
	"    \"series\": {\"type\": \"object\"}, \"last\": {\"type\": \"array\"},"
	"    \"dump\": {\"type\": \"object\", \"description\": \"the samples before sched_ext first left the enabled state\"}}}},"
	" \"$defs\": {}}";

static cJSON *key_schema(const struct rep_key_info *k)
{
	cJSON *o = cJSON_CreateObject();
	static const char *const json_type[] = {
		[RKT_U64] = "integer", [RKT_I64] = "integer", [RKT_NUM] = "number", [RKT_BOOL] = "boolean",
		[RKT_STR] = "string", [RKT_CPUS] = "array", [RKT_SAMPLES] = "array", [RKT_ARR] = "array",
		[RKT_OBJ] = "object",
	};
	if (k->flags & RKF_NUL) {
		const char *both[] = {json_type[k->type], "null"};
		cJSON_AddItemToObject(o, "type", cJSON_CreateStringArray(both, 2));
	} else {
		cJSON_AddStringToObject(o, "type", json_type[k->type]);
	}
	if (k->type == RKT_U64)
		cJSON_AddNumberToObject(o, "minimum", 0);
	if (k->type == RKT_CPUS || k->type == RKT_SAMPLES) {
		cJSON *it = cJSON_AddObjectToObject(o, "items");
		cJSON_AddStringToObject(it, "type", k->type == RKT_CPUS ? "integer" : "number");
		cJSON_AddNumberToObject(it, "minimum", 0);
	}
	cJSON_AddStringToObject(o, "description", k->doc);
	return o;
}

/* An object schema of every key carried where `where`; with strict, the
 * REQ keys required and nothing else allowed. */
static cJSON *object_of(unsigned where, bool strict)
{
	cJSON *o = cJSON_CreateObject(), *props = cJSON_AddObjectToObject(o, "properties");
	cJSON *req = cJSON_CreateArray();
	for (int i = 0; i < RK__COUNT; i++) {
		const struct rep_key_info *k = &rep_keys[i];
		if (!(k->where & where))
			continue;
		cJSON *ks = key_schema(k);
		if (where == RKW_W && i == RK_PHASES) {
			cJSON *it = cJSON_AddObjectToObject(ks, "items");
			cJSON_AddStringToObject(it, "$ref", "#/$defs/phase");
		}
		cJSON_AddItemToObject(props, k->name, ks);
		if (strict && (k->flags & (RKF_REQ | RKF_ERR)))
			cJSON_AddItemToArray(req, cJSON_CreateString(k->name));
	}
	if (strict) {
		cJSON_AddItemToObject(o, "required", req);
		cJSON_AddBoolToObject(o, "additionalProperties", false);
	} else {
		cJSON_Delete(req);
	}
	return o;
}

/* Which objects a record kind's keys are marked with (0: none). */
static unsigned where_of(enum rec_kind k)
{
	switch (k) {
	case RT_WORKER: return RKW_W;
	case RT_CPUSET: return RKW_C;
	case RT_OP_ERROR: return RKW_E;
	case RT_PAYLOAD: return RKW_Y;
	case RT_SCHEDULER: return RKW_S;
	case RT_CAPTURE: return RKW_K;
	case RT_STEP_START: case RT_STEP_END: case RT_BACKDROP_START: case RT_END: return RKW_T;
	case RT_LOG: return RKW_L;
	case RT_MONITOR: return RKW_M;
	case RT_TRACE: return RKW_R;
	default: return 0;
	}
}

char *result_json_schema(void)
{
	cJSON *s = cJSON_Parse(envelope);
	cJSON *props = cJSON_GetObjectItem(s, "properties");
	cJSON *defs = cJSON_GetObjectItem(s, "$defs");
	/* claim statuses */
	cJSON *st = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		props, "claims"), "items"), "properties"), "status");
	cJSON *names = cJSON_AddArrayToObject(st, "enum");
	for (int i = CS_HELD; i <= CS_NA; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(claim_status_name((enum claim_status)i)));
	/* summary columns */
	cJSON *cgp = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(props, "cgroups"), "items"),
					 "properties");
	for (const struct ty_alt *a = ty_metric.alts; a->name; a++) {
		const struct metric_info *mi = a->ext;
		if (!mi->column)
			continue;
		cJSON *m = cJSON_AddObjectToObject(cgp, a->name);
		const char *t[] = {"number", "null"};
		cJSON_AddItemToObject(m, "type", cJSON_CreateStringArray(t, 2));
		cJSON_AddStringToObject(m, "description", a->doc);
	}
	/* records, by kind */
	cJSON *recs = cJSON_GetObjectItem(cJSON_GetObjectItem(props, "records"), "items");
	cJSON_AddItemToObject(cJSON_GetObjectItem(cJSON_GetObjectItem(recs, "properties"), "type"), "enum",
			      cJSON_CreateArray());
	cJSON *kinds = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(recs, "properties"), "type"),
					   "enum");
	cJSON *all = cJSON_GetObjectItem(recs, "allOf");
	for (int k = 0; k < RT__COUNT; k++) {
		cJSON_AddItemToArray(kinds, cJSON_CreateString(rec_kinds[k].name));
		unsigned where = where_of((enum rec_kind)k);
		if (!where)
			continue;
		char def[64];
		snprintf(def, sizeof(def), "%s_record", rec_kinds[k].name);
		cJSON *body = object_of(where, k == RT_WORKER);
		cJSON_AddStringToObject(body, "description", rec_kinds[k].doc);
		cJSON_AddItemToObject(defs, def, body);
		cJSON *cond = cJSON_CreateObject();
		cJSON *ifp = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(cond, "if"),
									     "properties"), "type");
		cJSON_AddStringToObject(ifp, "const", rec_kinds[k].name);
		char ref[96];
		snprintf(ref, sizeof(ref), "#/$defs/%s", def);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(cond, "then"), "$ref", ref);
		cJSON_AddItemToArray(all, cond);
	}
	cJSON *phase = object_of(RKW_P, true);
	cJSON_AddStringToObject(phase, "description", "a worker's slice of one step");
	cJSON_AddItemToObject(defs, "phase", phase);
	char *out = cJSON_Print(s);
	cJSON_Delete(s);
	return out;
}
