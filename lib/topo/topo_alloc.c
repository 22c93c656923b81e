/*
 * A topology restricted to an allocation: the CPUs and GPUs a Slurm step
 * (or a caller reproducing one offline) was given.
 *
 * Restriction rescans the hwloc tree into a fresh set of arrays with the
 * smaller usable set and swaps them in only when all went well, so that
 * a failed restriction leaves the topology as it was.
 *
 * GPU indexes: a task that Slurm confines with ConstrainDevices sees only
 * its GPUs, renumbered from 0 in the node's order; without it, the
 * node's numbers.  Slurm writes the index the task must use into the
 * device variable, in the order of SLURM_STEP_GPUS, so the variable says
 * which case holds.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpclaunch/topo.h>

#include "topo/topo-internal.h"

#define MAX_LIST 1024 /* GPUs in one allocation list */

/* "0000:4e:00.0" from "4e:00.0" or "0000:4E:00.0"; -1 when malformed. */
static int normalize_pci(char out[16], const char *s, size_t len)
{
    unsigned dom = 0, bus, dev, fn;
    char buf[32], end;

    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (sscanf(buf, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &end) != 4 &&
        (dom = 0, sscanf(buf, "%x:%x.%x%c", &bus, &dev, &fn, &end) != 3))
        return -1;
    if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
        return -1;
    snprintf(out, 16, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
    return 0;
}

/* The topology's GPU bus ids, for messages ("0000:4e:00.0, ..."). */
static void gpu_list(char *buf, size_t len, const hpcl_topo *topo)
{
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < topo->ngpus && n < len; i++)
        if (i == 0 || strcmp(topo->gpus[i].pci, topo->gpus[i - 1].pci))
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
                                  topo->gpus[i].pci);
    if (topo->ngpus == 0)
        snprintf(buf, len, "none");
}

static const struct hpcl__gpu_pick *find_pick(const hpcl_topo *t,
                                              const char *pci)
{
    for (unsigned k = 0; k < t->npicks; k++)
        if (strcmp(t->picks[k].pci, pci) == 0)
            return &t->picks[k];
    return NULL;
}

/* Keep only the picked GPUs (all when there are no picks) and give each
 * the index its task sees: the pick's, or its rank among the kept GPUs
 * of its vendor in the node's order. */
static void keep_picked(hpcl_topo *t)
{
    unsigned n = 0;

    if (t->picks == NULL)
        return;
    for (unsigned i = 0; i < t->ngpus; i++) {
        if (find_pick(t, t->gpus[i].pci) != NULL) {
            t->gpus[n++] = t->gpus[i];
            continue;
        }
        free(t->gpus[i].locality);
        free(t->gpus[i].numa);
    }
    t->ngpus = n;
    /* Ranks first, from the node's indexes; then the new indexes. */
    for (unsigned i = 0; i < n; i++) {
        struct hpcl__dev *g = &t->gpus[i];

        g->order = 0;
        for (unsigned j = 0; j < n; j++) {
            const struct hpcl__dev *h = &t->gpus[j];

            g->order += h->vendor == g->vendor && h->visible >= 0 &&
                        (h->visible < g->visible ||
                         (h->visible == g->visible && h->part < g->part));
        }
    }
    for (unsigned i = 0; i < n; i++) {
        struct hpcl__dev *g = &t->gpus[i];
        const struct hpcl__gpu_pick *p = find_pick(t, g->pci);

        if (g->visible >= 0) /* else no vendor: no variable selects it */
            g->visible = p->visible >= 0 ? p->visible : (int)g->order;
    }
    t->count[HPCL_TOPO_GPU] = n;
}

/* Rescan with usable set `cpus` and the picks, swapping the result in on
 * success; picks (malloc'ed, may be NULL) are taken over either way. */
static hpcl_rc rescan(hpcl_topo *topo, hwloc_const_bitmap_t cpus,
                      struct hpcl__gpu_pick *picks, unsigned npicks)
{
    hpcl_topo tmp = {.ctx = topo->ctx, .hw = topo->hw};
    hpcl_rc rc = HPCL_OK;

    if ((tmp.usable = hwloc_bitmap_dup(cpus)) == NULL) {
        free(picks);
        return hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
    }
    tmp.picks = picks;
    tmp.npicks = npicks;
    if ((rc = hpcl__topo_scan_cpus(&tmp)) == HPCL_OK)
        rc = hpcl__topo_scan_devices(&tmp);
    if (rc != HPCL_OK) {
        hpcl__topo_free_scan(&tmp);
        hwloc_bitmap_free(tmp.usable);
        free(tmp.picks);
        return rc;
    }
    keep_picked(&tmp);
    tmp.node_gpus = topo->node_gpus;
    tmp.bound_pus = topo->bound_pus;
    tmp.allowed_pus = topo->allowed_pus;
    hpcl__topo_free_scan(topo);
    hwloc_bitmap_free(topo->usable);
    free(topo->picks);
    *topo = tmp;
    return HPCL_OK;
}

