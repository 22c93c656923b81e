/*
 * hpcl_topo_summary_json(): the topology as JSON, for `hpclaunch topo`
 * and for people comparing nodes.  Keys are stable; new ones may be
 * added.  Written with the library's own writer (core/json_write.h):
 * placement needs hwloc alone.
 */
#include "config.h"

#include <stdlib.h>

#include "core/json_write.h"
#include "topo/topo-internal.h"

/* [0, 4] from a bitmap of OS indexes. */
static void index_array(struct hpcl__jw *w, hwloc_const_bitmap_t set)
{
    int id;

    hpcl__jw_open(w, '[');
    if (set != NULL) {
        hwloc_bitmap_foreach_begin(id, set)
            hpcl__jw_int(w, id);
        hwloc_bitmap_foreach_end();
    }
    hpcl__jw_close(w, ']');
}

/* "0-3,8": the set in hwloc's list syntax. */
static void list_string(struct hpcl__jw *w, hwloc_const_bitmap_t set)
{
    char *s = NULL;

    if (hwloc_bitmap_list_asprintf(&s, set) < 0)
        w->b.oom = 1;
    else
        hpcl__jw_str(w, s);
    free(s);
}

/* One NUMA node: OS index, usable CPUs and cores, memory, subtype. */
static void numa_json(struct hpcl__jw *w, const hpcl_topo *topo,
                      hwloc_obj_t o, hwloc_bitmap_t tmp)
{
    unsigned lo, hi;

    hwloc_bitmap_zero(tmp);
    if (o->cpuset != NULL)
        hwloc_bitmap_and(tmp, o->cpuset, topo->usable);
    hpcl__topo_core_range(topo, tmp, &lo, &hi);
    hpcl__jw_open(w, '{');
    hpcl__jw_kint(w, "os_index", (int)o->os_index);
    hpcl__jw_key(w, "cpuset");
    list_string(w, tmp);
    hpcl__jw_kint(w, "cores", (int)(hi - lo));
    hpcl__jw_kint(w, "memory",
                  (long long)o->attr->numanode.local_memory);
    hpcl__jw_kstr(w, "subtype", o->subtype);
    hpcl__jw_close(w, '}');
}

/* The allowed NUMA nodes that have usable CPUs or none at all. */
static void numa_array(struct hpcl__jw *w, const hpcl_topo *topo)
{
    hwloc_const_nodeset_t allowed =
        hwloc_topology_get_allowed_nodeset(topo->hw);
    hwloc_bitmap_t tmp = hwloc_bitmap_alloc();

    hpcl__jw_open(w, '[');
    for (hwloc_obj_t o =
             hwloc_get_next_obj_by_type(topo->hw, HWLOC_OBJ_NUMANODE, NULL);
         o != NULL && tmp != NULL; o = o->next_cousin) {
        if (!hwloc_bitmap_isset(allowed, o->os_index))
            continue;
        if (!hwloc_bitmap_iszero(o->cpuset) &&
            !hwloc_bitmap_intersects(o->cpuset, topo->usable))
            continue;
        numa_json(w, topo, o, tmp);
    }
    hpcl__jw_close(w, ']');
    w->b.oom |= tmp == NULL;
    hwloc_bitmap_free(tmp);
}

/* The OS devices that name a GPU's PCI device (cuda0, nvml0, ...). */
static void osdev_names(struct hpcl__jw *w, const struct hpcl__dev *d)
{
    hpcl__jw_open(w, '[');
    for (hwloc_obj_t o = d->pcidev ? d->pcidev->io_first_child : NULL;
         o != NULL; o = o->next_sibling)
        if (o->type == HWLOC_OBJ_OS_DEVICE && o->name != NULL)
            hpcl__jw_str(w, o->name);
    hpcl__jw_close(w, ']');
}

/* The members GPUs and NICs share, after their own: NUMA nodes,
 * package, OS devices. */
