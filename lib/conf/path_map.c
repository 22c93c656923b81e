/*
 * A site's path maps: how a path at home is named at the site (the
 * longest matching prefix wins, whole components only).
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
        return hpcl__set_string(ctx, out, in);
    rest = in + prefix_len(m->from);
    if (asprintf(out, "%.*s%s", (int)prefix_len(m->to), m->to,
                 rest[0] != '\0' || prefix_len(m->to) > 0 ? rest : "/") < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}
