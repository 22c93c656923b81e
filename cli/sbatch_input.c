/* What sbatch reads besides its command line: a batch script's #SBATCH
 * directives and the SBATCH_* input variables, turned into option words
 * for the same parser as the command line. */
#define _POSIX_C_SOURCE 200809L /* strdup, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Slurm refuses scripts over 4 MB by default (max_script_size). */
#define MAX_SCRIPT (4L << 20)

/* The whole of path when it is a regular file of at most MAX_SCRIPT
 * bytes starting with "#!", else NULL (errno set on read errors). */
static char *read_script(const char *path)
{
    struct stat st;
    char *buf = NULL;
    ssize_t got = 0, n;
    /* O_NONBLOCK: a FIFO must not block the open. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 2 ||
        st.st_size > MAX_SCRIPT ||
        (buf = malloc((size_t)st.st_size + 1)) == NULL)
        goto fail;
    while (got < st.st_size &&
           (n = read(fd, buf + got, (size_t)(st.st_size - got))) > 0)
        got += n;
    if (got < 2 || strncmp(buf, "#!", 2) != 0 ||
        memchr(buf, '\0', (size_t)got) != NULL)
        goto fail;
    buf[got] = '\0';
    close(fd);
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

/* The next word of a directive at *p, exactly as sbatch 22.05's
 * get_argument() reads it: blanks end a word unless quoted (a backslash
 * does not protect a blank), a backslash takes the next other character
 * as it is, quotes group, an unquoted '#' ends the line.  NULL at the
 * end, or with *unmatched set to the quote left open. */
static char *next_word(const char **p, char *unmatched)
{
    const char *s = *p;
    char *w, *o, quote = 0;
    int escape = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    if ((o = w = malloc(strlen(s) + 1)) == NULL)
        return NULL;
    while ((quote || (*s != ' ' && *s != '\t')) && *s != '\n' &&
           *s != '\0') {
        if (escape) {
            escape = 0;
        } else if (*s == '\\') {
            escape = 1;
            s++;
            continue;
        } else if (quote != 0) {
            if (*s == quote) {
                quote = 0;
                s++;
                continue;
            }
        } else if (*s == '"' || *s == '\'') {
            quote = *s++;
            continue;
        } else if (*s == '#') {
            break;
        }
        *o++ = *s++;
    }
    *o = '\0';
    *p = s;
    *unmatched = quote;
    /* sbatch stops at an empty word too ("" or a '#'). */
    if (quote != 0 || o == w) {
        free(w);
        return NULL;
    }
    return w;
}

void cli_directives_free(struct cli_directives *d)
{
    for (size_t i = 0; i < d->nlines; i++) {
        for (int k = 0; k < d->line[i].argc; k++)
            free(d->line[i].argv[k]);
        free(d->line[i].argv);
    }
    free(d->line);
    free(d->script);
    memset(d, 0, sizeof *d);
}

/* The words of one "#SBATCH ..." line (s after "#SBATCH") as an argv
 * whose argv[0] is a placeholder for getopt.  An unmatched quote is
 * recorded in d->bad_line. */
static int add_line(struct cli_directives *d, const char *s, int lineno)
{
    struct cli_directive_line *l, *grown;
    char *w, unmatched;

    grown = realloc(d->line, (d->nlines + 1) * sizeof *grown);
    if (grown == NULL)
        return -1;
    d->line = grown;
    l = &d->line[d->nlines++];
    l->lineno = lineno;
    l->argc = 1;
    if ((l->argv = calloc(strlen(s) / 2 + 3, sizeof *l->argv)) == NULL ||
        (l->argv[0] = strdup("#SBATCH")) == NULL)
        return -1;
    while ((w = next_word(&s, &unmatched)) != NULL)
        l->argv[l->argc++] = w;
    if (unmatched != 0 && d->bad_line == 0) {
        d->bad_line = lineno;
        d->bad_quote = unmatched;
    }
    return 0;
}

int cli_read_directives(const char *path, struct cli_directives *d)
{
    const char *s;
    int lineno = 1;

    memset(d, 0, sizeof *d);
    if ((d->script = read_script(path)) == NULL)
        return 0;
    /* Directives come before the first command, as sbatch reads them. */
    for (s = strchr(d->script, '\n'); s != NULL; s = strchr(s, '\n')) {
        size_t blank;
        s++;
        lineno++;
        blank = strspn(s, " \t");
        if (s[blank] != '#' && s[blank] != '\n' && s[blank] != '\0')
            break;
        if (strncmp(s, "#SBATCH", 7) == 0 &&
            add_line(d, s + 7, lineno) != 0) {
            cli_directives_free(d);
            return -1;
        }
    }
    if (d->nlines == 0) {
        /* A script without directives is a program to launch. */
        cli_directives_free(d);
        return 0;
    }
    return 1;
}

/* sbatch's input variables for the options hpclaunch has (sbatch(1),
 * INPUT ENVIRONMENT VARIABLES); flags take no value. */
static const struct {
    const char *var;
    const char *option;
    int flag;
} sbatch_vars[] = {
    {"SBATCH_ACCOUNT", "--account", 0},
    {"SBATCH_ARRAY_INX", "--array", 0},
    {"SBATCH_CONSTRAINT", "--constraint", 0},
    {"SBATCH_ERROR", "--error", 0},
    {"SBATCH_EXCLUSIVE", "--exclusive", 1},
    {"SBATCH_EXPORT", "--export", 0},
    {"SBATCH_GPUS", "--gpus", 0},
    {"SBATCH_GPUS_PER_NODE", "--gpus-per-node", 0},
    {"SBATCH_GPUS_PER_TASK", "--gpus-per-task", 0},
    {"SBATCH_GRES", "--gres", 0},
    {"SBATCH_JOB_NAME", "--job-name", 0},
    {"SBATCH_MEM_PER_CPU", "--mem-per-cpu", 0},
    {"SBATCH_MEM_PER_NODE", "--mem", 0},
    {"SBATCH_OUTPUT", "--output", 0},
    {"SBATCH_PARTITION", "--partition", 0},
    {"SBATCH_QOS", "--qos", 0},
    {"SBATCH_RESERVATION", "--reservation", 0},
    {"SBATCH_SIGNAL", "--signal", 0},
    {"SBATCH_TIMELIMIT", "--time", 0},
    {"SBATCH_WAIT", "--wait", 1},
};

int cli_sbatch_env(struct cli_directive_line *l)
{
    size_t n = sizeof sbatch_vars / sizeof *sbatch_vars;

    l->lineno = 0;
    l->argc = 1;
    if ((l->argv = calloc(n + 2, sizeof *l->argv)) == NULL ||
        (l->argv[0] = strdup("SBATCH_*")) == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *v = getenv(sbatch_vars[i].var);
        size_t len;
        char *w;
        if (v == NULL)
            continue;
        len = strlen(sbatch_vars[i].option) + strlen(v) + 2;
        if ((w = malloc(len)) == NULL)
            return -1;
        if (sbatch_vars[i].flag)
            snprintf(w, len, "%s", sbatch_vars[i].option);
        else
            snprintf(w, len, "%s=%s", sbatch_vars[i].option, v);
        l->argv[l->argc++] = w;
    }
    return 0;
}

const char *cli_sbatch_env_var(const char *option)
{
    size_t k = strcspn(option, "=");

    for (size_t i = 0; i < sizeof sbatch_vars / sizeof *sbatch_vars; i++)
        if (strlen(sbatch_vars[i].option) == k &&
            strncmp(sbatch_vars[i].option, option, k) == 0)
            return sbatch_vars[i].var;
    return "SBATCH_*";
}
