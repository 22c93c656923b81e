/*
 * Private to the topology layer and the placement layer above it
 * (lib/topo/, lib/place/): the body of hpcl_topo.  Kept apart from
 * core/core.h so that only these files see hwloc types.
 *
 * At load, the hwloc tree is flattened once into arrays -- cores in
 * logical order with their PUs, NUMA domains and packages as ranges of
 * cores, GPUs and NICs with the range of cores local to them -- so that
 * placement never walks the tree (hwloc's "Nth object inside a cpuset"
 * lookups are linear, and in a loop quadratic).
 */
#ifndef HPCL_TOPO_INTERNAL_H
#define HPCL_TOPO_INTERNAL_H

#include <hwloc.h>

#include "core/core.h"

/* A core and its usable PUs (a PU-only topology gives one core per PU). */
struct hpcl__core {
    unsigned pu_first;  /* index into hpcl_topo.pus */
    unsigned npus;
    unsigned domain;    /* index into hpcl_topo.doms */
    unsigned pkg;       /* index into hpcl_topo.pkgs */
};

/* A NUMA domain: the cores that share the nearest memory.  It lists the
 * NUMA nodes attached there (DDR and MCDRAM on a Xeon Phi, say). */
struct hpcl__domain {
    unsigned core_lo, core_hi; /* [lo, hi) in hpcl_topo.cores */
    unsigned pkg;
    unsigned numa_first, nnuma; /* in hpcl_topo.dom_numa */
    char *name;                 /* NUMA OS indexes, list syntax */
};

struct hpcl__pkg {
    unsigned core_lo, core_hi;
    int os_index; /* -1: the topology has no package object */
};

enum hpcl__vendor {
    HPCL__VENDOR_UNKNOWN = 0,
    HPCL__VENDOR_NVIDIA,
    HPCL__VENDOR_AMD,
    HPCL__VENDOR_INTEL
};

/* A GPU (or GPU partition) or a NIC. */
struct hpcl__dev {
    char name[64];
    char pci[16];         /* "0000:4e:00.0" */
    char ucx[72];         /* NIC: UCX_NET_DEVICES value or "" */
    const char *model;    /* borrowed from hwloc, or "" */
    enum hpcl__vendor vendor;
    int visible;          /* GPU: index in the device variable */
    unsigned core_lo, core_hi; /* local usable cores; lo == hi: none */
    int domain;           /* domain of core_lo, -1 when none */
    int pkg;
    unsigned order;       /* GPU: rank among same-vendor GPUs by PCI id */
    unsigned part;        /* GPU: partition number within its PCI device */
    int down;             /* NIC: no port is active */
    char *locality;       /* list syntax */
    char *numa;           /* list syntax */
    hwloc_obj_t pcidev;   /* NULL for a device outside PCI */
};

struct hpcl_topo {
    hpcl_ctx *ctx;
    hwloc_topology_t hw;
    hwloc_bitmap_t usable;     /* allowed PUs (and bound, for this host) */
    struct hpcl__core *cores;
    unsigned ncores;
    unsigned *pus;             /* PU OS indexes, core by core */
    unsigned npus;
    unsigned max_smt;          /* most usable PUs in a core */
    int *pu_core;              /* PU OS index -> core index, -1: none */
    unsigned pu_core_len;
    struct hpcl__domain *doms;
    unsigned ndoms;
    unsigned *dom_numa;        /* NUMA OS indexes of all domains */
    unsigned dom_numa_cap;
    struct hpcl__pkg *pkgs;    /* at least one */
    unsigned npkgs;
    unsigned count[HPCL_TOPO_NIC + 1]; /* what hpcl_topo_count returns */
    struct hpcl__dev *gpus;
    unsigned ngpus;
    struct hpcl__dev *nics;
    unsigned nnics;
    /* The allocation (hpcl_topo_restrict): the GPUs kept, re-applied by
     * every later restriction; NULL when all are kept. */
    struct hpcl__gpu_pick *picks;
    unsigned npicks;
    unsigned node_gpus;        /* GPUs of the node before restriction */
    /* Why the GPUs were dropped (hpcl_topo_restrict_from_env: srun gave
     * each task only its own), for the plan's note; "" when not. */
    char gpu_why[192];
    /* This process's own binding made the usable set smaller than what
     * its launcher may use: what a failed plan's message must say. */
    unsigned bound_pus, allowed_pus; /* 0 when not narrowed */
};

/* One GPU of an allocation: its PCI bus id and the index the task sees
 * it by (-1: renumber from 0 among the allocation, as with Slurm's
 * ConstrainDevices). */
struct hpcl__gpu_pick {
    char pci[16];
    int visible;
};

/* topo_scan.c: fill cores, domains, packages and CPU counts. */
hpcl_rc hpcl__topo_scan_cpus(hpcl_topo *topo);

/* topo_devices.c: fill GPUs and NICs (after the CPU scan). */
hpcl_rc hpcl__topo_scan_devices(hpcl_topo *topo);

/* topo_xml.c: the hwloc XML file at path, read (bounded; a FIFO or a
 * device refused, never waited on) into *buf (malloc'd, NUL-terminated,
 * *len bytes before the NUL). */
hpcl_rc hpcl__topo_xml_read(hpcl_ctx *ctx, const char *path, char **buf,
                            size_t *len);

/* topo_xml.c: load buf in a child process first: HPCL_E_TOPOLOGY when
 * hwloc's importer crashes on it (hwloc 2.9 does on some malformed
 * files), HPCL_OK otherwise (hwloc's own refusals come from the load). */
hpcl_rc hpcl__topo_xml_try(hpcl_ctx *ctx, const char *path, const char *buf,
                           size_t len);

/* topo.c: hpcl_topo_load_xml() once the file is read and tried: buf
 * given to hwloc and scanned, what naming it in messages.  Called alone
 * by the fuzz harness (tests/fuzz/fuzz_topo_xml.c), which catches
 * hwloc's crashes in-process and checks that the try refuses each. */
hpcl_rc hpcl__topo_load_xml_buffer(hpcl_topo **out, hpcl_ctx *ctx,
                                   unsigned flags, const char *what,
                                   const char *buf, size_t len);

/* topo.c: free what the scans filled (not the hwloc topology). */
void hpcl__topo_free_scan(hpcl_topo *topo);

/* topo_launcher.c: this process's launcher's CPU set into set (see
 * HPCL_TOPO_LAUNCHER_CPUS); -1 when /proc cannot tell. */
int hpcl__launcher_cpus(hwloc_bitmap_t set);

/* Locality of an object as a range of usable cores [*lo, *hi). */
void hpcl__topo_core_range(const hpcl_topo *topo, hwloc_const_cpuset_t set,
                           unsigned *lo, unsigned *hi);

/* Static name of a vendor ("NVIDIA", ..., "unknown"). */
const char *hpcl__vendor_name(enum hpcl__vendor vendor);

#endif
