/*
 * Job lists made small before they are parsed.  A /jobs answer of a large
 * site is hundreds of MB, and a JSON tree costs about 16 times its text
 * (a 200 MB answer took 3.19 GB and 9.7 s whole); the driver reads a
 * dozen members of each record.  So, in place and in one pass over the
 * text, every record of the top-level "jobs" array keeps only the members
 * the readers use (hpcl__rest_job_keys, kept beside them in rest_json.c);
 * everything else of the answer stays.  The text is checked first in a
 * dry pass: malformed text is left as it came, for the parser to refuse
 * and for messages to quote.
 */
#include "config.h"

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

/* The end of the string at offset at (past its quote), or 0. */
static size_t string_end(const struct slim *s, size_t at)
{
    if (at >= s->len || s->base[at] != '"')
        return 0;
    for (at++; at < s->len; at++) {
        if (s->base[at] == '\\')
            at++;
        else if (s->base[at] == '"')
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

static int jobs_array(struct slim *s);

/* Past the separator after an item: 1 when another item follows (a
 * comma), 0 at the end of the object or array. */
static int next_item(struct slim *s)
{
    skip_ws(s);
    if (s->r >= s->len || s->base[s->r] != ',')
        return 0;
    s->r++;
    skip_ws(s);
    return 1;
}

/* The object at r: each member written when all is set (the answer) or
 * its key is kept (a job record); in the answer, "jobs" goes through
 * jobs_array().  -1 when malformed. */
static int object(struct slim *s, int all)
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
        if (all || kept(s, key, key_end)) {
            /* Decided before the key is moved over its old place. */
            int jobs = all && key_end - key == 6 &&
                       memcmp(s->base + key, "\"jobs\"", 6) == 0 &&
                       val < s->len && s->base[val] == '[';

            if (written++ > 0)
                put_char(s, ',');
            put(s, key, key_end - key);
            put_char(s, ':');
            if (jobs && jobs_array(s) != 0)
                return -1;
            if (!jobs) {
                if ((val_end = value_end(s, val)) == 0)
                    return -1;
                put(s, val, val_end - val);
                s->r = val_end;
            }
        } else {
            if ((val_end = value_end(s, val)) == 0)
                return -1;
            s->r = val_end;
        }
        if (!next_item(s))
            break;
    }
    if (s->r >= s->len || s->base[s->r] != '}')
        return -1;
    put(s, s->r++, 1);
    return 0;
}

/* The top-level "jobs" array at r: its objects are slimmed. */
static int jobs_array(struct slim *s)
{
    int first = 1;

    put(s, s->r++, 1); /* [ */
    skip_ws(s);
    if (s->r < s->len && s->base[s->r] == ']') {
        put(s, s->r++, 1);
        return 0;
    }
    for (;;) {
        if (!first)
            put_char(s, ',');
        first = 0;
        if (s->r < s->len && s->base[s->r] == '{') {
            if (object(s, 0) != 0)
                return -1;
        } else {
            size_t end = value_end(s, s->r);
            if (end == 0)
                return -1;
            put(s, s->r, end - s->r);
            s->r = end;
        }
        if (!next_item(s))
            break;
    }
    if (s->r >= s->len || s->base[s->r] != ']')
        return -1;
    put(s, s->r++, 1);
    return 0;
}

static int pass(struct slim *s)
{
    s->r = s->w = 0;
    skip_ws(s);
    if (s->r >= s->len || s->base[s->r] != '{' ||
        object(s, 1) != 0)
        return -1;
    skip_ws(s);
    return s->r == s->len ? 0 : -1;
}

void hpcl__rest_slim_jobs(struct hpcl__rest_reply *reply,
                          const char *const *keep)
{
    struct slim s = {reply->body, 0, 0, reply->len, 1, keep};

    if (reply->body == NULL || pass(&s) != 0)
        return;
    s.dry = 0;
    if (pass(&s) != 0)
        return; /* cannot happen: the dry pass read the same text */
    reply->body[s.w] = '\0';
    reply->len = s.w;
}
