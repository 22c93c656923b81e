/*
 * Which slurmrestd API version a site speaks.  Slurm 22.05 serves
 * openapi/v0.0.38; 23.11 deprecated it and 24.11 removed it, serving
 * data_parser v0.0.40, v0.0.41 and v0.0.42 instead (measured on 24.11.5:
 * ../shared/SLURM-24.md section 3.1).  A path of a version the site does
 * not serve gets a plain-text 404 ("Unable find requested URL"); any path
 * of a served version answers JSON, even an error.  So one GET of
 * /slurm/<v>/ping per version, newest first, finds the version; it is
 * asked once per site and context (the site's struct hpcl__rest keeps
 * it), and a version pinned by the site file is not asked at all: a
 * request that gets the plain-text 404 then says what the site serves.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backend/rest/rest.h"

#define PING_TIMEOUT_MS 5000L

void hpcl__rest_note_meta(struct hpcl__rest *r, const json_t *root)
{
    const json_t *meta = json_object_get(root, "meta");
    const json_t *slurm = json_object_get(meta, "slurm");
    const char *rel;

    if (hpcl__rest_release(r) != NULL)
        return;
    if (slurm == NULL)
        slurm = json_object_get(meta, "Slurm"); /* v0.0.38 */
    if ((rel = hpcl__json_str(slurm, "release")) != NULL)
        hpcl__rest_set_release(r, rel);
}

/* A plain-text 404: the path's version is not served. */
static int not_served(const struct hpcl__rest_reply *reply, const json_t *j)
{
    return reply->status == 404 && j == NULL;
}

enum served { SERVED, NOT_SERVED, UNKNOWN };

/* Ask whether api is served.  UNKNOWN with rc set when the answer says
 * neither (no connection, no token, a proxy's error page). */
static enum served ask_served(struct hpcl__rest *r, hpcl_ctx *ctx,
                              enum hpcl__rest_api api, hpcl_rc *rc)
{
    char what[80], buf[160];
    struct hpcl__rest_req req = {"GET", "/ping", NULL, 0, what, "",
                                 PING_TIMEOUT_MS};
    struct hpcl__rest_reply reply;
    enum served s = UNKNOWN;
    json_t *j;

    snprintf(what, sizeof what, "the API version check (GET /slurm/%s/ping)",
             hpcl__rest_api_name(api));
    hpcl__rest_set_api(r, api);
    if ((*rc = hpcl__rest_send(r, ctx, &req, &reply)) != HPCL_OK)
        return UNKNOWN;
    j = hpcl__rest_parse(&reply);
    if (not_served(&reply, j))
        s = NOT_SERVED;
    else if (j != NULL)
        s = SERVED;
    else if (reply.status == 401) {
        hpcl__rest_drop_token(r);
        *rc = hpcl__fail(ctx, HPCL_E_AUTH, "site %s: no token accepted "
                         "(HTTP 401) for user %s", hpcl__rest_site_name(r),
                         hpcl__rest_user(r));
    } else
        *rc = hpcl__fail(ctx, HPCL_E_REST, "site %s: cannot tell which API "
                         "version slurmrestd at %s speaks: %s answered HTTP "
                         "%ld: %s", hpcl__rest_site_name(r),
                         hpcl__rest_url(r), what, reply.status,
                         hpcl__rest_quote(r, reply.body, buf, sizeof buf));
    if (s == SERVED)
        hpcl__rest_note_meta(r, j);
    json_decref(j);
    hpcl__rest_reply_free(&reply);
    return s;
}

hpcl_rc hpcl__rest_negotiate(struct hpcl__rest *r, hpcl_ctx *ctx)
{
    hpcl_rc rc = HPCL_OK;

    if (hpcl__rest_api(r) != HPCL__API_AUTO)
        return HPCL_OK;
    for (size_t i = 0; i < HPCL__NAPIS; i++) {
        switch (ask_served(r, ctx, hpcl__rest_apis[i], &rc)) {
        case SERVED:
            hpcl__log(ctx, HPCL_LOG_DEBUG, "site %s: slurmrestd API %s%s%s",
                      hpcl__rest_site_name(r),
                      hpcl__rest_api_name(hpcl__rest_apis[i]),
                      hpcl__rest_release(r) ? ", Slurm " : "",
                      hpcl__rest_release(r) ? hpcl__rest_release(r) : "");
            return HPCL_OK;
        case UNKNOWN:
            hpcl__rest_set_api(r, HPCL__API_AUTO); /* ask again next time */
            return rc;
        case NOT_SERVED:
            break;
        }
    }
    hpcl__rest_set_api(r, HPCL__API_AUTO);
    return hpcl__fail(ctx, HPCL_E_REST, "site %s: slurmrestd at %s serves "
                      "none of the API versions hpclaunch speaks (v0.0.42, "
                      "v0.0.41, v0.0.40, v0.0.38: each ping got a plain-text "
                      "HTTP 404); is the url right, and does slurmrestd load "
                      "openapi/slurmctld (or openapi/v0.0.38)?",
                      hpcl__rest_site_name(r), hpcl__rest_url(r));
}

hpcl_rc hpcl__rest_not_served(struct hpcl__rest *r, hpcl_ctx *ctx)
{
    enum hpcl__rest_api pinned = hpcl__rest_api(r);
    char list[64] = "";
    size_t n = 0;
    hpcl_rc rc = HPCL_OK;

    for (size_t i = 0; i < HPCL__NAPIS; i++) {
        enum served s = ask_served(r, ctx, hpcl__rest_apis[i], &rc);

        if (s == UNKNOWN) {
            snprintf(list, sizeof list, "could not be asked");
            break;
        }
        if (s == SERVED)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
                                  n > 0 ? ", " : "",
                                  hpcl__rest_api_name(hpcl__rest_apis[i]));
    }
    hpcl__rest_set_api(r, pinned);
    return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: api_version = %s is not "
                      "served by slurmrestd at %s (it serves: %s); set "
                      "api_version = auto, or one it serves, in [site %s]",
                      hpcl__rest_site_name(r), hpcl__rest_api_name(pinned),
                      hpcl__rest_url(r), list[0] != '\0' ? list : "none",
                      hpcl__rest_site_name(r));
}
