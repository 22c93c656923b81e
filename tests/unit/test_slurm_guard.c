/*
 * The libslurm driver through its helper process, with real processes and
 * sockets: a missing or broken slurm.conf, a missing helper, a closed
 * controller port, a controller that accepts and never answers (within
 * libslurm's MessageTimeout, and beyond the site's timeout), a dead
 * munged, a helper that crashes.  Faults at one libslurm call come from
 * tests/unit/hpclaunch-slurm-mock, the helper with a few calls wrapped
 * (tests/unit/slurm_mock.c), steered through a file; the other tests run
 * the real helper of this build.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include "hpcl_test.h"
#include "backend/slurm/slurm_lib.h"

/* How a helper that libslurm exit(1)s, or that crashes, is reported:
 * under ASan, LeakSanitizer runs at that exit and may change the status,
 * and ASan turns a SIGSEGV into an abort. */
#if defined(__SANITIZE_ADDRESS__)
#define FATAL_EXIT "libslurm ended its helper ("
#define CRASHED "libslurm ended its helper (killed by signal "
#else
#define FATAL_EXIT "libslurm ended its helper (exit 1)"
#define CRASHED "libslurm ended its helper (killed by signal 11)"
#endif

/* --- fixture --------------------------------------------------------- */

struct fixture {
    char dir[64];
    hpcl_ctx *ctx;
    int listener;   /* a port that accepts and never answers */
    int port;       /* its number */
    char conf[128]; /* slurm.conf pointing at it, auth/none */
    char mock_conf[128];
    char mock_log[128];
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loopback socket: listening (backlog only, never accepted) or, with
 * listen_too 0, closed again so that its port refuses connections. */
static int loopback_port(int listen_too, int *fd_out)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    if (listen_too) {
        assert_int_equal(listen(fd, 128), 0);
        *fd_out = fd;
    } else {
        close(fd);
    }
    return ntohs(sa.sin_port);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A slurm.conf libslurm accepts, for controller port, auth line and
 * MessageTimeout. */
static void write_conf_mt(const char *path, int port, const char *auth,
                          int msg_timeout)
{
    char text[1024];

    snprintf(text, sizeof text,
             "ClusterName=guardtest\n"
             "SlurmctldHost=localhost(127.0.0.1)\n"
             "SlurmctldPort=%d\n"
             "%s\n"
             "MessageTimeout=%d\n"
             "NodeName=n1 CPUs=1 State=UNKNOWN\n"
             "PartitionName=p Nodes=n1 Default=YES\n",
             port, auth, msg_timeout);
    write_text(path, text);
}

static void write_conf(const char *path, int port, const char *auth)
{
    write_conf_mt(path, port, auth, 1);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hpcl-guard-XXXXXX");
    if (mkdtemp(fx->dir) == NULL || hpcl_ctx_create(&fx->ctx, 0) != HPCL_OK)
        return -1;
    fx->port = loopback_port(1, &fx->listener);
    snprintf(fx->conf, sizeof fx->conf, "%s/slurm.conf", fx->dir);
    write_conf(fx->conf, fx->port, "AuthType=auth/none");
    snprintf(fx->mock_conf, sizeof fx->mock_conf, "%s/mock.conf", fx->dir);
    snprintf(fx->mock_log, sizeof fx->mock_log, "%s/mock.log", fx->dir);
    /* The real helper of this build, unless a test asks for the mock. */
    setenv("HPCL_SLURM_HELPER", HPCL_TEST_HELPER, 1);
    unsetenv("HPCL_MOCK_CONF");
    unsetenv("HPCL_MOCK_LOG");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];

