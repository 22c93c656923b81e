/* Slurm's error numbers and what they say about a request: see
 * slurm_errno.h. */
#include "config.h"

#include "backend/slurm_errno.h"

enum hpcl__se_class hpcl__slurm_errno_class(long e)
{
    /* Every auth plugin numbers its errors from 6000. */
    if (e >= HPCL__SE_AUTH_CRED_INVALID && e < HPCL__SE_AUTH_CRED_INVALID + 100)
        return HPCL__SE_CRED;
    switch (e) {
#define HPCL__SE_CASE(name, num, cls)                                      \
    case num:                                                              \
        return cls;
        HPCL__SLURM_ERRNO_MAP(HPCL__SE_CASE)
#undef HPCL__SE_CASE
    }
    return HPCL__SE_OTHER;
}
