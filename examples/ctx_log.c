/* Create a context, log to stderr, and choose the local slurm.conf. */
#include <stdio.h>
#include <stdlib.h>
#include <hpclaunch.h>

static void log_line(hpcl_log_level level, const char *msg, void *arg)
{
    static const char *const names[] = {"error", "warn", "info",
                                        "debug"};
    const int *verbosity = arg;

    if ((int)level <= *verbosity)
        fprintf(stderr, "hpclaunch %s: %s\n", names[level], msg);
}

int main(int argc, char *argv[])
{
    static int verbosity = HPCL_LOG_INFO;
    hpcl_ctx *ctx = NULL;
    hpcl_rc rc;

    rc = hpcl_ctx_create(&ctx, 0);
    if (rc != HPCL_OK) {
        fprintf(stderr, "hpcl_ctx_create: %s\n", hpcl_strerror(rc));
        return EXIT_FAILURE;
    }
    hpcl_ctx_set_log(ctx, log_line, &verbosity);

    /* Optional argument: the slurm.conf of the local site. */
    if (argc > 1) {
        rc = hpcl_ctx_set_slurm_conf(ctx, argv[1]);
        if (rc != HPCL_OK) {
            fprintf(stderr, "%s: %s: %s\n", argv[1], hpcl_strerror(rc),
                    hpcl_ctx_errmsg(ctx));
            hpcl_ctx_destroy(ctx);
            return EXIT_FAILURE;
        }
    }
    printf("libhpclaunch %s (compiled against %s)\n", hpcl_version(),
           HPCL_VERSION_STRING);
    hpcl_ctx_destroy(ctx);
    return EXIT_SUCCESS;
}
