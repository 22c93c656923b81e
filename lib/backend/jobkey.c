/* Job keys: made, checked, written into and read from job comments. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "backend/jobkey.h"

hpcl_rc hpcl__key_new(char out[HPCL__KEY_LEN + 1], hpcl_ctx *ctx)
{
    unsigned char raw[16];
    size_t got = 0;

    while (got < sizeof raw) {
        ssize_t r = getrandom(raw + got, sizeof raw - got, 0);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return hpcl__fail(ctx, HPCL_E_SYSTEM, "getrandom: %s",
                              strerror(errno));
        got += (size_t)r;
    }
    memcpy(out, HPCL__KEY_PREFIX, 5);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 5 + 2 * i, 3, "%02x", raw[i]);
    return HPCL_OK;
}

static int key_valid_n(const char *key)
{
    /* A table, not two ranges a byte: every journal line has a key. */
    static const unsigned char hex[256] = {
        ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
        ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1,
        ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1};
    unsigned bad = 0;

    if (memcmp(key, HPCL__KEY_PREFIX, 5) != 0)
        return 0;
    for (int i = 5; i < HPCL__KEY_LEN; i++)
        bad |= hex[(unsigned char)key[i]] ^ 1u;
    return bad == 0;
}

int hpcl__key_valid(const char *key)
{
    return key != NULL && strlen(key) == HPCL__KEY_LEN && key_valid_n(key);
}

hpcl_rc hpcl__key_comment(char **out, hpcl_ctx *ctx, const char *key,
                          const char *comment)
{
    int n;

    if (out == NULL || !hpcl__key_valid(key))
        return HPCL_E_INVAL;
    /* The key goes first: a comment that quotes another key (copied from
     * an old job) must not hide ours. */
    if (comment != NULL && comment[0] != '\0')
        n = asprintf(out, HPCL__COMMENT_TAG "%s %s", key, comment);
    else
        n = asprintf(out, HPCL__COMMENT_TAG "%s", key);
    if (n < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int hpcl__key_from_comment(char out[HPCL__KEY_LEN + 1], const char *comment)
{
    const size_t tag = strlen(HPCL__COMMENT_TAG);
    const char *s = comment;

    /* The first tag that stands as a word of its own, since a site's
     * submit plugin may add text before or after ours. */
    while (s != NULL && (s = strstr(s, HPCL__COMMENT_TAG)) != NULL) {
        const char *k = s + tag;

        if ((s == comment || !word_char(s[-1])) &&
            strnlen(k, HPCL__KEY_LEN) == HPCL__KEY_LEN && key_valid_n(k) &&
            !word_char(k[HPCL__KEY_LEN])) {
            memcpy(out, k, HPCL__KEY_LEN);
            out[HPCL__KEY_LEN] = '\0';
            return 1;
        }
        s++;
    }
    return 0;
}
