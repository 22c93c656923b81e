/*
 * The site table: a site by index, and freeing it all.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/sites.h"

static void free_site(struct hpcl__site_conf *c)
{
    char **strings[] = {&c->name,       &c->slurm_conf, &c->url,
                        &c->api_version, &c->user,       &c->token_file,
                        &c->token_env,  &c->ca_file,    &c->partition,
                        &c->account,    &c->mpi};

    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free(*strings[i]);
    for (size_t i = 0; i < c->nmaps; i++) {
        free(c->maps[i].from);
        free(c->maps[i].to);
    }
    free(c->maps);
    hpcl__site_econ_free(&c->econ);
}

void hpcl__sites_free(struct hpcl__sites *sites)
{
    if (sites == NULL)
        return;
    for (size_t i = 0; i < sites->nsites; i++)
        free_site(&sites->site[i]);
    free(sites->site);
    free(sites->order);
    free(sites->journal);
    free(sites->source);
    hpcl__site_econ_free(&sites->econ);
    free(sites);
}

const struct hpcl__site_conf *hpcl__sites_get(const struct hpcl__sites *sites,
                                              const char *name)
{
    if (sites == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < sites->nsites; i++)
        if (strcmp(sites->site[i].name, name) == 0)
            return &sites->site[i];
    return NULL;
}