/* The usable set restricted to list; fails naming the PUs outside the
 * topology or an empty result. */
static hpcl_rc cpus_of(hpcl_topo *topo, const char *list, hwloc_bitmap_t set)
{
    hwloc_const_bitmap_t all = hwloc_topology_get_topology_cpuset(topo->hw);
    char *s = NULL, *u = NULL;
    hpcl_rc rc = HPCL_OK;

    if (hwloc_bitmap_list_sscanf(set, list) < 0 || hwloc_bitmap_iszero(set) ||
        hwloc_bitmap_weight(set) < 0)
        return hpcl__fail(topo->ctx, HPCL_E_INVAL, "CPU list \"%s\": expected "
                          "PU OS indexes such as 0-15,112-127", list);
    if (!hwloc_bitmap_isincluded(set, all)) {
        hwloc_bitmap_andnot(set, set, all);
        hwloc_bitmap_list_asprintf(&s, set);
        hwloc_bitmap_list_asprintf(&u, all);
        rc = hpcl__fail(topo->ctx, HPCL_E_INVAL, "CPUs %s of \"%s\" are not "
                        "PUs of this topology (its PUs: %s)", s ? s : "?",
                        list, u ? u : "?");
    } else if (hwloc_bitmap_and(set, set, topo->usable),
               hwloc_bitmap_iszero(set)) {
        hwloc_bitmap_list_asprintf(&u, topo->usable);
        rc = hpcl__fail(topo->ctx, HPCL_E_INVAL, "none of CPUs \"%s\" is "
                        "usable (usable: %s)", list, u ? u : "?");
    }
    free(s);
    free(u);
    return rc;
}

/* The picks for a list of PCI bus ids, each a GPU of the topology. */
static hpcl_rc picks_of(hpcl_topo *topo, const char *list,
                        struct hpcl__gpu_pick **out, unsigned *n)
{
    struct hpcl__gpu_pick *p = calloc(MAX_LIST, sizeof *p);
    char known[512];
    unsigned k = 0;

    if (p == NULL)
        return hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
    for (const char *s = list; *s != '\0' || k == 0;) {
        size_t len = strcspn(s, ", ");
        unsigned i;

        if (k == MAX_LIST || normalize_pci(p[k].pci, s, len) < 0) {
            free(p);
            return hpcl__fail(topo->ctx, HPCL_E_INVAL, "GPU list \"%s\": "
                              "expected PCI bus ids such as "
                              "0000:4e:00.0,0000:5f:00.0", list);
        }
        for (i = 0; i < topo->ngpus; i++)
            if (strcmp(topo->gpus[i].pci, p[k].pci) == 0)
                break;
        if (i == topo->ngpus) {
            gpu_list(known, sizeof known, topo);
            free(p);
            return hpcl__fail(topo->ctx, HPCL_E_NOGPU, "GPU %.*s is not "
                              "one of this topology's GPUs (%s)", (int)len,
                              s, known);
        }
        p[k++].visible = -1;
        s += len;
        s += strspn(s, ", ");
    }
    *out = p;
    *n = k;
    return HPCL_OK;
}

hpcl_rc hpcl_topo_restrict(hpcl_topo *topo, const char *cpus,
                           const char *gpus, unsigned flags)
{
    struct hpcl__gpu_pick *picks = NULL;
    unsigned npicks = 0;
    hwloc_bitmap_t set;
    hpcl_rc rc = HPCL_OK;

    if (topo == NULL)
        return HPCL_E_INVAL;
    if (flags != 0)
        return hpcl__fail(topo->ctx, HPCL_E_INVAL, "flags must be 0, not "
                          "%#x", flags);
    if ((set = hwloc_bitmap_dup(topo->usable)) == NULL)
        return hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
    if (cpus != NULL)
        rc = cpus_of(topo, cpus, set);
    if (rc == HPCL_OK && gpus != NULL)
        rc = picks_of(topo, gpus, &picks, &npicks);
    if (rc == HPCL_OK && picks == NULL && topo->picks != NULL) {
        /* Keep the earlier GPU restriction. */
        if ((picks = malloc(topo->npicks * sizeof *picks)) == NULL)
            rc = hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
        else
            memcpy(picks, topo->picks, topo->npicks * sizeof *picks);
        npicks = topo->npicks;
    }
    if (rc == HPCL_OK)
        rc = rescan(topo, set, picks, npicks);
    else
        free(picks);
    hwloc_bitmap_free(set);
    return rc;
}

