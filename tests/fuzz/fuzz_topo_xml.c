/*
 * hwloc XML as hpcl_topo_load_xml() loads it (a file named by the user:
 * hpclaunch plan --topology) and a plan on what it loaded.  Byte 0 gives
 * the plan's shape: tasks (low 3 bits + 1), threads per task (next 2
 * bits + 1), GPUs per task (top bits).
 *
 * hpcl_topo_load_xml() first tries each file in a child process, because
 * hwloc 2.9's importer crashes on some malformed files.  That fork costs
 * a fuzzing process (ASan, a large address space) about 8 ms, ten times
 * the load itself, so here the input goes straight to the load after the
 * try (hpcl__topo_load_xml_buffer), and a crash there (the signals the
 * try watches for, hwloc's failed assertions included) is caught: the
 * same input must then be refused, not crash, through
 * hpcl_topo_load_xml(), child and all.  Every 256th input also goes
 * through hpcl_topo_load_xml() and must get the same answer.
 *
 * Skipped: inputs where hwloc would size a bitmap by a PU's or NUMA
 * node's os_index past 2^16, or by none (it then takes 2^32 - 1): 512
 * MiB and most of a second each, all of it in hwloc.  The fuzzer finds
 * them fast and, kept, they came to be most of its time.
 */
#include "config.h"

#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "topo/topo-internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
static struct sigaction before[sizeof fatal / sizeof fatal[0]];
static sigjmp_buf crashed;
static volatile sig_atomic_t loading;

/* Topologies abandoned when hwloc crashed while loading them: never
 * touched again (they may be half built), only kept reachable so that
 * LeakSanitizer does not report them as hpclaunch's leaks. */
static hpcl_topo **abandoned;
static size_t nabandoned;
static unsigned long nskipped, nchecked;

/* The counts of a run, for its log. */
static void counts(void)
{
    fprintf(stderr, "fuzz_topo_xml: hwloc crashed on %zu inputs (each then "
            "refused by hpcl_topo_load_xml), %lu more went through it too "
            "(same answer), %lu skipped (a huge index)\n", nabandoned,
            nchecked, nskipped);
}

static void on_fault(int sig, siginfo_t *info, void *uc)
{
    const struct sigaction *next = before;

    if (loading)
        siglongjmp(crashed, sig);
    /* Anywhere else, a crash is a finding: the sanitizer's or libFuzzer's
     * handler reports it (installed only for the signals of fatal[]). */
    while (fatal[next - before] != sig)
        next++;
    if (next->sa_flags & SA_SIGINFO)
        next->sa_sigaction(sig, info, uc);
    else if (next->sa_handler != SIG_IGN && next->sa_handler != SIG_DFL)
        next->sa_handler(sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The value of attribute name in the element starting at tag (ended by
 * end), or NULL. */
static const char *attr(const char *tag, const char *end, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = tag + 1; p + n + 2 < end; p++)
        if (p[-1] == ' ' && strncmp(p, name, n) == 0 && p[n] == '=' &&
            (p[n + 1] == '"' || p[n + 1] == '\''))
            return p + n + 2;
    return NULL;
}

static int huge_index(const char *xml)
{
    /* Not strstr(): ASan's measures the rest of the text at each call. */
    for (const char *tag = xml; *tag != '\0'; tag++) {
        const char *end, *type, *index;

        if (*tag != '<' || strncmp(tag, "<object", 7) != 0)
            continue;
        if ((end = strchr(tag, '>')) == NULL)
            return 0;
        if ((type = attr(tag, end, "type")) == NULL ||
            (strncmp(type, "PU", 2) != 0 && strncmp(type, "NUMANode", 8) != 0))
            continue;
        index = attr(tag, end, "os_index");
        if (index == NULL || strtoul(index, NULL, 10) >= 1ul << 16)
            return 1;
    }
    return 0;
}

/* hwloc loads its plugins when its first topology is created and unloads
 * them with its last one, so each execution would dlopen and relocate
 * them again; a topology kept for the whole run keeps them loaded.  Its
 * XML plugin also unloads libxml2, whose global state then looks leaked
 * to LeakSanitizer (frames in "<unknown module>", nothing to suppress
 * by): kept loaded too, nothing leaks, and the fast unwinder is enough
 * (about 100x the executions of the slow one). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static hwloc_topology_t plugins_loaded;
    struct sigaction sa = {.sa_sigaction = on_fault,
                           .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER};

    (void)argc;
    (void)argv;
    dlopen("libxml2.so.2", RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
    if (hwloc_topology_init(&plugins_loaded) < 0 || atexit(counts) != 0)
        abort();
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        if (sigaction(fatal[i], &sa, &before[i]) < 0)
            abort();
    return 0;
}

static void plan_on(hpcl_topo *topo, uint8_t shape)
{
    hpcl_plan *plan = NULL;
    char *out = NULL;

    if (hpcl_plan_create(&plan, topo) == HPCL_OK &&
        hpcl_plan_set_ntasks(plan, (shape & 7) + 1) == HPCL_OK &&
        hpcl_plan_set_threads_per_task(plan, ((shape >> 3) & 3) + 1) ==
            HPCL_OK &&
        hpcl_plan_set_gpus_per_task(plan, shape >> 5) == HPCL_OK &&
        hpcl_plan_compute(plan) == HPCL_OK) {
        if (hpcl_plan_to_json(&out, plan, 0) == HPCL_OK)
            free(out);
        out = NULL;
        if (hpcl_plan_to_table(&out, plan, 0) == HPCL_OK)
            free(out);
    }
    hpcl_plan_destroy(plan);
}

/* The input through hpcl_topo_load_xml(), the child's try included. */
static hpcl_rc load_as_users_do(hpcl_ctx *ctx, const uint8_t *data,
                                size_t size)
{
    hpcl_topo *topo = NULL;
    char path[64];
    hpcl_rc rc;
    int fd = fuzz_file(path, sizeof path, data, size);

    if (fd < 0)
        abort();
    rc = hpcl_topo_load_xml(&topo, ctx, path, 0);
    hpcl_topo_destroy(topo);
    close(fd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long runs;
    static hpcl_topo *volatile topo;
    hpcl_ctx *ctx;
    char *xml;
    hpcl_rc rc;

    if (size < 1)
        return 0;
    xml = fuzz_strndup(data + 1, size - 1);
    if (huge_index(xml)) {
        nskipped++;
        free(xml);
        return -1; /* not kept in the corpus */
    }
    ctx = fuzz_ctx();
    if (sigsetjmp(crashed, 1) != 0) {
        loading = 0;
        abandoned = realloc(abandoned, (nabandoned + 1) * sizeof *abandoned);
        if (abandoned == NULL)
            abort();
        abandoned[nabandoned++] = topo;
        if (load_as_users_do(ctx, data + 1, size - 1) != HPCL_E_TOPOLOGY)
            abort(); /* hwloc crashes on it, and hpclaunch took it */
        free(xml);
        hpcl_ctx_destroy(ctx);
        return 0;
    }
    topo = NULL;
    loading = 1;
    rc = hpcl__topo_load_xml_buffer((hpcl_topo **)&topo, ctx, 0, "fuzz", xml,
                                    size - 1);
    loading = 0;
    if (rc == HPCL_OK)
        plan_on(topo, data[0]);
    hpcl_topo_destroy(topo);
    if (++runs % 256 == 0) {
        nchecked++;
        if (load_as_users_do(ctx, data + 1, size - 1) != rc)
            abort(); /* the try changed the answer */
    }
    free(xml);
    hpcl_ctx_destroy(ctx);
    return 0;
}
