/*
 * The journal's write side and the keys.  A record is one line:
 *
 *   V1 TIME EVENT key=KEY site=SITE id=ID host=HOST pid=PID note=NOTE crc=C
 *
 * "-" stands for an empty site, id or host; NOTE is percent-encoded; C is
 * the CRC-32 of everything before " crc=", so that a line cut short by a
 * crash, or glued to the next one, never reads as a valid record.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "submit/journal.h"

#define RECORD_MAX 1024 /* bytes per line, newline included */
#define NOTE_MAX 600    /* encoded note, within RECORD_MAX */

struct hpcl__journal {
    int fd;
    int dirty; /* written since the last sync */
    char *path;
    pid_t pid; /* the process that opened fd */
    char host[HPCL__JNAME_MAX];
};

static const char *const event_names[HPCL__J_NEVENTS] = {
    "INTENT", "SUBMITTED", "FAILED", "AMBIGUOUS", "ADOPTED", "LOST",
    "CANCELLED", "ENDED"};

const char *hpcl__jevent_name(enum hpcl__jevent event)
{
    return (unsigned)event < HPCL__J_NEVENTS ? event_names[event] : "?";
}

int hpcl__jevent_parse(const char *name)
{
    for (int i = 0; i < HPCL__J_NEVENTS; i++)
        if (strcmp(name, event_names[i]) == 0)
            return i;
    return -1;
}

/* CRC-32 (IEEE 802.3, as zlib), eight bytes at a time ("slicing by
 * eight", tables built once): a listing reads every line of the journal,
 * 40 MB for 100k jobs, and a bit or nibble at a time took 0.2 s of it. */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
                              crc_table[0][crc_table[t - 1][i] & 0xFF];
}

uint32_t hpcl__crc32(const char *buf, size_t n)
{
    const unsigned char *p = (const unsigned char *)buf;
    uint32_t c = 0xFFFFFFFFu;

    pthread_once(&crc_once, crc_init);
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
                      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;

        c = crc_table[7][lo & 0xFF] ^ crc_table[6][lo >> 8 & 0xFF] ^
            crc_table[5][lo >> 16 & 0xFF] ^ crc_table[4][lo >> 24] ^
            crc_table[3][hi & 0xFF] ^ crc_table[2][hi >> 8 & 0xFF] ^
            crc_table[1][hi >> 16 & 0xFF] ^ crc_table[0][hi >> 24];
    }
    for (; n > 0; n--, p++)
        c = (c >> 8) ^ crc_table[0][(c ^ *p) & 0xFF];
    return ~c;
}

/* Character by character, not strspn (which builds its table at every
 * call): every line read checks two names. */
