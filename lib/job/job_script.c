/*
 * Batch script generation.  The script is the only place where user
 * strings meet a shell, so every one of them is passed as a single-quoted
 * word: inside '...' the shell expands nothing, and the only character
 * that needs care is the quote itself, written '\'' (close, escaped
 * quote, reopen).  No other quoting style is used, so there is one rule
 * to audit.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job/job-internal.h"
#include "registry/registry.h"

void hpcl__shell_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s != '\0'; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* The launcher part of the exec line, up to the program; each part
 * starts with a space. */
static void write_launcher(FILE *f, const hpcl_job *job, const char *mpi)
{
    switch (job->launcher) {
    case HPCL_LAUNCHER_SRUN:
        /* Tasks get -c, --gpus-per-task and --ntasks-per-node from the
         * SLURM_* variables the job exports, as under sbatch; -c is
         * repeated because srun 22.05 ignores SLURM_CPUS_PER_TASK. */
        fputs(" srun --mpi=", f);
        /* Plugin names are plain words; a site file's odd value is
         * quoted like any other string. */
        if (strspn(mpi, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
            strlen(mpi))
            fputs(mpi, f);
        else
            hpcl__shell_quote(f, mpi);
        /* A task wrapper binds each task itself; every task must see
         * the whole node to compute the same plan. */
        if (job->wrap_argc > 0)
            fputs(" --cpu-bind=none", f);
        if (job->cpus_per_task > 0)
            fprintf(f, " --cpus-per-task=%u", job->cpus_per_task);
        fputs(" --", f);
        break;
    case HPCL_LAUNCHER_MPIRUN:
        /* Open MPI's mpirun reads the Slurm allocation itself: one rank
         * per task slot, which is -np $SLURM_NTASKS.  Its ranks get only
         * the variables named with -x: the counts the plan reads. */
        fputs(job->wrap_argc > 0 ? " mpirun --bind-to none" : " mpirun", f);
        if (job->cpus_per_task > 0)
            fputs(" -x SLURM_CPUS_PER_TASK", f);
        if (job->gpus_per_task > 0)
            fputs(" -x SLURM_GPUS_PER_TASK", f);
        break;
    case HPCL_LAUNCHER_NONE:
        break;
    }
}

static void write_words(FILE *f, char *const *words, int n)
{
    for (int i = 0; i < n; i++) {
        fputc(' ', f);
        hpcl__shell_quote(f, words[i]);
    }
}

/* One #SBATCH value as sbatch reads directives back: a value with a
 * blank, a quote, '#' or a backslash goes in double quotes, inside which
 * a backslash takes the next character as it is (a backslash does not
 * protect a blank outside quotes). */
static void directive(FILE *f, const char *opt, const char *value)
{
    fprintf(f, "#SBATCH --%s", opt);
    if (value == NULL) {
        fputc('\n', f);
        return;
    }
    fputc('=', f);
    if (strpbrk(value, " \t\\\"'#") == NULL) {
        fprintf(f, "%s\n", value);
        return;
    }
    fputc('"', f);
    for (; *value != '\0'; value++) {
        if (*value == '"' || *value == '\\')
            fputc('\\', f);
        fputc(*value, f);
    }
    fputs("\"\n", f);
}

static void directive_num(FILE *f, const char *opt, unsigned long long v)
{
    char num[24];

    snprintf(num, sizeof num, "%llu", v);
    directive(f, opt, num);
}

static void directive_time(FILE *f, const hpcl_job *job)
{
    char buf[32];
    struct tm tm;

    if (job->time_limit == HPCL_TIME_UNLIMITED)
        directive(f, "time", "UNLIMITED");
    else if (job->time_limit > 0)
        directive_num(f, "time", job->time_limit);
    if (job->begin != 0 && localtime_r(&job->begin, &tm) != NULL &&
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) > 0)
        directive(f, "begin", buf);
    if (job->signal_no != 0) {
        snprintf(buf, sizeof buf, "%s%s%s%d@%u",
                 job->signal_flags & HPCL_SIGNAL_RESERVATION ? "R" : "",
                 job->signal_flags & HPCL_SIGNAL_BATCH_ONLY ? "B" : "",
                 job->signal_flags ? ":" : "", job->signal_no,
                 job->signal_s);
        directive(f, "signal", buf);
    }
}

static void directive_shape(FILE *f, const hpcl_job *job)
{
    char buf[48];

    if (job->ntasks > 0)
        directive_num(f, "ntasks", job->ntasks);
    if (job->min_nodes > 0) {
        if (job->max_nodes > job->min_nodes)
            snprintf(buf, sizeof buf, "%u-%u", job->min_nodes,
                     job->max_nodes);
        else
            snprintf(buf, sizeof buf, "%u", job->min_nodes);
        directive(f, "nodes", buf);
    }
    if (job->ntasks_per_node > 0)
        directive_num(f, "ntasks-per-node", job->ntasks_per_node);
    if (job->cpus_per_task > 0)
        directive_num(f, "cpus-per-task", job->cpus_per_task);
    if (job->gpus > 0)
        directive_num(f, "gpus", job->gpus);
    if (job->gpus_per_node > 0)
        directive_num(f, "gpus-per-node", job->gpus_per_node);
    if (job->gpus_per_task > 0)
        directive_num(f, "gpus-per-task", job->gpus_per_task);
    if (job->mem_set) {
        snprintf(buf, sizeof buf, "%lluM", (unsigned long long)job->mem_mib);
        directive(f, job->mem_per_cpu ? "mem-per-cpu" : "mem", buf);
    }
    if (job->exclusive)
        directive(f, "exclusive", NULL);
    if (job->hold)
        directive(f, "hold", NULL);
}

