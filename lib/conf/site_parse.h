/*
 * Shared by the two halves of the site file parser: sites.c (lines and
 * sections, on inih) and sites_keys.c (the keys and their checks).
 */
#ifndef HPCL_SITES_PARSE_H
#define HPCL_SITES_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include "conf/sites.h"

enum hpcl__site_key {
    SK_DRIVER,
    SK_SLURM_CONF,
    SK_URL,
    SK_API_VERSION,
    SK_USER,
    SK_TOKEN_FILE,
    SK_TOKEN_ENV,
    SK_CA_FILE,
    SK_PARTITION,
    SK_ACCOUNT,
    SK_MPI,
    SK_MAX_WAIT,
    SK_PREFERENCE,
    SK_TIMEOUT,
    SK_MAP,
    SK_HOME,
    SK_JOURNAL,
    SK_ACCOUNTING,
    SK_PRICE_CORE_HOUR, /* economics and data: lib/conf/site_econ.c */
    SK_PRICE_GPU_HOUR,
    SK_CURRENCY,
    SK_CARBON_INTENSITY,
    SK_POWER_PER_CORE,
    SK_POWER_PER_GPU,
    SK_DATA_ENDPOINT,
    SK_IDENTITY_FILE,
    SK_KNOWN_HOSTS,
    SK_BANDWIDTH,
    SK_RTT,
    SK_BWLIMIT,
    SK_NKEYS
};

/* Where a key may appear, and what it accepts. */
#define SK_IN_SITE 1u
#define SK_IN_DEFAULTS 2u
#define SK_ONLY_SLURM 4u
#define SK_ONLY_REST 8u
#define SK_REPEATABLE 16u

enum hpcl__site_key_type {
    SK_T_DRIVER,   /* slurm | slurmrestd */
    SK_T_PATH,     /* absolute, or ~/... */
    SK_T_URL,      /* http(s)://... */
    SK_T_VERSION,  /* vN.N.N */
    SK_T_WORD,     /* printable ASCII, no blanks */
    SK_T_ENVNAME,  /* [A-Za-z_][A-Za-z0-9_]* */
    SK_T_DURATION, /* see hpcl__duration_parse() */
    SK_T_INT,      /* decimal integer */
    SK_T_MAP,      /* FROM => TO */
    SK_T_SITENAME, /* a site's name */
    SK_T_ACCOUNTING, /* yes | no | auto */
    SK_T_ECON       /* economics and data keys: lib/conf/site_econ.c */
};

struct hpcl__site_key_def {
    const char *name;
    unsigned flags;
    enum hpcl__site_key_type type;
    size_t off; /* string keys: offset of the field in hpcl__site_conf */
};

extern const struct hpcl__site_key_def hpcl__site_keys[SK_NKEYS];

enum hpcl__site_section { SK_SEC_NONE, SK_SEC_DEFAULTS, SK_SEC_SITE };

struct hpcl__sites_parser {
    hpcl_ctx *ctx;
    const char *file;
    FILE *fp;
    char *buf; /* getline's buffer */
    size_t cap;
    int lineno;             /* the line inih is working on */
    hpcl_rc rc;             /* the first error, then the parse stops */
    int err_line;           /* its line */
    enum hpcl__site_section sec;
    int defaults_line;      /* the [defaults] header, 0 if none yet */
    int seen[SK_NKEYS];     /* line of each key in the current section */
    char *home;             /* [defaults] home, checked at the end */
    int home_line;
    struct hpcl__sites *sites;
};

/* Record "FILE:LINE: message" as the parse's error, unless one is set;
 * returns the parse's error.  The functions below return it too. */
hpcl_rc hpcl__sites_fail(struct hpcl__sites_parser *p, int line,
                         const char *fmt, ...) HPCL_PRINTF(3, 4);

/* Store one key's value; site is NULL in [defaults]. */
hpcl_rc hpcl__sites_set_key(struct hpcl__sites_parser *p, int key,
                            const char *value, struct hpcl__site_conf *site);

/* lib/conf/site_parse.c: *field = value, an absolute path or ~/...; key
 * names it in messages. */
hpcl_rc hpcl__sites_set_path(struct hpcl__sites_parser *p, char **field,
                             const char *key, const char *value);

/* lib/conf/site_econ.c: store one economics or data key (SK_T_ECON);
 * site is NULL in [defaults]. */
hpcl_rc hpcl__sites_set_econ(struct hpcl__sites_parser *p, int key,
                             const char *name, const char *value,
                             struct hpcl__site_conf *site);

/* lib/conf/site_econ.c: after the last line, [defaults]' currency and
 * power figures go to the sites that set none; one currency for all. */
hpcl_rc hpcl__sites_finish_econ(struct hpcl__sites_parser *p);

/* Check a site once its section is read (driver and its keys). */
hpcl_rc hpcl__sites_check_site(struct hpcl__sites_parser *p,
                               struct hpcl__site_conf *site);

/* After the last line: inherited defaults, home, preference order. */
hpcl_rc hpcl__sites_finish(struct hpcl__sites_parser *p);

/* 1 if name is a valid site name. */
int hpcl__site_name_valid(const char *name);

#endif
