/*
 * The wire encoding of slurm_wire.h, compiled into both the library and
 * the libslurm helper.  Each structure's fields are listed once (X-macro
 * tables below), so that the writer and the reader cannot disagree.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend/slurm/slurm_wire.h"

/* The job description's fields: strings, then numbers with their C type
 * (all travel as 64-bit integers).  A field added to struct hpcl__jobdesc
 * (backend/backend.h) must be added here, or the helper never sees it;
 * env and argv travel as arrays (hpcl__wire_put_desc). */
#define DESC_STRINGS(X)                                                    \
    X(script) X(mail_type) X(mail_user) X(gres) X(dependency) X(qos)       \
    X(constraint) X(reservation) X(partition) X(account) X(name)           \
    X(work_dir) X(std_out) X(std_err) X(array) X(comment)
#define DESC_NUMBERS(X)                                                    \
    X(ntasks, unsigned) X(ntasks_set, int) X(min_nodes, unsigned)          \
    X(max_nodes, unsigned) X(min_cpus, unsigned)                           \
    X(cpus_per_task, unsigned) X(ntasks_per_node, unsigned)                \
    X(gpus_per_task, unsigned) X(gpus_per_node, unsigned)                  \
    X(gpus, unsigned) X(time_limit, unsigned) X(mem_mib, uint64_t)         \
    X(mem_set, int) X(mem_per_cpu, int) X(exclusive, int) X(hold, int)     \
    X(begin, time_t) X(signal_no, int) X(signal_s, unsigned)               \
    X(signal_flags, unsigned) X(mail_bits, unsigned)

/* A job record's fields (struct hpcl__jobrec): the same rule. */
#define REC_STRINGS(X)                                                     \
    X(array_tasks) X(name) X(user) X(batch_host) X(nodes) X(work_dir)      \
    X(std_out) X(std_err) X(reason) X(reason_desc) X(comment)
#define REC_NUMBERS(X)                                                     \
    X(state, hpcl_state) X(exit_code, int) X(term_signal, int)             \
    X(job_id, uint32_t) X(array_job_id, uint32_t) X(array_task_id, uint32_t)

/* --- writing --------------------------------------------------------- */

