/*
 * Shared by the slurmrestd driver tests (test_rest.c, test_rest_jobs.c):
 * a context, a token file, a site configuration and the loopback server
 * of rest_server.c, set up and torn down around each test.
 */
#ifndef HPCL_REST_FIXTURE_H
#define HPCL_REST_FIXTURE_H

#include "backend/backend.h"
#include "core/jansson_load.h" /* jansson as the library loads it */
#include "rest_server.h"

#define SIG "SECRET-SIGNATURE-4711"
#define TOKEN "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9." SIG
#define KEY_A "hpcl-aaaa1111aaaa1111aaaa1111aaaa1111"
#define KEY_B "hpcl-bbbb2222bbbb2222bbbb2222bbbb2222"
#define API "/slurm/v0.0.38"

struct fx {
    hpcl_ctx *ctx;
    char dir[64];
    char token_path[128];
    char url[64];
    struct hpcl__site_conf conf;
    struct hpcl__site site;
    struct rest_server srv;
    char logs[8192];
};

/* CMocka setup and teardown: *state is a struct fx. */
int rest_setup(void **state);
int rest_teardown(void **state);

/* Serve routes (NULL: nothing listens) and open the site on it. */
void open_site(struct fx *f, const struct rest_route *routes,
               const struct rest_opts *opts);

/* The token shows nowhere: not in the last message, not in the logs. */
void assert_no_secret(const struct fx *f);

/* got is want and the message holds part; the token shows nowhere. */
void expect_fail(struct fx *f, hpcl_rc got, hpcl_rc want, const char *part);

/* A job description with every field the submit body carries. */
struct hpcl__jobdesc desc_a(void);

/* A recorded reply from tests/data/rest/. */
json_t *load_fixture(const char *name);

/* Submit, query job 2 and cancel job 2, all answered. */
extern const struct rest_route any_ok[];

#endif
