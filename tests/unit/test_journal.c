/* The journal: records, torn lines, concurrency, one sync per batch, keys. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcl_test.h"
#include "stage/stage-internal.h"
#include "submit/journal.h"

/* fdatasync, wrapped at link time (-Wl,--wrap=fdatasync): counted, and
 * real only where a test wants it (timings), so that 1,600 appends stay
 * fast. */
int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);

static int sync_calls;
static int sync_real;
static int sync_fail;

int __wrap_fdatasync(int fd)
{
    sync_calls++;
    if (sync_fail) {
        errno = EIO;
        return -1;
    }
    return sync_real ? __real_fdatasync(fd) : 0;
}

struct fixture {
    char dir[64];
    char path[128]; /* the journal, two directories down */
    hpcl_ctx *ctx;
    int warnings;
};

static void count_warnings(hpcl_log_level level, const char *msg, void *arg)
{
    struct fixture *f = arg;

    (void)msg;
    if (level == HPCL_LOG_WARN)
        f->warnings++;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/hpcl-journal-XXXXXX");
    if (mkdtemp(f->dir) == NULL || hpcl_ctx_create(&f->ctx, 0) != HPCL_OK)
        return -1;
    hpcl_ctx_set_log(f->ctx, count_warnings, f);
    snprintf(f->path, sizeof f->path, "%s/state/hpclaunch/journal", f->dir);
    sync_calls = sync_real = sync_fail = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    hpcl_ctx_destroy(f->ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static struct hpcl__journal *open_ok(struct fixture *f)
{
    struct hpcl__journal *j = NULL;

    if (hpcl__journal_open(&j, f->ctx, f->path) != HPCL_OK)
        fail_msg("open: %s", hpcl_ctx_errmsg(f->ctx));
    return j;
}

static struct hpcl__jsummary *load_ok(struct fixture *f)
{
    struct hpcl__jsummary *s = NULL;

    if (hpcl__journal_load(&s, f->ctx, f->path) != HPCL_OK)
        fail_msg("load: %s", hpcl_ctx_errmsg(f->ctx));
    return s;
}

static void new_key(struct fixture *f, char key[HPCL__KEY_LEN + 1])
{
    assert_int_equal(hpcl__key_new(key, f->ctx), HPCL_OK);
}

static void record(struct fixture *f, struct hpcl__journal *j,
                   enum hpcl__jevent ev, const char *key, const char *site,
                   uint64_t id, const char *note)
{
    if (hpcl__journal_record(j, f->ctx, ev, key, site, id, note) != HPCL_OK)
        fail_msg("record: %s", hpcl_ctx_errmsg(f->ctx));
}

static void append_raw(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *text = calloc(1, 1 << 20);

    assert_non_null(fp);
    assert_non_null(text);
    assert_true(fread(text, 1, (1 << 20) - 1, fp) < (1 << 20) - 1);
    fclose(fp);
    return text;
}

static void journal_round_trip(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    char k1[40], k2[40], k3[40];
    struct hpcl__jsummary *s;
    const struct hpcl__jentry *e;
    char *text;

    new_key(f, k1);
    new_key(f, k2);
    new_key(f, k3);
    record(f, j, HPCL__J_INTENT, k1, "alpha", 0, NULL);
    record(f, j, HPCL__J_INTENT, k2, "alpha", 0, NULL);
    record(f, j, HPCL__J_SUBMITTED, k1, "alpha", 4242, NULL);
    record(f, j, HPCL__J_AMBIGUOUS, k2, "alpha", 0, "timed out after 10 s");
    record(f, j, HPCL__J_INTENT, k3, "alpha", 0, NULL);
    record(f, j, HPCL__J_FAILED, k3, "alpha", 0,
           "Slurm 2015: \"too many\" 100% nodes\nnext line \xc3\xa9");
    record(f, j, HPCL__J_INTENT, k3, "beta", 0, "fallback");
    record(f, j, HPCL__J_SUBMITTED, k3, "beta", 17, NULL);
    hpcl__journal_close(j);

    s = load_ok(f);
    assert_int_equal(s->n, 3);
    assert_int_equal(s->skipped, 0);
    assert_int_equal(s->torn, 0);
    assert_string_equal(s->entry[0].key, k1); /* order of first appearance */
    e = hpcl__jsummary_get(s, k1);
    assert_int_equal(e->state, HPCL__J_SUBMITTED);
    assert_string_equal(e->site, "alpha");
    assert_int_equal(e->id, 4242);
    assert_int_equal(e->nevents, 2);
    assert_int_equal(e->pid, (long)getpid());
    assert_true(e->first > 0 && e->last >= e->first);
    assert_false(hpcl__jentry_unresolved(e));
    e = hpcl__jsummary_get(s, k2);
    assert_int_equal(e->state, HPCL__J_AMBIGUOUS);
    assert_string_equal(e->note, "timed out after 10 s");
    assert_int_equal(e->id, 0);
    assert_true(hpcl__jentry_unresolved(e));
    e = hpcl__jsummary_get(s, k3);
    assert_int_equal(e->state, HPCL__J_SUBMITTED);
    assert_string_equal(e->site, "beta");
    assert_int_equal(e->id, 17);
    assert_int_equal(e->nevents, 4);
    assert_string_equal(e->note, "");
    assert_null(hpcl__jsummary_get(s, "hpcl-00000000000000000000000000000000"));
    assert_null(hpcl__jsummary_get(s, "not a key"));
    hpcl__jsummary_free(s);
    assert_int_equal(hpcl__crc32("123456789", 9), 0xCBF43926u); /* check */

    /* The note survives encoding byte for byte, and the file stays one
     * readable line per event. */
    text = read_text(f->path);
    assert_non_null(strstr(text, "note=Slurm%202015:%20\"too%20many\"%20100%25"
                                 "%20nodes%0Anext%20line%20%C3%A9 crc="));
    assert_int_equal(strncmp(text, "V1 ", 3), 0);
    assert_non_null(strstr(text, " INTENT key=hpcl-"));
    hpcl__jsummary_free(NULL);
    free(text);
}

static void journal_note_decodes(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    const char *note = "a b%c\n\t\"d\" \xc3\xa9";
    struct hpcl__jsummary *s;
    char key[40];

    new_key(f, key);
    record(f, j, HPCL__J_FAILED, key, NULL, 0, note);
    hpcl__journal_close(j);
    s = load_ok(f);
    assert_string_equal(s->entry[0].note, note);
    assert_string_equal(s->entry[0].site, "");
    hpcl__jsummary_free(s);
}

static void journal_creates_private_dir_and_file(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j;
    char dir[160];
    struct stat st;
    mode_t old = umask(0); /* the modes must not depend on the umask */

    j = open_ok(f);
    umask(old);
    snprintf(dir, sizeof dir, "%s/state/hpclaunch", f->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 0);
    hpcl__journal_close(j);
    /* Opening again keeps what is there. */
    j = open_ok(f);
    hpcl__journal_close(j);
    hpcl__journal_close(NULL);
    assert_int_equal(hpcl__journal_open(&j, f->ctx, "relative/journal"),
                     HPCL_E_INVAL);
    assert_int_equal(hpcl__journal_open(&j, f->ctx, f->dir), HPCL_E_SYSTEM);
}

static void journal_torn_last_line(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    struct hpcl__jsummary *s;
    char k1[40], k2[40], *text, *last;
    size_t len;

    new_key(f, k1);
    new_key(f, k2);
    record(f, j, HPCL__J_INTENT, k1, "alpha", 0, NULL);
    record(f, j, HPCL__J_SUBMITTED, k1, "alpha", 1234567, NULL);
    /* A crash in the middle of the write of k1's next record: cut inside
     * the id, where the prefix would otherwise read as a valid record
     * with id 12. */
    text = read_text(f->path);
    last = strstr(text, " SUBMITTED ");
    while (last > text && last[-1] != '\n')
        last--;
    len = (size_t)(strstr(last, "id=1234567") - last) + strlen("id=12");
    append_raw(f->path, last, len);
    free(text);
    s = load_ok(f);
    assert_int_equal(s->torn, 1);
    assert_int_equal(s->skipped, 0);
    assert_int_equal(s->n, 1);
    assert_int_equal(hpcl__jsummary_get(s, k1)->id, 1234567);
    assert_int_equal(f->warnings, 1);
    hpcl__jsummary_free(s);

    /* The next writer ends the torn line first: its own record is intact,
     * and the torn one is skipped as damaged, not read as id 12. */
    record(f, j, HPCL__J_INTENT, k2, "beta", 0, NULL);
    record(f, j, HPCL__J_CANCELLED, k1, NULL, 0, "on request");
    hpcl__journal_close(j);
    s = load_ok(f);
    assert_int_equal(s->torn, 0);
    assert_int_equal(s->skipped, 1);
    assert_int_equal(s->n, 2);
    assert_int_equal(hpcl__jsummary_get(s, k1)->id, 1234567);
    assert_int_equal(hpcl__jsummary_get(s, k1)->state, HPCL__J_CANCELLED);
    assert_true(hpcl__jentry_unresolved(hpcl__jsummary_get(s, k2)));
    hpcl__jsummary_free(s);
}

static void journal_damaged_lines_are_skipped(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    struct hpcl__jsummary *s;
    char key[40], *text, *bad;
    static const char zeros[64];

    new_key(f, key);
    record(f, j, HPCL__J_INTENT, key, "alpha", 0, NULL);
    text = read_text(f->path);
    append_raw(f->path, "garbage without a checksum\n", 27);
    append_raw(f->path, "\n\n", 2); /* blank lines are not damage */
    bad = strdup(text);
    assert_non_null(bad);
    bad[strlen(bad) - 3] ^= 1; /* one bit in the checksum */
    append_raw(f->path, bad, strlen(bad));
    strcpy(bad, text);
    bad[1] = '9'; /* a version we do not know */
    append_raw(f->path, bad, strlen(bad));
    append_raw(f->path, zeros, sizeof zeros); /* unwritten blocks */
    record(f, j, HPCL__J_SUBMITTED, key, "alpha", 99, NULL);
    hpcl__journal_close(j);
    s = load_ok(f);
    assert_int_equal(s->n, 1);
    assert_int_equal(s->skipped, 4);
    assert_int_equal(f->warnings, 4);
    assert_int_equal(s->entry[0].state, HPCL__J_SUBMITTED);
    assert_int_equal(s->entry[0].id, 99);
    hpcl__jsummary_free(s);
    free(bad);
    free(text);
}

static void journal_missing_file_is_empty(void **state)
{
    struct fixture *f = *state;
    struct hpcl__jsummary *s = load_ok(f);

    assert_int_equal(s->n, 0);
    assert_null(hpcl__jsummary_get(s, "hpcl-00000000000000000000000000000000"));
    hpcl__jsummary_free(s);
    assert_int_equal(hpcl__journal_load(&s, f->ctx, f->dir), HPCL_E_SYSTEM);
    assert_null(s);
}

#define NPROC 8
#define NREC 200

static void child_appends(struct fixture *f, struct hpcl__journal *shared)
{
    struct hpcl__journal *j = shared;
    char key[40];

    if (j == NULL && hpcl__journal_open(&j, f->ctx, f->path) != HPCL_OK)
        _exit(2);
    for (int i = 0; i < NREC; i++)
        if (hpcl__key_new(key, f->ctx) != HPCL_OK ||
            hpcl__journal_record(j, f->ctx, HPCL__J_INTENT, key, "alpha", 0,
                                 "concurrent writer, one line each") !=
                HPCL_OK)
            _exit(3);
    _exit(0);
}

static void journal_concurrent_appends(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *parent = open_ok(f);
    struct hpcl__jsummary *s;
    pid_t pid[NPROC];
    size_t lines = 0;
    char *text;
    int status;

    /* Half the children inherit the parent's handle (and must reopen it:
     * flock locks are shared across fork), half open their own. */
    for (int i = 0; i < NPROC; i++) {
        assert_true((pid[i] = fork()) >= 0);
        if (pid[i] == 0)
            child_appends(f, i % 2 ? parent : NULL);
    }
    for (int i = 0; i < NPROC; i++) {
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    hpcl__journal_close(parent);
    text = read_text(f->path);
    for (char *s2 = text; (s2 = strchr(s2, '\n')) != NULL; s2++)
        lines++;
    free(text);
    assert_int_equal(lines, NPROC * NREC);
    s = load_ok(f);
    assert_int_equal(s->n, NPROC * NREC);
    assert_int_equal(s->skipped, 0);
    assert_int_equal(s->torn, 0);
    hpcl__jsummary_free(s);
}

static void journal_batch_syncs_once(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    struct hpcl__jrec rec[100];
    char key[100][40];
    struct hpcl__jsummary *s;

    for (int i = 0; i < 100; i++) {
        new_key(f, key[i]);
        rec[i] = (struct hpcl__jrec){HPCL__J_INTENT, key[i], "alpha", 0,
                                     NULL};
    }
    sync_calls = 0;
    assert_int_equal(hpcl__journal_append(j, f->ctx, rec, 100), HPCL_OK);
    assert_int_equal(sync_calls, 1);
    for (int i = 0; i < 100; i++) {
        rec[i].event = HPCL__J_SUBMITTED;
        rec[i].id = 1000 + (uint64_t)i;
    }
    assert_int_equal(hpcl__journal_append(j, f->ctx, rec, 100), HPCL_OK);
    assert_int_equal(sync_calls, 2);
    record(f, j, HPCL__J_CANCELLED, key[0], NULL, 0, NULL);
    assert_int_equal(sync_calls, 3);
    assert_int_equal(hpcl__journal_append(j, f->ctx, rec, 0), HPCL_OK);
    assert_int_equal(sync_calls, 3);
    hpcl__journal_close(j);
    s = load_ok(f);
    assert_int_equal(s->n, 100);
    for (int i = 1; i < 100; i++)
        assert_int_equal(hpcl__jsummary_get(s, key[i])->id, 1000 + i);
    hpcl__jsummary_free(s);
}

static void journal_sync_failure_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    char key[40];

    new_key(f, key);
    sync_fail = 1;
    assert_int_equal(hpcl__journal_record(j, f->ctx, HPCL__J_INTENT, key,
                                          "alpha", 0, NULL),
                     HPCL_E_SYSTEM);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "fdatasync"));
    sync_fail = 0;
    hpcl__journal_close(j);
}

