/*
 * The job options beyond the basic shape (lib/job/job.c): sbatch's everyday
 * options -- tasks per node, memory per CPU, GPUs per job, gres,
 * dependency, QOS, features, reservation, begin time, signal, mail,
 * --export, the MPI plugin and a batch script of the caller's own.  Each
 * setter checks what it can locally and leaves the rest to slurmctld,
 * which answers with a message naming the option.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "job/job-internal.h"

/* Slurm's MAIL_* bits (slurm.h; unchanged since they were added). */
#define MAIL_BEGIN 0x1
#define MAIL_END 0x2
#define MAIL_FAIL 0x4
#define MAIL_REQUEUE 0x8
#define MAIL_TIME100 0x10
#define MAIL_TIME90 0x20
#define MAIL_TIME80 0x40
#define MAIL_TIME50 0x80
#define MAIL_STAGE_OUT 0x100
#define MAIL_ARRAY_TASKS 0x200
#define MAIL_INVALID_DEPEND 0x400

/* sbatch's --mail-type words (src/common/proc_args.c, parse_mail_type). */
static const struct mail_word {
    const char *name;
    unsigned bits;
} mail_words[] = {
    {"NONE", 0},
    {"BEGIN", MAIL_BEGIN},
    {"END", MAIL_END},
    {"FAIL", MAIL_FAIL},
    {"REQUEUE", MAIL_REQUEUE},
    {"ALL", MAIL_BEGIN | MAIL_END | MAIL_FAIL | MAIL_REQUEUE |
                MAIL_STAGE_OUT | MAIL_INVALID_DEPEND},
    {"INVALID_DEPEND", MAIL_INVALID_DEPEND},
    {"STAGE_OUT", MAIL_STAGE_OUT},
    {"TIME_LIMIT", MAIL_TIME100},
    {"TIME_LIMIT_90", MAIL_TIME90},
    {"TIME_LIMIT_80", MAIL_TIME80},
    {"TIME_LIMIT_50", MAIL_TIME50},
    {"ARRAY_TASKS", MAIL_ARRAY_TASKS},
};

long hpcl__mail_bits(const char *types)
{
    long bits = 0;

    while (*types != '\0') {
        size_t len = strcspn(types, ","), i;
        for (i = 0; i < sizeof mail_words / sizeof *mail_words; i++)
            if (strlen(mail_words[i].name) == len &&
                strncasecmp(types, mail_words[i].name, len) == 0)
                break;
        if (i == sizeof mail_words / sizeof *mail_words)
            return -1;
        /* As sbatch: NONE anywhere means no mail at all. */
        if (mail_words[i].bits == 0)
            return 0;
        bits |= (long)mail_words[i].bits;
        types += len + (types[len] == ',');
    }
    return bits;
}

static hpcl_rc set_count(hpcl_job *job, unsigned *field, unsigned v,
                         const char *what)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc != HPCL_OK)
        return rc;
    /* Slurm's 32-bit fields reserve their top values (NO_VAL, INFINITE). */
    if (v > 0xfffffffdU)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "%s %u is too large",
                          what, v);
    *field = v;
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_ntasks_per_node(hpcl_job *job, unsigned n)
{
    return job == NULL ? HPCL_E_INVAL
                       : set_count(job, &job->ntasks_per_node, n,
                                   "tasks per node");
}

hpcl_rc hpcl_job_set_gpus(hpcl_job *job, unsigned ngpus)
{
    return job == NULL ? HPCL_E_INVAL
                       : set_count(job, &job->gpus, ngpus, "gpus");
}

hpcl_rc hpcl_job_set_mem_per_cpu(hpcl_job *job, uint64_t mib)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc != HPCL_OK)
        return rc;
    /* The top bit of Slurm's field is the per-CPU flag itself. */
    if (mib >= (UINT64_C(1) << 62))
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "memory per CPU %" PRIu64
                          " MiB is too large", mib);
    job->mem_mib = mib;
    job->mem_set = 1;
    job->mem_per_cpu = 1;
    return HPCL_OK;
}

/* "gpu:2", "gpu:a100:1,nvme:1": names, colons, counts, commas. */
static int gres_ok(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && s[0] != ',' && s[n - 1] != ',' && s[n - 1] != ':' &&
           strstr(s, ",,") == NULL &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_-.:,/") == n;
}

hpcl_rc hpcl_job_set_gres(hpcl_job *job, const char *gres)
{
    if (job == NULL)
        return HPCL_E_INVAL;
    /* sbatch --gres=none asks for none: the same as unset. */
    if (gres != NULL && strcasecmp(gres, "none") == 0)
        gres = NULL;
    if (gres != NULL && !gres_ok(gres)) {
        hpcl_rc rc = hpcl__job_editable(job);
        return rc != HPCL_OK ? rc
                             : hpcl__fail(job->ctx, HPCL_E_INVAL, "invalid "
                                          "gres '%s' (expected e.g. gpu:2 "
                                          "or gpu:a100:1,nvme:1)", gres);
    }
    return hpcl__job_set_opt(job, offsetof(hpcl_job, gres), gres, "gres");
}

hpcl_rc hpcl_job_set_dependency(hpcl_job *job, const char *dep)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, dependency), dep,
                             "dependency");
}

