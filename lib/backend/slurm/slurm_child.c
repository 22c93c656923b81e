/*
 * One libslurm site's helper process (slurm_child.h).  It is started with
 * posix_spawn, which does not copy the caller's threads or locks into a
 * forked image; every descriptor made here is close-on-exec, so helpers
 * started at once by the probe threads do not inherit each other's
 * sockets.  Its stderr (libslurm's log) is read whenever we wait on it:
 * each line goes to the context's log at debug level, and libslurm's
 * "error:" and "fatal:" lines are kept to explain why it ended.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/slurm/slurm_child.h"
#include "backend/slurm/slurm_skew.h"

#ifndef HPCL_PKGLIBEXECDIR
#define HPCL_PKGLIBEXECDIR "/usr/local/libexec/hpclaunch"
#endif

#define TEXT_MAX 640 /* a line of stderr kept; libslurm's words kept */
#define REAP_S 1.0   /* a helper that closed its socket has this long to
                      * finish writing and exit before it is killed */

extern char **environ;

struct hpcl__slurm_child {
    const struct hpcl__site_conf *site;
    pid_t pid;              /* 0: not running */
    int sock;               /* our end of the socketpair */
    int err;                /* its stderr; -1 once at end of file */
    char *conf;             /* the slurm.conf it loaded */
    char line[TEXT_MAX];    /* the stderr line being read */
    size_t line_len;
    char last[TEXT_MAX];    /* its last line */
    char said[TEXT_MAX];    /* libslurm's "error:"/"fatal:" lines */
    unsigned skew;          /* a version mismatch it logged (slurm_skew.h) */
    char skew_line[TEXT_MAX]; /* the line that said so */
    int ended;              /* the last call found the helper gone */
};

enum io { IO_OK, IO_TIMEOUT, IO_GONE, IO_BAD };

/* --- the helper's stderr --------------------------------------------- */

/* Keep text after the lines kept so far, dropping the oldest ones when
 * it does not fit: the last words explain an end best. */
static void said_add(struct hpcl__slurm_child *c, const char *text)
{
    size_t used = strlen(c->said), n = strlen(text);

    while (used > 0 && used + 2 + n >= sizeof c->said) {
        char *next = strstr(c->said, "; ");
        size_t rest = next != NULL ? strlen(next + 2) : 0;

        memmove(c->said, next != NULL ? next + 2 : c->said + used, rest + 1);
        used = rest;
    }
    snprintf(c->said + used, sizeof c->said - used, "%s%s",
             used ? "; " : "", text);
}

static void err_line(struct hpcl__slurm_child *c, hpcl_ctx *ctx)
{
    const char *lvl;

    c->line[c->line_len] = '\0';
    c->line_len = 0;
    if (c->line[0] == '\0')
        return;
    hpcl__log(ctx, HPCL_LOG_DEBUG, "site %s: libslurm: %s", c->site->name,
              c->line);
    snprintf(c->last, sizeof c->last, "%s", c->line);
    /* "hpclaunch-slurm: fatal: ..." -> "fatal: ..." */
    if ((lvl = strstr(c->line, "fatal: ")) != NULL ||
        (lvl = strstr(c->line, "error: ")) != NULL)
        said_add(c, lvl);
    /* The first line that names the other side's version says most. */
    if (c->skew <= HPCL__SKEW_UNKNOWN) {
        unsigned v = hpcl__slurm_skew_proto(c->line);
        if (v > c->skew) {
            c->skew = v;
            snprintf(c->skew_line, sizeof c->skew_line, "%s",
                     lvl != NULL ? lvl : c->line);
        }
    }
}

/* Read what the helper wrote to stderr, without waiting. */
static void err_drain(struct hpcl__slurm_child *c, hpcl_ctx *ctx)
{
    char buf[1024];
    ssize_t n;

    while (c->err >= 0) {
        n = read(c->err, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            if (c->line_len > 0)
                err_line(c, ctx);
            close(c->err);
            c->err = -1;
            return;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n')
                err_line(c, ctx);
            else if (c->line_len < sizeof c->line - 1)
                c->line[c->line_len++] = buf[i];
        }
    }
}

/* --- waiting --------------------------------------------------------- */

