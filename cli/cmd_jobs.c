/* hpclaunch jobs: the journal's jobs, reconciled; --resubmit a lost one. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
/* jansson, loaded on first use as the library loads it. */
#include "../lib/core/jansson_load.h"

enum { OPT_RESUBMIT = OPT_CMD_FIRST };

static void jobs_help(void)
{
    printf("usage: hpclaunch jobs [--json] [--conf FILE] [--resubmit KEY]\n\n"
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
           "      --resubmit=KEY       submit the lost job KEY again, at "
           "its site\n"
           "      --conf=FILE          site file\n"
           "      --help               this text\n\n"
           "Exit status: 0 success, 1 library error, 2 usage error.\n");
}

static int parse_jobs(int argc, char **argv, int *json, const char **key)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"resubmit", required_argument, NULL, OPT_RESUBMIT},
        {"conf", required_argument, NULL, OPT_CONF},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == OPT_JSON)
            *json = 1;
        else if (opt == OPT_RESUBMIT)
            *key = optarg;
        else if (opt == OPT_CONF)
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

int cmd_jobs(int argc, char **argv)
{
    const char *key = NULL;
    char *text = NULL;
    hpcl_ctx *ctx;
    int json = 0, status;
    hpcl_rc rc;

    if ((status = parse_jobs(argc, argv, &json, &key)) != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((status = cli_need_jansson("jobs")) != EXIT_OK)
        return status;
    if ((ctx = cli_sites_ctx_create("jobs")) == NULL)
        return EXIT_LIBRARY;
    if (key != NULL) {
        status = resubmit(ctx, key, json);
        goto out;
    }
    if ((rc = hpcl_ctx_jobs_json(&text, ctx, 0)) != HPCL_OK) {
        status = cli_lib_error("jobs", ctx, rc);
        goto out;
    }
    if (json)
        printf("%s\n", text);
    else
        print_table(text);
out:
    free(text);
    hpcl_ctx_destroy(ctx);
    return status;
}
