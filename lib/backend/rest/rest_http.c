/*
 * The slurmrestd transport: one curl easy handle per site, reused for
 * every request so that the connection is kept alive (measured on Slurm
 * 22.05: 280-505 submits/s over one connection, 69-75 with a new one per
 * job).
 *
 * The token is read on the first request, goes into one curl_slist
 * header and is wiped when the site is closed or the token dropped.  It
 * is never put into a message; CURLOPT_VERBOSE is never set, since curl
 * would then print the request headers.
 */
#include "config.h"

#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/rest/curl_load.h"
#include "backend/rest/rest.h"

#define CONNECT_TIMEOUT_MS 2000L
/* The most an answer may be, by what was asked: the whole queue of a
 * large site (20,000 jobs of about 5 KB in v0.0.42) in /jobs, an array
 * of 10,000 tasks in /job/{id}, every node in /nodes; a few KB anywhere
 * else.  Beyond that the transfer stops: the memory a site can make
 * hpclaunch take is bounded by what was asked. */
#define REPLY_MAX_LIST (256u << 20)
#define REPLY_MAX_JOB (64u << 20)
#define REPLY_MAX_OTHER (4u << 20)

/* Job lists are cut down to what is read as they arrive (rest_slim.c):
 * a large site's /jobs is hundreds of MB of text. */
static int slimmed(const struct hpcl__rest_req *req)
{
    return strcmp(req->method, "GET") == 0 &&
           (strcmp(req->path, "/jobs") == 0 ||
            strncmp(req->path, "/job/", 5) == 0);
}

static size_t reply_max(const struct hpcl__rest_req *req)
{
    if (strcmp(req->path, "/jobs") == 0)
        return REPLY_MAX_LIST;
    if (strncmp(req->path, "/job/", 5) == 0 &&
        strcmp(req->method, "GET") == 0)
        return REPLY_MAX_JOB;
    if (strcmp(req->path, "/nodes") == 0 ||
        strcmp(req->path, "/partitions") == 0 ||
        strncmp(req->path, "db:", 3) == 0)
        return REPLY_MAX_JOB;
    return REPLY_MAX_OTHER;
}
#define TOKEN_HEADER "X-SLURM-USER-TOKEN: "

/* The body of a request, handed to curl through a read callback so that
 * curl cannot send it twice: see seek_body(). */
struct body {
    const char *data;
    size_t len, off;
    int all_read; /* curl has had every byte once */
};

struct hpcl__rest {
    const struct hpcl__site_conf *conf;
    CURL *curl;
    struct curl_slist *headers; /* with X-SLURM-USER-TOKEN once loaded */
    char *user;
    enum hpcl__rest_api api;    /* requests go to /slurm/<api>/... */
    int pinned;                 /* api set by the site file */
    char release[32];           /* Slurm release, "" until a reply said */
    long timeout_ms;
    char errbuf[CURL_ERROR_SIZE];
    struct hpcl__rest_probe_cache cache; /* rest_driver.c */
};

struct hpcl__rest_probe_cache *hpcl__rest_probe_cache(struct hpcl__rest *r)
{
    return &r->cache;
}

/* libcurl's entry points; hpcl__rest_new() loads them. */
#define cu (&hpcl__curl)

const char *hpcl__rest_site_name(const struct hpcl__rest *r)
{
    return r->conf->name;
}

const char *hpcl__rest_user(const struct hpcl__rest *r)
{
    return r->user;
}

const char *hpcl__rest_token_from(const struct hpcl__rest *r)
{
    return r->conf->token_file != NULL ? r->conf->token_file
           : r->conf->token_env != NULL ? r->conf->token_env
                                        : "(none)";
}

const char *hpcl__rest_url(const struct hpcl__rest *r)
{
    return r->conf->url;
}

enum hpcl__rest_api hpcl__rest_api(const struct hpcl__rest *r)
{
    return r->api;
}

void hpcl__rest_set_api(struct hpcl__rest *r, enum hpcl__rest_api api)
{
    r->api = api;
}

int hpcl__rest_api_pinned(const struct hpcl__rest *r)
{
    return r->pinned;
}

const char *hpcl__rest_release(const struct hpcl__rest *r)
{
    return r->release[0] != '\0' ? r->release : NULL;
}

void hpcl__rest_set_release(struct hpcl__rest *r, const char *release)
{
    snprintf(r->release, sizeof r->release, "%s", release);
}

/* --- API versions ------------------------------------------------------- */

const enum hpcl__rest_api hpcl__rest_apis[HPCL__NAPIS] = {
    HPCL__API_V42, HPCL__API_V41, HPCL__API_V40, HPCL__API_V38};

