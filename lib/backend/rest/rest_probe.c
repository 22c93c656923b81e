/*
 * The probe of a slurmrestd site.  REST has no will-run call, and
 * test_only is ignored (a real job would be created), so the start time
 * is estimated from three reads: /partitions, /nodes and /jobs.
 *
 * The rule:
 *  1. The job needs N = max(min_nodes, 1) nodes, each with
 *     ceil(tasks * cpus_per_task / N) free CPUs and gpus_per_node (or
 *     gpus_per_task * ceil(tasks / N)) free GPUs; exclusive: a node with
 *     nothing allocated.  Memory is not counted.
 *  2. A node of the partition counts when it takes work: idle, mixed or
 *     allocated, and not drained, down, failing, powered down, in
 *     maintenance or reserved.  Fewer such nodes than N even when empty:
 *     the job cannot run there (as libslurm's will-run says).
 *  3. Enough free now: start = now.
 *  4. Else running jobs (any partition) are ended one by one in order of
 *     end_time, giving their CPUs and GPUs back node by node; start = the
 *     end_time at which the job first fits.
 *  5. Pending jobs of the partition go first: start is at least the latest
 *     of their start_time (the backfill scheduler's estimate; 0 for held
 *     jobs and jobs it has not placed, which are left out).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/rest/rest.h"

struct node {
    const char *name;
    long cpus, free_cpus;
    long gpus, free_gpus;
    long threads; /* per core: allocated cores count this many CPUs */
    int usable;   /* takes work (rule 2) */
};

struct need {
    unsigned nodes;
    long cpn, gpn; /* CPUs and GPUs per node */
    int exclusive;
};

struct ending {
    time_t end;
    const json_t *job;
};

/* --- reading the replies ------------------------------------------------- */

/* GPUs in a gres string such as "gpu:4", "gpu:a100:2(IDX:0,2),nic:1":
 * commas inside parentheses do not separate entries. */
static long gres_gpus(const char *s)
{
    long total = 0;

    while (s != NULL && *s != '\0') {
        size_t len = 0;
        int depth = 0;

        for (; s[len] != '\0' && (depth > 0 || s[len] != ','); len++)
            depth += s[len] == '(' ? 1 : s[len] == ')' ? -1 : 0;
        if (strncmp(s, "gpu", 3) == 0 && (s[3] == ':' || s[3] == '(')) {
            size_t end = strcspn(s, "(");
            const char *colon = s + (end < len ? end : len);
            while (colon > s && colon[-1] != ':')
                colon--;
            total += strtol(colon, NULL, 10);
        }
        s += len + (s[len] == ',');
    }
    return total;
}

static int in_array(const json_t *arr, const char *name)
{
    size_t i;
    const json_t *v;

    json_array_foreach(arr, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
            return 1;
    }
    return 0;
}

/* Is name one of the comma-separated partitions in list? */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);

    while (list != NULL && *list != '\0') {
        size_t len = strcspn(list, ",");
        if (len == n && strncmp(list, name, n) == 0)
            return 1;
        list += len + (list[len] == ',');
    }
    return 0;
}

/* Flags that keep new work away from a node (COMPLETING only for a
 * while: counted against "idle" but not against "usable"). */
static int node_away(const json_t *node, int completing_counts)
{
    static const char *const away[] = {
        "DRAIN", "DRAINING", "DRAINED", "NOT_RESPONDING", "POWERED_DOWN",
        "POWERING_DOWN", "POWERING_UP", "POWER_DOWN", "FAIL", "MAINTENANCE",
        "RESERVED", "REBOOT_REQUESTED", "REBOOT_ISSUED", "COMPLETING"};
    size_t n = sizeof away / sizeof away[0] - (completing_counts ? 0 : 1);
    size_t i;
    const json_t *f;

    json_array_foreach(json_object_get(node, "state_flags"), i, f) {
        for (size_t k = 0; json_is_string(f) && k < n; k++)
            if (strcasecmp(json_string_value(f), away[k]) == 0)
                return 1;
    }
    return 0;
}

static int node_state_is(const json_t *node, const char *state)
{
    const char *s = hpcl__json_str(node, "state");

    return s != NULL && strcasecmp(s, state) == 0;
}

static void node_from(struct node *n, const json_t *j)
{
    n->name = hpcl__json_str(j, "name");
    n->cpus = (long)hpcl__json_int(j, "cpus", 0);
    n->free_cpus = (long)hpcl__json_int(
        j, "idle_cpus", n->cpus - hpcl__json_int(j, "alloc_cpus", 0));
    n->gpus = gres_gpus(hpcl__json_str(j, "gres"));
    n->free_gpus = n->gpus - gres_gpus(hpcl__json_str(j, "gres_used"));
    n->threads = (long)hpcl__json_int(j, "threads", 1);
    if (n->threads < 1)
        n->threads = 1;
    n->usable = (node_state_is(j, "idle") || node_state_is(j, "mixed") ||
                 node_state_is(j, "allocated")) &&
                !node_away(j, 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct node *)a)->name,
                  ((const struct node *)b)->name);
}