/* Entries of a comma list of numbers or ranges ("0,2-3") into v[]; for
 * ZE_AFFINITY_MASK "0.1" the device part.  Returns the count, or -1 when
 * an entry is not a number (a UUID, "GPU-..." or "MIG-..."). */
static int number_list(const char *s, long *v, int max)
{
    int n = 0;

    while (*s != '\0') {
        char *end;
        long a, b;

        if (!isdigit((unsigned char)*s))
            return -1;
        a = b = strtol(s, &end, 10);
        if (*end == '-' && isdigit((unsigned char)end[1]))
            b = strtol(end + 1, &end, 10);
        if (*end == '.') /* a Level Zero sub-device */
            while (isdigit((unsigned char)*++end))
                ;
        if ((*end != ',' && *end != '\0') || b < a || b - a > max)
            return -1;
        for (long x = a; x <= b; x++) {
            if (n == max)
                return -1;
            v[n++] = x;
        }
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

/* The launcher's device variable, and the vendor it names. */
static const char *device_var(const hpcl_topo *t, const char **name,
                              enum hpcl__vendor *vendor)
{
    static const struct {
        const char *var;
        enum hpcl__vendor vendor;
    } vars[] = {{"CUDA_VISIBLE_DEVICES", HPCL__VENDOR_NVIDIA},
                {"ROCR_VISIBLE_DEVICES", HPCL__VENDOR_AMD},
                {"ZE_AFFINITY_MASK", HPCL__VENDOR_INTEL},
                {"GPU_DEVICE_ORDINAL", HPCL__VENDOR_UNKNOWN}};

    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i].var);

        if (v != NULL && *v != '\0') {
            *name = vars[i].var;
            *vendor = vars[i].vendor;
            if (*vendor == HPCL__VENDOR_UNKNOWN && t->ngpus > 0)
                *vendor = t->gpus[0].vendor;
            return v;
        }
    }
    *name = NULL;
    *vendor = t->ngpus > 0 ? t->gpus[0].vendor : HPCL__VENDOR_UNKNOWN;
    return NULL;
}

/* The GPU of a vendor whose node index is idx, or NULL. */
static const struct hpcl__dev *gpu_by_index(const hpcl_topo *t,
                                            enum hpcl__vendor vendor,
                                            long idx)
{
    for (unsigned i = 0; i < t->ngpus; i++)
        if (t->gpus[i].vendor == vendor && t->gpus[i].visible == idx)
            return &t->gpus[i];
    return NULL;
}

