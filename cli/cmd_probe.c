/* hpclaunch probe: when would this job start, and how loaded is the queue. */
#include <getopt.h>
#include <time.h>

#include "cli.h"

enum { OPT_PROBE_SITE = OPT_CMD_FIRST };

static void probe_help(void)
{
    printf("usage: hpclaunch probe [OPTIONS]\n\n"
           "Ask the site when a job with these options would start (Slurm's\n"
           "will-run answer; nothing is submitted), and report the idle\n"
           "nodes of its partition and the site's pending jobs (slurmctld's\n"
           "count, as sdiag prints it).\n\n");
    cli_job_options_help(stdout);
    printf("\n      --site=NAME          probe this site (default: the home "
           "site)\n"
           "      --json               print the result as JSON\n"
           "      --help               this text\n\n"
           "Exit status: 0 success, 1 library error, 2 usage error.\n");
}

/* The start as text and JSON values; hpcl_probe_start_time() gives 0
 * when the site gave no estimate: "unknown", JSON null. */
static void start_fields(const hpcl_probe *probe, char *when, size_t size,
                         long *wait_s)
{
    time_t start = hpcl_probe_start_time(probe), now = time(NULL);

    *wait_s = start > now ? (long)(start - now) : 0;
    if (start == 0)
        snprintf(when, size, "unknown");
    else
        strftime(when, size, "%Y-%m-%dT%H:%M:%S", localtime(&start));
}

static void print_probe_json(const hpcl_probe *probe, const char *site)
{
    time_t start = hpcl_probe_start_time(probe);
    char when[32];
    long wait_s;

    start_fields(probe, when, sizeof when, &wait_s);
    printf("{\"site\":");
    cli_json_string(stdout, site);
    printf(",\"partition\":");
    cli_json_string(stdout, hpcl_probe_partition(probe));
    if (start != 0)
        printf(",\"start_time\":%lld,\"start_time_iso\":\"%s\","
               "\"wait_seconds\":%ld", (long long)start, when, wait_s);
    else
        printf(",\"start_time\":null,\"start_time_iso\":null,"
               "\"wait_seconds\":null");
    printf(",\"pending_jobs\":%u,\"idle_nodes\":%u,\"total_nodes\":%u,"
           "\"nodelist\":", hpcl_probe_pending_jobs(probe),
           hpcl_probe_idle_nodes(probe), hpcl_probe_total_nodes(probe));
    cli_json_string(stdout, hpcl_probe_nodelist(probe));
    printf("}\n");
}

static void print_probe(const hpcl_probe *probe, const char *site, int json)
{
    char when[32];
    long wait_s;

    if (json) {
        print_probe_json(probe, site);
        return;
    }
    start_fields(probe, when, sizeof when, &wait_s);
    printf("site:           %s\n"
           "partition:      %s\n", site, hpcl_probe_partition(probe));
    if (hpcl_probe_start_time(probe) == 0)
        printf("expected start: unknown (site %s gave no estimate)\n", site);
    else
        printf("expected start: %s (%s%ld s from now)\n", when,
               wait_s > 0 ? "" : "now, ", wait_s);
    printf("would run on:   %s\n"
           "pending jobs:   %u\n"
           "idle nodes:     %u of %u\n",
           hpcl_probe_nodelist(probe), hpcl_probe_pending_jobs(probe),
           hpcl_probe_idle_nodes(probe), hpcl_probe_total_nodes(probe));
}

static int parse_probe(int argc, char **argv, hpcl_ctx *ctx, hpcl_job *job,
                       int *json, const char **site)
{
    static const struct option longopts[] = {
        CLI_JOB_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {"site", required_argument, NULL, OPT_PROBE_SITE},
        {NULL, 0, NULL, 0}};
    int opt, status;

    optind = 1;
    while ((opt = getopt_long(argc, argv, CLI_JOB_SHORTOPTS, longopts,
                              NULL)) != -1) {
        if (opt == OPT_JSON) {
            *json = 1;
            continue;
        }
        if (opt == OPT_PROBE_SITE) {
            *site = optarg;
            continue;
        }
        if (opt == OPT_HELP) {
            probe_help();
            return -1;
        }
        if (opt == '?')
            return cli_usage_hint("probe");
        if ((status = cli_job_option("probe", ctx, job, opt, optarg)) != 0)
            return status;
    }
    if (optind < argc)
        return cli_usage_error("probe", "unexpected argument '%s'",
                               argv[optind]);
    return EXIT_OK;
}

int cmd_probe(int argc, char **argv)
{
    hpcl_ctx *ctx = cli_ctx_create("probe");
    hpcl_job *job = NULL;
    hpcl_probe *probe = NULL;
    const char *const program[] = {"true"};
    const char *site = NULL;
    int json = 0, status;
    hpcl_rc rc;

    if (ctx == NULL)
        return EXIT_LIBRARY;
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK ||
        (rc = hpcl_job_set_command(job, 1, program)) != HPCL_OK) {
        status = cli_lib_error("probe", ctx, rc);
        goto out;
    }
    if ((status = parse_probe(argc, argv, ctx, job, &json, &site)) !=
        EXIT_OK) {
        status = status < 0 ? EXIT_OK : status;
        goto out;
    }
    if ((status = cli_load_sites("probe", ctx)) != EXIT_OK)
        goto out;
    if (site == NULL)
        for (size_t i = 0; i < hpcl_ctx_site_count(ctx); i++)
            if (hpcl_ctx_site_is_home(ctx, i))
                site = hpcl_ctx_site_name(ctx, i);
    if ((rc = hpcl_job_set_site(job, site)) != HPCL_OK ||
        (rc = hpcl_job_probe(&probe, job, 0)) != HPCL_OK)
        status = cli_lib_error("probe", ctx, rc);
    else
        print_probe(probe, site, json);
out:
    hpcl_probe_destroy(probe);
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
