/* The job description options shared by submit and probe (sbatch names). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "options.h"

/* The job options, as sbatch names them: submit's and probe's. */
const struct cli_opt cli_job_opts[] = {
    {'n', "ntasks", "N", "number of tasks", NULL},
    {'N', "nodes", "N[-MAX]", "number of nodes", NULL},
    {'c', "cpus-per-task", "N", "CPUs per task", NULL},
    {OPT_GPUS_PER_TASK, "gpus-per-task", "N", "GPUs per task", NULL},
    {OPT_GPUS_PER_NODE, "gpus-per-node", "N", "GPUs per node", NULL},
    {'G', "gpus", "N", "GPUs for the whole job", NULL},
    {OPT_GRES, "gres", "LIST", "generic resources per node (gpu:2, ...)",
     NULL},
    {OPT_NTASKS_PER_NODE, "ntasks-per-node", "N", "tasks on each node",
     NULL},
    {'t', "time", "TIME", "time limit (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S,\n"
     "UNLIMITED)", NULL},
    {OPT_MEM, "mem", "SIZE", "memory per node (default unit M; K M G T)",
     NULL},
    {OPT_MEM_PER_CPU, "mem-per-cpu", "SIZE", "memory per allocated CPU",
     NULL},
    {OPT_EXCLUSIVE, "exclusive", NULL, "do not share nodes with other jobs",
     NULL},
    {'p', "partition", "NAME", "partition", NULL},
    {'A', "account", "NAME", "account to charge", NULL},
    {'q', "qos", "NAME", "quality of service", NULL},
    {'C', "constraint", "LIST", "node features (a&b, a|b)", NULL},
    {OPT_RESERVATION, "reservation", "NAME", "run in this reservation",
     NULL},
    {'d', "dependency", "LIST", "start after other jobs (afterok:ID, ...)",
     NULL},
    {OPT_BEGIN, "begin", "TIME", "start no earlier (now+1hour, "
     "2027-01-05T10:00, 16:00)", "now+1hour midnight noon tomorrow"},
    {OPT_SIGNAL, "signal", "[B:]SIG[@S]", "send SIG S seconds (default 60) "
     "before the limit", NULL},
    {OPT_MAIL_TYPE, "mail-type", "LIST", "mail on BEGIN, END, FAIL, ALL, ...",
     "NONE BEGIN END FAIL REQUEUE ALL"},
    {OPT_MAIL_USER, "mail-user", "ADDRESS", "where the mail goes", NULL},
    {OPT_EXPORT, "export", "LIST", "variables the job gets: ALL (default), "
     "NONE, or\n[ALL,]NAME[=VALUE],...", "ALL NONE"},
    {'J', "job-name", "NAME", "job name (default: the program's name)",
     NULL},
    {'D', "chdir", "DIR", "working directory (default: current)", "@dir"},
    {'o', "output", "PATTERN", "standard output (default slurm-%j.out; "
     "%j %A %a %x %u %N)", "@file"},
    {'e', "error", "PATTERN", "standard error (default: with output)",
     "@file"},
    {'a', "array", "RANGE", "job array indexes, e.g. 0-15%4", NULL},
    {'H', "hold", NULL, "submit held (release with scontrol release)", NULL},
    {OPT_LAUNCHER, "launcher", "NAME", "srun (default), mpirun or none",
     "srun mpirun none"},
    {OPT_MPI, "mpi", "TYPE", "srun's MPI plugin (default: the site file's "
     "mpi, else\npmix)", "pmix pmi2 none"},
    {0, NULL, NULL, NULL, NULL}};

static const char *option_name(int opt)
{
    return cli_opt_label(cli_opt_find(cli_job_opts, opt), opt);
}

static int bad_value(const char *cmd, int opt, const char *arg,
                     const char *expected)
{
    return cli_usage_error(cmd, "invalid value '%s' for %s: %s", arg,
                           option_name(opt), expected);
}

/* -N MIN[-MAX] as sbatch. */
static int set_nodes(const char *cmd, hpcl_job *job, const char *arg,
                     hpcl_rc *rc)
{
    char buf[64];
    char *dash;
    long min, max;

    if (strlen(arg) >= sizeof buf)
        return bad_value(cmd, 'N', arg, "expected N or MIN-MAX");
    strcpy(buf, arg);
    dash = strchr(buf, '-');
    if (dash != NULL)
        *dash = '\0';
    min = cli_parse_count(buf);
    max = dash != NULL ? cli_parse_count(dash + 1) : min;
    if (min < 1 || max < min)
        return bad_value(cmd, 'N', arg, "expected N or MIN-MAX, N >= 1");
    *rc = hpcl_job_set_nodes(job, (unsigned)min, (unsigned)max);
    return EXIT_OK;
}

static int set_count(const char *cmd, int opt, const char *arg,
                     hpcl_rc (*setter)(hpcl_job *, unsigned), hpcl_job *job,
                     hpcl_rc *rc, long min)
{
    long v = cli_parse_count(arg);

    if (v < min)
        return bad_value(cmd, opt, arg,
                         min > 0 ? "expected a positive integer"
                                 : "expected a non-negative integer");
    *rc = setter(job, (unsigned)v);
    return EXIT_OK;
}

static int set_launcher(const char *cmd, hpcl_job *job, const char *arg,
                        hpcl_rc *rc)
{
    static const char *const names[] = {"srun", "mpirun", "none"};

    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) {
            *rc = hpcl_job_set_launcher(job, (hpcl_launcher)i);
            return EXIT_OK;
        }
    return bad_value(cmd, OPT_LAUNCHER, arg,
                     "--launcher takes srun, mpirun or none");
}

