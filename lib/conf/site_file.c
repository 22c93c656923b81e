/*
 * The site file parser, on inih (loaded on first use: conf/inih_load.h).
 * inih calls our reader for every line and our handler for every key; the
 * reader keeps the line number (Debian's inih hands the handler none) and
 * opens and closes sections, so that an empty or repeated section is seen
 * too.  The first error wins and stops the parse; every message starts
 * with "FILE:LINE:".
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/inih_load.h"
#include "conf/sites.h"
#include "conf/site_parse.h"

/* Comments and indentation, before inih sees the line.  Leading blanks go
 * because inih would take an indented line for the continuation of the
 * previous value; " #" starts a comment as " ;" does in inih. */
static char *clean_line(char *line, int first)
{
    char *s;

    if (first && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
        line += 3;
    line += strspn(line, " \t");
    line[strcspn(line, "\r\n")] = '\0';
    for (s = line; *s != '\0'; s++) {
        if (*s == '#' && s > line && (s[-1] == ' ' || s[-1] == '\t')) {
            *s = '\0';
            break;
        }
    }
    return line;
}

static struct hpcl__site_conf *cur_site(struct hpcl__sites_parser *p)
{
    return &p->sites->site[p->sites->nsites - 1];
}

/* Close the section being read: a site is checked as a whole here, since
 * its keys may come in any order. */
static void end_section(struct hpcl__sites_parser *p)
{
    if (p->sec == SK_SEC_SITE && p->rc == HPCL_OK)
        hpcl__sites_check_site(p, cur_site(p));
    p->sec = SK_SEC_NONE;
    memset(p->seen, 0, sizeof p->seen);
}

static hpcl_rc add_site(struct hpcl__sites_parser *p, const char *name)
{
    struct hpcl__sites *s = p->sites;
    const struct hpcl__site_conf *old = hpcl__sites_get(s, name);
    struct hpcl__site_conf *grown;

    if (old != NULL)
        return hpcl__sites_fail(p, p->lineno,
                                "site '%s' is already defined at line %d", name,
                                old->line);
    grown = realloc(s->site, (s->nsites + 1) * sizeof *grown);
    if (grown == NULL)
        return hpcl__sites_fail(p, p->lineno, "out of memory");
    s->site = grown;
    memset(&grown[s->nsites], 0, sizeof *grown);
    if ((grown[s->nsites].name = strdup(name)) == NULL)
        return hpcl__sites_fail(p, p->lineno, "out of memory");
    grown[s->nsites].line = p->lineno;
    grown[s->nsites].max_wait_s = -1;
    grown[s->nsites].timeout_ms = -1;
    s->nsites++;
    p->sec = SK_SEC_SITE;
    return p->rc;
}

static hpcl_rc open_section(struct hpcl__sites_parser *p, char *text)
{
    char *name;

    text += strspn(text, " \t");
    text[strcspn(text, "]")] = '\0';
    while (*text != '\0' && strchr(" \t", text[strlen(text) - 1]) != NULL)
        text[strlen(text) - 1] = '\0';
    if (strcmp(text, "defaults") == 0) {
        if (p->defaults_line != 0)
            return hpcl__sites_fail(p, p->lineno,
                                    "section [defaults] is already "
                                    "given at line %d",
                                    p->defaults_line);
        p->defaults_line = p->lineno;
        p->sec = SK_SEC_DEFAULTS;
        return p->rc;
    }
    if (strncmp(text, "site", 4) != 0 || strchr(" \t", text[4]) == NULL ||
        text[4] == '\0')
        return hpcl__sites_fail(p, p->lineno,
                                "unknown section [%s] (expected "
                                "[defaults] or [site NAME])",
                                text);
    name = text + 4 + strspn(text + 4, " \t");
    if (!hpcl__site_name_valid(name))
        return hpcl__sites_fail(p, p->lineno,
                                "invalid site name '%s' (use 1 to %d "
                                "of A-Z a-z 0-9 _ -)",
                                name, HPCL__SITE_NAME_MAX);
    return add_site(p, name);
}

/* inih's reader: one line per call, so our count is inih's count. */
static char *read_line(char *str, int num, void *stream)
{
    struct hpcl__sites_parser *p = stream;
    char *line;

    if (p->rc != HPCL_OK)
        return NULL;
    errno = 0;
    if (getline(&p->buf, &p->cap, p->fp) < 0) {
        if (ferror(p->fp))
            hpcl__sites_fail(p, p->lineno + 1, "cannot read: %s",
                             strerror(errno));
        end_section(p);
        return NULL;
    }
    line = clean_line(p->buf, ++p->lineno == 1);
    if (strlen(line) + 2 > (size_t)num) {
        hpcl__sites_fail(p, p->lineno, "line is longer than %d characters",
                         num - 2);
        return NULL;
    }
    snprintf(str, (size_t)num, "%s\n", line);
    if (line[0] == '[' && strchr(line, ']') != NULL) {
        end_section(p);
        open_section(p, line + 1);
    }
    return p->rc == HPCL_OK ? str : NULL;
}

static void unknown_key(struct hpcl__sites_parser *p, const char *name)
{
    char known[512] = "";
    unsigned where = p->sec == SK_SEC_SITE ? SK_IN_SITE : SK_IN_DEFAULTS;

    for (int k = 0; k < SK_NKEYS; k++) {
        if (!(hpcl__site_keys[k].flags & where))
            continue;
        if (known[0] != '\0')
            strncat(known, ", ", sizeof known - strlen(known) - 1);
        strncat(known, hpcl__site_keys[k].name,
                sizeof known - strlen(known) - 1);
    }
    hpcl__sites_fail(p, p->lineno,
                     "unknown key '%s' in [%s%s] (known keys: %s)", name,
                     p->sec == SK_SEC_SITE ? "site " : "defaults",
                     p->sec == SK_SEC_SITE ? cur_site(p)->name : "", known);
}

static int handle_key(void *user, const char *section, const char *name,
                      const char *value)
{
    struct hpcl__sites_parser *p = user;
    unsigned where = p->sec == SK_SEC_SITE ? SK_IN_SITE : SK_IN_DEFAULTS;
    int k;

    (void)section; /* the reader tracks sections; inih truncates names */
    if (p->rc != HPCL_OK)
        return 1;
    if (p->sec == SK_SEC_NONE) {
        hpcl__sites_fail(p, p->lineno,
                         "key '%s' is outside any section (start with "
                         "[defaults] or [site NAME])",
                         name);
        return 1;
    }
    for (k = 0; k < SK_NKEYS; k++)
        if (strcmp(name, hpcl__site_keys[k].name) == 0 &&
            (hpcl__site_keys[k].flags & where))
            break;
    if (k == SK_NKEYS)
        unknown_key(p, name);
    else if (p->seen[k] && !(hpcl__site_keys[k].flags & SK_REPEATABLE))
        hpcl__sites_fail(p, p->lineno, "key '%s' is already set at line %d",
                         name, p->seen[k]);
    else if (*value == '\0')
        hpcl__sites_fail(p, p->lineno, "key '%s' has an empty value", name);
    else {
        p->seen[k] = p->lineno;
        hpcl__sites_set_key(p, k, value,
                            p->sec == SK_SEC_SITE ? cur_site(p) : NULL);
    }
    return 1;
}

static void run_inih(struct hpcl__sites_parser *p)
{
    const char *why;
    hpcl__ini_parse_stream_fn parse = hpcl__inih_load(&why);
    int rc;

    if (parse == NULL) {
        p->rc = hpcl__fail(p->ctx, HPCL_E_UNSUPPORTED, "cannot read site "
                           "file %s: it is read with inih: %s", p->file,
                           why);
        return;
    }
    rc = parse(read_line, p, handle_key, p);

    /* handle_key never fails inih, so a positive rc is a syntax error; it
     * counts only if it comes before our own first error. */
    if (rc > 0 && (p->rc == HPCL_OK || rc < p->err_line)) {
        p->rc = HPCL_OK;
        hpcl__sites_fail(p, rc,
                         "syntax error (expected [section], key = value or a "
                         "comment)");
    } else if (rc < 0 && p->rc == HPCL_OK) {
        hpcl__sites_fail(p, p->lineno, "out of memory");
    }
    if (p->rc == HPCL_OK)
        hpcl__sites_finish(p);
}

static hpcl_rc open_regular(FILE **out, hpcl_ctx *ctx, const char *path)
{
    int fd = hpcl__open_regular(path);

    *out = NULL;
    if (fd == -2)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site file %s is not a "
                          "regular file", path);
    if (fd < 0 || (*out = fdopen(fd, "re")) == NULL) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return hpcl__fail(ctx, HPCL_E_CONFIG, "cannot open site file %s: %s",
                          path, strerror(err));
    }
    return HPCL_OK;
}

