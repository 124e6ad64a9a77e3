/* proc: running child programs (logged, with a bounded wait), removing
 * trees, and a registry of things to clean up on any exit path — normal
 * return, error, or SIGINT/SIGTERM/SIGHUP — so no QEMU process or temp
 * directory of ours outlives a run. */
#ifndef KTSTR_PROC_H
#define KTSTR_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Run argv (cwd: NULL = current) with stdout/stderr into log_fd (-1:
 * inherit).  Returns the exit status, 128+signal, or -1. */
int run_logged(const char *const *argv, const char *cwd, int log_fd);
int rm_rf(const char *path);
/* snprintf of a path; a path that does not fit is fatal (exit 3), never
 * silently cut. */
void pathf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An executable name looked up on $PATH; its path in out. */
bool find_on_path(const char *name, char *out, size_t n);
/* This executable's path (and, with dir, its directory) into out. */
bool exe_path(char *out, size_t n, bool dir);
/* CLOCK_MONOTONIC in milliseconds. */
double mono_ms(void);
/* mkdtemp of $TMPDIR (else /tmp)/ktstr-<what>-XXXXXX into out; false on
 * failure with errno set.  Paths stay short enough for UNIX sockets. */
bool make_temp_dir(const char *what, char *out, size_t n);
const char *temp_root(void);
void print_file_tail(const char *path, int lines, FILE *out);
/* Last max bytes of a file (malloc'd, NUL-terminated) or NULL. */
char *file_tail(const char *path, size_t max);

/* Cleanup registry.  Installs the signal handlers on first use. */
void cleanup_add_dir(const char *path);
void cleanup_remove_dir(const char *path);
void cleanup_add_pid(pid_t pid);
void cleanup_remove_pid(pid_t pid);
void cleanup_run(void);
/* A cgroup tree to kill and remove (leaves first) on any exit path. */
void cleanup_add_cgroup(const char *path);
void cleanup_remove_cgroup(const char *path);
/* Kill every task in the tree at path and rmdir it, leaves first. */
void cgroup_tree_destroy(const char *path);
/* The signal that interrupted us, if any.  The handler only kills our
 * children and cgroup tasks and records it; the interrupted code unwinds
 * and main() calls die_by_signal(), which cleans up in normal context and
 * dies by that signal, as a shell expects. */
extern volatile sig_atomic_t interrupted;
void die_by_signal(void);

#endif
