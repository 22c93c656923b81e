/*
 * hpcl_ctx: the library context.  It holds the configuration (which Slurm
 * to talk to), the log callback and the last error message.  One context is
 * used by one thread at a time; separate contexts are independent.
 */
#ifndef HPCLAUNCH_CTX_H
#define HPCLAUNCH_CTX_H

#include <hpclaunch/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hpcl_ctx hpcl_ctx;

/* Log levels passed to the log callback. */
typedef enum hpcl_log_level {
    HPCL_LOG_ERROR = 0,
    HPCL_LOG_WARN = 1,
    HPCL_LOG_INFO = 2,
    HPCL_LOG_DEBUG = 3
} hpcl_log_level;

typedef void (*hpcl_log_fn)(hpcl_log_level level, const char *msg, void *arg);

/* Create a context in *out.  flags must be 0.  Free with hpcl_ctx_destroy. */
HPCL_API hpcl_rc hpcl_ctx_create(hpcl_ctx **out, unsigned flags);

/* Free a context and everything it owns.  NULL is accepted. */
HPCL_API void hpcl_ctx_destroy(hpcl_ctx *ctx);

/* Detail of the last failure on ctx (borrowed, "" when none). */
HPCL_API const char *hpcl_ctx_errmsg(const hpcl_ctx *ctx);

/* Send the library's log lines to fn (NULL: discard them). */
HPCL_API hpcl_rc hpcl_ctx_set_log(hpcl_ctx *ctx, hpcl_log_fn fn, void *arg);

/* Use the slurm.conf at path for the local site (NULL: $SLURM_CONF, then
 * /etc/slurm/slurm.conf).  The file is checked before libslurm reads it. */
HPCL_API hpcl_rc hpcl_ctx_set_slurm_conf(hpcl_ctx *ctx, const char *path);

/* Library version string, e.g. "0.1.0" (static). */
HPCL_API const char *hpcl_version(void);

#ifdef __cplusplus
}
#endif

#endif