static struct hpcl__sites *new_sites(void)
{
    struct hpcl__sites *s = calloc(1, sizeof *s);

    /* -1: not set, so that [defaults] may come after the sites. */
    if (s != NULL) {
        s->max_wait_s = -1;
        s->timeout_ms = -1;
    }
    return s;
}

hpcl_rc hpcl__sites_parse(struct hpcl__sites **out, hpcl_ctx *ctx,
                          const char *path)
{
    struct hpcl__sites_parser p = {.ctx = ctx, .file = path};

    if (out == NULL || path == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if ((p.rc = open_regular(&p.fp, ctx, path)) != HPCL_OK)
        return p.rc;
    p.sites = new_sites();
    if (p.sites == NULL || (p.sites->source = strdup(path)) == NULL)
        p.rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    else
        run_inih(&p);
    fclose(p.fp);
    free(p.buf);
    free(p.home);
    if (p.rc != HPCL_OK) {
        hpcl__sites_free(p.sites);
        return p.rc;
    }
    *out = p.sites;
    return HPCL_OK;
}

hpcl_rc hpcl__sites_builtin(struct hpcl__sites **out, hpcl_ctx *ctx)
{
    struct hpcl__sites_parser p = {.ctx = ctx, .file = "(built-in)"};

    if (out == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    if ((p.sites = new_sites()) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    hpcl__sites_finish(&p); /* no sites: adds "local" */
    if (p.rc != HPCL_OK) {
        hpcl__sites_free(p.sites);
        return p.rc;
    }
    *out = p.sites;
    return HPCL_OK;
}
