/* exitcode: ktstr's exit statuses, shared by every room of src/ (the
 * commands return them; the kernel cache and the run report them). */
#ifndef KTSTR_EXITCODE_H
#define KTSTR_EXITCODE_H

enum kt_exit {
	KT_EXIT_PASS = 0,	/* pass or skip */
	KT_EXIT_FAIL = 1,	/* a claim did not hold */
	KT_EXIT_USAGE = 2,	/* invalid input or usage */
	KT_EXIT_INFRA = 3,	/* the harness could not run it */
};

#endif
