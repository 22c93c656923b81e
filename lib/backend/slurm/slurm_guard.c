/*
 * Guards around libslurm (see lib/backend/slurm/slurm_lib.h for the list).  libslurm
 * calls exit() on a slurm.conf it cannot load and spends 9-18 s on every
 * call to a controller that is down, so nothing reaches it before this
 * file has checked the configuration and the controller.  This file does
 * not include <slurm/slurm.h>: it reads slurm.conf itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/slurm/slurm_lib.h"

#define DEFAULT_CONF "/etc/slurm/slurm.conf"
#define DEFAULT_PORT "6817"
#define DEFAULT_MUNGE "/var/run/munge/munge.socket.2"
#define PROBE_S 1.0      /* TCP connect probe, per controller */
#define CHILD_S 5.0      /* slurm.conf check in a child process */
#define DOWN_S 10.0      /* a down controller is not asked again for */
#define UP_S 5.0         /* a controller that answered is not probed for */
#define INCLUDE_DEPTH 8
#define CHILD_TEXT_MAX 640

struct hpcl__slurm {
    const struct hpcl__site_conf *site; /* borrowed from the sites table */
    char *conf;                     /* absolute path; NULL: not checked */
    struct hpcl__conf_facts facts;
    double probe_s;                 /* TCP connect probe, per controller */
    double up_until;                /* CLOCK_MONOTONIC seconds */
    double down_until;
    char down_msg[HPCL_ERRMSG_MAX / 2];
};

struct hpcl__slurm *hpcl__guard_new(const struct hpcl__site_conf *site)
{
    struct hpcl__slurm *s = calloc(1, sizeof *s);

    if (s == NULL)
        return NULL;
    s->site = site;
    /* A site whose requests may take at most timeout_ms gets no longer
     * to answer a connect either. */
    s->probe_s = PROBE_S;
    if (site->timeout_ms > 0 && site->timeout_ms < PROBE_S * 1000)
        s->probe_s = (double)site->timeout_ms / 1000.0;
    return s;
}

void hpcl__guard_free(struct hpcl__slurm *s)
{
    if (s == NULL)
        return;
    free(s->conf);
    free(s);
}

/* --- 1. which slurm.conf, and can it be read ------------------------- */

static const char *conf_choice(const struct hpcl__slurm *s,
                               const hpcl_ctx *ctx, const char **from)
{
    const char *env = getenv("SLURM_CONF");

    if (s->site->slurm_conf != NULL) {
        *from = "slurm_conf of site ";
        return s->site->slurm_conf;
    }
    if (ctx->slurm_conf != NULL) {
        *from = "set with hpcl_ctx_set_slurm_conf";
        return ctx->slurm_conf;
    }
    if (env != NULL && env[0] != '\0') {
        *from = "from $SLURM_CONF";
        return env;
    }
    *from = "the default path; $SLURM_CONF is not set";
    return DEFAULT_CONF;
}

/* A readable regular file, else HPCL_E_CONFIG -- before libslurm sees
 * it, since libslurm retries a missing file for 59 s and then exits. */
static hpcl_rc conf_resolve(struct hpcl__slurm *s, hpcl_ctx *ctx,
                            char **out)
{
    const char *from, *path = conf_choice(s, ctx, &from);
    char fromsite[128];
    int fd;

    if (from[strlen(from) - 1] == ' ') {
        snprintf(fromsite, sizeof fromsite, "%s%s", from, s->site->name);
        from = fromsite;
    }
    fd = hpcl__open_regular(path);
    if (fd == -2)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "slurm.conf '%s' (%s) is not "
                          "a regular file", path, from);
    if (fd < 0 && s->site->slurm_conf != NULL)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "cannot read slurm.conf "
                          "'%s' (%s): %s; fix key slurm_conf of [site %s] "
                          "(line %d of the site file)", path, from,
                          strerror(errno), s->site->name, s->site->line);
    if (fd < 0)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "cannot read slurm.conf "
                          "'%s' (%s): %s; point $SLURM_CONF or "
                          "hpcl_ctx_set_slurm_conf() at the cluster's "
                          "slurm.conf", path, from, strerror(errno));
    close(fd);
    if ((*out = realpath(path, NULL)) == NULL)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "realpath '%s': %s", path,
                          strerror(errno));
    return HPCL_OK;
}