static void journal_rejects_invalid_records(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    char key[40];
    struct stat st;
    const struct hpcl__jrec bad[] = {
        {HPCL__J_INTENT, "hpcl-xyz", "alpha", 0, NULL},
        {HPCL__J_INTENT, NULL, "alpha", 0, NULL},
        {HPCL__J_INTENT, key, NULL, 0, NULL},
        {HPCL__J_SUBMITTED, key, "alpha", 0, NULL},
        {HPCL__J_ADOPTED, key, NULL, 5, NULL},
        {HPCL__J_INTENT, key, "al pha", 0, NULL},
        {HPCL__J_NEVENTS, key, "alpha", 0, NULL},
    };

    new_key(f, key);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hpcl__journal_append(j, f->ctx, &bad[i], 1),
                         HPCL_E_INVAL);
    assert_int_equal(hpcl__journal_append(NULL, f->ctx, bad, 1),
                     HPCL_E_INVAL);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(sync_calls, 0);
    hpcl__journal_close(j);
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, 40);
}

static void keys_are_unique_and_well_formed(void **state)
{
    struct fixture *f = *state;
    enum { N = 10000 };
    char(*keys)[40] = calloc(N, sizeof *keys);

    assert_non_null(keys);
    for (int i = 0; i < N; i++) {
        new_key(f, keys[i]);
        assert_int_equal(strlen(keys[i]), HPCL__KEY_LEN);
        assert_true(hpcl__key_valid(keys[i]));
    }
    qsort(keys, N, sizeof *keys, cmp_key);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(keys[i - 1], keys[i]);
    free(keys);
    assert_false(hpcl__key_valid(NULL));
    assert_false(hpcl__key_valid("hpcl-0123"));
    assert_false(hpcl__key_valid("hpcl-0123456789ABCDEF0123456789abcdef"));
    assert_false(hpcl__key_valid("xpcl-0123456789abcdef0123456789abcdef"));
    assert_false(hpcl__key_valid("hpcl-0123456789abcdef0123456789abcdef0"));
    assert_true(hpcl__key_valid("hpcl-0123456789abcdef0123456789abcdef"));
}