static void put(struct hpcl__wbuf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        unsigned char *d;

        while (cap < b->len + n)
            cap *= 2;
        if ((d = realloc(b->data, cap)) == NULL) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void hpcl__wire_begin(struct hpcl__wbuf *b, enum hpcl__wire_type t)
{
    uint32_t len = 0;
    unsigned char type = (unsigned char)t;

    memset(b, 0, sizeof *b);
    put(b, &len, sizeof len);
    put(b, &type, 1);
}

void hpcl__wire_u32(struct hpcl__wbuf *b, uint32_t v)
{
    put(b, &v, sizeof v);
}

void hpcl__wire_i64(struct hpcl__wbuf *b, int64_t v)
{
    put(b, &v, sizeof v);
}

void hpcl__wire_str(struct hpcl__wbuf *b, const char *s)
{
    size_t n = s != NULL ? strlen(s) + 1 : 0;

    if (n > HPCL__WIRE_MAX) {
        b->failed = 1;
        return;
    }
    hpcl__wire_u32(b, (uint32_t)n);
    if (n > 0)
        put(b, s, n);
}

void hpcl__wire_begin_part(struct hpcl__wbuf *b)
{
    memset(b, 0, sizeof *b);
}

void hpcl__wire_append(struct hpcl__wbuf *b, const struct hpcl__wbuf *part)
{
    if (part->failed)
        b->failed = 1;
    else if (part->len > 0)
        put(b, part->data, part->len);
}

int hpcl__wire_end(struct hpcl__wbuf *b)
{
    uint32_t len;

    if (b->failed || b->len - sizeof len > HPCL__WIRE_MAX) {
        hpcl__wire_free(b);
        return -1;
    }
    len = (uint32_t)(b->len - sizeof len);
    memcpy(b->data, &len, sizeof len);
    return 0;
}

void hpcl__wire_free(struct hpcl__wbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* --- reading --------------------------------------------------------- */

void hpcl__wire_reader(struct hpcl__rbuf *r, const void *data, size_t len)
{
    r->p = data;
    r->left = len;
    r->bad = 0;
}

static int take(struct hpcl__rbuf *r, void *out, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = 1;
        memset(out, 0, n);
        return -1;
    }
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return 0;
}

uint32_t hpcl__wire_get_u32(struct hpcl__rbuf *r)
{
    uint32_t v;

    take(r, &v, sizeof v);
    return v;
}

int64_t hpcl__wire_get_i64(struct hpcl__rbuf *r)
{
    int64_t v;

    take(r, &v, sizeof v);
    return v;
}

const char *hpcl__wire_get_str(struct hpcl__rbuf *r)
{
    uint32_t n = hpcl__wire_get_u32(r);
    const char *s = (const char *)r->p;

    if (r->bad || n == 0)
        return NULL;
    /* The NUL must be where the length says, and nowhere before. */
    if (r->left < n || memchr(s, '\0', n) != s + n - 1) {
        r->bad = 1;
        return NULL;
    }
    r->p += n;
    r->left -= n;
    return s;
}

/* --- job descriptions ------------------------------------------------ */

static void put_strv(struct hpcl__wbuf *b, char *const *v, size_t n)
{
    hpcl__wire_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hpcl__wire_str(b, v[i]);
}

void hpcl__wire_put_desc(struct hpcl__wbuf *b, const struct hpcl__jobdesc *d)
{
#define PUT_S(f) hpcl__wire_str(b, d->f);
#define PUT_N(f, type) hpcl__wire_i64(b, (int64_t)d->f);
    DESC_STRINGS(PUT_S)
    DESC_NUMBERS(PUT_N)
#undef PUT_S
#undef PUT_N
    put_strv(b, d->env, d->env_count);
    put_strv(b, d->argv, d->argv != NULL ? (size_t)d->argc : 0);
}

/* A NULL-terminated array of n strings borrowed from the frame; NULL
 * when n is 0 or on error (bad set). */
static char **get_strv(struct hpcl__rbuf *r, size_t *count)
{
    uint32_t n = hpcl__wire_get_u32(r);
    char **v;

    *count = 0;
    /* Each string takes at least its 4-byte length. */
    if (r->bad || n == 0 || n > r->left / 4)
        return NULL;
    if ((v = calloc((size_t)n + 1, sizeof *v)) == NULL) {
        r->bad = 1;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++)
        v[i] = (char *)hpcl__wire_get_str(r);
    *count = n;
    return v;
}

int hpcl__wire_get_desc(struct hpcl__rbuf *r, struct hpcl__jobdesc *d)
{
    size_t argc;

    memset(d, 0, sizeof *d);
#define GET_S(f) d->f = hpcl__wire_get_str(r);
#define GET_N(f, type) d->f = (type)hpcl__wire_get_i64(r);
    DESC_STRINGS(GET_S)
    DESC_NUMBERS(GET_N)
#undef GET_S
#undef GET_N
    d->env = get_strv(r, &d->env_count);
    d->argv_owned = get_strv(r, &argc);
    d->argv = d->argv_owned;
    d->argc = (int)argc;
    if (r->bad || r->left != 0) {
        hpcl__wire_desc_release(d);
        return -1;
    }
    return 0;
}

void hpcl__wire_desc_release(struct hpcl__jobdesc *d)
{
    /* The strings belong to the frame: only the arrays are ours. */
    free(d->env);
    free(d->argv_owned);
    d->env = d->argv_owned = NULL;
    d->argv = NULL;
}

/* --- job records and probes ------------------------------------------ */

void hpcl__wire_put_rec(struct hpcl__wbuf *b, const struct hpcl__jobrec *rec)
{
#define PUT_S(f) hpcl__wire_str(b, rec->f);
#define PUT_N(f, type) hpcl__wire_i64(b, (int64_t)rec->f);
    REC_STRINGS(PUT_S)
    REC_NUMBERS(PUT_N)
#undef PUT_S
#undef PUT_N
}

void hpcl__wire_get_rec(struct hpcl__rbuf *r, struct hpcl__jobrec *rec)
{
#define GET_S(f) rec->f = hpcl__wire_get_str(r);
#define GET_N(f, type) rec->f = (type)hpcl__wire_get_i64(r);
    REC_STRINGS(GET_S)
    REC_NUMBERS(GET_N)
#undef GET_S
#undef GET_N
}

void hpcl__wire_put_probe(struct hpcl__wbuf *b, const struct hpcl_probe *p)
{
    hpcl__wire_i64(b, (int64_t)p->start_time);
    hpcl__wire_str(b, p->nodelist);
    hpcl__wire_str(b, p->partition);
    hpcl__wire_u32(b, p->pending_jobs);
    hpcl__wire_u32(b, p->idle_nodes);
    hpcl__wire_u32(b, p->total_nodes);
    hpcl__wire_str(b, p->api_version);
    hpcl__wire_str(b, p->slurm_release);
}

static int dup_into(char **dst, const char *src)
{
    *dst = NULL;
    return src != NULL && (*dst = strdup(src)) == NULL ? -1 : 0;
}

int hpcl__wire_get_probe(struct hpcl__rbuf *r, struct hpcl_probe *p)
{
    const char *nodes, *part, *api, *release;

    p->start_time = (time_t)hpcl__wire_get_i64(r);
    nodes = hpcl__wire_get_str(r);
    part = hpcl__wire_get_str(r);
    p->pending_jobs = hpcl__wire_get_u32(r);
    p->idle_nodes = hpcl__wire_get_u32(r);
    p->total_nodes = hpcl__wire_get_u32(r);
    api = hpcl__wire_get_str(r);
    release = hpcl__wire_get_str(r);
    if (r->bad)
        return -1;
    free(p->nodelist);
    free(p->partition);
    free(p->api_version);
    free(p->slurm_release);
    p->nodelist = p->partition = p->api_version = p->slurm_release = NULL;
    if (dup_into(&p->nodelist, nodes) != 0 ||
        dup_into(&p->partition, part) != 0 ||
        dup_into(&p->api_version, api) != 0 ||
        dup_into(&p->slurm_release, release) != 0)
        return -1;
    return 0;
}

/* What accounting holds of one job (struct hpcl__acct). */
void hpcl__wire_put_acct(struct hpcl__wbuf *b, const struct hpcl__acct *a)
{
    hpcl__wire_u32(b, (uint32_t)a->have);
    hpcl__wire_u32(b, (uint32_t)a->found);
    hpcl__wire_u32(b, (uint32_t)a->started);
    hpcl__wire_u32(b, (uint32_t)a->ended);
    hpcl__wire_u32(b, (uint32_t)a->state);
    hpcl__wire_i64(b, a->exit_code);
    hpcl__wire_i64(b, a->start);
    hpcl__wire_i64(b, a->end);
}

void hpcl__wire_get_acct(struct hpcl__rbuf *r, struct hpcl__acct *a)
{
    a->have = (int)hpcl__wire_get_u32(r);
    a->found = (int)hpcl__wire_get_u32(r);
    a->started = (int)hpcl__wire_get_u32(r);
    a->ended = (int)hpcl__wire_get_u32(r);
    a->state = (hpcl_state)hpcl__wire_get_u32(r);
    a->exit_code = (int)hpcl__wire_get_i64(r);
    a->start = hpcl__wire_get_i64(r);
    a->end = hpcl__wire_get_i64(r);
}