    /* Destroying the context stops its helpers: none may be left. */
    hpcl_ctx_destroy(fx->ctx);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    close(fx->listener);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

/* The mock helper for the next helper started, doing what text says
 * (tests/unit/slurm_mock.c); mock_set changes it for running helpers. */
static void mock_set(struct fixture *fx, const char *text)
{
    write_text(fx->mock_conf, text);
}

static void mock_use(struct fixture *fx, const char *text)
{
    mock_set(fx, text);
    setenv("HPCL_SLURM_HELPER", HPCL_MOCK_HELPER, 1);
    setenv("HPCL_MOCK_CONF", fx->mock_conf, 1);
    setenv("HPCL_MOCK_LOG", fx->mock_log, 1);
}

/* How many libslurm calls the mock logged that start with what. */
static int mock_calls(const struct fixture *fx, const char *what)
{
    FILE *f = fopen(fx->mock_log, "r");
    char line[4300];
    int n = 0;

    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        n += strncmp(line, what, strlen(what)) == 0;
    if (f != NULL)
        fclose(f);
    return n;
}

/* The last line the mock logged. */
static void mock_last(const struct fixture *fx, char *out, size_t len)
{
    FILE *f = fopen(fx->mock_log, "r");
    char line[4300];

    out[0] = '\0';
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        snprintf(out, len, "%.*s", (int)strcspn(line, "\n"), line);
    if (f != NULL)
        fclose(f);
}

/* Load a site file made of text into the context; its journal in dir. */
static void load_sites(struct fixture *fx, const char *text)
{
    char path[128], full[4096];

    snprintf(path, sizeof path, "%s/sites.conf", fx->dir);
    snprintf(full, sizeof full, "[defaults]\njournal = %s/journal\n%s",
             fx->dir, text);
    write_text(path, full);
    assert_int_equal(hpcl_ctx_load_sites(fx->ctx, path, 0), HPCL_OK);
}

static hpcl_job *simple_job(hpcl_ctx *ctx)
{
    const char *argv[] = {"/bin/true"};
    hpcl_job *job;

    assert_int_equal(hpcl_job_create(&job, ctx), HPCL_OK);
    assert_int_equal(hpcl_job_set_command(job, 1, argv), HPCL_OK);
    assert_int_equal(hpcl_job_set_workdir(job, "/"), HPCL_OK);
    return job;
}

#define assert_has(text, part)                                             \
    do {                                                                   \
        if (strstr((text), (part)) == NULL)                                \
            fail_msg("\"%s\" not in \"%s\"", (part), (text));              \
    } while (0)

/* Run fn with fd 2 going to a file; fail if anything was written. */
static void assert_silent(void (*fn)(struct fixture *), struct fixture *fx)
{
    char path[128];
    struct stat st;
    int saved = dup(2), fd;

    snprintf(path, sizeof path, "%s/stderr", fx->dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    fflush(stderr);
    dup2(fd, 2);
    close(fd);
    fn(fx);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(stat(path, &st), 0);
    if (st.st_size != 0)
        fail_msg("%lld bytes written to stderr", (long long)st.st_size);
}

/* --- 1. the slurm.conf path ------------------------------------------ */

static void missing_conf_body(struct fixture *fx)
{
    char path[128];
    hpcl_job *job = simple_job(fx->ctx), *att = NULL;
    double t0 = now_s();

    snprintf(path, sizeof path, "%s/nonexistent/slurm.conf", fx->dir);
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, path), HPCL_OK);
    mock_use(fx, ""); /* logs libslurm calls: there must be none */
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), path);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "No such file or directory");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "SLURM_CONF");
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:1"),
                     HPCL_E_CONFIG);
    assert_null(att);
    /* Refused before any helper was started. */
    assert_int_equal(access(fx->mock_log, F_OK), -1);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_true(now_s() - t0 < 0.5);
    hpcl_job_destroy(job);
}

static void guard_missing_conf_fails_fast_without_libslurm(void **state)
{
    assert_silent(missing_conf_body, *state);
}

static void guard_conf_from_environment_is_named(void **state)
{
    struct fixture *fx = *state;
    char *saved = getenv("SLURM_CONF") ? strdup(getenv("SLURM_CONF")) : NULL;
    hpcl_job *att = NULL;

    setenv("SLURM_CONF", "/nonexistent/hpcl/slurm.conf", 1);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "1"), HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "'/nonexistent/hpcl/slurm.conf' "
                                         "(from $SLURM_CONF)");
    if (saved != NULL)
        setenv("SLURM_CONF", saved, 1);
    else
        unsetenv("SLURM_CONF");
    free(saved);
}

static void guard_directory_is_not_a_conf(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *att = NULL;

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->dir), HPCL_OK);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "1"), HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "not a regular file");
}

/* --- 2. the helper: libslurm's verdict, its absence, its crash ------- */

static void bad_conf_body(struct fixture *fx)
{
    char path[128];
    hpcl_job *att = NULL;
    double t0 = now_s(), took;

    snprintf(path, sizeof path, "%s/garbage.conf", fx->dir);
    write_text(path, "this is not a slurm.conf\nFooBar=1\n");
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, path), HPCL_OK);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:1"),
                     HPCL_E_CONFIG);
    took = now_s() - t0;
    assert_has(hpcl_ctx_errmsg(fx->ctx), "site local: " FATAL_EXIT);
    assert_has(hpcl_ctx_errmsg(fx->ctx),
               "fatal: Unable to process configuration file");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "libslurm cannot load slurm.conf");
    assert_has(hpcl_ctx_errmsg(fx->ctx), path);
    assert_true(took < 5.0);
    print_message("# bad slurm.conf: HPCL_E_CONFIG after %.3f s\n", took);
}