static void dev_place(struct hpcl__jw *w, const hpcl_topo *topo,
                      const struct hpcl__dev *d)
{
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(topo->hw, d->pcidev);

    hpcl__jw_key(w, "numa");
    index_array(w, anc->nodeset);
    hpcl__jw_key(w, "package");
    if (d->pkg >= 0)
        hpcl__jw_int(w, (int)topo->pkgs[d->pkg].os_index);
    else
        hpcl__jw_null(w);
    hpcl__jw_key(w, "os_devices");
    osdev_names(w, d);
}

static void gpu_json(struct hpcl__jw *w, const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = &topo->gpus[i];

    hpcl__jw_open(w, '{');
    hpcl__jw_kint(w, "index", (int)i);
    hpcl__jw_kstr(w, "name", d->name);
    hpcl__jw_kstr(w, "pci", d->pci);
    hpcl__jw_kstr(w, "vendor", hpcl__vendor_name(d->vendor));
    hpcl__jw_kstr(w, "model", d->model);
    hpcl__jw_key(w, "visible_index"); /* null: not visible to the job */
    if (d->visible >= 0)
        hpcl__jw_int(w, d->visible);
    else
        hpcl__jw_null(w);
    hpcl__jw_kint(w, "partition", (int)d->part);
    hpcl__jw_kstr(w, "locality", d->locality);
    dev_place(w, topo, d);
    hpcl__jw_close(w, '}');
}

static void nic_json(struct hpcl__jw *w, const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = &topo->nics[i];

    hpcl__jw_open(w, '{');
    hpcl__jw_kint(w, "index", (int)i);
    hpcl__jw_kstr(w, "name", d->name);
    hpcl__jw_kstr(w, "pci", d->pci);
    hpcl__jw_kstr(w, "ucx", d->ucx[0] ? d->ucx : NULL);
    hpcl__jw_key(w, "active");
    hpcl__jw_bool(w, !d->down);
    hpcl__jw_kstr(w, "locality", d->locality);
    dev_place(w, topo, d);
    hpcl__jw_close(w, '}');
}

static void summary(struct hpcl__jw *w, const hpcl_topo *topo)
{
    const unsigned *n = topo->count;

    hpcl__jw_open(w, '{');
    hpcl__jw_kint(w, "packages", (int)n[HPCL_TOPO_PACKAGE]);
    hpcl__jw_kint(w, "numa_nodes", (int)n[HPCL_TOPO_NUMA]);
    hpcl__jw_kint(w, "l3", (int)n[HPCL_TOPO_L3]);
    hpcl__jw_kint(w, "cores", (int)n[HPCL_TOPO_CORE]);
    hpcl__jw_kint(w, "pus", (int)n[HPCL_TOPO_PU]);
    hpcl__jw_kint(w, "smt", (int)topo->max_smt);
    hpcl__jw_kint(w, "gpu_count", (int)n[HPCL_TOPO_GPU]);
    hpcl__jw_kint(w, "nic_count", (int)n[HPCL_TOPO_NIC]);
    hpcl__jw_key(w, "cpuset");
    list_string(w, topo->usable);
    hpcl__jw_key(w, "numa");
    numa_array(w, topo);
    hpcl__jw_key(w, "gpus");
    hpcl__jw_open(w, '[');
    for (unsigned i = 0; i < topo->ngpus; i++)
        gpu_json(w, topo, i);
    hpcl__jw_close(w, ']');
    hpcl__jw_key(w, "nics");
    hpcl__jw_open(w, '[');
    for (unsigned i = 0; i < topo->nnics; i++)
        nic_json(w, topo, i);
    hpcl__jw_close(w, ']');
    hpcl__jw_close(w, '}');
}

hpcl_rc hpcl_topo_summary_json(char **out, const hpcl_topo *topo,
                               unsigned flags)
{
    struct hpcl__jw w;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || topo == NULL)
        return HPCL_E_INVAL;
    if (flags != 0)
        return hpcl__fail(topo->ctx, HPCL_E_INVAL, "flags must be 0, not %#x",
                          flags);
    hpcl__jw_init(&w, 2);
    summary(&w, topo);
    if ((*out = hpcl__jw_finish(&w)) == NULL)
        return hpcl__fail(topo->ctx, HPCL_E_NOMEM,
                          "out of memory writing topology JSON");
    return HPCL_OK;
}
