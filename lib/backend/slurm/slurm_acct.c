/*
 * Accounting through libslurm, in the helper process (slurm_lib.h): what
 * the site's slurmdbd holds of one job, for a journal entry whose job the
 * controller no longer knows (purged MinJobAge after its end, or lost in
 * a controller crash).  Which of the two it was is exactly what only
 * accounting can say.  Records are matched by id and by the key in the
 * job's comment: ids are re-issued after a crash, and slurmdbd keeps every
 * job that had the id (JOBCOND_FLAG_DUP).  The comment reaches slurmdbd
 * only with AccountingStoreFlags=job_comment (stored as derived_es, "aka
 * comment" in slurmdb.h): without it no record carries a key, and none
 * is taken for the job.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slurm/slurm.h>
#include <slurm/slurmdb.h>

#include "backend/jobkey.h"
#include "backend/slurm/slurm_compat.h"
#include "backend/slurm/slurm_lib.h"
#include "backend/slurm/slurm_wire.h"

#define DBD_TYPE "accounting_storage/slurmdbd"

/* What the controller's configuration says, read once per helper: the
 * cluster's name (records are per cluster) and whether it has a
 * slurmdbd at all. */
static struct {
    int read;
    int has_dbd;
    char cluster[256];
    char storage[128];
    char ident[400]; /* slurm:CLUSTER@CONTROLLER:PORT */
    char release[32]; /* the controller's Slurm release, "22.05.8" */
} g_conf;

static hpcl_rc read_conf(struct hpcl__site *site, hpcl_ctx *ctx)
{
    slurm_conf_t *c = NULL;

    if (g_conf.read)
        return HPCL_OK;
    if (slurm_load_ctl_conf((time_t)0, &c) != 0 || c == NULL)
        return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: cannot read the "
                          "controller's configuration (ClusterName, "
                          "AccountingStorageType): %s", site->conf->name,
                          slurm_strerror(errno));
    snprintf(g_conf.cluster, sizeof g_conf.cluster, "%s",
             c->cluster_name != NULL ? c->cluster_name : "");
    snprintf(g_conf.storage, sizeof g_conf.storage, "%s",
             c->accounting_storage_type != NULL
                 ? c->accounting_storage_type : "none");
    g_conf.has_dbd = strcmp(g_conf.storage, DBD_TYPE) == 0;
    snprintf(g_conf.release, sizeof g_conf.release, "%s",
             c->version != NULL ? c->version : "");
    snprintf(g_conf.ident, sizeof g_conf.ident, "slurm:%s@%s:%u",
             g_conf.cluster,
             c->control_cnt > 0 && c->control_addr != NULL &&
                     c->control_addr[0] != NULL
                 ? c->control_addr[0] : "",
             (unsigned)c->slurmctld_port);
    g_conf.read = 1;
    slurm_free_ctl_conf(c);
    return HPCL_OK;
}

static void take(struct hpcl__acct *a, const slurmdb_job_rec_t *j)
{
    a->found = 1;
    a->state = hpcl__slurm_state(j->state);
    a->start = (long long)j->start;
    a->end = (long long)j->end;
    a->started = j->start != 0;
    a->ended = j->end != 0 && hpcl_state_is_terminal(a->state);
    a->exit_code = a->ended ? hpcl__slurm_shell_status(j->exitcode) : -1;
}

/* The records of job id in our cluster; the one carrying key into a.
 * NULL from slurmdb_jobs_get means slurmdbd did not answer. */
