/*
 * The keys of the site file: what each accepts, where it may appear, and
 * the checks that need a whole site or the whole file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/sites.h"
#include "conf/site_parse.h"

#define OFF(f) offsetof(struct hpcl__site_conf, f)
#define SITE SK_IN_SITE
#define REST (SK_IN_SITE | SK_ONLY_REST)

const struct hpcl__site_key_def hpcl__site_keys[SK_NKEYS] = {
    [SK_DRIVER] = {"driver", SITE, SK_T_DRIVER, 0},
    [SK_SLURM_CONF] = {"slurm_conf", SITE | SK_ONLY_SLURM, SK_T_PATH,
                       OFF(slurm_conf)},
    [SK_URL] = {"url", REST, SK_T_URL, OFF(url)},
    [SK_API_VERSION] = {"api_version", REST, SK_T_VERSION, OFF(api_version)},
    [SK_USER] = {"user", REST, SK_T_WORD, OFF(user)},
    [SK_TOKEN_FILE] = {"token_file", REST, SK_T_PATH, OFF(token_file)},
    [SK_TOKEN_ENV] = {"token_env", REST, SK_T_ENVNAME, OFF(token_env)},
    [SK_CA_FILE] = {"ca_file", REST, SK_T_PATH, OFF(ca_file)},
    [SK_PARTITION] = {"partition", SITE, SK_T_WORD, OFF(partition)},
    [SK_ACCOUNT] = {"account", SITE, SK_T_WORD, OFF(account)},
    [SK_MPI] = {"mpi", SITE, SK_T_WORD, OFF(mpi)},
    [SK_MAX_WAIT] = {"max_wait", SITE | SK_IN_DEFAULTS, SK_T_DURATION, 0},
    [SK_PREFERENCE] = {"preference", SITE, SK_T_INT, 0},
    [SK_TIMEOUT] = {"timeout", SITE | SK_IN_DEFAULTS, SK_T_DURATION, 0},
    [SK_MAP] = {"map", SITE | SK_REPEATABLE, SK_T_MAP, 0},
    [SK_HOME] = {"home", SK_IN_DEFAULTS, SK_T_SITENAME, 0},
    [SK_JOURNAL] = {"journal", SK_IN_DEFAULTS, SK_T_PATH, 0},
    [SK_ACCOUNTING] = {"accounting", SITE, SK_T_ACCOUNTING, 0},
    [SK_PRICE_CORE_HOUR] = {"price_core_hour", SITE, SK_T_ECON, 0},
    [SK_PRICE_GPU_HOUR] = {"price_gpu_hour", SITE, SK_T_ECON, 0},
    [SK_CURRENCY] = {"currency", SITE | SK_IN_DEFAULTS, SK_T_ECON, 0},
    [SK_CARBON_INTENSITY] = {"carbon_intensity", SITE, SK_T_ECON, 0},
    [SK_POWER_PER_CORE] = {"power_per_core", SITE | SK_IN_DEFAULTS,
                           SK_T_ECON, 0},
    [SK_POWER_PER_GPU] = {"power_per_gpu", SITE | SK_IN_DEFAULTS, SK_T_ECON,
                          0},
    [SK_DATA_ENDPOINT] = {"data_endpoint", SITE, SK_T_ECON, 0},
    [SK_IDENTITY_FILE] = {"identity_file", SITE, SK_T_ECON, 0},
    [SK_KNOWN_HOSTS] = {"known_hosts", SITE, SK_T_ECON, 0},
    [SK_BANDWIDTH] = {"bandwidth", SITE, SK_T_ECON, 0},
    [SK_RTT] = {"rtt", SITE, SK_T_ECON, 0},
    [SK_BWLIMIT] = {"bwlimit", SITE, SK_T_ECON, 0},
};

#define MAX_TIMEOUT_MS 86400000L /* a day: anything longer is a typo */
#define MAX_PREFERENCE 1000000L
#define MAX_WORD 255

static const char *driver_name(enum hpcl__driver d)
{
    return d == HPCL__DRIVER_SLURM ? "slurm" : "slurmrestd";
}

static int is_word(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++)
        if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] >= 0x7f)
            return 0;
    return n > 0 && n <= MAX_WORD;
}

