/* What the site file's parser (site_file.c) and its key table
 * (site_keys.c) share: the first error of a parse, and valid names. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/sites.h"
#include "conf/site_parse.h"

hpcl_rc hpcl__sites_fail(struct hpcl__sites_parser *p, int line,
                         const char *fmt, ...)
{
    char msg[HPCL_ERRMSG_MAX];
    va_list ap;

    if (p->rc != HPCL_OK)
        return p->rc;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->err_line = line;
    p->rc = hpcl__fail(p->ctx, HPCL_E_CONFIG, "%s:%d: %s", p->file, line, msg);
    return p->rc;
}

int hpcl__site_name_valid(const char *name)
{
    size_t n = strlen(name);

    return n > 0 && n <= HPCL__SITE_NAME_MAX &&
           strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789_-") == n;
}

/* Paths may start with ~/ so that one system-wide file serves every
 * user; anything else relative would depend on the current directory.
 * Here, not in site_keys.c, so that the economics keys (site_econ.c)
 * use it without a cycle between the two. */
hpcl_rc hpcl__sites_set_path(struct hpcl__sites_parser *p, char **field,
                             const char *key, const char *value)
{
    const char *home = getenv("HOME");
    char *out;

    if (value[0] != '/' && strcmp(value, "~") != 0 &&
        strncmp(value, "~/", 2) != 0)
        return hpcl__sites_fail(p, p->lineno, "key '%s' must be an absolute "
                                "path or start with ~/, not '%s'", key, value);
    if (value[0] == '/')
        out = strdup(value);
    else if (home == NULL || home[0] != '/')
        return hpcl__sites_fail(p, p->lineno, "key '%s': cannot expand ~ "
                                "because $HOME is not an absolute path", key);
    else if ((out = malloc(strlen(home) + strlen(value))) != NULL)
        sprintf(out, "%s%s", home, value + 1);
    if (out == NULL)
        return hpcl__sites_fail(p, p->lineno, "out of memory");
    free(*field);
    *field = out;
    return p->rc;
}
