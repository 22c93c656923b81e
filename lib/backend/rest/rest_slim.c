/*
 * Job lists made small as they arrive.  A /jobs answer of a large site is
 * hundreds of MB, and a JSON tree costs about 16 times its text (a 200 MB
 * answer took 3.19 GB and 9.7 s whole); the driver reads a dozen members
 * of each record.  So every record of the top-level "jobs" array keeps
 * only the members the readers use (hpcl__rest_job_keys, kept beside them
 * in rest_json.c), everything else of the answer stays, and each record
 * is cut down as soon as it has arrived: what is held is the answer made
 * small plus the record under way, never the whole text.
 *
 * Malformed text cannot be slimmed: the answer then becomes its first
 * bytes as they came (HEAD_MAX), for messages to quote, and is marked
 * cut when there was more, so that it is never parsed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend/rest/rest.h"

struct slim {
    char *base;       /* the text; w and r are offsets into it, w <= r */
    size_t r, w, len;
    int dry;          /* check only, write nothing */
    const char *const *keep;
};

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws(struct slim *s)
{
    while (s->r < s->len && is_ws(s->base[s->r]))
        s->r++;
}

/* Write n bytes from offset from (never before w) at w. */
static void put(struct slim *s, size_t from, size_t n)
{
    if (!s->dry)
        memmove(s->base + s->w, s->base + from, n);
    s->w += n;
}

/* Write c at w: only where the input had a byte already consumed. */
static void put_char(struct slim *s, char c)
{
    if (!s->dry)
        s->base[s->w] = c;
    s->w++;
}

/* The end of the string at offset at (past its quote), or 0.  Quotes
 * are found by memchr() (most of a job list is long strings: scripts,
 * environments); one is the end when an even number of backslashes
 * stands before it. */
static size_t string_end(const struct slim *s, size_t at)
{
    size_t first = at + 1;

    if (at >= s->len || s->base[at] != '"')
        return 0;
    for (at = first; at < s->len; at++) {
        const char *q = memchr(s->base + at, '"', s->len - at);
        size_t k;

        if (q == NULL)
            return 0;
        at = (size_t)(q - s->base);
        for (k = at; k > first && s->base[k - 1] == '\\'; k--)
            ;
        if ((at - k) % 2 == 0)
            return at + 1;
    }
    return 0;
}

/* The end of the value at offset at, or 0.  Nesting is counted, not
 * recursed into: a deep document costs no stack. */
