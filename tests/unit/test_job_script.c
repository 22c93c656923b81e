/* Batch script generation and shell quoting.  The quoting is checked the
 * only way that counts: the generated script is run by bash with stub
 * launchers on PATH that dump the argv they receive, and that argv is
 * compared byte for byte with what was given. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hpcl_test.h"
#include "job/job-internal.h"

struct fixture {
    hpcl_ctx *ctx;
    char dir[64];   /* temp folder: bin/ stubs, home/, canaries */
    char path[256]; /* for error messages */
};

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Each stub writes its arguments NUL-separated to $HPCL_ARGV_OUT. */
static const char stub[] = "#!/bin/sh\nprintf '%s\\0' \"$@\" > "
                           "\"$HPCL_ARGV_OUT\"\n";

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    char p[256];

    if (fx == NULL || hpcl_ctx_create(&fx->ctx, 0) != HPCL_OK)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hpcl-script-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(p, sizeof p, "%s/bin", fx->dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/home", fx->dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/home/keep", fx->dir);
    write_file(p, "precious\n", 0644);
    snprintf(p, sizeof p, "%s/bin/srun", fx->dir);
    write_file(p, stub, 0755);
    snprintf(p, sizeof p, "%s/bin/mpirun", fx->dir);
    write_file(p, stub, 0755);
    snprintf(p, sizeof p, "%s/bin/argdump", fx->dir);
    write_file(p, stub, 0755);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];

    hpcl_ctx_destroy(fx->ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

/* Arguments a user may well pass, and some an attacker would. */
static const char *hostile[] = {
    "plain",
    "$(touch CANARY/c1)",
    "`touch CANARY/c2`",
    "'; touch CANARY/c3; echo '",
    "'; rm -rf ~",
    "\"; touch CANARY/c4; echo \"",
    "line1\nline2\n",
    "",
    "*",
    "$HOME ${PATH} $1 $@",
    "\\",
    "'",
    "''",
    "\\'",
    "tab\there",
    "ünïcødé ✓ 日本 😀",
    "-n",
    "--",
    ";|&<>(){}[]!#~ %s %n",
    "x'y'z",
};
#define N_HOSTILE (sizeof hostile / sizeof hostile[0])

/* hostile[] with CANARY replaced by the fixture's folder. */
static char **make_args(const struct fixture *fx, const char *prog)
{
    char **argv = calloc(N_HOSTILE + 2, sizeof *argv);

    assert_non_null(argv);
    argv[0] = strdup(prog);
    for (size_t i = 0; i < N_HOSTILE; i++) {
        const char *c = strstr(hostile[i], "CANARY");
        char buf[512];
        if (c == NULL)
            snprintf(buf, sizeof buf, "%s", hostile[i]);
        else
            snprintf(buf, sizeof buf, "%.*s%s%s", (int)(c - hostile[i]),
                     hostile[i], fx->dir, c + 6);
        argv[i + 1] = strdup(buf);
    }
    return argv;
}

static void free_args(char **argv)
{
    for (size_t i = 0; argv[i] != NULL; i++)
        free(argv[i]);
    free(argv);
}

/* Run script with bash, a clean environment and the stubs first on PATH;
 * return what the stub received (NUL-separated) in *out. */
static size_t run_script(const struct fixture *fx, const char *script,
                         char **out)
{
    char spath[128], opath[128], envpath[256], envhome[128], envout[160];
    int status;
    pid_t pid;
    struct stat st;
    FILE *f;

    snprintf(spath, sizeof spath, "%s/job.sh", fx->dir);
    snprintf(opath, sizeof opath, "%s/argv.out", fx->dir);
    unlink(opath);
    write_file(spath, script, 0755);
    snprintf(envpath, sizeof envpath, "PATH=%s/bin:/usr/bin:/bin", fx->dir);
    snprintf(envhome, sizeof envhome, "HOME=%s/home", fx->dir);
    snprintf(envout, sizeof envout, "HPCL_ARGV_OUT=%s", opath);
    char *const env[] = {envpath, envhome, envout, NULL};
    char *const argv[] = {"bash", spath, NULL};
    if ((pid = fork()) == 0) {
        execve("/bin/bash", argv, env);
        _exit(127);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(stat(opath, &st), 0);
    *out = malloc((size_t)st.st_size + 1);
    f = fopen(opath, "rb");
    assert_non_null(f);
    assert_int_equal(fread(*out, 1, (size_t)st.st_size, f),
                     (size_t)st.st_size);
    fclose(f);
    return (size_t)st.st_size;
}

/* The dump holds want[0..n) each followed by NUL, and nothing else. */
static void assert_argv(const char *dump, size_t len, char *const *want,
                        size_t n)
{
    size_t at = 0;

    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(want[i]);
        assert_true(at + k < len + 1);
        if (memcmp(dump + at, want[i], k) != 0 || dump[at + k] != '\0')
            fail_msg("argument %zu differs: want \"%s\", got \"%.*s\"", i,
                     want[i], (int)(len - at), dump + at);
        at += k + 1;
    }
    assert_int_equal(at, len);
}

static void assert_no_canary(const struct fixture *fx)
{
    char p[256];

    for (int i = 1; i <= 4; i++) {
        snprintf(p, sizeof p, "%s/c%d", fx->dir, i);
        if (access(p, F_OK) == 0)
            fail_msg("%s was created: an argument was executed", p);
    }
    snprintf(p, sizeof p, "%s/home/keep", fx->dir);
    assert_int_equal(access(p, F_OK), 0);
}

static hpcl_job *job_with(struct fixture *fx, char **argv,
                          hpcl_launcher launcher)
{
    hpcl_job *job;
    int argc = 0;

    while (argv[argc] != NULL)
        argc++;
    assert_int_equal(hpcl_job_create(&job, fx->ctx), HPCL_OK);
    assert_int_equal(hpcl_job_set_command(job, argc,
                                          (const char *const *)argv),
                     HPCL_OK);
    assert_int_equal(hpcl_job_set_launcher(job, launcher), HPCL_OK);
    return job;
}

static void script_srun_passes_every_argument_verbatim(void **state)
{
    struct fixture *fx = *state;
    char **args = make_args(fx, "/opt/app/solver");
    hpcl_job *job = job_with(fx, args, HPCL_LAUNCHER_SRUN);
    char *script, *dump, *want[N_HOSTILE + 5];
    size_t len, n = 0;

    assert_int_equal(hpcl_job_set_cpus_per_task(job, 4), HPCL_OK);
    assert_int_equal(hpcl_job_script(&script, job), HPCL_OK);
    want[n++] = "--mpi=pmix";
    want[n++] = "--cpus-per-task=4";
    want[n++] = "--";
    for (size_t i = 0; args[i] != NULL; i++)
        want[n++] = args[i];
    len = run_script(fx, script, &dump);
    assert_argv(dump, len, want, n);
    assert_no_canary(fx);
    free(dump);
    free(script);
    hpcl_job_destroy(job);
    free_args(args);
}

static void script_mpirun_passes_every_argument_verbatim(void **state)
{
    struct fixture *fx = *state;
    char **args = make_args(fx, "./a.out");
    hpcl_job *job = job_with(fx, args, HPCL_LAUNCHER_MPIRUN);
    char *script, *dump;
    size_t len, n = 0;

    while (args[n] != NULL)
        n++;
    assert_int_equal(hpcl_job_script(&script, job), HPCL_OK);
    len = run_script(fx, script, &dump);
    assert_argv(dump, len, args, n);
    assert_no_canary(fx);
    free(dump);
    free(script);
    hpcl_job_destroy(job);
    free_args(args);
}

static void script_none_runs_the_program_itself(void **state)
{
    struct fixture *fx = *state;
    char prog[128], **args;
    hpcl_job *job;
    char *script, *dump;
    size_t len, n = 0;

    snprintf(prog, sizeof prog, "%s/bin/argdump", fx->dir);
    args = make_args(fx, prog);
    job = job_with(fx, args, HPCL_LAUNCHER_NONE);
    while (args[n] != NULL)
        n++;
    assert_int_equal(hpcl_job_script(&script, job), HPCL_OK);
    len = run_script(fx, script, &dump);
    assert_argv(dump, len, args + 1, n - 1);
    assert_no_canary(fx);
    free(dump);
    free(script);
    hpcl_job_destroy(job);
    free_args(args);
}

static void script_layout(void **state)
{
    struct fixture *fx = *state;
    char *argv[] = {"/bin/hostname", NULL};
    hpcl_job *job = job_with(fx, argv, HPCL_LAUNCHER_SRUN);
    char *s;

    assert_int_equal(hpcl_job_script(&s, job), HPCL_OK);
    assert_memory_equal(s, "#!/bin/bash\n", 12);
    assert_non_null(strstr(s, "\n# Generated by hpclaunch "));
    assert_non_null(strstr(s, "\nexec srun --mpi=pmix -- '/bin/hostname'\n"));
    assert_null(strstr(s, "cpus-per-task")); /* only when set */
    free(s);
    assert_int_equal(hpcl_job_set_launcher(job, HPCL_LAUNCHER_MPIRUN),
                     HPCL_OK);
    assert_int_equal(hpcl_job_script(&s, job), HPCL_OK);
    assert_non_null(strstr(s, "\nexec mpirun '/bin/hostname'\n"));
    free(s);
    assert_int_equal(hpcl_job_set_launcher(job, HPCL_LAUNCHER_NONE),
                     HPCL_OK);
    assert_int_equal(hpcl_job_script(&s, job), HPCL_OK);
    assert_non_null(strstr(s, "\nexec '/bin/hostname'\n"));
    free(s);
    assert_int_equal(hpcl_job_script(NULL, job), HPCL_E_INVAL);
    hpcl_job_destroy(job);
}

/* Every option is written as an #SBATCH line sbatch reads back to the
 * same value (backslash before blanks, quotes, '#' and backslashes). */
static void script_directives(void **state)
{
    struct fixture *fx = *state;
    char *argv[] = {"/bin/hostname", NULL};
    hpcl_job *job = job_with(fx, argv, HPCL_LAUNCHER_SRUN);
    static const char *const want[] = {
        "#SBATCH --ntasks=4\n", "#SBATCH --nodes=1-2\n",
        "#SBATCH --ntasks-per-node=2\n", "#SBATCH --cpus-per-task=3\n",
        "#SBATCH --gpus=2\n", "#SBATCH --gpus-per-task=1\n",
        "#SBATCH --mem-per-cpu=100M\n", "#SBATCH --exclusive\n",
        "#SBATCH --hold\n", "#SBATCH --time=UNLIMITED\n",
        "#SBATCH --signal=B:10@90\n", "#SBATCH --job-name=\"a b#c'd\\\\\\\"e\"\n",
        "#SBATCH --qos=high\n", "#SBATCH --dependency=afterok:7\n",
        "#SBATCH --constraint=fast&ib\n", "#SBATCH --export=NONE\n",
        "#SBATCH --gres=gpu:1\n", "#SBATCH --mail-type=END\n"};
    char *s;

    assert_int_equal(hpcl_job_set_ntasks(job, 4), HPCL_OK);
    assert_int_equal(hpcl_job_set_nodes(job, 1, 2), HPCL_OK);
    assert_int_equal(hpcl_job_set_ntasks_per_node(job, 2), HPCL_OK);
    assert_int_equal(hpcl_job_set_cpus_per_task(job, 3), HPCL_OK);
    assert_int_equal(hpcl_job_set_gpus(job, 2), HPCL_OK);
    assert_int_equal(hpcl_job_set_gpus_per_task(job, 1), HPCL_OK);
    assert_int_equal(hpcl_job_set_mem_per_cpu(job, 100), HPCL_OK);
    assert_int_equal(hpcl_job_set_exclusive(job, 1), HPCL_OK);
    assert_int_equal(hpcl_job_set_hold(job, 1), HPCL_OK);
    assert_int_equal(hpcl_job_set_time_limit(job, HPCL_TIME_UNLIMITED),
                     HPCL_OK);
    assert_int_equal(hpcl_job_set_signal(job, 10, 90,
                                         HPCL_SIGNAL_BATCH_ONLY), HPCL_OK);
    assert_int_equal(hpcl_job_set_name(job, "a b#c'd\\\"e"), HPCL_OK);
    assert_int_equal(hpcl_job_set_qos(job, "high"), HPCL_OK);
    assert_int_equal(hpcl_job_set_dependency(job, "afterok:7"), HPCL_OK);
    assert_int_equal(hpcl_job_set_constraint(job, "fast&ib"), HPCL_OK);
    assert_int_equal(hpcl_job_set_export(job, "NONE"), HPCL_OK);
    assert_int_equal(hpcl_job_set_gres(job, "gpu:1"), HPCL_OK);
    assert_int_equal(hpcl_job_set_mail_type(job, "END"), HPCL_OK);
    assert_int_equal(hpcl_job_script(&s, job), HPCL_OK);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (strstr(s, want[i]) == NULL)
            fail_msg("no \"%.*s\" in:\n%s", (int)strlen(want[i]) - 1,
                     want[i], s);
    /* Directives come before the first command. */
    assert_true(strstr(s, "#SBATCH") < strstr(s, "\nexec "));
    free(s);
    hpcl_job_destroy(job);
}

/* A caller's script keeps its text; its own directives are disabled and
 * the job's options go right after the interpreter line. */
static void script_batch_script(void **state)
{
    struct fixture *fx = *state;
    char *argv[] = {"job.sh", NULL};
    hpcl_job *job = job_with(fx, argv, HPCL_LAUNCHER_SRUN);
    char *s;

    assert_int_equal(hpcl_job_set_batch_script(job, "#!/bin/bash\n"
                                               "# note\n"
                                               "#SBATCH -n 2\n"
                                               "\n"
                                               "srun hostname\n"
                                               "#SBATCH -n 9\n"), HPCL_OK);
    assert_int_equal(hpcl_job_set_ntasks(job, 2), HPCL_OK);
    assert_int_equal(hpcl_job_script(&s, job), HPCL_OK);
    assert_string_equal(s, "#!/bin/bash\n"
                           "#SBATCH --ntasks=2\n"
                           "# note\n"
                           "##SBATCH -n 2\n"
                           "\n"
                           "srun hostname\n"
                           "#SBATCH -n 9\n");
    free(s);
    hpcl_job_destroy(job);
}

/* srun's MPI plugin: the job's, else pmix; an odd word is quoted.  Under
 * mpirun the counts the task wrapper plans with reach the ranks. */
static void script_mpi_and_forwarded_counts(void **state)
{
    struct fixture *fx = *state;
    char *argv[] = {"/bin/hostname", NULL};
    hpcl_job *job = job_with(fx, argv, HPCL_LAUNCHER_SRUN);
    char *s;

    assert_int_equal(hpcl_job_set_mpi(job, "pmi2"), HPCL_OK);
    assert_int_equal(hpcl_job_script(&s, job), HPCL_OK);
    assert_non_null(strstr(s, "\nexec srun --mpi=pmi2 -- "));
    free(s);
    assert_int_equal(hpcl__job_script(fx->ctx, job, "x y", &s), HPCL_OK);
    assert_non_null(strstr(s, "srun --mpi=pmi2 ")); /* the job's wins */
    free(s);
    assert_int_equal(hpcl_job_set_mpi(job, NULL), HPCL_OK);
    assert_int_equal(hpcl__job_script(fx->ctx, job, "x y", &s), HPCL_OK);
    assert_non_null(strstr(s, "srun --mpi='x y' "));
    free(s);
    assert_int_equal(hpcl_job_set_launcher(job, HPCL_LAUNCHER_MPIRUN),
                     HPCL_OK);
    assert_int_equal(hpcl_job_set_cpus_per_task(job, 2), HPCL_OK);
    assert_int_equal(hpcl_job_set_gpus_per_task(job, 1), HPCL_OK);
    assert_int_equal(hpcl_job_script(&s, job), HPCL_OK);
    assert_non_null(strstr(s, "\nexec mpirun -x SLURM_CPUS_PER_TASK "
                              "-x SLURM_GPUS_PER_TASK '/bin/hostname'\n"));
    free(s);
    hpcl_job_destroy(job);
}

static void script_quote_text(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "''"},
        {"a b", "'a b'"},
        {"'", "''\\'''"},
        {"it's", "'it'\\''s'"},
        {"$(x)`y`", "'$(x)`y`'"},
        {"a\nb", "'a\nb'"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        hpcl__shell_quote(f, cases[i].in);
        fclose(f);
        assert_string_equal(buf, cases[i].out);
        free(buf);
    }
}

HPCL_TEST_MAIN(setup, teardown,
               cmocka_unit_test(script_layout),
               cmocka_unit_test(script_quote_text),
               cmocka_unit_test(script_directives),
               cmocka_unit_test(script_batch_script),
               cmocka_unit_test(script_mpi_and_forwarded_counts),
               cmocka_unit_test(script_srun_passes_every_argument_verbatim),
               cmocka_unit_test(script_mpirun_passes_every_argument_verbatim),
               cmocka_unit_test(script_none_runs_the_program_itself))
