/* fuzz_result: the result reader behind `ktstr report`, `check` and
 * `compare`.  Any bytes: parse, check the shape; a well-formed result is
 * then rendered as text and JUnit and re-checked against a small program
 * (the checker over hostile records).  Nothing may crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "result.h"
#include "resultio.h"
#include "scenario.h"

static struct kb_program prog;
static bool have_prog;

static void load_prog(void)
{
	static const char yaml[] =
		"topology: 1n1l2c1t\n"
		"backdrop: {cgroups: [{name: a, workers: 2, cpuset: {cpus: [0]}}]}\n"
		"steps: [{hold: 50%, claims: {max_gap_ms: 10}}, {hold: 50%}]\n"
		"claims: {max_scx_wait_ms: 100, metrics: [{metric: p99_wake_latency_us, at_most: 5}]}\n";
	struct diag d = {0};
	struct scenario s;
	if (scenario_load_buf(&s, "fuzz.yaml", yaml, sizeof(yaml) - 1, NULL, &d)) {
		scenario_lower(&s, &prog);
		have_prog = true;
		scenario_free(&s);
	}
	diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!have_prog)
		load_prog();
	cJSON *r = cJSON_ParseWithLength((const char *)data, size);
	char why[200];
	if (r && result_shape_ok(r, why, sizeof(why))) {
		FILE *null = fopen("/dev/null", "w");
		result_print(r, null, false);
		result_junit(&r, 1, null);
		result_recheck(r, &prog);
		result_print(r, null, false);
		fclose(null);
	}
	cJSON_Delete(r);
	return 0;
}