static int by_end(const void *a, const void *b)
{
    time_t x = ((const struct ending *)a)->end;
    time_t y = ((const struct ending *)b)->end;

    return (x > y) - (x < y);
}

/* --- the partition and its nodes ----------------------------------------- */

static const json_t *find_partition(const json_t *parts, const char *name)
{
    size_t i;
    const json_t *p;

    json_array_foreach(json_object_get(parts, "partitions"), i, p) {
        const char *pn = hpcl__json_str(p, "name");
        if (pn != NULL && (name != NULL
                               ? strcmp(pn, name) == 0
                               : in_array(json_object_get(p, "flags"),
                                          "default")))
            return p;
    }
    return NULL;
}

/* The nodes of partition part, sorted by name; *idle counts the idle
 * ones as lib/backend/slurm/slurm_lib.c does. */
static struct node *part_nodes(const json_t *nodes, const char *part,
                               size_t *count, unsigned *idle)
{
    const json_t *arr = json_object_get(nodes, "nodes"), *j;
    struct node *v = calloc(json_array_size(arr) + 1, sizeof *v);
    size_t i, n = 0;

    *idle = 0;
    if (v == NULL)
        return NULL;
    json_array_foreach(arr, i, j) {
        if (hpcl__json_str(j, "name") == NULL ||
            !in_array(json_object_get(j, "partitions"), part))
            continue;
        node_from(&v[n++], j);
        if (node_state_is(j, "idle") && !node_away(j, 1))
            (*idle)++;
    }
    qsort(v, n, sizeof *v, by_name);
    *count = n;
    return v;
}

/* --- the estimate ------------------------------------------------------- */

static struct need need_of(const struct hpcl__jobdesc *d)
{
    struct need w = {d->min_nodes > 0 ? d->min_nodes : 1, 0, 0, d->exclusive};
    unsigned long tasks = d->ntasks > 0 ? d->ntasks : w.nodes;
    unsigned long cpt = d->cpus_per_task > 0 ? d->cpus_per_task : 1;
    unsigned long tpn = (tasks + w.nodes - 1) / w.nodes;

    w.cpn = (long)((tasks * cpt + w.nodes - 1) / w.nodes);
    w.gpn = d->gpus_per_node > 0 ? (long)d->gpus_per_node
                                 : (long)(d->gpus_per_task * tpn);
    return w;
}

static int node_fits(const struct node *n, const struct need *w, int empty)
{
    long cpus = empty ? n->cpus : n->free_cpus;
    long gpus = empty ? n->gpus : n->free_gpus;

    if (w->exclusive && (cpus < n->cpus || gpus < n->gpus))
        return 0;
    return cpus >= w->cpn && gpus >= w->gpn;
}

/* How many nodes fit w now (empty: as if every job had ended); their
 * names go to list (comma-separated) when it is not NULL. */
static unsigned count_fits(const struct node *v, size_t n,
                           const struct need *w, int empty, FILE *list)
{
    unsigned k = 0;

    for (size_t i = 0; i < n && k < w->nodes; i++)
        if (v[i].usable && node_fits(&v[i], w, empty)) {
            if (list != NULL)
                fprintf(list, "%s%s", k > 0 ? "," : "", v[i].name);
            k++;
        }
    return k;
}

/* Allocated cores of one job_resources.allocated_nodes entry. */
static long alloc_cores(const json_t *an)
{
    const char *k1, *k2;
    json_t *sock, *core;
    long cores = 0;

    json_object_foreach(json_object_get(an, "sockets"), k1, sock) {
        json_object_foreach(json_object_get(sock, "cores"), k2, core) {
            const char *s = json_string_value(core);
            cores += s != NULL && strncmp(s, "allocated", 9) == 0;
        }
    }
    return cores;
}

/* Give a running job's CPUs and GPUs back to its nodes.  gres_detail[i]
 * goes with allocated_nodes[i]. */
static void release(struct node *v, size_t n, const json_t *job)
{
    const json_t *res = json_object_get(job, "job_resources");
    const json_t *gres = json_object_get(job, "gres_detail"), *an;
    size_t i;

    json_array_foreach(json_object_get(res, "allocated_nodes"), i, an) {
        struct node key = {.name = hpcl__json_str(an, "nodename")};
        struct node *x = key.name != NULL
                             ? bsearch(&key, v, n, sizeof *v, by_name)
                             : NULL;
        if (x == NULL)
            continue;
        x->free_cpus += alloc_cores(an) * x->threads;
        x->free_gpus += gres_gpus(json_string_value(json_array_get(gres, i)));
        if (x->free_cpus > x->cpus)
            x->free_cpus = x->cpus;
        if (x->free_gpus > x->gpus)
            x->free_gpus = x->gpus;
    }
}

