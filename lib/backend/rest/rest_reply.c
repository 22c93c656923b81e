/* The body of an answer as it is read (rest.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend/rest/rest.h"

int hpcl__rest_reply_put(struct hpcl__rest_reply *reply, const char *p,
                         size_t n)
{
    /* Doubling: a 200 MB answer comes in 16 KB pieces. */
    if (reply->len + n + 1 > reply->cap) {
        size_t cap = reply->cap > 0 ? reply->cap : 65536;
        char *grown;

        while (cap < reply->len + n + 1)
            cap *= 2;
        if (reply->max > 0 && cap > reply->max + 1 &&
            reply->len + n <= reply->max)
            cap = reply->max + 1;
        if ((grown = realloc(reply->body, cap)) == NULL)
            return -1;
        reply->body = grown;
        reply->cap = cap;
    }
    memcpy(reply->body + reply->len, p, n);
    reply->len += n;
    reply->body[reply->len] = '\0';
    return 0;
}

void hpcl__rest_reply_free(struct hpcl__rest_reply *reply)
{
    free(reply->body);
    memset(reply, 0, sizeof *reply);
}
