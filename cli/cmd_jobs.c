/* hpclaunch jobs: the journal's jobs, reconciled; --resubmit a lost one. */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
/* jansson, loaded on first use as the library loads it. */
#include "../lib/core/jansson_load.h"

enum {
    OPT_RESUBMIT = OPT_CMD_FIRST,
    OPT_PRUNE,
    OPT_SITE_F,
    OPT_STATE_F,
    OPT_SINCE
};

/* What the command line asked. */
struct jobs_args {
    int json;
    const char *key;   /* --resubmit */
    long prune;        /* --prune AGE in seconds; -1: not asked */
    const char *site;  /* filters; NULL: any */
    const char *state;
    long long since;   /* 0: any */
};

static void jobs_help(void)
{
    printf("usage: hpclaunch jobs [--json] [--conf FILE] [--site S] [--state "
           "STATE]\n                     [--since TIME] [--resubmit KEY | "
           "--prune AGE]\n\n"
           "List every job of the journal (hpclaunch.conf(5), FILES) with "
           "its site, id,\nkey and live state.  An entry whose submission "
           "was interrupted is settled\nfirst by asking its site for its "
           "key: found, it is adopted; not found, it\nwas not submitted.  "
           "A submitted job its controller no longer knows is\nlooked up "
           "in the site's accounting (slurmdbd): ended, with its real end;\n"
           "lost, when accounting does not know it or saw it never start; "
           "unknown,\nwhen accounting does not answer or the site has "
           "none.  Only a lost job\nthat never started is resubmitted.\n\n"
           "      --json               print the result as JSON\n"
           "      --site=S             only the jobs sent to site S\n"
           "      --state=STATE        only the jobs whose status (active, "
           "ended, lost, ...),\n                           state (PENDING, "
           "RUNNING, ...) or journal event\n                           "
           "(SUBMITTED, ENDED, ...) is STATE\n"
           "      --since=TIME         only the jobs first journaled since "
           "TIME: a duration\n                           ago (2h, 1d) or a "
           "date (YYYY-MM-DD[THH:MM[:SS]])\n"
           "      --prune=AGE          drop from the journal the settled jobs "
           "(ended,\n                           cancelled, not submitted) "
           "last changed more than AGE\n                           ago "
           "(30d, 12h); nothing is listed\n"
           "      --resubmit=KEY       submit the lost job KEY again, at "
           "its site\n"
           "      --conf=FILE          site file\n"
           "      --help               this text\n\n"
           "Exit status: 0 success, 1 library error, 2 usage error.\n");
}

/* --since TIME: a duration ago, else a date as sbatch --begin takes it. */
static long long parse_since(const char *text)
{
    time_t now = time(NULL);
    long d = cli_parse_duration(text);

    if (d >= 0)
        return (long long)now - d;
    return cli_parse_begin(text, now);
}

static int parse_jobs(int argc, char **argv, struct jobs_args *a)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"resubmit", required_argument, NULL, OPT_RESUBMIT},
        {"prune", required_argument, NULL, OPT_PRUNE},
        {"site", required_argument, NULL, OPT_SITE_F},
        {"state", required_argument, NULL, OPT_STATE_F},
        {"since", required_argument, NULL, OPT_SINCE},
        {"conf", required_argument, NULL, OPT_CONF},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == OPT_JSON)
            a->json = 1;
        else if (opt == OPT_RESUBMIT)
            a->key = optarg;
        else if (opt == OPT_PRUNE) {
            if ((a->prune = cli_parse_duration(optarg)) < 0)
                return cli_usage_error("jobs", "--prune '%s' is not an age "
                                       "(30d, 12h, 90m, 3600)", optarg);
        } else if (opt == OPT_SITE_F)
            a->site = optarg;
        else if (opt == OPT_STATE_F)
            a->state = optarg;
        else if (opt == OPT_SINCE) {
            if ((a->since = parse_since(optarg)) < 0)
                return cli_usage_error("jobs", "--since '%s' is neither a "
                                       "duration ago (2h, 1d) nor a date "
                                       "(YYYY-MM-DD[THH:MM[:SS]])", optarg);
        } else if (opt == OPT_CONF)
            cli_conf = optarg;
        else if (opt == OPT_HELP) {
            jobs_help();
            return -1;
        } else
            return cli_usage_hint("jobs");
    }
    if (optind < argc)
        return cli_usage_error("jobs", "unexpected argument '%s'",
                               argv[optind]);
    if (a->prune >= 0 && a->key != NULL)
        return cli_usage_error("jobs", "--prune and --resubmit do not go "
                               "together");
    if ((a->prune >= 0 || a->key != NULL) &&
        (a->site != NULL || a->state != NULL || a->since != 0))
        return cli_usage_error("jobs", "--site, --state and --since filter "
                               "the listing, not --%s",
                               a->key != NULL ? "resubmit" : "prune");
    return EXIT_OK;
}

