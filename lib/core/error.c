/* The error model: fixed descriptions and per-context detail messages. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

const char *hpcl_strerror(hpcl_rc rc)
{
    switch (rc) {
    case HPCL_OK:
        return "success";
    case HPCL_E_INVAL:
        return "invalid argument";
    case HPCL_E_NOMEM:
        return "out of memory";
    case HPCL_E_SYSTEM:
        return "system call failed";
    case HPCL_E_CONFIG:
        return "configuration error";
    case HPCL_E_SLURM:
        return "Slurm error";
    case HPCL_E_UNREACHABLE:
        return "site unreachable";
    case HPCL_E_TIMEOUT:
        return "timed out";
    case HPCL_E_NOJOB:
        return "no such job";
    case HPCL_E_AMBIGUOUS:
        return "outcome unknown";
    case HPCL_E_TOPOLOGY:
        return "topology error";
    case HPCL_E_NOGPU:
        return "no suitable GPU";
    case HPCL_E_PLAN:
        return "placement does not fit";
    case HPCL_E_REST:
        return "REST request failed";
    case HPCL_E_AUTH:
        return "authentication failed";
    case HPCL_E_NOBACKEND:
        return "no site could take the request";
    case HPCL_E_UNSUPPORTED:
        return "not supported";
    }
    return "unknown error code";
}

hpcl_rc hpcl__fail(hpcl_ctx *ctx, hpcl_rc rc, const char *fmt, ...)
{
    va_list ap;

    if (ctx == NULL)
        return rc;
    va_start(ap, fmt);
    vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    va_end(ap);
    hpcl__log(ctx, HPCL_LOG_DEBUG, "error: %s", ctx->errmsg);
    return rc;
}

void hpcl__clear_error(hpcl_ctx *ctx)
{
    if (ctx != NULL)
        ctx->errmsg[0] = '\0';
}

void hpcl__log(hpcl_ctx *ctx, hpcl_log_level level, const char *fmt, ...)
{
    char line[HPCL_ERRMSG_MAX];
    va_list ap;

    if (ctx == NULL || ctx->log_fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ctx->log_fn(level, line, ctx->log_arg);
}

hpcl_rc hpcl__set_string(hpcl_ctx *ctx, char **dst, const char *src)
{
    char *copy = NULL;

    if (src != NULL && (copy = strdup(src)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory copying \"%.40s\"",
                          src);
    free(*dst);
    *dst = copy;
    return HPCL_OK;
}

const char *hpcl_ctx_errmsg(const hpcl_ctx *ctx)
{
    return ctx != NULL ? ctx->errmsg : "";
}