static int ms_until(double end)
{
    double ms = (end - hpcl__now()) * 1000.0;

    if (ms <= 0)
        return 0;
    return ms >= INT_MAX - 1 ? INT_MAX : (int)ms + 1;
}

/* Wait until the socket is ready for ev: 1; time is up: 0; poll failed:
 * -1.  The helper's stderr is read meanwhile, so that it never blocks on
 * a full pipe while we wait for its answer. */
static int await(struct hpcl__slurm_child *c, hpcl_ctx *ctx, short ev,
                 double end)
{
    for (;;) {
        struct pollfd p[2] = {{c->sock, ev, 0}, {c->err, POLLIN, 0}};
        int ms = ms_until(end), r;

        if (ms == 0)
            return 0;
        if ((r = poll(p, 2, ms)) < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        if (p[1].revents != 0)
            err_drain(c, ctx);
        if (p[0].revents != 0)
            return 1;
    }
}

static enum io io_wait(struct hpcl__slurm_child *c, hpcl_ctx *ctx, short ev,
                       double end)
{
    int w = await(c, ctx, ev, end);

    return w > 0 ? IO_OK : w == 0 ? IO_TIMEOUT : IO_GONE;
}

static enum io recv_all(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                        void *buf, size_t n, double end)
{
    size_t got = 0;
    enum io io = IO_OK;

    while (got < n && io == IO_OK) {
        ssize_t r = recv(c->sock, (char *)buf + got, n - got, MSG_DONTWAIT);

        if (r > 0)
            got += (size_t)r;
        else if (r == 0)
            io = IO_GONE;
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            io = io_wait(c, ctx, POLLIN, end);
        else if (errno != EINTR)
            io = IO_GONE;
    }
    return io;
}

static enum io send_all(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                        const void *buf, size_t n, double end)
{
    size_t sent = 0;
    enum io io = IO_OK;

    while (sent < n && io == IO_OK) {
        /* MSG_NOSIGNAL: a helper that died must not SIGPIPE the caller. */
        ssize_t r = send(c->sock, (const char *)buf + sent, n - sent,
                         MSG_DONTWAIT | MSG_NOSIGNAL);

        if (r >= 0)
            sent += (size_t)r;
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            io = io_wait(c, ctx, POLLOUT, end);
        else if (errno != EINTR)
            io = IO_GONE;
    }
    return io;
}

/* One frame: *out (malloc'd) holds its type and fields, *len bytes. */
static enum io recv_frame(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                          double end, unsigned char **out, size_t *len)
{
    uint32_t n;
    enum io io;

    *out = NULL;
    if ((io = recv_all(c, ctx, &n, sizeof n, end)) != IO_OK)
        return io;
    if (n == 0 || n > HPCL__WIRE_MAX || (*out = malloc(n)) == NULL)
        return IO_BAD;
    if ((io = recv_all(c, ctx, *out, n, end)) != IO_OK) {
        free(*out);
        *out = NULL;
        return io;
    }
    *len = n;
    return IO_OK;
}

/* --- stopping -------------------------------------------------------- */

static void close_fds(struct hpcl__slurm_child *c)
{
    if (c->sock >= 0)
        close(c->sock);
    if (c->err >= 0)
        close(c->err);
    c->sock = c->err = -1;
    c->pid = 0;
}

static pid_t reap(pid_t pid, int *status, int flags)
{
    pid_t r;

    while ((r = waitpid(pid, status, flags)) < 0 && errno == EINTR)
        ;
    return r;
}

/* Kill the helper now: it holds nothing that needs an orderly end. */
static void stop(struct hpcl__slurm_child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        reap(c->pid, NULL, 0);
    }
    close_fds(c);
}

static void nap_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The helper closed its socket: let it finish writing and exit (REAP_S
 * at most, then it is killed), reap it; how it ended, into st. */
