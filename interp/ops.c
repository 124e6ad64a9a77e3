/* ops: the op vocabulary of steps and the backdrop.  One row per op:
 * YAML name, argument table, opcode (opcodes.def) and doc.  Lowering
 * flattens the arguments into operands generically, so a new op needs a
 * row here and an executor function in guest/, nothing else. */
#include "vocab.h"
#include "bytecode.h"

#define NAME_ONLY(what) \
	(&(const struct ty){.kind = TY_STRUCT, .shorthand = "name", \
		.fields = (const struct ty_field[]){ \
			{"name", &ty_path, TF_REQUIRED, NULL, what}, {0}}})

#define CGROUP_ARG {"cgroup", &ty_path, TF_REQUIRED, NULL, "target cgroup"}

static const struct ty ty_spawn_args = {
	.kind = TY_STRUCT, .id = "spawn",
	.doc = "Workers to fork, and where.",
	.fields = (const struct ty_field[]){
		{"cgroup", &ty_path, 0, NULL, "existing cgroup to place them in (absent: the executor's own cgroup, as spawn_host)"},
		WORKSPEC_FIELDS,
		{0}},
};

static const struct ty ty_spawn_host_args = {
	.kind = TY_STRUCT, .id = "spawn_host",
	.doc = "Workers forked in the executor's own cgroup, competing from outside the workload tree.",
	.fields = (const struct ty_field[]){WORKSPEC_FIELDS, {0}},
};

const struct ty ty_op = {
	.kind = TY_VARIANT, .id = "op",
	.doc = "One action of a step or of the backdrop, written as {op_name: arguments}.",
	.alts = (const struct ty_alt[]){
		{"add_cgroup", NAME_ONLY("cgroup to create (a/b nests)"), 0,
		 "create an empty cgroup", OPC_ADD_CGROUP},
		{"remove_cgroup", NAME_ONLY("cgroup to remove"), 0,
		 "stop its workers and remove the cgroup", OPC_REMOVE_CGROUP},
		{"set_cpuset", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			CGROUP_ARG,
			{"cpuset", &ty_cpuset_spec, TF_REQUIRED, NULL, "the CPUs"},
			{0}}}, 0, "write the cgroup's cpuset", OPC_SET_CPUSET},
		{"clear_cpuset", NAME_ONLY("cgroup"), 0,
		 "reset the cpuset to the parent's", OPC_CLEAR_CPUSET},
		{"swap_cpusets", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"a", &ty_path, TF_REQUIRED, NULL, "first cgroup"},
			{"b", &ty_path, TF_REQUIRED, NULL, "second cgroup"},
			{0}}}, 0, "exchange two cgroups' cpusets", OPC_SWAP_CPUSETS},
		{"spawn", &ty_spawn_args, 0, "fork workers into a cgroup", OPC_SPAWN},
		{"spawn_host", &ty_spawn_host_args, 0,
		 "fork workers outside the workload tree", OPC_SPAWN_HOST},
		{"stop_cgroup", NAME_ONLY("cgroup"), 0,
		 "stop and collect its workers, keep the cgroup", OPC_STOP_CGROUP},
		{"set_affinity", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			CGROUP_ARG,
			{"affinity", &ty_affinity, TF_REQUIRED, NULL, "new affinity"},
			{0}}}, 0, "change the affinity of a cgroup's workers", OPC_SET_AFFINITY},
		{"move_all_tasks", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"from", &ty_path, TF_REQUIRED, NULL, "source cgroup"},
			{"to", &ty_path, TF_REQUIRED, NULL, "destination cgroup"},
			{0}}}, 0, "move every task between cgroups", OPC_MOVE_ALL_TASKS},
		{"set_weight", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			CGROUP_ARG,
			{"weight", T_INT(1, 10000), TF_REQUIRED, NULL, "cpu.weight"},
			{0}}}, 0, "write cpu.weight", OPC_SET_WEIGHT},
		{"set_cpu_max", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			CGROUP_ARG,
			{"quota", T_CPU_MAX_QUOTA, TF_REQUIRED, NULL, "runtime per period (>= 1ms); off = max"},
			{"period", T_CPU_MAX_PERIOD, 0, "100ms", "period (1ms to 1s)"},
			{0}}}, 0, "write cpu.max", OPC_SET_CPU_MAX},
		{"freeze", NAME_ONLY("cgroup"), 0, "freeze the cgroup", OPC_FREEZE},
		{"thaw", NAME_ONLY("cgroup"), 0, "thaw the cgroup", OPC_THAW},
		{"run_payload", &(const struct ty){.kind = TY_STRUCT, .shorthand = "payload", .fields = (const struct ty_field[]){
			{"payload", &ty_name, TF_REQUIRED, NULL, "payload name"},
			{"args", &(const struct ty){.kind = TY_LIST, .elem = &ty_str}, 0, NULL, "appended arguments"},
			{"cgroup", &ty_path, 0, NULL, "cgroup to run it in (placed before exec)"},
			{0}}}, 0, "start a payload in the background", OPC_RUN_PAYLOAD},
		{"wait_payload", &(const struct ty){.kind = TY_STRUCT, .shorthand = "payload", .fields = (const struct ty_field[]){
			{"payload", &ty_name, TF_REQUIRED, NULL, "payload name"},
			{"cgroup", &ty_path, 0, NULL, "which copy, when it runs in several cgroups"},
			{"timeout", T_DUR(NS_MS, NS_H), 0, "rest of the duration", "longest wait; then it is killed and reported"},
			{0}}}, 0, "wait for a payload to exit", OPC_WAIT_PAYLOAD},
		{"kill_payload", &(const struct ty){.kind = TY_STRUCT, .shorthand = "payload", .fields = (const struct ty_field[]){
			{"payload", &ty_name, TF_REQUIRED, NULL, "payload name"},
			{"cgroup", &ty_path, 0, NULL, "which copy"},
			{0}}}, 0, "kill a payload's process group", OPC_KILL_PAYLOAD},
		{"capture_cgroup_procs", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"tag", &ty_name, TF_REQUIRED, NULL, "key the capture is reported under"},
			CGROUP_ARG,
			{0}}}, 0, "record the cgroup's pids under a tag", OPC_CAPTURE_CGROUP_PROCS},
		{"detach_scheduler", NULL, 0, "stop the scheduler under test", OPC_DETACH_SCHEDULER},
		{"attach_scheduler", NULL, 0, "start it again", OPC_ATTACH_SCHEDULER},
		{0}},
};