/* Whether v[0..n) holds x. */
static int holds(const long *v, int n, long x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* The picks from the node indexes idx[0..n) and the device variable's
 * numbers dev[0..ndev) (ndev < 0: not numbers, or no variable).  The
 * variable pairs with the list when both are as long; an entry that is
 * not one of the node indexes means ConstrainDevices renumbered them. */
static void visible_of(struct hpcl__gpu_pick *p, const long *idx, int n,
                       const long *dev, int ndev, int have_alloc)
{
    int renumbered = ndev < 0 && have_alloc;

    for (int i = 0; i < ndev && !renumbered; i++)
        renumbered = !holds(idx, n, dev[i]);
    for (int k = 0; k < n; k++)
        p[k].visible = ndev == n       ? (int)dev[k]
                       : renumbered    ? -1
                                       : (int)idx[k];
}

/* srun gave each task only its own GPUs (--gpus-per-task binds them per
 * task): SLURM_STEP_GPUS lists n of the SLURM_GPUS_ON_NODE the step has
 * here, and the others' are unknown to this task.  When the step has all
 * of the vendor's GPUs of the node, the step's set is known anyway: all.
 * Otherwise the tasks cannot agree on GPUs, so none is kept: the plan
 * places CPUs without GPU locality and hands each task the devices srun
 * gave it (hpcl_plan_set_from_env), and its note says why.  Returns 1
 * when it dealt with the case. */
static int per_task_gpus(hpcl_topo *t, enum hpcl__vendor vendor, int n,
                         const char *alloc, hpcl_rc *rc)
{
    const char *on = getenv("SLURM_GPUS_ON_NODE");
    long step = on ? strtol(on, NULL, 10) : 0;
    struct hpcl__gpu_pick *p;
    unsigned same = 0, k = 0;

    if (step <= n)
        return 0;
    for (unsigned i = 0; i < t->ngpus; i++)
        same += t->gpus[i].vendor == vendor;
    if ((p = calloc(t->ngpus + 1, sizeof *p)) == NULL) {
        *rc = hpcl__fail(t->ctx, HPCL_E_NOMEM, "out of memory");
        return 1;
    }
    for (unsigned i = 0; i < t->ngpus && step == (long)same; i++)
        if (t->gpus[i].vendor == vendor) {
            memcpy(p[k].pci, t->gpus[i].pci, sizeof p[k].pci);
            p[k++].visible = t->gpus[i].visible;
        }
    if (k > 0) {
        *rc = rescan(t, t->usable, p, k);
        return 1;
    }
    free(p);
    snprintf(t->gpu_why, sizeof t->gpu_why, "srun gave each task its own "
             "GPUs (SLURM_STEP_GPUS=%s of the step's SLURM_GPUS_ON_NODE=%ld "
             "here), so the tasks cannot plan them together", alloc, step);
    for (unsigned i = 0; i < t->ngpus; i++) {
        free(t->gpus[i].locality);
        free(t->gpus[i].numa);
    }
    t->ngpus = 0;
    t->count[HPCL_TOPO_GPU] = 0;
    *rc = HPCL_OK;
    return 1;
}

hpcl_rc hpcl_topo_restrict_from_env(hpcl_topo *topo, unsigned flags)
{
    const char *alloc_var = "SLURM_STEP_GPUS", *alloc, *dname, *dval;
    long *idx = NULL, *dev = NULL;
    struct hpcl__gpu_pick *picks = NULL;
    enum hpcl__vendor vendor;
    int n, ndev = -1;
    char known[512];
    hpcl_rc rc = HPCL_OK;

    if (topo == NULL)
        return HPCL_E_INVAL;
    if (flags != 0)
        return hpcl__fail(topo->ctx, HPCL_E_INVAL, "flags must be 0, not "
                          "%#x", flags);
    if ((alloc = getenv(alloc_var)) == NULL || *alloc == '\0')
        alloc = getenv(alloc_var = "SLURM_JOB_GPUS");
    if (alloc != NULL && *alloc == '\0')
        alloc = NULL;
    dval = device_var(topo, &dname, &vendor);
    if (topo->ngpus == 0 || (alloc == NULL && dval == NULL))
        return HPCL_OK; /* no GPU, or no allocation said */
    idx = calloc(MAX_LIST, sizeof *idx);
    dev = calloc(MAX_LIST, sizeof *dev);
    picks = calloc(MAX_LIST, sizeof *picks);
    if (idx == NULL || dev == NULL || picks == NULL) {
        rc = hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
        goto out;
    }
    if (dval != NULL)
        ndev = number_list(dval, dev, MAX_LIST);
    n = alloc ? number_list(alloc, idx, MAX_LIST) : ndev;
    if (alloc == NULL && ndev < 0)
        goto out; /* UUIDs alone cannot be matched to PCI devices */
    if (n <= 0) {
        rc = hpcl__fail(topo->ctx, HPCL_E_CONFIG, "%s=\"%s\": expected GPU "
                        "indexes such as 0,1", alloc_var, alloc);
        goto out;
    }
    if (alloc != NULL && per_task_gpus(topo, vendor, n, alloc, &rc))
        goto out;
    if (alloc == NULL)
        memcpy(idx, dev, (size_t)n * sizeof *idx);
    visible_of(picks, idx, n, dev, ndev, alloc != NULL);
    for (int k = 0; k < n; k++) {
        const struct hpcl__dev *g = gpu_by_index(topo, vendor, idx[k]);

        if (g == NULL) {
            gpu_list(known, sizeof known, topo);
            rc = hpcl__fail(topo->ctx, HPCL_E_NOGPU, "%s=\"%s\": GPU %ld is "
                            "not one of the %s GPUs hwloc shows here (%s, "
                            "numbered from 0 in PCI order); check that "
                            "gres.conf lists them in that order",
                            alloc ? alloc_var : dname, alloc ? alloc : dval,
                            idx[k], hpcl__vendor_name(vendor), known);
            goto out;
        }
        memcpy(picks[k].pci, g->pci, sizeof picks[k].pci);
    }
    rc = rescan(topo, topo->usable, picks, (unsigned)n);
    picks = NULL;
out:
    free(idx);
    free(dev);
    free(picks);
    return rc;
}
