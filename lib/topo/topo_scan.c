/*
 * Flatten the CPU side of an hwloc tree: cores with their usable PUs,
 * NUMA domains and packages as ranges of cores, and the counts.
 *
 * One pass over the PUs in logical (depth-first) order: the cores of any
 * subtree -- a package, the object holding a NUMA node, an L3 -- are then
 * consecutive, so each is a range [lo, hi) of the core array.
 */
#include "config.h"

#include <stdlib.h>

#include "topo/topo-internal.h"

/* The nearest ancestor of obj that has NUMA nodes attached. */
static hwloc_obj_t memory_ancestor(hwloc_obj_t obj)
{
    while (obj->parent != NULL && obj->memory_arity == 0)
        obj = obj->parent;
    return obj;
}

/* Add the OS indexes of the NUMA nodes below obj's memory children
 * (through memory-side caches) to set. */
static void collect_numa(hwloc_obj_t obj, hwloc_bitmap_t set)
{
    for (hwloc_obj_t m = obj->memory_first_child; m != NULL;
         m = m->next_sibling) {
        if (m->type == HWLOC_OBJ_NUMANODE)
            hwloc_bitmap_set(set, m->os_index);
        else
            collect_numa(m, set);
    }
}

static int list_asprintf(char **out, hwloc_const_bitmap_t set)
{
    return hwloc_bitmap_list_asprintf(out, set) < 0 ? -1 : 0;
}

/* Start domain topo->ndoms for the NUMA nodes attached to mem. */
static hpcl_rc new_domain(hpcl_topo *topo, hwloc_obj_t mem, unsigned core,
                          unsigned pkg, hwloc_bitmap_t tmp)
{
    struct hpcl__domain *d = &topo->doms[topo->ndoms];
    unsigned first = 0, need;
    int id;

    if (topo->ndoms > 0)
        first = d[-1].numa_first + d[-1].nnuma;
    hwloc_bitmap_zero(tmp);
    collect_numa(mem, tmp);
    need = first + (unsigned)hwloc_bitmap_weight(tmp);
    if (need > topo->dom_numa_cap) {
        unsigned cap = need * 2;
        unsigned *grown = realloc(topo->dom_numa, cap * sizeof *grown);

        if (grown == NULL)
            return HPCL_E_NOMEM;
        topo->dom_numa = grown;
        topo->dom_numa_cap = cap;
    }
    d->core_lo = d->core_hi = core;
    d->pkg = pkg;
    d->numa_first = first;
    d->nnuma = 0;
    hwloc_bitmap_foreach_begin(id, tmp)
        topo->dom_numa[first + d->nnuma++] = (unsigned)id;
    hwloc_bitmap_foreach_end();
    if (list_asprintf(&d->name, tmp) < 0)
        return HPCL_E_NOMEM;
    topo->ndoms++;
    return HPCL_OK;
}

static hpcl_rc alloc_arrays(hpcl_topo *topo, unsigned maxpus)
{
    int last = hwloc_bitmap_last(hwloc_topology_get_topology_cpuset(topo->hw));

    topo->pu_core_len = last < 0 ? 0 : (unsigned)last + 1;
    topo->pus = calloc(maxpus + 1, sizeof *topo->pus);
    topo->cores = calloc(maxpus + 1, sizeof *topo->cores);
    topo->pkgs = calloc(maxpus + 1, sizeof *topo->pkgs);
    topo->doms = calloc(maxpus + 1, sizeof *topo->doms);
    topo->pu_core = malloc((topo->pu_core_len + 1) * sizeof *topo->pu_core);
    if (!topo->pus || !topo->cores || !topo->pkgs || !topo->doms ||
        !topo->pu_core)
        return HPCL_E_NOMEM;
    for (unsigned i = 0; i < topo->pu_core_len; i++)
        topo->pu_core[i] = -1;
    return HPCL_OK;
}

/* The hwloc objects the previous PU belonged to. */
struct scan_state {
    hwloc_obj_t core, mem, pkg, l3;
    hwloc_bitmap_t tmp;
};

/* Open a new core for PU obj, with a new package or domain if it
 * starts one. */
static hpcl_rc open_core(hpcl_topo *topo, struct scan_state *st,
                         hwloc_obj_t core)
{
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo->hw,
                                                     HWLOC_OBJ_PACKAGE, core);
    hwloc_obj_t l3 = hwloc_get_ancestor_obj_by_type(topo->hw,
                                                    HWLOC_OBJ_L3CACHE, core);
    hwloc_obj_t mem = memory_ancestor(core);
    unsigned c = topo->ncores;
    hpcl_rc rc;

    if (c == 0 || pkg != st->pkg) {
        topo->pkgs[topo->npkgs].core_lo = c;
        topo->pkgs[topo->npkgs].os_index = pkg ? (int)pkg->os_index : -1;
        topo->npkgs++;
        if (pkg != NULL)
            topo->count[HPCL_TOPO_PACKAGE]++;
    }
    if (c == 0 || mem != st->mem || pkg != st->pkg) {
        rc = new_domain(topo, mem, c, topo->npkgs - 1, st->tmp);
        if (rc != HPCL_OK)
            return rc;
    }
    if (l3 != NULL && l3 != st->l3)
        topo->count[HPCL_TOPO_L3]++;
    st->core = core;
    st->mem = mem;
    st->pkg = pkg;
    st->l3 = l3;
    topo->cores[c].pu_first = topo->npus;
    topo->cores[c].domain = topo->ndoms - 1;
    topo->cores[c].pkg = topo->npkgs - 1;
    topo->ncores++;
    return HPCL_OK;
}