hpcl_rc hpcl_job_set_qos(hpcl_job *job, const char *qos)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, qos), qos, "qos");
}

hpcl_rc hpcl_job_set_constraint(hpcl_job *job, const char *features)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, constraint), features,
                             "constraint");
}

hpcl_rc hpcl_job_set_reservation(hpcl_job *job, const char *name)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, reservation), name,
                             "reservation");
}

hpcl_rc hpcl_job_set_mail_type(hpcl_job *job, const char *types)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK && types != NULL && hpcl__mail_bits(types) < 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "invalid mail type '%s' "
                          "(expected a comma-separated list of NONE, BEGIN, "
                          "END, FAIL, REQUEUE, ALL, INVALID_DEPEND, "
                          "STAGE_OUT, TIME_LIMIT, TIME_LIMIT_90, "
                          "TIME_LIMIT_80, TIME_LIMIT_50, ARRAY_TASKS)",
                          types);
    return rc != HPCL_OK ? rc
                         : hpcl__job_set_opt(job,
                                             offsetof(hpcl_job, mail_type),
                                             types, "mail type");
}

hpcl_rc hpcl_job_set_mail_user(hpcl_job *job, const char *user)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, mail_user), user,
                             "mail user");
}

hpcl_rc hpcl_job_set_begin(hpcl_job *job, time_t when)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK && when < 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "begin time %lld is "
                          "before 1970", (long long)when);
    if (rc == HPCL_OK)
        job->begin = when;
    return rc;
}

hpcl_rc hpcl_job_set_signal(hpcl_job *job, int signo, unsigned seconds,
                            unsigned flags)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc != HPCL_OK)
        return rc;
    /* Slurm keeps both in 16-bit fields; signal numbers stop at 64. */
    if (signo < 0 || signo > 64 || seconds > 0xffff ||
        (flags & ~(HPCL_SIGNAL_BATCH_ONLY | HPCL_SIGNAL_RESERVATION)) != 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "invalid signal request: "
                          "signal %d, %u s before the time limit, flags "
                          "%#x (signal 1-64, at most 65535 s)", signo,
                          seconds, flags);
    job->signal_no = signo;
    job->signal_s = signo != 0 ? seconds : 0;
    job->signal_flags = signo != 0 ? flags : 0;
    return HPCL_OK;
}

/* NAME or NAME=VALUE, NAME a shell variable name, or ALL. */
static int export_word_ok(const char *w, size_t len)
{
    size_t name = strcspn(w, "=");

    if (name > len)
        name = len;
    if (name == 0)
        return 0;
    for (size_t i = 0; i < name; i++)
        if (!(w[i] == '_' || (w[i] >= 'A' && w[i] <= 'Z') ||
              (w[i] >= 'a' && w[i] <= 'z') ||
              (i > 0 && w[i] >= '0' && w[i] <= '9')))
            return 0;
    return 1;
}

hpcl_rc hpcl_job_set_export(hpcl_job *job, const char *spec)
{
    hpcl_rc rc = hpcl__job_editable(job);
    const char *w = spec;

    if (rc != HPCL_OK || spec == NULL)
        return rc != HPCL_OK ? rc
                             : hpcl__job_set_opt(job, offsetof(hpcl_job,
                                                               export_spec),
                                                 NULL, "export");
    if (strcasecmp(spec, "NONE") != 0) {
        while (*w != '\0') {
            size_t len = strcspn(w, ",");
            if (!export_word_ok(w, len))
                return hpcl__fail(job->ctx, HPCL_E_INVAL, "invalid export "
                                  "list '%s' at '%.*s' (expected ALL, NONE "
                                  "or NAME[=VALUE],...)", spec, (int)len,
                                  w);
            w += len + (w[len] == ',');
        }
    }
    return hpcl__job_set_opt(job, offsetof(hpcl_job, export_spec), spec,
                             "export");
}

hpcl_rc hpcl_job_set_mpi(hpcl_job *job, const char *type)
{
    hpcl_rc rc = hpcl__job_editable(job);

    /* A word srun knows (pmix, pmix_v4, pmi2, cray_shasta, none). */
    if (rc == HPCL_OK && type != NULL &&
        (type[0] == '\0' || strspn(type, "abcdefghijklmnopqrstuvwxyz"
                                         "0123456789_") != strlen(type)))
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "invalid MPI type '%s' "
                          "(expected pmix, pmi2, none, ... as srun "
                          "--mpi=list prints them)", type);
    return rc != HPCL_OK ? rc
                         : hpcl__job_set_opt(job, offsetof(hpcl_job, mpi),
                                             type, "MPI type");
}

hpcl_rc hpcl_job_set_batch_script(hpcl_job *job, const char *script)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc != HPCL_OK)
        return rc;
    /* libslurm does not check the interpreter line: a script without one
     * is accepted and then fails with "Exec format error". */
    if (script != NULL && strncmp(script, "#!", 2) != 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "the batch script does "
                          "not start with an interpreter line (#!/bin/bash, "
                          "...); sbatch refuses it too");
    if (script != NULL && strlen(script) != strcspn(script, "\r") &&
        strstr(script, "\r\n") != NULL)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "the batch script has DOS "
                          "line breaks (\\r\\n); convert it with dos2unix, "
                          "as sbatch asks");
    return hpcl__set_string(job->ctx, &job->batch_script, script);
}
