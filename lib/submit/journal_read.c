/*
 * The journal's read side: the whole file, under a shared lock, folded into
 * one entry per key.  A damaged line is skipped with a warning, never
 * fatal: the journal must stay usable after any crash.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "submit/journal.h"

#define NFIELDS 9 /* before " crc=" */
#define CRC_SUFFIX 13 /* " crc=XXXXXXXX" */

struct parsed {
    long long time;
    enum hpcl__jevent event;
    const char *key, *site, *host, *note; /* into the line */
    uint64_t id;
    long pid;
};

/* --- the file ---------------------------------------------------------- */

/* Into one buffer sized from the file, so that a long journal is read
 * in a few calls and never copied by a growing buffer. */
static int read_all(int fd, char **data, size_t *len)
{
    struct stat st;
    size_t cap = 0;

    if (fstat(fd, &st) == 0 && st.st_size > 0 &&
        (*data = malloc(cap = (size_t)st.st_size + 4097)) == NULL)
        return -1;
    if (*data != NULL)
        hpcl__advise_huge(*data, cap);

    for (;;) {
        ssize_t r;

        if (*len + 4096 > cap) {
            char *grown = realloc(*data, cap = 2 * cap + 65536);

            if (grown == NULL)
                return -1;
            *data = grown;
        }
        r = read(fd, *data + *len, cap - *len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return (int)r;
        *len += (size_t)r;
    }
}

static hpcl_rc read_locked(char **data, size_t *len, hpcl_ctx *ctx,
                           const char *path)
{
    int fd = hpcl__open_regular(path);
    int r = -1;

    *data = NULL;
    *len = 0;
    if (fd == -1 && errno == ENOENT)
        return HPCL_OK; /* no journal yet: nothing was ever submitted */
    if (fd == -2)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s is not a regular "
                          "file", path);
    if (fd < 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot open journal %s: %s",
                          path, strerror(errno));
    /* Shared: writers hold the lock for whole batches of lines.  Without
     * a lock (ENOLCK on some NFS mounts) a line being written reads as
     * torn, which is harmless. */
    while (flock(fd, LOCK_SH) != 0 && errno == EINTR)
        ;
    r = read_all(fd, data, len);
    close(fd); /* drops the lock */
    if (r < 0) {
        free(*data);
        *data = NULL;
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot read journal %s: %s",
                          path, strerror(errno));
    }
    return HPCL_OK;
}

