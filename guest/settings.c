/* settings: per-worker self-configuration (see settings.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "settings.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static const char *fail(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static const char *fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return err;
}

/* ---- parsing ------------------------------------------------------------- */

static bool has_prefix(const char *s, const char *pre)
{
	return !strncmp(s, pre, strlen(pre));
}

bool st_parse(const struct kb_program *p, const struct kb_insn *in,
	      struct worker_settings *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->mpol_mode = ST_MPOL_NONE;
	int64_t v;

	const char *pol = kb_get_str(p, in, "policy");
	if (!pol || !strcmp(pol, "normal")) {
		s->policy = ST_POL_NORMAL;
	} else if (!strcmp(pol, "batch")) {
		s->policy = ST_POL_BATCH;
	} else if (!strcmp(pol, "idle")) {
		s->policy = ST_POL_IDLE;
	} else if (!strcmp(pol, "ext")) {
		s->policy = ST_POL_EXT;
	} else if (!strcmp(pol, "fifo") || !strcmp(pol, "rr")) {
		s->policy = !strcmp(pol, "fifo") ? ST_POL_FIFO : ST_POL_RR;
		s->prio = 1;
		if (kb_get_int(p, in, !strcmp(pol, "fifo") ? "policy.fifo" : "policy.rr", &v))
			s->prio = (int)(v < 1 ? 1 : v > 99 ? 99 : v);
	} else if (!strcmp(pol, "deadline")) {
		s->policy = ST_POL_DEADLINE;
		if (kb_get_int(p, in, "policy.runtime", &v))
			s->dl_runtime = (uint64_t)v;
		if (kb_get_int(p, in, "policy.deadline", &v))
			s->dl_deadline = (uint64_t)v;
		if (kb_get_int(p, in, "policy.period", &v))
			s->dl_period = (uint64_t)v;
		if (!s->dl_period)
			s->dl_period = s->dl_deadline;
	} else {
		snprintf(err, errlen, "unknown policy '%s'", pol);
		return false;
	}

	if (kb_get_int(p, in, "nice", &v)) {
		s->has_nice = true;
		s->nice = (int)v;
	}

	static const struct { const char *name; int mode; } modes[] = {
		{"default", ST_MPOL_NONE}, {"local", ST_MPOL_LOCAL},
		{"bind", ST_MPOL_BIND}, {"preferred", ST_MPOL_PREFERRED},
		{"interleave", ST_MPOL_INTERLEAVE},
		{"preferred_many", ST_MPOL_PREFERRED_MANY},
		{"weighted_interleave", ST_MPOL_WEIGHTED_INTERLEAVE},
	};
	const char *mp = kb_get_str(p, in, "mem_policy");
	if (mp) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(modes); i++)
			if (!strcmp(mp, modes[i].name))
				break;
		if (i == ARRAY_SIZE(modes)) {
			snprintf(err, errlen, "unknown mem_policy '%s'", mp);
			return false;
		}
		s->mpol_mode = modes[i].mode;
		char key[64];
		snprintf(key, sizeof(key), "mem_policy.%s", mp);
		for (uint32_t k = 0; k < in->nops; k++) {
			const struct kb_operand *o = &p->opnd[in->first + k];
			if (o->type == KB_INT && !strcmp(p->str[o->key], key) &&
			    s->nnodes < ST_MAX_NODES)
				s->nodes[s->nnodes++] = (int)o->i;
		}
	}

	/* mpol_flags: a list, lowered as mpol_flags.0, mpol_flags.1, ... (or
	 * repeated mpol_flags). */
	for (uint32_t k = 0; k < in->nops; k++) {
		const struct kb_operand *o = &p->opnd[in->first + k];
		const char *key = p->str[o->key];
		if (o->type != KB_STR || (strcmp(key, "mpol_flags") && !has_prefix(key, "mpol_flags.")))
			continue;
		const char *f = p->str[o->s];
		if (!strcmp(f, "static_nodes"))
			s->mpol_flags |= ST_MPOL_F_STATIC_NODES;
		else if (!strcmp(f, "relative_nodes"))
			s->mpol_flags |= ST_MPOL_F_RELATIVE_NODES;
		else if (!strcmp(f, "numa_balancing"))
			s->mpol_flags |= ST_MPOL_F_NUMA_BALANCING;
		else {
			snprintf(err, errlen, "unknown mpol_flag '%s'", f);
			return false;
		}
	}

	const char *comm = kb_get_str(p, in, "comm");
	if (comm)
		snprintf(s->comm, sizeof(s->comm), "%s", comm);
	if (kb_get_int(p, in, "uid", &v)) {
		s->has_uid = true;
		s->uid = (uint32_t)v;
	}
	if (kb_get_int(p, in, "gid", &v)) {
		s->has_gid = true;
		s->gid = (uint32_t)v;
	}
	return true;
}

