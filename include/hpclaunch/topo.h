/*
 * hpcl_topo: a node's hardware topology -- packages, NUMA nodes, L3
 * groups, cores, hardware threads (PUs), GPUs and high-speed NICs -- as
 * seen by this process (this machine), or read from an hwloc XML file or
 * an hwloc synthetic description.  It is the input of hpcl_plan.
 *
 * GPUs and NICs are numbered from 0 in locality order (the cores they are
 * near), then PCI bus id.  Strings returned by getters are borrowed and
 * live as long as the topology.  CPU sets are in hwloc list syntax of OS
 * indexes, for example "0-3,112-115".
 */
#ifndef HPCLAUNCH_TOPO_H
#define HPCLAUNCH_TOPO_H

#include <hpclaunch/common.h>
#include <hpclaunch/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hpcl_topo hpcl_topo;

/* What hpcl_topo_count() counts. */
typedef enum hpcl_topo_obj {
    HPCL_TOPO_PACKAGE = 0, /* processor packages (sockets) */
    HPCL_TOPO_NUMA = 1,    /* NUMA nodes, CPU-less ones included */
    HPCL_TOPO_L3 = 2,      /* L3 caches (groups of cores sharing one) */
    HPCL_TOPO_CORE = 3,    /* cores */
    HPCL_TOPO_PU = 4,      /* hardware threads */
    HPCL_TOPO_GPU = 5,     /* GPUs (one per partition of a split device) */
    HPCL_TOPO_NIC = 6      /* high-speed NICs (InfiniBand, EFA, Slingshot) */
} hpcl_topo_obj;

/* hpcl_topo_load() flag: use the CPUs this process's launcher may use
 * (the nearest ancestor process bound more widely: slurmstepd, orted,
 * prted), the same for every task of the node, rather than the binding
 * the launcher gave this task. */
#define HPCL_TOPO_LAUNCHER_CPUS 0x1u

/* The topology of this machine, restricted to the CPUs this process may
 * use: the allowed cpuset (Slurm allocation, cgroup) and the current CPU
 * binding (srun --cpu-bind, taskset), or its launcher's with
 * HPCL_TOPO_LAUNCHER_CPUS.  flags: 0 or HPCL_TOPO_LAUNCHER_CPUS.  Free
 * *out with hpcl_topo_destroy(); ctx must outlive the topology. */
HPCL_API hpcl_rc hpcl_topo_load(hpcl_topo **out, hpcl_ctx *ctx,
                                unsigned flags);

/* The topology stored in an hwloc XML file (lstopo --of xml), with its
 * PCI and OS devices.  flags must be 0. */
HPCL_API hpcl_rc hpcl_topo_load_xml(hpcl_topo **out, hpcl_ctx *ctx,
                                    const char *path, unsigned flags);

/* A topology from an hwloc synthetic description, for example
 * "pack:2 [numa] l3:4 core:8 pu:2" (no GPU, no NIC).  flags must be 0. */
HPCL_API hpcl_rc hpcl_topo_load_synthetic(hpcl_topo **out, hpcl_ctx *ctx,
                                          const char *desc, unsigned flags);

/* Free a topology.  NULL is accepted. */
HPCL_API void hpcl_topo_destroy(hpcl_topo *topo);

/* How many objects of one kind the topology holds (0 for an unknown
 * kind). */
HPCL_API unsigned hpcl_topo_count(const hpcl_topo *topo, hpcl_topo_obj obj);

/* GPU i (0 <= i < count): hwloc OS device name ("nvml2", "rsmi5"; the PCI
 * bus id for a GPU seen only as a PCI device), PCI bus id
 * ("0000:4e:00.0"), vendor ("NVIDIA", "AMD", "Intel" or "unknown"),
 * model ("" when unknown), locality (CPU set of the nearest non-I/O
 * ancestor, restricted to the usable CPUs) and NUMA nodes of that
 * locality (list of OS indexes).  NULL when i is out of range. */
HPCL_API const char *hpcl_topo_gpu_name(const hpcl_topo *topo, unsigned i);
HPCL_API const char *hpcl_topo_gpu_pci(const hpcl_topo *topo, unsigned i);
HPCL_API const char *hpcl_topo_gpu_vendor(const hpcl_topo *topo, unsigned i);
HPCL_API const char *hpcl_topo_gpu_model(const hpcl_topo *topo, unsigned i);
HPCL_API const char *hpcl_topo_gpu_locality(const hpcl_topo *topo,
                                            unsigned i);
HPCL_API const char *hpcl_topo_gpu_numa(const hpcl_topo *topo, unsigned i);

/* The number that selects GPU i in its vendor's device variable
 * (CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES, ZE_AFFINITY_MASK); -1
 * when i is out of range. */
HPCL_API int hpcl_topo_gpu_visible_index(const hpcl_topo *topo, unsigned i);

/* NIC i: name ("mlx5_0", or "hsi0" for a NIC with no OpenFabrics
 * device), PCI bus id, locality and NUMA nodes as for GPUs, and the
 * UCX_NET_DEVICES value ("mlx5_0:1"; "" for a NIC UCX does not drive:
 * EFA, Omni-Path, Slingshot).  NULL when i is out of range. */
HPCL_API const char *hpcl_topo_nic_name(const hpcl_topo *topo, unsigned i);
HPCL_API const char *hpcl_topo_nic_pci(const hpcl_topo *topo, unsigned i);
HPCL_API const char *hpcl_topo_nic_locality(const hpcl_topo *topo,
                                            unsigned i);
HPCL_API const char *hpcl_topo_nic_numa(const hpcl_topo *topo, unsigned i);
HPCL_API const char *hpcl_topo_nic_ucx(const hpcl_topo *topo, unsigned i);

/* Restrict the topology to an allocation: cpus, the PU OS indexes it
 * may use (list syntax "0-15,112-127"), and gpus, the PCI bus ids of its
 * GPUs ("0000:4e:00.0,0000:5f:00.0"); NULL keeps that part.  The GPUs
 * kept are renumbered from 0 per vendor, in the node's order, as a task
 * sees them under Slurm's ConstrainDevices.  Counts, getters and plans
 * then see the allocation only.  flags must be 0. */
HPCL_API hpcl_rc hpcl_topo_restrict(hpcl_topo *topo, const char *cpus,
                                    const char *gpus, unsigned flags);

/* Restrict the topology to the GPUs the launcher gave this step:
 * SLURM_STEP_GPUS (else SLURM_JOB_GPUS) names them by node index, and
 * the index each one has for the task comes from the device variable
 * Slurm set beside it (CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES,
 * ZE_AFFINITY_MASK, GPU_DEVICE_ORDINAL).  Without those variables, or
 * with no GPU in the topology, nothing changes.  flags must be 0. */
HPCL_API hpcl_rc hpcl_topo_restrict_from_env(hpcl_topo *topo,
                                             unsigned flags);

/* A JSON description of the topology (counts, NUMA nodes, GPUs, NICs)
 * in *out; free() it.  flags must be 0. */
HPCL_API hpcl_rc hpcl_topo_summary_json(char **out, const hpcl_topo *topo,
                                        unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
