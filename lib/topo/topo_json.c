/*
 * hpcl_topo_summary_json(): the topology as JSON, for `hpclaunch topo`
 * and for people comparing nodes.  Keys are stable; new ones may be
 * added.
 */
#include "config.h"

#include <stdlib.h>

#include <jansson.h>

#include "topo/topo-internal.h"

/* [0, 4] from a bitmap of OS indexes. */
static json_t *index_array(hwloc_const_bitmap_t set)
{
    json_t *a = json_array();
    int id;

    if (a == NULL || set == NULL)
        return a;
    hwloc_bitmap_foreach_begin(id, set)
        json_array_append_new(a, json_integer(id));
    hwloc_bitmap_foreach_end();
    return a;
}

static json_t *list_string(hwloc_const_bitmap_t set)
{
    char *s = NULL;
    json_t *j;

    if (hwloc_bitmap_list_asprintf(&s, set) < 0)
        return NULL;
    j = json_string(s);
    free(s);
    return j;
}

/* One NUMA node: OS index, usable CPUs and cores, memory, subtype. */
static json_t *numa_json(const hpcl_topo *topo, hwloc_obj_t o,
                         hwloc_bitmap_t tmp)
{
    unsigned lo, hi;

    hwloc_bitmap_zero(tmp);
    if (o->cpuset != NULL)
        hwloc_bitmap_and(tmp, o->cpuset, topo->usable);
    hpcl__topo_core_range(topo, tmp, &lo, &hi);
    return json_pack("{s:i, s:o, s:i, s:I, s:s?}", "os_index",
                     (int)o->os_index, "cpuset", list_string(tmp), "cores",
                     (int)(hi - lo), "memory",
                     (json_int_t)o->attr->numanode.local_memory, "subtype",
                     o->subtype);
}

static json_t *numa_array(const hpcl_topo *topo)
{
    hwloc_const_nodeset_t allowed =
        hwloc_topology_get_allowed_nodeset(topo->hw);
    hwloc_bitmap_t tmp = hwloc_bitmap_alloc();
    json_t *a = json_array();

    for (hwloc_obj_t o =
             hwloc_get_next_obj_by_type(topo->hw, HWLOC_OBJ_NUMANODE, NULL);
         o != NULL && a != NULL && tmp != NULL; o = o->next_cousin) {
        if (!hwloc_bitmap_isset(allowed, o->os_index))
            continue;
        if (!hwloc_bitmap_iszero(o->cpuset) &&
            !hwloc_bitmap_intersects(o->cpuset, topo->usable))
            continue;
        json_array_append_new(a, numa_json(topo, o, tmp));
    }
    hwloc_bitmap_free(tmp);
    return a;
}

/* The OS devices that name a GPU's PCI device (cuda0, nvml0, ...). */
static json_t *osdev_names(const struct hpcl__dev *d)
{
    json_t *a = json_array();

    if (a == NULL || d->pcidev == NULL)
        return a;
    for (hwloc_obj_t o = d->pcidev->io_first_child; o != NULL;
         o = o->next_sibling)
        if (o->type == HWLOC_OBJ_OS_DEVICE && o->name != NULL)
            json_array_append_new(a, json_string(o->name));
    return a;
}

static json_t *numa_of(const hpcl_topo *topo, const struct hpcl__dev *d)
{
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(topo->hw, d->pcidev);
    return index_array(anc->nodeset);
}

static json_t *gpu_json(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = &topo->gpus[i];
    int pkg = d->pkg >= 0 ? topo->pkgs[d->pkg].os_index : -1;

    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:o, s:o, "
                     "s:o}",
                     "index", (int)i, "name", d->name, "pci", d->pci,
                     "vendor", hpcl__vendor_name(d->vendor), "model",
                     d->model, "visible_index", d->visible, "partition",
                     (int)d->part, "locality", d->locality, "numa",
                     numa_of(topo, d), "package",
                     pkg >= 0 ? json_integer(pkg) : json_null(),
                     "os_devices", osdev_names(d));
}

static json_t *nic_json(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = &topo->nics[i];
    int pkg = d->pkg >= 0 ? topo->pkgs[d->pkg].os_index : -1;

    return json_pack("{s:i, s:s, s:s, s:o, s:b, s:s, s:o, s:o, s:o}",
                     "index", (int)i, "name", d->name, "pci", d->pci, "ucx",
                     d->ucx[0] ? json_string(d->ucx) : json_null(), "active",
                     !d->down, "locality", d->locality, "numa",
                     numa_of(topo, d), "package",
                     pkg >= 0 ? json_integer(pkg) : json_null(),
                     "os_devices", osdev_names(d));
}

static json_t *summary(const hpcl_topo *topo)
{
    json_t *gpus = json_array(), *nics = json_array();
    const unsigned *n = topo->count;

    for (unsigned i = 0; i < topo->ngpus && gpus != NULL; i++)
        json_array_append_new(gpus, gpu_json(topo, i));
    for (unsigned i = 0; i < topo->nnics && nics != NULL; i++)
        json_array_append_new(nics, nic_json(topo, i));
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o, "
                     "s:o, s:o}",
                     "packages", (int)n[HPCL_TOPO_PACKAGE], "numa_nodes",
                     (int)n[HPCL_TOPO_NUMA], "l3", (int)n[HPCL_TOPO_L3],
                     "cores", (int)n[HPCL_TOPO_CORE], "pus",
                     (int)n[HPCL_TOPO_PU], "smt", (int)topo->max_smt,
                     "gpu_count", (int)n[HPCL_TOPO_GPU], "nic_count",
                     (int)n[HPCL_TOPO_NIC], "cpuset",
                     list_string(topo->usable), "numa", numa_array(topo),
                     "gpus", gpus, "nics", nics);
}

hpcl_rc hpcl_topo_summary_json(char **out, const hpcl_topo *topo,
                               unsigned flags)
{
    json_t *j;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || topo == NULL)
        return HPCL_E_INVAL;
    if (flags != 0)
        return hpcl__fail(topo->ctx, HPCL_E_INVAL, "flags must be 0, not %#x",
                          flags);
    j = summary(topo);
    if (j != NULL)
        *out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (*out == NULL)
        return hpcl__fail(topo->ctx, HPCL_E_NOMEM,
                          "out of memory writing topology JSON");
    return HPCL_OK;
}
