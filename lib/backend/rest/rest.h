/*
 * The slurmrestd backend: openapi/v0.0.38 (Slurm 20.11-23.02, tested with
 * 22.05) and data_parser v0.0.40, v0.0.41, v0.0.42 (Slurm 23.11-24.11,
 * tested with 24.11), in these files:
 *   rest_http.c     the curl transport: one keep-alive connection per site,
 *                   the token header, "was the request sent?";
 *   rest_version.c  which API version a site speaks (asked once, or pinned
 *                   by the site file) and its Slurm release;
 *   rest_json.c     reading replies (errors, warnings, numbers in either
 *                   shape, ids range-checked, job records, job states);
 *   rest_reply.c    an answer's body as it is read;
 *   rest_slim.c     job lists cut down to the members read as they arrive;
 *   rest_body.c     the submit request, per version;
 *   rest_probe.c    the start-time estimate (REST has no will-run);
 *   rest_answer.c   what slurmrestd's answers and errors mean;
 *   rest_driver.c   the driver table.
 * Only rest_http.c includes <curl/curl.h>; only these files know the
 * REST shapes.  Readers go by the shape of a value (a plain number or a
 * {set, infinite, number} object, a state string or array), which tells
 * the versions apart without doubt; writers go by the version.
 */
#ifndef HPCL_SLURM_REST_H
#define HPCL_SLURM_REST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/jansson_load.h"
#include "backend/backend.h"
#include "backend/slurm_errno.h"

/* --- versions (lib/backend/rest/rest_http.c) ---------------------------- */

/* The API versions the driver speaks, by their number in the path. */
enum hpcl__rest_api {
    HPCL__API_AUTO = 0, /* not known yet: ask the site */
    HPCL__API_V38 = 38, /* /slurm/v0.0.38: openapi/v0.0.38 */
    HPCL__API_V40 = 40, /* data_parser/v0.0.40 */
    HPCL__API_V41 = 41,
    HPCL__API_V42 = 42
};

/* The versions, newest first: the order auto tries them in. */
#define HPCL__NAPIS 4
extern const enum hpcl__rest_api hpcl__rest_apis[HPCL__NAPIS];

/* "v0.0.42" for HPCL__API_V42, "auto" for HPCL__API_AUTO. */
const char *hpcl__rest_api_name(enum hpcl__rest_api api);

/* The version a site file names ("auto" included); -1 when it is none
 * the driver speaks. */
int hpcl__rest_api_parse(const char *name);

/* --- lib/backend/rest/rest_http.c ----------------------------------------- */

struct hpcl__rest; /* a site's connection, user, token and API version */

/* One HTTP answer.  body is NUL-terminated (never NULL once filled). */
struct hpcl__rest_reply {
    long status;
    char *body;
    size_t len;
    size_t cap;      /* allocated for body */
    size_t max;      /* the most read for this request (rest_http.c) */
    size_t received; /* bytes of the answer read, before any slimming */
    size_t held;     /* the most of its text held at once while slimming */
    int too_large;   /* the answer went past max: not read */
    int cut;         /* body is only the start of a malformed answer */
    struct hpcl__rest_slim *slim; /* job lists: slimmed as read */
};

/* What a request is, for messages and for the "sent" rule: changes
 * says that a lost answer leaves the outcome unknown (HPCL_E_AMBIGUOUS);
 * what names it ("the submit", "the cancel of job b:7"); maybe says
 * what may have happened ("the job may exist (look it up by key)"). */
struct hpcl__rest_req {
    const char *method; /* "GET", "POST" or "DELETE" */
    const char *path;   /* below /slurm/<api version>, e.g. "/jobs" */
    const char *body;   /* JSON or NULL */
    int changes;
    const char *what;
    const char *maybe;
    long timeout_ms; /* 0: the site's timeout */
};

hpcl_rc hpcl__rest_new(struct hpcl__rest **out, hpcl_ctx *ctx,
                       const struct hpcl__site_conf *conf);
void hpcl__rest_free(struct hpcl__rest *r);

/* Send req and fill reply with whatever HTTP answer came (any status);
 * a job list (GET /jobs, /job/{id}) is slimmed as it is read
 * (rest_slim.c).  Fails with HPCL_E_AUTH (token unusable),
 * HPCL_E_UNREACHABLE (no connection, or no answer to a read),
 * HPCL_E_AMBIGUOUS (no answer to a change that was sent).  Free reply
 * with hpcl__rest_reply_free(). */
