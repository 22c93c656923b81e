/* hpclaunch __complete: shell completion from the command tables, so that
 * the bash and zsh scripts (cli/completion) hold no option of their own
 * and never fall behind the commands. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

/* One candidate a line when it starts with prefix; before: what the
 * shell replaces along with it ("--site=" of "--site=sit"). */
static void offer(const char *before, const char *word, const char *prefix)
{
    if (strncmp(word, prefix, strlen(prefix)) == 0)
        printf("%s%s\n", before, word);
}

/* The site names of the site file (--conf, else hpclaunch.conf(5)'s
 * lookup); nothing when it cannot be read: completion never complains. */
static void offer_sites(const char *conf, const char *before,
                        const char *prefix)
{
    hpcl_ctx *ctx = NULL;

    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK)
        return;
    if (hpcl_ctx_load_sites(ctx, conf, 0) == HPCL_OK)
        for (size_t i = 0; i < hpcl_ctx_site_count(ctx); i++)
            offer(before, hpcl_ctx_site_name(ctx, i), prefix);
    hpcl_ctx_destroy(ctx);
}

/* What an option's value completes to (options.h: cli_opt.complete). */
static void offer_values(const struct cli_opt *o, const char *conf,
                         const char *before, const char *prefix)
{
    const char *c = o->complete;

    if (c == NULL)
        return;
    if (strcmp(c, "@site") == 0) {
        offer_sites(conf, before, prefix);
        return;
    }
    if (c[0] == '@') { /* @file, @dir: the shell lists them */
        printf("%s\n", c);
        return;
    }
    while (*c != '\0') {
        char word[64];
        size_t k = strcspn(c, " ");
        snprintf(word, sizeof word, "%.*s", (int)k, c);
        offer(before, word, prefix);
        c += k + (c[k] == ' ');
    }
}

/* The option a word names: "--name", "--name=...", a unique prefix of a
 * long name as getopt takes it, or "-x". */
static const struct cli_opt *find(const struct cli_cmd *cmd,
                                  const char *word)
{
    const struct cli_opt *hit = NULL;
    size_t len;
    int nhits = 0;

    if (word[0] != '-' || word[1] == '\0')
        return NULL;
    if (word[1] != '-') {
        for (int g = 0; g < CLI_GROUPS_MAX && cmd->group[g].opt; g++)
            for (const struct cli_opt *o = cmd->group[g].opt; o->name; o++)
                if (o->key == (unsigned char)word[1])
                    return o;
        return NULL;
    }
    len = strcspn(word + 2, "=");
    for (int g = 0; g < CLI_GROUPS_MAX && cmd->group[g].opt; g++)
        for (const struct cli_opt *o = cmd->group[g].opt; o->name; o++) {
            if (strncmp(o->name, word + 2, len) != 0)
                continue;
            if (o->name[len] == '\0')
                return o;
            hit = o;
            nhits++;
        }
    return nhits == 1 ? hit : NULL;
}

/* Does word (an option) leave its value to the next word? */
static int value_follows(const struct cli_cmd *cmd, const char *word)
{
    const struct cli_opt *o = find(cmd, word);

    if (o == NULL || o->metavar == NULL)
        return 0;
    if (word[1] == '-')
        return strchr(word, '=') == NULL;
    return word[2] == '\0'; /* "-n4" holds its value */
}

/* The words of a command after its name, up to cword: the site file it
 * names, and whether the current word is past the options (after "--",
 * or after a program for commands whose options stop there). */
static int past_options(const struct cli_cmd *cmd, char **w, int first,
                        int cword, const char **conf)
{
    for (int k = first; k < cword; k++) {
        const struct cli_opt *o;
        if (strcmp(w[k], "--") == 0)
            return 1;
        if (strcmp(w[k], "=") == 0) { /* bash splits "--conf=F" */
            if (k + 1 < cword && strcmp(w[k - 1], "--conf") == 0)
                *conf = w[k + 1];
            k++;
            continue;
        }
        if (w[k][0] != '-' || w[k][1] == '\0') {
            if (cmd->in_order)
                return 1;
            continue;
        }
        o = find(cmd, w[k]);
        if (o != NULL && o->key == OPT_CONF) {
            const char *eq = strchr(w[k], '=');
            if (eq != NULL)
                *conf = eq + 1;
            else if (k + 1 < cword && strcmp(w[k + 1], "=") != 0)
                *conf = w[k + 1];
        }
        if (value_follows(cmd, w[k]) && k + 1 < cword &&
            strcmp(w[k + 1], "=") != 0)
            k++;
    }
    return 0;
}