/* --- one line ---------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* In place; %00 is refused, as it would cut the note short. */
static int decode_note(char *s)
{
    char *o;

    /* Most notes have nothing encoded: nothing to move. */
    if ((s = strchr(s, '%')) == NULL)
        return 0;
    for (o = s; *s != '\0'; s++) {
        if (*s == '%') {
            int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

            if (lo < 0 || (hi | lo) == 0)
                return -1;
            *o++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return 0;
}

/* The digits of s as a number, or -1 if s is not all digits. */
static long long number(const char *s, int dash_ok)
{
    long long v = 0;

    if (dash_ok && strcmp(s, "-") == 0)
        return 0;
    if (*s == '\0' || strlen(s) > 18)
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static const char *field(char *f, const char *name)
{
    size_t n = strlen(name);

    return strncmp(f, name, n) == 0 && f[n] == '=' ? f + n + 1 : NULL;
}

/* Compared digit by digit, not through snprintf: a listing of a long
 * journal checks every line. */
static int check_crc(const char *line, size_t len)
{
    uint32_t want;

    if (len < CRC_SUFFIX || memcmp(line + len - CRC_SUFFIX, " crc=", 5) != 0)
        return -1;
    want = hpcl__crc32(line, len - CRC_SUFFIX);
    for (int i = 0; i < 8; i++)
        if (line[len - 1 - i] != "0123456789abcdef"[want >> (4 * i) & 15])
            return -1;
    return 0;
}

/* Fields are separated by one space (the writer's format; the checksum
 * vouches for the line), and none is empty. */
static int split(char *line, char *f[NFIELDS])
{
    int n = 0;

    for (char *s = line;; s++) {
        char *sp = strchr(s, ' ');

        if (n == NFIELDS || sp == s || *s == '\0')
            return -1;
        f[n++] = s;
        if (sp == NULL)
            break;
        *sp = '\0';
        s = sp;
    }
    return n == NFIELDS ? 0 : -1;
}

static int parse_line(struct parsed *p, char *line, size_t len)
{
    char *f[NFIELDS];
    const char *v[NFIELDS];
    static const char *const names[NFIELDS] = {
        NULL, NULL, NULL, "key", "site", "id", "host", "pid", "note"};
    long long id, pid;
    int event;

    if (check_crc(line, len) != 0)
        return -1;
    line[len - CRC_SUFFIX] = '\0';
    if (split(line, f) != 0 || strcmp(f[0], "V1") != 0)
        return -1;
    for (int i = 3; i < NFIELDS; i++)
        if ((v[i] = field(f[i], names[i])) == NULL)
            return -1;
    p->time = number(f[1], 0);
    id = number(v[5], 1);
    pid = number(v[7], 0);
    event = hpcl__jevent_parse(f[2]);
    if (p->time < 0 || id < 0 || pid < 0 || event < 0 ||
        !hpcl__key_valid(v[3]) || decode_note(f[8] + 5) != 0)
        return -1;
    p->event = (enum hpcl__jevent)event;
    p->key = v[3];
    p->site = strcmp(v[4], "-") == 0 ? "" : v[4];
    p->host = v[6];
    p->id = (uint64_t)id;
    p->pid = (long)pid;
    p->note = f[8] + 5;
    return (p->site[0] == '\0' || hpcl__jname_valid(p->site)) &&
                   hpcl__jname_valid(p->host)
               ? 0
               : -1;
}

/* --- the summary ------------------------------------------------------- */

/* Keys are random: their first hex digits are a good hash already. */
static uint32_t key_hash(const char *key)
{
    uint32_t h = 0;

    for (int i = 5; i < 13; i++)
        h = h << 4 | (uint32_t)hexval(key[i]);
    return h;
}

static size_t probe(const struct hpcl__jsummary *s, const char *key)
{
    size_t i = key_hash(key) & (s->nslots - 1);

    /* Keys are checked HPCL__KEY_LEN long (parse_line). */
    while (s->slot[i] != 0 &&
           memcmp(s->entry[s->slot[i] - 1].key, key, HPCL__KEY_LEN) != 0)
        i = (i + 1) & (s->nslots - 1);
    return i;
}

/* Room for more entries: the index doubled (at least min_slots), the
 * entries rehashed. */
static int grow(struct hpcl__jsummary *s, size_t min_slots)
{
    size_t nslots = s->nslots ? 2 * s->nslots : 1024;

    while (nslots < min_slots)
        nslots *= 2;
    struct hpcl__jentry *entry = realloc(s->entry, nslots / 2 * sizeof *entry);
    uint32_t *slot = calloc(nslots, sizeof *slot);

    if (entry != NULL) {
        s->entry = entry;
        hpcl__advise_huge(entry, nslots / 2 * sizeof *entry);
    }
    if (entry == NULL || slot == NULL) {
        free(slot);
        return -1;
    }
    free(s->slot);
    s->slot = slot;
    s->nslots = nslots;
    s->cap = nslots / 2;
    for (size_t i = 0; i < s->n; i++)
        s->slot[probe(s, s->entry[i].key)] = (uint32_t)(i + 1);
    return 0;
}

static struct hpcl__jentry *entry_for(struct hpcl__jsummary *s,
                                      const struct parsed *p)
{
    struct hpcl__jentry *e;
    size_t i;

    if (s->n == s->cap && grow(s, 0) != 0)
        return NULL;
    i = probe(s, p->key);
    if (s->slot[i] != 0)
        return &s->entry[s->slot[i] - 1];
    e = &s->entry[s->n];
    memset(e, 0, sizeof *e);
    memcpy(e->key, p->key, HPCL__KEY_LEN + 1);
    e->cluster = "";
    e->first = p->time;
    s->slot[i] = (uint32_t)++s->n;
    return e;
}

/* The summary's copy of the n bytes at text (a cluster identity, cut
 * to HPCL__CLUSTER_MAX - 1); NULL when out of memory.  The newest first:
 * the SUBMITTED records of one site follow each other. */
static const char *intern(struct hpcl__jsummary *s, const char *text,
                          size_t n)
{
    char **grown, *copy;

    n = n < HPCL__CLUSTER_MAX - 1 ? n : HPCL__CLUSTER_MAX - 1;
    /* A bounded search: a journal names one identity a site, and a
     * damaged one with thousands still folds in linear time. */
    for (size_t i = s->nclusters, k = 0; i > 0 && k < 64; i--, k++)
        if (strncmp(s->clusters[i - 1], text, n) == 0 &&
            s->clusters[i - 1][n] == '\0')
            return s->clusters[i - 1];
    if ((copy = strndup(text, n)) == NULL ||
        (grown = realloc(s->clusters,
                         (s->nclusters + 1) * sizeof *grown)) == NULL) {
        free(copy);
        return NULL;
    }
    s->clusters = grown;
    s->clusters[s->nclusters++] = copy;
    return copy;
}

static int apply(struct hpcl__jsummary *s, const struct parsed *p)
{
    struct hpcl__jentry *e = entry_for(s, p);

    if (e == NULL)
        return -1;
    /* A new INTENT is a new attempt, perhaps at another site. */
    if (p->event == HPCL__J_INTENT) {
        e->id = 0;
        e->cluster = "";
        /* A resubmission's INTENT has no name: the job's stays. */
        if (strncmp(p->note, "name=", 5) == 0)
            e->name = p->note + 5;
    }
    if ((p->event == HPCL__J_SUBMITTED || p->event == HPCL__J_ADOPTED) &&
        strncmp(p->note, "cluster=", 8) == 0)
        if ((e->cluster = intern(s, p->note + 8,
                                 strcspn(p->note + 8, " "))) == NULL)
            return -1;
    /* Names were checked shorter than HPCL__JNAME_MAX (parse_line). */
    if (p->site[0] != '\0')
        memcpy(e->site, p->site, strlen(p->site) + 1);
    if (p->id != 0)
        e->id = p->id;
    e->state = p->event;
    e->last = p->time;
    memcpy(e->host, p->host, strlen(p->host) + 1);
    e->pid = p->pid;
    e->note = (char *)p->note; /* into s->data, which s owns */
    e->nevents++;
    e->seen |= 1u << p->event;
    return 0;
}

static hpcl_rc fold(struct hpcl__jsummary *s, hpcl_ctx *ctx, const char *path,
                    char *data, size_t len)
{
    size_t lineno = 0;
    struct parsed p;

    for (char *line = data, *nl; line < data + len; line = nl + 1) {
        lineno++;
        if ((nl = memchr(line, '\n', (size_t)(data + len - line))) == NULL) {
            s->torn = 1;
            hpcl__log(ctx, HPCL_LOG_WARN, "journal %s:%zu: incomplete last "
                      "record (an interrupted write), skipped", path, lineno);
            break;
        }
        *nl = '\0';
        if (nl == line)
            continue;
        if (strlen(line) != (size_t)(nl - line) ||
            parse_line(&p, line, (size_t)(nl - line)) != 0) {
            s->skipped++;
            hpcl__log(ctx, HPCL_LOG_WARN, "journal %s:%zu: damaged record, "
                      "skipped", path, lineno);
        } else if (p.id > UINT32_MAX) {
            /* Slurm's ids are 32 bits: never cut one down to another
             * job's; the key settles the entry instead. */
            s->skipped++;
            hpcl__log(ctx, HPCL_LOG_WARN, "journal %s:%zu: field id %llu "
                      "of site %s is out of range for a Slurm job id (at "
                      "most %u), record skipped", path, lineno,
                      (unsigned long long)p.id, p.site, UINT32_MAX);
        } else if (apply(s, &p) != 0) {
            return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        }
    }
    return HPCL_OK;
}

hpcl_rc hpcl__journal_fold(struct hpcl__jsummary **out, hpcl_ctx *ctx,
                           const char *path, char *data, size_t len)
{
    struct hpcl__jsummary *s;
    hpcl_rc rc;

    *out = NULL;
    if ((s = calloc(1, sizeof *s)) == NULL) {
        free(data);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    s->data = data;
    /* An index sized for the lines the text can hold (over 100 bytes
     * each) at once: no rehash of a long journal at every doubling. */
    if (len / 100 > 512 && grow(s, 2 * (len / 100)) != 0) {
        hpcl__jsummary_free(s);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    if ((rc = fold(s, ctx, path, data, len)) != HPCL_OK) {
        hpcl__jsummary_free(s);
        return rc;
    }
    *out = s;
    return HPCL_OK;
}

int hpcl__journal_line_key(const char *line, size_t len,
                           char key[HPCL__KEY_LEN + 1])
{
    char copy[2048];
    struct parsed p;

    if (len >= sizeof copy || memchr(line, '\0', len) != NULL)
        return -1;
    memcpy(copy, line, len);
    copy[len] = '\0';
    if (parse_line(&p, copy, len) != 0)
        return -1;
    snprintf(key, HPCL__KEY_LEN + 1, "%s", p.key);
    return 0;
}

hpcl_rc hpcl__journal_load(struct hpcl__jsummary **out, hpcl_ctx *ctx,
                           const char *path)
{
    struct hpcl__jsummary *s;
    char *data;
    size_t len;
    hpcl_rc rc;

    if (out == NULL || path == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if ((s = calloc(1, sizeof *s)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    rc = read_locked(&data, &len, ctx, path);
    s->data = data; /* the entries' notes point into it */
    if (rc == HPCL_OK)
        rc = fold(s, ctx, path, data, len);
    if (rc != HPCL_OK) {
        hpcl__jsummary_free(s);
        return rc;
    }
    *out = s;
    return HPCL_OK;
}

void hpcl__jsummary_free(struct hpcl__jsummary *s)
{
    if (s == NULL)
        return;
    free(s->data);
    free(s->entry);
    free(s->slot);
    for (size_t i = 0; i < s->nclusters; i++)
        free(s->clusters[i]);
    free(s->clusters);
    free(s);
}

const struct hpcl__jentry *hpcl__jsummary_get(const struct hpcl__jsummary *s,
                                              const char *key)
{
    size_t i;

    if (s == NULL || s->n == 0 || !hpcl__key_valid(key))
        return NULL;
    i = probe(s, key);
    return s->slot[i] != 0 ? &s->entry[s->slot[i] - 1] : NULL;
}

int hpcl__jentry_unresolved(const struct hpcl__jentry *e)
{
    return e != NULL &&
           (e->state == HPCL__J_INTENT || e->state == HPCL__J_AMBIGUOUS);
}

/* When process pid started, in unix seconds: the boot time ("btime" of
 * /proc/stat) plus field 22 of /proc/PID/stat (clock ticks since boot);
 * -1 when /proc cannot say. */
static long long started(long pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ticks = 0, btime = 0;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f;
    int ok = 0;

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if ((f = fopen(path, "re")) != NULL) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);

        buf[n] = '\0';
        /* The name (field 2) may hold spaces and parentheses: count the
         * fields from its closing one, field 3 on. */
        if ((p = strrchr(buf, ')')) != NULL)
            ok = sscanf(p + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                        "%*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
                        &ticks) == 1;
        fclose(f);
    }
    if (!ok || hz <= 0 || (f = fopen("/proc/stat", "re")) == NULL)
        return -1;
    ok = 0;
    while (!ok && fgets(buf, sizeof buf, f) != NULL)
        ok = sscanf(buf, "btime %llu", &btime) == 1;
    fclose(f);
    return ok ? (long long)(btime + ticks / (unsigned long long)hz) : -1;
}

/* The writer wrote the entry's last event, so it had started by then; a
 * process that holds its pid and started later (or since a reboot) got
 * the pid reused: the writer is gone.  Compared with the event's time,
 * the journal format needs no field of its own (older readers keep
 * reading it); 2 s of slack covers a boot time that drifts with NTP. */
int hpcl__jentry_writer_alive(const struct hpcl__jentry *e)
{
    char host[HPCL__JNAME_MAX];
    long long t;

    if (e == NULL || e->pid <= 0)
        return 0;
    hpcl__journal_host(host);
    if (strcmp(host, e->host) != 0)
        return 0;
    if (kill((pid_t)e->pid, 0) != 0 && errno != EPERM)
        return 0;
    t = started(e->pid);
    return t < 0 || t <= e->last + 2;
}