static void guard_bad_conf_is_config_error_and_we_survive(void **state)
{
    struct fixture *fx = *state;

    assert_silent(bad_conf_body, fx);
    /* Still here, and still usable. */
    assert_int_equal(kill(getpid(), 0), 0);
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
}

/* One site of several whose slurm.conf makes libslurm fatal(): named in
 * the error, and the other sites are not touched by it. */
static void fatal_site_body(struct fixture *fx)
{
    char garbage[128], closed[128], text[1024];
    int port = loopback_port(0, NULL);
    hpcl_job *att = NULL;

    snprintf(garbage, sizeof garbage, "%s/garbage.conf", fx->dir);
    write_text(garbage, "ClusterName=broken\nFooBar=1\n");
    snprintf(closed, sizeof closed, "%s/closed.conf", fx->dir);
    write_conf(closed, port, "AuthType=auth/none");
    snprintf(text, sizeof text, "home = good\n"
             "[site good]\ndriver = slurm\nslurm_conf = %s\n"
             "[site broken]\ndriver = slurm\nslurm_conf = %s\n",
             closed, garbage);
    load_sites(fx, text);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "broken:5"),
                     HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "site broken: " FATAL_EXIT);
    assert_has(hpcl_ctx_errmsg(fx->ctx),
               "fatal: Unable to process configuration file");
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "good:5"),
                     HPCL_E_UNREACHABLE);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "(site good) is not reachable");
    /* A fixed file is used at the next request. */
    write_conf(garbage, port, "AuthType=auth/none");
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "broken:5"),
                     HPCL_E_UNREACHABLE);
}

static void guard_fatal_conf_names_the_site_and_we_survive(void **state)
{
    assert_silent(fatal_site_body, *state);
    assert_int_equal(kill(getpid(), 0), 0);
}

/* libslurm retries a missing Include file for 60 s: the helper is killed
 * at its time limit and the caller gets an answer. */
static void guard_hanging_conf_check_is_bounded(void **state)
{
    struct fixture *fx = *state;
    char path[128], text[256];
    hpcl_job *att = NULL;
    double t0, took;

    snprintf(path, sizeof path, "%s/hang.conf", fx->dir);
    snprintf(text, sizeof text, "ClusterName=x\nSlurmctldHost=h\n"
             "Include %s/missing.conf\n", fx->dir);
    write_text(path, text);
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, path), HPCL_OK);
    t0 = now_s();
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "1"), HPCL_E_CONFIG);
    took = now_s() - t0;
    assert_has(hpcl_ctx_errmsg(fx->ctx), "did not finish loading");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "missing.conf");
    assert_true(took >= 4.5 && took < 7.0);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* no zombie */
    print_message("# slurm.conf check that hangs: HPCL_E_CONFIG after "
                  "%.3f s\n", took);
}

/* The same file at a site with a short timeout: starting the helper is
 * part of the request, and the request ends at the site's timeout. */
static void guard_helper_start_counts_in_the_timeout(void **state)
{
    struct fixture *fx = *state;
    char path[128], text[512];
    hpcl_job *att = NULL;
    double t0, took;

    snprintf(path, sizeof path, "%s/hang.conf", fx->dir);
    snprintf(text, sizeof text, "ClusterName=x\nSlurmctldHost=h\n"
             "Include %s/missing.conf\n", fx->dir);
    write_text(path, text);
    snprintf(text, sizeof text, "[site quick]\ndriver = slurm\n"
             "slurm_conf = %s\ntimeout = 300ms\n", path);
    load_sites(fx, text);
    t0 = now_s();
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "quick:1"),
                     HPCL_E_TIMEOUT);
    took = now_s() - t0;
    assert_has(hpcl_ctx_errmsg(fx->ctx), "site quick: the libslurm helper "
                                         "did not start within the site's "
                                         "timeout of 0.3 s");
    assert_true(took >= 0.29 && took < 0.6);
}

