/*
 * The probe of a slurmrestd site.  REST has no will-run call, and
 * test_only is ignored (a real job would be created), so the start time
 * is estimated from /partitions and /nodes, whose size follows the
 * cluster, not the queue, plus /diag for the count of pending jobs
 * (slurmctld's own counter, cluster-wide: what sdiag prints), in either
 * shape (v0.0.38, or v0.0.40-42: node state arrays, wrapped numbers, a
 * new job_resources layout in v0.0.41-42; SLURM-24.md 3.7).
 *
 * /jobs is read only when the job does not fit in the free resources now
 * (rules 4 and 5 need the running jobs' ends), or when /diag is not
 * served.  Every site the driver speaks serves the whole queue there:
 * v0.0.38 (22.05) has no filter but update_time, and v0.0.40-42 none by
 * partition or state (the light /jobs/state of v0.0.41+ has no end
 * times or resources), and at 20,000 held jobs slurmrestd alone takes
 * 12-19 s to write /jobs (issue 11).  A job that fits now, on a site
 * whose nodes are free, so never costs a read that grows with the queue.
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

#include <limits.h>
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

/* --- counts from the site ----------------------------------------------- */

/*
 * Every count a reply gives (CPUs, GPUs, threads, cores) is clamped to
 * 0..COUNT_MAX when read, and sums and products of counts saturate there:
 * a hostile or broken slurmrestd sending 2^63 or -2^63 must not reach
 * signed overflow (undefined) in cpus - alloc or cores * threads.  The
 * sum of two clamped counts still fits in a long, and no real node comes
 * near the clamp, so it changes no real answer.
 */
#define COUNT_MAX (LONG_MAX / 4)

static long count_of(long long v)
{
    return v < 0 ? 0 : v > COUNT_MAX ? COUNT_MAX : (long)v;
}

static long count_add(long a, long b)
{
    return count_of((long long)a + b); /* both within 0..COUNT_MAX */
}

static long count_mul(long a, long b)
{
    /* a and b are clamped counts, whose product may not fit */
    return a != 0 && b > COUNT_MAX / a ? COUNT_MAX : a * b;
}

static long json_count(const json_t *obj, const char *key, long long dflt)
{
    return count_of(hpcl__json_int(obj, key, dflt));
}

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
            /* strtoll saturates; a "gpu:-3" counts none. */
            total = count_add(total, count_of(strtoll(colon, NULL, 10)));
        }
        s += len + (s[len] == ',');
    }
    return total;
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

/* A node's base state and flags: v0.0.38 has "state" and "state_flags",
 * v0.0.4x one "state" array [BASE, FLAG...]. */
static const char *node_base(const json_t *node)
{
    const json_t *st = json_object_get(node, "state");

    return json_string_value(json_is_array(st) ? json_array_get(st, 0) : st);
}

static int node_flag(const json_t *node, const char *flag)
{
    const json_t *st = json_object_get(node, "state");
    const json_t *f = json_is_array(st) ? st
                                        : json_object_get(node, "state_flags");
    size_t i;
    const json_t *v;

    json_array_foreach(f, i, v) {
        if (i == 0 && f == st)
            continue; /* the base state */
        if (json_is_string(v) && strcasecmp(json_string_value(v), flag) == 0)
            return 1;
    }
    return 0;
}

/* Flags that keep new work away from a node (COMPLETING only for a
 * while: counted against "idle" but not against "usable").  PLANNED
 * (v0.0.4x: held for a pending job by backfill) is not one. */
static int node_away(const json_t *node, int completing_counts)
{
    static const char *const away[] = {
        "DRAIN", "DRAINING", "DRAINED", "NOT_RESPONDING", "POWERED_DOWN",
        "POWERING_DOWN", "POWERING_UP", "POWER_DOWN", "FAIL", "MAINTENANCE",
        "RESERVED", "REBOOT_REQUESTED", "REBOOT_ISSUED", "COMPLETING"};
    size_t n = sizeof away / sizeof away[0] - (completing_counts ? 0 : 1);

    for (size_t k = 0; k < n; k++)
        if (node_flag(node, away[k]))
            return 1;
    return 0;
}