static size_t value_end(const struct slim *s, size_t at)
{
    size_t depth = 0, start = at;

    if (at >= s->len)
        return 0;
    if (s->base[at] == '"')
        return string_end(s, at);
    if (s->base[at] != '{' && s->base[at] != '[') {
        /* a number, true, false or null: up to a delimiter */
        while (at < s->len && !is_ws(s->base[at]) &&
               strchr(",:{}[]\"", s->base[at]) == NULL && s->base[at] != '\0')
            at++;
        return at > start ? at : 0;
    }
    while (at < s->len) {
        char c = s->base[at];

        if (c == '"') {
            if ((at = string_end(s, at)) == 0)
                return 0;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return at + 1;
        at++;
    }
    return 0;
}

static int kept(const struct slim *s, size_t key, size_t end)
{
    size_t n = end - key - 2; /* without the quotes */

    for (const char *const *k = s->keep; *k != NULL; k++)
        if (strlen(*k) == n && memcmp(s->base + key + 1, *k, n) == 0)
            return 1;
    return 0;
}

/* Past the separator after an item: 1 when another item follows (a
 * comma), 0 at the end of the object. */
static int next_item(struct slim *s)
{
    skip_ws(s);
    if (s->r >= s->len || s->base[s->r] != ',')
        return 0;
    s->r++;
    skip_ws(s);
    return 1;
}

/* The job record at r, written with only the members whose key is kept.
 * -1 when malformed. */
static int record(struct slim *s)
{
    int written = 0;

    put(s, s->r++, 1); /* { */
    skip_ws(s);
    if (s->r < s->len && s->base[s->r] == '}') {
        put(s, s->r++, 1);
        return 0;
    }
    for (;;) {
        size_t key = s->r, key_end, val, val_end;

        if ((key_end = string_end(s, key)) == 0)
            return -1;
        s->r = key_end;
        skip_ws(s);
        if (s->r >= s->len || s->base[s->r] != ':')
            return -1;
        s->r++;
        skip_ws(s);
        val = s->r;
        if ((val_end = value_end(s, val)) == 0)
            return -1;
        if (kept(s, key, key_end)) {
            if (written++ > 0)
                put_char(s, ',');
            put(s, key, key_end - key);
            put_char(s, ':');
            put(s, val, val_end - val);
        }
        s->r = val_end;
        if (!next_item(s))
            break;
    }
    if (s->r >= s->len || s->base[s->r] != '}')
        return -1;
    put(s, s->r++, 1);
    return 0;
}

/* --- the stream --------------------------------------------------------- */

/* What the answer's first bytes are kept for: a message quotes its first
 * line. */
#define HEAD_MAX 4096

enum where {
    W_START,     /* before the answer's "{" */
    W_MEMBER,    /* a member of the answer, or its "}" when it is empty */
    W_NEXT_KEY,  /* a member after a comma */
    W_SEP,       /* "," or "}" after a member */
    W_ITEM,      /* a record of "jobs", or "]" when it is empty */
    W_NEXT_ITEM, /* a record after a comma */
    W_ITEM_SEP,  /* "," or "]" after a record */
    W_END,       /* after the answer: whitespace only */
    W_BROKEN     /* malformed: the rest is only counted */
};

struct hpcl__rest_slim {
    const char *const *keep;
    char *raw;          /* text arrived and not yet slimmed */
    size_t len, cap;
    size_t retry;       /* the length at which a unit is scanned again */
    enum where at;
    int written;        /* members of the answer written */
    char head[HEAD_MAX];
    size_t head_len, received;
};

int hpcl__rest_slim_start(struct hpcl__rest_reply *reply,
                          const char *const *keep)
{
    if ((reply->slim = calloc(1, sizeof *reply->slim)) == NULL)
        return -1;
    reply->slim->keep = keep;
    return 0;
}

void hpcl__rest_slim_free(struct hpcl__rest_reply *reply)
{
    if (reply->slim != NULL)
        free(reply->slim->raw);
    free(reply->slim);
    reply->slim = NULL;
}

/* Malformed: the answer becomes its first bytes. */
static int broken(struct hpcl__rest_reply *reply)
{
    struct hpcl__rest_slim *st = reply->slim;

    st->at = W_BROKEN;
    st->len = 0;
    reply->len = 0;
    reply->cut = st->received > st->head_len;
    return hpcl__rest_reply_put(reply, st->head, st->head_len);
}

/* The end of the value at offset at of the text arrived, or 0 when it
 * has not all arrived (or is malformed: told at the end).  A number or a
 * literal ends only at a delimiter, or at the end of the answer (final). */
static size_t arrived_end(const struct slim *t, size_t at, int final)
{
    size_t end = value_end(t, at);

    if (end == t->len && !final && t->base[at] != '"' &&
        t->base[at] != '{' && t->base[at] != '[')
        return 0;
    return end;
}

/* Slim what has arrived: 0, or -1 when out of memory. */
static int advance(struct hpcl__rest_reply *reply, int final)
{
    struct hpcl__rest_slim *st = reply->slim;
    struct slim t = {st->raw, 0, 0, st->len, 0, st->keep};
    size_t done = 0; /* consumed: units written and whitespace */
    int rc = 0;

    while (rc == 0 && st->at != W_BROKEN) {
        size_t key, key_end = 0, val, val_end;
        char c;

        t.r = done;
        skip_ws(&t);
        done = t.r;
        if (t.r >= t.len)
            break;
        c = t.base[t.r];
        switch (st->at) {
        case W_START:
            if (c != '{')
                return broken(reply);
            rc = hpcl__rest_reply_put(reply, "{", 1);
            done++;
            st->at = W_MEMBER;
            continue;
        case W_END:
            return broken(reply);
        case W_SEP:
        case W_ITEM_SEP:
            if (c == ',') {
                st->at = st->at == W_SEP ? W_NEXT_KEY : W_NEXT_ITEM;
                rc = st->at == W_NEXT_ITEM ? hpcl__rest_reply_put(reply, ",", 1)
                                           : 0;
            } else if (c == (st->at == W_SEP ? '}' : ']')) {
                rc = hpcl__rest_reply_put(reply, &c, 1);
                st->at = st->at == W_SEP ? W_END : W_SEP;
            } else {
                return broken(reply);
            }
            done++;
            continue;
        case W_MEMBER:
        case W_ITEM:
            if (c == (st->at == W_MEMBER ? '}' : ']')) {
                rc = hpcl__rest_reply_put(reply, &c, 1);
                st->at = st->at == W_MEMBER ? W_END : W_SEP;
                done++;
                continue;
            }
            break;
        default:
            break;
        }
        /* A whole unit: a member of the answer, or a record. */
        if (t.len < st->retry && !final)
            break;
        if (st->at == W_MEMBER || st->at == W_NEXT_KEY) {
            int jobs;

            if (c != '"')
                return broken(reply);
            key = t.r;
            if ((key_end = string_end(&t, key)) == 0)
                goto wait;
            t.r = key_end;
            skip_ws(&t);
            if (t.r >= t.len)
                goto wait;
            if (t.base[t.r++] != ':')
                return broken(reply);
            skip_ws(&t);
            if ((val = t.r) >= t.len)
                goto wait;
            jobs = key_end - key == 6 &&
                   memcmp(t.base + key, "\"jobs\"", 6) == 0 &&
                   t.base[val] == '[';
            val_end = jobs ? val + 1 : arrived_end(&t, val, final);
            if (val_end == 0)
                goto wait;
            if (st->written++ > 0)
                rc = hpcl__rest_reply_put(reply, ",", 1);
            rc = rc ? rc : hpcl__rest_reply_put(reply, t.base + key,
                                                key_end - key);
            rc = rc ? rc : hpcl__rest_reply_put(reply, ":", 1);
            rc = rc ? rc : hpcl__rest_reply_put(reply, t.base + val,
                                                val_end - val);
            st->at = jobs ? W_ITEM : W_SEP;
            done = val_end;
            st->retry = 0;
            continue;
        }
        val = t.r;
        if ((val_end = arrived_end(&t, val, final)) == 0)
            goto wait;
        if (c == '{') {
            /* Checked dry first: nothing of a malformed record is
             * written over it. */
            struct slim rec = {t.base + val, 0, 0, val_end - val, 1,
                               st->keep};

            if (record(&rec) != 0)
                return broken(reply);
            rec.r = rec.w = 0;
            rec.dry = 0;
            (void)record(&rec);
            rc = hpcl__rest_reply_put(reply, rec.base, rec.w);
        } else {
            rc = hpcl__rest_reply_put(reply, t.base + val, val_end - val);
        }
        done = val_end;
        st->at = W_ITEM_SEP;
        st->retry = 0;
        continue;
wait:
        /* Scanned again only once twice as much has arrived: a unit of
         * n bytes costs O(n) scanning, whatever the pieces. */
        st->retry = t.len + (t.len - done); /* the unit starts at done */
        break;
    }
    if (st->at != W_BROKEN && done > 0) {
        memmove(st->raw, st->raw + done, st->len - done);
        st->len -= done;
        if (st->retry > 0)
            st->retry = st->retry > done ? st->retry - done : 0;
    }
    return rc;
}

int hpcl__rest_slim_feed(struct hpcl__rest_reply *reply, const char *p,
                         size_t n)
{
    struct hpcl__rest_slim *st = reply->slim;
    size_t h = HEAD_MAX - st->head_len < n ? HEAD_MAX - st->head_len : n;

    memcpy(st->head + st->head_len, p, h);
    st->head_len += h;
    st->received += n;
    if (st->at == W_BROKEN) {
        reply->cut = st->received > st->head_len;
        return hpcl__rest_reply_put(reply, p, h);
    }
    if (st->len + n > st->cap) {
        size_t cap = st->cap > 0 ? st->cap : 65536;
        char *grown;

        while (cap < st->len + n)
            cap *= 2;
        if ((grown = realloc(st->raw, cap)) == NULL)
            return -1;
        st->raw = grown;
        st->cap = cap;
    }
    memcpy(st->raw + st->len, p, n);
    st->len += n;
    if (st->len > reply->held)
        reply->held = st->len;
    return advance(reply, 0);
}

int hpcl__rest_slim_end(struct hpcl__rest_reply *reply)
{
    struct hpcl__rest_slim *st = reply->slim;
    int rc = 0;

    if (st->at != W_BROKEN) {
        st->retry = 0;
        rc = advance(reply, 1);
        if (rc == 0 && st->at != W_BROKEN && (st->at != W_END || st->len > 0))
            rc = broken(reply);
    }
    hpcl__rest_slim_free(reply);
    return rc;
}