static void complete_command(const struct cli_cmd *cmd, char **w, int first,
                             int cword, const char *conf)
{
    const char *cur = w[cword], *prev = cword > first ? w[cword - 1] : "";
    const struct cli_opt *o;

    if (past_options(cmd, w, first, cword, &conf)) {
        printf("@file\n");
        return;
    }
    /* The value of an option: "--site S", "--site=S" (split at '=' by
     * bash or not), "-p P". */
    if (strcmp(cur, "=") == 0 && (o = find(cmd, prev)) != NULL) {
        offer_values(o, conf, "", "");
        return;
    }
    if (strcmp(prev, "=") == 0 && cword - 2 >= first &&
        (o = find(cmd, w[cword - 2])) != NULL) {
        offer_values(o, conf, "", cur);
        return;
    }
    if (cur[0] == '-' && cur[1] == '-' && strchr(cur, '=') != NULL &&
        (o = find(cmd, cur)) != NULL) {
        char before[96];
        const char *eq = strchr(cur, '=');
        snprintf(before, sizeof before, "%.*s", (int)(eq - cur + 1), cur);
        offer_values(o, conf, before, eq + 1);
        return;
    }
    if (value_follows(cmd, prev)) {
        offer_values(find(cmd, prev), conf, "", cur);
        return;
    }
    if (cur[0] == '-') {
        for (int g = 0; g < CLI_GROUPS_MAX && cmd->group[g].opt; g++)
            for (o = cmd->group[g].opt; o->name; o++) {
                char name[64];
                snprintf(name, sizeof name, "--%s", o->name);
                offer("", name, cur);
            }
        return;
    }
    if (cmd->operands != NULL && strcmp(cmd->operands, "@file") == 0)
        printf("@file\n");
}

int cli_complete(int argc, char **argv)
{
    static const char *const global[] = {"--conf", "--help", "--version"};
    char **w = argv + 2;
    int n = argc - 2, cword = argc >= 2 ? atoi(argv[1]) : 0, first = 1;
    const char *conf = NULL;
    const struct cli_cmd *cmd;

    /* argv: __complete CWORD WORD0 WORD1 ... (bash's COMP_CWORD and
     * COMP_WORDS); the current word may be missing: it is empty then. */
    if (n < 1 || cword < 1 || cword > n)
        return EXIT_USAGE;
    if (cword == n) {
        static char empty[] = "";
        w[n] = empty; /* argv[argc] is NULL: its slot is ours */
    }
    /* hpclaunch [--conf FILE] COMMAND ... */
    while (first < cword && w[first][0] == '-') {
        if (strncmp(w[first], "--conf=", 7) == 0)
            conf = w[first] + 7;
        else if (strcmp(w[first], "--conf") == 0 && first + 1 < cword &&
                 strcmp(w[first + 1], "=") != 0)
            conf = w[++first];
        else if (strcmp(w[first], "--conf") == 0 && first + 2 < cword)
            conf = w[first += 2];
        first++;
    }
    if (first == cword) {
        if (cword > 1 && (strcmp(w[cword - 1], "--conf") == 0 ||
                          strcmp(w[cword - 1], "=") == 0)) {
            printf("@file\n");
            return EXIT_OK;
        }
        if (w[cword][0] == '-') {
            for (size_t i = 0; i < sizeof global / sizeof *global; i++)
                offer("", global[i], w[cword]);
            return EXIT_OK;
        }
        for (size_t i = 0; cli_commands[i] != NULL; i++)
            offer("", cli_commands[i]->name, w[cword]);
        offer("", "help", w[cword]);
        return EXIT_OK;
    }
    if (strcmp(w[first], "help") == 0) {
        if (cword == first + 1)
            for (size_t i = 0; cli_commands[i] != NULL; i++)
                offer("", cli_commands[i]->name, w[cword]);
        return EXIT_OK;
    }
    if ((cmd = cli_command(w[first])) != NULL)
        complete_command(cmd, w, first + 1, cword, conf);
    return EXIT_OK;
}
