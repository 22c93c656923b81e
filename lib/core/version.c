/* The library's version (HPCL_VERSION_STRING, from configure). */
#include "config.h"

#include "core/core.h"

const char *hpcl_version(void)
{
    return HPCL_VERSION_STRING;
}