const char *hpcl__rest_api_name(enum hpcl__rest_api api)
{
    switch (api) {
    case HPCL__API_V38:
        return "v0.0.38";
    case HPCL__API_V40:
        return "v0.0.40";
    case HPCL__API_V41:
        return "v0.0.41";
    case HPCL__API_V42:
        return "v0.0.42";
    case HPCL__API_AUTO:
        break;
    }
    return "auto";
}

int hpcl__rest_api_parse(const char *name)
{
    if (name == NULL || strcmp(name, "auto") == 0)
        return HPCL__API_AUTO;
    for (size_t i = 0; i < HPCL__NAPIS; i++)
        if (strcmp(name, hpcl__rest_api_name(hpcl__rest_apis[i])) == 0)
            return hpcl__rest_apis[i];
    return -1;
}

/* --- open and close ---------------------------------------------------- */

/* X-SLURM-USER-NAME: the configured user, else the caller's login. */
static char *user_name(const struct hpcl__site_conf *conf)
{
    struct passwd pw, *pwp = NULL;
    char buf[1024];

    if (conf->user != NULL)
        return strdup(conf->user);
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &pwp) != 0 ||
        pwp == NULL)
        return NULL;
    return strdup(pwp->pw_name);
}

static char *join(const char *a, const char *b, const char *c)
{
    size_t len = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(len);

    if (s != NULL)
        snprintf(s, len, "%s%s%s", a, b, c);
    return s;
}

/* Options that hold for every request of the site. */
static CURLcode setup_handle(struct hpcl__rest *r)
{
    CURL *c = r->curl;
    long connect_ms = r->timeout_ms < CONNECT_TIMEOUT_MS ? r->timeout_ms
                                                         : CONNECT_TIMEOUT_MS;
    CURLcode e = CURLE_OK;

    /* No signals: the library may run in threads; timeouts still work. */
    e = e ? e : cu->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    e = e ? e : cu->easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
    e = e ? e : cu->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    e = e ? e : cu->easy_setopt(c, CURLOPT_HTTP_VERSION,
                                 (long)CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500
    e = e ? e : cu->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    /* Certificate checks stay on (curl's default); a site may name its
     * own CA. */
    if (r->conf->ca_file != NULL)
        e = e ? e : cu->easy_setopt(c, CURLOPT_CAINFO, r->conf->ca_file);
    return e;
}

hpcl_rc hpcl__rest_new(struct hpcl__rest **out, hpcl_ctx *ctx,
                       const struct hpcl__site_conf *conf)
{
    struct hpcl__rest *r;
    const char *why;
    int api = hpcl__rest_api_parse(conf->api_version);

    *out = NULL;
    if (api < 0)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: api_version '%s' is "
                          "not one hpclaunch speaks: use auto (the default), "
                          "v0.0.42, v0.0.41, v0.0.40 or v0.0.38", conf->name,
                          conf->api_version);
    if (hpcl__curl_load(&why) == NULL)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: slurmrestd "
                          "sites need libcurl: %s", conf->name, why);
    /* Every request and reply of the driver is JSON. */
    if (hpcl__jansson_load(&why) != 0)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: slurmrestd "
                          "sites need jansson: %s", conf->name, why);
    if ((r = calloc(1, sizeof *r)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    r->conf = conf;
    r->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms
                                         : HPCL__DEFAULT_TIMEOUT_MS;
    r->api = (enum hpcl__rest_api)api;
    r->pinned = api != HPCL__API_AUTO;
    r->user = user_name(conf);
    r->curl = cu->easy_init();
    if (r->curl == NULL || setup_handle(r) != CURLE_OK) {
        hpcl__rest_free(r);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "site %s: cannot set up the "
                          "HTTP client (out of memory?)", conf->name);
    }
    if (r->user == NULL) {
        hpcl__rest_free(r);
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: no user name for "
                          "uid %u: set user in the site file", conf->name,
                          (unsigned)getuid());
    }
    *out = r;
    return HPCL_OK;
}

/* curl_slist_append copies its strings: wipe those copies before they
 * go back to the allocator. */
static void wipe_headers(struct curl_slist *list)
{
    for (struct curl_slist *p = list; p != NULL; p = p->next)
        explicit_bzero(p->data, strlen(p->data));
    cu->slist_free_all(list);
}

void hpcl__rest_drop_token(struct hpcl__rest *r)
{
    if (r->curl != NULL)
        cu->easy_setopt(r->curl, CURLOPT_HTTPHEADER, (void *)NULL);
    wipe_headers(r->headers);
    r->headers = NULL;
}

void hpcl__rest_free(struct hpcl__rest *r)
{
    if (r == NULL)
        return;
    hpcl__rest_drop_token(r);
    if (r->curl != NULL)
        cu->easy_cleanup(r->curl); /* closes the kept connection */
    json_decref(r->cache.partitions); /* jansson is loaded when any is */
    json_decref(r->cache.nodes);
    json_decref(r->cache.diag);
    free(r->user);
    free(r);
}

