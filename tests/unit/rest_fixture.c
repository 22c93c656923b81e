/* The fixture of the slurmrestd driver tests; see rest_fixture.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpcl_test.h"
#include "rest_fixture.h"

static void on_log(hpcl_log_level level, const char *msg, void *arg)
{
    struct fx *f = arg;
    size_t n = strlen(f->logs);

    (void)level;
    snprintf(f->logs + n, sizeof f->logs - n, "%s\n", msg);
}

int rest_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *why;
    FILE *t;

    /* The driver loads jansson when a site opens; these tests also call
     * its JSON functions on a site never opened. */
    if (hpcl__jansson_load(&why) != 0) {
        fprintf(stderr, "# %s\n", why);
        return -1;
    }
    if (f == NULL || hpcl_ctx_create(&f->ctx, 0) != HPCL_OK)
        return -1;
    hpcl_ctx_set_log(f->ctx, on_log, f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hpcl-rest-test-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->token_path, sizeof f->token_path, "%s/token", f->dir);
    if ((t = fopen(f->token_path, "w")) == NULL)
        return -1;
    fprintf(t, "%s\n", TOKEN);
    fclose(t);
    chmod(f->token_path, 0600);
    f->conf.name = "siteb";
    f->conf.driver = HPCL__DRIVER_SLURMRESTD;
    f->conf.url = f->url;
    f->conf.api_version = "v0.0.38";
    f->conf.user = "tester";
    f->conf.token_file = f->token_path;
    f->conf.timeout_ms = 3000;
    f->site.conf = &f->conf;
    *state = f;
    return 0;
}

int rest_teardown(void **state)
{
    struct fx *f = *state;

    if (f->site.ops != NULL)
        f->site.ops->close(&f->site);
    rest_server_stop(&f->srv);
    unlink(f->token_path);
    rmdir(f->dir);
    hpcl_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

void open_site(struct fx *f, const struct rest_route *routes,
               const struct rest_opts *opts)
{
    int port = rest_closed_port();

    if (routes != NULL) {
        assert_int_equal(rest_server_start(&f->srv, routes, opts), 0);
        port = f->srv.port;
    }
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", port);
    assert_int_equal(hpcl__rest_site_open(&f->site, f->ctx), HPCL_OK);
    assert_string_equal(f->site.ops->driver, "slurmrestd");
}

void assert_no_secret(const struct fx *f)
{
    assert_null(strstr(hpcl_ctx_errmsg(f->ctx), SIG));
    assert_null(strstr(f->logs, SIG));
}

void expect_fail(struct fx *f, hpcl_rc got, hpcl_rc want, const char *part)
{
    if (got != want || strstr(hpcl_ctx_errmsg(f->ctx), part) == NULL)
        fail_msg("got %s \"%s\", wanted %s with \"%s\"", hpcl_strerror(got),
                 hpcl_ctx_errmsg(f->ctx), hpcl_strerror(want), part);
    assert_no_secret(f);
}

static char *env_a[] = {"PATH=/usr/bin:/bin", "FOO=a=b", "BROKEN"};

struct hpcl__jobdesc desc_a(void)
{
    struct hpcl__jobdesc d = {0};

    d.script = "#!/bin/bash\nsrun hostname\n";
    d.env = env_a;
    d.env_count = 3;
    d.ntasks = 4;
    d.min_nodes = d.max_nodes = 2;
    d.cpus_per_task = 2;
    d.gpus_per_task = 1;
    d.time_limit = 5;
    d.mem_set = 1;
    d.mem_mib = 1000;
    d.exclusive = d.hold = 1;
    d.partition = "batch";
    d.name = "t1";
    d.work_dir = "/work/dir";
    d.std_out = "/work/dir/out-%j.txt";
    d.comment = "hpcl-key=" KEY_A " note";
    return d;
}

json_t *load_fixture(const char *name)
{
    char path[512];
    json_t *j;

    snprintf(path, sizeof path, "%s/%s", HPCL_REST_FIXTURES, name);
    if ((j = json_load_file(path, 0, NULL)) == NULL)
        fail_msg("cannot read fixture %s", path);
    return j;
}

const struct rest_route any_ok[] = {
    {"POST", API "/job/submit", 200, "submit_ok.json", NULL},
    {"GET", API "/job/2", 200, "job_failed.json", NULL},
    {"DELETE", API "/job/2", 200, "delete_ok.json", NULL},
    {NULL, NULL, 0, NULL, NULL}};