static void key_comment_round_trip(void **state)
{
    struct fixture *f = *state;
    const char *k = "hpcl-0123456789abcdef0123456789abcdef";
    const char *other = "hpcl-ffffffffffffffffffffffffffffffff";
    char *comment, found[40], text[256];

    assert_int_equal(hpcl__key_comment(&comment, f->ctx, k, NULL), HPCL_OK);
    assert_string_equal(comment,
                        "hpcl-key=hpcl-0123456789abcdef0123456789abcdef");
    free(comment);
    assert_int_equal(hpcl__key_comment(&comment, f->ctx, k, ""), HPCL_OK);
    free(comment);
    assert_int_equal(hpcl__key_comment(&comment, f->ctx, k, "run 7"), HPCL_OK);
    assert_int_equal(strncmp(comment, "hpcl-key=hpcl-0123", 18), 0);
    assert_string_equal(comment + HPCL__KEY_LEN + 9, " run 7");
    assert_int_equal(hpcl__key_from_comment(found, comment), 1);
    assert_string_equal(found, k);
    free(comment);
    assert_int_equal(hpcl__key_comment(&comment, f->ctx, "bad", NULL),
                     HPCL_E_INVAL);

    /* A site's plugin may add text around ours; only a whole tag counts. */
    snprintf(text, sizeof text, "[site note] hpcl-key=%s,other", k);
    assert_int_equal(hpcl__key_from_comment(found, text), 1);
    assert_string_equal(found, k);
    snprintf(text, sizeof text, "xhpcl-key=%s hpcl-key=%s", other, k);
    assert_int_equal(hpcl__key_from_comment(found, text), 1);
    assert_string_equal(found, k);
    snprintf(text, sizeof text, "hpcl-key=%s0 hpcl-key=hpcl-12", k);
    assert_int_equal(hpcl__key_from_comment(found, text), 0);
    assert_int_equal(hpcl__key_from_comment(found, "hpcl-key="), 0);
    assert_int_equal(hpcl__key_from_comment(found, ""), 0);
    assert_int_equal(hpcl__key_from_comment(found, NULL), 0);
}

