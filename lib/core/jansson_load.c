/* Loading jansson on first use; see jansson_load.h for why. */
#include "config.h"

#include <pthread.h>

#define HPCL__JANSSON_NO_ROUTING /* the real declarations, to check */
#include "dl_load.h"
#include "jansson_load.h"

/* The table's types must be jansson's own: checked, where the compiler
 * can compare types. */
#if defined(__GNUC__)
#define CHECK_TYPE(ret, name, params)                                        \
    _Static_assert(                                                          \
        __builtin_types_compatible_p(__typeof__(&name), ret(*) params),      \
        #name " is declared as in jansson.h");
HPCL__JANSSON_FUNCS(CHECK_TYPE)
#endif

#define SYM(ret, name, params)                                               \
    {#name, offsetof(struct hpcl__jansson_api, p_##name)},
static const struct hpcl__dl_sym g_syms[] = {HPCL__JANSSON_FUNCS(SYM)};

struct hpcl__jansson_api hpcl__jansson;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_loaded;
static char g_why[512];

static void load_once(void)
{
    g_loaded = hpcl__dl_load(&hpcl__jansson, HPCL_JANSSON_SONAME,
                             "libjansson4", g_syms,
                             sizeof g_syms / sizeof *g_syms, g_why,
                             sizeof g_why) == 0;
}

int hpcl__jansson_load(const char **why)
{
    pthread_once(&g_once, load_once);
    *why = g_loaded ? NULL : g_why;
    return g_loaded ? 0 : -1;
}