static void guard_missing_helper_is_explained(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *att = NULL;

    setenv("HPCL_SLURM_HELPER", "/nonexistent/hpclaunch-slurm", 1);
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"),
                     HPCL_E_UNSUPPORTED);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "site local: cannot run the "
                                         "libslurm helper "
                                         "/nonexistent/hpclaunch-slurm");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "make install");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "driver = slurmrestd");
}

/* A helper that dies during a submit: the job may exist, so the answer is
 * "ambiguous" and the key is looked up (the mock lists no job: not
 * created); the next request starts a new helper. */
static void guard_helper_crash_mid_submit_is_ambiguous(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *job = simple_job(fx->ctx), *att = NULL;

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_use(fx, "crash=submit\n");
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "site local: " CRASHED);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "during the submission of job");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "so it was not created");
    assert_int_equal(mock_calls(fx, "load_jobs"), 3);
    assert_null(hpcl_job_ref(job));
    mock_set(fx, "errno=2017\n");
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:5"),
                     HPCL_E_NOJOB);
    hpcl_job_destroy(job);
}

/* The process's one child (the helper), from /proc; 0 when none. */
static pid_t only_child(void)
{
    char path[64];
    long pid = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/self/task/%ld/children",
             (long)getpid());
    if ((f = fopen(path, "r")) != NULL) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

/* A helper that died while idle (killed, out of memory) is replaced at
 * the next request, which does not fail for it. */
static void guard_helper_killed_between_requests_is_restarted(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *att = NULL;
    pid_t first, second;

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_use(fx, "errno=2017\n"); /* ESLURM_INVALID_JOB_ID */
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:5"), HPCL_E_NOJOB);
    assert_true((first = only_child()) > 0);
    assert_int_equal(kill(first, SIGKILL), 0);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:6"), HPCL_E_NOJOB);
    assert_string_equal(hpcl_ctx_errmsg(fx->ctx), "job local:6 not found (it "
                        "may have ended more than MinJobAge ago)");
    assert_int_equal(mock_calls(fx, "load_job "), 2);
    assert_true((second = only_child()) > 0 && second != first);
}

/* --- 3. the controller ----------------------------------------------- */

static void closed_port_body(struct fixture *fx)
{
    char path[128], want[128];
    int port = loopback_port(0, NULL);
    hpcl_job *job = simple_job(fx->ctx), *att = NULL;
    double t0, first, second;

    snprintf(path, sizeof path, "%s/closed.conf", fx->dir);
    write_conf(path, port, "AuthType=auth/none");
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, path), HPCL_OK);
    t0 = now_s();
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_UNREACHABLE);
    first = now_s() - t0;
    snprintf(want, sizeof want, "slurmctld at 127.0.0.1:%d (site local) is "
             "not reachable: Connection refused", port);
    assert_string_equal(hpcl_ctx_errmsg(fx->ctx), want);
    t0 = now_s();
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"), HPCL_E_UNREACHABLE);
    second = now_s() - t0;
    assert_has(hpcl_ctx_errmsg(fx->ctx), want);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "found down");
    assert_true(first < 2.0);
    assert_true(second < 0.05);
    print_message("# closed controller port: HPCL_E_UNREACHABLE after "
                  "%.3f s (helper start included), then %.4f s\n", first,
                  second);
    hpcl_job_destroy(job);
}

static void guard_closed_port_is_unreachable_fast(void **state)
{
    assert_silent(closed_port_body, *state);
}

static void silent_controller_body(struct fixture *fx)
{
    hpcl_job *job = simple_job(fx->ctx), *att = NULL;
    double t0, took;

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    t0 = now_s();
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    took = now_s() - t0;
    assert_has(hpcl_ctx_errmsg(fx->ctx), "slurm_submit_batch_job");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "may or may not");
    assert_null(hpcl_job_ref(job));
    /* A read that loses its answer is no ambiguity: just unreachable. */
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"), HPCL_E_UNREACHABLE);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "did not answer");
    print_message("# silent controller (MessageTimeout=1): "
                  "HPCL_E_AMBIGUOUS after %.3f s\n", took);
    assert_true(took < 9.0);
    hpcl_job_destroy(job);
}

/* Real libslurm calls, a real 5004: nothing may reach our stderr. */
static void guard_silent_controller_submit_is_ambiguous(void **state)
{
    assert_silent(silent_controller_body, *state);
}

/* A controller silent for longer than the site's timeout (libslurm would
 * wait its MessageTimeout, 10 s): the site's timeout is a hard bound. */
