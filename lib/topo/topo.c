/*
 * hpcl_topo: loading a topology (this machine, XML, synthetic, or an
 * hwloc topology the caller has), and its getters.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpclaunch/hwloc.h>

#include "topo/topo-internal.h"

/* Start a topology: check the arguments, allocate, prepare hwloc with
 * the I/O filter set (without it hwloc keeps no PCI or OS device). */
static hpcl_rc topo_start(hpcl_topo **out, hpcl_ctx *ctx, unsigned flags,
                          unsigned known, int init_hw)
{
    hpcl_topo *topo;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || ctx == NULL)
        return HPCL_E_INVAL;
    if ((flags & ~known) != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "unknown flags %#x",
                          flags & ~known);
    if ((topo = calloc(1, sizeof *topo)) == NULL ||
        (topo->usable = hwloc_bitmap_alloc()) == NULL) {
        free(topo);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    topo->ctx = ctx;
    if (init_hw) {
        if (hwloc_topology_init(&topo->hw) < 0) {
            hpcl_topo_destroy(topo);
            return hpcl__fail(ctx, HPCL_E_NOMEM, "hwloc_topology_init: %s",
                              strerror(errno));
        }
        hwloc_topology_set_io_types_filter(topo->hw,
                                           HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    }
    *out = topo;
    return HPCL_OK;
}

/* Restrict the usable PUs of this machine to its binding: this
 * process's own (bound == BOUND_SELF), or its launcher's, the same for
 * every task of the node (BOUND_LAUNCHER).  When its own binding is
 * narrower than its launcher's, remember both sizes: a plan that then
 * does not fit says why. */
enum { BOUND_NONE, BOUND_SELF, BOUND_LAUNCHER };

static hpcl_rc restrict_to_binding(hpcl_topo *topo, int bound)
{
    hwloc_bitmap_t own = hwloc_bitmap_alloc(), wide = hwloc_bitmap_alloc();
    hpcl_rc rc = HPCL_OK;

    if (own == NULL || wide == NULL)
        rc = hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
    else if (hwloc_get_cpubind(topo->hw, own, HWLOC_CPUBIND_PROCESS) == 0) {
        if (hpcl__launcher_cpus(wide) < 0)
            hwloc_bitmap_copy(wide, own);
        hwloc_bitmap_and(wide, wide, topo->usable);
        hwloc_bitmap_and(own, own, topo->usable);
        if (!hwloc_bitmap_iszero(wide) && !hwloc_bitmap_isequal(own, wide) &&
            hwloc_bitmap_isincluded(own, wide)) {
            topo->bound_pus = (unsigned)hwloc_bitmap_weight(own);
            topo->allowed_pus = (unsigned)hwloc_bitmap_weight(wide);
        }
        hwloc_bitmap_copy(topo->usable,
                          bound == BOUND_LAUNCHER && !hwloc_bitmap_iszero(wide)
                              ? wide : own);
        if (bound == BOUND_LAUNCHER)
            topo->bound_pus = topo->allowed_pus = 0;
    }
    hwloc_bitmap_free(own);
    hwloc_bitmap_free(wide);
    return rc;
}

/* Usable PUs: the allowed ones, and for this machine a binding too (a
 * binding does not shrink hwloc's topology).  The tree itself is not
 * restricted: hwloc_topology_restrict() cannot be undone and aborts on
 * some nested restrictions in hwloc 2.9.0. */
static hpcl_rc topo_finish(hpcl_topo *topo, int bound)
{
    hpcl_rc rc = HPCL_OK;

    hwloc_bitmap_and(topo->usable,
                     hwloc_topology_get_allowed_cpuset(topo->hw),
                     hwloc_topology_get_topology_cpuset(topo->hw));
    if (bound != BOUND_NONE && hwloc_topology_is_thissystem(topo->hw))
        rc = restrict_to_binding(topo, bound);
    if (rc == HPCL_OK)
        rc = hpcl__topo_scan_cpus(topo);
    if (rc == HPCL_OK)
        rc = hpcl__topo_scan_devices(topo);
    topo->node_gpus = topo->ngpus;
    return rc;
}

/* Load the prepared hwloc topology and finish; on failure free it all. */
static hpcl_rc topo_load_finish(hpcl_topo **out, hpcl_topo *topo, int bound,
                                const char *what)
{
    hpcl_rc rc;

    if (hwloc_topology_load(topo->hw) < 0)
        rc = hpcl__fail(topo->ctx, HPCL_E_TOPOLOGY, "cannot load %s: %s",
                        what, strerror(errno));
    else
        rc = topo_finish(topo, bound);
    if (rc != HPCL_OK) {
        hpcl_topo_destroy(topo);
        *out = NULL;
    }
    return rc;
}

/* A sysfs attribute holding one hexadecimal number; -1 if unreadable. */
static long sysfs_hex(const char *dir, const char *name, const char *attr)
{
    char path[512];
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s/%s", dir, name, attr);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    if (fscanf(f, "%lx", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

/* Whether a directory has an entry whose name starts with one of the
 * prefixes (NULL: any entry). */
static int has_entry(const char *dir, const char *const *prefixes)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;

    while (d != NULL && !found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        found = prefixes == NULL;
        for (int i = 0; !found && prefixes[i] != NULL; i++)
            found = strncmp(e->d_name, prefixes[i], strlen(prefixes[i])) == 0;
    }
    if (d != NULL)
        closedir(d);
    return found;
}

/* Whether a PCI device may be a GPU for topo_devices.c: any display
 * controller but a VGA one from another vendor than NVIDIA, AMD or Intel
 * (server BMCs), a processing accelerator or a co-processor. */
static int may_be_gpu(const char *dir, const char *name)
{
    long cls = sysfs_hex(dir, name, "class"), vendor;

    if (cls < 0)
        return 1;
    cls >>= 8;
    if ((cls >> 8) == 0x12 || cls == 0x0b40)
        return 1;
    if ((cls >> 8) != 0x03)
        return 0;
    vendor = sysfs_hex(dir, name, "vendor");
    return cls != 0x0300 || vendor == 0x10de || vendor == 0x1002 ||
           vendor == 0x8086 || vendor < 0;
}

/* Whether this machine may hold a GPU or a high-speed NIC as the device
 * scan defines them.  hwloc's I/O discovery reads the configuration
 * space of every PCI device, 0.3 to 1.3 ms each in a virtual machine;
 * the class, vendor and interface names read here cost microseconds.
 * When hwloc is pointed at another root or file, assume yes. */
static int may_have_devices(void)
{
    static const char *const nets[] = {"ib", "hsi", NULL};
    static const char *const pci = "/sys/bus/pci/devices";
    DIR *d;
    struct dirent *e;
    int found;

    if (getenv("HWLOC_FSROOT") || getenv("HWLOC_XMLFILE") ||
        getenv("HWLOC_SYNTHETIC") || getenv("HWLOC_COMPONENTS"))
        return 1;
    found = has_entry("/sys/class/infiniband", NULL) ||
            has_entry("/sys/class/bxi", NULL) ||
            has_entry("/sys/class/net", nets);
    if (found || (d = opendir(pci)) == NULL)
        return 1; /* no sysfs: let hwloc decide */
    while (!found && (e = readdir(d)) != NULL)
        found = e->d_name[0] != '.' && may_be_gpu(pci, e->d_name);
    closedir(d);
    return found;
}

hpcl_rc hpcl_topo_load(hpcl_topo **out, hpcl_ctx *ctx, unsigned flags)
{
    hpcl_rc rc = topo_start(out, ctx, flags, HPCL_TOPO_LAUNCHER_CPUS, 1);

    if (rc != HPCL_OK)
        return rc;
    if (!may_have_devices())
        hwloc_topology_set_io_types_filter((*out)->hw,
                                           HWLOC_TYPE_FILTER_KEEP_NONE);
#if HWLOC_API_VERSION >= 0x00020100
    /* Two hwloc components add nothing the scans use, at a cost paid by
     * every `hpclaunch pin`: GL probes X displays (dozens of failed socket
     * connects, 0.6 ms here) for display devices; after the Linux backend,
     * x86 only annotates caches ("Inclusive"), binding the thread to each
     * PU in turn to run CPUID there. */
    hwloc_topology_set_components((*out)->hw,
                                  HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
                                  "gl");
    hwloc_topology_set_components((*out)->hw,
                                  HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
                                  "x86");
#endif
    return topo_load_finish(out, *out,
                            flags & HPCL_TOPO_LAUNCHER_CPUS ? BOUND_LAUNCHER
                                                            : BOUND_SELF,
                            "this machine's topology");
}

hpcl_rc hpcl__topo_load_xml_buffer(hpcl_topo **out, hpcl_ctx *ctx,
                                   unsigned flags, const char *what,
                                   const char *buf, size_t len)
{
    hpcl_rc rc;

    if ((rc = topo_start(out, ctx, flags, 0, 1)) != HPCL_OK)
        return rc;
    if (hwloc_topology_set_xmlbuffer((*out)->hw, buf, (int)len + 1) < 0) {
        rc = hpcl__fail(ctx, HPCL_E_TOPOLOGY, "%s is not an hwloc topology "
                        "hwloc can import (%s): export one with lstopo "
                        "--of xml FILE", what, strerror(errno));
        hpcl_topo_destroy(*out);
        *out = NULL;
        return rc;
    }
    /* hwloc keeps no pointer into buf once loaded */
    return topo_load_finish(out, *out, BOUND_NONE, what);
}

hpcl_rc hpcl_topo_load_xml(hpcl_topo **out, hpcl_ctx *ctx, const char *path,
                           unsigned flags)
{
    char *buf = NULL;
    size_t len = 0;
    hpcl_rc rc;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || ctx == NULL)
        return HPCL_E_INVAL;
    if (path == NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "no XML path");
    /* Read here (a FIFO must not block, a huge file is refused), tried in
     * a child (hwloc's importer crashes on some malformed files), and
     * only then given to hwloc: lib/topo/topo_xml.c. */
    if ((rc = hpcl__topo_xml_read(ctx, path, &buf, &len)) == HPCL_OK &&
        (rc = hpcl__topo_xml_try(ctx, path, buf, len)) == HPCL_OK)
        rc = hpcl__topo_load_xml_buffer(out, ctx, flags, path, buf, len);
    free(buf);
    return rc;
}

