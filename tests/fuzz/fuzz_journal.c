/* The journal reader: a journal's text, torn lines and all. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "submit/journal.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hpcl_ctx *ctx = fuzz_ctx();
    char *text = fuzz_strndup(data, size);
    char key[HPCL__KEY_LEN + 1];
    struct hpcl__jsummary *s = NULL;

    /* The summary owns the text (its notes point into it). */
    if (hpcl__journal_fold(&s, ctx, "fuzz-journal", text, size) == HPCL_OK &&
        s != NULL) {
        for (size_t i = 0; i < s->n; i++) {
            const struct hpcl__jentry *e = &s->entry[i];
            if (hpcl__jsummary_get(s, e->key) != e)
                __builtin_trap(); /* the index finds every entry */
            if (strlen(e->key) > HPCL__KEY_LEN ||
                strnlen(e->site, sizeof e->site) == sizeof e->site ||
                strnlen(e->host, sizeof e->host) == sizeof e->host)
                __builtin_trap();
            (void)hpcl__jentry_unresolved(e);
        }
        hpcl__jsummary_free(s);
    }
    /* One line's key, as the pruner reads it. */
    text = fuzz_strndup(data, size);
    (void)hpcl__journal_line_key(text, strcspn(text, "\n"), key);
    free(text);
    hpcl_ctx_destroy(ctx);
    return 0;
}