static void hard_bound_body(struct fixture *fx)
{
    char path[128], text[512];
    hpcl_job *job = simple_job(fx->ctx), *att = NULL;
    double t0, submit_s, read_s;

    snprintf(path, sizeof path, "%s/slow.conf", fx->dir);
    write_conf_mt(path, fx->port, "AuthType=auth/none", 10);
    snprintf(text, sizeof text, "[site slow]\ndriver = slurm\n"
             "slurm_conf = %s\ntimeout = 1s\n", path);
    load_sites(fx, text);
    t0 = now_s();
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    submit_s = now_s() - t0;
    /* The submit's timeout, then one lookup of the key, also bounded. */
    assert_has(hpcl_ctx_errmsg(fx->ctx), "job may exist at site slow");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "no answer to the submission of "
                                         "job");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "within the site's timeout of "
                                         "1.0 s");
    assert_true(submit_s > 1.9 && submit_s < 2.6);
    t0 = now_s();
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "slow:5"),
                     HPCL_E_TIMEOUT);
    read_s = now_s() - t0;
    assert_has(hpcl_ctx_errmsg(fx->ctx), "site slow: no answer to the "
                                         "query of job slow:5");
    assert_true(read_s > 0.9 && read_s < 1.3);
    print_message("# controller silent past the site's timeout (1 s): "
                  "submit HPCL_E_AMBIGUOUS after %.3f s (key lookup "
                  "included), read HPCL_E_TIMEOUT after %.3f s\n", submit_s,
                  read_s);
    hpcl_job_destroy(job);
}

static void guard_site_timeout_is_a_hard_bound(void **state)
{
    assert_silent(hard_bound_body, *state);
}

/* Three libslurm sites whose controllers never answer: probed at once,
 * each in its own helper, the choice takes one timeout, not three. */
static void guard_silent_sites_are_probed_in_parallel(void **state)
{
    struct fixture *fx = *state;
    char path[128], text[1024];
    size_t used = 0;
    hpcl_job *job = simple_job(fx->ctx);
    double t0, took;

    snprintf(path, sizeof path, "%s/slow.conf", fx->dir);
    write_conf_mt(path, fx->port, "AuthType=auth/none", 10);
    for (int i = 1; i <= 3; i++)
        used += (size_t)snprintf(text + used, sizeof text - used,
                                 "[site s%d]\ndriver = slurm\nslurm_conf = "
                                 "%s\ntimeout = 1s\n", i, path);
    load_sites(fx, text);
    t0 = now_s();
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN),
                     HPCL_E_NOBACKEND);
    took = now_s() - t0;
    for (int i = 1; i <= 3; i++) {
        char want[64];
        snprintf(want, sizeof want, "site s%d: no answer to the probe", i);
        assert_has(hpcl_ctx_errmsg(fx->ctx), want);
    }
    print_message("# three silent libslurm sites, timeout 1 s each: no "
                  "site after %.3f s\n", took);
    assert_true(took < 1.6);
    hpcl_job_destroy(job);
}

static void guard_dead_munged_is_auth_error(void **state)
{
    struct fixture *fx = *state;
    char path[128], auth[200];
    hpcl_job *att = NULL;
    double t0 = now_s();

    snprintf(path, sizeof path, "%s/munge.conf", fx->dir);
    snprintf(auth, sizeof auth, "AuthType=auth/munge\n"
             "AuthInfo=socket=%s/no-munged.sock", fx->dir);
    write_conf(path, fx->port, auth);
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, path), HPCL_OK);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"), HPCL_E_AUTH);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "munged is not reachable");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "no-munged.sock");
    assert_true(now_s() - t0 < 2.0);
}

/* --- reading slurm.conf ourselves ------------------------------------ */

static void read_conf_text(struct fixture *fx, const char *text,
                           struct hpcl__conf_facts *f, hpcl_rc want)
{
    char path[128];

    snprintf(path, sizeof path, "%s/parse.conf", fx->dir);
    write_text(path, text);
    assert_int_equal(hpcl__slurm_read_conf(fx->ctx, path, f), want);
}

