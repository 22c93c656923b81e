/* The --json document of every command; see json_doc.h. */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_doc.h"

#define NMEMBERS 7 /* the most members a command has */

/* Each command's members, in the order printed: the schema's list
 * (doc/hpclaunch-json.schema.json), checked by tests/cli/json.sh. */
static const struct {
    const char *cmd;
    const char *members[NMEMBERS];
} layout[] = {
    {"submit", {"ref", "key", "dry_run", "decision", "script", "job",
                "timed_out"}},
    {"status", {"jobs"}},
    {"wait", {"jobs", "timed_out"}},
    {"cancel", {"jobs"}},
    {"probe", {"probe"}},
    {"sites", {"file", "sites"}},
    {"jobs", {"jobs", "pruned", "resubmitted"}},
    {"topo", {"topology"}},
    {"plan", {"plan"}},
};

#define NLAYOUT (sizeof layout / sizeof layout[0])

static struct {
    int on;
    const char *cmd;  /* NULL: no command recognised */
    int kind;         /* its layout; -1: none */
    struct hpcl__jw member[NMEMBERS];
    int set[NMEMBERS];
    struct hpcl__jw errors;
    const char *object, *name;
    int argc;    /* the command's words: getopt's optind indexes them */
    char **argv;
    char word[64]; /* the option an error names, when guessed */
} doc = {.kind = -1};

void cli_doc_begin(const char *cmd, int argc, char **argv)
{
    doc.cmd = cmd;
    doc.argc = argc;
    doc.argv = argv;
    for (size_t k = 0; cmd != NULL && k < NLAYOUT; k++)
        if (strcmp(layout[k].cmd, cmd) == 0)
            doc.kind = (int)k;
    /* Only commands that print data have --json (pin and run do not). */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--json") == 0 && (cmd == NULL || doc.kind >= 0))
            doc.on = 1;
        /* help is text, whatever else was asked */
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            doc.on = 0;
            break;
        }
    }
    hpcl__jw_init(&doc.errors, 0);
    hpcl__jw_open(&doc.errors, '[');
}

void cli_doc_set_json(int on)
{
    doc.on = on && doc.kind >= 0;
}

int cli_doc_json(void)
{
    return doc.on;
}

struct hpcl__jw *cli_doc_member(const char *name)
{
    if (!doc.on || doc.kind < 0)
        return NULL;
    for (int i = 0; i < NMEMBERS && layout[doc.kind].members[i]; i++) {
        if (strcmp(layout[doc.kind].members[i], name) != 0)
            continue;
        /* Set twice (a --wait after the submission): the last wins. */
        free(doc.member[i].b.s);
        hpcl__jw_init(&doc.member[i], 0);
        doc.set[i] = 1;
        return &doc.member[i];
    }
    return NULL;
}

void cli_doc_subject(const char *object, const char *name)
{
    doc.object = object;
    doc.name = name;
}

void cli_doc_error(const char *code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hpcl__jw_open(&doc.errors, '{');
    hpcl__jw_kstr(&doc.errors, "object", doc.object);
    hpcl__jw_kstr(&doc.errors, "name", doc.name);
    hpcl__jw_kstr(&doc.errors, "code", code);
    hpcl__jw_kstr(&doc.errors, "message", msg);
    hpcl__jw_close(&doc.errors, '}');
}

void cli_doc_lib_error(hpcl_rc rc, const char *detail)
{
    if (detail != NULL && detail[0] != '\0')
        cli_doc_error(cli_rc_name(rc), "%s: %s", hpcl_strerror(rc), detail);
    else
        cli_doc_error(cli_rc_name(rc), "%s", hpcl_strerror(rc));
}

/* The first "--name" of a usage message, which most refusals start
 * with ("invalid --timeout '5x': ..."); NULL when it names none. */
static const char *option_in(const char *msg)
{
    const char *p = strstr(msg, "--");
    size_t n;

    if (p == NULL || !islower((unsigned char)p[2]))
        return NULL;
    n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
    snprintf(doc.word, sizeof doc.word, "%.*s", (int)n, p);
    return doc.word;
}

