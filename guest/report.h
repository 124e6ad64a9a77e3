/* report: the guest -> host contract as C: record types, report keys
 * with their JSON types and the objects that carry them, and the
 * executor's exit statuses, all from report.def.  The guest writes
 * through these names and the host reads through them, so a key that one
 * side renames no longer compiles on the other. */
#ifndef KTSTR_REPORT_H
#define KTSTR_REPORT_H

#include <stdbool.h>

enum rec_kind {
#define RECORD(e, name, doc) RT_##e,
#include "report.def"
#undef RECORD
	RT__COUNT
};

enum rep_key {
#define KEY(e, name, type, where, flags, doc) RK_##e,
#include "report.def"
#undef KEY
	RK__COUNT
};

enum guest_status {
#define STATUS(e, value, doc) GS_##e = value,
#include "report.def"
#undef STATUS
};

enum rk_type { RKT_U64, RKT_I64, RKT_NUM, RKT_BOOL, RKT_STR, RKT_CPUS, RKT_SAMPLES, RKT_ARR, RKT_OBJ };

/* where a key appears */
#define RKW_W 0x01	/* worker report */
#define RKW_P 0x02	/* per-step slice of a worker report */
#define RKW_C 0x04	/* cpuset record */
#define RKW_E 0x08	/* op_error record */
#define RKW_Y 0x10	/* payload record */
#define RKW_S 0x20	/* scheduler record */
#define RKW_K 0x40	/* capture record */
#define RKW_T 0x80	/* step events */
#define RKW_L 0x100	/* log record */
#define RKW_M 0x200	/* monitor record */
#define RKW_R 0x400	/* trace record */
/* flags */
#define RKF_REQ 0x1	/* always present in the objects it appears in */
#define RKF_ERR 0x2	/* a worker settings failure (string, else null) */
#define RKF_NUL 0x4	/* may be null */

struct rec_kind_info {
	const char *name, *doc;
};
struct rep_key_info {
	const char *name;
	enum rk_type type;
	unsigned where, flags;
	const char *doc;
};
struct guest_status_info {
	int value;
	const char *name, *doc;
};

extern const struct rec_kind_info rec_kinds[RT__COUNT];
extern const struct rep_key_info rep_keys[RK__COUNT];
extern const struct guest_status_info guest_statuses[];

#define RK(k) (rep_keys[RK_##k].name)
#define RT(k) (rec_kinds[RT_##k].name)

/* The record kind named s; RT__COUNT when unknown or NULL. */
enum rec_kind rec_kind_of(const char *s);
/* What an executor exit status means; NULL when it is not one of ours. */
const char *guest_status_text(int status);

#endif
