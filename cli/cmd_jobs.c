/* hpclaunch jobs: the journal's jobs, reconciled; --resubmit a lost one. */
#define _POSIX_C_SOURCE 200809L /* localtime_r */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_doc.h"
#include "json_read.h"
#include "options.h"
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

static const struct cli_opt jobs_opts[] = {
    {OPT_SITE_F, "site", "S", "only the jobs sent to site S", "@site"},
    {OPT_STATE_F, "state", "STATE", "only the jobs whose status (active, "
     "ended, lost, ...),\nstate (PENDING, RUNNING, ...) or journal event\n"
     "(SUBMITTED, ENDED, ...) is STATE",
     "active ended lost unknown PENDING RUNNING COMPLETED FAILED CANCELLED "
     "TIMEOUT"},
    {OPT_SINCE, "since", "TIME", "only the jobs first journaled since TIME: "
     "a duration\nago (2h, 1d) or a date (YYYY-MM-DD[THH:MM[:SS]])", NULL},
    {OPT_PRUNE, "prune", "AGE", "drop from the journal the settled jobs "
     "(ended,\ncancelled, not submitted) last changed more than AGE\n"
     "ago (30d, 12h), and their lines from the requests\nfile and the "
     "transfers log; nothing is listed", NULL},
    {OPT_RESUBMIT, "resubmit", "KEY", "submit the lost job KEY again, at "
     "its site", NULL},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_jobs = {
    "jobs", "list journalled jobs, reconciled with their sites", cmd_jobs,
    "hpclaunch jobs [--json] [--conf FILE] [--site S] [--state STATE]\n"
    "                     [--since TIME] [--resubmit KEY | --prune AGE]",
    "List every job of the journal (hpclaunch.conf(5), FILES) with its "
    "site, id,\nname, submit time, key and live state.  An entry whose "
    "submission was\ninterrupted is settled first by asking its site for "
    "its key: found, it is\nadopted; not found, it was not submitted.  A "
    "submitted job its controller\nno longer knows is looked up in the "
    "site's accounting (slurmdbd): ended,\nwith its real end; lost, when "
    "accounting does not know it or saw it never\nstart; unknown, when "
    "accounting does not answer or the site has none.\nOnly a lost job "
    "that never started is resubmitted.",
    {{NULL, cli_json_opt}, {NULL, jobs_opts}, {NULL, cli_conf_opt},
     {NULL, cli_help_opt}},
    "0 success, 1 library error, 2 usage error.", 0, NULL};

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
    struct cli_parser p;
    int opt;

    cli_parser_init(&p, &cli_cmd_jobs, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0) {
        if (opt == OPT_JSON)
            a->json = 1;
        else if (opt == OPT_RESUBMIT)
            a->key = p.arg;
        else if (opt == OPT_PRUNE) {
            if ((a->prune = cli_parse_duration(p.arg)) < 0)
                return cli_duration_error("jobs", "--prune", p.arg,
                                          CLI_DUR_SECONDS);
        } else if (opt == OPT_SITE_F)
            a->site = p.arg;
        else if (opt == OPT_STATE_F)
            a->state = p.arg;
        else if (opt == OPT_SINCE) {
            if ((a->since = parse_since(p.arg)) < 0)
                return cli_usage_error("jobs", "--since '%s' is neither a "
                                       "duration ago (2h, 1d) nor a date "
                                       "(YYYY-MM-DD[THH:MM[:SS]])", p.arg);
        } else if (opt == OPT_CONF)
            cli_conf = p.arg;
    }
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
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

/* The members a row of the table shows, each found in one pass over the
 * row (a listing of 100,000 jobs looked each up by name: a tenth of it). */
enum col { KEY, SITE, REF, NAME, FIRST, JSTATE, STATE, RECONCILED, ERROR,
           NOTE, NCOLS };
static const char *const col_member[NCOLS] = {
    "key", "site", "ref", "name", "first_time", "journal_state", "state",
    "reconciled", "error", "note"};

static void columns(const struct cli_json_row *e, const char *v[NCOLS])
{
    for (int c = 0; c < NCOLS; c++)
        v[c] = NULL;
    for (size_t i = 0; i < e->n; i++)
        for (int c = 0; c < NCOLS; c++)
            if (v[c] == NULL && e->key[i][0] == col_member[c][0] &&
                strcmp(e->key[i], col_member[c]) == 0) {
                v[c] = e->val[i];
                break;
            }
}

/* s into a row at o, padded to width plus one space ("%-*s "); s is at
 * most about 1000 bytes (cli_text() cuts). */
static char *cell(char *o, const char *s, size_t width)
{
    size_t n = strlen(s);

    memcpy(o, s, n);
    o += n;
    while (n++ < width)
        *o++ = ' ';
    *o++ = ' ';
    return o;
}

#define OR(v, dflt) ((v) != NULL ? (v) : (dflt))

/* One row, built in a buffer and written at once: a journal of 100,000
 * settled jobs is listed a row each, and printf() was a third of it. */
static void print_row(const struct cli_json_row *e, void *arg)
{
    static time_t minute = -1;
    static char when[24];
    const char *v[NCOLS];
    time_t first;
    char line[10 * 1024], *o = line;
    struct tm tm;

    (void)arg;
    columns(e, v);
    first = (time_t)atoll(OR(v[FIRST], "0"));
    /* When it was submitted: the journal's first event, its INTENT; rows
     * of one minute share the text. */
    if (first <= 0)
        snprintf(when, sizeof when, "-");
    else if (first / 60 != minute &&
             localtime_r(&first, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M", &tm);
    minute = first > 0 ? first / 60 : -1;
    /* Journal notes and errors quote sites: cli_text(). */
    o = cell(o, cli_text(OR(v[KEY], "?")), 37);
    o = cell(o, cli_text(OR(v[SITE], "-")), 8);
    o = cell(o, cli_text(OR(v[REF], "-")), 16);
    o = cell(o, cli_text(OR(v[NAME], "-")), 16);
    o = cell(o, when, 16);
    o = cell(o, cli_text(OR(v[JSTATE], "?")), 13);
    o = cell(o, cli_text(OR(v[STATE], "-")), 10);
    if (v[RECONCILED] != NULL) {
        o = cell(o, "reconciled (", 0) - 1;
        o = cell(o, cli_text(v[RECONCILED]), 0) - 1;
        o = cell(o, ")", 0);
    }
    o = cell(o, cli_text(OR(v[ERROR], OR(v[NOTE], ""))), 0) - 1;
    *o++ = '\n';
    fwrite(line, 1, (size_t)(o - line), stdout);
}

static void print_table(const char *text)
{
    printf("%-37s %-8s %-16s %-16s %-16s %-13s %-10s %s\n", "KEY", "SITE",
           "JOB", "NAME", "SUBMITTED", "STATUS", "STATE", "NOTE");
    if (cli_json_rows(text, print_row, NULL) != 0)
        fprintf(stderr, "hpclaunch jobs: the library's listing is not an "
                "array of flat objects: rows after the fault are missing\n");
}

static int resubmit(hpcl_ctx *ctx, const char *key, int json)
{
    hpcl_job *job = NULL;
    hpcl_rc rc = hpcl_job_resubmit(&job, ctx, key, 0);
    struct hpcl__jw *w;
    int status;

    if (rc != HPCL_OK) {
        cli_doc_subject("job", key);
        status = cli_lib_error("jobs", ctx, rc);
        cli_doc_subject(NULL, NULL);
        return status;
    }
    if (json) {
        /* the key, and the reference of its new job */
        if ((w = cli_doc_member("resubmitted")) != NULL) {
            hpcl__jw_open(w, '{');
            hpcl__jw_kstr(w, "key", key);
            hpcl__jw_kstr(w, "ref", hpcl_job_ref(job));
            hpcl__jw_close(w, '}');
        }
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
    struct hpcl__jw *w;

    if (rc != HPCL_OK)
        return cli_lib_error("jobs", ctx, rc);
    if (json) {
        if ((w = cli_doc_member("pruned")) != NULL)
            hpcl__jw_int(w, (long long)removed);
    } else
        printf("Pruned %zu settled job%s from the journal\n", removed,
               removed == 1 ? "" : "s");
    return EXIT_OK;
}

static int known_site(hpcl_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < hpcl_ctx_site_count(ctx); i++)
        if (strcmp(hpcl_ctx_site_name(ctx, i), name) == 0)
            return 1;
    return 0;
}

static int unknown_site(hpcl_ctx *ctx, const char *name)
{
    char names[512] = "";
    size_t o = 0;

    for (size_t i = 0; i < hpcl_ctx_site_count(ctx) && o < sizeof names; i++)
        o += (size_t)snprintf(names + o, sizeof names - o, "%s%s",
                              i ? ", " : "", hpcl_ctx_site_name(ctx, i));
    cli_doc_subject("site", name);
    return cli_usage_error("jobs", "--site '%s': unknown site '%s' (sites: "
                           "%s; from %s), and the journal has no job of it",
                           name, name, names,
                           hpcl_ctx_sites_file(ctx) != NULL
                               ? hpcl_ctx_sites_file(ctx)
                               : "the built-in site");
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
    cli_doc_set_json(a.json);
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
                                        a.since, 0)) == HPCL_OK &&
        a.site != NULL && a.state == NULL && a.since == 0 &&
        strcmp(text, "[]") == 0 && !known_site(ctx, a.site)) {
        /* Not a site of the file, nor one the journal names: a typo, as
         * squeue -M says of an unknown cluster. */
        status = unknown_site(ctx, a.site);
        goto out;
    }
    if (rc != HPCL_OK) {
        status = cli_lib_error("jobs", ctx, rc);
        goto out;
    }
    if (a.json) {
        struct hpcl__jw *w = cli_doc_member("jobs");
        /* The library's listing is compact JSON: taken as it is. */
        if (w != NULL) {
            hpcl__jw_adopt(w, text);
            text = NULL;
        }
    } else {
        print_table(text);
    }
out:
    free(text);
    hpcl_ctx_destroy(ctx);
    return status;
}
