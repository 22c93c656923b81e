/*
 * The libslurm backend.  lib/slurm_lib.c is the only file that includes
 * <slurm/slurm.h>: libslurm's ABI changes every release.
 */
#ifndef HPCL_SLURM_LIB_H
#define HPCL_SLURM_LIB_H

#include "hpcl-internal.h"

/* Free the backend state of a context (NULL accepted). */
void hpcl__slurm_destroy(struct hpcl__slurm *slurm);

#endif