/* --- 2. does libslurm accept it: ask a child ------------------------- */

static void child_main(const char *conf, int errfd, int okfd)
{
    int nul = open("/dev/null", O_RDONLY);

    if (nul >= 0)
        dup2(nul, STDIN_FILENO);
    dup2(errfd, STDOUT_FILENO);
    dup2(errfd, STDERR_FILENO);
    hpcl__slurm_child_load(conf);
    /* Reached only when libslurm did not exit: the file is usable. */
    if (write(okfd, "y", 1) != 1)
        _exit(3);
    _exit(0);
}

struct child_result {
    char text[CHILD_TEXT_MAX];
    size_t len;
    int ok;
    int timed_out;
    int status;
};

/* Read one pipe; returns 0 at end of file. */
static int drain(int fd, int is_ok, struct child_result *res)
{
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    size_t room = sizeof res->text - 1 - res->len;

    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return 0;
    if (is_ok) {
        res->ok = 1;
    } else {
        memcpy(res->text + res->len, buf, (size_t)n < room ? (size_t)n
                                                            : room);
        res->len += (size_t)n < room ? (size_t)n : room;
    }
    return 1;
}

static void child_collect(pid_t pid, int errfd, int okfd,
                          struct child_result *res)
{
    struct pollfd p[2] = {{errfd, POLLIN, 0}, {okfd, POLLIN, 0}};
    double end = hpcl__now() + CHILD_S;
    int open_fds = 2;

    while (open_fds > 0) {
        int ms = (int)((end - hpcl__now()) * 1000);
        if (ms <= 0) {
            res->timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(p, 2, ms) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd >= 0 && p[i].revents != 0 && !drain(p[i].fd, i, res)) {
                p[i].fd = -1;
                open_fds--;
            }
        }
    }
    while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
        ;
}

/* libslurm's lines, "prog: error: ..." each, as "error: ...; fatal: ..." */
static void tidy_text(char *text, char *out, size_t len)
{
    size_t used = 0;

    out[0] = '\0';
    for (char *save, *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *lvl = strstr(line, "error: ");
        if (lvl == NULL)
            lvl = strstr(line, "fatal: ");
        if (used < len)
            used += (size_t)snprintf(out + used, len - used, "%s%s",
                                     used ? "; " : "", lvl ? lvl : line);
    }
}

static hpcl_rc child_verdict(hpcl_ctx *ctx, const char *conf,
                             struct child_result *res)
{
    char why[CHILD_TEXT_MAX + 64];

    if (res->ok)
        return HPCL_OK;
    res->text[res->len] = '\0';
    tidy_text(res->text, why, sizeof why);
    if (res->timed_out)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "libslurm did not finish "
                          "loading slurm.conf '%s' within %.0f s (a missing "
                          "Include file or config server makes it retry); "
                          "%s", conf, CHILD_S, why);
    if (why[0] == '\0')
        snprintf(why, sizeof why, WIFSIGNALED(res->status)
                     ? "the check process died of signal %d"
                     : "the check process exited with status %d",
                 WIFSIGNALED(res->status) ? WTERMSIG(res->status)
                                          : WEXITSTATUS(res->status));
    return hpcl__fail(ctx, HPCL_E_CONFIG, "libslurm cannot load slurm.conf "
                      "'%s': %s", conf, why);
}

/* Run slurm_init(conf) in a child: if libslurm calls fatal() (and so
 * exit()), the child dies instead of the caller.  The fork happens under
 * the libslurm lock so that no other thread holds libslurm's own locks
 * at that moment (the child would inherit them locked). */
