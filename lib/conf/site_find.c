/*
 * Finding and loading the site file: --conf, $HPCLAUNCH_CONF, the user's
 * config folder, the system one; without any, the built-in "local" site.
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

#include "conf/sites.h"

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
