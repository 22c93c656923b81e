/* Loading libcurl on first use; see curl_load.h for why. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include "backend/rest/curl_load.h"
#include "core/dl_load.h"

#define SYM(name, field) {name, offsetof(struct hpcl__curl_api, field)}
static const struct hpcl__dl_sym g_syms[] = {
    SYM("curl_global_init", global_init),
    SYM("curl_easy_init", easy_init),
    SYM("curl_easy_setopt", easy_setopt),
    SYM("curl_easy_perform", easy_perform),
    SYM("curl_easy_getinfo", easy_getinfo),
    SYM("curl_easy_cleanup", easy_cleanup),
    SYM("curl_easy_strerror", easy_strerror),
    SYM("curl_slist_append", slist_append),
    SYM("curl_slist_free_all", slist_free_all)};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
struct hpcl__curl_api hpcl__curl;
static const struct hpcl__curl_api *g_loaded;
static char g_why[512];

static void load_once(void)
{
    if (hpcl__dl_load(&hpcl__curl, HPCL_CURL_SONAME, "libcurl4", g_syms,
                      sizeof g_syms / sizeof *g_syms, g_why,
                      sizeof g_why) != 0)
        return;
    if (hpcl__curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
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
