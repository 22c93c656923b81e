/*
 * OpenMP from the first line of main(): hpcl_pin_self() sets OMP_PLACES,
 * OMP_PROC_BIND and OMP_NUM_THREADS, but GCC's libgomp reads them in its
 * constructor, before main(), and never again (omp_set_num_threads() can
 * change the count, nothing can change the places).  LLVM's libomp reads
 * them at its first use, which may come before the call too.  So once the
 * process is bound and its variables set, the program is started again,
 * same process (same pid, so srun and mpirun keep tracking it), same
 * arguments, with the variables in its environment from the start: its
 * runtime reads them, and its hpcl_pin_self() finds HPCL_PINNED and
 * returns at once.
 *
 * Never after MPI_Init (the new image would initialize MPI a second time
 * as the same rank), never twice (HPCL_PIN_REEXECED holds the pid that
 * re-executed), and in auto mode only when an OpenMP runtime is loaded
 * and the variables differ from those the program started with.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "place/pin_reexec.h"

/* Set in the re-executed image: the pid that re-executed (itself). */
#define REEXEC_MARK "HPCL_PIN_REEXECED"

/* The variables an OpenMP runtime reads once, that a plan sets. */
static const char *const omp_vars[] = {"OMP_NUM_THREADS", "OMP_PLACES",
                                       "OMP_PROC_BIND"};

hpcl_rc hpcl__pin_reexec_mode(hpcl_ctx *ctx, enum hpcl__reexec *mode)
{
    const char *v = getenv("HPCL_PIN_REEXEC");

    *mode = HPCL__REEXEC_AUTO;
    if (v == NULL || *v == '\0' || strcmp(v, "auto") == 0)
        return HPCL_OK;
    if (strcmp(v, "always") == 0 || strcmp(v, "1") == 0)
        *mode = HPCL__REEXEC_ALWAYS;
    else if (strcmp(v, "never") == 0 || strcmp(v, "0") == 0)
        *mode = HPCL__REEXEC_NEVER;
    else
        return hpcl__fail(ctx, HPCL_E_INVAL, "HPCL_PIN_REEXEC=%s: use auto "
                          "(the default), always or never", v);
    return HPCL_OK;
}

/* The whole of a /proc file (NUL-separated strings) in *out, with a
 * final NUL added, its length in *len; -1 with errno on failure.  /proc
 * files have no size: read until end of file. */
static int read_proc(const char *path, char **out, size_t *len)
{
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap + 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
    ssize_t n = 0;

    if (buf == NULL || fd < 0)
        err = buf == NULL ? ENOMEM : errno;
    while (err == 0 && (n = read(fd, buf + used, cap - used)) != 0) {
        char *bigger;

        if (n < 0) {
            err = errno == EINTR ? 0 : errno;
            continue;
        }
        used += (size_t)n;
        if (used < cap)
            continue;
        if ((bigger = realloc(buf, 2 * cap + 1)) == NULL)
            err = ENOMEM;
        else {
            buf = bigger;
            cap *= 2;
        }
    }
    if (fd >= 0)
        close(fd);
    if (err != 0) {
        free(buf);
        errno = err;
        return -1;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return 0;
}

/* Whether name's value now differs from the one the program started
 * with (its initial environment, /proc/self/environ); 1 when unknown. */
static int changed_since_start(const char *environ0, size_t len,
                               const char *name)
{
    const char *now = getenv(name), *then = NULL;
    size_t nlen = strlen(name);

    for (const char *e = environ0; e < environ0 + len; e += strlen(e) + 1)
        if (strncmp(e, name, nlen) == 0 && e[nlen] == '=')
            then = e + nlen + 1;
    if (now == NULL || then == NULL)
        return now != then;
    return strcmp(now, then) != 0;
}

static int omp_vars_changed(void)
{
    char *environ0;
    size_t len;
    int changed = 0;

    if (read_proc("/proc/self/environ", &environ0, &len) != 0)
        return 1;
    for (size_t i = 0; i < sizeof omp_vars / sizeof *omp_vars; i++)
        changed |= changed_since_start(environ0, len, omp_vars[i]);
    free(environ0);
    return changed;
}

/* dl_iterate_phdr callback: 1 stops at the first loaded object whose
 * file name starts with one of the prefixes in arg (NULL-terminated). */
static int match_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    const char *const *prefixes = arg;
    const char *base = strrchr(info->dlpi_name, '/');

    (void)size;
    base = base != NULL ? base + 1 : info->dlpi_name;
    for (const char *const *p = prefixes; *p != NULL; p++)
        if (strncmp(base, *p, strlen(*p)) == 0)
            return 1;
    return 0;
}

/* An OpenMP runtime is in the process: GCC's, LLVM's or Intel's shared
 * library, loaded with the program or by dlopen() (a Python extension),
 * or its API in the global scope.  A runtime linked statically into the
 * program shows neither: HPCL_PIN_REEXEC=always is for those. */
static int openmp_loaded(void)
{
    static const char *const runtimes[] = {"libgomp.", "libomp.",
                                           "libiomp5.", NULL};

    return dl_iterate_phdr(match_object, (void *)runtimes) != 0 ||
           dlsym(RTLD_DEFAULT, "omp_get_max_threads") != NULL;
}

