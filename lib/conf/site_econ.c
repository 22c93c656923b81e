/*
 * The site file's economics and data keys (hpclaunch.conf(5), ECONOMICS
 * AND DATA): prices, carbon intensity, power per core and GPU, the data
 * endpoint that staging copies inputs to, and the link from home.  All are
 * optional: a site without them costs nothing, has no known carbon figure
 * and takes no staged job (lib/submit/econ.c says what each absence means
 * for the decision).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf/sites.h"
#include "conf/site_parse.h"

/* Anything larger is a typo (a price of 10^9 per core-hour, a link of
 * 10 PB/s). */
#define MAX_FIGURE 1e9
#define MAX_RATE 1e16

void hpcl__site_econ_free(struct hpcl__site_econ *e)
{
    free(e->currency);
    free(e->data_user);
    free(e->data_host);
    free(e->data_root);
    free(e->identity_file);
    free(e->known_hosts);
    memset(e, 0, sizeof *e);
}

/* A number >= 0 followed by nothing, or by one of the suffixes in units
 * (each a letter and its factor); -1 when not one. */
static double number(const char *value, const char *const *units,
                     const double *factors)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(value, &end);
    if (errno != 0 || end == value || !isfinite(v) || v < 0)
        return -1;
    if (*end == '\0')
        return v;
    for (size_t i = 0; units != NULL && units[i] != NULL; i++)
        if (strcmp(end, units[i]) == 0)
            return v * factors[i];
    return -1;
}

static hpcl_rc set_figure(struct hpcl__sites_parser *p, const char *key,
                          double *field, const char *value, const char *what)
{
    double v = number(value, NULL, NULL);

    if (v < 0 || v > MAX_FIGURE)
        return hpcl__sites_fail(p, p->lineno, "key '%s' must be %s, a "
                                "number from 0 to 1e9, not '%s'", key, what,
                                value);
    *field = v;
    return p->rc;
}

/* Bytes per second: 100M is 100 MB/s (powers of 1000, as link speeds). */
static hpcl_rc set_bandwidth(struct hpcl__sites_parser *p, double *field,
                             const char *value)
{
    static const char *const units[] = {"k", "K", "M", "G", "kB/s", "KB/s",
                                        "MB/s", "GB/s", "B/s", NULL};
    static const double f[] = {1e3, 1e3, 1e6, 1e9, 1e3, 1e3, 1e6, 1e9, 1};
    double v = number(value, units, f);

    if (v <= 0 || v > MAX_RATE)
        return hpcl__sites_fail(p, p->lineno, "key 'bandwidth' must be "
                                "bytes per second above 0, such as 500k, "
                                "100M or 1.25G (powers of 1000), not '%s'",
                                value);
    *field = v;
    return p->rc;
}

static hpcl_rc set_rtt(struct hpcl__sites_parser *p, long *field,
                       const char *value)
{
    static const char *const units[] = {"ms", "s", NULL};
    static const double f[] = {1, 1000};
    double v = number(value, units, f);

    /* A bare number is milliseconds: round trips are measured in them. */
    if (v < 0 || v > 600000)
        return hpcl__sites_fail(p, p->lineno, "key 'rtt' must be a round "
                                "trip such as 20ms, 0.5s or 35 (ms), at "
                                "most 600s, not '%s'", value);
    *field = (long)(v + 0.5);
    return p->rc;
}

static hpcl_rc set_bwlimit(struct hpcl__sites_parser *p, long *field,
                           const char *value)
{
    static const char *const units[] = {"k", "K", "M", "G", NULL};
    static const double f[] = {1, 1, 1e3, 1e6};
    double v = number(value, units, f);

    /* rsync's --bwlimit is in units of 1024 bytes; ours, like bandwidth,
     * of 1000: converted when rsync is started (lib/stage/stage_cmd.c). */
    if (v < 1 || v > 1e9)
        return hpcl__sites_fail(p, p->lineno, "key 'bwlimit' must be a "
                                "transfer limit in kB/s such as 500, 500k or "
                                "20M, not '%s'", value);
    *field = (long)v;
    return p->rc;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* USER@HOST:PORT:/ROOT -- rsync's USER@HOST:PATH with the ssh port
 * between, so that one word says all of it. */
static hpcl_rc set_endpoint(struct hpcl__sites_parser *p,
                            struct hpcl__site_econ *e, const char *value)
{
    const char *at = strchr(value, '@'), *c1, *c2;
    char *end;
    long port;

    c1 = at != NULL ? strchr(at + 1, ':') : NULL;
    c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    if (at == NULL || at == value || c1 == NULL || c1 == at + 1 ||
        c2 == NULL || c2[1] != '/' || strpbrk(value, " \t'\"\\") != NULL)
        return hpcl__sites_fail(p, p->lineno, "key 'data_endpoint' must be "
                                "USER@HOST:PORT:/ROOT (rsync over ssh to "
                                "HOST:PORT as USER, files under /ROOT), not "
                                "'%s'", value);
    errno = 0;
    port = strtol(c1 + 1, &end, 10);
    if (errno != 0 || end != c2 || port < 1 || port > 65535)
        return hpcl__sites_fail(p, p->lineno, "key 'data_endpoint': the "
                                "port must be from 1 to 65535, not '%.*s'",
                                (int)(c2 - c1 - 1), c1 + 1);
    hpcl__site_econ_free(&(struct hpcl__site_econ){
        .data_user = e->data_user, .data_host = e->data_host,
        .data_root = e->data_root});
    e->data_user = dup_n(value, (size_t)(at - value));
    e->data_host = dup_n(at + 1, (size_t)(c1 - at - 1));
    e->data_root = strdup(c2 + 1);
    e->data_port = (int)port;
    if (e->data_user == NULL || e->data_host == NULL || e->data_root == NULL)
        return hpcl__sites_fail(p, p->lineno, "out of memory");
    /* Paths below the root are compared component by component. */
    while (strlen(e->data_root) > 1 &&
           e->data_root[strlen(e->data_root) - 1] == '/')
        e->data_root[strlen(e->data_root) - 1] = '\0';
    return p->rc;
}

static hpcl_rc set_currency(struct hpcl__sites_parser *p,
                            struct hpcl__site_econ *e, const char *value)
{
    size_t n = strlen(value);

    if (n == 0 || n > 8 || strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "abcdefghijklmnopqrstuvwxyz") != n)
        return hpcl__sites_fail(p, p->lineno, "key 'currency' must be a "
                                "currency code of letters such as EUR, USD "
                                "or CHF, not '%s'", value);
    free(e->currency);
    if ((e->currency = strdup(value)) == NULL)
        return hpcl__sites_fail(p, p->lineno, "out of memory");
    return p->rc;
}