/* A NUMA node counts when it is allowed and either has no CPU or has a
 * usable one. */
static unsigned count_numa(const hpcl_topo *topo)
{
    hwloc_const_nodeset_t allowed =
        hwloc_topology_get_allowed_nodeset(topo->hw);
    unsigned n = 0;

    for (hwloc_obj_t o =
             hwloc_get_next_obj_by_type(topo->hw, HWLOC_OBJ_NUMANODE, NULL);
         o != NULL; o = o->next_cousin) {
        if (!hwloc_bitmap_isset(allowed, o->os_index))
            continue;
        if (hwloc_bitmap_iszero(o->cpuset) ||
            hwloc_bitmap_intersects(o->cpuset, topo->usable))
            n++;
    }
    return n;
}

/* Close the ranges of the last package and domains. */
static void close_ranges(hpcl_topo *topo)
{
    for (unsigned p = 0; p < topo->npkgs; p++)
        topo->pkgs[p].core_hi =
            p + 1 < topo->npkgs ? topo->pkgs[p + 1].core_lo : topo->ncores;
    for (unsigned d = 0; d < topo->ndoms; d++)
        topo->doms[d].core_hi =
            d + 1 < topo->ndoms ? topo->doms[d + 1].core_lo : topo->ncores;
    for (unsigned c = 0; c < topo->ncores; c++)
        if (topo->cores[c].npus > topo->max_smt)
            topo->max_smt = topo->cores[c].npus;
}

hpcl_rc hpcl__topo_scan_cpus(hpcl_topo *topo)
{
    int n = hwloc_get_nbobjs_by_type(topo->hw, HWLOC_OBJ_PU);
    struct scan_state st = {NULL, NULL, NULL, NULL, hwloc_bitmap_alloc()};
    hpcl_rc rc = st.tmp ? alloc_arrays(topo, n > 0 ? (unsigned)n : 0)
                        : HPCL_E_NOMEM;

    for (hwloc_obj_t pu = hwloc_get_next_obj_by_type(topo->hw, HWLOC_OBJ_PU,
                                                     NULL);
         pu != NULL && rc == HPCL_OK; pu = pu->next_cousin) {
        hwloc_obj_t core;

        if (!hwloc_bitmap_isset(topo->usable, pu->os_index) ||
            pu->os_index >= topo->pu_core_len)
            continue;
        core = hwloc_get_ancestor_obj_by_type(topo->hw, HWLOC_OBJ_CORE, pu);
        if (core == NULL)
            core = pu;
        if (topo->ncores == 0 || core != st.core)
            rc = open_core(topo, &st, core);
        if (rc != HPCL_OK)
            break;
        topo->pu_core[pu->os_index] = (int)topo->ncores - 1;
        topo->cores[topo->ncores - 1].npus++;
        topo->pus[topo->npus++] = pu->os_index;
    }
    hwloc_bitmap_free(st.tmp);
    if (rc != HPCL_OK)
        return hpcl__fail(topo->ctx, rc, "out of memory reading topology");
    if (topo->ncores == 0)
        return hpcl__fail(topo->ctx, HPCL_E_TOPOLOGY,
                          "the topology has no usable PU");
    close_ranges(topo);
    topo->count[HPCL_TOPO_CORE] = topo->ncores;
    topo->count[HPCL_TOPO_PU] = topo->npus;
    topo->count[HPCL_TOPO_NUMA] = count_numa(topo);
    return HPCL_OK;
}

void hpcl__topo_core_range(const hpcl_topo *topo, hwloc_const_cpuset_t set,
                           unsigned *lo, unsigned *hi)
{
    unsigned l = topo->ncores, h = 0;
    int id;

    hwloc_bitmap_foreach_begin(id, set)
        if ((unsigned)id >= topo->pu_core_len)
            break;
        if (topo->pu_core[id] >= 0) {
            unsigned c = (unsigned)topo->pu_core[id];
            l = c < l ? c : l;
            h = c + 1 > h ? c + 1 : h;
        }
    hwloc_bitmap_foreach_end();
    *lo = l < h ? l : 0;
    *hi = l < h ? h : 0;
}