/* The object named like an MPI library, for mpi_started(). */
static int find_mpi(struct dl_phdr_info *info, size_t size, void *arg)
{
    const char *base = strrchr(info->dlpi_name, '/');

    (void)size;
    base = base != NULL ? base + 1 : info->dlpi_name;
    if (strncmp(base, "libmpi", 6) != 0)
        return 0;
    *(const char **)arg = info->dlpi_name;
    return 1;
}

/* Whether MPI_Init has run: MPI_Initialized (callable at any time, even
 * before MPI_Init) from the global scope, else from a loaded libmpi*
 * (mpi4py's MPI module loads it locally). */
static int mpi_started(void)
{
    typedef int (*initialized_fn)(int *);
    void *sym = dlsym(RTLD_DEFAULT, "MPI_Initialized"), *lib = NULL;
    const char *name = NULL;
    initialized_fn initialized;
    int flag = 0;

    if (sym == NULL && dl_iterate_phdr(find_mpi, &name) != 0 &&
        (lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD)) != NULL)
        sym = dlsym(lib, "MPI_Initialized");
    /* A data pointer to a function pointer, as POSIX allows for dlsym. */
    memcpy(&initialized, &sym, sizeof initialized);
    if (initialized != NULL && initialized(&flag) != 0)
        flag = 0;
    if (lib != NULL)
        dlclose(lib);
    return flag;
}

/* Whether this image is the re-executed one. */
static int reexecuted(void)
{
    const char *mark = getenv(REEXEC_MARK);

    return mark != NULL && strtol(mark, NULL, 10) == (long)getpid();
}

/* argv of the program as it started (/proc/self/cmdline) into *argvp,
 * one malloc block of pointers and strings. */
static int original_argv(char ***argvp)
{
    char *args, **argv, *copy;
    size_t len, argc = 0;

    if (read_proc("/proc/self/cmdline", &args, &len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++)
        argc += args[i] == '\0';
    if (len > 0 && args[len - 1] != '\0')
        argc++; /* a last argument without its NUL */
    argv = malloc((argc + 1) * sizeof *argv + len + 1);
    if (argv == NULL) {
        free(args);
        errno = ENOMEM;
        return -1;
    }
    copy = (char *)(argv + argc + 1);
    memcpy(copy, args, len + 1);
    free(args);
    for (size_t i = 0, k = 0; k < argc; k++) {
        argv[k] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    *argvp = argv;
    return 0;
}

static const char *value_or_unset(const char *name)
{
    const char *v = getenv(name);

    return v != NULL ? v : "(unset)";
}

/* Did the runtime bind its initial thread from OMP_PROC_BIND (anything
 * but false) before main()? */
static int bound_at_start(int rebound)
{
    const char *bind = getenv("OMP_PROC_BIND");

    return rebound && bind != NULL && bind[0] != '\0' &&
           strcasecmp(bind, "false") != 0;
}

/* Whether to re-execute now; logs why not. */
static int should_reexec(hpcl_ctx *ctx, enum hpcl__reexec mode, int rebound)
{
    if (mode == HPCL__REEXEC_NEVER)
        return 0;
    if (!omp_vars_changed() && !bound_at_start(rebound))
        return 0; /* the runtime read these very values, bound as before */
    if (mode == HPCL__REEXEC_AUTO && !openmp_loaded())
        return 0; /* nothing reads them before main() */
    if (reexecuted()) {
        hpcl__log(ctx, HPCL_LOG_WARN, "pin: re-executed once already "
                  "(%s); not again: the OpenMP runtime keeps the settings "
                  "it started with", REEXEC_MARK);
        return 0;
    }
    if (mpi_started()) {
        hpcl__log(ctx, HPCL_LOG_WARN, "pin: MPI is initialized, so the "
                  "program cannot be started again: its OpenMP runtime "
                  "keeps the OMP_* settings it read at start (call "
                  "hpcl_pin_self before MPI_Init)");
        return 0;
    }
    return 1;
}

hpcl_rc hpcl__pin_reexec(hpcl_ctx *ctx, enum hpcl__reexec mode,
                         const char *cpuset, int rebound)
{
    char pid[32], **argv = NULL;
    int err;

    if (!should_reexec(ctx, mode, rebound))
        return HPCL_OK;
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    if (cpuset == NULL || original_argv(&argv) != 0 ||
        setenv("HPCL_PINNED", cpuset, 1) != 0 ||
        setenv(REEXEC_MARK, pid, 1) != 0) {
        err = cpuset == NULL ? ENOMEM : errno;
        free(argv);
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "pin: cannot prepare to "
                          "start the program again for its OpenMP runtime: "
                          "%s (HPCL_PIN_REEXEC=never skips this)",
                          strerror(err));
    }
    hpcl__log(ctx, HPCL_LOG_INFO, "pin: starting %s again so that its "
              "OpenMP runtime reads OMP_NUM_THREADS=%s OMP_PLACES=%s",
              argv[0] != NULL ? argv[0] : "the program",
              value_or_unset("OMP_NUM_THREADS"), value_or_unset("OMP_PLACES"));
    fflush(NULL); /* nothing the program buffered is lost or doubled */
    execv("/proc/self/exe", argv);
    err = errno;
    unsetenv(REEXEC_MARK);
    free(argv);
    return hpcl__fail(ctx, HPCL_E_SYSTEM, "pin: cannot start the program "
                      "again (execv /proc/self/exe) for its OpenMP runtime "
                      "to read OMP_*: %s (HPCL_PIN_REEXEC=never skips this)",
                      strerror(err));
}