static hpcl_rc jobs_get(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                        const char *key, struct hpcl__acct *a)
{
    slurmdb_job_cond_t cond;
    slurm_selected_step_t sel = {
        .array_task_id = NO_VAL, .het_job_offset = NO_VAL,
        .step_id = {.job_id = id, .step_het_comp = NO_VAL,
                    .step_id = NO_VAL}};
    char found[HPCL__KEY_LEN + 1];
    time_t newest = 0;
    void *db = slurmdb_connection_get(NULL);
    list_t *jobs = NULL;
    hpcl_rc rc = HPCL_OK;

    memset(&cond, 0, sizeof cond);
    cond.flags = JOBCOND_FLAG_DUP | JOBCOND_FLAG_NO_STEP |
                 JOBCOND_FLAG_NO_TRUNC;
    cond.db_flags = SLURMDB_JOB_FLAG_NOTSET;
    cond.cluster_list = slurm_list_create(NULL);
    cond.step_list = slurm_list_create(NULL);
    slurm_list_append(cond.cluster_list, g_conf.cluster);
    slurm_list_append(cond.step_list, &sel);
    if (db != NULL)
        jobs = slurmdb_jobs_get(db, &cond);
    if (jobs == NULL) {
        rc = hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: accounting "
                        "(slurmdbd) did not answer for job %u: %s",
                        site->conf->name, (unsigned)id,
                        slurm_strerror(errno));
    } else {
        list_itr_t *it = slurm_list_iterator_create(jobs);
        slurmdb_job_rec_t *j;

        /* A job resubmitted with its key may get its lost id again
         * (ids are re-issued after a crash): the newest record is the
         * job the journal means. */
        while ((j = slurm_list_next(it)) != NULL)
            if (j->jobid == id && j->submit >= newest &&
                hpcl__key_from_comment(found, j->derived_es) &&
                strcmp(found, key) == 0) {
                newest = j->submit;
                take(a, j);
            }
        slurm_list_iterator_destroy(it);
        slurm_list_destroy(jobs);
    }
    slurm_list_destroy(cond.cluster_list);
    slurm_list_destroy(cond.step_list);
    if (db != NULL)
        slurmdb_connection_close(&db);
    return rc;
}

/* mode: the site file's accounting key, which the helper, started with
 * the site's name and slurm.conf only, gets with each request. */
static hpcl_rc acct_query(struct hpcl__site *site, hpcl_ctx *ctx,
                          uint32_t id, enum hpcl__accounting mode,
                          const char *key, struct hpcl__acct *a)
{
    hpcl_rc rc;

    memset(a, 0, sizeof *a);
    a->exit_code = -1;
    if (mode == HPCL__ACCT_NO)
        return HPCL_OK;
    if ((rc = read_conf(site, ctx)) != HPCL_OK)
        return rc;
    if (!g_conf.has_dbd) {
        if (mode == HPCL__ACCT_AUTO)
            return HPCL_OK;
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: the site file says "
                          "accounting = yes, but its slurm.conf has "
                          "AccountingStorageType=%s, not %s",
                          site->conf->name, g_conf.storage, DBD_TYPE);
    }
    a->have = 1;
    return jobs_get(site, ctx, id, key, a);
}

hpcl_rc hpcl__slurm_acct_serve(struct hpcl__site *site, hpcl_ctx *ctx,
                               struct hpcl__rbuf *r, struct hpcl__wbuf *out)
{
    uint32_t id = hpcl__wire_get_u32(r);
    uint32_t mode = hpcl__wire_get_u32(r);
    const char *key = hpcl__wire_get_str(r);
    struct hpcl__acct a;
    hpcl_rc rc;

    if (r->bad || r->left != 0 || key == NULL || mode > HPCL__ACCT_NO)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "the libslurm helper got a "
                          "malformed request");
    if ((rc = acct_query(site, ctx, id, (enum hpcl__accounting)mode, key,
                         &a)) == HPCL_OK)
        hpcl__wire_put_acct(out, &a);
    return rc;
}

const char *hpcl__slurm_release(struct hpcl__site *site, hpcl_ctx *ctx)
{
    return read_conf(site, ctx) == HPCL_OK ? g_conf.release : "";
}

hpcl_rc hpcl__slurm_ident_serve(struct hpcl__site *site, hpcl_ctx *ctx,
                                struct hpcl__rbuf *r, struct hpcl__wbuf *out)
{
    char ident[sizeof g_conf.ident];
    hpcl_rc rc;

    if (r->bad || r->left != 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "the libslurm helper got a "
                          "malformed request");
    /* From slurm.conf, as the controller would say it: a submit's
     * record then costs no RPC beyond sbatch's own (issue 11). */
    if (hpcl__guard_ident(site->state, ctx, ident, sizeof ident) == 0) {
        hpcl__wire_str(out, ident);
        return HPCL_OK;
    }
    hpcl__clear_error(ctx);
    if ((rc = read_conf(site, ctx)) == HPCL_OK)
        hpcl__wire_str(out, g_conf.ident);
    return rc;
}
