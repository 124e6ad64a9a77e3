/* reduce: the delta-debugging loop (see reduce.h).  After a candidate is
 * accepted the list is made again from it and the walk goes on at the
 * same position — what came before failed to reproduce on a larger
 * scenario and is unlikely to on a smaller one; a full pass that accepts
 * nothing ends the reduction.  Texts already run are remembered, so no
 * candidate boots twice. */
#include "reduce.h"
#include "passes.h"
#include "util.h"
#include "ydom.h"

#include <cjson/cJSON.h>
#include <string.h>

struct memo {
	uint64_t *h;
	bool *repro;
	size_t n, cap;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int memo_find(const struct memo *m, uint64_t h)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->h[i] == h)
			return (int)i;
	return -1;
}

static void memo_add(struct memo *m, uint64_t h, bool repro)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->h = xrealloc(m->h, m->cap * sizeof(*m->h));
		m->repro = xrealloc(m->repro, m->cap * sizeof(*m->repro));
	}
	m->h[m->n] = h;
	m->repro[m->n++] = repro;
}

static char *text_of(const cJSON *doc)
{
	struct strbuf sb = {0};
	ydom_emit(doc, &sb);
	return sb.buf ? sb.buf : xstrdup("");
}

/* From candidate i on, the next batch of valid, new candidates: their
 * texts and indexes; a remembered reproduction comes back at once. */
static size_t next_batch(struct candidate *c, size_t n, size_t *i, const struct reduce_io *io, struct memo *m,
			 struct reduce_stats *st, char **texts, size_t *idx, int *known)
{
	size_t k = 0;
	*known = -1;
	for (; *i < n && k < (size_t)io->batch && *known < 0; (*i)++) {
		char *t = text_of(c[*i].doc);
		int seen = memo_find(m, hash(t));
		if (seen >= 0) {
			if (m->repro[seen])
				*known = (int)*i;
			free(t);
		} else if (!io->valid(t, io->ctx)) {
			st->invalid++;
			memo_add(m, hash(t), false);
			free(t);
		} else {
			texts[k] = t, idx[k++] = *i;
		}
	}
	return k;
}

cJSON *reduce_run(const cJSON *doc, const char *keep_claim, const char *keep_cgroup, const struct reduce_io *io,
		  struct reduce_stats *st)
{
	memset(st, 0, sizeof(*st));
	cJSON *best = cJSON_Duplicate(doc, 1);
	struct memo m = {0};
	char **texts = xcalloc((size_t)io->batch, sizeof(*texts));
	size_t *idx = xcalloc((size_t)io->batch, sizeof(*idx));
	bool *repro = xcalloc((size_t)io->batch, sizeof(*repro));
	bool changed = true;
	while (changed && !io->stop(io->ctx)) {
		changed = false;
		st->rounds++;
		size_t i = 0;
		for (;;) {
			struct candidate *c;
			size_t n = reduce_candidates(best, keep_claim, keep_cgroup, &c);
			int known;
			size_t k = next_batch(c, n, &i, io, &m, st, texts, idx, &known);
			int hit = known;
			if (k && hit < 0 && !io->stop(io->ctx)) {
				memset(repro, 0, (size_t)io->batch * sizeof(*repro));
				io->run(texts, k, repro, io->ctx);
				st->runs += (int)k;
				for (size_t j = 0; j < k; j++) {
					memo_add(&m, hash(texts[j]), repro[j]);
					if (repro[j] && hit < 0)
						hit = (int)idx[j];
				}
			}
			for (size_t j = 0; j < k; j++)
				free(texts[j]);
			if (hit >= 0) {
				cJSON_Delete(best);
				best = c[hit].doc;
				c[hit].doc = NULL;
				st->accepted++;
				changed = true;
				io->accepted(c[hit].what, best, io->ctx);
				i = (size_t)hit;	/* the list is made again from the smaller scenario */
			}
			candidates_free(c, n);
			if ((!k && hit < 0) || io->stop(io->ctx))
				break;
		}
	}
	free(texts);
	free(idx);
	free(repro);
	free(m.h);
	free(m.repro);
	return best;
}
