/* Shared by the topology and plan tests: where the XML files are. */
#ifndef HPCL_TOPO_UTIL_H
#define HPCL_TOPO_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The project's own fixtures (tests/data/topo). */
static inline const char *fixture(const char *name)
{
    static char path[4096];

    snprintf(path, sizeof path, "%s/%s", HPCL_TOPO_FIXTURES, name);
    return path;
}

/* The folder of real-machine XMLs, or NULL when it is absent (the tests
 * that need it are then skipped, with a message). */
static inline const char *shared_dir(void)
{
    const char *dir = getenv("HPCL_SHARED_TOPOLOGIES");
    struct stat st;

    if (dir == NULL || *dir == '\0')
        dir = HPCL_SHARED_TOPOLOGIES;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* Path of one shared XML, or NULL when the folder or file is absent. */
static inline const char *shared_xml(const char *name)
{
    static char path[4096];
    const char *dir = shared_dir();
    struct stat st;

    if (dir == NULL)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? path : NULL;
}

static inline int xml_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".xml") == 0;
}

/* The names of every XML in the shared folder, sorted; *n of them.  Free
 * with free_names(). */
static inline struct dirent **shared_names(int *n)
{
    struct dirent **names = NULL;
    const char *dir = shared_dir();

    *n = dir ? scandir(dir, &names, xml_filter, alphasort) : 0;
    if (*n < 0)
        *n = 0;
    return names;
}

static inline void free_names(struct dirent **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Under LeakSanitizer: hwloc's PCI plugin (libpciaccess) leaks during
 * hwloc_topology_load() of this machine, in a module hwloc unloads
 * afterwards -- nothing hpclaunch holds or can free.  The slow unwinder
 * is needed to see hwloc_topology_load() in the stacks. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:hwloc_topology_load\n";
}

/* Leave the test when a shared XML (or the folder) is absent.  It then
 * passes with a message: cmocka 1.1's skip() prints "not ok # SKIP",
 * which automake's TAP driver counts as a failure. */
#define SKIP_WITHOUT_SHARED(path)                                          \
    do {                                                                   \
        if ((path) == NULL) {                                              \
            print_message("# shared topologies not found (set "            \
                          "HPCL_SHARED_TOPOLOGIES): skipped\n");           \
            return;                                                        \
        }                                                                  \
    } while (0)

#endif