/* --- headers ------------------------------------------------------------ */

static struct curl_slist *add(struct curl_slist *list, const char *line,
                              int *bad)
{
    struct curl_slist *next;

    if (*bad || line == NULL || (next = cu->slist_append(list, line)) ==
                                    NULL) {
        *bad = 1;
        return list;
    }
    return next;
}

/* The header list, loading the token on first use.  "Expect:" stops curl
 * from waiting for a 100-continue that slurmrestd never sends. */
static hpcl_rc load_headers(struct hpcl__rest *r, hpcl_ctx *ctx)
{
    struct curl_slist *h = NULL;
    char *token = NULL, *line = NULL, *name = NULL;
    int bad = 0;
    hpcl_rc rc;

    if (r->headers != NULL)
        return HPCL_OK;
    if ((rc = hpcl__site_load_token(&token, ctx, r->conf)) != HPCL_OK)
        return rc;
    line = join(TOKEN_HEADER, token, "");
    name = join("X-SLURM-USER-NAME: ", r->user, "");
    h = add(h, "Accept: application/json", &bad);
    h = add(h, "Content-Type: application/json", &bad);
    h = add(h, "Expect:", &bad);
    h = add(h, name, &bad);
    h = add(h, line, &bad);
    if (line != NULL)
        explicit_bzero(line, strlen(line));
    free(line);
    free(name);
    hpcl__token_free(token);
    if (bad) {
        wipe_headers(h);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    r->headers = h;
    return HPCL_OK;
}

int hpcl__rest_quotes_token(const struct hpcl__rest *r, const char *text)
{
    const size_t skip = strlen(TOKEN_HEADER);

    for (const struct curl_slist *p = r->headers; p != NULL; p = p->next)
        if (strncmp(p->data, TOKEN_HEADER, skip) == 0)
            return text != NULL && strstr(text, p->data + skip) != NULL;
    return 0;
}

/* Text of an answer fit for a message: its first line, control
 * characters blanked, and never text that quotes the token (a proxy or a
 * wrong URL may echo the request). */
const char *hpcl__rest_quote(const struct hpcl__rest *r, const char *text,
                             char *buf, size_t len)
{
    size_t n = 0;

    if (text == NULL)
        text = "";
    if (hpcl__rest_quotes_token(r, text))
        return "(not shown: it quotes the token)";
    for (; text[n] != '\0' && text[n] != '\n' && n + 1 < len; n++)
        buf[n] = (unsigned char)text[n] < ' ' ? ' ' : text[n];
    buf[n] = '\0';
    return buf;
}

/* --- one request -------------------------------------------------------- */

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct hpcl__rest_reply *reply = arg;
    size_t len = size * n;

    if (len > reply->max - reply->received) {
        reply->too_large = 1;
        return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
    }
    reply->received += len;
    if ((reply->slim != NULL ? hpcl__rest_slim_feed(reply, p, len)
                             : hpcl__rest_reply_put(reply, p, len)) != 0)
        return 0;
    return len;
}

static size_t read_body(char *p, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t len = b->len - b->off;

    if (len > size * n)
        len = size * n;
    memcpy(p, b->data + b->off, len);
    b->off += len;
    if (b->off == b->len)
        b->all_read = 1;
    return len;
}

/* curl resends a request on its own when a reused connection dies before
 * any answer.  A body curl has had in full may have been received and
 * done: refusing the rewind makes curl fail instead of submitting twice
 * (the caller then reports HPCL_E_AMBIGUOUS). */
static int seek_body(void *arg, curl_off_t offset, int origin)
{
    struct body *b = arg;

    if (b->all_read || origin != SEEK_SET || offset != 0)
        return CURL_SEEKFUNC_FAIL;
    b->off = 0;
    return CURL_SEEKFUNC_OK;
}

static CURLcode set_method(struct hpcl__rest *r,
                           const struct hpcl__rest_req *req, struct body *b)
{
    CURL *c = r->curl;
    long ms = req->timeout_ms > 0 ? req->timeout_ms : r->timeout_ms;
    CURLcode e = cu->easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);

    e = e ? e : cu->easy_setopt(c, CURLOPT_HTTPGET, 1L);
    e = e ? e : cu->easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL);
    if (req->body != NULL) {
        e = e ? e : cu->easy_setopt(c, CURLOPT_POST, 1L);
        e = e ? e : cu->easy_setopt(c, CURLOPT_READFUNCTION, read_body);
        e = e ? e : cu->easy_setopt(c, CURLOPT_READDATA, b);
        e = e ? e : cu->easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_body);
        e = e ? e : cu->easy_setopt(c, CURLOPT_SEEKDATA, b);
        e = e ? e : cu->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                                     (curl_off_t)b->len);
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
        e = e ? e : cu->easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    return e;
}

