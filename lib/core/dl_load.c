/* Loading a library on first use; see dl_load.h for why. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#include "dl_load.h"

int hpcl__dl_load(void *table, const char *soname, const char *package,
                  const struct hpcl__dl_sym *syms, size_t n, char *why,
                  size_t why_len)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        snprintf(why, why_len, "cannot load %s (install the Debian package "
                 "%s): %s", soname, package, dlerror());
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        void *sym = dlsym(lib, syms[i].name);

        if (sym == NULL) {
            snprintf(why, why_len, "%s has no %s: too old?", soname,
                     syms[i].name);
            return -1; /* loaded but unusable: harmless, and rare */
        }
        /* POSIX guarantees that a function pointer survives this copy. */
        *(void **)(void *)((char *)table + syms[i].offset) = sym;
    }
    return 0;
}
