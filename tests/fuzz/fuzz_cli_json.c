/* cli/json_read.c, the CLI's own JSON reader (hpclaunch topo). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every value, as a table would visit it; depth bounded by the tree. */
static size_t walk(const struct cli_json *j)
{
    size_t n = 1;

    if (j->type == CLI_JSON_STRING && j->str == NULL)
        __builtin_trap();
    (void)cli_json_str(j);
    (void)cli_json_int(j);
    for (const struct cli_json *c = cli_json_items(j); c != NULL; c = c->next)
        n += walk(c);
    for (const struct cli_json *c = j->type == CLI_JSON_OBJECT ? j->child
                                                               : NULL;
         c != NULL; c = c->next) {
        if (c->key == NULL)
            __builtin_trap(); /* an object's member has a name */
        if (cli_json_get(j, c->key) == NULL)
            __builtin_trap();
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    struct cli_json *j = cli_json_parse(text);

    if (j != NULL) {
        (void)walk(j);
        cli_json_free(j);
    }
    free(text);
    return 0;
}
