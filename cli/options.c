/* Options as data: the parser and the --help text made from a command's
 * table (options.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

const struct cli_opt cli_json_opt[] = {
    {OPT_JSON, "json", NULL, "print the result as JSON", NULL},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_opt cli_conf_opt[] = {
    {OPT_CONF, "conf", "FILE", "site file (default: $HPCLAUNCH_CONF, then\n"
     "~/.config/hpclaunch/hpclaunch.conf, /etc/hpclaunch)", "@file"},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_opt cli_help_opt[] = {
    {OPT_HELP, "help", NULL, "this text", NULL},
    {0, NULL, NULL, NULL, NULL}};

/* Every option of cmd, in table order, through *g and *i. */
static const struct cli_opt *next_opt(const struct cli_cmd *cmd, int *g,
                                      int *i)
{
    while (*g < CLI_GROUPS_MAX && cmd->group[*g].opt != NULL) {
        const struct cli_opt *o = &cmd->group[*g].opt[*i];
        if (o->name != NULL) {
            (*i)++;
            return o;
        }
        (*g)++;
        *i = 0;
    }
    return NULL;
}

static const struct cli_opt *find_key(const struct cli_cmd *cmd, int key)
{
    const struct cli_opt *o;
    int g = 0, i = 0;

    while ((o = next_opt(cmd, &g, &i)) != NULL)
        if (o->key == key)
            return o;
    return NULL;
}

const struct cli_opt *cli_opt_find(const struct cli_opt *group, int key)
{
    for (; group->name != NULL; group++)
        if (group->key == key)
            return group;
    return NULL;
}

const char *cli_opt_label(const struct cli_opt *o, int key)
{
    static char label[64];

    if (o == NULL)
        snprintf(label, sizeof label, "-%c", key > 32 && key < 127 ? key
                                                                   : '?');
    else if (key < 256)
        snprintf(label, sizeof label, "-%c/--%s", key, o->name);
    else
        snprintf(label, sizeof label, "--%s", o->name);
    return label;
}

void cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd,
                     int argc, char **argv)
{
    const struct cli_opt *o;
    size_t n = 0, s = 0;
    int g = 0, i = 0;

    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    /* '+': stop at the first operand; ':': a missing value is told
     * apart from an unknown option. */
    if (cmd->in_order)
        p->shortopts[s++] = '+';
    p->shortopts[s++] = ':';
    while ((o = next_opt(cmd, &g, &i)) != NULL && n < CLI_LONGOPTS_MAX) {
        p->longopts[n++] = (struct option){
            o->name, o->metavar ? required_argument : no_argument, NULL,
            o->key};
        /* A short letter is listed once, even when two names share it. */
        if (o->key < 256 && strchr(p->shortopts, o->key) == NULL &&
            s + 3 < sizeof p->shortopts) {
            p->shortopts[s++] = (char)o->key;
            if (o->metavar)
                p->shortopts[s++] = ':';
        }
    }
    p->shortopts[s] = '\0';
    p->longopts[n] = (struct option){NULL, 0, NULL, 0};
    /* A table that outgrew the array: say so rather than drop options. */
    if (o != NULL)
        fprintf(stderr, "hpclaunch %s: internal error: more than %d "
                "options (raise CLI_LONGOPTS_MAX)\n", cmd->name,
                CLI_LONGOPTS_MAX);
}

/* Optimal string alignment distance (a swap of two neighbours counts
 * one: "sumbit" is one step from "submit"); words are short. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), d[40][40];

    if (la >= 40 || lb >= 40)
        return (size_t)-1;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *cli_did_you_mean(const char *word, const char *const *names,
                             size_t n)
{
    size_t best = (size_t)-1, len = strlen(word);
    /* A third of the word may be wrong, at least one letter, at most 3. */
    size_t limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
    const char *match = NULL;

    for (size_t i = 0; i < n; i++) {
        size_t d = distance(word, names[i]);
        /* A word cut short ("--ntask") is a prefix of what was meant. */
        if (len >= 3 && strncmp(names[i], word, len) == 0)
            d = d < 1 ? d : 1;
        if (d < best) {
            best = d;
            match = names[i];
        }
    }
    return best <= limit ? match : NULL;
}

/* The option word at the error: "--ntask" of "--ntask=2". */
static void bad_word(const struct cli_parser *p, char *buf, size_t len)
{
    const char *w = optind > 0 && optind <= p->argc ? p->argv[optind - 1]
                                                    : "";

    snprintf(buf, len, "%.*s", (int)strcspn(w, "="), w);
}