/* The job's options as #SBATCH lines: sbatch run on the script asks for
 * what hpclaunch asked for. */
static void write_directives(FILE *f, const hpcl_job *job)
{
    static const struct {
        const char *opt;
        size_t off;
    } strings[] = {
        {"job-name", offsetof(hpcl_job, name)},
        {"partition", offsetof(hpcl_job, partition)},
        {"account", offsetof(hpcl_job, account)},
        {"qos", offsetof(hpcl_job, qos)},
        {"chdir", offsetof(hpcl_job, workdir)},
        {"output", offsetof(hpcl_job, output)},
        {"error", offsetof(hpcl_job, error)},
        {"array", offsetof(hpcl_job, array)},
        {"gres", offsetof(hpcl_job, gres)},
        {"dependency", offsetof(hpcl_job, dependency)},
        {"constraint", offsetof(hpcl_job, constraint)},
        {"reservation", offsetof(hpcl_job, reservation)},
        {"mail-type", offsetof(hpcl_job, mail_type)},
        {"mail-user", offsetof(hpcl_job, mail_user)},
        {"export", offsetof(hpcl_job, export_spec)},
    };

    directive_shape(f, job);
    directive_time(f, job);
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        const char *v = *(char *const *)(const void *)((const char *)job +
                                                       strings[i].off);
        if (v != NULL)
            directive(f, strings[i].opt, v);
    }
}

/* The caller's script: its interpreter line, the job's options as
 * directives, then the rest, whose own #SBATCH lines are disabled
 * (##SBATCH): the options already hold them, with command-line options
 * winning, and sbatch would otherwise let them override ours. */
static void write_batch_script(FILE *f, const hpcl_job *job)
{
    const char *s = job->batch_script, *nl = strchr(s, '\n');
    int header = 1;

    fprintf(f, "%.*s\n", (int)(nl ? nl - s : (long)strlen(s)), s);
    write_directives(f, job);
    for (s = nl ? nl + 1 : s + strlen(s); *s != '\0'; s = nl ? nl + 1 : "") {
        size_t len = (nl = strchr(s, '\n')) ? (size_t)(nl - s) : strlen(s);
        /* sbatch reads directives up to the first command. */
        if (header && len > 0 && s[0] != '#' && strspn(s, " \t") < len)
            header = 0;
        if (header && strncmp(s, "#SBATCH", 7) == 0)
            fputc('#', f);
        fprintf(f, "%.*s%s", (int)len, s, nl ? "\n" : "");
    }
}

static void write_script(FILE *f, const hpcl_job *job, const char *mpi)
{
    if (job->batch_script != NULL) {
        write_batch_script(f, job);
        return;
    }
    /* libslurm does not check the interpreter line; without it the job is
     * accepted and then fails with "Exec format error". */
    fputs("#!/bin/bash\n", f);
    write_directives(f, job);
    fprintf(f, "# Generated by hpclaunch %s; the program and its arguments "
               "are single-quoted.\n", hpcl_version());
    fputs("exec", f);
    write_launcher(f, job, mpi);
    /* One process, nothing to place: the wrapper is for launched tasks. */
    if (job->launcher != HPCL_LAUNCHER_NONE)
        write_words(f, job->wrap_argv, job->wrap_argc);
    write_words(f, job->argv, job->argc);
    fputc('\n', f);
}

hpcl_rc hpcl__job_script(hpcl_ctx *ctx, const hpcl_job *job,
                         const char *mpi, char **out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    int bad;

    *out = NULL;
    if (job->argc < 1 && job->batch_script == NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "no program given (call "
                          "hpcl_job_set_command or "
                          "hpcl_job_set_batch_script)");
    if (job->mpi != NULL || mpi == NULL)
        mpi = job->mpi != NULL ? job->mpi : "pmix";
    if ((f = open_memstream(&buf, &len)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "open_memstream: %s",
                          strerror(errno));
    write_script(f, job, mpi);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory writing the "
                          "batch script");
    }
    *out = buf;
    return HPCL_OK;
}

hpcl_rc hpcl_job_script(char **out, const hpcl_job *job)
{
    if (out == NULL)
        return job != NULL ? hpcl__fail(job->ctx, HPCL_E_INVAL,
                                        "hpcl_job_script: out is NULL")
                           : HPCL_E_INVAL;
    *out = NULL;
    if (job == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(job->ctx);
    return hpcl__job_script(job->ctx, job, hpcl__site_mpi(job->ctx), out);
}