static int node_state_is(const json_t *node, const char *state)
{
    const char *s = node_base(node);

    return s != NULL && strcasecmp(s, state) == 0;
}

static void node_from(struct node *n, const json_t *j)
{
    n->name = hpcl__json_str(j, "name");
    n->cpus = json_count(j, "cpus", 0);
    /* v0.0.38 idle_cpus, v0.0.4x alloc_idle_cpus; free never exceeds the
     * node (both clamped: the difference cannot overflow). */
    n->free_cpus = json_count(
        j, json_object_get(j, "alloc_idle_cpus") ? "alloc_idle_cpus"
                                                 : "idle_cpus",
        n->cpus - json_count(j, "alloc_cpus", 0));
    if (n->free_cpus > n->cpus)
        n->free_cpus = n->cpus;
    n->gpus = gres_gpus(hpcl__json_str(j, "gres"));
    n->free_gpus = count_of(n->gpus - gres_gpus(hpcl__json_str(j, "gres_used")));
    n->threads = json_count(j, "threads", 1);
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

/* Partition name, or the default one: v0.0.38 flags it; v0.0.4x does not
 * say (data_parser skips the flags), so a site with one partition has
 * that one as its default and any other needs a name.  *ambiguous is set
 * when the default cannot be known. */
static const json_t *find_partition(const json_t *parts, const char *name,
                                    int *ambiguous)
{
    const json_t *arr = json_object_get(parts, "partitions"), *p;
    size_t i;
    int flags_seen = 0;

    *ambiguous = 0;
    json_array_foreach(arr, i, p) {
        const char *pn = hpcl__json_str(p, "name");
        const json_t *flags = json_object_get(p, "flags");

        flags_seen |= json_is_array(flags);
        if (pn != NULL && (name != NULL ? strcmp(pn, name) == 0
                                        : hpcl__json_has(flags, "default")))
            return p;
    }
    if (name != NULL || flags_seen)
        return NULL;
    if (json_array_size(arr) == 1)
        return json_array_get(arr, 0);
    *ambiguous = json_array_size(arr) > 1;
    return NULL;
}

/* Names of all partitions, for the message that asks for one. */
static void part_names(const json_t *parts, char *buf, size_t len)
{
    const json_t *p;
    size_t i, n = 0;

    buf[0] = '\0';
    json_array_foreach(json_object_get(parts, "partitions"), i, p) {
        const char *pn = hpcl__json_str(p, "name");
        if (pn != NULL && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "",
                                  pn);
    }
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
            !hpcl__json_has(json_object_get(j, "partitions"), part))
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
            /* bounded by the reply's size: no overflow */
            cores += s != NULL && strncmp(s, "allocated", 9) == 0;
        }
    }
    return cores;
}

static void give_back(struct node *v, size_t n, const char *name,
                      long cpus, const char *gres)
{
    struct node key = {.name = name};
    struct node *x = name != NULL ? bsearch(&key, v, n, sizeof *v, by_name)
                                  : NULL;

    if (x == NULL)
        return;
    x->free_cpus = count_add(x->free_cpus, count_of(cpus));
    x->free_gpus = count_add(x->free_gpus, gres_gpus(gres));
    if (x->free_cpus > x->cpus)
        x->free_cpus = x->cpus;
    if (x->free_gpus > x->gpus)
        x->free_gpus = x->gpus;
}

/* Give a running job's CPUs and GPUs back to its nodes.  gres_detail[i]
 * goes with the i-th node of job_resources: allocated_nodes[i] (v0.0.38,
 * v0.0.40: cores by socket) or nodes.allocation[i] (v0.0.41, v0.0.42:
 * cpus.count, the CPUs themselves). */