hpcl_rc hpcl__rest_send(struct hpcl__rest *r, hpcl_ctx *ctx,
                        const struct hpcl__rest_req *req,
                        struct hpcl__rest_reply *reply);

/* Forget the token (wiped), so that the next request reads it again:
 * after the site refused it, the file may have been renewed. */
void hpcl__rest_drop_token(struct hpcl__rest *r);

/* 1 if text holds the token (an answer that echoes the request must not
 * be quoted in a message). */
int hpcl__rest_quotes_token(const struct hpcl__rest *r, const char *text);

/* text fit for a message, in buf: its first line, control characters
 * blanked, and never text that quotes the token. */
const char *hpcl__rest_quote(const struct hpcl__rest *r, const char *text,
                             char *buf, size_t len);

/* The site's name, user name and base URL, for messages. */
const char *hpcl__rest_site_name(const struct hpcl__rest *r);
const char *hpcl__rest_user(const struct hpcl__rest *r);
/* Where the token comes from, for messages: its file, or the variable's
 * name (token_env). */
const char *hpcl__rest_token_from(const struct hpcl__rest *r);
const char *hpcl__rest_url(const struct hpcl__rest *r);

/* The API version requests go to (HPCL__API_AUTO: not chosen yet), and
 * whether the site file pinned it. */
enum hpcl__rest_api hpcl__rest_api(const struct hpcl__rest *r);
void hpcl__rest_set_api(struct hpcl__rest *r, enum hpcl__rest_api api);
int hpcl__rest_api_pinned(const struct hpcl__rest *r);

/* The Slurm release the site's replies name ("24.11.5"), or NULL before
 * one said it. */
const char *hpcl__rest_release(const struct hpcl__rest *r);
void hpcl__rest_set_release(struct hpcl__rest *r, const char *release);

/* --- lib/backend/rest/rest_answer.c --------------------------------------- */

/* One answer: the HTTP reply and its JSON (NULL when not JSON). */
struct hpcl__rest_answer {
    struct hpcl__rest_reply reply;
    json_t *root;
};

/* Send req (choosing the site's API version first, once) and read the
 * answer; notes the Slurm release the answer names.  Fails as
 * hpcl__rest_send() and hpcl__rest_negotiate() do. */
hpcl_rc hpcl__rest_ask(struct hpcl__rest *r, hpcl_ctx *ctx,
                       const struct hpcl__rest_req *req,
                       struct hpcl__rest_answer *a);
void hpcl__rest_answer_free(struct hpcl__rest_answer *a);

/* The Slurm error number of an answer (0: none) and its text. */
long hpcl__rest_answer_code(const struct hpcl__rest_answer *a,
                            const char **text);


/* An answer that is not a success, as an hpcl_rc and message: the HTTP
 * status first (401, 511: credentials; 502: slurmctld unreachable; 504:
 * timeout; 422: malformed request; a plain-text 404: the version is not
 * served), then Slurm's error number. */
hpcl_rc hpcl__rest_answer_fail(struct hpcl__rest *r, hpcl_ctx *ctx,
                               const struct hpcl__rest_req *req,
                               const struct hpcl__rest_answer *a);

/* A Slurm error number from slurmrestd, by what it means. */
hpcl_rc hpcl__rest_slurm_fail(struct hpcl__rest *r, hpcl_ctx *ctx,
                              const struct hpcl__rest_req *req, long code,
                              const char *text);

/* --- lib/backend/rest/rest_submit_reply.c --------------------------------- */

/* What an answer to a submit proves (see the file's top). */
enum hpcl__rest_verdict {
    HPCL__REST_CREATED,  /* *id is the job's id */
    HPCL__REST_REFUSED,  /* an error says what happened: read it with
                          * hpcl__rest_answer_fail() */
    HPCL__REST_UNPROVEN  /* neither: why says what the answer lacks
                          * ("has no job_id and no error") */
};
enum hpcl__rest_verdict hpcl__rest_submit_verdict(
    const struct hpcl__rest *r, const struct hpcl__rest_answer *a,
    uint32_t *id, char *why, size_t len);

/* --- lib/backend/rest/rest_version.c -------------------------------------- */

/* Choose the site's API version, once: a pinned one as it is; for auto,
 * the newest the site serves (GET /slurm/<v>/ping for v0.0.42, 41, 40,
 * then 38: JSON means served, a plain-text 404 not).  HPCL_E_REST when it
 * serves none of them. */
hpcl_rc hpcl__rest_negotiate(struct hpcl__rest *r, hpcl_ctx *ctx);

/* The error for a pinned version the site answers with a plain-text 404:
 * names the site, the version and the versions it serves (asked now). */
