/*
 * The site file, hpclaunch.conf(5): the Slurm sites a job may go to, how to
 * reach each one and how paths differ there.  Internal: the public hpcl_site
 * API and the submission loop sit on top of this.
 */
#ifndef HPCL_SITES_H
#define HPCL_SITES_H

#include <stddef.h>

#include "core/core.h"

/* Where hpcl__sites_load() looks last. */
#define HPCL__SITES_SYSTEM_PATH "/etc/hpclaunch/hpclaunch.conf"

#define HPCL__SITE_NAME_MAX 63        /* bytes, without the NUL */
/* slurmrestd API version: "auto" asks each site which it serves (the REST
 * driver, lib/backend/rest/rest_version.c). */
#define HPCL__DEFAULT_API_VERSION "auto"
#define HPCL__API_VERSIONS "v0.0.42, v0.0.41, v0.0.40 or v0.0.38"
#define HPCL__DEFAULT_MAX_WAIT_S 600L /* 10m */
#define HPCL__DEFAULT_TIMEOUT_MS 10000L

/* Whether a site's accounting (slurmdbd) is asked about jobs its
 * controller no longer knows (key accounting). */
enum hpcl__accounting {
    HPCL__ACCT_AUTO = 0, /* if the site has it: libslurm, slurm.conf's
                          * AccountingStorageType; slurmrestd, whether it
                          * serves /slurmdb/ */
    HPCL__ACCT_YES,      /* it has: unreachable means unknown */
    HPCL__ACCT_NO        /* never asked */
};

enum hpcl__driver {
    HPCL__DRIVER_SLURM = 0,     /* libslurm, with a slurm.conf */
    HPCL__DRIVER_SLURMRESTD = 1 /* slurmrestd over http(s) */
};

/* A path equal to or below `from` at home is below `to` at the site.  Both
 * are absolute, without a trailing slash unless they are "/". */
struct hpcl__path_map {
    char *from;
    char *to;
};

/* A site's economics and data endpoint (hpclaunch.conf(5), ECONOMICS AND
 * DATA): every field 0 or NULL when not set (lib/conf/site_econ.c). */
struct hpcl__site_econ {
    double price_core_hour;  /* currency units per core-hour; 0: free */
    double price_gpu_hour;   /* per GPU-hour; 0: free */
    char *currency;          /* NULL: none named */
    double carbon_g_kwh;     /* gCO2 per kWh (have_carbon) */
    int have_carbon;         /* 0: the site's intensity is not known */
    double power_core_w;     /* W per core while the job runs */
    double power_gpu_w;      /* W per GPU */
    char *data_user;         /* data endpoint: USER@HOST:PORT:/ROOT ... */
    char *data_host;         /* NULL: no endpoint */
    int data_port;
    char *data_root;         /* absolute, no trailing slash */
    char *identity_file;     /* ssh key file (its path, never its content) */
    char *known_hosts;       /* NULL: ssh's own known_hosts files */
    double bandwidth_bps;    /* bytes/s from home; 0: not known */
    long rtt_ms;             /* round trip from home */
    long bwlimit_kbps;       /* rsync --bwlimit; 0: none */
};

/* One [site NAME] section.  Strings are owned; NULL means "not set". */
struct hpcl__site_conf {
    char *name;
    enum hpcl__driver driver;
    char *slurm_conf;  /* slurm: NULL means $SLURM_CONF, then the default */
    char *url;         /* slurmrestd: base URL, no trailing slash */
    char *api_version; /* slurmrestd: never NULL for a REST site; "auto"
                        * or one of HPCL__API_VERSIONS */
    char *user;        /* slurmrestd: NULL means the caller's login name */
    char *token_file;  /* slurmrestd: exactly one of token_file ... */
    char *token_env;   /* ... and token_env is set */
    char *ca_file;     /* NULL: the system's CA store */
    char *partition;   /* NULL: the site's default partition */
    char *account;     /* NULL: the user's default account */
    char *mpi;         /* srun --mpi default for the site; NULL: pmix */
    long max_wait_s;   /* saturated when the expected wait exceeds this */
    long preference;   /* lower is tried first */
    long timeout_ms;   /* per request to the site */
    enum hpcl__accounting accounting;
    struct hpcl__path_map *maps;
    size_t nmaps;
    struct hpcl__site_econ econ;
    int line; /* line of the [site NAME] header; 0 for the built-in site */
};

struct hpcl__sites {
    struct hpcl__site_conf *site; /* in the order of the file */
    size_t nsites;
    size_t *order;    /* indexes into site[]: most preferred first */
    size_t home;      /* index of the home site */
    long max_wait_s;  /* [defaults] max_wait */
    long timeout_ms;  /* [defaults] timeout */
    char *journal;    /* [defaults] journal, ~ expanded; NULL if unset */
    char *source;     /* the file read; NULL for the built-in "local" */
    struct hpcl__site_econ econ; /* [defaults]: currency, power_per_* */
};

/* Find the site file (explicit path, $HPCLAUNCH_CONF, the user's config
 * dir, HPCL__SITES_SYSTEM_PATH) and parse it; with none, the built-in
 * "local" site.  Free *out with hpcl__sites_free(). */
hpcl_rc hpcl__sites_load(struct hpcl__sites **out, hpcl_ctx *ctx,
                         const char *explicit_path);

/* The lookup alone: *out is the file to read (owned), or NULL when there
 * is none.  system_path stands for HPCL__SITES_SYSTEM_PATH (tests). */
hpcl_rc hpcl__sites_find(char **out, hpcl_ctx *ctx, const char *explicit_path,
                         const char *system_path);

/* Parse one site file.  Errors are HPCL_E_CONFIG with "FILE:LINE: ...". */
hpcl_rc hpcl__sites_parse(struct hpcl__sites **out, hpcl_ctx *ctx,
                          const char *path);

/* The single built-in site "local": libslurm with the default slurm.conf. */
hpcl_rc hpcl__sites_builtin(struct hpcl__sites **out, hpcl_ctx *ctx);

void hpcl__sites_free(struct hpcl__sites *sites);

/* lib/conf/site_econ.c: free what e owns. */
void hpcl__site_econ_free(struct hpcl__site_econ *e);

/* The site called name (borrowed), or NULL. */
const struct hpcl__site_conf *hpcl__sites_get(const struct hpcl__sites *sites,
                                              const char *name);

/* Read the site's token (token_file or token_env) into *out, which the
 * caller frees with hpcl__token_free().  HPCL_E_AUTH when the token is
 * unusable; the message names the file or variable, never the token. */
hpcl_rc hpcl__site_load_token(char **out, hpcl_ctx *ctx,
                              const struct hpcl__site_conf *site);

/* Wipe and free a token.  NULL is accepted. */
void hpcl__token_free(char *token);

/* Translate an absolute path at home into the site's path (longest map
 * prefix wins, whole components only).  Relative or unmatched paths are
 * copied unchanged; NULL gives NULL.  *out is owned by the caller. */
hpcl_rc hpcl__site_map_path(char **out, hpcl_ctx *ctx,
                            const struct hpcl__site_conf *site,
                            const char *in);


#endif