static void ended(struct hpcl__slurm_child *c, hpcl_ctx *ctx, char *st,
                  size_t len)
{
    double end = hpcl__now() + REAP_S;
    int status = 0;
    pid_t r;

    while (c->err >= 0 && hpcl__now() < end) {
        struct pollfd p = {c->err, POLLIN, 0};
        if (poll(&p, 1, ms_until(end)) > 0)
            err_drain(c, ctx);
    }
    while ((r = reap(c->pid, &status, WNOHANG)) == 0 && hpcl__now() < end)
        nap_ms(10);
    if (r == 0) {
        kill(c->pid, SIGKILL);
        r = reap(c->pid, &status, 0);
    }
    /* Not ours to reap: the program ignores SIGCHLD, or reaped it. */
    if (r != c->pid)
        snprintf(st, len, "exit status unknown");
    else if (WIFSIGNALED(status))
        snprintf(st, len, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(st, len, "exit %d", WEXITSTATUS(status));
    close_fds(c);
}

/* What the helper said last, for a message. */
static const char *last_words(const struct hpcl__slurm_child *c)
{
    return c->said[0] != '\0'  ? c->said
           : c->last[0] != '\0' ? c->last
                                : "(no message)";
}

/* --- starting -------------------------------------------------------- */

struct hpcl__slurm_child *hpcl__child_new(const struct hpcl__site_conf *site)
{
    struct hpcl__slurm_child *c = calloc(1, sizeof *c);

    if (c != NULL) {
        c->site = site;
        c->sock = c->err = -1;
    }
    return c;
}

void hpcl__child_free(struct hpcl__slurm_child *c)
{
    if (c == NULL)
        return;
    stop(c);
    free(c->conf);
    free(c);
}

/* The helper program: $HPCL_SLURM_HELPER, else the installed one. */
static const char *helper_path(char *buf, size_t len)
{
    const char *env = getenv(HPCL__HELPER_ENV);

    if (env != NULL && env[0] != '\0')
        return env;
    snprintf(buf, len, "%s/%s", HPCL_PKGLIBEXECDIR, HPCL__HELPER_NAME);
    return buf;
}

static hpcl_rc helper_missing(const struct hpcl__slurm_child *c,
                              hpcl_ctx *ctx, const char *path, int e)
{
    return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: cannot run the "
                      "libslurm helper %s (%s): install hpclaunch with "
                      "'make install' (it puts the helper in %s), set $%s "
                      "to the helper, or reach the site through slurmrestd "
                      "(driver = slurmrestd)", c->site->name, path,
                      strerror(e), HPCL_PKGLIBEXECDIR, HPCL__HELPER_ENV);
}

/* fd as a number above HPCL__WIRE_FD, close-on-exec: a dup2 onto the
 * same number would keep close-on-exec and close it at the exec. */
static int above_wire_fd(int fd)
{
    int moved;

    if (fd < 0 || fd > HPCL__WIRE_FD)
        return fd;
    moved = fcntl(fd, F_DUPFD_CLOEXEC, HPCL__WIRE_FD + 1);
    close(fd);
    return moved;
}

/* posix_spawn the helper with sock as its fd 3 and errw as its stdout
 * and stderr.  In a process group of its own, so that the terminal's ^C
 * reaches the program, which decides; the helper ends when the program
 * closes its socket.  0 or an errno. */
static int spawn(struct hpcl__slurm_child *c, const char *path, int sock,
                 int errw)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    char ms[24];
    char *argv[] = {(char *)HPCL__HELPER_NAME, c->site->name, c->conf, ms,
                    NULL};
    int e;

    snprintf(ms, sizeof ms, "%ld", c->site->timeout_ms);
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    if ((e = posix_spawn_file_actions_init(&fa)) != 0)
        return e;
    if ((e = posix_spawnattr_init(&at)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return e;
    }
    if ((e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
                                              O_RDONLY, 0)) == 0 &&
        (e = posix_spawn_file_actions_adddup2(&fa, errw, 1)) == 0 &&
        (e = posix_spawn_file_actions_adddup2(&fa, errw, 2)) == 0 &&
        (e = posix_spawn_file_actions_adddup2(&fa, sock,
                                              HPCL__WIRE_FD)) == 0 &&
        (e = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
        (e = posix_spawnattr_setsigdefault(&at, &all)) == 0 &&
        (e = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
        (e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
                                               POSIX_SPAWN_SETSIGDEF |
                                               POSIX_SPAWN_SETPGROUP)) == 0)
        e = posix_spawn(&c->pid, path, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return e;
}

/* The socketpair and the stderr pipe, then the helper; c->sock and c->err
 * are ours on success. */
static hpcl_rc launch(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                      const char *path)
{
    int sv[2], ep[2], e;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "site %s: socketpair: %s",
                          c->site->name, strerror(errno));
    if (pipe2(ep, O_CLOEXEC) != 0) {
        e = errno;
        close(sv[0]);
        close(sv[1]);
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "site %s: pipe: %s",
                          c->site->name, strerror(e));
    }
    sv[1] = above_wire_fd(sv[1]);
    ep[1] = above_wire_fd(ep[1]);
    e = sv[1] < 0 || ep[1] < 0 ? EMFILE : spawn(c, path, sv[1], ep[1]);
    if (sv[1] >= 0)
        close(sv[1]);
    if (ep[1] >= 0)
        close(ep[1]);
    c->sock = sv[0];
    c->err = ep[0];
    if (e != 0) {
        close_fds(c);
        return e == EMFILE ? hpcl__fail(ctx, HPCL_E_SYSTEM, "site %s: %s",
                                        c->site->name, strerror(e))
                           : helper_missing(c, ctx, path, e);
    }
    /* Only our end: the helper's stderr stays blocking. */
    fcntl(c->err, F_SETFL, fcntl(c->err, F_GETFL) | O_NONBLOCK);
    return HPCL_OK;
}

