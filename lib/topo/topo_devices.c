/*
 * GPUs and NICs of a topology, found from hwloc's PCI and OS devices.
 *
 * A GPU is a PCI device, however many OS devices name it: an H100 shows
 * as cuda0 + nvml0 + opencl0d0.  Only a device split into partitions that
 * each have an OS device of their own (an MI300A in CPX mode: rsmi0 to
 * rsmi5 under one PCI function) gives one GPU per partition.  A display,
 * 3D or processing-accelerator PCI device from NVIDIA, AMD or Intel is a
 * GPU even with no compute OS device (old XMLs, no driver plugin); other
 * vendors' graphics chips (ASPEED, Matrox BMCs) are not.
 *
 * A NIC is a PCI device with an OpenFabrics OS device (mlx5_0, hfi1_0,
 * EFA's rdmap*) or a high-speed network interface (ib*, hsi*).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/topo-internal.h"

/* hwloc 3.0 turns osdev.type into a bitmask of types: test it here only. */
static int osdev_is(hwloc_obj_t obj, hwloc_obj_osdev_type_t type)
{
#if HWLOC_API_VERSION >= 0x00030000
    return (obj->attr->osdev.types & type) != 0;
#else
    return obj->attr->osdev.type == type;
#endif
}

/* Compute APIs that name GPUs, in the order their names are preferred. */
enum family { FAM_NVML, FAM_RSMI, FAM_ZE, FAM_CUDA, FAM_OPENCL, NFAM };

static const char *const fam_prefix[NFAM] = {"nvml", "rsmi", "ze", "cuda",
                                             "opencl"};
static const char *const fam_subtype[NFAM] = {"NVML", "RSMI", "LevelZero",
                                              "CUDA", "OpenCL"};

/* Which API an OS device comes from; NFAM for DRM, displays and others.
 * Old XMLs have no subtype, so the name is tried too ("nvml0"). */
static int osdev_family(hwloc_obj_t o)
{
    if (o->type != HWLOC_OBJ_OS_DEVICE || o->name == NULL ||
        !(osdev_is(o, HWLOC_OBJ_OSDEV_GPU) ||
          osdev_is(o, HWLOC_OBJ_OSDEV_COPROC)))
        return NFAM;
    for (int f = 0; f < NFAM; f++) {
        size_t n = strlen(fam_prefix[f]);

        if (o->subtype != NULL && strcmp(o->subtype, fam_subtype[f]) == 0)
            return f;
        if (strncmp(o->name, fam_prefix[f], n) == 0 && o->name[n] >= '0' &&
            o->name[n] <= '9')
            return f;
    }
    return NFAM;
}

static enum hpcl__vendor vendor_of_pci(unsigned vendor_id)
{
    switch (vendor_id) {
    case 0x10de:
        return HPCL__VENDOR_NVIDIA;
    case 0x1002:
        return HPCL__VENDOR_AMD;
    case 0x8086:
        return HPCL__VENDOR_INTEL;
    default:
        return HPCL__VENDOR_UNKNOWN;
    }
}

/* Vendor told by an OS device: its API, or OpenCL's GPUVendor string. */
static enum hpcl__vendor vendor_of_osdev(hwloc_obj_t o, int fam)
{
    const char *v;

    if (fam == FAM_NVML || fam == FAM_CUDA)
        return HPCL__VENDOR_NVIDIA;
    if (fam == FAM_RSMI)
        return HPCL__VENDOR_AMD;
    if (fam == FAM_ZE)
        return HPCL__VENDOR_INTEL;
    v = hwloc_obj_get_info_by_name(o, "GPUVendor");
    if (v == NULL)
        return HPCL__VENDOR_UNKNOWN;
    if (strstr(v, "NVIDIA") != NULL)
        return HPCL__VENDOR_NVIDIA;
    if (strstr(v, "AMD") != NULL || strstr(v, "Advanced Micro") != NULL)
        return HPCL__VENDOR_AMD;
    if (strstr(v, "Intel") != NULL)
        return HPCL__VENDOR_INTEL;
    return HPCL__VENDOR_UNKNOWN;
}

