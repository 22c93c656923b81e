/* hpclaunch sites: each site of the site file, its reachability and load. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json_doc.h"
#include "options.h"
/* jansson, loaded on first use as the library loads it. */
#include "../lib/core/jansson_load.h"

const struct cli_cmd cli_cmd_sites = {
    "sites", "list the sites, their reachability and load", cmd_sites,
    "hpclaunch sites [--json] [--conf FILE]",
    "List the sites of the site file (hpclaunch.conf(5)) and probe each "
    "one, all\nat once, for a 1-task job: whether it answers, when such a "
    "job would\nstart, how many jobs are pending and how many nodes are "
    "idle, and for a\nslurmrestd site the API version used and the site's "
    "Slurm release.  A site\nthat does not answer is shown with the reason.",
    {{NULL, cli_json_opt}, {NULL, cli_conf_opt}, {NULL, cli_help_opt}},
    "0 success (also when sites are down), 1 library error, 2 usage\n"
    "error.", 0, NULL};

static int parse_sites(int argc, char **argv, int *json)
{
    struct cli_parser p;
    int opt;

    cli_parser_init(&p, &cli_cmd_sites, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0) {
        if (opt == OPT_JSON)
            *json = 1;
        else if (opt == OPT_CONF)
            cli_conf = p.arg;
    }
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
    if (optind < argc)
        return cli_usage_error("sites", "unexpected argument '%s'",
                               argv[optind]);
    return EXIT_OK;
}

/* One site, as the decision's "sites" entries have it, from a probe:
 * the document's site object (cli/probe_json.c), read back for the table. */
static json_t *probe_entry(hpcl_ctx *ctx, hpcl_job *job, size_t i)
{
    hpcl_probe *probe = NULL;
    hpcl_rc rc = hpcl_job_probe(&probe, job, 0);
    struct hpcl__jw w;
    json_t *o = NULL;
    char *text;

    hpcl__jw_init(&w, 0);
    cli_site_json(&w, ctx, hpcl_ctx_site_name(ctx, i),
                  rc == HPCL_OK ? probe : NULL, hpcl_ctx_errmsg(ctx));
    if ((text = hpcl__jw_finish(&w)) != NULL)
        o = json_loads(text, 0, NULL);
    free(text);
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
        int ok = json_is_true(json_object_get(e, "reachable"));
        char start[32] = "-", idle[32] = "-", pend[16] = "-";

        if (ok) {
            if (!json_is_integer(json_object_get(e, "wait_seconds")))
                snprintf(start, sizeof start, "unknown");
            else if (num(e, "wait_seconds") > 0)
                snprintf(start, sizeof start, "in %lds",
                         num(e, "wait_seconds"));
            else
                snprintf(start, sizeof start, "now");
            snprintf(idle, sizeof idle, "%ld/%ld", num(e, "idle_nodes"),
                     num(e, "total_nodes"));
            snprintf(pend, sizeof pend, "%ld", num(e, "pending_jobs"));
        }
        /* Versions and errors come from the sites: cli_text(). */
        printf("%-12s %-10s %-8s %-8s %-4s %-6s %-10s %7s %9s  %s\n",
               str(e, "site"), str(e, "driver"),
               cli_text(dash(str(e, "api_version"))),
               cli_text(dash(str(e, "slurm_release"))),
               json_is_true(json_object_get(e, "home")) ? "yes" : "",
               ok ? "up" : "down", start, pend, idle,
               cli_text(str(e, "error")));
    }
    printf("site file: %s\n", file[0] != '\0' ? file
                                              : "(none: the built-in site)");
}

/* The document's members: the site file (null: the built-in site) and
 * the site objects. */
static void print_json(const char *file, const json_t *sites)
{
    struct hpcl__jw *w = cli_doc_member("file");
    char *text;

    if (w != NULL)
        hpcl__jw_str(w, file[0] != '\0' ? file : NULL);
    if ((w = cli_doc_member("sites")) != NULL &&
        (text = json_dumps(sites, JSON_COMPACT | JSON_PRESERVE_ORDER)) !=
            NULL) {
        hpcl__jw_raw(w, text);
        free(text);
    }
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
    cli_doc_set_json(json);
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
        print_json(hpcl_ctx_sites_file(ctx), sites);
    } else {
        print_table(hpcl_ctx_sites_file(ctx), sites);
    }
out:
    json_decref(sites);
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
