/* The requests file (the saved job requests that --resubmit reads):
 * its text is the file, read by key as hpcl_job_resubmit() reads it. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job/job-internal.h"
#include "submit/requests.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key the seeds carry (tests/fuzz/corpus/requests). */
static const char g_key[] = "hpcl-0123456789abcdef0123456789abcdef";
static char g_requests[4096];
static hpcl_ctx *g_ctx;

/* A folder of its own: the journal's folder holds the requests file. */
static void setup(void)
{
    char dir[] = "/tmp/hpcl-fuzz-requests.XXXXXX", conf[4200];
    FILE *f;

    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(g_requests, sizeof g_requests, "%s/requests", dir);
    snprintf(conf, sizeof conf, "%s/hpclaunch.conf", dir);
    if ((f = fopen(conf, "w")) == NULL)
        abort();
    fprintf(f, "[defaults]\njournal = %s/journal\n[site a]\ndriver = slurm\n",
            dir);
    fclose(f);
    unsetenv("HPCLAUNCH_JOURNAL");
    g_ctx = fuzz_ctx();
    if (hpcl_ctx_load_sites(g_ctx, conf, 0) != HPCL_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char site[HPCL__SITE_NAME_MAX + 1];
    struct hpcl__jobdesc d;
    int fd;

    if (g_ctx == NULL)
        setup();
    fd = open(g_requests, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    if (hpcl__sidecar_load(g_ctx, g_key, site, &d) == HPCL_OK) {
        if (d.script == NULL || strlen(site) > HPCL__SITE_NAME_MAX)
            __builtin_trap(); /* a loaded request has a script */
        hpcl__jobdesc_free(&d);
    }
    return 0;
}