hpcl_rc hpcl_topo_load_synthetic(hpcl_topo **out, hpcl_ctx *ctx,
                                 const char *desc, unsigned flags)
{
    hpcl_rc rc;

    if (desc == NULL) {
        if (out != NULL)
            *out = NULL;
        return ctx ? hpcl__fail(ctx, HPCL_E_INVAL, "no synthetic description")
                   : HPCL_E_INVAL;
    }
    if ((rc = topo_start(out, ctx, flags, 0, 1)) != HPCL_OK)
        return rc;
    if (hwloc_topology_set_synthetic((*out)->hw, desc) < 0) {
        rc = hpcl__fail(ctx, HPCL_E_INVAL,
                        "invalid hwloc synthetic description \"%s\"", desc);
        hpcl_topo_destroy(*out);
        *out = NULL;
        return rc;
    }
    return topo_load_finish(out, *out, BOUND_NONE, "synthetic topology");
}

hpcl_rc hpcl_topo_wrap(hpcl_topo **out, hpcl_ctx *ctx, hwloc_topology_t hw,
                       unsigned flags)
{
    hpcl_rc rc;

    if (hw == NULL) {
        if (out != NULL)
            *out = NULL;
        return ctx ? hpcl__fail(ctx, HPCL_E_INVAL, "no hwloc topology")
                   : HPCL_E_INVAL;
    }
    if ((rc = topo_start(out, ctx, flags, 0, 0)) != HPCL_OK)
        return rc;
    if (hwloc_topology_dup(&(*out)->hw, hw) < 0)
        rc = hpcl__fail(ctx, HPCL_E_TOPOLOGY,
                        "cannot duplicate the hwloc topology: %s",
                        strerror(errno));
    else
        rc = topo_finish(*out, BOUND_NONE);
    if (rc != HPCL_OK) {
        hpcl_topo_destroy(*out);
        *out = NULL;
    }
    return rc;
}