static void journal_path_precedence(void **state)
{
    struct fixture *f = *state;
    char *path;

    setenv("HOME", "/home/u", 1);
    unsetenv("XDG_STATE_HOME");
    unsetenv("HPCLAUNCH_JOURNAL");
    assert_int_equal(hpcl__journal_path(&path, f->ctx, NULL), HPCL_OK);
    assert_string_equal(path, "/home/u/.local/state/hpclaunch/journal");
    free(path);
    setenv("XDG_STATE_HOME", "relative", 1);
    assert_int_equal(hpcl__journal_path(&path, f->ctx, NULL), HPCL_OK);
    assert_string_equal(path, "/home/u/.local/state/hpclaunch/journal");
    free(path);
    setenv("XDG_STATE_HOME", "/xdg", 1);
    assert_int_equal(hpcl__journal_path(&path, f->ctx, NULL), HPCL_OK);
    assert_string_equal(path, "/xdg/hpclaunch/journal");
    free(path);
    assert_int_equal(hpcl__journal_path(&path, f->ctx, "/conf/j"), HPCL_OK);
    assert_string_equal(path, "/conf/j");
    free(path);
    setenv("HPCLAUNCH_JOURNAL", "/env/j", 1);
    assert_int_equal(hpcl__journal_path(&path, f->ctx, "/conf/j"), HPCL_OK);
    assert_string_equal(path, "/env/j");
    free(path);
    setenv("HPCLAUNCH_JOURNAL", "env/j", 1);
    assert_int_equal(hpcl__journal_path(&path, f->ctx, NULL), HPCL_E_CONFIG);
    assert_null(path);
    unsetenv("HPCLAUNCH_JOURNAL");
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    assert_int_equal(hpcl__journal_path(&path, f->ctx, NULL), HPCL_E_CONFIG);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "HPCLAUNCH_JOURNAL"));
    setenv("HOME", f->dir, 1);
}

