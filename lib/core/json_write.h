/*
 * A small JSON writer, for the placement and topology outputs
 * (hpcl_plan_to_json, hpcl_topo_summary_json): a program that only
 * places and pins must load no JSON library (hpclaunch(7), LIBRARIES).
 * It lays text out as jansson's json_dumps() does, indented or compact,
 * keys in the order written, so those outputs kept their bytes when
 * jansson left them.  Strings are escaped as JSON requires; a byte that
 * is not UTF-8 becomes U+FFFD, so the output is always valid JSON.
 *
 *     struct hpcl__jw w;
 *     hpcl__jw_init(&w, 2);
 *     hpcl__jw_open(&w, '{');
 *     hpcl__jw_key(&w, "pus");
 *     hpcl__jw_int(&w, 8);
 *     hpcl__jw_close(&w, '}');
 *     text = hpcl__jw_finish(&w);    (malloc'd; NULL: out of memory)
 *
 * Needs nothing else of the library, so the tool may compile it in.
 */
#ifndef HPCL_CORE_JSON_WRITE_H
#define HPCL_CORE_JSON_WRITE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

struct hpcl__jw {
    struct hpcl__buf b; /* b.oom: something failed, the text is lost */
    int indent;         /* spaces per level; 0: compact */
    int depth;          /* containers open */
    int empty;          /* the innermost container has no member yet */
    int keyed;          /* a key was written: its value comes next */
};

/* Start a document: indent 2 is jansson's JSON_INDENT(2), 0 its
 * JSON_COMPACT. */
void hpcl__jw_init(struct hpcl__jw *w, int indent);

/* Open or close an object ('{', '}') or an array ('[', ']'). */
void hpcl__jw_open(struct hpcl__jw *w, char bracket);
void hpcl__jw_close(struct hpcl__jw *w, char bracket);

/* An object's next key; keyn takes len bytes of key. */
void hpcl__jw_key(struct hpcl__jw *w, const char *key);
void hpcl__jw_keyn(struct hpcl__jw *w, const char *key, size_t len);

/* Values.  A NULL string is written as null. */
void hpcl__jw_str(struct hpcl__jw *w, const char *s);
void hpcl__jw_int(struct hpcl__jw *w, long long v);
void hpcl__jw_bool(struct hpcl__jw *w, int v);
void hpcl__jw_null(struct hpcl__jw *w);

/* A value that is already JSON text (the library's decision or plan,
 * inside the CLI's document), copied without its whitespace outside
 * strings.  The caller vouches that json is one valid JSON value. */
void hpcl__jw_raw(struct hpcl__jw *w, const char *json);

/* The same for compact JSON text (another hpcl__jw's): what w holds so
 * far, then json, go to out, not into w, which goes on empty -- a job
 * listing of tens of megabytes is not copied again.  The caller prints
 * the rest of w (hpcl__jw_finish) after. */
void hpcl__jw_raw_out(struct hpcl__jw *w, FILE *out, const char *json);

/* w, new and empty, takes json (compact, malloc'd: another hpcl__jw's
 * text) as its one value, without copying it; json is w's to free. */
void hpcl__jw_adopt(struct hpcl__jw *w, char *json);

/* A key and its value at once, the common case. */
void hpcl__jw_kstr(struct hpcl__jw *w, const char *key, const char *s);
void hpcl__jw_kint(struct hpcl__jw *w, const char *key, long long v);

/* The text, NUL-terminated, for the caller to free; NULL (and nothing
 * to free) when memory ran out or a caller marked w->b.oom. */
char *hpcl__jw_finish(struct hpcl__jw *w);

/* How many bytes at s (of n) a JSON string holds as they are: printable
 * ASCII other than '"' and '\\'.  Eight bytes a step: the writer and the
 * CLI's reader go through every byte of a long job listing. */
static inline size_t hpcl__json_plain_run(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, high = ones * 0x80;
    size_t i = 0;

    /* A word with a byte under 0x20, over 0x7F, or equal to '"' or '\\'
     * sets a high bit (the first such byte borrows from nothing below
     * it); a clean word sets none.  The byte loop then finds which. */
    for (; i + 8 <= n; i += 8) {
        uint64_t x;

        memcpy(&x, s + i, 8);
        if (((x - ones * 0x20) | ((x ^ ones * '"') - ones) |
             ((x ^ ones * '\\') - ones) | x) & high)
            break;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            break;
    }
    return i;
}

#endif
