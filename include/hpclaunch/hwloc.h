/*
 * Optional hwloc interoperability.  This is the only hpclaunch header
 * that includes <hwloc.h>; include it only when the program uses hwloc
 * itself (and add hwloc's compiler flags).
 */
#ifndef HPCLAUNCH_HWLOC_H
#define HPCLAUNCH_HWLOC_H

#include <hwloc.h>
#include <hpclaunch/common.h>
#include <hpclaunch/ctx.h>
#include <hpclaunch/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A topology built from an hwloc topology the caller loaded.  hw is
 * duplicated: the caller keeps it and may destroy it at once.  Its
 * allowed cpuset is honoured; GPUs and NICs are found only if hw was
 * loaded with its I/O filter set.  flags must be 0. */
HPCL_API hpcl_rc hpcl_topo_wrap(hpcl_topo **out, hpcl_ctx *ctx,
                                hwloc_topology_t hw, unsigned flags);

/* The hwloc topology inside topo (borrowed: do not modify or destroy). */
HPCL_API hwloc_topology_t hpcl_topo_hwloc(const hpcl_topo *topo);

#ifdef __cplusplus
}
#endif

#endif
