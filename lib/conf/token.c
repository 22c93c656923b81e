/*
 * A slurmrestd site's token, read when needed from its file (mode 0600
 * only, never a FIFO) or its variable, and wiped when freed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/sites.h"

#define TOKEN_MAX 16384 /* bytes; a JWT is well under 2 KiB */

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

    if ((fd = hpcl__open_regular(path)) == -2)
        return hpcl__fail(ctx, HPCL_E_AUTH, "token file %s for site %s is "
                          "not a regular file", path, site->name);
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

/*
 * A core dump would carry the token: in our buffer until it is wiped, but
 * also in libcurl's header list and request buffers and in freed memory,
 * which nothing wipes.  So once a token is read, the process makes no core
 * dump for the rest of its life: not dumpable (no core, no ptrace attach
 * by other processes of the user, so no gcore either), and a core size
 * limit of 0 for a kernel that pipes cores to a helper as root.  A program
 * that links the library and wants its cores stays dumpable until it uses
 * a slurmrestd site.
 */
static void no_core_dumps(hpcl_ctx *ctx)
{
    struct rlimit rl;

    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        hpcl__log(ctx, HPCL_LOG_WARN, "cannot turn core dumps off before "
                  "reading a token (prctl: %s): a core dump of this process "
                  "would hold it", strerror(errno));
    if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur != 0) {
        rl.rlim_cur = 0;
        setrlimit(RLIMIT_CORE, &rl);
    }
}

hpcl_rc hpcl__site_load_token(char **out, hpcl_ctx *ctx,
                              const struct hpcl__site_conf *site)
{
    if (out == NULL || site == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    no_core_dumps(ctx);
    if (site->token_file != NULL)
        return file_token(out, ctx, site);
    if (site->token_env != NULL)
        return env_token(out, ctx, site);
    return hpcl__fail(ctx, HPCL_E_AUTH, "site %s has no token_file or "
                      "token_env", site->name);
}