static void journal_writer_alive(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    struct hpcl__jsummary *s;
    char key[40];
    pid_t child;

    new_key(f, key);
    record(f, j, HPCL__J_INTENT, key, "alpha", 0, NULL);
    s = load_ok(f);
    assert_true(hpcl__jentry_writer_alive(&s->entry[0]));
    hpcl__jsummary_free(s);
    /* A writer that has exited (its pid reaped) is not alive. */
    if ((child = fork()) == 0) {
        struct hpcl__journal *cj;

        _exit(hpcl__journal_open(&cj, NULL, f->path) != HPCL_OK ||
              hpcl__journal_record(cj, NULL, HPCL__J_AMBIGUOUS, key,
                                   "alpha", 0, NULL) != HPCL_OK);
    }
    assert_true(child > 0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    s = load_ok(f);
    assert_int_equal(s->entry[0].pid, (long)child);
    assert_false(hpcl__jentry_writer_alive(&s->entry[0]));
    assert_false(hpcl__jentry_writer_alive(NULL));
    hpcl__jsummary_free(s);
    hpcl__journal_close(j);
}

/* Job ids are read as 64-bit numbers: 2^32 + 5 is never job 5 (a
 * record with an id Slurm cannot have is skipped, naming the site and
 * the field; the entry is then settled by its key). */
static void journal_id_out_of_range(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    struct hpcl__jsummary *s;
    char key[40], other[40];

    new_key(f, key);
    new_key(f, other);
    record(f, j, HPCL__J_INTENT, key, "alpha", 0, NULL);
    record(f, j, HPCL__J_SUBMITTED, key, "alpha", 4294967301ull, NULL);
    record(f, j, HPCL__J_INTENT, other, "alpha", 0, NULL);
    record(f, j, HPCL__J_SUBMITTED, other, "alpha", 4294967295ull, NULL);
    hpcl__journal_close(j);
    s = load_ok(f);
    assert_int_equal(s->skipped, 1);
    assert_int_equal(f->warnings, 1);
    assert_int_equal(hpcl__jsummary_get(s, key)->state, HPCL__J_INTENT);
    assert_int_equal(hpcl__jsummary_get(s, key)->id, 0);
    assert_true(hpcl__jsummary_get(s, other)->id == 4294967295ull);
    hpcl__jsummary_free(s);
}

/* A pid reused by a process that started after the entry's last event
 * is not its writer: the entry is not "in flight" forever.  Entries made
 * by hand: pid 1 started at boot, before any event of this test. */
static void journal_writer_pid_reused(void **state)
{
    struct hpcl__jentry e;

    (void)state;
    memset(&e, 0, sizeof e);
    hpcl__journal_host(e.host);
    e.pid = (long)getpid();
    e.last = (long long)time(NULL);
    assert_true(hpcl__jentry_writer_alive(&e));
    /* Written an hour before this process started: the pid was reused. */
    e.last -= 3600;
    assert_false(hpcl__jentry_writer_alive(&e));
    /* Written before the last boot: every pid has been reused. */
    e.pid = 1;
    e.last = 1000;
    assert_false(hpcl__jentry_writer_alive(&e));
    e.last = (long long)time(NULL);
    assert_true(hpcl__jentry_writer_alive(&e));
}

static double seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Not a pass/fail test (the disk decides): the per-record cost with a real
 * fdatasync, printed as a TAP comment for the submission benchmark. */
static void journal_timing(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    struct hpcl__jrec rec[100];
    char key[100][40];
    double t0, single, batch;

    sync_real = 1;
    for (int i = 0; i < 100; i++) {
        new_key(f, key[i]);
        rec[i] = (struct hpcl__jrec){HPCL__J_INTENT, key[i], "alpha", 0,
                                     NULL};
    }
    t0 = seconds();
    for (int i = 0; i < 100; i++)
        record(f, j, HPCL__J_INTENT, key[i], "alpha", 0, NULL);
    single = (seconds() - t0) / 100;
    t0 = seconds();
    for (int b = 0; b < 10; b++)
        assert_int_equal(hpcl__journal_append(j, f->ctx, rec, 100), HPCL_OK);
    batch = (seconds() - t0) / 1000;
    printf("# journal: %.1f us per synced record alone, %.2f us per record "
           "in batches of 100\n", single * 1e6, batch * 1e6);
    hpcl__journal_close(j);
}

/* Settled entries older than the cut go, with all their lines; active,
 * unresolved and lost ones stay whatever their age, and so do damaged
 * lines; the file is replaced (new inode), mode 0600. */
static void journal_prune_drops_old_settled(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    char ended[40], active[40], failed[40], cancelled[40], lost[40],
        intent[40];
    struct hpcl__jsummary *s;
    struct stat before, after;
    size_t dropped = 99;
    char *text;

    new_key(f, ended);
    new_key(f, active);
    new_key(f, failed);
    new_key(f, cancelled);
    new_key(f, lost);
    new_key(f, intent);
    record(f, j, HPCL__J_INTENT, ended, "alpha", 0, NULL);
    record(f, j, HPCL__J_SUBMITTED, ended, "alpha", 11, NULL);
    record(f, j, HPCL__J_ENDED, ended, "alpha", 11, "COMPLETED exit 0");
    record(f, j, HPCL__J_SUBMITTED, active, "alpha", 12, NULL);
    record(f, j, HPCL__J_INTENT, failed, "beta", 0, NULL);
    record(f, j, HPCL__J_FAILED, failed, "beta", 0, "refused");
    record(f, j, HPCL__J_SUBMITTED, cancelled, "beta", 13, NULL);
    record(f, j, HPCL__J_CANCELLED, cancelled, "beta", 13, NULL);
    record(f, j, HPCL__J_LOST, lost, "beta", 14, NULL);
    record(f, j, HPCL__J_INTENT, intent, "beta", 0, NULL);
    append_raw(f->path, "V1 garbage line\n", 16);
    assert_int_equal(stat(f->path, &before), 0);

    /* Nothing is old enough: the file is left alone. */
    assert_int_equal(hpcl__journal_prune(f->ctx, f->path, 0, &dropped),
                     HPCL_OK);
    assert_int_equal(dropped, 0);
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);

    assert_int_equal(hpcl__journal_prune(f->ctx, f->path,
                                         (long long)time(NULL) + 10,
                                         &dropped),
                     HPCL_OK);
    assert_int_equal(dropped, 3);
    assert_int_equal(stat(f->path, &after), 0);
    assert_true(after.st_ino != before.st_ino);
    assert_int_equal(after.st_mode & 0777, 0600);
    text = read_text(f->path);
    assert_non_null(strstr(text, "V1 garbage line\n"));
    assert_null(strstr(text, ended));
    assert_null(strstr(text, failed));
    assert_null(strstr(text, cancelled));
    free(text);
    s = load_ok(f);
    assert_int_equal(s->n, 3);
    assert_non_null(hpcl__jsummary_get(s, active));
    assert_non_null(hpcl__jsummary_get(s, lost));
    assert_non_null(hpcl__jsummary_get(s, intent));
    assert_int_equal(s->skipped, 1);
    hpcl__jsummary_free(s);

    /* The old handle finds the file replaced and appends to the new one. */
    record(f, j, HPCL__J_ENDED, active, "alpha", 12, "COMPLETED exit 0");
    s = load_ok(f);
    assert_int_equal(hpcl__jsummary_get(s, active)->state, HPCL__J_ENDED);
    hpcl__jsummary_free(s);
    hpcl__journal_close(j);
}

