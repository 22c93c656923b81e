/* Loading libcurl on first use; see curl_load.h for why. */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "backend/rest/curl_load.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
struct hpcl__curl_api hpcl__curl;
static const struct hpcl__curl_api *g_loaded;
static char g_why[512];

/* Resolve name into *slot; 0 when it is missing. */
static int resolve(void *lib, const char *name, void *slot)
{
    void *sym = dlsym(lib, name);

    if (sym == NULL) {
        snprintf(g_why, sizeof g_why, "%s has no %s", HPCL_CURL_SONAME,
                 name);
        return 0;
    }
    /* POSIX guarantees that a function pointer survives this copy. */
    *(void **)slot = sym;
    return 1;
}

static void load_once(void)
{
    CURLcode (*global_init)(long flags) = NULL;
    void *lib = dlopen(HPCL_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        snprintf(g_why, sizeof g_why, "cannot load %s (install libcurl4): "
                 "%s", HPCL_CURL_SONAME, dlerror());
        return;
    }
    if (!resolve(lib, "curl_global_init", &global_init) ||
        !resolve(lib, "curl_easy_init", &hpcl__curl.easy_init) ||
        !resolve(lib, "curl_easy_setopt", &hpcl__curl.easy_setopt) ||
        !resolve(lib, "curl_easy_perform", &hpcl__curl.easy_perform) ||
        !resolve(lib, "curl_easy_getinfo", &hpcl__curl.easy_getinfo) ||
        !resolve(lib, "curl_easy_cleanup", &hpcl__curl.easy_cleanup) ||
        !resolve(lib, "curl_easy_strerror", &hpcl__curl.easy_strerror) ||
        !resolve(lib, "curl_slist_append", &hpcl__curl.slist_append) ||
        !resolve(lib, "curl_slist_free_all", &hpcl__curl.slist_free_all))
        return; /* the library stays loaded: harmless, and rare */
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(g_why, sizeof g_why, "curl_global_init failed");
        return;
    }
    g_loaded = &hpcl__curl;
}

const struct hpcl__curl_api *hpcl__curl_load(const char **why)
{
    pthread_once(&g_once, load_once);
    *why = g_loaded != NULL ? NULL : g_why;
    return g_loaded;
}