static void guard_reads_controllers_in_every_form(void **state)
{
    struct fixture *fx = *state;
    struct hpcl__conf_facts f;
    char sub[128], text[256];

    read_conf_text(fx, "SlurmctldHost=ctl1(10.0.0.1)\nSlurmctldHost=ctl2\n"
                   "SlurmctldPort=7000-7003\nClusterName=\"Big_One\"\n", &f,
                   HPCL_OK);
    /* In lower case, as slurmctld keeps it (the cluster's identity). */
    assert_string_equal(f.cluster, "big_one");
    assert_int_equal(f.n_ctld, 2);
    assert_string_equal(f.ctld[0].host, "10.0.0.1");
    assert_string_equal(f.ctld[0].port, "7000");
    assert_string_equal(f.ctld[1].host, "ctl2");
    assert_string_equal(f.munge_socket, "/var/run/munge/munge.socket.2");
    read_conf_text(fx, "ControlMachine=m1\nControlAddr=192.168.0.1\n"
                   "BackupController=m2\n", &f, HPCL_OK);
    assert_string_equal(f.cluster, ""); /* not set: asked of slurmctld */
    assert_int_equal(f.n_ctld, 2);
    assert_string_equal(f.ctld[0].host, "192.168.0.1");
    assert_string_equal(f.ctld[0].port, "6817");
    assert_string_equal(f.ctld[1].host, "m2");
    snprintf(sub, sizeof sub, "%s/sub.conf", fx->dir);
    write_text(sub, "SlurmctldPort=6900\nAuthType=auth/munge\n"
                    "AuthInfo=ttl=60,socket=/x/m.sock\n");
    snprintf(text, sizeof text, "slurmctldhost=\"h(1.2.3.4)\"  # main\n"
             "NodeName=n1 Port=1234\ninclude sub.conf\n");
    read_conf_text(fx, text, &f, HPCL_OK);
    assert_int_equal(f.n_ctld, 1);
    assert_string_equal(f.ctld[0].host, "1.2.3.4");
    assert_string_equal(f.ctld[0].port, "6900");
    assert_string_equal(f.munge_socket, "/x/m.sock");
}

static void guard_rejects_confs_it_cannot_use(void **state)
{
    struct fixture *fx = *state;
    struct hpcl__conf_facts f;
    char fifo[128], text[256];

    read_conf_text(fx, "ClusterName=x\n", &f, HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "names no SlurmctldHost");
    read_conf_text(fx, "SlurmctldHost=h\nSlurmctldPort=http\n", &f,
                   HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "invalid SlurmctldPort");
    read_conf_text(fx, "SlurmctldHost=h\nInclude /nonexistent/x.conf\n", &f,
                   HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "matches no file");
    /* An Include that is a FIFO must not block the reader. */
    snprintf(fifo, sizeof fifo, "%s/fifo.conf", fx->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(text, sizeof text, "SlurmctldHost=h\nInclude %s\n", fifo);
    read_conf_text(fx, text, &f, HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "not a regular file");
    setenv("SLURM_JWT", "x", 1);
    read_conf_text(fx, "SlurmctldHost=h\n", &f, HPCL_OK);
    assert_string_equal(f.munge_socket, ""); /* jwt: no munge check */
    unsetenv("SLURM_JWT");
    read_conf_text(fx, "SlurmctldHost=h\nAuthType=auth/none\n", &f, HPCL_OK);
    assert_string_equal(f.munge_socket, "");
}

/* --- faults injected at one call (the mock helper) ------------------- */

static void guard_submit_that_can_never_start_is_cancelled(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *job = simple_job(fx->ctx);

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_use(fx, "resp=2015\n"); /* ESLURM_REQUESTED_PART_CONFIG_... */
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_SLURM);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "could never start");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "local:77");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "hpclaunch cancelled it");
    assert_int_equal(mock_calls(fx, "kill 77"), 1);
    assert_int_equal(mock_calls(fx, "kill"), 1);
    assert_null(hpcl_job_ref(job));
    /* A held job's warning (2042) is no failure. */
    mock_set(fx, "resp=2042\n");
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "local:77");
    hpcl_job_destroy(job);
}

/* libslurm's success without a job id (no response, or job id 0) proves
 * nothing: ambiguous, and the key is asked for (the mock lists no job:
 * not created). */
static void guard_submit_without_id_is_ambiguous(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *job = simple_job(fx->ctx);

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_use(fx, "job_id=0\n");
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "success without a job id");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "so it was not created");
    assert_true(mock_calls(fx, "load_jobs") >= 1); /* asked for the key */
    mock_set(fx, "job_id=none\n");
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "success without an answer");
    assert_null(hpcl_job_ref(job));
    hpcl_job_destroy(job);
}

