/*
 * hwloc XML files named by users (hpclaunch plan --topology, $HWLOC_XMLFILE
 * given to hpcl_topo_load_xml): read here, not by hwloc, so that a FIFO
 * never blocks and a huge file is refused by its size; then tried in a
 * child process before this process loads it.
 *
 * Why a child: hwloc 2.9's XML importer dereferences NULL on some
 * malformed files (a 32-byte one was enough), and hwloc is the only
 * complete judge of its own format -- a validator here would have to
 * re-implement it and would still miss the next importer bug.  A crash
 * in the child is a refusal with a message; the fork costs about a
 * millisecond, paid only for XML files (never by `hpclaunch pin`, which
 * loads this machine's topology).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "topo/topo-internal.h"

/* An hwloc export of a 4-socket, 8-GPU node is about 1 MB. */
#define XML_MAX (64u << 20)

/* Child exit statuses. */
enum { TRY_LOADED = 0, TRY_REFUSED = 3 };

hpcl_rc hpcl__topo_xml_read(hpcl_ctx *ctx, const char *path, char **buf,
                            size_t *len)
{
    int r = hpcl__read_regular(path, XML_MAX, buf, len);

    if (r == -2)
        return hpcl__fail(ctx, HPCL_E_TOPOLOGY, "cannot read hwloc XML %s: "
                          "not a regular file", path);
    if (r < 0 && errno == EFBIG)
        return hpcl__fail(ctx, HPCL_E_TOPOLOGY, "cannot read hwloc XML %s: "
                          "larger than %u MiB, which no node's topology is",
                          path, XML_MAX >> 20);
    if (r < 0)
        return hpcl__fail(ctx, HPCL_E_TOPOLOGY, "cannot read hwloc XML %s: "
                          "%s", path, strerror(errno));
    return HPCL_OK;
}

/* In the child: load as hpcl_topo_load_xml() will, and say how it went. */
static void try_load(const char *buf, size_t len)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    struct rlimit no_core = {0, 0};
    hwloc_topology_t hw;

    /* A crash here is expected sometimes: no core file for it, and none
     * of the caller's handlers (a test framework's, a crash reporter's,
     * a sanitizer's), which would run the caller's code in this copy of
     * it: the default action, so that the parent sees the signal. */
    setrlimit(RLIMIT_CORE, &no_core);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], SIG_DFL);
    if (hwloc_topology_init(&hw) < 0)
        _exit(TRY_REFUSED);
    hwloc_topology_set_io_types_filter(hw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    if (hwloc_topology_set_xmlbuffer(hw, buf, (int)len + 1) < 0 ||
        hwloc_topology_load(hw) < 0)
        _exit(TRY_REFUSED);
    hwloc_topology_destroy(hw);
    _exit(TRY_LOADED);
}

hpcl_rc hpcl__topo_xml_try(hpcl_ctx *ctx, const char *path, const char *buf,
                           size_t len)
{
    pid_t pid;
    int st;

    if (len >= XML_MAX)
        return hpcl__fail(ctx, HPCL_E_TOPOLOGY, "hwloc XML %s is too large",
                          path);
    if ((pid = fork()) < 0)
        return hpcl__fail(ctx, HPCL_E_TOPOLOGY, "cannot check hwloc XML %s "
                          "before loading it: fork: %s", path,
                          strerror(errno));
    if (pid == 0)
        try_load(buf, len);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return HPCL_OK; /* SIGCHLD ignored by the caller: unchecked */
    if (WIFEXITED(st) &&
        (WEXITSTATUS(st) == TRY_LOADED || WEXITSTATUS(st) == TRY_REFUSED))
        return HPCL_OK; /* hwloc's own refusal is reported by the load */
    if (WIFSIGNALED(st))
        return hpcl__fail(ctx, HPCL_E_TOPOLOGY, "hwloc XML %s is malformed: "
                          "hwloc's importer crashed on it (%s); export the "
                          "topology again (lstopo --of xml FILE)", path,
                          strsignal(WTERMSIG(st)));
    /* A sanitizer reports a crash by an exit status of its own. */
    return hpcl__fail(ctx, HPCL_E_TOPOLOGY, "hwloc XML %s is malformed: "
                      "hwloc's importer failed on it (exit status %d); "
                      "export the topology again (lstopo --of xml FILE)",
                      path, WEXITSTATUS(st));
}
