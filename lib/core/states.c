/* Job states: their names, and which ones are an end.  Shared by the
 * drivers (which report states) and the job layer (which follows them). */
#include "config.h"

#include "core/core.h"

const char *hpcl_state_name(hpcl_state state)
{
    switch (state) {
    case HPCL_STATE_UNKNOWN:
        return "UNKNOWN";
    case HPCL_STATE_PENDING:
        return "PENDING";
    case HPCL_STATE_RUNNING:
        return "RUNNING";
    case HPCL_STATE_COMPLETED:
        return "COMPLETED";
    case HPCL_STATE_FAILED:
        return "FAILED";
    case HPCL_STATE_CANCELLED:
        return "CANCELLED";
    case HPCL_STATE_TIMEOUT:
        return "TIMEOUT";
    }
    return "INVALID";
}

int hpcl_state_is_terminal(hpcl_state state)
{
    return state == HPCL_STATE_COMPLETED || state == HPCL_STATE_FAILED ||
           state == HPCL_STATE_CANCELLED || state == HPCL_STATE_TIMEOUT;
}
