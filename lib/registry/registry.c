/*
 * The sites of a context: loading the site file, the public getters that
 * list the sites, and opening each site's driver on first use.  A context
 * that never loads a site file has one site, the built-in "local" (the
 * local Slurm through libslurm), and behaves as before site files existed.
 */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "registry/registry.h"

/* Install sites (owned) in ctx, closing whatever the old table opened. */
hpcl_rc hpcl__ctx_install_sites(hpcl_ctx *ctx, struct hpcl__sites *sites)
{
    struct hpcl__site_slot *slots = calloc(sites->nsites, sizeof *slots);

    if (slots == NULL) {
        hpcl__sites_free(sites);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < sites->nsites; i++)
        slots[i].site.conf = &sites->site[i];
    hpcl__sites_close(ctx);
    free(ctx->slots);
    hpcl__sites_free(ctx->sites);
    ctx->sites = sites;
    ctx->slots = slots;
    return HPCL_OK;
}

hpcl_rc hpcl__ctx_sites(hpcl_ctx *ctx, const struct hpcl__sites **out)
{
    struct hpcl__sites *sites;
    hpcl_rc rc;

    if (ctx->sites == NULL) {
        if ((rc = hpcl__sites_builtin(&sites, ctx)) != HPCL_OK ||
            (rc = hpcl__ctx_install_sites(ctx, sites)) != HPCL_OK)
            return rc;
    }
    *out = ctx->sites;
    return HPCL_OK;
}

/* Wait for the thread a site was lent to, if any. */
static void settle(struct hpcl__site_slot *slot)
{
    void (*fn)(void *) = slot->settle;

    slot->settle = NULL;
    if (fn != NULL)
        fn(slot->settle_arg);
}

void hpcl__site_lend(hpcl_ctx *ctx, size_t i, void (*fn)(void *arg),
                     void *arg)
{
    settle(&ctx->slots[i]);
    ctx->slots[i].settle = fn;
    ctx->slots[i].settle_arg = arg;
}

void hpcl__sites_close(hpcl_ctx *ctx)
{
    for (size_t i = 0; ctx->sites != NULL && i < ctx->sites->nsites; i++) {
        struct hpcl__site *s = &ctx->slots[i].site;

        settle(&ctx->slots[i]);
        if (s->ops != NULL && s->ops->close != NULL)
            s->ops->close(s);
        s->ops = NULL;
        s->state = NULL;
        ctx->slots[i].down_until = 0;
    }
}

void hpcl__ctx_sites_free(hpcl_ctx *ctx)
{
    hpcl__sites_close(ctx);
    free(ctx->slots);
    hpcl__sites_free(ctx->sites);
    ctx->slots = NULL;
    ctx->sites = NULL;
}

static const char *list_names(const struct hpcl__sites *s, char *buf,
                              size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < s->nsites && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i ? ", " : "", s->site[i].name);
    return buf;
}

hpcl_rc hpcl__site_index(hpcl_ctx *ctx, const char *name, size_t *out)
{
    const struct hpcl__sites *s;
    const struct hpcl__site_conf *c;
    char names[256];
    hpcl_rc rc;

    if ((rc = hpcl__ctx_sites(ctx, &s)) != HPCL_OK)
        return rc;
    if ((c = hpcl__sites_get(s, name)) == NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "unknown site '%s' (sites: %s%s"
                          "%s)", name, list_names(s, names, sizeof names),
                          s->source ? "; from " : "",
                          s->source ? s->source : "");
    *out = (size_t)(c - s->site);
    return HPCL_OK;
}

hpcl_rc hpcl__site_open(hpcl_ctx *ctx, size_t i, struct hpcl__site **out)
{
    const struct hpcl__sites *s;
    struct hpcl__site *site;
    hpcl_rc rc;

    if ((rc = hpcl__ctx_sites(ctx, &s)) != HPCL_OK)
        return rc;
    settle(&ctx->slots[i]);
    site = &ctx->slots[i].site;
    *out = site;
    if (site->ops != NULL)
        return HPCL_OK;
    if (site->conf->driver == HPCL__DRIVER_SLURM)
        rc = hpcl__slurm_site_open(site, ctx);
    else
        rc = hpcl__rest_site_open(site, ctx);
    if (rc != HPCL_OK) {
        site->ops = NULL;
        site->state = NULL;
    }
    return rc;
}

const char *hpcl__site_name(const hpcl_ctx *ctx, size_t i)
{
    return ctx->sites->site[i].name;
}

size_t hpcl__site_home(const hpcl_ctx *ctx)
{
    return ctx->sites->home;
}

const char *hpcl__site_mpi(const hpcl_ctx *ctx)
{
    const struct hpcl__sites *s = ctx->sites;

    return s != NULL ? s->site[s->home].mpi : NULL;
}

void hpcl__site_mark(hpcl_ctx *ctx, size_t i, hpcl_rc rc, const char *msg)
{
    struct hpcl__site_slot *slot = &ctx->slots[i];

    if (rc != HPCL_E_UNREACHABLE && rc != HPCL_E_TIMEOUT) {
        if (rc == HPCL_OK)
            slot->down_until = 0;
        return;
    }
    slot->down_until = hpcl__now() + HPCL__SITE_DOWN_S;
    slot->down_rc = rc;
    snprintf(slot->down_msg, sizeof slot->down_msg, "%s", msg);
}

int hpcl__site_known_down(const hpcl_ctx *ctx, size_t i, const char **msg)
{
    const struct hpcl__site_slot *slot = &ctx->slots[i];

    if (slot->down_until == 0 || hpcl__now() >= slot->down_until)
        return 0;
    *msg = slot->down_msg;
    return 1;
}

/* --- the public getters --------------------------------------------- */

size_t hpcl_ctx_site_count(const hpcl_ctx *ctx)
{
    return ctx != NULL && ctx->sites != NULL ? ctx->sites->nsites : 0;
}

static const struct hpcl__site_conf *conf_at(const hpcl_ctx *ctx, size_t i)
{
    if (ctx == NULL || ctx->sites == NULL || i >= ctx->sites->nsites)
        return NULL;
    return &ctx->sites->site[i];
}

const char *hpcl_ctx_site_name(const hpcl_ctx *ctx, size_t i)
{
    const struct hpcl__site_conf *c = conf_at(ctx, i);

    return c != NULL ? c->name : NULL;
}

const char *hpcl_ctx_site_driver(const hpcl_ctx *ctx, size_t i)
{
    const struct hpcl__site_conf *c = conf_at(ctx, i);

    if (c == NULL)
        return NULL;
    return c->driver == HPCL__DRIVER_SLURM ? "slurm" : "slurmrestd";
}

int hpcl_ctx_site_is_home(const hpcl_ctx *ctx, size_t i)
{
    return conf_at(ctx, i) != NULL && ctx->sites->home == i;
}

const char *hpcl_ctx_sites_file(const hpcl_ctx *ctx)
{
    if (ctx == NULL || ctx->sites == NULL || ctx->sites->source == NULL)
        return "";
    return ctx->sites->source;
}