/* Errors raised before a byte of the request could leave. */
static int before_sending(CURLcode e)
{
    switch (e) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return 1;
    default:
        return 0;
    }
}

/* May the request have reached slurmrestd?  A body counts once curl had
 * all of it, whatever the last error: when a kept connection dies after
 * the body went out, curl reconnects to send it again, and a refused
 * reconnect (slurmrestd stopping) ends as "could not connect" although
 * the first copy may have been done.  A bodiless request counts once curl
 * got past connecting (the pre-transfer time is only set when the request
 * is about to go out). */
static int maybe_sent(CURL *c, CURLcode e, const struct body *b, int body)
{
    curl_off_t pre = 0;

    if (body)
        return b->all_read;
    if (before_sending(e))
        return 0;
    if (cu->easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pre) != CURLE_OK)
        return 1;
    return pre > 0;
}

static hpcl_rc transfer_fail(struct hpcl__rest *r, hpcl_ctx *ctx,
                             const struct hpcl__rest_req *req, CURLcode e,
                             int sent)
{
    const char *why = r->errbuf[0] != '\0' ? r->errbuf
                                           : cu->easy_strerror(e);
    const char *site = r->conf->name;
    const char *hint = e == CURLE_PEER_FAILED_VERIFICATION ||
                               e == CURLE_SSL_CACERT_BADFILE
                           ? "; is ca_file of the site right?"
                           : "";

    if (sent && req->changes)
        return hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "site %s: no answer to %s "
                          "after it was sent; %s (%s at %s)", site,
                          req->what, req->maybe, why, r->conf->url);
    if (sent)
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: no answer "
                          "from slurmrestd to %s (%s at %s)", site,
                          req->what, why, r->conf->url);
    return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: cannot reach "
                      "slurmrestd at %s: %s (%s was not sent%s)", site,
                      r->conf->url, why, req->what, hint);
}

hpcl_rc hpcl__rest_send(struct hpcl__rest *r, hpcl_ctx *ctx,
                        const struct hpcl__rest_req *req,
                        struct hpcl__rest_reply *reply)
{
    struct body b = {req->body, req->body ? strlen(req->body) : 0, 0, 0};
    char *url = NULL, *api = NULL;
    CURLcode e;
    hpcl_rc rc;
    int db;

    memset(reply, 0, sizeof *reply);
    reply->max = reply_max(req);
    if ((rc = load_headers(r, ctx)) != HPCL_OK)
        return rc;
    if (slimmed(req) && hpcl__rest_slim_start(reply, hpcl__rest_job_keys))
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    /* "db:/job/7" is below /slurmdb/<version> (rest_acct.c). */
    db = strncmp(req->path, "db:", 3) == 0;
    api = join(db ? "/slurmdb/" : "/slurm/", hpcl__rest_api_name(r->api),
               req->path + (db ? 3 : 0));
    url = api != NULL ? join(r->conf->url, api, "") : NULL;
    free(api);
    if (url == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    r->errbuf[0] = '\0';
    e = cu->easy_setopt(r->curl, CURLOPT_URL, url);
    e = e ? e : cu->easy_setopt(r->curl, CURLOPT_HTTPHEADER, r->headers);
    e = e ? e : cu->easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_data);
    e = e ? e : cu->easy_setopt(r->curl, CURLOPT_WRITEDATA, reply);
    e = e ? e : set_method(r, req, &b);
    free(url);
    if (e != CURLE_OK)
        return hpcl__fail(ctx, HPCL_E_REST, "site %s: cannot set up %s: %s",
                          r->conf->name, req->what, cu->easy_strerror(e));
    e = cu->easy_perform(r->curl);
    if (e == CURLE_OK && reply->slim != NULL &&
        hpcl__rest_slim_end(reply) != 0)
        e = CURLE_OUT_OF_MEMORY;
    if (e == CURLE_OK)
        e = cu->easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE,
                              &reply->status);
    /* An empty answer (a 304, a bare 200) still gets a "" body. */
    if (e == CURLE_OK && reply->body == NULL &&
        (reply->body = calloc(1, 1)) == NULL)
        e = CURLE_OUT_OF_MEMORY;
    if (e == CURLE_OK)
        return HPCL_OK;
    if (reply->too_large)
        rc = hpcl__fail(ctx, req->changes ? HPCL_E_AMBIGUOUS : HPCL_E_REST,
                        "site %s: the answer to %s is larger than %zu MiB, "
                        "more than hpclaunch reads for it: not read%s%s",
                        r->conf->name, req->what, reply->max >> 20,
                        req->changes ? "; " : "",
                        req->changes ? req->maybe : "");
    else
        rc = transfer_fail(r, ctx, req, e,
                           maybe_sent(r->curl, e, &b, req->body != NULL));
    hpcl__rest_slim_free(reply);
    hpcl__rest_reply_free(reply);
    return rc;
}