hpcl_rc hpcl__sites_set_econ(struct hpcl__sites_parser *p, int key,
                             const char *name, const char *value,
                             struct hpcl__site_conf *site)
{
    struct hpcl__site_econ *e = site != NULL ? &site->econ : &p->sites->econ;

    switch (key) {
    case SK_PRICE_CORE_HOUR:
        return set_figure(p, name, &e->price_core_hour, value,
                          "a price per core-hour");
    case SK_PRICE_GPU_HOUR:
        return set_figure(p, name, &e->price_gpu_hour, value,
                          "a price per GPU-hour");
    case SK_CURRENCY:
        return set_currency(p, e, value);
    case SK_CARBON_INTENSITY:
        e->have_carbon = 1;
        return set_figure(p, name, &e->carbon_g_kwh, value,
                          "grams of CO2 per kWh");
    case SK_POWER_PER_CORE:
        return set_figure(p, name, &e->power_core_w, value, "watts");
    case SK_POWER_PER_GPU:
        return set_figure(p, name, &e->power_gpu_w, value, "watts");
    case SK_DATA_ENDPOINT:
        return set_endpoint(p, e, value);
    case SK_IDENTITY_FILE:
        return hpcl__sites_set_path(p, &e->identity_file, name, value);
    case SK_KNOWN_HOSTS:
        return hpcl__sites_set_path(p, &e->known_hosts, name, value);
    case SK_BANDWIDTH:
        return set_bandwidth(p, &e->bandwidth_bps, value);
    case SK_RTT:
        return set_rtt(p, &e->rtt_ms, value);
    case SK_BWLIMIT:
        return set_bwlimit(p, &e->bwlimit_kbps, value);
    }
    return hpcl__sites_fail(p, p->lineno, "key '%s': not an economics key",
                            name);
}

/* Without figures of their own, sites draw W from these: a server core
 * under load and a data-centre GPU (hpclaunch.conf(5) says where they
 * come from). */
#define DEFAULT_POWER_CORE_W 10.0
#define DEFAULT_POWER_GPU_W 300.0

hpcl_rc hpcl__sites_finish_econ(struct hpcl__sites_parser *p)
{
    struct hpcl__sites *s = p->sites;
    const struct hpcl__site_econ *d = &s->econ;
    const char *money = NULL, *first = NULL;

    for (size_t i = 0; i < s->nsites; i++) {
        struct hpcl__site_econ *e = &s->site[i].econ;
        if (e->power_core_w == 0)
            e->power_core_w = d->power_core_w > 0 ? d->power_core_w
                                                  : DEFAULT_POWER_CORE_W;
        if (e->power_gpu_w == 0)
            e->power_gpu_w = d->power_gpu_w > 0 ? d->power_gpu_w
                                                : DEFAULT_POWER_GPU_W;
        if (e->currency == NULL && d->currency != NULL &&
            (e->currency = strdup(d->currency)) == NULL)
            return hpcl__sites_fail(p, p->lineno, "out of memory");
        /* A budget compares costs across sites: one currency, never a
         * conversion rate hpclaunch would have to guess. */
        if (e->currency == NULL)
            continue;
        if (money != NULL && strcmp(money, e->currency) != 0)
            return hpcl__sites_fail(p, s->site[i].line, "site '%s' prices "
                                    "in %s but site '%s' in %s: hpclaunch "
                                    "does not convert currencies; give "
                                    "every site's prices in one",
                                    s->site[i].name, e->currency, first,
                                    money);
        money = e->currency;
        first = s->site[i].name;
    }
    return p->rc;
}
