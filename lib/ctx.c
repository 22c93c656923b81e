/* The library context: configuration, sites, logging, last error. */
#include "config.h"

#include <stdlib.h>

#include "core/core.h"
#include "submit/journal.h"
#include "registry/registry.h"

hpcl_rc hpcl_ctx_create(hpcl_ctx **out, unsigned flags)
{
    const struct hpcl__sites *sites;
    hpcl_ctx *ctx;

    if (out == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if (flags != 0)
        return HPCL_E_INVAL;
    if ((ctx = calloc(1, sizeof *ctx)) == NULL)
        return HPCL_E_NOMEM;
    ctx->job_ends = hpcl__journal_job_ends;
    ctx->job_lookup = hpcl__journal_job_lookup;
    /* The built-in site "local" until hpcl_ctx_load_sites(). */
    if (hpcl__ctx_sites(ctx, &sites) != HPCL_OK) {
        free(ctx);
        return HPCL_E_NOMEM;
    }
    *out = ctx;
    return HPCL_OK;
}

void hpcl_ctx_destroy(hpcl_ctx *ctx)
{
    if (ctx == NULL)
        return;
    hpcl__ctx_sites_free(ctx);
    hpcl__journal_close(ctx->journal);
    free(ctx->slurm_conf);
    free(ctx);
}

hpcl_rc hpcl_ctx_set_log(hpcl_ctx *ctx, hpcl_log_fn fn, void *arg)
{
    if (ctx == NULL)
        return HPCL_E_INVAL;
    ctx->log_fn = fn;
    ctx->log_arg = arg;
    return HPCL_OK;
}

hpcl_rc hpcl_ctx_set_slurm_conf(hpcl_ctx *ctx, const char *path)
{
    if (ctx == NULL)
        return HPCL_E_INVAL;
    /* A new configuration invalidates what the drivers learnt. */
    hpcl__sites_close(ctx);
    return hpcl__set_string(ctx, &ctx->slurm_conf, path);
}

hpcl_rc hpcl_ctx_load_sites(hpcl_ctx *ctx, const char *path, unsigned flags)
{
    struct hpcl__sites *sites;
    hpcl_rc rc;

    if (ctx == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(ctx);
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_ctx_load_sites: flags "
                          "must be 0 (got %#x)", flags);
    if ((rc = hpcl__sites_load(&sites, ctx, path)) != HPCL_OK)
        return rc;
    if ((rc = hpcl__ctx_install_sites(ctx, sites)) != HPCL_OK)
        return rc;
    ctx->sites_loaded = 1;
    /* The journal may live elsewhere now: reopen it when next needed. */
    hpcl__journal_close(ctx->journal);
    ctx->journal = NULL;
    return HPCL_OK;
}