static void guard_lost_submit_answer_is_ambiguous(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *job = simple_job(fx->ctx);

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_use(fx, "errno=5004\n"); /* SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT */
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "may or may not");
    /* The socket's own errno, as libslurm passes it through when
     * slurmctld dies mid-request (seen in cli_faults.sh's burst). */
    mock_set(fx, "errno=104\n"); /* ECONNRESET */
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "may or may not");
    mock_set(fx, "errno=2000\n"); /* ESLURM_INVALID_PARTITION_NAME */
    assert_int_equal(hpcl_job_set_partition(job, "foo"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_SLURM);
    assert_string_equal(hpcl_ctx_errmsg(fx->ctx),
                        "slurm_submit_batch_job: Invalid partition name "
                        "specified (partition 'foo' on site local)");
    hpcl_job_destroy(job);
}

static void guard_connection_lost_mid_call_marks_site_down(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *att = NULL;

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_use(fx, "errno=1800\n"); /* SLURMCTLD_COMMUNICATIONS_CONN... */
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"), HPCL_E_UNREACHABLE);
    assert_int_equal(mock_calls(fx, "load_job "), 1);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"), HPCL_E_UNREACHABLE);
    assert_int_equal(mock_calls(fx, "load_job "), 1); /* not asked again */
    assert_has(hpcl_ctx_errmsg(fx->ctx), "found down");
}

/* A controller of another Slurm release: libslurm fails with "Unspecified
 * error" and says why only in its log (the line a 22.05 libslurm logs for
 * a 24.11 slurmctld, measured); the error names both releases and the
 * fixes, and nothing reaches stderr.  Other log lines of a failed call
 * are kept as its detail. */
static void skew_body(struct fixture *fx)
{
    hpcl_job *job = simple_job(fx->ctx);
    const char *msg;

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_use(fx, "errno=-1\nlog=hpclaunch-slurm: error: "
                 "slurm_unpack_received_msg: [[localhost]:16817] Invalid "
                 "Protocol Version 10752 from uid=4294967295: Incompatible "
                 "versions of client and server code\n");
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_UNSUPPORTED);
    msg = hpcl_ctx_errmsg(fx->ctx);
    assert_has(msg, "site local: its slurmctld runs Slurm 24.11");
    assert_has(msg, "this hpclaunch's libslurm is " HPCL_SLURM_VERSION);
    assert_has(msg, "driver = slurmrestd");
    assert_has(msg, "rebuild hpclaunch against Slurm 24.11's libslurm");
    assert_null(hpcl_job_ref(job));
    /* Not skew: the message keeps libslurm's words as detail. */
    mock_set(fx, "errno=2000\nlog=hpclaunch-slurm: error: invalid "
                 "partition specified: foo\n");
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_SLURM);
    assert_string_equal(hpcl_ctx_errmsg(fx->ctx),
                        "slurm_submit_batch_job: Invalid partition name "
                        "specified (partition '(default)' on site local); "
                        "libslurm logged \"error: invalid partition "
                        "specified: foo\"");
    hpcl_job_destroy(job);
}

static void guard_other_slurm_release_is_named_with_the_fix(void **state)
{
    assert_silent(skew_body, *state);
}

/* Two contexts, two helpers, each with its own slurm.conf loaded once:
 * nothing is switched back and forth. */
static void guard_contexts_have_their_own_slurm_conf(void **state)
{
    struct fixture *fx = *state;
    char other[128], real1[4096], real2[4096], want[4200], last[4300];
    hpcl_ctx *ctx2;
    hpcl_job *att = NULL;
    int fd2, port2 = loopback_port(1, &fd2);

    snprintf(other, sizeof other, "%s/other.conf", fx->dir);
    write_conf(other, port2, "AuthType=auth/none");
    assert_non_null(realpath(fx->conf, real1));
    assert_non_null(realpath(other, real2));
    assert_int_equal(hpcl_ctx_create(&ctx2, 0), HPCL_OK);
    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    assert_int_equal(hpcl_ctx_set_slurm_conf(ctx2, other), HPCL_OK);
    mock_use(fx, "errno=2017\n"); /* ESLURM_INVALID_JOB_ID */
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:5"), HPCL_E_NOJOB);
    assert_string_equal(hpcl_ctx_errmsg(fx->ctx), "job local:5 not found (it "
                        "may have ended more than MinJobAge ago)");
    snprintf(want, sizeof want, "load_job SLURM_CONF=%s", real1);
    mock_last(fx, last, sizeof last);
    assert_string_equal(last, want);
    assert_int_equal(hpcl_job_attach(&att, ctx2, "6"), HPCL_E_NOJOB);
    snprintf(want, sizeof want, "load_job SLURM_CONF=%s", real2);
    mock_last(fx, last, sizeof last);
    assert_string_equal(last, want);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "7"), HPCL_E_NOJOB);
    snprintf(want, sizeof want, "load_job SLURM_CONF=%s", real1);
    mock_last(fx, last, sizeof last);
    assert_string_equal(last, want);
    /* libslurm set SLURM_CONF in the helpers, not here. */
    assert_true(getenv("SLURM_CONF") == NULL ||
                strcmp(getenv("SLURM_CONF"), real2) != 0);
    hpcl_ctx_destroy(ctx2);
    close(fd2);
}