const char *hpcl__vendor_name(enum hpcl__vendor vendor)
{
    switch (vendor) {
    case HPCL__VENDOR_NVIDIA:
        return "NVIDIA";
    case HPCL__VENDOR_AMD:
        return "AMD";
    case HPCL__VENDOR_INTEL:
        return "Intel";
    default:
        return "unknown";
    }
}

/* Display (0x03xx) or processing accelerator (0x1200). */
static int gpu_class(unsigned class_id)
{
    return (class_id >> 8) == 0x03 || class_id == 0x1200;
}

/* What the OS devices of one PCI device say. */
struct pci_view {
    unsigned nfam[NFAM];
    hwloc_obj_t first[NFAM];
    enum hpcl__vendor vendor;
    const char *model;
    hwloc_obj_t ofed, net;
};

static void view_pci(hwloc_obj_t pci, struct pci_view *v)
{
    memset(v, 0, sizeof *v);
    v->vendor = vendor_of_pci(pci->attr->pcidev.vendor_id);
    for (hwloc_obj_t o = pci->io_first_child; o != NULL; o = o->next_sibling) {
        int f = osdev_family(o);

        if (f < NFAM) {
            if (v->nfam[f]++ == 0)
                v->first[f] = o;
            if (v->vendor == HPCL__VENDOR_UNKNOWN)
                v->vendor = vendor_of_osdev(o, f);
            if (v->model == NULL)
                v->model = hwloc_obj_get_info_by_name(o, "GPUModel");
        } else if (o->type == HWLOC_OBJ_OS_DEVICE && o->name != NULL) {
            if (osdev_is(o, HWLOC_OBJ_OSDEV_OPENFABRICS) && v->ofed == NULL)
                v->ofed = o;
            else if (osdev_is(o, HWLOC_OBJ_OSDEV_NETWORK) && v->net == NULL &&
                     (strncmp(o->name, "ib", 2) == 0 ||
                      strncmp(o->name, "hsi", 3) == 0))
                v->net = o;
        }
    }
    if (v->model == NULL)
        v->model = hwloc_obj_get_info_by_name(pci, "PCIDevice");
    if (v->model == NULL)
        v->model = pci->name;
}

/* Append a zeroed device to *arr and return it (NULL: out of memory). */
static struct hpcl__dev *dev_append(struct hpcl__dev **arr, unsigned *n)
{
    struct hpcl__dev *grown;

    if ((*n & (*n - 1)) == 0) { /* grow at 0, 1, 2, 4, 8 ... */
        grown = realloc(*arr, (*n ? *n * 2 : 1) * sizeof **arr);
        if (grown == NULL)
            return NULL;
        *arr = grown;
    }
    memset(&(*arr)[*n], 0, sizeof **arr);
    return &(*arr)[(*n)++];
}

/* Locality of a device: the usable CPUs of its nearest non-I/O ancestor,
 * the cores they make and that ancestor's NUMA nodes. */
static hpcl_rc set_locality(hpcl_topo *topo, struct hpcl__dev *d,
                            hwloc_obj_t io)
{
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(topo->hw, io);
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hpcl_rc rc = HPCL_E_NOMEM;

    if (set == NULL)
        return rc;
    if (anc->cpuset != NULL)
        hwloc_bitmap_and(set, anc->cpuset, topo->usable);
    hpcl__topo_core_range(topo, set, &d->core_lo, &d->core_hi);
    d->domain = d->core_lo < d->core_hi
                    ? (int)topo->cores[d->core_lo].domain : -1;
    d->pkg = d->core_lo < d->core_hi ? (int)topo->cores[d->core_lo].pkg : -1;
    if (hwloc_bitmap_list_asprintf(&d->locality, set) >= 0 &&
        (anc->nodeset == NULL
             ? (d->numa = strdup("")) != NULL
             : hwloc_bitmap_list_asprintf(&d->numa, anc->nodeset) >= 0))
        rc = HPCL_OK;
    hwloc_bitmap_free(set);
    return rc;
}

