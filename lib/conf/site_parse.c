/* What the site file's parser (site_file.c) and its key table
 * (site_keys.c) share: the first error of a parse, and valid names. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
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
