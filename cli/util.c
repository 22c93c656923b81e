/* Helpers shared by the subcommands: errors, number and time parsing. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_doc.h"
/* Shared with the library, compiled in (curl's tool borrows curlx the
 * same way): one duration grammar for the site file and the options, one
 * way to load jansson. */
#include "../lib/core/duration.h"
#include "../lib/core/jansson_load.h"

int cli_lib_error(const char *cmd, hpcl_ctx *ctx, hpcl_rc rc)
{
    const char *detail = hpcl_ctx_errmsg(ctx);

    if (detail[0] != '\0')
        fprintf(stderr, "hpclaunch %s: %s: %s\n", cmd, hpcl_strerror(rc),
                detail);
    else
        fprintf(stderr, "hpclaunch %s: %s\n", cmd, hpcl_strerror(rc));
    cli_doc_lib_error(rc, detail);
    return EXIT_LIBRARY;
}

const char *cli_where;

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "hpclaunch %s: ", cmd);
    if (cli_where != NULL)
        fprintf(stderr, "%s: ", cli_where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    cli_doc_usage_error(cli_where, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'hpclaunch %s --help' for more information.\n",
            cmd);
    return EXIT_USAGE;
}

/* The library never prints: its warnings and errors reach the user here. */
static void log_to_stderr(hpcl_log_level level, const char *msg, void *arg)
{
    if (level <= HPCL_LOG_WARN)
        fprintf(stderr, "hpclaunch %s: %s: %s\n", (const char *)arg,
                level == HPCL_LOG_ERROR ? "error" : "warning", msg);
}

hpcl_ctx *cli_ctx_create(const char *cmd)
{
    hpcl_ctx *ctx = NULL;
    hpcl_rc rc = hpcl_ctx_create(&ctx, 0);

    if (rc != HPCL_OK) {
        fprintf(stderr, "hpclaunch %s: %s\n", cmd, hpcl_strerror(rc));
        return NULL;
    }
    hpcl_ctx_set_log(ctx, log_to_stderr, (void *)cmd);
    return ctx;
}

long cli_parse_count(const char *text)
{
    char *end;
    long v;

    if (text == NULL || !isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > 1000000000L)
        return -1;
    return v;
}

/* The flags of the one time grammar (lib/core/duration.h) for each kind
 * of duration the options take. */
static unsigned duration_flags(enum cli_duration kind)
{
    switch (kind) {
    case CLI_DUR_LIMIT:
        return HPCL__DUR_BARE_MINUTES | HPCL__DUR_UNLIMITED;
    case CLI_DUR_TIMEOUT:
        return HPCL__DUR_SUBSECOND | HPCL__DUR_UNLIMITED;
    case CLI_DUR_SECONDS:
        break;
    }
    return 0;
}

long cli_parse_minutes(const char *text)
{
    long long ms;

    if (hpcl__duration_parse(&ms, text, duration_flags(CLI_DUR_LIMIT)) != 0)
        return -1;
    /* sbatch -t 0 means no limit too; seconds round up, as sbatch's. */
    if (ms == HPCL__DUR_INFINITE || ms == 0)
        return (long)HPCL_TIME_UNLIMITED;
    return (long)((ms + 59999) / 60000);
}