/* Writers appending while another process prunes again and again lose
 * nothing: each waits for the lock, sees the file replaced, reopens. */
static void journal_prune_keeps_concurrent_appends(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    struct hpcl__jsummary *s;
    pid_t pid[NPROC];
    size_t dropped, total = 0, intents = 0;
    int status, renames = 0;
    char key[40];

    for (int i = 0; i < NPROC; i++) {
        assert_true((pid[i] = fork()) >= 0);
        if (pid[i] == 0)
            child_appends(f, NULL);
    }
    for (int round = 0; round < 40; round++) {
        new_key(f, key);
        record(f, j, HPCL__J_FAILED, key, "alpha", 0, "to prune");
        assert_int_equal(hpcl__journal_prune(f->ctx, f->path,
                                             (long long)time(NULL) + 10,
                                             &dropped),
                         HPCL_OK);
        renames += dropped > 0;
        total += dropped;
    }
    for (int i = 0; i < NPROC; i++) {
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    hpcl__journal_close(j);
    assert_int_equal(total, 40);
    assert_int_equal(renames, 40);
    s = load_ok(f);
    for (size_t k = 0; k < s->n; k++)
        intents += s->entry[k].state == HPCL__J_INTENT;
    assert_int_equal(intents, NPROC * NREC);
    assert_int_equal(s->n, NPROC * NREC);
    assert_int_equal(s->skipped, 0);
    hpcl__jsummary_free(s);
}

/* text into a new file at path, mode 0600. */
static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, 0600), 0);
}