/* --- mapping Slurm's answers ----------------------------------------- */

static void guard_job_states_map_like_squeue(void **state)
{
    (void)state;
    assert_int_equal(hpcl__slurm_state(JOB_PENDING), HPCL_STATE_PENDING);
    assert_int_equal(hpcl__slurm_state(JOB_RUNNING), HPCL_STATE_RUNNING);
    assert_int_equal(hpcl__slurm_state(JOB_SUSPENDED), HPCL_STATE_RUNNING);
    assert_int_equal(hpcl__slurm_state(JOB_COMPLETE), HPCL_STATE_COMPLETED);
    assert_int_equal(hpcl__slurm_state(JOB_COMPLETE | JOB_COMPLETING),
                     HPCL_STATE_RUNNING);
    assert_int_equal(hpcl__slurm_state(JOB_CANCELLED),
                     HPCL_STATE_CANCELLED);
    assert_int_equal(hpcl__slurm_state(JOB_TIMEOUT), HPCL_STATE_TIMEOUT);
    assert_int_equal(hpcl__slurm_state(JOB_DEADLINE), HPCL_STATE_TIMEOUT);
    const uint32_t failed[] = {JOB_FAILED, JOB_NODE_FAIL, JOB_BOOT_FAIL,
                               JOB_OOM, JOB_PREEMPTED};
    for (size_t i = 0; i < sizeof failed / sizeof failed[0]; i++)
        assert_int_equal(hpcl__slurm_state(failed[i]), HPCL_STATE_FAILED);
    assert_int_equal(hpcl__slurm_state(JOB_END), HPCL_STATE_UNKNOWN);
    assert_int_equal(hpcl__slurm_shell_status(0), 0);
    assert_int_equal(hpcl__slurm_shell_status(3 << 8), 3);
    assert_int_equal(hpcl__slurm_shell_status(SIGKILL), 128 + SIGKILL);
}

#define GUARD_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

HPCL_TEST_MAIN(NULL, NULL,
               GUARD_TEST(guard_missing_conf_fails_fast_without_libslurm),
               GUARD_TEST(guard_conf_from_environment_is_named),
               GUARD_TEST(guard_directory_is_not_a_conf),
               GUARD_TEST(guard_bad_conf_is_config_error_and_we_survive),
               GUARD_TEST(guard_fatal_conf_names_the_site_and_we_survive),
               GUARD_TEST(guard_hanging_conf_check_is_bounded),
               GUARD_TEST(guard_helper_start_counts_in_the_timeout),
               GUARD_TEST(guard_missing_helper_is_explained),
               GUARD_TEST(guard_helper_crash_mid_submit_is_ambiguous),
               GUARD_TEST(guard_helper_killed_between_requests_is_restarted),
               GUARD_TEST(guard_closed_port_is_unreachable_fast),
               GUARD_TEST(guard_silent_controller_submit_is_ambiguous),
               GUARD_TEST(guard_site_timeout_is_a_hard_bound),
               GUARD_TEST(guard_silent_sites_are_probed_in_parallel),
               GUARD_TEST(guard_dead_munged_is_auth_error),
               GUARD_TEST(guard_reads_controllers_in_every_form),
               GUARD_TEST(guard_rejects_confs_it_cannot_use),
               GUARD_TEST(guard_submit_that_can_never_start_is_cancelled),
               GUARD_TEST(guard_submit_without_id_is_ambiguous),
               GUARD_TEST(guard_lost_submit_answer_is_ambiguous),
               GUARD_TEST(guard_connection_lost_mid_call_marks_site_down),
               GUARD_TEST(guard_contexts_have_their_own_slurm_conf),
               GUARD_TEST(guard_other_slurm_release_is_named_with_the_fix),
               cmocka_unit_test(guard_job_states_map_like_squeue))