hpcl_rc hpcl__rest_not_served(struct hpcl__rest *r, hpcl_ctx *ctx);

/* Note the Slurm release that root's meta names (meta.slurm.release in
 * v0.0.4x, meta.Slurm.release in v0.0.38), when not known yet. */
void hpcl__rest_note_meta(struct hpcl__rest *r, const json_t *root);

/* --- lib/backend/rest/rest_acct.c ----------------------------------------- */

/* The driver's acct operation (backend.h): the site's accounting record
 * of job id carrying key, from GET /slurmdb/<version>/job/{id}.  A
 * plain-text 404 (no accounting plugin) means none, unless the site file
 * says accounting = yes. */
hpcl_rc hpcl__rest_acct(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                        const char *key, struct hpcl__acct *a);

/* The driver's identity operation: "slurmrestd:URL". */
hpcl_rc hpcl__rest_identity(struct hpcl__site *site, hpcl_ctx *ctx,
                            char *out, size_t len);

/* --- lib/backend/rest/rest_body.c ----------------------------------------- */

/* *out = the body of POST /job/submit for desc in version api
 * (malloc'd).  conf supplies partition and account when desc has none.
 * HPCL_E_INVAL when a string is not UTF-8 (JSON cannot carry it),
 * HPCL_E_UNSUPPORTED for what the version cannot carry. */
hpcl_rc hpcl__rest_submit_json(char **out, hpcl_ctx *ctx,
                               const struct hpcl__site_conf *conf,
                               enum hpcl__rest_api api,
                               const struct hpcl__jobdesc *desc);

/* --- lib/backend/rest/rest_json.c ----------------------------------------- */

/* The reply as JSON, or NULL when it is not a JSON object. */
json_t *hpcl__rest_parse(const struct hpcl__rest_reply *reply);

/* The first entry of root's "errors": 1 with *code (from error_code,
 * error_number or errno: the key varies) and *text (description, else
 * error; never NULL), or 0 when there is none. */
int hpcl__rest_error(const json_t *root, long *code, const char **text);

/* What a number member holds: v0.0.38 gives a plain number (or null),
 * v0.0.4x {"set": bool, "infinite": bool, "number": N}. */
enum hpcl__num {
    HPCL__NUM_UNSET = 0, /* absent, null, or set:false */
    HPCL__NUM_SET,       /* *out holds it */
    HPCL__NUM_INFINITE,  /* infinite:true: no limit */
    HPCL__NUM_BAD        /* a number out of range (a float past long
                          * long, an id past 32 bits) or not a number
                          * where one must be */
};
enum hpcl__num hpcl__json_num(const json_t *obj, const char *key,
                              long long *out);

/* A job, array job or task id member (Slurm's ids are 32-bit): SET with
 * *out (0 included: "not an array" in array_job_id), UNSET when absent,
 * null or set:false (*out 0), BAD when it is anything else: a string, a
 * float, infinite, negative or past HPCL__ID_MAX.  Every id read from a
 * reply goes through here, so that 2^32 + 5 is never job 5. */
#define HPCL__ID_MAX 0xFFFFFFFDu /* NO_VAL and INFINITE are no id */
enum hpcl__num hpcl__json_id(const json_t *obj, const char *key,
                             uint32_t *out);

/* Integer and string members, with defaults for absent, null, unset or
 * infinite numbers (either shape).  Strings: "" counts as absent (NULL
 * returned). */
long long hpcl__json_int(const json_t *obj, const char *key, long long dflt);
const char *hpcl__json_str(const json_t *obj, const char *key);

/* 1 if the array arr holds the string name. */
int hpcl__json_has(const json_t *arr, const char *name);

/* The warnings[] of root that say slurmrestd dropped or converted a
 * field of the request ("Ignoring unknown field", "Expected OpenAPI
 * type"): their descriptions, "; "-separated, into buf (which stays ""
 * when there is none); the other warnings go to ctx's log at INFO,
 * prefixed with site.  Returns how many dropped ones there were. */
int hpcl__rest_warnings(hpcl_ctx *ctx, const char *site, const json_t *root,
                        char *buf, size_t len);

/* A job state name ("COMPLETING", "OUT_OF_MEMORY", ...) as an
 * hpcl_state, as lib/backend/slurm/slurm_lib.c maps Slurm's numeric
 * states. */
hpcl_state hpcl__rest_state(const char *job_state);

/* The state of a job record: v0.0.38's job_state string (a flag's name
 * or the base state), or v0.0.4x's array [BASE, FLAG...]: COMPLETING
 * anywhere counts as running, as for libslurm; else the base state. */
