/* report: the tables of report.def (see report.h). */
#include "report.h"

#include <string.h>

const struct rec_kind_info rec_kinds[RT__COUNT] = {
#define RECORD(e, name, doc) [RT_##e] = {name, doc},
#include "report.def"
#undef RECORD
};

#define W RKW_W
#define P RKW_P
#define C RKW_C
#define E RKW_E
#define Y RKW_Y
#define S RKW_S
#define K RKW_K
#define T RKW_T
#define L RKW_L
#define M RKW_M
#define R RKW_R
#define REQ RKF_REQ
#define ERR RKF_ERR
#define NUL RKF_NUL
const struct rep_key_info rep_keys[RK__COUNT] = {
#define KEY(e, name, type, where, flags, doc) [RK_##e] = {name, RKT_##type, where, flags, doc},
#include "report.def"
#undef KEY
};

const struct guest_status_info guest_statuses[] = {
#define STATUS(e, value, doc) {value, #e, doc},
#include "report.def"
#undef STATUS
	{-1, NULL, NULL},
};

enum rec_kind rec_kind_of(const char *s)
{
	for (int i = 0; s && i < RT__COUNT; i++)
		if (!strcmp(rec_kinds[i].name, s))
			return (enum rec_kind)i;
	return RT__COUNT;
}

const char *guest_status_text(int status)
{
	for (const struct guest_status_info *g = guest_statuses; g->name; g++)
		if (g->value == status)
			return g->doc;
	return NULL;
}