static hpcl_rc conf_validate(hpcl_ctx *ctx, const char *conf)
{
    int errp[2], okp[2];
    struct child_result res = {.len = 0};
    pid_t pid;

    if (pipe2(errp, O_CLOEXEC) != 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "pipe: %s", strerror(errno));
    if (pipe2(okp, O_CLOEXEC) != 0) {
        close(errp[0]);
        close(errp[1]);
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "pipe: %s", strerror(errno));
    }
    hpcl__slurm_lock();
    if ((pid = fork()) == 0)
        child_main(conf, errp[1], okp[1]);
    close(errp[1]);
    close(okp[1]);
    if (pid > 0)
        child_collect(pid, errp[0], okp[0], &res);
    hpcl__slurm_unlock();
    close(errp[0]);
    close(okp[0]);
    if (pid < 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "fork: %s", strerror(errno));
    return child_verdict(ctx, conf, &res);
}

/* --- 3. the controllers and the auth socket, read from slurm.conf ---- */

struct scan {
    struct hpcl__conf_facts *facts;
    char hosts[HPCL__CTLD_MAX][256]; /* SlurmctldHost, in order */
    size_t n_hosts;
    char legacy_host[512];           /* ControlMachine (<= 20.02) */
    char legacy_addr[512];
    char backup_host[256];
    char backup_addr[256];
    char port[32];
    char auth_type[64];
    char auth_info[512];
};

static void copy_value(char *dst, size_t len, const char *val)
{
    size_t n = strlen(val);

    /* Slurm accepts values in double quotes. */
    if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
        val++;
        n -= 2;
    }
    snprintf(dst, len, "%.*s", (int)n, val);
}

static void scan_pair(struct scan *s, const char *key, const char *val)
{
    if (strcasecmp(key, "SlurmctldHost") == 0 && s->n_hosts < HPCL__CTLD_MAX)
        copy_value(s->hosts[s->n_hosts++], sizeof s->hosts[0], val);
    else if (strcasecmp(key, "ControlMachine") == 0)
        copy_value(s->legacy_host, sizeof s->legacy_host, val);
    else if (strcasecmp(key, "ControlAddr") == 0)
        copy_value(s->legacy_addr, sizeof s->legacy_addr, val);
    else if (strcasecmp(key, "BackupController") == 0)
        copy_value(s->backup_host, sizeof s->backup_host, val);
    else if (strcasecmp(key, "BackupAddr") == 0)
        copy_value(s->backup_addr, sizeof s->backup_addr, val);
    else if (strcasecmp(key, "SlurmctldPort") == 0)
        copy_value(s->port, sizeof s->port, val);
    else if (strcasecmp(key, "AuthType") == 0)
        copy_value(s->auth_type, sizeof s->auth_type, val);
    else if (strcasecmp(key, "AuthInfo") == 0)
        copy_value(s->auth_info, sizeof s->auth_info, val);
}

static hpcl_rc scan_file(hpcl_ctx *ctx, const char *path, struct scan *s,
                         int depth);

/* "Include PATH": relative to the including file's folder; globs allowed. */
static hpcl_rc scan_include(hpcl_ctx *ctx, const char *from,
                            const char *arg, struct scan *s, int depth)
{
    char pattern[PATH_MAX];
    const char *slash = strrchr(from, '/');
    glob_t g;
    hpcl_rc rc = HPCL_OK;

    if (depth >= INCLUDE_DEPTH)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "%s: Include nested more "
                          "than %d deep", from, INCLUDE_DEPTH);
    if (arg[0] == '/' || slash == NULL)
        snprintf(pattern, sizeof pattern, "%s", arg);
    else
        snprintf(pattern, sizeof pattern, "%.*s/%s", (int)(slash - from),
                 from, arg);
    if (glob(pattern, 0, NULL, &g) != 0)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "%s: Include '%s' matches no "
                          "file", from, arg);
    for (size_t i = 0; i < g.gl_pathc && rc == HPCL_OK; i++)
        rc = scan_file(ctx, g.gl_pathv[i], s, depth + 1);
    globfree(&g);
    return rc;
}

