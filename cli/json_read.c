/* The JSON reader; see json_read.h.  Recursive descent, nesting bounded
 * so that no input can exhaust the stack. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"

#include "../lib/core/json_write.h"

#define MAX_DEPTH 64

struct reader {
    const char *p;
    const char *end; /* the text's NUL */
    int depth;
};

static struct cli_json *value(struct reader *r);

/* A loop, not strspn: called between every two tokens. */
static void skip_space(struct reader *r)
{
    while (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r')
        r->p++;
}

static struct cli_json *node(enum cli_json_type type)
{
    struct cli_json *j = calloc(1, sizeof *j);

    if (j != NULL)
        j->type = type;
    return j;
}

/* Four hex digits at p; -1 when they are not. */
static long hex4(const char *p)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d = c >= '0' && c <= '9'   ? c - '0'
                                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Code point cp as UTF-8 at o; returns the end. */
static char *put_utf8(char *o, long cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* The escape \u at *p (after the backslash and u): its code point, a
 * surrogate pair joined; *p moves past it.  -1 when it is not valid. */
static long unicode_escape(const char **p)
{
    long hi = hex4(*p), lo;

    *p += 4;
    if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
        return -1;
    if (hi < 0xD800 || hi > 0xDBFF)
        return hi;
    if ((*p)[0] != '\\' || (*p)[1] != 'u')
        return -1;
    lo = hex4(*p + 2);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return -1;
    *p += 6;
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* One escape after its backslash, decoded at *o; -1 when not valid. */
static int escape(const char **p, char **o)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *c = strchr(from, **p);
    long cp;

    if (**p != '\0' && c != NULL) {
        *(*o)++ = to[c - from];
        (*p)++;
        return 0;
    }
    if (*(*p)++ != 'u' || (cp = unicode_escape(p)) < 0)
        return -1;
    *o = put_utf8(*o, cp);
    return 0;
}

/* The end (closing quote) of the string literal at r->p; NULL when
 * invalid. */
static const char *string_end(const struct reader *r)
{
    const char *end = r->p + 1;

    for (;;) {
        end += hpcl__json_plain_run(end, (size_t)(r->end - end));
        if (*end == '"')
            return end;
        if ((unsigned char)*end < 0x20)
            return NULL; /* the end of the text, or a raw control */
        end += *end == '\\' && end[1] != '\0' ? 2 : 1;
    }
}

/* The string literal at r->p, up to end, decoded into o (NUL-terminated;
 * decoded text is never longer than its literal): the NUL's place, or
 * NULL when invalid. */
static char *decode(struct reader *r, const char *end, char *o)
{
    const char *p = r->p + 1;

    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs != NULL ? bs : end) - p);

        memcpy(o, p, run); /* the text up to the next escape at once */
        o += run;
        p += run;
        if (p < end && (p++, escape(&p, &o) != 0 || p > end))
            return NULL;
    }
    *o = '\0';
    r->p = end + 1;
    return o;
}

/* The string literal at r->p, decoded (malloc'd); NULL when invalid. */
static char *string(struct reader *r)
{
    const char *end = string_end(r);
    char *s;

    if (end == NULL || (s = malloc((size_t)(end - r->p))) == NULL)
        return NULL;
    if (decode(r, end, s) == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

/* A number as RFC 8259 writes it, -?int frac? exp?; a fraction or an
 * exponent makes it a real, truncated (and clamped) to an integer. */
static struct cli_json *number(struct reader *r)
{
    const char *p = r->p + (*r->p == '-'), *digits = "0123456789";
    size_t n = strspn(p, digits);
    int integral = 1;
    struct cli_json *j;
    double d;

    if (n == 0 || (p[0] == '0' && n > 1))
        return NULL;
    p += n;
    if (*p == '.') {
        if ((n = strspn(p + 1, digits)) == 0)
            return NULL;
        p += 1 + n;
        integral = 0;
    }
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '+' || p[1] == '-');
        if ((n = strspn(p, digits)) == 0)
            return NULL;
        p += n;
        integral = 0;
    }
    if ((j = node(CLI_JSON_NUMBER)) == NULL)
        return NULL;
    if (integral) {
        j->num = strtoll(r->p, NULL, 10); /* clamped by strtoll */
    } else {
        d = strtod(r->p, NULL);
        j->num = d >= 0x1p63 ? LLONG_MAX : d <= -0x1p63 ? LLONG_MIN
                                                        : (long long)d;
    }
    r->p = p;
    return j;
}

/* The members of an array or object, up to close; keyed: an object. */
static struct cli_json *members(struct reader *r, struct cli_json *j,
                                char close, int keyed)
{
    struct cli_json **tail = &j->child;

    r->p++;
    skip_space(r);
    if (*r->p == close) {
        r->p++;
        return j;
    }
    for (;;) {
        char *key = NULL;

        skip_space(r);
        if (keyed && (*r->p != '"' || (key = string(r)) == NULL))
            break;
        skip_space(r);
        /* Never past the end: the caller looks at *r->p after a failure
         * too (a text cut after a key read past its NUL: fuzz_cli_json). */
        if (keyed && *r->p != ':') {
            free(key);
            break;
        }
        r->p += keyed;
        if ((*tail = value(r)) == NULL) {
            free(key);
            break;
        }
        (*tail)->key = key;
        tail = &(*tail)->next;
        skip_space(r);
        if (*r->p == close) {
            r->p++;
            return j;
        }
        if (*r->p != ',')
            break;
        r->p++;
    }
    cli_json_free(j);
    return NULL;
}

static struct cli_json *literal(struct reader *r, const char *word,
                                enum cli_json_type type)
{
    size_t n = strlen(word);

