/* hpclaunch sites: each site of the site file, its reachability and load. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
/* jansson, loaded on first use as the library loads it. */
#include "../lib/core/jansson_load.h"

static void sites_help(void)
{
    printf("usage: hpclaunch sites [--json] [--conf FILE]\n\n"
           "List the sites of the site file (hpclaunch.conf(5)) and probe "
           "each one, all\nat once, for a 1-task job: whether it answers, "
           "when such a job would\nstart, how many jobs are pending and "
           "how many nodes are idle, and for a\nslurmrestd site the API "
           "version used and the site's Slurm release.  A site\nthat does "
           "not answer is shown with the reason.\n\n"
           "      --json               print the result as JSON\n"
           "      --conf=FILE          site file\n"
           "      --help               this text\n\n"
           "Exit status: 0 success (also when sites are down), 1 library "
           "error, 2 usage\nerror.\n");
}

static int parse_sites(int argc, char **argv, int *json)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"conf", required_argument, NULL, OPT_CONF},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == OPT_JSON)
            *json = 1;
        else if (opt == OPT_CONF)
            cli_conf = optarg;
        else if (opt == OPT_HELP) {
            sites_help();
            return -1;
        } else
            return cli_usage_hint("sites");
    }
    if (optind < argc)
        return cli_usage_error("sites", "unexpected argument '%s'",
                               argv[optind]);
    return EXIT_OK;
}

/* One site, as the decision's "sites" entries have it, from a probe. */
static json_t *probe_entry(hpcl_ctx *ctx, hpcl_job *job, size_t i)
{
    hpcl_probe *probe = NULL;
    json_t *o = json_pack("{s:s, s:s, s:b}", "site",
                          hpcl_ctx_site_name(ctx, i), "driver",
                          hpcl_ctx_site_driver(ctx, i), "home",
                          hpcl_ctx_site_is_home(ctx, i));
    time_t now = time(NULL), start;
    hpcl_rc rc = hpcl_job_probe(&probe, job, 0);

    if (rc != HPCL_OK) {
        json_object_set_new(o, "status", json_string("failed"));
        json_object_set_new(o, "error", json_string(hpcl_ctx_errmsg(ctx)));
        json_object_set_new(o, "api_version", json_null());
        json_object_set_new(o, "slurm_release", json_null());
        return o;
    }
    start = hpcl_probe_start_time(probe);
    json_object_set_new(o, "status", json_string("ok"));
    /* 0: the site gave no estimate; null, as in a decision. */
    if (start == 0) {
        json_object_set_new(o, "expected_start", json_null());
        json_object_set_new(o, "wait_s", json_null());
    } else {
        json_object_set_new(o, "expected_start", json_integer(start));
        json_object_set_new(o, "wait_s", json_integer(start > now
                                                          ? start - now
                                                          : 0));
    }
    json_object_set_new(o, "pending_jobs",
                        json_integer(hpcl_probe_pending_jobs(probe)));
    json_object_set_new(o, "idle_nodes",
                        json_integer(hpcl_probe_idle_nodes(probe)));
    json_object_set_new(o, "total_nodes",
                        json_integer(hpcl_probe_total_nodes(probe)));
    json_object_set_new(o, "partition",
                        json_string(hpcl_probe_partition(probe)));
    /* null when unknown, as in a decision. */
    json_object_set_new(o, "api_version",
                        hpcl_probe_api_version(probe)[0] != '\0'
                            ? json_string(hpcl_probe_api_version(probe))
                            : json_null());
    json_object_set_new(o, "slurm_release",
                        hpcl_probe_slurm_release(probe)[0] != '\0'
                            ? json_string(hpcl_probe_slurm_release(probe))
                            : json_null());
    hpcl_probe_destroy(probe);
    return o;
}

/* Every site probed at once: a dry-run submission's decision. */
static json_t *all_sites(hpcl_ctx *ctx, hpcl_job *job)
{
    char *text = NULL;
    json_t *d = NULL, *sites;

    if (hpcl_ctx_site_count(ctx) == 1) {
        sites = json_array();
        json_array_append_new(sites, probe_entry(ctx, job, 0));
        return sites;
    }
    /* failures are per site; every site's figures, not only home's */
    hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN | HPCL_SUBMIT_PROBE_ALL);
    if (hpcl_job_decision_json(&text, job) == HPCL_OK)
        d = json_loads(text, 0, NULL);
    free(text);
    sites = json_incref(json_object_get(d, "sites"));
    json_decref(d);
    return sites;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

/* "-" for an empty column (unknown). */
static const char *dash(const char *s)
{
    return s[0] != '\0' ? s : "-";
}

static long num(const json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

static void print_table(const char *file, const json_t *sites)
{
    size_t i;
    json_t *e;

    printf("%-12s %-10s %-8s %-8s %-4s %-6s %-10s %7s %9s  %s\n", "SITE",
           "DRIVER", "API", "SLURM", "HOME", "STATUS", "START", "PENDING",
           "IDLE", "REASON");
    json_array_foreach(sites, i, e) {
        int ok = strcmp(str(e, "status"), "ok") == 0;
        char start[32] = "-", idle[32] = "-", pend[16] = "-";

        if (ok) {
            if (!json_is_integer(json_object_get(e, "wait_s")))
                snprintf(start, sizeof start, "unknown");
            else if (num(e, "wait_s") > 0)
                snprintf(start, sizeof start, "in %lds", num(e, "wait_s"));
            else
                snprintf(start, sizeof start, "now");
            snprintf(idle, sizeof idle, "%ld/%ld", num(e, "idle_nodes"),
                     num(e, "total_nodes"));
            snprintf(pend, sizeof pend, "%ld", num(e, "pending_jobs"));
        }
        printf("%-12s %-10s %-8s %-8s %-4s %-6s %-10s %7s %9s  %s\n",
               str(e, "site"), str(e, "driver"), dash(str(e, "api_version")),
               dash(str(e, "slurm_release")),
               json_is_true(json_object_get(e, "home")) ? "yes" : "",
               ok ? "up" : "down", start, pend, idle, str(e, "error"));
    }
    printf("site file: %s\n", file[0] != '\0' ? file
                                              : "(none: the built-in site)");
}

int cmd_sites(int argc, char **argv)
{
    const char *const program[] = {"true"};
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    json_t *sites = NULL;
    int json = 0, status;
    hpcl_rc rc;

    if ((status = parse_sites(argc, argv, &json)) != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((status = cli_need_jansson("sites")) != EXIT_OK)
        return status;
    if ((ctx = cli_sites_ctx_create("sites")) == NULL)
        return EXIT_LIBRARY;
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK ||
        (rc = hpcl_job_set_command(job, 1, program)) != HPCL_OK ||
        (rc = hpcl_job_set_ntasks(job, 1)) != HPCL_OK ||
        (rc = hpcl_job_set_time_limit(job, 1)) != HPCL_OK) {
        status = cli_lib_error("sites", ctx, rc);
        goto out;
    }
    if ((sites = all_sites(ctx, job)) == NULL) {
        status = cli_lib_error("sites", ctx, HPCL_E_NOMEM);
        goto out;
    }
    if (json) {
        json_t *o = json_pack("{s:s, s:O}", "file", hpcl_ctx_sites_file(ctx),
                              "sites", sites);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(o);
    } else {
        print_table(hpcl_ctx_sites_file(ctx), sites);
    }
out:
    json_decref(sites);
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
