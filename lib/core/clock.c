/* One clock for the library: monotonic seconds, for timeouts and for
 * how long a probe took (never the wall clock, which may jump). */
#include "config.h"

#include <time.h>

#include "core/core.h"

double hpcl__now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
