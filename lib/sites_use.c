/*
 * Using the sites: finding the site file, tokens, path maps and durations.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sites.h"

#define TOKEN_MAX 16384 /* bytes; a JWT is well under 2 KiB */
#define DURATION_MAX_MS (366LL * 86400 * 1000)

static hpcl_rc copy_path(char **out, hpcl_ctx *ctx, const char *path)
{
    if ((*out = strdup(path)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

/* A file the user named must exist: falling back to another one would
 * submit to sites the user did not mean. */
static hpcl_rc take_named(char **out, hpcl_ctx *ctx, const char *path,
                          const char *from)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site file %s%s: %s", path,
                          from, strerror(errno));
    return copy_path(out, ctx, path);
}

/* The implicit places are skipped when absent, not when unreadable. */
static hpcl_rc take_implicit(char **out, hpcl_ctx *ctx, const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0)
        return copy_path(out, ctx, path);
    if (errno == ENOENT || errno == ENOTDIR)
        return HPCL_OK;
    return hpcl__fail(ctx, HPCL_E_CONFIG, "site file %s: %s", path,
                      strerror(errno));
}

/* $XDG_CONFIG_HOME (absolute only, as the XDG spec says), else ~/.config;
 * *out is NULL when neither is known. */
static hpcl_rc user_conf_path(char **out, hpcl_ctx *ctx)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n = 0;

    *out = NULL;
    if (xdg != NULL && xdg[0] == '/')
        n = asprintf(out, "%s/hpclaunch/hpclaunch.conf", xdg);
    else if (home != NULL && home[0] == '/')
        n = asprintf(out, "%s/.config/hpclaunch/hpclaunch.conf", home);
    if (n < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

hpcl_rc hpcl__sites_find(char **out, hpcl_ctx *ctx, const char *explicit_path,
                         const char *system_path)
{
    const char *env = getenv("HPCLAUNCH_CONF");
    char *user;
    hpcl_rc rc;

    if (out == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if (explicit_path != NULL)
        return take_named(out, ctx, explicit_path, "");
    if (env != NULL && env[0] != '\0')
        return take_named(out, ctx, env, " (from $HPCLAUNCH_CONF)");
    if ((rc = user_conf_path(&user, ctx)) != HPCL_OK)
        return rc;
    if (user != NULL)
        rc = take_implicit(out, ctx, user);
    free(user);
    if (rc != HPCL_OK || *out != NULL || system_path == NULL)
        return rc;
    return take_implicit(out, ctx, system_path);
}

hpcl_rc hpcl__sites_load(struct hpcl__sites **out, hpcl_ctx *ctx,
                         const char *explicit_path)
{
    char *path;
    hpcl_rc rc;

    if (out == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    rc = hpcl__sites_find(&path, ctx, explicit_path, HPCL__SITES_SYSTEM_PATH);
    if (rc != HPCL_OK)
        return rc;
    if (path == NULL) {
        hpcl__log(ctx, HPCL_LOG_DEBUG, "no site file: one site, the local "
                  "Slurm");
        return hpcl__sites_builtin(out, ctx);
    }
    hpcl__log(ctx, HPCL_LOG_DEBUG, "site file %s", path);
    rc = hpcl__sites_parse(out, ctx, path);
    free(path);
    return rc;
}

static void free_site(struct hpcl__site_conf *c)
{
    char **strings[] = {&c->name,       &c->slurm_conf, &c->url,
                        &c->api_version, &c->user,       &c->token_file,
                        &c->token_env,  &c->ca_file,    &c->partition,
                        &c->account,    &c->mpi};

    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    for (size_t i = 0; i < c->nmaps; i++) {
        free(c->maps[i].from);
        free(c->maps[i].to);
    }
    free(c->maps);
}

void hpcl__sites_free(struct hpcl__sites *sites)
{
    if (sites == NULL)
        return;
    for (size_t i = 0; i < sites->nsites; i++)
        free_site(&sites->site[i]);
    free(sites->site);
    free(sites->order);
    free(sites->journal);
    free(sites->source);
    free(sites);
}

const struct hpcl__site_conf *hpcl__sites_get(const struct hpcl__sites *sites,
                                              const char *name)
{
    if (sites == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < sites->nsites; i++)
        if (strcmp(sites->site[i].name, name) == 0)
            return &sites->site[i];
    return NULL;
}

/* --- tokens ------------------------------------------------------------ */

void hpcl__token_free(char *token)
{
    if (token == NULL)
        return;
    explicit_bzero(token, strlen(token));
    free(token);
}

/* Drop the trailing newline, then insist on one line of printable ASCII:
 * the token goes into an HTTP header, where a line break would let the
 * file add headers of its own.  Messages never quote the token. */
static hpcl_rc clean_token(hpcl_ctx *ctx, char *token, const char *what,
                           const char *name, const char *site)
{
    size_t n = strlen(token);

    while (n > 0 && strchr(" \t\r\n", token[n - 1]) != NULL)
        token[--n] = '\0';
    if (n == 0)
        return hpcl__fail(ctx, HPCL_E_AUTH, "%s %s for site %s is empty",
                          what, name, site);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] <= ' ' || (unsigned char)token[i] >= 0x7f)
            return hpcl__fail(ctx, HPCL_E_AUTH, "%s %s for site %s holds a "
                              "blank, control or non-ASCII character: it "
                              "must hold the token alone, on one line",
                              what, name, site);
    return HPCL_OK;
}

/* Checked on the open descriptor, so that what is checked is what is
 * read. */
static hpcl_rc check_token_file(hpcl_ctx *ctx, int fd, const char *path,
                                const char *site)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return hpcl__fail(ctx, HPCL_E_AUTH, "token file %s for site %s: %s",
                          path, site, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hpcl__fail(ctx, HPCL_E_AUTH, "token file %s for site %s is "
                          "not a regular file", path, site);
    if (st.st_uid != geteuid())
        return hpcl__fail(ctx, HPCL_E_AUTH, "token file %s for site %s "
                          "belongs to uid %u, not to you (uid %u)", path,
                          site, (unsigned)st.st_uid, (unsigned)geteuid());
    if ((st.st_mode & 077) != 0)
        return hpcl__fail(ctx, HPCL_E_AUTH, "token file %s for site %s is "
                          "%s by group or others (mode %04o): chmod 600 %s",
                          path, site,
                          (st.st_mode & 044) ? "readable" : "writable",
                          (unsigned)(st.st_mode & 07777), path);
    return HPCL_OK;
}

static hpcl_rc read_token(char *buf, hpcl_ctx *ctx, int fd, const char *path,
                          const char *site)
{
    size_t n = 0;
    ssize_t r = 0;

    while (n <= TOKEN_MAX) {
        r = read(fd, buf + n, TOKEN_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (r < 0)
        return hpcl__fail(ctx, HPCL_E_AUTH, "cannot read token file %s for "
                          "site %s: %s", path, site, strerror(errno));
    if (n > TOKEN_MAX)
        return hpcl__fail(ctx, HPCL_E_AUTH, "token file %s for site %s is "
                          "larger than %d bytes", path, site, TOKEN_MAX);
    return clean_token(ctx, buf, "token file", path, site);
}

static hpcl_rc file_token(char **out, hpcl_ctx *ctx,
                          const struct hpcl__site_conf *site)
{
    const char *path = site->token_file;
    char *buf = NULL;
    hpcl_rc rc;
    int fd;

    /* O_NONBLOCK: a FIFO in place of the file must not hang us. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return hpcl__fail(ctx, HPCL_E_AUTH, "cannot open token file %s for "
                          "site %s: %s", path, site->name, strerror(errno));
    rc = check_token_file(ctx, fd, path, site->name);
    if (rc == HPCL_OK && (buf = malloc(TOKEN_MAX + 2)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if (rc == HPCL_OK)
        rc = read_token(buf, ctx, fd, path, site->name);
    close(fd);
    if (rc != HPCL_OK && buf != NULL) {
        explicit_bzero(buf, TOKEN_MAX + 2);
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return rc;
}

static hpcl_rc env_token(char **out, hpcl_ctx *ctx,
                         const struct hpcl__site_conf *site)
{
    const char *value = getenv(site->token_env);
    char *copy;
    hpcl_rc rc;

    if (value == NULL || value[0] == '\0')
        return hpcl__fail(ctx, HPCL_E_AUTH, "environment variable %s "
                          "(token_env of site %s) is not set or empty",
                          site->token_env, site->name);
    if ((copy = strdup(value)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    rc = clean_token(ctx, copy, "environment variable", site->token_env,
                     site->name);
    if (rc != HPCL_OK) {
        hpcl__token_free(copy);
        return rc;
    }
    *out = copy;
    return HPCL_OK;
}

hpcl_rc hpcl__site_load_token(char **out, hpcl_ctx *ctx,
                              const struct hpcl__site_conf *site)
{
    if (out == NULL || site == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if (site->token_file != NULL)
        return file_token(out, ctx, site);
    if (site->token_env != NULL)
        return env_token(out, ctx, site);
    return hpcl__fail(ctx, HPCL_E_AUTH, "site %s has no token_file or "
                      "token_env", site->name);
}

/* --- path maps --------------------------------------------------------- */

/* "/" is the empty prefix: then the rest of the path keeps its slash. */
static size_t prefix_len(const char *prefix)
{
    return strcmp(prefix, "/") == 0 ? 0 : strlen(prefix);
}

static const struct hpcl__path_map *
best_map(const struct hpcl__site_conf *site, const char *in)
{
    const struct hpcl__path_map *best = NULL;
    size_t best_len = 0;

    for (size_t i = 0; i < site->nmaps; i++) {
        const struct hpcl__path_map *m = &site->maps[i];
        size_t n = prefix_len(m->from);

        if (strncmp(in, m->from, n) == 0 && (in[n] == '\0' || in[n] == '/') &&
            (best == NULL || n > best_len)) {
            best = m;
            best_len = n;
        }
    }
    return best;
}

hpcl_rc hpcl__site_map_path(char **out, hpcl_ctx *ctx,
                            const struct hpcl__site_conf *site,
                            const char *in)
{
    const struct hpcl__path_map *m;
    const char *rest;

    if (out == NULL || site == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if (in == NULL)
        return HPCL_OK;
    if (in[0] != '/' || (m = best_map(site, in)) == NULL)
        return copy_path(out, ctx, in);
    rest = in + prefix_len(m->from);
    if (asprintf(out, "%.*s%s", (int)prefix_len(m->to), m->to,
                 rest[0] != '\0' || prefix_len(m->to) > 0 ? rest : "/") < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

/* --- durations --------------------------------------------------------- */

static long long unit_ms(const char **s)
{
    static const struct {
        const char *name;
        long long ms;
    } units[] = {{"ms", 1},          {"s", 1000},       {"m", 60000},
                 {"h", 3600000},     {"d", 86400000}};

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);

        if (strncmp(*s, units[i].name, n) == 0) {
            *s += n;
            return units[i].ms;
        }
    }
    return 0;
}

int hpcl__duration_parse(long *out_ms, const char *text)
{
    const char *s = text;
    long long total = 0, prev = DURATION_MAX_MS;

    if (text == NULL || *text == '\0')
        return -1;
    while (*s != '\0') {
        const char *start = s;
        long long v = 0, unit;

        if (*s < '0' || *s > '9')
            return -1;
        for (; *s >= '0' && *s <= '9'; s++)
            if ((v = v * 10 + (*s - '0')) > DURATION_MAX_MS)
                return -1;
        /* A bare number is seconds, but only on its own: "1h30" might
         * mean 1h30m or 1h30s, so it is refused. */
        unit = *s == '\0' && start == text ? 1000 : unit_ms(&s);
        /* Units largest first, each once: "30m1h" is most likely a typo. */
        if (unit == 0 || unit >= prev ||
            (total += v * unit) > DURATION_MAX_MS || total > LONG_MAX)
            return -1;
        prev = unit;
    }
    *out_ms = (long)total;
    return 0;
}