static int is_env_name(const char *s)
{
    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        return 0;
    for (; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* "auto" or a version the REST driver speaks (its shapes differ per
 * version: a version it does not know could only be misread). */
static int is_api_version(const char *s)
{
    static const char *const known[] = {"auto", "v0.0.42", "v0.0.41",
                                        "v0.0.40", "v0.0.38"};

    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(s, known[i]) == 0)
            return 1;
    return 0;
}

static hpcl_rc take(struct hpcl__sites_parser *p, char **field, char *value)
{
    if (value == NULL)
        return hpcl__sites_fail(p, p->lineno, "out of memory");
    free(*field);
    *field = value;
    return p->rc;
}

static hpcl_rc set_url(struct hpcl__sites_parser *p, char **field,
                       const char *value)
{
    size_t scheme = strncmp(value, "https://", 8) == 0  ? 8
                    : strncmp(value, "http://", 7) == 0 ? 7
                                                        : 0;
    char *url;

    if (scheme == 0 || !is_word(value) || value[scheme] == '\0' ||
        value[scheme] == '/')
        return hpcl__sites_fail(p, p->lineno, "key 'url' must be "
                                "https://HOST[:PORT] or http://..., not '%s'",
                                value);
    /* user:password@host would be echoed in messages and --explain. */
    if (strchr(value + scheme, '@') != NULL)
        return hpcl__sites_fail(p, p->lineno, "key 'url' must not carry "
                                "credentials (USER@ or USER:PASSWORD@); "
                                "use token_file or token_env");
    if ((url = strdup(value)) != NULL)
        while (url[strlen(url) - 1] == '/')
            url[strlen(url) - 1] = '\0';
    return take(p, field, url);
}

static hpcl_rc set_checked(struct hpcl__sites_parser *p, char **field,
                           const struct hpcl__site_key_def *d,
                           const char *value)
{
    const char *want = NULL;

    if (d->type == SK_T_VERSION && !is_api_version(value))
        want = "auto (the default) or an API version hpclaunch speaks: "
               HPCL__API_VERSIONS;
    else if (d->type == SK_T_ENVNAME && !is_env_name(value))
        want = "an environment variable name";
    else if (d->type == SK_T_WORD && !is_word(value))
        want = "one word of printable ASCII, at most 255 characters";
    if (want != NULL)
        return hpcl__sites_fail(p, p->lineno, "key '%s' must be %s, not '%s'",
                                d->name, want, value);
    return take(p, field, strdup(value));
}

static hpcl_rc set_driver(struct hpcl__sites_parser *p,
                          struct hpcl__site_conf *site, const char *value)
{
    if (strcmp(value, "slurm") == 0)
        site->driver = HPCL__DRIVER_SLURM;
    else if (strcmp(value, "slurmrestd") == 0)
        site->driver = HPCL__DRIVER_SLURMRESTD;
    else
        hpcl__sites_fail(p, p->lineno, "key 'driver' must be slurm or "
                         "slurmrestd, not '%s'", value);
    return p->rc;
}

static hpcl_rc set_duration(struct hpcl__sites_parser *p, int key,
                            struct hpcl__site_conf *site, const char *value)
{
    /* The one time grammar (hpclaunch(7)); a bare number is seconds. A
     * wait is counted in whole seconds, a timeout in milliseconds. */
    unsigned flags = key == SK_MAX_WAIT ? 0 : HPCL__DUR_SUBSECOND;
    long long ms;
    int r = hpcl__duration_parse(&ms, value, flags);

    if (r != HPCL__DUR_OK)
        return hpcl__sites_fail(p, p->lineno, "key '%s': '%s' is %s; %s",
                                hpcl__site_keys[key].name, value,
                                hpcl__duration_why(r),
                                hpcl__duration_forms(flags));
    if (key == SK_MAX_WAIT) {
        *(site != NULL ? &site->max_wait_s : &p->sites->max_wait_s) =
            (long)(ms / 1000);
        return p->rc;
    }
    if (ms <= 0 || ms > MAX_TIMEOUT_MS)
        return hpcl__sites_fail(p, p->lineno, "key 'timeout' must be more "
                                "than 0 and at most 1d, not '%s'", value);
    *(site != NULL ? &site->timeout_ms : &p->sites->timeout_ms) = (long)ms;
    return p->rc;
}

static hpcl_rc set_accounting(struct hpcl__sites_parser *p,
                              struct hpcl__site_conf *site, const char *value)
{
    if (strcmp(value, "auto") == 0)
        site->accounting = HPCL__ACCT_AUTO;
    else if (strcmp(value, "yes") == 0)
        site->accounting = HPCL__ACCT_YES;
    else if (strcmp(value, "no") == 0)
        site->accounting = HPCL__ACCT_NO;
    else
        hpcl__sites_fail(p, p->lineno, "key 'accounting' must be yes, no "
                         "or auto, not '%s'", value);
    return p->rc;
}

static hpcl_rc set_preference(struct hpcl__sites_parser *p,
                              struct hpcl__site_conf *site, const char *value)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < -MAX_PREFERENCE ||
        v > MAX_PREFERENCE)
        return hpcl__sites_fail(p, p->lineno, "key 'preference' must be an "
                                "integer from %ld to %ld, not '%s'",
                                -MAX_PREFERENCE, MAX_PREFERENCE, value);
    site->preference = v;
    return p->rc;
}

