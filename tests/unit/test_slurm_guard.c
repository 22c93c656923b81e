/*
 * The guards around libslurm, with real processes and sockets: a missing
 * or broken slurm.conf, a closed controller port, a controller that
 * accepts and never answers, a dead munged.  A few libslurm calls are
 * wrapped (-Wl,--wrap) only to inject one fault at one call; with the
 * mock off they pass through to the real library.
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

/* --- mocks ----------------------------------------------------------- */

static int mock_on;
static int mock_errno;               /* load_job/submit fail with this */
static uint32_t mock_resp_code;      /* or succeed with this warning */
static int load_calls, kill_calls;
static uint32_t killed_id;
static char seen_conf[4096];         /* SLURM_CONF when load_job ran */
static submit_response_msg_t fake_resp;

int __real_slurm_submit_batch_job(job_desc_msg_t *, submit_response_msg_t **);
int __real_slurm_kill_job(uint32_t, uint16_t, uint16_t);
int __real_slurm_load_job(job_info_msg_t **, uint32_t, uint16_t);
void __real_slurm_free_submit_response_response_msg(submit_response_msg_t *);

int __wrap_slurm_submit_batch_job(job_desc_msg_t *d,
                                  submit_response_msg_t **resp)
{
    if (!mock_on)
        return __real_slurm_submit_batch_job(d, resp);
    if (mock_errno != 0) {
        errno = mock_errno;
        return -1;
    }
    fake_resp.job_id = 77;
    fake_resp.error_code = mock_resp_code;
    *resp = &fake_resp;
    return 0;
}

void __wrap_slurm_free_submit_response_response_msg(submit_response_msg_t *m)
{
    if (m != &fake_resp)
        __real_slurm_free_submit_response_response_msg(m);
}

int __wrap_slurm_kill_job(uint32_t id, uint16_t sig, uint16_t flags)
{
    if (!mock_on)
        return __real_slurm_kill_job(id, sig, flags);
    kill_calls++;
    killed_id = id;
    return 0;
}

int __wrap_slurm_load_job(job_info_msg_t **msg, uint32_t id, uint16_t show)
{
    const char *c = getenv("SLURM_CONF");

    if (!mock_on)
        return __real_slurm_load_job(msg, id, show);
    load_calls++;
    snprintf(seen_conf, sizeof seen_conf, "%s", c ? c : "");
    *msg = NULL;
    errno = mock_errno;
    return -1;
}

/* --- fixture --------------------------------------------------------- */

struct fixture {
    char dir[64];
    hpcl_ctx *ctx;
    int listener;   /* a port that accepts and never answers */
    int port;       /* its number */
    char conf[128]; /* slurm.conf pointing at it, auth/none */
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
        assert_int_equal(listen(fd, 64), 0);
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

/* A slurm.conf libslurm accepts, for controller port and auth line. */
static void write_conf(const char *path, int port, const char *auth)
{
    char text[1024];

    snprintf(text, sizeof text,
             "ClusterName=guardtest\n"
             "SlurmctldHost=localhost(127.0.0.1)\n"
             "SlurmctldPort=%d\n"
             "%s\n"
             "MessageTimeout=1\n"
             "NodeName=n1 CPUs=1 State=UNKNOWN\n"
             "PartitionName=p Nodes=n1 Default=YES\n",
             port, auth);
    write_text(path, text);
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
    mock_on = 0;
    mock_errno = 0;
    mock_resp_code = 0;
    load_calls = kill_calls = 0;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];

    mock_on = 0;
    hpcl_ctx_destroy(fx->ctx);
    close(fx->listener);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
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
    mock_on = 1; /* counts libslurm calls: there must be none */
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_CONFIG);
    assert_has(hpcl_ctx_errmsg(fx->ctx), path);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "No such file or directory");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "SLURM_CONF");
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:1"),
                     HPCL_E_CONFIG);
    assert_null(att);
    assert_int_equal(load_calls, 0);
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

/* --- 2. libslurm's verdict, from a child ----------------------------- */

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
    assert_has(hpcl_ctx_errmsg(fx->ctx), "libslurm cannot load slurm.conf");
    assert_has(hpcl_ctx_errmsg(fx->ctx),
               "fatal: Unable to process configuration file");
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

