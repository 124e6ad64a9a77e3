/* guest: shared declarations of the in-guest executor (PID 1). */
#ifndef KTSTR_GUEST_H
#define KTSTR_GUEST_H

#include <stdarg.h>
#include <stddef.h>

#ifndef KTSTR_VERSION
#define KTSTR_VERSION "0"
#endif

extern int data_fd;
void send_record(unsigned type, const void *payload, size_t len);
void guest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *cmdline_get(const char *key);
/* sysenv.c: /dev/shm, /run, /etc/passwd and friends for real programs;
 * the scratch disk of ktstr.disk=FORMAT (NULL: none), or why not. */
void sysenv_setup(void);
const char *sysenv_disk(const char *format);

/* exec.c: run a script with /bin/sh, relaying stdout/stderr as records;
 * returns its exit status (128+signal when killed). */
int run_exec(const char *script);
/* exec.c: an interactive shell on the console; returns its status. */
int run_shell(void);

#endif