    if (strncmp(r->p, word, n) != 0)
        return NULL;
    r->p += n;
    return node(type);
}

static struct cli_json *value(struct reader *r)
{
    struct cli_json *j = NULL;

    skip_space(r);
    if (r->depth >= MAX_DEPTH)
        return NULL;
    r->depth++;
    if (*r->p == '{' || *r->p == '[') {
        int keyed = *r->p == '{';
        if ((j = node(keyed ? CLI_JSON_OBJECT : CLI_JSON_ARRAY)) != NULL)
            j = members(r, j, keyed ? '}' : ']', keyed);
    } else if (*r->p == '"') {
        char *s = string(r);
        if (s != NULL && (j = node(CLI_JSON_STRING)) != NULL)
            j->str = s;
        else
            free(s);
    } else if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
        j = number(r);
    } else {
        j = *r->p == 't'   ? literal(r, "true", CLI_JSON_TRUE)
            : *r->p == 'f' ? literal(r, "false", CLI_JSON_FALSE)
                           : literal(r, "null", CLI_JSON_NULL);
    }
    r->depth--;
    return j;
}

struct cli_json *cli_json_parse(const char *text)
{
    struct reader r = {text, text + strlen(text), 0};
    struct cli_json *j = value(&r);

    if (j == NULL)
        return NULL;
    skip_space(&r);
    if (*r.p != '\0') {
        cli_json_free(j);
        return NULL;
    }
    return j;
}

void cli_json_free(struct cli_json *j)
{
    while (j != NULL) {
        struct cli_json *next = j->next;

        cli_json_free(j->child);
        free(j->key);
        free(j->str);
        free(j);
        j = next;
    }
}

const struct cli_json *cli_json_get(const struct cli_json *obj,
                                    const char *key)
{
    if (obj == NULL || obj->type != CLI_JSON_OBJECT)
        return NULL;
    for (const struct cli_json *m = obj->child; m != NULL; m = m->next)
        if (strcmp(m->key, key) == 0)
            return m;
    return NULL;
}

const struct cli_json *cli_json_items(const struct cli_json *array)
{
    return array != NULL && array->type == CLI_JSON_ARRAY ? array->child
                                                           : NULL;
}

const char *cli_json_str(const struct cli_json *j)
{
    return j != NULL && j->type == CLI_JSON_STRING ? j->str : NULL;
}

long long cli_json_int(const struct cli_json *j)
{
    return j != NULL && j->type == CLI_JSON_NUMBER ? j->num : 0;
}

/* --- rows: an array of flat objects, without a tree ---------------------- */

/* One member's value at r->p into row (decoded into o, which moves past
 * it): a string, or the text of a number or literal. */
static int row_value(struct reader *r, char **o, const char **val)
{
    const char *end;
    char *nul;

    skip_space(r);
    *val = *o;
    if (*r->p == '"') {
        if ((end = string_end(r)) == NULL ||
            (nul = decode(r, end, *o)) == NULL)
            return -1;
        *o = nul + 1;
        return 0;
    }
    end = r->p + strcspn(r->p, ",} \t\r\n");
    if (end == r->p || *r->p == '{' || *r->p == '[')
        return -1; /* nested: not a flat object */
    /* null is "not known": no text, as a member that is not there */
    if (end - r->p == 4 && strncmp(r->p, "null", 4) == 0) {
        *val = NULL;
        r->p = end;
        return 0;
    }
    memcpy(*o, r->p, (size_t)(end - r->p));
    *o += end - r->p;
    *(*o)++ = '\0';
    r->p = end;
    return 0;
}

/* One object at r->p into row; its text decoded into buf. */
static int row(struct reader *r, struct cli_json_row *row, char *buf)
{
    char *o = buf;

    row->n = 0;
    if (*r->p++ != '{')
        return -1;
    skip_space(r);
    if (*r->p == '}') {
        r->p++;
        return 0;
    }
    for (;;) {
        const char *end;

        skip_space(r);
        if (*r->p != '"' || (end = string_end(r)) == NULL ||
            row->n == CLI_JSON_ROW_MAX)
            return -1;
        row->key[row->n] = o;
        if ((o = decode(r, end, o)) == NULL)
            return -1;
        o++;
        skip_space(r);
        if (*r->p++ != ':' ||
            row_value(r, &o, &row->val[row->n]) != 0)
            return -1;
        row->n++;
        skip_space(r);
        if (*r->p == '}') {
            r->p++;
            return 0;
        }
        if (*r->p++ != ',')
            return -1;
    }
}

int cli_json_rows(const char *text,
                  void (*fn)(const struct cli_json_row *row, void *arg),
                  void *arg)
{
    size_t len = strlen(text);
    struct reader r = {text, text + len, 0};
    struct cli_json_row one;
    char *buf = malloc(len + 1); /* a row decodes into less */

    if (buf == NULL)
        return -1;
    skip_space(&r);
    if (*r.p++ != '[')
        goto bad;
    skip_space(&r);
    if (*r.p == ']')
        r.p++;
    else
        for (;;) {
            skip_space(&r);
            if (row(&r, &one, buf) != 0)
                goto bad;
            fn(&one, arg);
            skip_space(&r);
            if (*r.p == ']') {
                r.p++;
                break;
            }
            if (*r.p++ != ',')
                goto bad;
        }
    skip_space(&r);
    free(buf);
    return *r.p == '\0' ? 0 : -1;
bad:
    free(buf);
    return -1;
}

const char *cli_json_row_get(const struct cli_json_row *row, const char *key)
{
    for (size_t i = 0; i < row->n; i++)
        if (row->key[i][0] == key[0] && strcmp(row->key[i], key) == 0)
            return row->val[i];
    return NULL;
}
