/* Helpers shared by the subcommands: errors, number and time parsing. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
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
    fprintf(stderr, "\nTry 'hpclaunch %s --help' for more information.\n",
            cmd);
    return EXIT_USAGE;
}

int cli_usage_hint(const char *cmd)
{
    /* getopt has already said what was wrong with the option. */
    fprintf(stderr, "Try 'hpclaunch %s --help' for more information.\n",
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

/* Split text at separators into up to n numbers; returns how many.  Each
 * number is at most 10^7, so that no sum of them can overflow. */
static int split_numbers(const char *text, char sep, long *v, int n)
{
    int count = 0;
    const char *p = text;

    while (count < n) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return -1;
        errno = 0;
        v[count] = strtol(p, &end, 10);
        if (errno != 0 || v[count] > 10000000L)
            return -1;
        count++;
        if (*end == '\0')
            return count;
        if (*end != sep)
            return -1;
        p = end + 1;
    }
    return -1;
}

/* sbatch --time: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S. */
long cli_parse_minutes(const char *text)
{
    long v[3] = {0, 0, 0}, days = 0, seconds;
    const char *dash = strchr(text, '-');
    int n;

    /* Slurm's words for no limit; sbatch -t 0 means none too. */
    if (strcasecmp(text, "UNLIMITED") == 0 ||
        strcasecmp(text, "INFINITE") == 0 || strcmp(text, "-1") == 0 ||
        strspn(text, "0:") == strlen(text))
        return text[0] != '\0' ? (long)HPCL_TIME_UNLIMITED : -1;

    if (dash != NULL) {
        char *end;
        if (!isdigit((unsigned char)text[0]))
            return -1;
        errno = 0;
        days = strtol(text, &end, 10);
        if (end != dash || errno != 0 || days > 100000L)
            return -1;
        if ((n = split_numbers(dash + 1, ':', v, 3)) < 0)
            return -1;
        seconds = days * 86400 + v[0] * 3600 + v[1] * 60 + v[2];
    } else {
        if ((n = split_numbers(text, ':', v, 3)) < 0)
            return -1;
        if (n == 1)
            seconds = v[0] * 60;
        else if (n == 2)
            seconds = v[0] * 60 + v[1];
        else
            seconds = v[0] * 3600 + v[1] * 60 + v[2];
    }
    /* Slurm keeps minutes in 32 bits, its top values meaning "infinite". */
    if ((seconds + 59) / 60 > 0x7fffffffL)
        return -1;
    return (seconds + 59) / 60;
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

void cli_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
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
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v) || v <= 0)
        return -1;
    return v;
}

int cli_need_refs(const char *cmd, int first, int argc)
{
    if (first >= argc)
        return cli_usage_error(cmd, "no job given (a reference like "
                                    "SITE:1234, as submit prints)");
    return EXIT_OK;
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

    return rc == HPCL_OK ? EXIT_OK : cli_lib_error(cmd, ctx, rc);
}

/* The library's own parser (lib/core/duration.c, compiled in): the
 * same grammar as the site file's durations.  Whole seconds, rounded up. */
long cli_parse_duration(const char *text)
{
    long ms;

    if (hpcl__duration_parse(&ms, text) != 0)
        return -1;
    return (ms + 999) / 1000;
}
