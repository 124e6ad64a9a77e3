/* hostrun: `ktstr run --host` — the same executor (ktstr-guest --host) on
 * this machine, in a cgroup v2 subtree <cgroup2 mount>/ktstr-<pid>, with
 * the records read from its stdout.  Refuses clearly without root or
 * without a writable cgroup2 that offers the cpu and cpuset controllers;
 * the subtree is removed on every exit path, and `ktstr cleanup` removes
 * what a killed run left. */
#ifndef KTSTR_HOSTRUN_H
#define KTSTR_HOSTRUN_H

#include "run.h"

/* The cgroup2 mount point from /proc/mounts; false if none. */
bool cgroup2_mount(char *out, size_t n);
int run_on_host(const struct kb_program *p, const struct run_opts *o, const char *root_name,
		struct run_output *out);

#endif
