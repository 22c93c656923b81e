/*
 * A small JSON reader, for `hpclaunch topo`: it lays out what
 * hpcl_topo_summary_json() returns as tables, and a command that only
 * looks at the node loads no JSON library (hpclaunch(7), LIBRARIES).
 * Reads any JSON text (RFC 8259) into a tree.
 */
#ifndef HPCL_CLI_JSON_READ_H
#define HPCL_CLI_JSON_READ_H

enum cli_json_type {
    CLI_JSON_NULL,
    CLI_JSON_FALSE,
    CLI_JSON_TRUE,
    CLI_JSON_NUMBER,
    CLI_JSON_STRING,
    CLI_JSON_ARRAY,
    CLI_JSON_OBJECT
};

/* One value; an array's or an object's members are a list. */
struct cli_json {
    enum cli_json_type type;
    char *key;              /* an object's member: its name */
    char *str;              /* a string, decoded (UTF-8, NUL-terminated) */
    long long num;          /* a number (an integer, or truncated) */
    struct cli_json *child; /* an array or object: its first member */
    struct cli_json *next;  /* the next member of the parent */
};

/* text as a tree, to free with cli_json_free(); NULL when it is not
 * JSON or memory ran out. */
struct cli_json *cli_json_parse(const char *text);
void cli_json_free(struct cli_json *j);

/* The member key of object obj; NULL when obj is not an object or has
 * none. */
const struct cli_json *cli_json_get(const struct cli_json *obj,
                                    const char *key);

/* An array's first element (then ->next); NULL when empty or not one. */
const struct cli_json *cli_json_items(const struct cli_json *array);

/* A string's text, else NULL; a number's value, else 0. */
const char *cli_json_str(const struct cli_json *j);
long long cli_json_int(const struct cli_json *j);

/* An array of flat objects (members strings, numbers, booleans or null:
 * the library's job listing), read without a tree, so that 100k rows
 * cost no allocation each.  fn gets each row in turn; its texts (decoded
 * strings; numbers and literals as written) live until fn returns.
 * 0, or -1 when text is not such an array (rows before the fault were
 * passed). */
#define CLI_JSON_ROW_MAX 32 /* members per row */
struct cli_json_row {
    size_t n;
    const char *key[CLI_JSON_ROW_MAX];
    const char *val[CLI_JSON_ROW_MAX];
};
int cli_json_rows(const char *text,
                  void (*fn)(const struct cli_json_row *row, void *arg),
                  void *arg);

/* The value of member key of row, or NULL (also when it is null). */
const char *cli_json_row_get(const struct cli_json_row *row, const char *key);

#endif
