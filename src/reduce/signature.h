/* signature: how a run failed, so a smaller scenario can be held to
 * failing the same way — the scheduler's failure (ejected, exited, ...),
 * a kernel finding, the guest dying mid-run, or the first failed claim
 * (name and scope); or, given --keep REGEX, any failure whose reason
 * matches. */
#ifndef KTSTR_SIGNATURE_H
#define KTSTR_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

enum sig_kind { SIG_NONE, SIG_SCHEDULER, SIG_FINDING, SIG_RUN_ERROR, SIG_CLAIM, SIG_KEEP };

struct signature {
	enum sig_kind kind;
	char name[128];		/* scheduler event, finding or claim name */
	char scope[192];	/* the claim's scope */
	const char *keep;	/* --keep REGEX, else NULL */
};

/* The failure of a result; SIG_NONE when it did not fail. */
struct signature signature_of(const struct cJSON *result, const char *keep);
/* Whether the result failed the same way.  A --keep regex that does not
 * compile returns false with why (see signature_check_regex). */
bool signature_match(const struct signature *s, const struct cJSON *result);
/* NULL when re compiles, else PCRE2's message with its offset. */
const char *signature_check_regex(const char *re, char *why, size_t n);
void signature_format(const struct signature *s, char *out, size_t n);

#endif
