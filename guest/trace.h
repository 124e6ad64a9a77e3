/* trace: recording the kernel trace a program asks for with trace-cmd in
 * the guest, and shipping trace.dat to the host (see trace.c). */
#ifndef KTSTR_GUEST_TRACE_H
#define KTSTR_GUEST_TRACE_H

#include <stdbool.h>

#include "executor.h"

/* Starts the program's TRACE, if any.  false when it was asked for and
 * could not start: a trace record says why, and the run must stop. */
bool trace_start(struct exec *x);
/* Stops it, reports the buffers' statistics and sends trace.dat. */
void trace_finish(struct exec *x);

#endif