static int set_scalar(const char *cmd, hpcl_job *job, int opt,
                      const char *arg, hpcl_rc *rc)
{
    long long mib;
    long minutes;

    switch (opt) {
    case 'N':
        return set_nodes(cmd, job, arg, rc);
    case 'n':
        return set_count(cmd, opt, arg, hpcl_job_set_ntasks, job, rc, 1);
    case 'c':
        return set_count(cmd, opt, arg, hpcl_job_set_cpus_per_task, job, rc,
                         1);
    case OPT_GPUS_PER_TASK:
        return set_count(cmd, opt, arg, hpcl_job_set_gpus_per_task, job, rc,
                         0);
    case OPT_GPUS_PER_NODE:
        return set_count(cmd, opt, arg, hpcl_job_set_gpus_per_node, job, rc,
                         0);
    case OPT_NTASKS_PER_NODE:
        return set_count(cmd, opt, arg, hpcl_job_set_ntasks_per_node, job,
                         rc, 1);
    case 'G':
        return set_count(cmd, opt, arg, hpcl_job_set_gpus, job, rc, 0);
    case 't':
        if ((minutes = cli_parse_minutes(arg)) < 0)
            return cli_duration_error(cmd, option_name(opt), arg,
                                      CLI_DUR_LIMIT);
        *rc = hpcl_job_set_time_limit(job, (unsigned)minutes);
        return EXIT_OK;
    case OPT_MEM:
    case OPT_MEM_PER_CPU:
        if ((mib = cli_parse_mib(arg)) < 0)
            return bad_value(cmd, opt, arg,
                             "expected a size such as 4000, 500M, 8G");
        *rc = opt == OPT_MEM ? hpcl_job_set_mem(job, (uint64_t)mib)
                             : hpcl_job_set_mem_per_cpu(job, (uint64_t)mib);
        return EXIT_OK;
    case OPT_LAUNCHER:
        return set_launcher(cmd, job, arg, rc);
    }
    return -1;
}

/* --begin and --signal: sbatch's forms. */
static int set_timed(const char *cmd, hpcl_job *job, int opt,
                     const char *arg, hpcl_rc *rc)
{
    long long when;
    unsigned seconds, flags;
    int signo;

    if (opt == OPT_BEGIN) {
        if ((when = cli_parse_begin(arg, time(NULL))) < 0)
            return bad_value(cmd, opt, arg, "expected now+N[units], "
                             "YYYY-MM-DD[THH:MM[:SS]], HH:MM[:SS], "
                             "MM/DD[/YY], midnight, noon, elevenses, fika, "
                             "teatime, today or tomorrow");
        *rc = hpcl_job_set_begin(job, (time_t)when);
        return EXIT_OK;
    }
    if (cli_parse_signal(arg, &signo, &seconds, &flags) != 0)
        return bad_value(cmd, opt, arg, "expected [{R|B}:]SIGNAL[@SECONDS], "
                         "e.g. USR1@120 or B:TERM");
    *rc = hpcl_job_set_signal(job, signo, seconds, flags);
    return EXIT_OK;
}

int cli_job_option(const char *cmd, hpcl_ctx *ctx, hpcl_job *job, int opt,
                   const char *arg)
{
    hpcl_rc rc = HPCL_OK;
    int status = EXIT_OK;

    switch (opt) {
    case 'p': rc = hpcl_job_set_partition(job, arg); break;
    case 'A': rc = hpcl_job_set_account(job, arg); break;
    case 'J': rc = hpcl_job_set_name(job, arg); break;
    case 'o': rc = hpcl_job_set_output(job, arg); break;
    case 'e': rc = hpcl_job_set_error(job, arg); break;
    case 'D': rc = hpcl_job_set_workdir(job, arg); break;
    case 'a': rc = hpcl_job_set_array(job, arg); break;
    case 'H': rc = hpcl_job_set_hold(job, 1); break;
    case OPT_EXCLUSIVE: rc = hpcl_job_set_exclusive(job, 1); break;
    case OPT_GRES: rc = hpcl_job_set_gres(job, arg); break;
    case 'd': rc = hpcl_job_set_dependency(job, arg); break;
    case 'q': rc = hpcl_job_set_qos(job, arg); break;
    case 'C': rc = hpcl_job_set_constraint(job, arg); break;
    case OPT_RESERVATION: rc = hpcl_job_set_reservation(job, arg); break;
    case OPT_EXPORT: rc = hpcl_job_set_export(job, arg); break;
    case OPT_MAIL_TYPE: rc = hpcl_job_set_mail_type(job, arg); break;
    case OPT_MAIL_USER: rc = hpcl_job_set_mail_user(job, arg); break;
    case OPT_MPI: rc = hpcl_job_set_mpi(job, arg); break;
    case OPT_CONF: cli_conf = arg; break;
    case OPT_BEGIN:
    case OPT_SIGNAL:
        status = set_timed(cmd, job, opt, arg, &rc);
        break;
    default:
        status = set_scalar(cmd, job, opt, arg, &rc);
    }
    if (status != EXIT_OK)
        return status;
    /* A value the library refuses is still a bad command line. */
    if (rc == HPCL_E_INVAL)
        return cli_usage_error(cmd, "invalid value '%s' for %s: %s",
                               arg != NULL ? arg : "", option_name(opt),
                               hpcl_ctx_errmsg(ctx));
    if (rc != HPCL_OK)
        return cli_lib_error(cmd, ctx, rc);
    return EXIT_OK;
}