static hpcl_rc hello_failed(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                            enum io io, double took, int by_timeout)
{
    char st[64];

    if (io == IO_TIMEOUT && by_timeout) {
        stop(c);
        return hpcl__fail(ctx, HPCL_E_TIMEOUT, "site %s: the libslurm helper "
                          "did not start within the site's timeout of %.1f "
                          "s (loading slurm.conf '%s'); it was stopped; "
                          "libslurm said: %s",
                          c->site->name, (double)c->site->timeout_ms / 1000,
                          c->conf, last_words(c));
    }
    if (io == IO_TIMEOUT) {
        stop(c);
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: libslurm did not "
                          "finish loading slurm.conf '%s' within %.1f s (a "
                          "missing Include file or an unreachable config "
                          "server makes it retry); its helper was stopped; "
                          "libslurm said: %s", c->site->name, c->conf, took,
                          last_words(c));
    }
    ended(c, ctx, st, sizeof st);
    return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: libslurm ended its "
                      "helper (%s): %s (libslurm cannot load slurm.conf "
                      "'%s': fix the file, or key slurm_conf of the site)",
                      c->site->name, st, last_words(c), c->conf);
}

/* The helper's first frame, by end: same protocol and version, and
 * whether it could read its slurm.conf.  by_timeout: end is the request's
 * deadline, not the time allowed to load a slurm.conf. */
static hpcl_rc hello(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                     double end, int by_timeout)
{
    double t0 = hpcl__now();
    unsigned char *f = NULL;
    size_t len = 0;
    struct hpcl__rbuf r;
    enum io io = recv_frame(c, ctx, end, &f, &len);
    uint32_t proto, rc;
    const char *version, *msg;

    if (io != IO_OK)
        return hello_failed(c, ctx, io, hpcl__now() - t0, by_timeout);
    hpcl__wire_reader(&r, f + 1, len - 1);
    proto = hpcl__wire_get_u32(&r);
    version = hpcl__wire_get_str(&r);
    rc = hpcl__wire_get_u32(&r);
    msg = hpcl__wire_get_str(&r);
    if (f[0] != HPCL__W_HELLO || r.bad || proto != HPCL__WIRE_VERSION ||
        version == NULL || strcmp(version, HPCL_VERSION_STRING) != 0) {
        hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: the libslurm helper "
                   "is not this library's (it says hpclaunch %s, protocol "
                   "%u; this is hpclaunch %s, protocol %d): install both "
                   "from one build, or fix $%s", c->site->name,
                   version != NULL ? version : "?", proto,
                   HPCL_VERSION_STRING, HPCL__WIRE_VERSION,
                   HPCL__HELPER_ENV);
        rc = HPCL_E_UNSUPPORTED;
    } else if (rc != HPCL_OK) {
        hpcl__fail(ctx, (hpcl_rc)rc, "%s", msg != NULL ? msg : "?");
    }
    free(f);
    if (rc != HPCL_OK)
        stop(c);
    return (hpcl_rc)rc;
}