int hpcl__jname_valid(const char *name)
{
    size_t n = 0;

    for (; name[n] != '\0'; n++) {
        char c = name[n];

        if (n + 1 >= HPCL__JNAME_MAX ||
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

/* This host's name in the journal's field syntax. */
void hpcl__journal_host(char out[HPCL__JNAME_MAX])
{
    if (gethostname(out, HPCL__JNAME_MAX) != 0 || out[0] == '\0')
        strcpy(out, "-");
    out[HPCL__JNAME_MAX - 1] = '\0';
    for (char *s = out; *s != '\0'; s++)
        if (strchr(".-_", *s) == NULL &&
            !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            *s = '_';
}

/* --- paths and opening ------------------------------------------------- */

hpcl_rc hpcl__journal_path(char **out, hpcl_ctx *ctx, const char *configured)
{
    const char *env = getenv("HPCLAUNCH_JOURNAL");
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;

    if (out == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if (env != NULL && env[0] != '\0' && env[0] != '/')
        return hpcl__fail(ctx, HPCL_E_CONFIG, "$HPCLAUNCH_JOURNAL must be "
                          "an absolute path, not '%s'", env);
    if (env != NULL && env[0] != '\0')
        n = asprintf(out, "%s", env);
    else if (configured != NULL)
        n = asprintf(out, "%s", configured);
    else if (xdg != NULL && xdg[0] == '/')
        n = asprintf(out, "%s/hpclaunch/journal", xdg);
    else if (home != NULL && home[0] == '/')
        n = asprintf(out, "%s/.local/state/hpclaunch/journal", home);
    else
        return hpcl__fail(ctx, HPCL_E_CONFIG, "no place for the journal: "
                          "$HOME is not set (set $HPCLAUNCH_JOURNAL)");
    if (n < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

hpcl_rc hpcl__journal_requests_path(char **out, hpcl_ctx *ctx,
                                    const char *journal)
{
    const char *slash = strrchr(journal, '/');
    int dir = slash != NULL ? (int)(slash - journal) : 1;

    if (asprintf(out, "%.*s/requests", dir, slash != NULL ? journal : ".") <
        0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

hpcl_rc hpcl__journal_transfers_path(char **out, hpcl_ctx *ctx,
                                     const char *journal)
{
    if (asprintf(out, "%s.transfers", journal) < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

/* mkdir -p of the journal's directory, 0700: the journal says which jobs a
 * user runs where, which is nobody else's business. */
static hpcl_rc make_dirs(hpcl_ctx *ctx, const char *path)
{
    char *dir = strdup(path);
    char *end = dir != NULL ? strrchr(dir, '/') : NULL;
    hpcl_rc rc = HPCL_OK;
    struct stat st;

    if (dir == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (char *s = dir + 1; end != NULL && s <= end && rc == HPCL_OK; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST &&
            (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot create directory %s "
                            "for the journal: %s", dir, strerror(errno));
        *s = '/';
    }
    free(dir);
    return rc;
}

/* The journal and the requests file say which jobs a user runs where,
 * with their environments: nobody else's business.  A file found with
 * looser permissions (copied, restored from a backup, a umask of 000
 * with an older hpclaunch) is made 0600 again, with a warning, rather
 * than refused: refusing would stop every submit until a user who may
 * not know why fixes it, and the 0700 folder already kept others out.
 * 0, or -1 (errno) when fchmod fails. */
int hpcl__private_mode(hpcl_ctx *ctx, int fd, const struct stat *st,
                       const char *what, const char *path)
{
    if ((st->st_mode & 077) == 0)
        return 0;
    if (fchmod(fd, 0600) != 0)
        return -1;
    hpcl__log(ctx, HPCL_LOG_WARN, "%s %s was mode %04o, readable or "
              "writable by others; made it 0600", what, path,
              (unsigned)(st->st_mode & 07777));
    return 0;
}

/* A new file's name must reach the disk too, or the first synced INTENT
 * could vanish with it. */
void hpcl__journal_sync_dir(const char *path)
{
    char *dir = strdup(path);
    char *slash = dir != NULL ? strrchr(dir, '/') : NULL;
    int fd;

    if (slash != NULL) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    free(dir);
}

static int open_fd(const char *path, int *created)
{
    const int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY;
    int fd = open(path, flags);

    *created = 0;
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, flags | O_CREAT | O_EXCL, 0600);
        *created = fd >= 0;
        if (fd < 0 && errno == EEXIST) /* another process won the race */
            fd = open(path, flags);
    }
    return fd;
}

static hpcl_rc open_file(struct hpcl__journal *j, hpcl_ctx *ctx)
{
    struct stat st;
    int created;

    if ((j->fd = open_fd(j->path, &created)) < 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot open journal %s: %s",
                          j->path, strerror(errno));
    j->pid = getpid();
    if (fstat(j->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s is not a regular "
                          "file", j->path);
    if (st.st_uid != geteuid())
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s belongs to uid %u, "
                          "not to you (uid %u)", j->path,
                          (unsigned)st.st_uid, (unsigned)geteuid());
    if (hpcl__private_mode(ctx, j->fd, &st, "journal", j->path) != 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s is mode %04o and "
                          "cannot be made 0600: %s", j->path,
                          (unsigned)(st.st_mode & 07777), strerror(errno));
    if (created)
        hpcl__journal_sync_dir(j->path);
    return HPCL_OK;
}

hpcl_rc hpcl__journal_open(struct hpcl__journal **out, hpcl_ctx *ctx,
                           const char *path)
{
    struct hpcl__journal *j;
    hpcl_rc rc;

    if (out == NULL || path == NULL || path[0] != '/')
        return HPCL_E_INVAL;
    *out = NULL;
    if ((j = calloc(1, sizeof *j)) == NULL ||
        (j->path = strdup(path)) == NULL) {
        free(j);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    j->fd = -1;
    hpcl__journal_host(j->host);
    rc = make_dirs(ctx, path);
    if (rc == HPCL_OK)
        rc = open_file(j, ctx);
    if (rc != HPCL_OK) {
        hpcl__journal_close(j);
        return rc;
    }
    *out = j;
    return HPCL_OK;
}

void hpcl__journal_close(struct hpcl__journal *j)
{
    if (j == NULL)
        return;
    /* No sync here: what is unsynced is outcomes (append_lazy), whose
     * loss in a system crash is harmless -- the synced INTENT and the
     * job's key settle the job (hpcl_ctx_jobs_json) -- so a CLI submit
     * costs one sync, the INTENT's, before its request goes out. */
    if (j->fd >= 0)
        close(j->fd);
    free(j->path);
    free(j);
}

/* --- appending --------------------------------------------------------- */

static void encode_note(char *out, size_t size, const char *note)
{
    size_t o = 0;

    for (; note != NULL && *note != '\0' && o + 4 <= size; note++) {
        unsigned char c = (unsigned char)*note;

        if (c > ' ' && c < 0x7f && c != '%')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, size - o, "%%%02X", c);
    }
    out[o] = '\0';
}

static int rec_valid(const struct hpcl__jrec *r)
{
    int needs_id = r->event == HPCL__J_SUBMITTED ||
                   r->event == HPCL__J_ADOPTED;

    if ((unsigned)r->event >= HPCL__J_NEVENTS || r->key == NULL ||
        !hpcl__key_valid(r->key))
        return 0;
    if (r->site != NULL && !hpcl__jname_valid(r->site))
        return 0;
    if ((r->event == HPCL__J_INTENT || needs_id) && r->site == NULL)
        return 0;
    return !needs_id || r->id != 0;
}

/* One line into buf (RECORD_MAX bytes); returns its length. */
static size_t format_rec(char *buf, const struct hpcl__journal *j,
                         const struct hpcl__jrec *r, long long now)
{
    char note[NOTE_MAX + 1], id[24] = "-";
    int n;

    encode_note(note, sizeof note, r->note);
    if (r->id != 0)
        snprintf(id, sizeof id, "%" PRIu64, r->id);
    n = snprintf(buf, RECORD_MAX,
                 "V1 %lld %s key=%s site=%s id=%s host=%s pid=%ld note=%s",
                 now, event_names[r->event], r->key,
                 r->site != NULL ? r->site : "-", id, j->host,
                 (long)getpid(), note);
    n += snprintf(buf + n, RECORD_MAX - (size_t)n, " crc=%08" PRIx32 "\n",
                  hpcl__crc32(buf, (size_t)n));
    return (size_t)n;
}

static int lock_fd(int fd, int op)
{
    while (flock(fd, op) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* 1 if j->fd is no longer the file at j->path: hpclaunch jobs --prune
 * renamed a compacted copy over it (journal_prune.c) while we waited for
 * the lock.  Lines written to the old file would be lost. */
static int replaced(const struct hpcl__journal *j)
{
    struct stat a, b;

    if (fstat(j->fd, &a) != 0 || stat(j->path, &b) != 0)
        return 0; /* the write reports what is wrong */
    return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* buf[0] is spare, for the newline that ends a torn line. */
static hpcl_rc locked_write(struct hpcl__journal *j, hpcl_ctx *ctx,
                            char *buf, size_t len)
{
    hpcl_rc rc = HPCL_OK;
    int torn;

    for (;;) {
        if (lock_fd(j->fd, LOCK_EX) != 0)
            return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s: flock: %s",
                              j->path, strerror(errno));
        if (!replaced(j))
            break;
        /* Unlocked first: a forked child may share this open file, and
         * the lock with it, so close() alone would not release it. */
        lock_fd(j->fd, LOCK_UN);
        close(j->fd);
        if ((rc = open_file(j, ctx)) != HPCL_OK)
            return rc;
    }
    if ((torn = hpcl__tail_torn(j->fd)) < 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s: %s", j->path,
                        strerror(errno));
    buf[0] = '\n';
    if (rc == HPCL_OK && hpcl__write_all(j->fd, buf + !torn, len + torn) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s: write: %s", j->path,
                        strerror(errno));
    lock_fd(j->fd, LOCK_UN);
    return rc;
}

/* flock() locks belong to the open file, which a forked child shares with
 * its parent: their locks would not exclude each other.  A child opens
 * its own. */
static hpcl_rc own_fd(struct hpcl__journal *j, hpcl_ctx *ctx)
{
    if (j->pid == getpid())
        return HPCL_OK;
    close(j->fd);
    return open_file(j, ctx);
}

static hpcl_rc append(struct hpcl__journal *j, hpcl_ctx *ctx,
                      const struct hpcl__jrec *recs, size_t n, int sync)
{
    long long now = (long long)time(NULL);
    size_t len = 0;
    hpcl_rc rc;
    char *buf;

    if (j == NULL || (recs == NULL && n > 0))
        return HPCL_E_INVAL;
    for (size_t i = 0; i < n; i++)
        if (!rec_valid(&recs[i]))
            return hpcl__fail(ctx, HPCL_E_INVAL, "journal record %zu of %zu "
                              "is not valid", i + 1, n);
    if (n == 0 || (rc = own_fd(j, ctx)) != HPCL_OK)
        return n == 0 ? HPCL_OK : rc;
    if ((buf = malloc(n * RECORD_MAX + 1)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        len += format_rec(buf + 1 + len, j, &recs[i], now);
    rc = locked_write(j, ctx, buf, len);
    j->dirty |= rc == HPCL_OK;
    /* Synced outside the lock: concurrent writers' syncs then overlap,
     * and ours still covers our own lines. */
    if (rc == HPCL_OK && sync && fdatasync(j->fd) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s: fdatasync: %s",
                        j->path, strerror(errno));
    else if (rc == HPCL_OK && sync)
        j->dirty = 0;
    free(buf);
    return rc;
}

hpcl_rc hpcl__journal_append(struct hpcl__journal *j, hpcl_ctx *ctx,
                             const struct hpcl__jrec *recs, size_t n)
{
    return append(j, ctx, recs, n, 1);
}

hpcl_rc hpcl__journal_append_lazy(struct hpcl__journal *j, hpcl_ctx *ctx,
                                  const struct hpcl__jrec *recs, size_t n)
{
    return append(j, ctx, recs, n, 0);
}

hpcl_rc hpcl__journal_record(struct hpcl__journal *j, hpcl_ctx *ctx,
                             enum hpcl__jevent event, const char *key,
                             const char *site, uint64_t id, const char *note)
{
    struct hpcl__jrec r = {event, key, site, id, note};

    return hpcl__journal_append(j, ctx, &r, 1);
}

/* FALLOC_FL_KEEP_SIZE: the blocks past the end are the file's, and the
 * size stays, so readers see nothing.  Appends fill them first; the next
 * reservation starts from the new end.  Appenders share the room, so a
 * disk filled by others meanwhile can still fail an outcome: submit.c
 * then prints the job's reference anyway. */
hpcl_rc hpcl__journal_reserve(struct hpcl__journal *j, hpcl_ctx *ctx,
                              size_t nrec)
{
    struct stat st;
    hpcl_rc rc;
    int r;

    if (j == NULL || nrec == 0)
        return HPCL_OK;
    if ((rc = own_fd(j, ctx)) != HPCL_OK)
        return rc;
    if (fstat(j->fd, &st) != 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s: %s", j->path,
                          strerror(errno));
    while ((r = fallocate(j->fd, FALLOC_FL_KEEP_SIZE, st.st_size,
                          (off_t)(nrec * RECORD_MAX))) != 0 &&
           errno == EINTR)
        ;
    /* A file system that cannot reserve is used as before. */
    if (r != 0 && errno != EOPNOTSUPP && errno != ENOSYS)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s: no room for the "
                          "records of this submit (%zu bytes): %s; nothing "
                          "was sent (free space there, or choose another "
                          "journal with $HPCLAUNCH_JOURNAL)", j->path,
                          nrec * RECORD_MAX, strerror(errno));
    return HPCL_OK;
}

/* --- keys -------------------------------------------------------------- */