void cli_doc_usage_error(const char *where, const char *fmt, va_list ap)
{
    const char *object = doc.object, *name = doc.name;
    const char *saved_o = doc.object, *saved_n = doc.name;
    char msg[2048];

    vsnprintf(msg, sizeof msg, fmt, ap);
    if (object == NULL && where != NULL) {
        /* a batch script's line (job.sh:3), or an SBATCH_* variable */
        object = strncmp(where, "SBATCH_", 7) == 0 ? "environment" : "file";
        name = where;
    } else if (object == NULL && (name = option_in(msg)) != NULL) {
        object = "option";
    } else if (object == NULL) {
        object = "argument";
    }
    cli_doc_subject(object, name);
    cli_doc_error("usage", "%s%s%s", where ? where : "", where ? ": " : "",
                  msg);
    cli_doc_subject(saved_o, saved_n);
}

void cli_doc_bad_option(void)
{
    const char *w = optind > 0 && optind <= doc.argc ? doc.argv[optind - 1]
                                                     : NULL;
    const char *saved_o = doc.object, *saved_n = doc.name;

    if (optopt > 0 && optopt < 128 && isalpha(optopt))
        snprintf(doc.word, sizeof doc.word, "-%c", optopt);
    else
        snprintf(doc.word, sizeof doc.word, "%.*s",
                 w ? (int)strcspn(w, "=") : 0, w ? w : "");
    cli_doc_subject("option", doc.word[0] ? doc.word : NULL);
    cli_doc_error("usage", "%s%s", doc.word[0] ? doc.word : "an option",
                  " is not an option of this command, or lacks its value "
                  "(see --help)");
    cli_doc_subject(saved_o, saved_n);
}

const char *cli_rc_name(hpcl_rc rc)
{
    static const char *const names[] = {
        "HPCL_OK",        "HPCL_E_INVAL",    "HPCL_E_NOMEM",
        "HPCL_E_SYSTEM",  "HPCL_E_CONFIG",   "HPCL_E_SLURM",
        "HPCL_E_UNREACHABLE", "HPCL_E_TIMEOUT", "HPCL_E_NOJOB",
        "HPCL_E_AMBIGUOUS", "HPCL_E_TOPOLOGY", "HPCL_E_NOGPU",
        "HPCL_E_PLAN",    "HPCL_E_REST",     "HPCL_E_AUTH",
        "HPCL_E_NOBACKEND", "HPCL_E_UNSUPPORTED"};

    /* A code appended later than this table is still named. */
    if ((unsigned)rc >= sizeof names / sizeof names[0])
        return "HPCL_E_OTHER";
    return names[rc];
}

void cli_doc_end(void)
{
    struct hpcl__jw w;
    char *errors, *text;

    hpcl__jw_close(&doc.errors, ']');
    errors = hpcl__jw_finish(&doc.errors);
    if (doc.on) {
        hpcl__jw_init(&w, 0);
        hpcl__jw_open(&w, '{');
        hpcl__jw_kint(&w, "version", CLI_JSON_VERSION);
        hpcl__jw_kstr(&w, "command", doc.kind >= 0 ? doc.cmd : NULL);
        for (int i = 0; doc.kind >= 0 && i < NMEMBERS &&
                        layout[doc.kind].members[i]; i++) {
            char *v = doc.set[i] ? hpcl__jw_finish(&doc.member[i]) : NULL;

            hpcl__jw_key(&w, layout[doc.kind].members[i]);
            /* Members are compact already: printed as they are. */
            hpcl__jw_raw_out(&w, stdout, v != NULL && v[0] != '\0' ? v
                                                                   : "null");
            free(v);
            doc.set[i] = 0;
        }
        hpcl__jw_key(&w, "errors");
        hpcl__jw_raw(&w, errors != NULL ? errors : "[]");
        hpcl__jw_close(&w, '}');
        if ((text = hpcl__jw_finish(&w)) != NULL)
            printf("%s\n", text);
        else
            fputs("hpclaunch: out of memory writing the JSON document\n",
                  stderr);
        free(text);
    }
    for (int i = 0; i < NMEMBERS; i++)
        if (doc.set[i])
            free(doc.member[i].b.s);
    free(errors);
    fflush(stdout);
}
