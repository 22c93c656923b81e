/*
 * libslurm's process-global state: its configuration (one slurm.conf at a
 * time), its logger and the lock that serialises every call.  With the
 * driver's guards (slurm_guard.c) and its operations (slurm_lib.c), the
 * only files that include <slurm/slurm.h>.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <slurm/slurm.h>

#include "backend/slurm/slurm_lib.h"

/*
 * libslurm logs to the process's stderr unless told otherwise; a library
 * must not.  slurm_log_init() is exported but its options type is private
 * (src/common/log.h): in 22.05 it is three log_level_t (QUIET = 0, FATAL,
 * ERROR, ...) and a few bool flags, 16 bytes passed in two registers (seen
 * in the disassembly of libslurm.so.38).  This mirror has the same size and
 * class; other Slurm releases are not assumed to match, so there the
 * logger is left alone.
 */
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(22, 5, 0) &&                   \
    SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 0)
#define HPCL_SLURM_LOG_OPTS 1
struct log_opts_2205 {
    int stderr_level;
    int syslog_level;
    int logfile_level;
    unsigned char flags[4]; /* prefix_level, buffered, raw */
};
extern int slurm_log_init(char *argv0, struct log_opts_2205 opts, int fac,
                          char *logfile);
#define LOG_QUIET 0
#define LOG_ERROR 2
#define LOG_FACILITY_USER (1 << 3) /* LOG_USER of syslog.h */
#endif

/* Send libslurm's messages of level at most stderr_level to stderr,
 * with "error: "/"fatal: " prefixes when prefix is set. */
static void set_slurm_log(int stderr_level, int prefix)
{
#ifdef HPCL_SLURM_LOG_OPTS
    struct log_opts_2205 o = {stderr_level, LOG_QUIET, LOG_QUIET, {0}};
    char name[] = "libslurm";

    o.flags[0] = prefix != 0;
    slurm_log_init(name, o, LOG_FACILITY_USER, NULL);
#else
    (void)stderr_level;
    (void)prefix;
#endif
}

/* libslurm's configuration is process-global: one lock for every call,
 * and the path of the slurm.conf it holds now (NULL: none). */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_conf;

void hpcl__slurm_lock(void)
{
    pthread_mutex_lock(&g_lock);
}

void hpcl__slurm_unlock(void)
{
    pthread_mutex_unlock(&g_lock);
}

void hpcl__slurm_child_load(const char *conf)
{
    /* The parent silenced libslurm; the child must speak, its stderr is
     * the pipe that carries "fatal: ..." back. */
    set_slurm_log(LOG_ERROR, 1);
    slurm_init(conf);
}

hpcl_rc hpcl__slurm_use(hpcl_ctx *ctx, const char *conf)
{
    char *copy;

    hpcl__slurm_lock();
    if (g_conf != NULL && strcmp(g_conf, conf) == 0)
        return HPCL_OK;
    if ((copy = strdup(conf)) == NULL) {
        hpcl__slurm_unlock();
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    /* Another site's cluster was loaded: switch (fini, then init). */
    if (g_conf != NULL)
        slurm_fini();
    else
        set_slurm_log(LOG_QUIET, 0);
    slurm_init(copy);
    free(g_conf);
    g_conf = copy;
    return HPCL_OK;
}