long long cli_parse_mib(const char *text)
{
    char *end;
    long long v;

    if (!isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    v = strtoll(text, &end, 10);
    /* 2^40 MiB (an exabyte) in any unit: no multiplication overflows. */
    if (errno != 0 || v > (1LL << 40))
        return -1;
    switch (toupper((unsigned char)*end)) {
    case '\0':
    case 'M':
        break;
    case 'K':
        v = (v + 1023) / 1024;
        break;
    case 'G':
        v *= 1024;
        break;
    case 'T':
        v *= 1024 * 1024;
        break;
    default:
        return -1;
    }
    if (*end != '\0' && end[1] != '\0' &&
        !(toupper((unsigned char)end[1]) == 'B' && end[2] == '\0'))
        return -1;
    return v;
}

int cli_need_jansson(const char *cmd)
{
    const char *why;

    if (hpcl__jansson_load(&why) == 0)
        return EXIT_OK;
    fprintf(stderr, "hpclaunch %s: %s\n", cmd, why);
    return EXIT_LIBRARY;
}

double cli_parse_seconds(const char *text)
{
    long long ms;

    if (hpcl__duration_parse(&ms, text, duration_flags(CLI_DUR_TIMEOUT)) !=
            0 ||
        ms == 0)
        return -1;
    return ms == HPCL__DUR_INFINITE ? 0 : (double)ms / 1000;
}

int cli_need_refs(const char *cmd, int first, int argc)
{
    if (first >= argc)
        return cli_usage_error(cmd, "no job given (a reference like "
                                    "SITE:1234, as submit prints)");
    return EXIT_OK;
}

int cli_job_error(const char *cmd, hpcl_ctx *ctx, hpcl_rc rc)
{
    /* hpcl_job_attach() says HPCL_E_INVAL only of the reference itself
     * (its syntax, its site): the command line is wrong. */
    if (rc == HPCL_E_INVAL)
        return cli_usage_error(cmd, "%s", hpcl_ctx_errmsg(ctx));
    return cli_lib_error(cmd, ctx, rc);
}

const char *cli_conf;

hpcl_ctx *cli_sites_ctx_create(const char *cmd)
{
    hpcl_ctx *ctx = cli_ctx_create(cmd);

    if (ctx != NULL && cli_load_sites(cmd, ctx) != EXIT_OK) {
        hpcl_ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}

int cli_load_sites(const char *cmd, hpcl_ctx *ctx)
{
    hpcl_rc rc = hpcl_ctx_load_sites(ctx, cli_conf, 0);
    int status;

    if (rc == HPCL_OK)
        return EXIT_OK;
    cli_doc_subject("file", cli_conf); /* NULL: the one looked up */
    status = cli_lib_error(cmd, ctx, rc);
    cli_doc_subject(NULL, NULL);
    return status;
}

/* The library's own parser (lib/core/duration.c, compiled in): the
 * same grammar as the site file's durations. */
long cli_parse_duration(const char *text)
{
    long long ms;

    if (hpcl__duration_parse(&ms, text, duration_flags(CLI_DUR_SECONDS)) !=
        0)
        return -1;
    return (long)(ms / 1000);
}

int cli_duration_error(const char *cmd, const char *option,
                       const char *text, enum cli_duration kind)
{
    unsigned flags = duration_flags(kind);
    long long ms = -1;
    int r = hpcl__duration_parse(&ms, text, flags);

    /* Parsed, yet refused: only a zero timeout. */
    return cli_usage_error(cmd, "invalid value '%s' for %s: %s; %s", text,
                           option,
                           r == HPCL__DUR_OK ? "it must be more than 0"
                                             : hpcl__duration_why(r),
                           hpcl__duration_forms(flags));
}

const char *cli_signal_name(int sig)
{
    /* The signals a job dies of; by macro, so the numbers are this
     * system's (Slurm's nodes run the same kernel as its clients, Linux). */
    static const struct {
        int sig;
        const char *name;
    } names[] = {
        {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
        {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
        {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
        {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
        {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
        {SIGCHLD, "SIGCHLD"}, {SIGCONT, "SIGCONT"}, {SIGSTOP, "SIGSTOP"},
        {SIGTSTP, "SIGTSTP"}, {SIGTTIN, "SIGTTIN"}, {SIGTTOU, "SIGTTOU"},
        {SIGURG, "SIGURG"},   {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
        {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"},
        {SIGWINCH, "SIGWINCH"},   {SIGSYS, "SIGSYS"},
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig)
            return names[i].name;
    return NULL;
}

const char *cli_job_end(char *buf, size_t size, int exit_code, int sig)
{
    const char *name = cli_signal_name(sig);

    if (sig > 0 && name != NULL)
        snprintf(buf, size, "signal %d (%s)", sig, name);
    else if (sig > 0) /* 53: how Slurm reports a launch failure */
        snprintf(buf, size, "signal %d", sig);
    else if (exit_code >= 0)
        snprintf(buf, size, "exit %d", exit_code);
    else
        snprintf(buf, size, "-");
    return buf;
}
