/*
 * The slurmrestd backend, openapi/v0.0.38 (Slurm 22.05), in four files:
 *   lib/backend/rest/rest_http.c   the curl transport: one keep-alive connection per
 *                     site, the token header, "was the request sent?";
 *   lib/backend/rest/rest_json.c   request bodies and reply records, job states;
 *   lib/backend/rest/rest_probe.c  the start-time estimate (REST has no will-run);
 *   lib/backend/rest/rest_driver.c  the driver table and the mapping of errors.
 * Only rest_http.c includes <curl/curl.h>; only these files know the
 * REST shapes.
 */
#ifndef HPCL_SLURM_REST_H
#define HPCL_SLURM_REST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/jansson_load.h"
#include "backend/backend.h"
#include "backend/slurm_errno.h"

/* --- lib/backend/rest/rest_http.c --------------------------------------------------- */

struct hpcl__rest; /* a site's connection, user and token */

/* One HTTP answer.  body is NUL-terminated (never NULL once filled). */
struct hpcl__rest_reply {
    long status;
    char *body;
    size_t len;
};

/* What a request is, for messages and for the "sent" rule: changes
 * says that a lost answer leaves the outcome unknown (HPCL_E_AMBIGUOUS);
 * what names it ("the submit", "the cancel of job b:7"); maybe says
 * what may have happened ("the job may exist (look it up by key)"). */
struct hpcl__rest_req {
    const char *method; /* "GET", "POST" or "DELETE" */
    const char *path;   /* below /slurm/<api_version>, e.g. "/jobs" */
    const char *body;   /* JSON or NULL */
    int changes;
    const char *what;
    const char *maybe;
    long timeout_ms; /* 0: the site's timeout */
};

hpcl_rc hpcl__rest_new(struct hpcl__rest **out, hpcl_ctx *ctx,
                       const struct hpcl__site_conf *conf);
void hpcl__rest_free(struct hpcl__rest *r);

/* Send req and fill reply with whatever HTTP answer came (any status).
 * Fails with HPCL_E_AUTH (token unusable), HPCL_E_UNREACHABLE (no
 * connection, or no answer to a read), HPCL_E_AMBIGUOUS (no answer to a
 * change that was sent).  Free reply with hpcl__rest_reply_free(). */
hpcl_rc hpcl__rest_send(struct hpcl__rest *r, hpcl_ctx *ctx,
                        const struct hpcl__rest_req *req,
                        struct hpcl__rest_reply *reply);
void hpcl__rest_reply_free(struct hpcl__rest_reply *reply);

/* Forget the token (wiped), so that the next request reads it again:
 * after the site refused it, the file may have been renewed. */
void hpcl__rest_drop_token(struct hpcl__rest *r);

/* 1 if text holds the token (an answer that echoes the request must not
 * be quoted in a message). */
int hpcl__rest_quotes_token(const struct hpcl__rest *r, const char *text);

/* The site's name, user name and base URL, for messages. */
const char *hpcl__rest_site_name(const struct hpcl__rest *r);
const char *hpcl__rest_user(const struct hpcl__rest *r);
const char *hpcl__rest_url(const struct hpcl__rest *r);

/* --- lib/backend/rest/rest_json.c --------------------------------------------------- */

/* *out = the body of POST /job/submit for desc (malloc'd).  conf
 * supplies partition and account when desc has none.  HPCL_E_INVAL when
 * a string is not UTF-8 (JSON cannot carry it). */
hpcl_rc hpcl__rest_submit_json(char **out, hpcl_ctx *ctx,
                               const struct hpcl__site_conf *conf,
                               const struct hpcl__jobdesc *desc);

/* The reply as JSON, or NULL when it is not a JSON object. */
json_t *hpcl__rest_parse(const struct hpcl__rest_reply *reply);

/* The first entry of root's "errors": 1 with *code (from error_code,
 * error_number or errno: the key varies) and *text (description, else
 * error; never NULL), or 0 when there is none. */
int hpcl__rest_error(const json_t *root, long *code, const char **text);

/* Integer, string and boolean members, with defaults for absent or null
 * keys.  Strings: "" counts as absent (NULL returned). */
long long hpcl__json_int(const json_t *obj, const char *key, long long dflt);
const char *hpcl__json_str(const json_t *obj, const char *key);

/* A v0.0.38 job_state string ("COMPLETING", "OUT_OF_MEMORY", ...) as an
 * hpcl_state, as lib/backend/slurm/slurm_lib.c maps Slurm's numeric states. */
hpcl_state hpcl__rest_state(const char *job_state);

/* One record of GET /job/{id} or /jobs; strings borrowed from job. */
void hpcl__rest_jobrec(struct hpcl__jobrec *rec, const json_t *job);

/* The job in /jobs whose comment carries key: 1 and *id (the array job
 * for an array), else 0. */
int hpcl__rest_find_key(const json_t *jobs, const char *key, uint32_t *id);

/* --- lib/backend/rest/rest_probe.c -------------------------------------------------- */

/* The replies a probe reads. */
struct hpcl__rest_view {
    const json_t *partitions; /* GET /partitions */
    const json_t *nodes;      /* GET /nodes */
    const json_t *jobs;       /* GET /jobs */
};

/* Estimate when desc would start in partition (NULL: the default one) at
 * time now, and fill probe.  HPCL_E_SLURM when the partition is unknown
 * or can never hold the job; site names the site in messages. */
hpcl_rc hpcl__rest_estimate(hpcl_ctx *ctx, const char *site,
                            const struct hpcl__rest_view *view,
                            const struct hpcl__jobdesc *desc,
                            const char *partition, time_t now,
                            struct hpcl_probe *probe);

#endif
