/* Loading inih on first use; see inih_load.h for why. */
#include "config.h"

#include <pthread.h>

#include "conf/inih_load.h"
#include "core/dl_load.h"

/* inih.h's declaration must match the pointer it is called through. */
#if defined(__GNUC__)
_Static_assert(__builtin_types_compatible_p(__typeof__(&ini_parse_stream),
                                            hpcl__ini_parse_stream_fn),
               "ini_parse_stream is declared as in ini.h");
#endif

struct inih_api {
    hpcl__ini_parse_stream_fn parse_stream;
};

static const struct hpcl__dl_sym g_syms[] = {
    {"ini_parse_stream", offsetof(struct inih_api, parse_stream)}};
static struct inih_api g_inih;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_loaded;
static char g_why[512];

static void load_once(void)
{
    g_loaded = hpcl__dl_load(&g_inih, HPCL_INIH_SONAME, "libinih1", g_syms,
                             1, g_why, sizeof g_why) == 0;
}

hpcl__ini_parse_stream_fn hpcl__inih_load(const char **why)
{
    pthread_once(&g_once, load_once);
    *why = g_loaded ? NULL : g_why;
    return g_loaded ? g_inih.parse_stream : NULL;
}
