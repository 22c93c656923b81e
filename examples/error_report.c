/* List every hpcl_rc with its description, then report a failure. */
#include <stdio.h>
#include <stdlib.h>
#include <hpclaunch.h>

/* Print "what: description: detail" (the detail when there is one). */
static void report(const hpcl_ctx *ctx, const char *what, hpcl_rc rc)
{
    const char *detail = hpcl_ctx_errmsg(ctx);

    if (detail[0] != '\0')
        fprintf(stderr, "%s: %s: %s\n", what, hpcl_strerror(rc),
                detail);
    else
        fprintf(stderr, "%s: %s\n", what, hpcl_strerror(rc));
}

int main(void)
{
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    hpcl_rc rc;

    for (int code = HPCL_OK; code <= HPCL_E_UNSUPPORTED; code++)
        printf("%2d  %s\n", code, hpcl_strerror((hpcl_rc)code));

    if ((rc = hpcl_ctx_create(&ctx, 0)) != HPCL_OK) {
        report(NULL, "hpcl_ctx_create", rc);
        return EXIT_FAILURE;
    }
    /* Not a job reference: HPCL_E_INVAL, with a detail message. */
    rc = hpcl_job_attach(&job, ctx, "local:not-a-number");
    if (rc != HPCL_OK)
        report(ctx, "hpcl_job_attach", rc);
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return rc == HPCL_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