static void release(struct node *v, size_t n, const json_t *job)
{
    const json_t *res = json_object_get(job, "job_resources");
    const json_t *gres = json_object_get(job, "gres_detail"), *an;
    const json_t *alloc = json_object_get(json_object_get(res, "nodes"),
                                          "allocation");
    size_t i;

    json_array_foreach(alloc, i, an) {
        give_back(v, n, hpcl__json_str(an, "name"),
                  json_count(json_object_get(an, "cpus"), "count", 0),
                  json_string_value(json_array_get(gres, i)));
    }
    json_array_foreach(json_object_get(res, "allocated_nodes"), i, an) {
        struct node key = {.name = hpcl__json_str(an, "nodename")};
        struct node *x = key.name != NULL
                             ? bsearch(&key, v, n, sizeof *v, by_name)
                             : NULL;
        if (x != NULL)
            give_back(v, n, key.name,
                      count_mul(count_of(alloc_cores(an)), x->threads),
                      json_string_value(json_array_get(gres, i)));
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
        if (hpcl__rest_job_state(j) == HPCL_STATE_RUNNING &&
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

        if (hpcl__rest_job_state(j) != HPCL_STATE_PENDING ||
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

long long hpcl__rest_diag_pending(const json_t *diag)
{
    const json_t *st = json_object_get(diag, "statistics");

    if (!json_is_object(st) || json_object_get(st, "jobs_pending") == NULL)
        return -1;
    return hpcl__json_int(st, "jobs_pending", -1);
}

hpcl_rc hpcl__rest_estimate(hpcl_ctx *ctx, const char *site,
                            const struct hpcl__rest_view *view,
                            const struct hpcl__jobdesc *desc,
                            const char *partition, time_t now,
                            struct hpcl_probe *probe, int *need_jobs)
{
    int ambiguous;
    const json_t *p = find_partition(view->partitions, partition, &ambiguous);
    const char *name = p != NULL ? hpcl__json_str(p, "name") : NULL;
    const json_t *pn = json_object_get(p, "nodes");
    struct need w = need_of(desc);
    struct node *v = NULL;
    time_t latest = 0, start = now;
    long long pending = hpcl__rest_diag_pending(view->diag);
    size_t n = 0;
    unsigned have, in_part;
    char names[256];
    hpcl_rc rc;

    *need_jobs = 0;
    if (ambiguous) {
        part_names(view->partitions, names, sizeof names);
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: slurmrestd does not "
                          "say which partition is the default (v0.0.40 and "
                          "later do not), so the probe needs one: set "
                          "partition = NAME in [site %s] of the site file, or "
                          "give -p (partitions: %s)", site, site, names);
    }
    if (name == NULL)
        return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: partition '%s' not "
                          "found", site, partition ? partition : "(default)");
    free(probe->partition);
    probe->partition = NULL;
    if ((probe->partition = strdup(name)) == NULL ||
        (v = part_nodes(view->nodes, name, &n, &probe->idle_nodes)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    /* v0.0.38 total_nodes, v0.0.4x nodes.total */
    probe->total_nodes = (unsigned)(json_is_object(pn)
                                        ? hpcl__json_int(pn, "total", (long)n)
                                        : hpcl__json_int(p, "total_nodes",
                                                         (long)n));
    /* Rule 5's pending starts come with the job list; the count, from
     * /diag when served (cluster-wide), else from the list (partition). */
    in_part = view->jobs != NULL ? pending_in(view->jobs, name, &latest) : 0;
    probe->pending_jobs = pending >= 0 ? (unsigned)pending : in_part;
    if ((have = count_fits(v, n, &w, 1, NULL)) < w.nodes)
        rc = never_fits(ctx, site, name, &w, have, n);
    else if (view->jobs == NULL &&
             (pending < 0 || count_fits(v, n, &w, 0, NULL) < w.nodes)) {
        *need_jobs = 1; /* rules 4-5, or the count, need /jobs */
        free(v);
        return HPCL_OK;
    } else if (view->jobs == NULL)
        rc = HPCL_OK; /* fits now: start = now */
    else
        rc = start_of(ctx, v, n, &w, view->jobs, latest, &start);
    free(probe->nodelist);
    probe->nodelist = NULL;
    if (rc == HPCL_OK)
        rc = fill_nodelist(ctx, v, n, &w, probe);
    probe->start_time = start;
    free(v);
    return rc;
}