static int unknown_long(struct cli_parser *p)
{
    const char *names[CLI_LONGOPTS_MAX] = {NULL}, *best;
    char word[128], amb[256] = "";
    size_t n = 0, used = 0, nprefix = 0;

    bad_word(p, word, sizeof word);
    for (; p->longopts[n].name != NULL; n++) {
        names[n] = p->longopts[n].name;
        if (strncmp(names[n], word + 2, strlen(word + 2)) == 0 &&
            used < sizeof amb) {
            used += (size_t)snprintf(amb + used, sizeof amb - used, "%s--%s",
                                     nprefix ? ", " : "", names[n]);
            nprefix++;
        }
    }
    best = cli_did_you_mean(word + 2, names, n);
    if (nprefix > 1)
        return cli_usage_error(p->cmd->name, "option '%s' is ambiguous "
                               "(%s)%s%s%s", word, amb,
                               best ? "; did you mean '--" : "",
                               best ? best : "", best ? "'?" : "");
    if (best != NULL)
        return cli_usage_error(p->cmd->name, "unknown option '%s'; did you "
                               "mean '--%s'?", word, best);
    return cli_usage_error(p->cmd->name, "unknown option '%s'", word);
}

/* getopt said '?' or ':': say which option and why. */
static int refuse(struct cli_parser *p, int got)
{
    const struct cli_opt *o = optopt != 0 ? find_key(p->cmd, optopt) : NULL;
    char word[128];

    bad_word(p, word, sizeof word);
    if (got == ':')
        return cli_usage_error(p->cmd->name, "option %s needs a value "
                               "(%s)", cli_opt_label(o, optopt),
                               o != NULL ? o->metavar : "?");
    if (optopt == 0)
        return unknown_long(p);
    if (o != NULL && strncmp(word, "--", 2) == 0)
        return cli_usage_error(p->cmd->name, "option --%s takes no value",
                               o->name);
    return cli_usage_error(p->cmd->name, "unknown option '-%c'",
                           optopt > 32 && optopt < 127 ? optopt : '?');
}

int cli_parse_next(struct cli_parser *p)
{
    int key;

    if (!p->started) {
        p->started = 1;
        optind = 0; /* glibc: start afresh, whatever the last parse was */
        opterr = 0; /* the messages are ours */
    }
    key = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
    p->arg = optarg;
    if (key == -1)
        return 0;
    if (key == '?' || key == ':') {
        p->status = refuse(p, key);
        return -1;
    }
    if (key == OPT_HELP) {
        if (cli_where != NULL) {
            p->status = cli_usage_error(p->cmd->name, "--help is not a job "
                                        "option");
            return -1;
        }
        cli_help(p->cmd, stdout);
        p->status = EXIT_OK;
        return -1;
    }
    return key;
}

/* "  -n, --ntasks=N" padded to the help column; help lines under it. */
#define HELP_COLUMN 27

static void print_opt(const struct cli_opt *o, FILE *out)
{
    char left[96];
    const char *h = o->help;
    int n;

    if (o->key < 256)
        n = snprintf(left, sizeof left, "  -%c, --%s%s%s", o->key, o->name,
                     o->metavar ? "=" : "", o->metavar ? o->metavar : "");
    else
        n = snprintf(left, sizeof left, "      --%s%s%s", o->name,
                     o->metavar ? "=" : "", o->metavar ? o->metavar : "");
    fputs(left, out);
    if (n >= HELP_COLUMN)
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    else
        fprintf(out, "%*s", HELP_COLUMN - n, "");
    while (*h != '\0') {
        size_t k = strcspn(h, "\n");
        fprintf(out, "%.*s\n", (int)k, h);
        h += k;
        if (*h == '\n' && *++h != '\0')
            fprintf(out, "%*s", HELP_COLUMN, "");
    }
}

void cli_help(const struct cli_cmd *cmd, FILE *out)
{
    const char *u = cmd->usage;

    /* "usage: " on the first synopsis line, aligned under it after. */
    for (int first = 1; *u != '\0'; first = 0) {
        size_t k = strcspn(u, "\n");
        fprintf(out, "%s%.*s\n", first ? "usage: " : "       ", (int)k, u);
        u += k + (u[k] == '\n');
    }
    fprintf(out, "\n%s\n", cmd->about);
    for (int g = 0; g < CLI_GROUPS_MAX && cmd->group[g].opt != NULL; g++) {
        if (cmd->group[g].title != NULL)
            fprintf(out, "\n%s\n", cmd->group[g].title);
        else if (g == 0)
            fputc('\n', out);
        for (const struct cli_opt *o = cmd->group[g].opt; o->name; o++)
            if (o->help != NULL)
                print_opt(o, out);
    }
    fprintf(out, "\nExit status: %s\n", cmd->exit_status);
}
