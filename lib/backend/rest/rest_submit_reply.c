/*
 * What a slurmrestd answer to POST /job/submit proves, in every API
 * version.  Exactly-once submission depends on it: a job that may exist
 * must never be taken for "not created" (the caller would then send it to
 * the next site, and it would run twice).  So only two answers are
 * trusted:
 *
 *  - created: a job_id that is a Slurm job id (an integer from 1 to
 *    0xFFFFFFFD: NO_VAL and INFINITE are not ids), as a plain number or
 *    v0.0.4x's {"set": true, "number": N};
 *  - not created: no job_id (or 0) beside a Slurm error number, which
 *    rest_answer.c reads by its class (a lost answer stays "maybe"), or
 *    an HTTP client error (4xx: slurmrestd refused the request itself).
 *
 * Everything else -- HTTP 200 without a job_id, a job_id that is a
 * string, a float, 0, negative or past 32 bits, a 5xx without an error
 * number, a body that is not JSON -- proves nothing, and is ambiguous:
 * the caller asks the site for the job's key (lib/submit/submit.c).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "backend/rest/rest.h"

#define JOB_ID_MAX 0xFFFFFFFDu /* NO_VAL (0xFFFFFFFE) is not an id */

/* The job_id member v as words, for a message: its JSON type and value. */
static void describe(const struct hpcl__rest *r, const json_t *v, char *buf,
                     size_t len)
{
    char q[80];

    if (json_is_integer(v))
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT " (out of range: a Slurm "
                 "job id is 1 to %u)", json_integer_value(v), JOB_ID_MAX);
    else if (json_is_real(v))
        snprintf(buf, len, "%.17g (a fraction, not an integer)",
                 json_real_value(v));
    else if (json_is_string(v))
        snprintf(buf, len, "\"%s\" (a string, not a number)",
                 hpcl__rest_quote(r, json_string_value(v), q, sizeof q));
    else if (json_is_object(v))
        snprintf(buf, len, "an object that holds no job id");
    else
        snprintf(buf, len, "%s", json_is_null(v) ? "null" : "a boolean or "
                 "array");
}

/* v as a job id: 1, or 0 when it is none. */
static int job_id_of(const json_t *v, uint32_t *id)
{
    json_int_t n;

    if (json_is_object(v) && json_is_true(json_object_get(v, "set")) &&
        !json_is_true(json_object_get(v, "infinite")))
        v = json_object_get(v, "number");
    if (!json_is_integer(v))
        return 0;
    n = json_integer_value(v);
    if (n < 1 || (unsigned long long)n > JOB_ID_MAX)
        return 0;
    *id = (uint32_t)n;
    return 1;
}

enum hpcl__rest_verdict hpcl__rest_submit_verdict(
    const struct hpcl__rest *r, const struct hpcl__rest_answer *a,
    uint32_t *id, char *why, size_t len)
{
    const json_t *v = a->root != NULL ? json_object_get(a->root, "job_id")
                                      : NULL;
    long st = a->reply.status;
    const char *text;
    char d[160];

    *id = 0;
    if (len > 0)
        why[0] = '\0';
    if (v != NULL && job_id_of(v, id))
        return HPCL__REST_CREATED;
    /* A Slurm error number and no id: slurmctld answered (or its answer
     * was lost, which rest_answer.c says by the number's class). */
    if ((v == NULL || (json_is_integer(v) && json_integer_value(v) == 0)) &&
        hpcl__rest_answer_code(a, &text) != 0)
        return HPCL__REST_REFUSED;
    if (v == NULL && st >= 400 && st <= 499)
        return HPCL__REST_REFUSED; /* slurmrestd refused it itself */
    if (v != NULL) {
        describe(r, v, d, sizeof d);
        snprintf(why, len, "has job_id %s", d);
    } else if (a->root == NULL) {
        snprintf(why, len, "is not JSON");
    } else {
        snprintf(why, len, "has no job_id%s",
                 hpcl__rest_answer_code(a, &text) != 0
                     ? " beside its error"
                     : " and no error");
    }
    return HPCL__REST_UNPROVEN;
}