static hpcl_rc scan_line(hpcl_ctx *ctx, const char *path, char *line,
                         struct scan *s, int depth)
{
    char *save, *tok;

    line[strcspn(line, "#\r\n")] = '\0';
    tok = strtok_r(line, " \t", &save);
    if (tok != NULL && strcasecmp(tok, "Include") == 0) {
        char *arg = strtok_r(NULL, " \t", &save);
        return arg != NULL ? scan_include(ctx, path, arg, s, depth)
                           : HPCL_OK;
    }
    for (; tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        if (eq != NULL) {
            *eq = '\0';
            scan_pair(s, tok, eq + 1);
        }
    }
    return HPCL_OK;
}

/* Only regular files: a FIFO or device in an Include would block. */
static FILE *open_regular(hpcl_ctx *ctx, const char *path)
{
    int fd = hpcl__open_regular(path);
    FILE *f;

    if (fd == -2) {
        hpcl__fail(ctx, HPCL_E_CONFIG, "'%s' is not a regular file", path);
        return NULL;
    }
    if (fd < 0) {
        hpcl__fail(ctx, HPCL_E_CONFIG, "cannot read '%s': %s", path,
                   strerror(errno));
        return NULL;
    }
    if ((f = fdopen(fd, "r")) == NULL) {
        hpcl__fail(ctx, HPCL_E_NOMEM, "fdopen '%s': %s", path,
                   strerror(errno));
        close(fd);
    }
    return f;
}

static hpcl_rc scan_file(hpcl_ctx *ctx, const char *path, struct scan *s,
                         int depth)
{
    FILE *f = open_regular(ctx, path);
    char *line = NULL;
    size_t cap = 0;
    hpcl_rc rc = HPCL_OK;

    if (f == NULL)
        return HPCL_E_CONFIG;
    while (rc == HPCL_OK && getline(&line, &cap, f) >= 0)
        rc = scan_line(ctx, path, line, s, depth);
    free(line);
    fclose(f);
    return rc;
}

static void add_ctld(struct hpcl__conf_facts *f, const char *host,
                     size_t len)
{
    if (len == 0 || f->n_ctld >= HPCL__CTLD_MAX)
        return;
    snprintf(f->ctld[f->n_ctld++].host, sizeof f->ctld[0].host, "%.*s",
             (int)len, host);
}

/* SlurmctldHost=name or name(addr): connect to addr when given. */
static void add_host_entry(struct hpcl__conf_facts *f, const char *v)
{
    const char *open = strchr(v, '(');
    const char *close = open != NULL ? strchr(open, ')') : NULL;

    if (open != NULL && close != NULL && close > open + 1)
        add_ctld(f, open + 1, (size_t)(close - open - 1));
    else
        add_ctld(f, v, open != NULL ? (size_t)(open - v) : strlen(v));
}

/* Legacy ControlMachine=a,b with ControlAddr=x,y: pair them up. */
static void add_legacy(struct hpcl__conf_facts *f, const char *hosts,
                       const char *addrs)
{
    while (*hosts != '\0') {
        size_t hl = strcspn(hosts, ","), al = strcspn(addrs, ",");
        if (al > 0)
            add_ctld(f, addrs, al);
        else
            add_ctld(f, hosts, hl);
        hosts += hl + (hosts[hl] == ',');
        addrs += al + (addrs[al] == ',');
    }
}

/* SlurmctldPort=6817 or a range 6817-6820 (any of which works). */
static int port_of(const char *v, char *out, size_t len)
{
    char *end;
    long p = strtol(v[0] != '\0' ? v : DEFAULT_PORT, &end, 10);

    if (p < 1 || p > 65535 || (*end != '\0' && *end != '-'))
        return -1;
    snprintf(out, len, "%ld", p);
    return 0;
}

