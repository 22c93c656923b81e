/* Paths made absolute, as sbatch makes -D, -o and -e absolute. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

hpcl_rc hpcl__abs_path(hpcl_ctx *ctx, char **out, const char *base,
                       const char *path)
{
    char *cwd = NULL;
    size_t len;

    *out = NULL;
    if (path[0] == '/') {
        if ((*out = strdup(path)) == NULL)
            return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        return HPCL_OK;
    }
    if (base == NULL && (base = cwd = getcwd(NULL, 0)) == NULL)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "getcwd: %s (needed to make "
                          "'%s' absolute)", strerror(errno), path);
    len = strlen(base) + strlen(path) + 2;
    if ((*out = malloc(len)) != NULL)
        snprintf(*out, len, "%s%s%s", base,
                 base[strlen(base) - 1] == '/' ? "" : "/", path);
    free(cwd);
    return *out != NULL ? HPCL_OK
                        : hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
}