hpcl_state hpcl__rest_job_state(const json_t *job);

/* The members of a job record that the driver reads (NULL-terminated). */
extern const char *const hpcl__rest_job_keys[];

/* --- lib/backend/rest/rest_reply.c ---------------------------------------- */

/* Append n bytes to reply's body (kept NUL-terminated, grown by
 * doubling, never past max + 1); -1 when out of memory. */
int hpcl__rest_reply_put(struct hpcl__rest_reply *reply, const char *p,
                         size_t n);
void hpcl__rest_reply_free(struct hpcl__rest_reply *reply);

/* --- lib/backend/rest/rest_slim.c ----------------------------------------- */

/* A job list cut down as it is read: every object of the answer's
 * top-level "jobs" array loses the members not in keep (NULL-terminated),
 * and whitespace goes; anything else of the answer stays.  Only the
 * slimmed answer and the record under way are held.  A malformed answer
 * becomes its first bytes as they came (reply->cut when there was more).
 * start: reply->slim set up (-1: no memory); feed: n more bytes of the
 * answer, slimmed into reply->body as far as they go (-1: no memory);
 * end: the answer is complete (reply->slim freed; -1: no memory);
 * free: reply->slim freed, when the answer is given up before its end. */
int hpcl__rest_slim_start(struct hpcl__rest_reply *reply,
                          const char *const *keep);
int hpcl__rest_slim_feed(struct hpcl__rest_reply *reply, const char *p,
                         size_t n);
int hpcl__rest_slim_end(struct hpcl__rest_reply *reply);
void hpcl__rest_slim_free(struct hpcl__rest_reply *reply);

/* --- lib/backend/rest/rest_json.c (job records) --------------------------- */

/* One record of GET /job/{id} or /jobs; strings borrowed from job.
 * NULL, or the name of the id member that is not a valid id
 * (hpcl__json_id): the caller refuses the reply, naming it and the site. */
const char *hpcl__rest_jobrec(struct hpcl__jobrec *rec, const json_t *job);

/* The job in /jobs whose comment carries key: 1 and *id (the array job
 * for an array), 0 when none carries it, -1 when the one that does has
 * an id that is not valid (hpcl__json_id): the job exists, its id is not
 * known. */
int hpcl__rest_find_key(const json_t *jobs, const char *key, uint32_t *id);

/* --- lib/backend/rest/rest_probe.c ---------------------------------------- */

/* The replies a probe reads.  jobs is NULL until needed: see
 * hpcl__rest_estimate. */
struct hpcl__rest_view {
    const json_t *partitions; /* GET /partitions */
    const json_t *nodes;      /* GET /nodes */
    const json_t *diag;       /* GET /diag, or NULL (not served to us) */
    const json_t *jobs;       /* GET /jobs, or NULL (not read yet) */
};

/* Estimate when desc would start in partition (NULL: the default one:
 * v0.0.38 flags it; v0.0.4x does not say, so a partition is needed there
 * unless the site has only one) at time now, and fill probe.
 * HPCL_E_SLURM when the partition is unknown or can never hold the job,
 * HPCL_E_CONFIG when the default partition cannot be known; site names
 * the site in messages.  With view->jobs NULL, *need_jobs is set (and
 * probe left for the next call to fill) when the answer needs the job
 * list: the job does not fit in the partition's free resources now, or
 * view->diag is NULL; the caller then reads /jobs and calls again. */
hpcl_rc hpcl__rest_estimate(hpcl_ctx *ctx, const char *site,
                            const struct hpcl__rest_view *view,
                            const struct hpcl__jobdesc *desc,
                            const char *partition, time_t now,
                            struct hpcl_probe *probe, int *need_jobs);

/* The probe's reads of a site (/partitions, /nodes, /diag), kept by its
 * connection for PROBE_CACHE_S (rest_driver.c): the decisions of a batch
 * of jobs (hpcl_job_submit_many) probe each site once, not once a job. */
struct hpcl__rest_probe_cache {
    json_t *partitions, *nodes, *diag; /* NULL: none (diag: not served) */
    double at;                         /* hpcl__now() of the reads */
};
struct hpcl__rest_probe_cache *hpcl__rest_probe_cache(struct hpcl__rest *r);

/* slurmctld's count of pending jobs, cluster-wide, in a /diag reply
 * (statistics.jobs_pending, either number shape); -1 when absent. */
long long hpcl__rest_diag_pending(const json_t *diag);

#endif
