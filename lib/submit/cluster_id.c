/*
 * Site identity in the journal.  The journal is one per user and names a
 * job's site by its label in the site file; a user with two site files
 * that both call a site "sitea" (a test cluster and the production one,
 * say) would otherwise reconcile the entries of one against the other:
 * find another job at the same id, call it lost, and resubmit it.  So each
 * submitted job's record carries the identity its site's driver reports
 * (ClusterName and controller address; slurmrestd's URL), as the first
 * word of its note -- the journal's format stays as it was, and older
 * hpclaunch reads the word as note text.  An entry whose identity is not
 * the site's is never asked about: it is "other cluster".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "submit/cluster_id.h"

static hpcl_rc identity(hpcl_ctx *ctx, struct hpcl__site *site, char *out,
                        size_t len)
{
    out[0] = '\0';
    if (site->ops->identity == NULL)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "driver %s cannot say "
                          "which cluster it reaches", site->ops->driver);
    return site->ops->identity(site, ctx, out, len);
}

void hpcl__cluster_note(char *out, size_t len, hpcl_ctx *ctx,
                        struct hpcl__site *site, const char *text)
{
    char id[HPCL__CLUSTER_MAX], saved[HPCL_ERRMSG_MAX];

    memcpy(saved, ctx->errmsg, sizeof saved);
    /* A blank would end the word: such an identity is not recorded. */
    if (identity(ctx, site, id, sizeof id) == HPCL_OK && id[0] != '\0' &&
        strchr(id, ' ') == NULL)
        snprintf(out, len, "cluster=%s%s%s", id, text ? " " : "",
                 text ? text : "");
    else
        snprintf(out, len, "%s", text ? text : "");
    memcpy(ctx->errmsg, saved, sizeof saved);
}

hpcl_rc hpcl__cluster_check(hpcl_ctx *ctx, struct hpcl__site *site,
                            const struct hpcl__jentry *e, char *why,
                            size_t len)
{
    char now[HPCL__CLUSTER_MAX];
    hpcl_rc rc;

    if (e->cluster[0] == '\0')
        return HPCL_OK;
    if ((rc = identity(ctx, site, now, sizeof now)) != HPCL_OK) {
        snprintf(why, len, "cannot tell whether site %s is still cluster "
                 "%s, where the job went: %s", e->site, e->cluster,
                 ctx->errmsg);
        return rc;
    }
    if (strcmp(now, e->cluster) == 0)
        return HPCL_OK;
    snprintf(why, len, "the job went to cluster %s, and this site file's "
             "site %s is %s: not asked about it (use the site file it was "
             "submitted with)", e->cluster, e->site, now);
    return HPCL_E_INVAL;
}
