/* The JSON writer; see json_write.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json_write.h"

void hpcl__jw_init(struct hpcl__jw *w, int indent)
{
    *w = (struct hpcl__jw){.indent = indent};
}

/* A line break and the indentation of the current depth, as jansson's
 * dump_indent() writes them; nothing when compact. */
static void newline(struct hpcl__jw *w)
{
    static const char spaces[] = "                                ";
    size_t n = (size_t)w->depth * (size_t)w->indent;

    if (w->indent == 0)
        return;
    hpcl__buf_put(&w->b, "\n", 1);
    for (; n > sizeof spaces - 1; n -= sizeof spaces - 1)
        hpcl__buf_put(&w->b, spaces, sizeof spaces - 1);
    hpcl__buf_put(&w->b, spaces, n);
}

/* Before a key or an array element: the comma, then the new line. */
static void next_member(struct hpcl__jw *w)
{
    if (w->depth > 0) {
        if (!w->empty)
            hpcl__buf_put(&w->b, ",", 1);
        newline(w);
    }
    w->empty = 0;
}

/* A value after its key stays on the key's line. */
static void before_value(struct hpcl__jw *w)
{
    if (w->keyed)
        w->keyed = 0;
    else
        next_member(w);
}

/* The length of the UTF-8 sequence at p (1 to 4), or 0 when it is not
 * one: RFC 3629, so no overlong form, UTF-16 surrogate or code point
 * past U+10FFFF. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    /* Only the second byte's range depends on the first. */
    lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : lo;
    hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : hi;
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* One byte that JSON does not allow raw in a string, escaped as jansson
 * escapes it (\n, ..., else \u00XX). */
static void put_escape(struct hpcl__buf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    const char *two = c == '"'    ? "\\\""
                      : c == '\\' ? "\\\\"
                      : c == '\b' ? "\\b"
                      : c == '\f' ? "\\f"
                      : c == '\n' ? "\\n"
                      : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t"
                                  : NULL;

    if (two != NULL)
        hpcl__buf_put(b, two, 2);
    else
        hpcl__buf_put(b, u, sizeof u);
}

/* s[0, n) as a string literal.  Runs of plain text are copied whole. */
static void put_string(struct hpcl__buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    const unsigned char *run = p;

    hpcl__buf_put(b, "\"", 1);
    while ((p += hpcl__json_plain_run((const char *)p, (size_t)(end - p))) <
           end) {
        size_t len = utf8_len(p, end);

        if (len > 1) {
            p += len;
            continue;
        }
        hpcl__buf_put(b, (const char *)run, (size_t)(p - run));
        if (len == 0)
            hpcl__buf_put(b, "\xEF\xBF\xBD", 3); /* U+FFFD */
        else
            put_escape(b, *p);
        run = ++p;
    }
    hpcl__buf_put(b, (const char *)run, (size_t)(p - run));
    hpcl__buf_put(b, "\"", 1);
}

void hpcl__jw_open(struct hpcl__jw *w, char bracket)
{
    before_value(w);
    hpcl__buf_put(&w->b, &bracket, 1);
    w->depth++;
    w->empty = 1;
}

void hpcl__jw_close(struct hpcl__jw *w, char bracket)
{
    w->depth--;
    if (!w->empty)
        newline(w);
    hpcl__buf_put(&w->b, &bracket, 1);
    w->empty = 0;
}

void hpcl__jw_keyn(struct hpcl__jw *w, const char *key, size_t len)
{
    next_member(w);
    put_string(&w->b, key, len);
    hpcl__buf_put(&w->b, ": ", w->indent > 0 ? 2 : 1);
    w->keyed = 1;
}

void hpcl__jw_key(struct hpcl__jw *w, const char *key)
{
    hpcl__jw_keyn(w, key, strlen(key));
}

void hpcl__jw_str(struct hpcl__jw *w, const char *s)
{
    if (s == NULL) {
        hpcl__jw_null(w);
        return;
    }
    before_value(w);
    put_string(&w->b, s, strlen(s));
}

void hpcl__jw_int(struct hpcl__jw *w, long long v)
{
    before_value(w);
    hpcl__buf_int(&w->b, v);
}

void hpcl__jw_bool(struct hpcl__jw *w, int v)
{
    before_value(w);
    hpcl__buf_str(&w->b, v ? "true" : "false");
}

void hpcl__jw_null(struct hpcl__jw *w)
{
    before_value(w);
    hpcl__buf_put(&w->b, "null", 4);
}

void hpcl__jw_raw(struct hpcl__jw *w, const char *json)
{
    const char *p = json;
    int in_string = 0;

    before_value(w);
    /* Whitespace outside strings dropped: an indented text (a plan)
     * inside a compact document stays compact.  Copied a run at a time
     * (a job listing can be tens of megabytes). */
    while (*p != '\0') {
        size_t run = strcspn(p, in_string ? "\"\\" : "\" \n\t\r");

        hpcl__buf_put(&w->b, p, run);
        p += run;
        if (*p == '\\') {
            hpcl__buf_put(&w->b, p, p[1] != '\0' ? 2 : 1);
            p += p[1] != '\0' ? 2 : 1;
        } else if (*p == '"') {
            hpcl__buf_put(&w->b, p++, 1);
            in_string = !in_string;
        } else if (*p != '\0') {
            p++; /* whitespace between tokens */
        }
    }
}

void hpcl__jw_raw_out(struct hpcl__jw *w, FILE *out, const char *json)
{
    before_value(w);
    if (w->b.oom)
        return; /* hpcl__jw_finish() says so */
    if (w->b.len > 0)
        fwrite(w->b.s, 1, w->b.len, out);
    w->b.len = 0;
    fputs(json, out);
}

void hpcl__jw_adopt(struct hpcl__jw *w, char *json)
{
    before_value(w);
    free(w->b.s);
    w->b.s = json;
    w->b.len = strlen(json);
    w->b.cap = w->b.len + 1;
}

void hpcl__jw_kstr(struct hpcl__jw *w, const char *key, const char *s)
{
    hpcl__jw_key(w, key);
    hpcl__jw_str(w, s);
}

void hpcl__jw_kint(struct hpcl__jw *w, const char *key, long long v)
{
    hpcl__jw_key(w, key);
    hpcl__jw_int(w, v);
}

char *hpcl__jw_finish(struct hpcl__jw *w)
{
    hpcl__buf_put(&w->b, "", 1);
    if (w->b.oom) {
        free(w->b.s);
        w->b.s = NULL;
    }
    return w->b.s;
}
