/*
 * hpcl_ctx: the library context.  It holds the configuration (the sites a
 * job may go to), the log callback and the last error message.  One
 * context is used by one thread at a time; separate contexts are
 * independent.
 */
#ifndef HPCLAUNCH_CTX_H
#define HPCLAUNCH_CTX_H

#include <stddef.h>
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

/* Read the site file hpclaunch.conf(5) at path (NULL: $HPCLAUNCH_CONF,
 * then the user's, then /etc/hpclaunch/hpclaunch.conf; none: the one
 * built-in site "local").  From then on submissions are journalled.
 * flags must be 0.  Without this call the context has the site "local". */
HPCL_API hpcl_rc hpcl_ctx_load_sites(hpcl_ctx *ctx, const char *path,
                                     unsigned flags);

/* The sites, in the file's order: how many, and site i's name, driver
 * ("slurm" or "slurmrestd") and whether it is the home site.  Strings are
 * borrowed; NULL (0) when i is out of range. */
HPCL_API size_t hpcl_ctx_site_count(const hpcl_ctx *ctx);
HPCL_API const char *hpcl_ctx_site_name(const hpcl_ctx *ctx, size_t i);
HPCL_API const char *hpcl_ctx_site_driver(const hpcl_ctx *ctx, size_t i);
HPCL_API int hpcl_ctx_site_is_home(const hpcl_ctx *ctx, size_t i);

/* The site file read (borrowed), "" for the built-in site. */
HPCL_API const char *hpcl_ctx_sites_file(const hpcl_ctx *ctx);

/* Library version string, e.g. "0.1.0" (static). */
HPCL_API const char *hpcl_version(void);

#ifdef __cplusplus
}
#endif

#endif
