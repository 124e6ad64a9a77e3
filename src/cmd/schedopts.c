/* schedopts: --attach-timeout and --watchdog, the scheduler's timeouts
 * given on the command line (run, gauntlet, reduce) — for a scheduler
 * run as a bare binary, which has no definition to set them in, and for
 * a definition whose values do not suit this host (TCG is slow to load
 * BPF).  Each is bounded like the scenario key it overrides, read from
 * the format's tables so the two cannot disagree. */
#include "builtin.h"
#include "bytecode.h"
#include "types.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <string.h>

/* The key an option overrides: the definition's attach_timeout, the
 * scenario's watchdog. */
static const struct ty_field *overridden(int opt)
{
	if (opt == SCHED_OPT_ATTACH_TIMEOUT)
		return ty_field(ty_field(&ty_scenario, "schedulers")->ty->elem, "attach_timeout");
	return ty_field(&ty_scenario, "watchdog");
}

int sched_opts_parse(const char *cmd, struct sched_opts *so, int opt, const char *arg)
{
	const struct ty_field *f = overridden(opt);
	const char *name = opt == SCHED_OPT_ATTACH_TIMEOUT ? "attach-timeout" : "watchdog";
	uint64_t ns;
	char lo[32], hi[32];
	fmt_duration(lo, sizeof(lo), (uint64_t)f->ty->imin);
	fmt_duration(hi, sizeof(hi), (uint64_t)f->ty->imax);
	if (!parse_dur(arg, &ns) || ns < (uint64_t)f->ty->imin || ns > (uint64_t)f->ty->imax)
		return usage_error(cmd, "--%s %s; expected a duration from %s to %s (as for %s:)", name, arg, lo, hi,
				   f->key);
	if (opt == SCHED_OPT_ATTACH_TIMEOUT)
		so->attach_timeout = arg, so->attach_timeout_ns = ns;
	else
		so->watchdog = arg, so->watchdog_ns = ns;
	return 0;
}

bool sched_opts_apply(const struct sched_opts *so, struct kb_program *p, char *why, size_t n)
{
	if (so->watchdog_ns)
		p->watchdog_ns = so->watchdog_ns;
	if (!so->attach_timeout_ns)
		return true;
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		if (in->op != OPC_SCHEDULER)
			continue;
		/* every sched_ext scheduler is lowered with its timeout (the
		 * default included); eevdf has neither binary nor timeout */
		for (uint32_t k = 0; kb_get_str(p, in, "binary") && k < in->nops; k++) {
			struct kb_operand *o = &p->opnd[in->first + k];
			if (o->type == KB_DUR && !strcmp(p->str[o->key], "attach_timeout")) {
				o->i = (int64_t)so->attach_timeout_ns;
				return true;
			}
		}
	}
	snprintf(why, n, "--attach-timeout applies to a sched_ext scheduler; this run is under eevdf (give --scheduler)");
	return false;
}