/* Running jobs with their resources, in order of end_time. */
static struct ending *endings(const json_t *jobs, size_t *count)
{
    const json_t *arr = json_object_get(jobs, "jobs"), *j;
    struct ending *v = calloc(json_array_size(arr) + 1, sizeof *v);
    size_t i, n = 0;

    if (v == NULL)
        return NULL;
    json_array_foreach(arr, i, j) {
        if (hpcl__rest_state(hpcl__json_str(j, "job_state")) ==
                HPCL_STATE_RUNNING &&
            json_is_object(json_object_get(j, "job_resources"))) {
            v[n].end = (time_t)hpcl__json_int(j, "end_time", 0);
            v[n++].job = j;
        }
    }
    qsort(v, n, sizeof *v, by_end);
    *count = n;
    return v;
}

/* Pending jobs of partition part, and the latest of their estimates. */
static unsigned pending_in(const json_t *jobs, const char *part,
                           time_t *latest)
{
    const json_t *j;
    unsigned n = 0;
    size_t i;

    *latest = 0;
    json_array_foreach(json_object_get(jobs, "jobs"), i, j) {
        time_t t = (time_t)hpcl__json_int(j, "start_time", 0);

        if (hpcl__rest_state(hpcl__json_str(j, "job_state")) !=
                HPCL_STATE_PENDING ||
            !in_list(hpcl__json_str(j, "partition"), part))
            continue;
        n++;
        if (t > *latest)
            *latest = t;
    }
    return n;
}

/* Rules 3-5 on nodes v, which the releases change. */
static hpcl_rc start_of(hpcl_ctx *ctx, struct node *v, size_t n,
                        const struct need *w, const json_t *jobs,
                        time_t latest_pending, time_t *start)
{
    struct ending *e;
    size_t ne = 0;

    if (count_fits(v, n, w, 0, NULL) >= w->nodes)
        return HPCL_OK; /* *start is now */
    if ((e = endings(jobs, &ne)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < ne; i++) {
        release(v, n, e[i].job);
        if (e[i].end > *start)
            *start = e[i].end;
        if (count_fits(v, n, w, 0, NULL) >= w->nodes)
            break;
    }
    free(e);
    if (latest_pending > *start)
        *start = latest_pending;
    return HPCL_OK;
}

static hpcl_rc never_fits(hpcl_ctx *ctx, const char *site, const char *part,
                          const struct need *w, unsigned have, size_t n)
{
    return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: the job cannot run in "
                      "partition '%s', even empty: it needs %u node(s) with "
                      "%ld CPUs and %ld GPUs%s each, and only %u of the "
                      "partition's %zu nodes that are up and not drained "
                      "have that much", site, part, w->nodes, w->cpn, w->gpn,
                      w->exclusive ? " (whole nodes)" : "", have, n);
}

static hpcl_rc fill_nodelist(hpcl_ctx *ctx, const struct node *v, size_t n,
                             const struct need *w, struct hpcl_probe *probe)
{
    size_t len = 0;
    FILE *f = open_memstream(&probe->nodelist, &len);
    int bad;

    if (f == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    count_fits(v, n, w, 0, f);
    bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

hpcl_rc hpcl__rest_estimate(hpcl_ctx *ctx, const char *site,
                            const struct hpcl__rest_view *view,
                            const struct hpcl__jobdesc *desc,
                            const char *partition, time_t now,
                            struct hpcl_probe *probe)
{
    const json_t *p = find_partition(view->partitions, partition);
    const char *name = p != NULL ? hpcl__json_str(p, "name") : NULL;
    struct need w = need_of(desc);
    struct node *v = NULL;
    time_t latest = 0, start = now;
    size_t n = 0;
    unsigned have;
    hpcl_rc rc;

    if (name == NULL)
        return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: partition '%s' not "
                          "found", site, partition ? partition : "(default)");
    if ((probe->partition = strdup(name)) == NULL ||
        (v = part_nodes(view->nodes, name, &n, &probe->idle_nodes)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    probe->total_nodes = (unsigned)hpcl__json_int(p, "total_nodes", (long)n);
    probe->pending_jobs = pending_in(view->jobs, name, &latest);
    if ((have = count_fits(v, n, &w, 1, NULL)) < w.nodes)
        rc = never_fits(ctx, site, name, &w, have, n);
    else
        rc = start_of(ctx, v, n, &w, view->jobs, latest, &start);
    if (rc == HPCL_OK)
        rc = fill_nodelist(ctx, v, n, &w, probe);
    probe->start_time = start;
    free(v);
    return rc;
}