/* Copy text[0..n) trimmed of blanks and of trailing slashes (but "/"
 * stays "/"), so that prefixes compare component by component. */
static char *map_side(const char *text, size_t n)
{
    char *s;

    while (n > 0 && strchr(" \t", text[0]) != NULL)
        text++, n--;
    while (n > 0 && strchr(" \t", text[n - 1]) != NULL)
        n--;
    while (n > 1 && text[n - 1] == '/')
        n--;
    if ((s = malloc(n + 1)) != NULL) {
        memcpy(s, text, n);
        s[n] = '\0';
    }
    return s;
}

static hpcl_rc push_map(struct hpcl__site_conf *site, char *from, char *to)
{
    struct hpcl__path_map *grown;

    grown = realloc(site->maps, (site->nmaps + 1) * sizeof *grown);
    if (grown == NULL)
        return HPCL_E_NOMEM;
    site->maps = grown;
    grown[site->nmaps].from = from;
    grown[site->nmaps].to = to;
    site->nmaps++;
    return HPCL_OK;
}

static hpcl_rc check_new_map(struct hpcl__sites_parser *p,
                             const struct hpcl__site_conf *site,
                             const char *from)
{
    for (size_t i = 0; i < site->nmaps; i++)
        if (strcmp(site->maps[i].from, from) == 0)
            return hpcl__sites_fail(p, p->lineno, "key 'map': %s is already "
                                    "mapped (to %s)", from, site->maps[i].to);
    return p->rc;
}

static hpcl_rc add_map(struct hpcl__sites_parser *p,
                       struct hpcl__site_conf *site, const char *value)
{
    const char *arrow = strstr(value, "=>");
    char *from, *to;

    if (arrow == NULL)
        return hpcl__sites_fail(p, p->lineno, "key 'map' must be "
                                "FROM => TO, not '%s'", value);
    from = map_side(value, (size_t)(arrow - value));
    to = map_side(arrow + 2, strlen(arrow + 2));
    if (from == NULL || to == NULL)
        hpcl__sites_fail(p, p->lineno, "out of memory");
    else if (from[0] != '/' || to[0] != '/')
        hpcl__sites_fail(p, p->lineno, "key 'map': both sides must be "
                         "absolute paths, not '%s'", value);
    else
        check_new_map(p, site, from);
    if (p->rc == HPCL_OK && push_map(site, from, to) != HPCL_OK)
        hpcl__sites_fail(p, p->lineno, "out of memory");
    if (p->rc != HPCL_OK) {
        free(from);
        free(to);
    }
    return p->rc;
}

static hpcl_rc set_home(struct hpcl__sites_parser *p, const char *value)
{
    if (!hpcl__site_name_valid(value))
        return hpcl__sites_fail(p, p->lineno, "key 'home' must be a site "
                                "name, not '%s'", value);
    take(p, &p->home, strdup(value));
    p->home_line = p->lineno;
    return p->rc;
}

hpcl_rc hpcl__sites_set_key(struct hpcl__sites_parser *p, int key,
                            const char *value, struct hpcl__site_conf *site)
{
    const struct hpcl__site_key_def *d = &hpcl__site_keys[key];
    char **field = site == NULL ? &p->sites->journal
                                : (char **)(void *)((char *)site + d->off);

    switch (d->type) {
    case SK_T_DRIVER:
        return set_driver(p, site, value);
    case SK_T_PATH:
        return hpcl__sites_set_path(p, field, d->name, value);
    case SK_T_URL:
        return set_url(p, field, value);
    case SK_T_VERSION:
    case SK_T_ENVNAME:
    case SK_T_WORD:
        return set_checked(p, field, d, value);
    case SK_T_DURATION:
        return set_duration(p, key, site, value);
    case SK_T_INT:
        return set_preference(p, site, value);
    case SK_T_MAP:
        return add_map(p, site, value);
    case SK_T_SITENAME:
        return set_home(p, value);
    case SK_T_ACCOUNTING:
        return set_accounting(p, site, value);
    case SK_T_ECON:
        return hpcl__sites_set_econ(p, key, d->name, value, site);
    }
    return p->rc;
}

static hpcl_rc check_rest(struct hpcl__sites_parser *p,
                          struct hpcl__site_conf *site)
{
    const int *seen = p->seen;