/* ---- affinity ---------------------------------------------------------------- */

const char *st_affinity_tid(pid_t tid, const struct cpuset *cpus, char *err, size_t errlen)
{
	char list[512];
	cpuset_format(cpus, list, sizeof(list));
	if (!cpuset_count(cpus))
		return fail(err, errlen, "sched_setaffinity: empty CPU set");
	cpu_set_t m;
	CPU_ZERO(&m);
	for (unsigned c = 0; c < KT_MAX_CPUS && c < CPU_SETSIZE; c++)
		if (cpuset_has(cpus, c))
			CPU_SET(c, &m);
	if (sched_setaffinity(tid, sizeof(m), &m))
		return fail(err, errlen, "sched_setaffinity(tid=%d, cpus=%s): %s", tid ? tid : (int)syscall(SYS_gettid),
			    list, strerror(errno));
	return NULL;
}

const char *st_affinity(const struct cpuset *cpus, char *err, size_t errlen)
{
	return st_affinity_tid(0, cpus, err, errlen);
}

/* ---- scheduling policy ------------------------------------------------------- */

struct kt_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

const char *st_policy(const struct worker_settings *s, char *err, size_t errlen)
{
	struct sched_param sp = {0};
	int pol;
	switch (s->policy) {
	case ST_POL_NORMAL:
		return NULL;
	case ST_POL_BATCH:
		pol = SCHED_BATCH;
		break;
	case ST_POL_IDLE:
		pol = SCHED_IDLE;
		break;
	case ST_POL_FIFO:
	case ST_POL_RR:
		pol = s->policy == ST_POL_FIFO ? SCHED_FIFO : SCHED_RR;
		sp.sched_priority = s->prio < 1 ? 1 : s->prio > 99 ? 99 : s->prio;
		break;
	case ST_POL_EXT: {
		/* Keep the nice value: sched_setattr sets it for fair-class
		 * policies. */
		errno = 0;
		int cur = getpriority(PRIO_PROCESS, 0);
		struct kt_sched_attr a = {.size = sizeof(a), .sched_policy = ST_SCHED_EXT,
					  .sched_nice = errno ? 0 : cur};
		if (syscall(SYS_sched_setattr, 0, &a, 0))
			return fail(err, errlen, "sched_setattr(SCHED_EXT): %s", strerror(errno));
		return NULL;
	}
	case ST_POL_DEADLINE: {
		uint64_t rt = s->dl_runtime, dl = s->dl_deadline;
		uint64_t per = s->dl_period ? s->dl_period : dl;
		if (!dl)
			return fail(err, errlen, "sched_setattr: deadline must be > 0");
		if (rt > INT64_MAX || dl > INT64_MAX || per > INT64_MAX)
			return fail(err, errlen, "sched_setattr: duration exceeds i64::MAX");
		if (rt < 1024)
			return fail(err, errlen, "sched_setattr: runtime (%llu ns) below kernel DL_SCALE floor (1024 ns)",
				    (unsigned long long)rt);
		if (rt > dl)
			return fail(err, errlen, "sched_setattr: runtime (%llu ns) > deadline (%llu ns)",
				    (unsigned long long)rt, (unsigned long long)dl);
		if (dl > per)
			return fail(err, errlen, "sched_setattr: deadline (%llu ns) > period (%llu ns)",
				    (unsigned long long)dl, (unsigned long long)per);
		struct kt_sched_attr a = {.size = sizeof(a), .sched_policy = SCHED_DEADLINE,
					  .sched_runtime = rt, .sched_deadline = dl,
					  .sched_period = per};
		if (syscall(SYS_sched_setattr, 0, &a, 0))
			return fail(err, errlen, "sched_setattr(SCHED_DEADLINE runtime=%llu deadline=%llu period=%llu): %s",
				    (unsigned long long)rt, (unsigned long long)dl,
				    (unsigned long long)per, strerror(errno));
		return NULL;
	}
	default:
		return fail(err, errlen, "unknown policy %d", (int)s->policy);
	}
	/* pid 0 is the calling thread for the raw syscall; glibc passes it
	 * through unchanged. */
	if (sched_setscheduler(0, pol, &sp))
		return fail(err, errlen, "sched_setscheduler(%s, prio %d): %s",
			    pol == SCHED_BATCH ? "SCHED_BATCH" : pol == SCHED_IDLE ? "SCHED_IDLE" :
			    pol == SCHED_FIFO ? "SCHED_FIFO" : "SCHED_RR",
			    sp.sched_priority, strerror(errno));
	return NULL;
}

/* ---- nice -------------------------------------------------------------------- */

