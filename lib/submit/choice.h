/*
 * Choosing the site for a job (lib/submit/choice.c) and submitting it there,
 * exactly once (lib/submit/submit.c).
 */
#ifndef HPCL_CHOICE_H
#define HPCL_CHOICE_H

#include "job/decision.h"
#include "job/job-internal.h"

/* Decide where job goes: forced, the only site, or by probing every site
 * at once.  *out is set even on failure (it says why); the caller owns
 * it.  HPCL_E_NOBACKEND when no site answered. */
hpcl_rc hpcl__choose(hpcl_job *job, int probe_all,
                     struct hpcl__decision **out);

/* lib/submit/submit.c: the journal of ctx, opened on first use; NULL (and
 * HPCL_OK) when the context keeps none (no hpcl_ctx_load_sites). */
hpcl_rc hpcl__ctx_journal(hpcl_ctx *ctx, struct hpcl__journal **out);

/* lib/submit/submit.c: after an ambiguous submit, ask site i for key, a few
 * times within the site's timeout.  HPCL_OK with *id (found), NOJOB (not
 * there), or the site's failure to answer. */
hpcl_rc hpcl__resolve_key(hpcl_ctx *ctx, size_t i, const char *key,
                          uint32_t *id);

#endif
