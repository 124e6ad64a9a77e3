/* registry: the one table of work types the executor knows.  A new work
 * type adds its file to Makefile.inc, an extern here and a row below. */
#include "work.h"

#include <string.h>

extern const struct work_type work_spin_wait, work_yield_heavy, work_mixed;

const struct work_type *const work_types[] = {
	&work_spin_wait,
	&work_yield_heavy,
	&work_mixed,
	NULL,
};

const struct work_type *work_type_find(const char *name)
{
	for (size_t i = 0; work_types[i]; i++)
		if (!strcmp(work_types[i]->name, name))
			return work_types[i];
	return NULL;
}
