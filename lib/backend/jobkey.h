/*
 * A job's key: the name of one submission across sites, carried in the
 * job's comment ("hpcl-key=KEY") so that any site can be asked for it.
 * Drivers read it back from the jobs they list; the journal records it.
 */
#ifndef HPCL_BACKEND_JOBKEY_H
#define HPCL_BACKEND_JOBKEY_H

#include "core/core.h"

#define HPCL__KEY_PREFIX "hpcl-"
#define HPCL__KEY_LEN 37 /* "hpcl-" and 32 lowercase hex digits */
#define HPCL__COMMENT_TAG "hpcl-key="

/* A new key: 128 random bits as "hpcl-" and 32 hex digits. */
hpcl_rc hpcl__key_new(char out[HPCL__KEY_LEN + 1], hpcl_ctx *ctx);

/* 1 if key is well formed. */
int hpcl__key_valid(const char *key);

/* The job comment: "hpcl-key=KEY", then " COMMENT" if comment is not
 * NULL or "".  *out is owned by the caller. */
hpcl_rc hpcl__key_comment(char **out, hpcl_ctx *ctx, const char *key,
                          const char *comment);

/* The key in a job comment: 1 and out filled if found, else 0. */
int hpcl__key_from_comment(char out[HPCL__KEY_LEN + 1], const char *comment);

#endif
