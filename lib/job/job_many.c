/*
 * Many jobs at once (hpclaunch status A B C, wait A B C): each site is
 * asked once per refresh for all of its jobs among them, through its
 * driver's list operation, instead of once per job; what each job then
 * becomes is decided as hpcl_job_refresh decides it (lib/job/job.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "job/job-internal.h"
#include "registry/registry.h"

/* One site's share of a refresh. */
struct share {
    hpcl_job *const *jobs;
    hpcl_rc *rcs;
    const size_t *idx; /* the site's jobs: indexes into jobs */
    size_t n;
};

static uint32_t owner(const struct hpcl__jobrec *r)
{
    return r->array_job_id != 0 ? r->array_job_id : r->job_id;
}

/* A job's records among all the site's: those of its id (an array's
 * tasks and rest carry it as array_job_id; a task named by its own id
 * carries it as job_id). */
static hpcl_rc take(void *arg, const struct hpcl__jobrec *recs, size_t n)
{
    struct share *sh = arg;
    struct hpcl__jobrec *mine = malloc((n + 1) * sizeof *mine);

    if (mine == NULL)
        return HPCL_E_NOMEM; /* said by the caller */
    for (size_t k = 0; k < sh->n; k++) {
        hpcl_job *job = sh->jobs[sh->idx[k]];
        size_t m = 0;

        for (size_t i = 0; i < n; i++)
            if (owner(&recs[i]) == job->id || recs[i].job_id == job->id)
                mine[m++] = recs[i];
        if (m == 0)
            sh->rcs[sh->idx[k]] =
                hpcl__fail(job->ctx, HPCL_E_NOJOB, "job %s not found (it "
                           "may have ended more than MinJobAge ago)",
                           job->ref);
        else
            sh->rcs[sh->idx[k]] = hpcl__job_absorb_checked(job, mine, m);
    }
    free(mine);
    return HPCL_OK;
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* The jobs idx[0..n) of site i, asked in one listing. */
static void refresh_site(hpcl_ctx *ctx, size_t i, hpcl_job *const *jobs,
                         hpcl_rc *rcs, const size_t *idx, size_t n)
{
    struct share sh = {jobs, rcs, idx, n};
    struct hpcl__site *site = NULL;
    uint32_t *ids = NULL;
    size_t nids = 0;
    hpcl_rc rc;

    if ((rc = hpcl__site_open(ctx, i, &site)) != HPCL_OK) {
        for (size_t k = 0; k < n; k++)
            rcs[idx[k]] = rc;
        return;
    }
    if (site->ops->list == NULL || n == 1)
        rc = HPCL_E_UNSUPPORTED; /* job by job, below */
    if (rc == HPCL_OK && (ids = malloc(n * sizeof *ids)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if (rc == HPCL_OK) {
        for (size_t k = 0; k < n; k++) {
            hpcl__job_learn_key(jobs[idx[k]]);
            ids[k] = jobs[idx[k]]->id;
        }
        qsort(ids, n, sizeof *ids, by_value);
        for (size_t k = 0; k < n; k++) /* each id once */
            if (nids == 0 || ids[nids - 1] != ids[k])
                ids[nids++] = ids[k];
        rc = site->ops->list(site, ctx, ids, nids, take, &sh);
        free(ids);
        if (rc == HPCL_E_NOMEM)
            rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        hpcl_job *job = jobs[idx[k]];

        if (rc == HPCL_E_UNSUPPORTED)
            rcs[idx[k]] = hpcl_job_refresh(job);
        else if (rc != HPCL_OK) /* the listing failed: so did each job */
            rcs[idx[k]] = hpcl__job_refreshed(job, site, rc);
        else
            rcs[idx[k]] = hpcl__job_refreshed(job, site, rcs[idx[k]]);
    }
}

hpcl_rc hpcl_jobs_refresh(hpcl_job *const *jobs, size_t n, hpcl_rc *rcs,
                          unsigned flags)
{
    hpcl_ctx *ctx = n > 0 && jobs != NULL && jobs[0] != NULL ? jobs[0]->ctx
                                                              : NULL;
    struct hpcl__end_batch ends = {NULL, 0, 0, NULL};
    size_t *idx, nsites, first_bad = SIZE_MAX;
    int own_batch;

    if (n == 0)
        return HPCL_OK;
    if (ctx == NULL || rcs == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(ctx);
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_jobs_refresh: flags must "
                          "be 0 (got %#x)", flags);
    for (size_t k = 0; k < n; k++)
        if (jobs[k] == NULL || jobs[k]->ctx != ctx)
            return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_jobs_refresh: job %zu "
                              "is %s", k, jobs[k] == NULL
                                              ? "NULL"
                                              : "of another context");
    if ((idx = malloc(n * sizeof *idx)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    /* The ends seen, journaled together below: one read of the journal
     * and one sync, not one each (an outer refresh's batch takes them). */
    if ((own_batch = ctx->end_batch == NULL))
        ctx->end_batch = &ends;
    nsites = hpcl_ctx_site_count(ctx);
    for (size_t i = 0; i < nsites; i++) {
        size_t m = 0;

        for (size_t k = 0; k < n; k++)
            if (jobs[k]->id != 0 && jobs[k]->site == i)
                idx[m++] = k;
        if (m > 0)
            refresh_site(ctx, i, jobs, rcs, idx, m);
    }
    for (size_t k = 0; k < n; k++) {
        if (jobs[k]->id == 0 || jobs[k]->site >= nsites)
            rcs[k] = hpcl_job_refresh(jobs[k]); /* says why not */
        if (rcs[k] != HPCL_OK && first_bad == SIZE_MAX)
            first_bad = k;
    }
    if (own_batch) {
        ctx->end_batch = NULL;
        ctx->job_ends(ctx, &ends);
    }
    free(ends.end);
    free(idx);
    /* Each job's message went by; the first failure's is the one kept. */
    if (first_bad == SIZE_MAX) {
        hpcl__clear_error(ctx);
        return HPCL_OK;
    }
    return rcs[first_bad];
}

hpcl_rc hpcl_jobs_attach(hpcl_job **out, hpcl_ctx *ctx,
                         const char *const *refs, size_t n, hpcl_rc *rcs,
                         unsigned flags)
{
    hpcl_job **made;
    size_t m = 0;
    hpcl_rc rc = HPCL_OK;

    if (out == NULL || ctx == NULL || (n > 0 && (refs == NULL || rcs == NULL)))
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_jobs_attach: out, ctx, "
                          "refs and rcs must not be NULL");
    hpcl__clear_error(ctx);
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_jobs_attach: flags must "
                          "be 0 (got %#x)", flags);
    if ((made = calloc(n + 1, sizeof *made)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        uint32_t id = 0, task = HPCL__NO_TASK;
        size_t site = 0;

        out[k] = NULL;
        if ((rcs[k] = hpcl__parse_site_ref(ctx, refs[k], &site, &id,
                                           &task)) == HPCL_OK &&
            (rcs[k] = hpcl_job_create(&out[k], ctx)) == HPCL_OK) {
            hpcl__job_set_ref(out[k], site, id, task);
            made[m++] = out[k];
        }
    }
    /* Attaching checks that each job exists, as hpcl_job_attach does:
     * one listing per site for all of them. */
    if (m > 0) {
        hpcl_rc *got = calloc(m, sizeof *got);

        if (got == NULL)
            rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        else
            hpcl_jobs_refresh(made, m, got, 0);
        for (size_t k = 0, j = 0; k < n; k++) {
            if (out[k] == NULL || out[k] != made[j])
                continue;
            rcs[k] = got != NULL ? got[j] : rc;
            j++;
            if (rcs[k] != HPCL_OK) {
                hpcl_job_destroy(out[k]);
                out[k] = NULL;
            }
        }
        free(got);
    }
    free(made);
    for (size_t k = 0; k < n && rc == HPCL_OK; k++)
        if (rcs[k] != HPCL_OK)
            rc = rcs[k];
    if (rc == HPCL_OK)
        hpcl__clear_error(ctx);
    return rc;
}