static const char *str(const json_t *o, const char *k, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : dflt;
}

static void print_table(const char *text)
{
    json_t *all = json_loads(text, 0, NULL), *e;
    size_t i;

    printf("%-37s %-8s %-16s %-13s %-10s %s\n", "KEY", "SITE", "JOB",
           "STATUS", "STATE", "NOTE");
    json_array_foreach(all, i, e) {
        const char *rec = str(e, "reconciled", NULL);

        printf("%-37s %-8s %-16s %-13s %-10s %s%s%s%s\n", str(e, "key", "?"),
               str(e, "site", "-"), str(e, "ref", "-"),
               str(e, "status", "?"), str(e, "state", "-"),
               rec ? "reconciled (" : "", rec ? rec : "", rec ? ") " : "",
               str(e, "error", str(e, "note", "")));
    }
    json_decref(all);
}

static int resubmit(hpcl_ctx *ctx, const char *key, int json)
{
    hpcl_job *job = NULL;
    hpcl_rc rc = hpcl_job_resubmit(&job, ctx, key, 0);

    if (rc != HPCL_OK)
        return cli_lib_error("jobs", ctx, rc);
    if (json) {
        printf("{\"ref\":");
        cli_json_string(stdout, hpcl_job_ref(job));
        printf(",\"key\":");
        cli_json_string(stdout, key);
        printf(",\"resubmitted\":true}\n");
    } else {
        printf("Resubmitted job %s as %s\n", key, hpcl_job_ref(job));
    }
    hpcl_job_destroy(job);
    return EXIT_OK;
}

static int prune(hpcl_ctx *ctx, long age, int json)
{
    size_t removed = 0;
    hpcl_rc rc = hpcl_ctx_jobs_prune(ctx, age, &removed, 0);

    if (rc != HPCL_OK)
        return cli_lib_error("jobs", ctx, rc);
    if (json)
        printf("{\"pruned\":%zu}\n", removed);
    else
        printf("Pruned %zu settled job%s from the journal\n", removed,
               removed == 1 ? "" : "s");
    return EXIT_OK;
}

int cmd_jobs(int argc, char **argv)
{
    struct jobs_args a = {.prune = -1};
    char *text = NULL;
    hpcl_ctx *ctx;
    int status;
    hpcl_rc rc;

    if ((status = parse_jobs(argc, argv, &a)) != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((status = cli_need_jansson("jobs")) != EXIT_OK)
        return status;
    if ((ctx = cli_sites_ctx_create("jobs")) == NULL)
        return EXIT_LIBRARY;
    if (a.key != NULL) {
        status = resubmit(ctx, a.key, a.json);
        goto out;
    }
    if (a.prune >= 0) {
        status = prune(ctx, a.prune, a.json);
        goto out;
    }
    if ((rc = hpcl_ctx_jobs_filter_json(&text, ctx, a.site, a.state,
                                        a.since, 0)) != HPCL_OK) {
        status = cli_lib_error("jobs", ctx, rc);
        goto out;
    }
    if (a.json)
        printf("%s\n", text);
    else
        print_table(text);
out:
    free(text);
    hpcl_ctx_destroy(ctx);
    return status;
}
