/*
 * Guards around libslurm, in the helper process (see slurm_lib.h):
 * libslurm spends 9-18 s on every call to a controller that is down, and
 * as long again when munged is dead, so nothing reaches it before this
 * file has checked the controller and the auth socket.  This file does
 * not include <slurm/slurm.h>: it reads slurm.conf itself.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend/slurm/slurm_lib.h"

#define DEFAULT_PORT "6817"
#define DEFAULT_MUNGE "/var/run/munge/munge.socket.2"
#define PROBE_S 1.0      /* TCP connect probe, per controller */
#define DOWN_S 10.0      /* a down controller is not asked again for */
#define UP_S 5.0         /* a controller that answered is not probed for */
#define INCLUDE_DEPTH 8

struct hpcl__slurm {
    const struct hpcl__site_conf *site; /* borrowed */
    char *conf;                     /* absolute path */
    int loaded;                     /* facts read */
    struct hpcl__conf_facts facts;
    double probe_s;                 /* TCP connect probe, per controller */
    double up_until;                /* CLOCK_MONOTONIC seconds */
    double down_until;
    char down_msg[HPCL_ERRMSG_MAX / 2];
};

struct hpcl__slurm *hpcl__guard_new(const struct hpcl__site_conf *site,
                                    const char *conf)
{
    struct hpcl__slurm *s = calloc(1, sizeof *s);

    if (s == NULL || (s->conf = strdup(conf)) == NULL) {
        free(s);
        return NULL;
    }
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
    else if (strcasecmp(key, "ClusterName") == 0) {
        copy_value(s->facts->cluster, sizeof s->facts->cluster, val);
        /* slurmctld keeps it in lower case (slurm.conf(5)). */
        for (char *c = s->facts->cluster; *c != '\0'; c++)
            *c = (char)tolower((unsigned char)*c);
    }
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

hpcl_rc hpcl__guard_load(struct hpcl__slurm *s, hpcl_ctx *ctx)
{
    hpcl_rc rc = hpcl__slurm_read_conf(ctx, s->conf, &s->facts);

    s->loaded = rc == HPCL_OK;
    return rc;
}

int hpcl__guard_ident(struct hpcl__slurm *s, hpcl_ctx *ctx, char *out,
                      size_t len)
{
    if ((!s->loaded && hpcl__guard_load(s, ctx) != HPCL_OK) ||
        s->facts.cluster[0] == '\0' || s->facts.n_ctld == 0)
        return -1;
    snprintf(out, len, "slurm:%s@%s:%s", s->facts.cluster,
             s->facts.ctld[0].host, s->facts.ctld[0].port);
    return 0;
}

hpcl_rc hpcl__guard_enter(struct hpcl__slurm *s, hpcl_ctx *ctx)
{
    if (!s->loaded)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "slurm.conf '%s' of site %s "
                          "was not read", s->conf, s->site->name);
    return reach(ctx, s);
}

void hpcl__guard_after(struct hpcl__slurm *s, int reached, const char *why)
{
    if (s == NULL || !s->loaded)
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
