/* hpclaunch probe: when would this job start, and how loaded is the queue. */
#include <time.h>

#include "cli.h"
#include "json_doc.h"
#include "options.h"

enum { OPT_PROBE_SITE = OPT_CMD_FIRST };

static const struct cli_opt probe_opts[] = {
    {OPT_PROBE_SITE, "site", "NAME", "probe this site (default: the home "
     "site)", "@site"},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_probe = {
    "probe", "estimate when a job would start, and queue load", cmd_probe,
    "hpclaunch probe [OPTIONS]",
    "Ask the site when a job with these options would start (Slurm's\n"
    "will-run answer; nothing is submitted), and report the idle\n"
    "nodes of its partition and the site's pending jobs (slurmctld's\n"
    "count, as sdiag prints it).",
    {{"Job options (as sbatch):", cli_job_opts},
     {"Probe options:", probe_opts},
     {NULL, cli_json_opt},
     {NULL, cli_conf_opt},
     {NULL, cli_help_opt}},
    "0 success, 1 library error, 2 usage error.", 0, NULL};

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

static void print_probe(hpcl_ctx *ctx, const hpcl_probe *probe,
                        const char *site)
{
    struct hpcl__jw *w = cli_doc_member("probe");
    char when[32];
    long wait_s;

    if (w != NULL) {
        cli_site_json(w, ctx, site, probe, NULL);
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

/* The site did not answer: the error names it, and under --json the
 * site is shown unreachable, with why. */
static int probe_failed(hpcl_ctx *ctx, const char *site, hpcl_rc rc)
{
    struct hpcl__jw *w = cli_doc_member("probe");
    int status;

    if (w != NULL)
        cli_site_json(w, ctx, site, NULL, hpcl_ctx_errmsg(ctx));
    cli_doc_subject("site", site);
    status = cli_lib_error("probe", ctx, rc);
    cli_doc_subject(NULL, NULL);
    return status;
}

static int parse_probe(int argc, char **argv, hpcl_ctx *ctx, hpcl_job *job,
                       int *json, const char **site)
{
    struct cli_parser p;
    int opt, status;

    cli_parser_init(&p, &cli_cmd_probe, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0) {
        if (opt == OPT_JSON)
            *json = 1;
        else if (opt == OPT_PROBE_SITE)
            *site = p.arg;
        else if ((status = cli_job_option("probe", ctx, job, opt, p.arg)) !=
                 EXIT_OK)
            return status;
    }
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
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
    cli_doc_set_json(json);
    if ((status = cli_load_sites("probe", ctx)) != EXIT_OK)
        goto out;
    if (site == NULL)
        for (size_t i = 0; i < hpcl_ctx_site_count(ctx); i++)
            if (hpcl_ctx_site_is_home(ctx, i))
                site = hpcl_ctx_site_name(ctx, i);
    if ((rc = hpcl_job_set_site(job, site)) == HPCL_E_INVAL) {
        cli_doc_subject("site", site);
        status = cli_usage_error("probe", "--site '%s': %s", site,
                                 hpcl_ctx_errmsg(ctx));
        cli_doc_subject(NULL, NULL);
    } else if (rc != HPCL_OK ||
             (rc = hpcl_job_probe(&probe, job, 0)) != HPCL_OK)
        status = probe_failed(ctx, site, rc);
    else
        print_probe(ctx, probe, site);
out:
    hpcl_probe_destroy(probe);
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