    if (site->url == NULL)
        return hpcl__sites_fail(p, site->line, "site '%s' (driver = "
                                "slurmrestd) has no url", site->name);
    if (site->token_file == NULL && site->token_env == NULL)
        return hpcl__sites_fail(p, site->line, "site '%s' (driver = "
                                "slurmrestd) needs token_file or token_env",
                                site->name);
    if (site->token_file != NULL && site->token_env != NULL)
        return hpcl__sites_fail(p, seen[SK_TOKEN_FILE] > seen[SK_TOKEN_ENV]
                                       ? seen[SK_TOKEN_FILE]
                                       : seen[SK_TOKEN_ENV],
                                "site '%s' has both token_file and token_env: "
                                "keep one", site->name);
    if (site->api_version == NULL &&
        (site->api_version = strdup(HPCL__DEFAULT_API_VERSION)) == NULL)
        return hpcl__sites_fail(p, site->line, "out of memory");
    /* Loopback traffic never leaves the machine: nothing to warn of. */
    if (strncmp(site->url, "http://", 7) == 0 &&
        strncmp(site->url + 7, "127.", 4) != 0 &&
        strncmp(site->url + 7, "localhost", 9) != 0 &&
        strncmp(site->url + 7, "[::1]", 5) != 0)
        hpcl__log(p->ctx, HPCL_LOG_WARN, "%s:%d: site '%s' uses http://: its "
                  "token travels unencrypted", p->file, seen[SK_URL],
                  site->name);
    return p->rc;
}

hpcl_rc hpcl__sites_check_site(struct hpcl__sites_parser *p,
                               struct hpcl__site_conf *site)
{
    unsigned other = site->driver == HPCL__DRIVER_SLURM ? SK_ONLY_REST
                                                        : SK_ONLY_SLURM;

    if (p->seen[SK_DRIVER] == 0)
        return hpcl__sites_fail(p, site->line, "site '%s' has no driver (add "
                                "driver = slurm or driver = slurmrestd)",
                                site->name);
    for (int k = 0; k < SK_NKEYS; k++)
        if (p->seen[k] != 0 && (hpcl__site_keys[k].flags & other))
            return hpcl__sites_fail(p, p->seen[k], "key '%s' does not apply "
                                    "to site '%s' (driver = %s)",
                                    hpcl__site_keys[k].name, site->name,
                                    driver_name(site->driver));
    if (site->driver == HPCL__DRIVER_SLURMRESTD)
        check_rest(p, site);
    /* Unless told otherwise, sites are preferred in the file's order. */
    if (p->seen[SK_PREFERENCE] == 0)
        site->preference = (long)p->sites->nsites;
    return p->rc;
}

/* order[]: by preference, ties in the file's order (an insertion sort is
 * stable, and a site file names a handful of sites). */
static hpcl_rc sort_sites(struct hpcl__sites *s)
{
    if ((s->order = malloc(s->nsites * sizeof *s->order)) == NULL)
        return HPCL_E_NOMEM;
    for (size_t i = 0; i < s->nsites; i++) {
        size_t j = i;

        for (; j > 0 && s->site[s->order[j - 1]].preference >
                            s->site[i].preference; j--)
            s->order[j] = s->order[j - 1];
        s->order[j] = i;
    }
    return HPCL_OK;
}

static hpcl_rc find_home(struct hpcl__sites_parser *p)
{
    struct hpcl__sites *s = p->sites;
    const struct hpcl__site_conf *home;

    if (p->home == NULL) {
        s->home = s->order[0];
        return p->rc;
    }
    if ((home = hpcl__sites_get(s, p->home)) == NULL)
        return hpcl__sites_fail(p, p->home_line, "key 'home': there is no "
                                "site '%s'", p->home);
    s->home = (size_t)(home - s->site);
    return p->rc;
}

/* A file with only [defaults] keeps the built-in "local" site. */
static hpcl_rc add_local(struct hpcl__sites *s)
{
    struct hpcl__site_conf *local = calloc(1, sizeof *local);

    if (local == NULL || (local->name = strdup("local")) == NULL) {
        free(local);
        return HPCL_E_NOMEM;
    }
    local->driver = HPCL__DRIVER_SLURM;
    local->preference = 1;
    local->max_wait_s = -1;
    local->timeout_ms = -1;
    free(s->site);
    s->site = local;
    s->nsites = 1;
    return HPCL_OK;
}

hpcl_rc hpcl__sites_finish(struct hpcl__sites_parser *p)
{
    struct hpcl__sites *s = p->sites;

    if (s->max_wait_s < 0)
        s->max_wait_s = HPCL__DEFAULT_MAX_WAIT_S;
    if (s->timeout_ms < 0)
        s->timeout_ms = HPCL__DEFAULT_TIMEOUT_MS;
    if ((s->nsites == 0 && add_local(s) != HPCL_OK) || sort_sites(s) != 0)
        return hpcl__sites_fail(p, p->lineno, "out of memory");
    for (size_t i = 0; i < s->nsites; i++) {
        if (s->site[i].max_wait_s < 0)
            s->site[i].max_wait_s = s->max_wait_s;
        if (s->site[i].timeout_ms < 0)
            s->site[i].timeout_ms = s->timeout_ms;
    }
    if (hpcl__sites_finish_econ(p) != HPCL_OK)
        return p->rc;
    return find_home(p);
}
