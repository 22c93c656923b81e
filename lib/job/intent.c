/*
 * The job's intents: setters and the name of a staged path at a site.  The
 * data root mirrors home's absolute paths (/home/u/in.dat is ROOT/home/u/
 * in.dat there), so one rule names inputs, outputs and everything below
 * them, with no table to keep in step.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/sites.h"
#include "job/intent.h"
#include "job/job-internal.h"

int hpcl__intent_any(const struct hpcl__intent *in)
{
    return in->ninputs > 0 || in->noutputs > 0 || in->deadline != 0 ||
           in->budget >= 0 || in->prefer != HPCL_PREFER_START;
}

/* Absolute copies of paths[0..n) in *out, trailing slashes dropped (rsync
 * reads "dir/" as "what is in dir"). */
static hpcl_rc abs_list(hpcl_ctx *ctx, char ***out, size_t n,
                        const char *const *paths, const char *what)
{
    char **v = calloc(n ? n : 1, sizeof *v);
    hpcl_rc rc = HPCL_OK;

    if (v == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == HPCL_OK; i++) {
        size_t len;
        if (paths[i] == NULL || paths[i][0] == '\0') {
            rc = hpcl__fail(ctx, HPCL_E_INVAL, "%s %zu is empty", what, i);
            break;
        }
        if ((rc = hpcl__abs_path(ctx, &v[i], NULL, paths[i])) != HPCL_OK)
            break;
        while ((len = strlen(v[i])) > 1 && v[i][len - 1] == '/')
            v[i][len - 1] = '\0';
        if (strcmp(v[i], "/") == 0)
            rc = hpcl__fail(ctx, HPCL_E_INVAL, "%s '/' would copy the "
                            "whole file system: name the files", what);
    }
    if (rc != HPCL_OK) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        return rc;
    }
    *out = v;
    return HPCL_OK;
}

static hpcl_rc set_list(hpcl_job *job, char ***list, size_t *count,
                        size_t n, const char *const *paths, const char *what)
{
    char **v = NULL, **old = *list;
    size_t nold = *count;
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (n > 0 && paths == NULL)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "%s: %zu paths but the "
                          "array is NULL", what, n);
    if (n > 0 && (rc = abs_list(job->ctx, &v, n, paths, what)) != HPCL_OK)
        return rc;
    *list = v;
    *count = n;
    for (size_t i = 0; i < nold; i++)
        free(old[i]);
    free(old);
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_input(hpcl_job *job, size_t n, const char *const *paths)
{
    if (job == NULL)
        return HPCL_E_INVAL;
    return set_list(job, &job->intent.inputs, &job->intent.ninputs, n, paths,
                    "input");
}

hpcl_rc hpcl_job_set_output_back(hpcl_job *job, size_t n,
                                 const char *const *paths)
{
    if (job == NULL)
        return HPCL_E_INVAL;
    return set_list(job, &job->intent.outputs, &job->intent.noutputs, n,
                    paths, "output-back path");
}

hpcl_rc hpcl_job_set_deadline(hpcl_job *job, long long when)
{
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (when < 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "deadline %lld is before "
                          "1970: give a unix time, or 0 for none", when);
    job->intent.deadline = (time_t)when;
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_budget(hpcl_job *job, double amount)
{
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (amount != amount) /* NaN: no order, so no budget it could meet */
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "budget is not a number");
    job->intent.budget = amount < 0 ? -1 : amount;
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_prefer(hpcl_job *job, hpcl_prefer prefer)
{
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (prefer < HPCL_PREFER_START || prefer > HPCL_PREFER_CARBON)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "prefer %d is not one of "
                          "HPCL_PREFER_START, _FINISH, _COST, _CARBON",
                          (int)prefer);
    job->intent.prefer = prefer;
    return HPCL_OK;
}

/* Is p equal to or below dir (whole components)? */
static int below(const char *p, const char *dir)
{
    size_t n = strlen(dir);

    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

hpcl_rc hpcl__intent_site_path(char **out, hpcl_ctx *ctx,
                               const struct hpcl__intent *in,
                               const struct hpcl__site_conf *c,
                               const char *p)
{
    int hit = 0;

    *out = NULL;
    if (p == NULL || p[0] != '/' || c->econ.data_root == NULL)
        return HPCL_OK;
    for (size_t i = 0; i < in->ninputs && !hit; i++)
        hit = below(p, in->inputs[i]);
    for (size_t i = 0; i < in->noutputs && !hit; i++)
        hit = below(p, in->outputs[i]);
    if (!hit)
        return HPCL_OK;
    if (asprintf(out, "%s%s", strcmp(c->econ.data_root, "/") == 0
                                  ? "" : c->econ.data_root, p) < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}