hwloc_topology_t hpcl_topo_hwloc(const hpcl_topo *topo)
{
    return topo != NULL ? topo->hw : NULL;
}

static void free_devs(struct hpcl__dev *devs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        free(devs[i].locality);
        free(devs[i].numa);
    }
    free(devs);
}

void hpcl__topo_free_scan(hpcl_topo *topo)
{
    free_devs(topo->gpus, topo->ngpus);
    free_devs(topo->nics, topo->nnics);
    for (unsigned d = 0; d < topo->ndoms; d++)
        free(topo->doms[d].name);
    free(topo->doms);
    free(topo->dom_numa);
    free(topo->pkgs);
    free(topo->pu_core);
    free(topo->cores);
    free(topo->pus);
}

void hpcl_topo_destroy(hpcl_topo *topo)
{
    if (topo == NULL)
        return;
    hpcl__topo_free_scan(topo);
    free(topo->picks);
    hwloc_bitmap_free(topo->usable);
    if (topo->hw != NULL)
        hwloc_topology_destroy(topo->hw);
    free(topo);
}

unsigned hpcl_topo_count(const hpcl_topo *topo, hpcl_topo_obj obj)
{
    if (topo == NULL || (unsigned)obj > HPCL_TOPO_NIC)
        return 0;
    return topo->count[obj];
}