/* auth/munge (the default): the socket from AuthInfo=socket=PATH,... */
static void munge_socket_of(const struct scan *s, char *out, size_t len)
{
    const char *p = strstr(s->auth_info, "socket=");

    out[0] = '\0';
    if (s->auth_type[0] != '\0' && strcasecmp(s->auth_type, "auth/munge"))
        return;
    /* SLURM_JWT in the environment switches libslurm to auth/jwt. */
    if (getenv("SLURM_JWT") != NULL)
        return;
    if (p == NULL)
        snprintf(out, len, "%s", DEFAULT_MUNGE);
    else
        snprintf(out, len, "%.*s", (int)strcspn(p + 7, ","), p + 7);
}

HPCL_STATIC hpcl_rc hpcl__slurm_read_conf(hpcl_ctx *ctx, const char *path,
                                          struct hpcl__conf_facts *f)
{
    struct scan *s = calloc(1, sizeof *s);
    char port[8];
    hpcl_rc rc;

    memset(f, 0, sizeof *f);
    if (s == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    s->facts = f;
    if ((rc = scan_file(ctx, path, s, 0)) != HPCL_OK)
        goto out;
    for (size_t i = 0; i < s->n_hosts; i++)
        add_host_entry(f, s->hosts[i]);
    if (f->n_ctld == 0) {
        add_legacy(f, s->legacy_host, s->legacy_addr);
        add_legacy(f, s->backup_host, s->backup_addr);
    }
    if (f->n_ctld == 0 || port_of(s->port, port, sizeof port) != 0) {
        rc = hpcl__fail(ctx, HPCL_E_CONFIG, f->n_ctld == 0
                            ? "slurm.conf '%s' names no SlurmctldHost"
                            : "slurm.conf '%s': invalid SlurmctldPort", path);
        goto out;
    }
    for (size_t i = 0; i < f->n_ctld; i++)
        memcpy(f->ctld[i].port, port, sizeof port);
    munge_socket_of(s, f->munge_socket, sizeof f->munge_socket);
out:
    free(s);
    return rc;
}

/* --- 4. is the controller there: a short TCP connect ----------------- */

/* 0 when a TCP connection to ai opens before end, else -1 with why. */
static int connect_one(const struct addrinfo *ai, double end, double probe_s,
                       char *why, size_t len)
{
    int fd, err = 0;
    socklen_t elen = sizeof err;
    struct pollfd p;

    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd < 0) {
        snprintf(why, len, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int ms = (int)((end - hpcl__now()) * 1000), r;
        if (errno != EINPROGRESS) {
            err = errno;
        } else {
            p = (struct pollfd){fd, POLLOUT, 0};
            r = ms > 0 ? poll(&p, 1, ms) : 0;
            if (r == 0)
                err = ETIMEDOUT;
            else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
                                         &elen) != 0)
                err = errno;
        }
    }
    close(fd);
    if (err == ETIMEDOUT)
        snprintf(why, len, "no answer within %g s", probe_s);
    else if (err != 0)
        snprintf(why, len, "%s", strerror(err));
    return err != 0 ? -1 : 0;
}

static int tcp_reach(const struct hpcl__ctld *c, double probe_s, char *why,
                     size_t len)
{
    struct addrinfo hints = {0}, *res, *ai;
    double end = hpcl__now() + probe_s;
    int e, rc = -1;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if ((e = getaddrinfo(c->host, c->port, &hints, &res)) != 0) {
        snprintf(why, len, "cannot resolve '%s': %s", c->host,
                 gai_strerror(e));
        return -1;
    }
    for (ai = res; ai != NULL && rc != 0; ai = ai->ai_next)
        rc = connect_one(ai, end, probe_s, why, len);
    freeaddrinfo(res);
    return rc;
}

