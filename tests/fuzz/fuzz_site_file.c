/* The site file hpclaunch.conf(5), read by name as hpclaunch reads it. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hpcl_ctx *ctx = fuzz_ctx();
    char path[64];
    int fd = fuzz_file(path, sizeof path, data, size);

    if (fd >= 0 && hpcl_ctx_load_sites(ctx, path, 0) == HPCL_OK) {
        for (size_t i = 0; i < hpcl_ctx_site_count(ctx); i++) {
            const char *name = hpcl_ctx_site_name(ctx, i);
            const char *driver = hpcl_ctx_site_driver(ctx, i);
            if (name == NULL || driver == NULL)
                __builtin_trap(); /* every listed site has both */
            (void)hpcl_ctx_site_is_home(ctx, i);
        }
    } else if (fd >= 0 && hpcl_ctx_errmsg(ctx)[0] == '\0') {
        __builtin_trap(); /* a refusal always says why */
    }
    if (fd >= 0)
        close(fd);
    hpcl_ctx_destroy(ctx);
    return 0;
}
