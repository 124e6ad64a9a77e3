/* run: running one lowered scenario in a VM from the host side — pack the
 * program, payload binaries and their libraries into the initramfs, boot,
 * gather every JSON record the executor sends, and hand the collected
 * records with the VM outcome to the result writer and the checker. */
#ifndef KTSTR_RUN_H
#define KTSTR_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "bytecode.h"
#include "util.h"
#include "vm.h"

struct run_opts {
	const char *kernel;
	enum accel accel;
	bool verbose;
	uint64_t timeout_ns;	/* 0: duration-based default */
	bool no_monitor;	/* no host-side monitor (monitor.h) */
	unsigned monitor_period_ms;	/* 0: the default */
};

struct run_output {
	struct vm_result vm;
	void *records;		/* cJSON array of the executor's JSON records */
	double first_op_ms;	/* launch -> first op, from the host's clock */
	char kernel[4096];
	int guest_status;
	bool ok;		/* the guest ran the program to the end */
	bool bad_input;		/* failed before boot because of the input (exit 2) */
	bool skip;		/* this host cannot give the scenario what it needs */
	char reason[512];	/* why not */
	/* Why no host monitor ran ("" when one was started): what the
	 * result says of a watchdog it could not apply. */
	const char *monitor_off;
	struct strbuf trace_dat;	/* the guest's trace.dat (REC_FILE chunks), if any */
};

int run_in_vm(const struct kb_program *p, const struct run_opts *o, struct run_output *out);
void run_output_free(struct run_output *o);

#endif
