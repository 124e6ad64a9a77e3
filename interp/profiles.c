/* profiles: the flag combinations of a scheduler definition whose
 * `requires` hold — what `ktstr list --profiles` prints and what
 * `ktstr gauntlet --profiles all` runs. */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

/* Whether every flag selected in mask has the flags it requires. */
static bool requires_hold(const struct ynode *flags, size_t n, unsigned mask)
{
	for (size_t i = 0; i < n; i++) {
		if (!(mask >> i & 1))
			continue;
		const struct ynode *req = ynode_get(flags->items[i], "requires");
		for (size_t r = 0; req && req->kind == YN_SEQ && r < req->n; r++) {
			bool found = false;
			for (size_t k = 0; k < n; k++)
				found |= (mask >> k & 1) && !strcmp(ynode_get(flags->items[k], "name")->str, req->items[r]->str);
			if (!found)
				return false;
		}
	}
	return true;
}

int sched_profiles(const struct ynode *sched, void (*fn)(const char *csv, void *ctx), void *ctx)
{
	const struct ynode *flags = ynode_get(sched, "flags");
	size_t n = flags && flags->kind == YN_SEQ ? flags->n : 0;
	if (n > SCHED_PROFILE_MAX_FLAGS)
		return -1;
	int count = 0;
	for (unsigned mask = 0; mask < (1u << n); mask++) {
		if (!requires_hold(flags, n, mask))
			continue;
		char csv[512] = "";
		for (size_t i = 0; i < n; i++)
			if (mask >> i & 1)
				snprintf(csv + strlen(csv), sizeof(csv) - strlen(csv), "%s%s", *csv ? "," : "",
					 ynode_get(flags->items[i], "name")->str);
		fn(csv, ctx);
		count++;
	}
	return count;
}
