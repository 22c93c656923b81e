/*
 * The small grammars of options and directives: durations, time limits,
 * begin times, signals, memory sizes, counts, array ranges, job
 * references, gres.  Byte 0 picks the grammar, the rest is the text.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "job/job-internal.h"
#include "cli.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum grammar {
    G_DURATION, G_CLI_DURATION, G_MINUTES, G_BEGIN, G_SIGNAL, G_SECONDS,
    G_MIB, G_COUNT, G_ARRAY, G_REF, G_GRES, G_EXPORT, G_MAIL, G_N
};

static void job_setter(hpcl_ctx *ctx, enum grammar g, const char *text)
{
    hpcl_job *job = NULL;

    if (hpcl_job_create(&job, ctx) != HPCL_OK)
        abort();
    switch (g) {
    case G_ARRAY:
        (void)hpcl_job_set_array(job, text);
        break;
    case G_GRES:
        (void)hpcl_job_set_gres(job, text);
        break;
    case G_EXPORT:
        (void)hpcl_job_set_export(job, text);
        break;
    default:
        (void)hpcl_job_set_mail_type(job, text);
        break;
    }
    hpcl_job_destroy(job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hpcl_ctx *ctx;
    char *text;
    long long ms;
    int signo;
    unsigned sec, flags;
    size_t site;
    uint32_t id, task;
    enum grammar g;

    if (size < 1)
        return 0;
    g = (enum grammar)(data[0] % G_N);
    text = fuzz_strndup(data + 1, size - 1);
    ctx = fuzz_ctx();
    switch (g) {
    case G_DURATION:
        /* The flags from the text's length: every combination is hit. */
        if (hpcl__duration_parse(&ms, text, (unsigned)size & 7u) == 0 &&
            ms < 0 && ms != HPCL__DUR_INFINITE)
            __builtin_trap(); /* never negative */
        break;
    case G_CLI_DURATION:
        (void)cli_parse_duration(text);
        break;
    case G_MINUTES:
        (void)cli_parse_minutes(text);
        break;
    case G_BEGIN:
        (void)cli_parse_begin(text, 1700000000);
        break;
    case G_SIGNAL:
        (void)cli_parse_signal(text, &signo, &sec, &flags);
        break;
    case G_SECONDS:
        (void)cli_parse_seconds(text);
        break;
    case G_MIB:
        (void)cli_parse_mib(text);
        break;
    case G_COUNT:
        (void)cli_parse_count(text);
        break;
    case G_REF:
        if (hpcl__parse_site_ref(ctx, text, &site, &id, &task) == HPCL_OK &&
            id == 0)
            __builtin_trap(); /* job 0 is no job */
        break;
    default:
        job_setter(ctx, g, text);
        break;
    }
    hpcl_ctx_destroy(ctx);
    free(text);
    return 0;
}