const char *st_nice(const struct worker_settings *s, char *err, size_t errlen)
{
	if (!s->has_nice)
		return NULL;
	if (setpriority(PRIO_PROCESS, 0, s->nice))
		return fail(err, errlen, "setpriority(PRIO_PROCESS, 0, %d): %s%s", s->nice,
			    strerror(errno),
			    errno == EACCES || errno == EPERM ? " (CAP_SYS_NICE may be required for negative nice)" : "");
	return NULL;
}

/* ---- memory policy --------------------------------------------------------- */

size_t st_build_nodemask(const int *nodes, size_t n, unsigned long *mask,
			 size_t maxwords, unsigned long *maxnode)
{
	const size_t bpl = 8 * sizeof(unsigned long);
	*maxnode = 0;
	if (!n)
		return 0;
	int max = -1;
	for (size_t i = 0; i < n; i++)
		if (nodes[i] > max)
			max = nodes[i];
	if (max < 0)
		return 0;
	unsigned long mn = (unsigned long)max + 2;
	size_t words = (mn + bpl - 1) / bpl;
	if (words > maxwords)
		return 0;
	memset(mask, 0, words * sizeof(*mask));
	for (size_t i = 0; i < n; i++)
		if (nodes[i] >= 0)
			mask[(size_t)nodes[i] / bpl] |= 1ul << ((size_t)nodes[i] % bpl);
	*maxnode = mn;
	return words;
}

static const char *mode_name(int m)
{
	static const char *names[] = {"MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND",
				      "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY",
				      "MPOL_WEIGHTED_INTERLEAVE"};
	return m >= 0 && m < (int)ARRAY_SIZE(names) ? names[m] : "?";
}

const char *st_mempolicy(const struct worker_settings *s, char *err, size_t errlen)
{
	if (s->mpol_mode == ST_MPOL_NONE)
		return NULL;
	int mode = s->mpol_mode | (int)s->mpol_flags;
	if (s->mpol_mode == ST_MPOL_LOCAL || s->mpol_mode == ST_MPOL_DEFAULT) {
		if (syscall(SYS_set_mempolicy, mode, NULL, 0UL))
			return fail(err, errlen, "set_mempolicy(%s): %s", mode_name(s->mpol_mode),
				    strerror(errno));
		return NULL;
	}
	char list[256] = "";
	size_t len = 0;
	for (int i = 0; i < s->nnodes && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d", i ? "," : "", s->nodes[i]);
	if (!s->nnodes)
		return fail(err, errlen, "set_mempolicy(%s): empty node set, skipped",
			    mode_name(s->mpol_mode));
	unsigned long mask[(ST_MAX_NODES + 2 + 63) / 64 + 1], maxnode;
	if (!st_build_nodemask(s->nodes, (size_t)s->nnodes, mask, ARRAY_SIZE(mask), &maxnode))
		return fail(err, errlen, "set_mempolicy(%s, nodes=%s): node out of range",
			    mode_name(s->mpol_mode), list);
	if (syscall(SYS_set_mempolicy, mode, mask, maxnode))
		return fail(err, errlen, "set_mempolicy(%s, nodes=%s, flags=0x%x): %s",
			    mode_name(s->mpol_mode), list, s->mpol_flags, strerror(errno));
	return NULL;
}

/* ---- comm and credentials ------------------------------------------------- */

const char *st_comm(const struct worker_settings *s, char *err, size_t errlen)
{
	if (!s->comm[0])
		return NULL;
	if (prctl(PR_SET_NAME, s->comm, 0, 0, 0))
		return fail(err, errlen, "prctl(PR_SET_NAME, \"%s\"): %s", s->comm, strerror(errno));
	return NULL;
}

const char *st_creds(const struct worker_settings *s, char *err, size_t errlen)
{
	if (s->has_gid && syscall(SYS_setresgid, s->gid, s->gid, s->gid))
		return fail(err, errlen, "setresgid(%u): %s", s->gid, strerror(errno));
	if (s->has_uid && syscall(SYS_setresuid, s->uid, s->uid, s->uid))
		return fail(err, errlen, "setresuid(%u): %s", s->uid, strerror(errno));
	return NULL;
}

/* ---- sysfs ------------------------------------------------------------------ */

bool st_read_cpulist(const char *path, struct cpuset *out)
{
	cpuset_clear(out);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char buf[1024];
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	buf[strcspn(buf, "\n")] = 0;
	return cpuset_parse(buf, out);
}

bool st_online_cpus(struct cpuset *out)
{
	if (st_read_cpulist("/sys/devices/system/cpu/online", out) && cpuset_count(out))
		return true;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	cpuset_clear(out);
	cpuset_range(out, 0, (unsigned)(n < KT_MAX_CPUS ? n : KT_MAX_CPUS));
	return true;
}