hpcl_rc hpcl__child_start(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                          const char *conf, double end)
{
    double start_end = hpcl__now() + HPCL__HELPER_START_S;
    char buf[PATH_MAX];
    const char *path = helper_path(buf, sizeof buf);
    hpcl_rc rc;

    stop(c);
    free(c->conf);
    c->line_len = 0;
    c->said[0] = c->last[0] = '\0';
    c->skew = 0;
    if ((c->conf = strdup(conf)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if (access(path, X_OK) != 0)
        return helper_missing(c, ctx, path, errno);
    if ((rc = launch(c, ctx, path)) != HPCL_OK)
        return rc;
    hpcl__log(ctx, HPCL_LOG_DEBUG, "site %s: libslurm helper %s started "
              "(pid %ld) on %s", c->site->name, path, (long)c->pid, conf);
    return end < start_end ? hello(c, ctx, end, 1)
                           : hello(c, ctx, start_end, 0);
}

/* --- asking ---------------------------------------------------------- */

int hpcl__child_ready(struct hpcl__slurm_child *c, hpcl_ctx *ctx)
{
    struct pollfd p;
    char st[64], byte;

    if (c->pid == 0)
        return 0;
    err_drain(c, ctx);
    /* Nothing is owed to us: anything readable is its end, or a frame
     * out of step (then it is stopped). */
    p = (struct pollfd){c->sock, POLLIN, 0};
    if (poll(&p, 1, 0) == 0)
        return 1;
    if (recv(c->sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1) {
        stop(c);
        snprintf(st, sizeof st, "stopped: it sent an unasked frame");
    } else {
        ended(c, ctx, st, sizeof st);
    }
    hpcl__log(ctx, HPCL_LOG_DEBUG, "site %s: the libslurm helper had ended "
              "(%s; %s); starting it again", c->site->name, st,
              last_words(c));
    return 0;
}

static hpcl_rc call_failed(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                           enum io io, int maybe, const char *what)
{
    const char *name = c->site->name;
    double limit = (double)c->site->timeout_ms / 1000.0;
    char st[64];

    if (io == IO_TIMEOUT) {
        stop(c);
        if (maybe)
            return hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "site %s: no answer to "
                              "%s within the site's timeout of %.1f s: the "
                              "request may have reached slurmctld, so it may "
                              "or may not have been done (the libslurm "
                              "helper was stopped; it restarts at the next "
                              "request)", name, what, limit);
        return hpcl__fail(ctx, HPCL_E_TIMEOUT, "site %s: no answer to %s "
                          "within the site's timeout of %.1f s: slurmctld "
                          "is slow or silent (the libslurm helper was "
                          "stopped; it restarts at the next request)", name,
                          what, limit);
    }
    if (io == IO_BAD) {
        stop(c);
        snprintf(st, sizeof st, "a malformed reply");
    } else {
        ended(c, ctx, st, sizeof st);
        c->ended = 1;
    }
    return hpcl__fail(ctx, maybe ? HPCL_E_AMBIGUOUS : HPCL_E_SLURM, "site "
                      "%s: libslurm ended its helper (%s) during %s: %s%s",
                      name, st, what, last_words(c),
                      maybe ? "; the request may or may not have been done"
                            : "; it restarts at the next request");
}

hpcl_rc hpcl__child_call(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                         const struct hpcl__wbuf *req, int changes,
                         const char *what, double end,
                         unsigned char **reply, size_t *len)
{
    enum io io;
    int sent;

    *reply = NULL;
    c->said[0] = c->last[0] = '\0';
    c->skew = 0;
    c->ended = 0;
    io = send_all(c, ctx, req->data, req->len, end);
    /* Until the whole frame is out, the helper cannot have acted on it. */
    sent = io == IO_OK;
    if (io == IO_OK)
        io = recv_frame(c, ctx, end, reply, len);
    if (io == IO_OK && (*reply)[0] != HPCL__W_REPLY) {
        free(*reply);
        *reply = NULL;
        io = IO_BAD;
    }
    if (io != IO_OK)
        return call_failed(c, ctx, io, sent && changes, what);
    memmove(*reply, *reply + 1, --*len);
    err_drain(c, ctx);
    return HPCL_OK;
}

int hpcl__child_ended(const struct hpcl__slurm_child *c)
{
    return c->ended;
}

const char *hpcl__child_said(const struct hpcl__slurm_child *c)
{
    return c->said;
}

unsigned hpcl__child_skew(const struct hpcl__slurm_child *c,
                          const char **line)
{
    *line = c->skew_line;
    return c->skew;
}