/* libslurm retries a missing Include file for 60 s: the child is killed
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
                  "%.3f s (config check included), then %.4f s\n", first,
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
                   "SlurmctldPort=7000-7003\n", &f, HPCL_OK);
    assert_int_equal(f.n_ctld, 2);
    assert_string_equal(f.ctld[0].host, "10.0.0.1");
    assert_string_equal(f.ctld[0].port, "7000");
    assert_string_equal(f.ctld[1].host, "ctl2");
    assert_string_equal(f.munge_socket, "/var/run/munge/munge.socket.2");
    read_conf_text(fx, "ControlMachine=m1\nControlAddr=192.168.0.1\n"
                   "BackupController=m2\n", &f, HPCL_OK);
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

/* --- faults injected at one call ------------------------------------- */

static void guard_submit_that_can_never_start_is_cancelled(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *job = simple_job(fx->ctx);

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_on = 1;
    mock_resp_code = ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_SLURM);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "could never start");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "local:77");
    assert_has(hpcl_ctx_errmsg(fx->ctx), "hpclaunch cancelled it");
    assert_int_equal(kill_calls, 1);
    assert_int_equal(killed_id, 77);
    assert_null(hpcl_job_ref(job));
    /* A held job's warning (2042) is no failure. */
    mock_resp_code = ESLURM_JOB_HELD;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "local:77");
    hpcl_job_destroy(job);
}

static void guard_lost_submit_answer_is_ambiguous(void **state)
{
    struct fixture *fx = *state;
    hpcl_job *job = simple_job(fx->ctx);

    assert_int_equal(hpcl_ctx_set_slurm_conf(fx->ctx, fx->conf), HPCL_OK);
    mock_on = 1;
    mock_errno = SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    assert_has(hpcl_ctx_errmsg(fx->ctx), "may or may not");
    mock_errno = ESLURM_INVALID_PARTITION_NAME;
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
    mock_on = 1;
    mock_errno = SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR;
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"), HPCL_E_UNREACHABLE);
    assert_int_equal(load_calls, 1);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "5"), HPCL_E_UNREACHABLE);
    assert_int_equal(load_calls, 1); /* not asked again */
    assert_has(hpcl_ctx_errmsg(fx->ctx), "found down");
}

static void guard_contexts_switch_slurm_conf(void **state)
{
    struct fixture *fx = *state;
    char other[128], real1[4096], real2[4096];
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
    mock_on = 1;
    mock_errno = ESLURM_INVALID_JOB_ID;
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "local:5"), HPCL_E_NOJOB);
    assert_string_equal(hpcl_ctx_errmsg(fx->ctx), "job local:5 not found (it "
                        "may have ended more than MinJobAge ago)");
    assert_string_equal(seen_conf, real1);
    assert_int_equal(hpcl_job_attach(&att, ctx2, "6"), HPCL_E_NOJOB);
    assert_string_equal(seen_conf, real2);
    assert_int_equal(hpcl_job_attach(&att, fx->ctx, "7"), HPCL_E_NOJOB);
    assert_string_equal(seen_conf, real1);
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

HPCL_TEST_MAIN(NULL, NULL,
               cmocka_unit_test_setup_teardown(
                   guard_missing_conf_fails_fast_without_libslurm, setup,
                   teardown),
               cmocka_unit_test_setup_teardown(
                   guard_conf_from_environment_is_named, setup, teardown),
               cmocka_unit_test_setup_teardown(guard_directory_is_not_a_conf,
                                               setup, teardown),
               cmocka_unit_test_setup_teardown(
                   guard_bad_conf_is_config_error_and_we_survive, setup,
                   teardown),
               cmocka_unit_test_setup_teardown(
                   guard_hanging_conf_check_is_bounded, setup, teardown),
               cmocka_unit_test_setup_teardown(
                   guard_closed_port_is_unreachable_fast, setup, teardown),
               cmocka_unit_test_setup_teardown(
                   guard_silent_controller_submit_is_ambiguous, setup,
                   teardown),
               cmocka_unit_test_setup_teardown(guard_dead_munged_is_auth_error,
                                               setup, teardown),
               cmocka_unit_test_setup_teardown(
                   guard_reads_controllers_in_every_form, setup, teardown),
               cmocka_unit_test_setup_teardown(
                   guard_rejects_confs_it_cannot_use, setup, teardown),
               cmocka_unit_test_setup_teardown(
                   guard_submit_that_can_never_start_is_cancelled, setup,
                   teardown),
               cmocka_unit_test_setup_teardown(
                   guard_lost_submit_answer_is_ambiguous, setup, teardown),
               cmocka_unit_test_setup_teardown(
                   guard_connection_lost_mid_call_marks_site_down, setup,
                   teardown),
               cmocka_unit_test_setup_teardown(guard_contexts_switch_slurm_conf,
                                               setup, teardown),
               cmocka_unit_test(guard_job_states_map_like_squeue))