static void pci_busid(char *buf, size_t len, hwloc_obj_t pci)
{
    snprintf(buf, len, "%04x:%02x:%02x.%01x",
             (unsigned)pci->attr->pcidev.domain, pci->attr->pcidev.bus,
             pci->attr->pcidev.dev, pci->attr->pcidev.func);
}

/* The number after an OS device's API prefix ("rsmi5" -> 5), or -1: also
 * for a device its subtype alone puts in the family ("mi9", subtype RSMI:
 * found by fuzz_topo_xml, read past the name's end). */
static int osdev_index(hwloc_obj_t o, int fam)
{
    size_t n = strlen(fam_prefix[fam]);
    const char *p;
    char *end;
    long v;

    if (o == NULL || strncmp(o->name, fam_prefix[fam], n) != 0 ||
        !isdigit((unsigned char)o->name[n]))
        return -1;
    p = o->name + n;
    v = strtol(p, &end, 10);
    return (*end == '\0' && v >= 0 && v < 1 << 20) ? (int)v : -1;
}

/* The next sibling of o from the same API, or NULL. */
static hwloc_obj_t next_of_family(hwloc_obj_t o, int fam)
{
    if (o == NULL)
        return NULL;
    for (o = o->next_sibling; o != NULL; o = o->next_sibling)
        if (osdev_family(o) == fam)
            return o;
    return NULL;
}

/* The API whose OS devices name the partitions (or the whole GPU). */
static int naming_family(const struct pci_view *v, unsigned *nparts)
{
    int best = NFAM;

    *nparts = 0;
    for (int f = 0; f < NFAM; f++)
        if (v->nfam[f] > *nparts) {
            *nparts = v->nfam[f];
            best = f;
        }
    return best;
}

/* Add the GPU(s) of one PCI device. */
static hpcl_rc add_gpus(hpcl_topo *topo, hwloc_obj_t pci,
                        const struct pci_view *v)
{
    unsigned nparts;
    int fam = naming_family(v, &nparts);
    hwloc_obj_t o = fam < NFAM ? v->first[fam] : NULL;

    if (fam == NFAM && !(gpu_class(pci->attr->pcidev.class_id) &&
                         v->vendor != HPCL__VENDOR_UNKNOWN))
        return HPCL_OK;
    if (nparts == 1) /* a whole device: name it by the preferred API */
        for (int f = 0; f < NFAM; f++)
            if (v->nfam[f] > 0) {
                fam = f;
                o = v->first[f];
                break;
            }
    for (unsigned k = 0; k < (nparts ? nparts : 1); k++) {
        struct hpcl__dev *d = dev_append(&topo->gpus, &topo->ngpus);

        if (d == NULL || set_locality(topo, d, pci) != HPCL_OK)
            return HPCL_E_NOMEM;
        pci_busid(d->pci, sizeof d->pci, pci);
        snprintf(d->name, sizeof d->name, "%s", o ? o->name : d->pci);
        d->vendor = v->vendor;
        d->model = v->model ? v->model : "";
        d->pcidev = pci;
        /* AMD and Intel number devices by their own API's index. */
        d->visible = -1;
        d->part = k;
        if ((fam == FAM_RSMI && d->vendor == HPCL__VENDOR_AMD) ||
            (fam == FAM_ZE && d->vendor == HPCL__VENDOR_INTEL))
            d->visible = osdev_index(o, fam);
        o = next_of_family(o, fam);
    }
    return HPCL_OK;
}

/* UCX device name "mlx5_0:1": the first active port (state 4), else 1.
 * Returns non-zero when port states are known and none is active. */
static int ucx_name(char *buf, size_t len, hwloc_obj_t ofed)
{
    unsigned port = 0;
    int known = 0;

    for (unsigned p = 1; p <= 8 && port == 0; p++) {
        char key[32];
        const char *state;

        snprintf(key, sizeof key, "Port%uState", p);
        state = hwloc_obj_get_info_by_name(ofed, key);
        known |= state != NULL;
        if (state != NULL && strcmp(state, "4") == 0)
            port = p;
    }
    snprintf(buf, len, "%s:%u", ofed->name, port ? port : 1);
    return known && port == 0;
}

