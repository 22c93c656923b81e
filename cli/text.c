/*
 * Text from sites (job names, nodes, reasons, error notes, versions) on
 * a terminal: a hostile or broken site must not move the cursor, retitle
 * the window or hide a line with escape codes.  Control characters (C0,
 * DEL, C1) and bytes that are not UTF-8 are shown as \xHH; printable
 * UTF-8 passes as it is.  JSON output escapes on its own.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Length of the UTF-8 sequence at s when it is a valid, printable one
 * (not a C1 control, U+0080-U+009F), else 0. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4   ? 4
               : s[0] >= 0xe0                 ? 3
               : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
                                              : 0;

    if (n == 0 || s[0] >= 0xf5)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
        return 0; /* C1: U+0080-U+009F */
    return n;
}

const char *cli_text(const char *text)
{
    /* Several per printf: a ring of buffers, enough for one table row. */
    static char ring[8][1024];
    static unsigned next;
    char *buf = ring[next++ % 8];
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0, cap = sizeof ring[0];

    if (text == NULL)
        return NULL;
    /* Printable ASCII that fits a cell, nearly every value: as it is. */
    while (*s >= 0x20 && *s < 0x7f)
        s++;
    if (*s == '\0' && (size_t)(s - (const unsigned char *)text) < cap - 5)
        return text;
    s = (const unsigned char *)text;
    while (*s != '\0' && o + 5 < cap) {
        size_t n = *s < 0x80 ? (*s >= 0x20 && *s != 0x7f) : utf8_len(s);

        if (n == 0) {
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", *s);
            s++;
        } else if (o + n + 1 < cap) {
            memcpy(buf + o, s, n);
            o += n;
            s += n;
        } else {
            break;
        }
    }
    /* Longer than a table cell ever is: cut, and say so. */
    if (*s != '\0' && o + 4 <= cap)
        o += (size_t)snprintf(buf + o, cap - o, "...");
    buf[o] = '\0';
    return buf;
}