/* Probe each controller in order; the first that answers will do. */
static int ctld_reach(const struct hpcl__slurm *s, char *msg, size_t len)
{
    const struct hpcl__conf_facts *f = &s->facts;
    size_t used = 0;

    for (size_t i = 0; i < f->n_ctld; i++) {
        char why[256];
        if (tcp_reach(&f->ctld[i], s->probe_s, why, sizeof why) == 0)
            return 0;
        if (used < len)
            used += (size_t)snprintf(
                msg + used, len - used, "%sslurmctld at %s:%s (site %s) is "
                "not reachable: %s", i ? "; " : "", f->ctld[i].host,
                f->ctld[i].port, s->site->name, why);
    }
    return -1;
}

/* A dead munged makes every libslurm call fail slowly, as "cannot reach
 * slurmctld"; a connect on its socket tells the real cause at once. */
static hpcl_rc munge_reach(hpcl_ctx *ctx, const struct hpcl__slurm *s)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = s->facts.munge_socket;
    int fd, ok;

    if (path[0] == '\0')
        return HPCL_OK;
    if (strlen(path) >= sizeof sa.sun_path)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "munge socket path '%s' in "
                          "'%s' is too long", path, s->conf);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "socket: %s", strerror(errno));
    ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (!ok)
        hpcl__fail(ctx, HPCL_E_AUTH, "munged is not reachable at %s (%s); "
                   "slurm.conf '%s' uses auth/munge: start munged or fix "
                   "AuthInfo=socket=", path, strerror(errno), s->conf);
    close(fd);
    return ok ? HPCL_OK : HPCL_E_AUTH;
}

static hpcl_rc reach(hpcl_ctx *ctx, struct hpcl__slurm *s)
{
    double now = hpcl__now();
    hpcl_rc rc;

    if (now < s->up_until)
        return HPCL_OK;
    if (now < s->down_until)
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "%s (found down %.0f s "
                          "ago; not asked again for %.0f s)", s->down_msg,
                          now - (s->down_until - DOWN_S),
                          s->down_until - now);
    if (ctld_reach(s, s->down_msg, sizeof s->down_msg) != 0) {
        s->down_until = hpcl__now() + DOWN_S;
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "%s", s->down_msg);
    }
    if ((rc = munge_reach(ctx, s)) != HPCL_OK)
        return rc;
    s->up_until = hpcl__now() + UP_S;
    return HPCL_OK;
}

/* --- the sequence ---------------------------------------------------- */

/* Steps 1-3 once per site; a failure is not kept, so a fixed file is
 * seen at the next call. */
static hpcl_rc site_check(struct hpcl__slurm *s, hpcl_ctx *ctx)
{
    char *conf = NULL;
    hpcl_rc rc;

    if (s->conf != NULL)
        return HPCL_OK;
    if ((rc = conf_resolve(s, ctx, &conf)) == HPCL_OK &&
        (rc = conf_validate(ctx, conf)) == HPCL_OK)
        rc = hpcl__slurm_read_conf(ctx, conf, &s->facts);
    if (rc != HPCL_OK) {
        free(conf);
        return rc;
    }
    s->conf = conf;
    return HPCL_OK;
}

hpcl_rc hpcl__guard_enter(struct hpcl__slurm *s, hpcl_ctx *ctx,
                          const char **conf)
{
    hpcl_rc rc;

    if ((rc = site_check(s, ctx)) != HPCL_OK)
        return rc;
    if ((rc = reach(ctx, s)) != HPCL_OK)
        return rc;
    *conf = s->conf;
    return HPCL_OK;
}

void hpcl__guard_after(struct hpcl__slurm *s, int reached, const char *why)
{
    if (s == NULL || s->conf == NULL)
        return;
    if (reached) {
        s->up_until = hpcl__now() + UP_S;
        return;
    }
    s->up_until = 0;
    s->down_until = hpcl__now() + DOWN_S;
    snprintf(s->down_msg, sizeof s->down_msg, "slurmctld of site %s (%s) "
             "did not answer: %s", s->site->name, s->conf, why);
}