static const struct hpcl__dev *gpu_at(const hpcl_topo *topo, unsigned i)
{
    return topo != NULL && i < topo->ngpus ? &topo->gpus[i] : NULL;
}

static const struct hpcl__dev *nic_at(const hpcl_topo *topo, unsigned i)
{
    return topo != NULL && i < topo->nnics ? &topo->nics[i] : NULL;
}

const char *hpcl_topo_gpu_name(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = gpu_at(topo, i);
    return d ? d->name : NULL;
}

const char *hpcl_topo_gpu_pci(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = gpu_at(topo, i);
    return d ? d->pci : NULL;
}

const char *hpcl_topo_gpu_vendor(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = gpu_at(topo, i);
    return d ? hpcl__vendor_name(d->vendor) : NULL;
}

const char *hpcl_topo_gpu_model(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = gpu_at(topo, i);
    return d ? d->model : NULL;
}

const char *hpcl_topo_gpu_locality(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = gpu_at(topo, i);
    return d ? d->locality : NULL;
}

const char *hpcl_topo_gpu_numa(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = gpu_at(topo, i);
    return d ? d->numa : NULL;
}

int hpcl_topo_gpu_visible_index(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = gpu_at(topo, i);
    return d ? d->visible : -1;
}

const char *hpcl_topo_nic_name(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = nic_at(topo, i);
    return d ? d->name : NULL;
}

const char *hpcl_topo_nic_pci(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = nic_at(topo, i);
    return d ? d->pci : NULL;
}

const char *hpcl_topo_nic_locality(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = nic_at(topo, i);
    return d ? d->locality : NULL;
}

const char *hpcl_topo_nic_numa(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = nic_at(topo, i);
    return d ? d->numa : NULL;
}

const char *hpcl_topo_nic_ucx(const hpcl_topo *topo, unsigned i)
{
    const struct hpcl__dev *d = nic_at(topo, i);
    return d ? d->ucx : NULL;
}