static hpcl_rc add_nic(hpcl_topo *topo, hwloc_obj_t pci,
                       const struct pci_view *v)
{
    struct hpcl__dev *d;

    if (v->ofed == NULL && v->net == NULL)
        return HPCL_OK;
    if ((d = dev_append(&topo->nics, &topo->nnics)) == NULL ||
        set_locality(topo, d, pci) != HPCL_OK)
        return HPCL_E_NOMEM;
    pci_busid(d->pci, sizeof d->pci, pci);
    snprintf(d->name, sizeof d->name, "%s",
             v->ofed ? v->ofed->name : v->net->name);
    /* UCX drives Mellanox/NVIDIA HCAs; naming a device it cannot use
     * (EFA, Omni-Path) in UCX_NET_DEVICES would leave it no network. */
    if (v->ofed != NULL && strncmp(v->ofed->name, "mlx", 3) == 0)
        d->down = ucx_name(d->ucx, sizeof d->ucx, v->ofed);
    d->model = v->model ? v->model : "";
    d->visible = -1;
    d->pcidev = pci;
    return HPCL_OK;
}

/* Devices with usable local cores first, by locality, then PCI id. */
static int dev_cmp(const void *a, const void *b)
{
    const struct hpcl__dev *x = a, *y = b;
    int xn = x->core_lo == x->core_hi, yn = y->core_lo == y->core_hi;
    int c;

    if (xn != yn)
        return xn - yn;
    if (x->core_lo != y->core_lo)
        return x->core_lo < y->core_lo ? -1 : 1;
    if ((c = strcmp(x->pci, y->pci)) != 0)
        return c;
    return x->part < y->part ? -1 : x->part > y->part;
}

/* Number each vendor's GPUs in PCI bus order: CUDA_VISIBLE_DEVICES
 * follows it (with CUDA_DEVICE_ORDER=PCI_BUS_ID), and it stands in for
 * AMD and Intel GPUs whose rsmi/ze index is unknown. */
static void number_gpus(hpcl_topo *topo)
{
    for (unsigned i = 0; i < topo->ngpus; i++) {
        struct hpcl__dev *g = &topo->gpus[i];

        g->order = 0;
        for (unsigned j = 0; j < topo->ngpus; j++) {
            const struct hpcl__dev *h = &topo->gpus[j];
            int c = strcmp(h->pci, g->pci);

            if (h->vendor == g->vendor &&
                (c < 0 || (c == 0 && h->part < g->part)))
                g->order++;
        }
        if (g->vendor == HPCL__VENDOR_UNKNOWN)
            g->visible = -1;
        else if (g->vendor == HPCL__VENDOR_NVIDIA || g->visible < 0)
            g->visible = (int)g->order;
    }
}

hpcl_rc hpcl__topo_scan_devices(hpcl_topo *topo)
{
    struct pci_view v;
    hpcl_rc rc = HPCL_OK;

    for (hwloc_obj_t pci = hwloc_get_next_pcidev(topo->hw, NULL);
         pci != NULL && rc == HPCL_OK;
         pci = hwloc_get_next_pcidev(topo->hw, pci)) {
        view_pci(pci, &v);
        rc = add_gpus(topo, pci, &v);
        if (rc == HPCL_OK)
            rc = add_nic(topo, pci, &v);
    }
    if (rc != HPCL_OK)
        return hpcl__fail(topo->ctx, rc, "out of memory listing devices");
    if (topo->ngpus > 0)
        qsort(topo->gpus, topo->ngpus, sizeof *topo->gpus, dev_cmp);
    if (topo->nnics > 0)
        qsort(topo->nics, topo->nnics, sizeof *topo->nics, dev_cmp);
    number_gpus(topo);
    topo->count[HPCL_TOPO_GPU] = topo->ngpus;
    topo->count[HPCL_TOPO_NIC] = topo->nnics;
    return HPCL_OK;
}