static long long mtime_ns(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

/* The files beside the journal lose the lines of the jobs pruned: every
 * request of theirs (a line glued to a torn one only when both requests
 * in it are theirs), their outputs, and the inputs they verified that
 * changed or went since; an input still as it was verified stays, as do
 * the active job's lines, damaged lines and a torn tail.  Nothing pruned:
 * the files are not rewritten. */
static void journal_prune_files_beside(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    char old[40], active[40], requests[160], transfers[160], same[160],
        changed[160], gone[160], *text, *want;
    struct stat before, after;
    size_t dropped;
    long long mt;

    new_key(f, old);
    new_key(f, active);
    record(f, j, HPCL__J_SUBMITTED, old, "alpha", 11, NULL);
    record(f, j, HPCL__J_ENDED, old, "alpha", 11, "COMPLETED exit 0");
    record(f, j, HPCL__J_SUBMITTED, active, "alpha", 12, NULL);
    hpcl__journal_close(j);
    snprintf(requests, sizeof requests, "%s/state/hpclaunch/requests",
             f->dir);
    snprintf(transfers, sizeof transfers, "%s.transfers", f->path);
    snprintf(same, sizeof same, "%s/same.dat", f->dir);
    snprintf(changed, sizeof changed, "%s/changed.dat", f->dir);
    snprintf(gone, sizeof gone, "%s/gone.dat", f->dir);
    write_text(same, "12345");
    write_text(changed, "1234567");
    mt = mtime_ns(same);
    assert_true(asprintf(&text,
        "{\"key\":\"%s\",\"site\":\"alpha\",\"script\":\"#!/bin/sh\\n\"}\n"
        "{\"key\":\"%s\",\"site\":\"alpha\"}\n"
        "{\"key\":\"%s\",\"scr{\"key\":\"%s\",\"site\":\"alpha\"}\n"
        "{\"key\":\"%s\",\"scr{\"key\":\"%s\",\"site\":\"alpha\"}\n"
        "{\"site\":\"alpha\",\"script\":\"\\\"key\\\":\\\"%s\\\"\"}\n"
        "{\"key\":\"%s\",\"site\":\"al",
        old, active, old, active, old, old, old, old) > 0);
    write_text(requests, text);
    free(text);
    assert_true(asprintf(&text,
        "V alpha %064d 5 %lld %s %s\n"
        "V alpha %064d 5 %lld %s %s\n"
        "V alpha %064d 5 %lld %s %s\n"
        "V alpha %064d 5 %lld %s %s\n"
        "O alpha %s /home/u/out a\n"
        "O alpha %s /home/u/out b\n"
        "B alpha %064d %s /home/u/out a\n"
        "garbage %s\n"
        "O alpha %s /home/u/torn",
        0, mt, old, same, 0, mt, old, changed, 0, mt, old, gone, 0, mt, active,
        gone, old, active, 0, old, old, old) > 0);
    write_text(transfers, text);
    free(text);
    assert_int_equal(stat(requests, &before), 0);

    /* Nothing is old enough: no file is rewritten. */
    assert_int_equal(hpcl__journal_prune(f->ctx, f->path, 0, &dropped),
                     HPCL_OK);
    assert_int_equal(dropped, 0);
    assert_int_equal(stat(requests, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);

    assert_int_equal(hpcl__journal_prune(f->ctx, f->path,
                                         (long long)time(NULL) + 10,
                                         &dropped),
                     HPCL_OK);
    assert_int_equal(dropped, 1);
    assert_int_equal(stat(requests, &after), 0);
    assert_true(after.st_ino != before.st_ino);
    assert_int_equal(after.st_mode & 0777, 0600);
    text = read_text(requests);
    assert_true(asprintf(&want,
        "{\"key\":\"%s\",\"site\":\"alpha\"}\n"
        "{\"key\":\"%s\",\"scr{\"key\":\"%s\",\"site\":\"alpha\"}\n"
        "{\"site\":\"alpha\",\"script\":\"\\\"key\\\":\\\"%s\\\"\"}\n"
        "{\"key\":\"%s\",\"site\":\"al",
        active, old, active, old, old) > 0);
    assert_string_equal(text, want);
    free(text);
    free(want);
    text = read_text(transfers);
    assert_true(asprintf(&want,
        "V alpha %064d 5 %lld %s %s\n"
        "V alpha %064d 5 %lld %s %s\n"
        "O alpha %s /home/u/out b\n"
        "garbage %s\n"
        "O alpha %s /home/u/torn",
        0, mt, old, same, 0, mt, active, gone, active, old, old) > 0);
    assert_string_equal(text, want);
    free(text);
    free(want);
    assert_int_equal(stat(transfers, &after), 0);
    assert_int_equal(after.st_mode & 0777, 0600);
}

/* Writers of the transfers log and the requests file lose nothing while
 * another process prunes them again and again: each opens the file and
 * takes its lock as one step (hpcl__open_locked), so a line never goes to
 * a file that a prune has just replaced. */
static void journal_prune_keeps_lines_beside(void **state)
{
    struct fixture *f = *state;
    struct hpcl__journal *j = open_ok(f);
    char transfers[160], requests[160], key[40], *text;
    pid_t pid[NPROC];
    size_t dropped, lines = 0, rlines = 0;
    int status;

    snprintf(transfers, sizeof transfers, "%s.transfers", f->path);
    snprintf(requests, sizeof requests, "%s/state/hpclaunch/requests",
             f->dir);
    for (int i = 0; i < NPROC; i++) {
        assert_true((pid[i] = fork()) >= 0);
        if (pid[i] != 0)
            continue;
        for (int n = 0; n < NREC; n++)
            if (hpcl__stage_log_line(f->ctx, transfers,
                                     "O alpha child%d /out/%d\n", i, n) !=
                HPCL_OK)
                _exit(3);
        _exit(0);
    }
    for (int round = 0; round < 40; round++) {
        new_key(f, key);
        record(f, j, HPCL__J_FAILED, key, "alpha", 0, "to prune");
        assert_int_equal(hpcl__stage_log_line(f->ctx, transfers,
                                              "O alpha %s /pruned\n", key),
                         HPCL_OK);
        assert_true(asprintf(&text, "{\"key\":\"%s\"}\n", key) > 0);
        write_text(requests, text); /* one line to drop each round */
        free(text);
        assert_int_equal(hpcl__journal_prune(f->ctx, f->path,
                                             (long long)time(NULL) + 10,
                                             &dropped),
                         HPCL_OK);
        assert_int_equal(dropped, 1);
        text = read_text(requests);
        rlines += text[0] != '\0';
        free(text);
    }
    for (int i = 0; i < NPROC; i++) {
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    hpcl__journal_close(j);
    assert_int_equal(rlines, 0);
    text = read_text(transfers);
    for (char *s2 = text; (s2 = strchr(s2, '\n')) != NULL; s2++)
        lines++;
    assert_null(strstr(text, "/pruned"));
    free(text);
    assert_int_equal(lines, NPROC * NREC);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

HPCL_TEST_MAIN(NULL, NULL, T(journal_round_trip), T(journal_note_decodes),
               T(journal_creates_private_dir_and_file),
               T(journal_torn_last_line),
               T(journal_damaged_lines_are_skipped),
               T(journal_missing_file_is_empty),
               T(journal_concurrent_appends), T(journal_batch_syncs_once),
               T(journal_sync_failure_is_an_error),
               T(journal_rejects_invalid_records),
               T(keys_are_unique_and_well_formed),
               T(key_comment_round_trip), T(journal_path_precedence),
               T(journal_writer_alive), T(journal_writer_pid_reused),
               T(journal_id_out_of_range),
               T(journal_prune_drops_old_settled),
               T(journal_prune_keeps_concurrent_appends),
               T(journal_prune_files_beside),
               T(journal_prune_keeps_lines_beside), T(journal_timing))
