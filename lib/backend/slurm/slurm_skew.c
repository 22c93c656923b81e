/*
 * Version skew between this build's libslurm and a site's slurmctld (see
 * slurm_skew.h).  The words are those libslurm logs, measured:
 *
 *   22.05 client, 24.11 controller: "slurm_unpack_received_msg: ...
 *     Invalid Protocol Version 10752 from uid=...: Incompatible versions
 *     of client and server code"
 *   a daemon's or client's header check: "unpack_header: protocol_version
 *     9728 not supported"
 *   24.11 client, 22.05 controller: nothing; the controller closes the
 *     connection unanswered ("Zero Bytes were transmitted or received"),
 *     exactly as it does with a credential it cannot verify (a munged
 *     with another key, measured), so that case names both causes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/slurm/slurm_skew.h"

/* Slurm's protocol version per release: (N << 8), N the libslurm soname
 * number of that release (libslurm.so.38 is 22.05). */
static const struct {
    unsigned major;
    const char *release;
} releases[] = {
    {36, "20.11"}, {37, "21.08"}, {38, "22.05"}, {39, "23.02"},
    {40, "23.11"}, {41, "24.05"}, {42, "24.11"}, {43, "25.05"},
    {44, "25.11"},
};

const char *hpcl__slurm_proto_release(unsigned proto)
{
    if ((proto & 0xff) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof releases / sizeof releases[0]; i++)
        if (releases[i].major == proto >> 8)
            return releases[i].release;
    return NULL;
}

/* The number after the first case-insensitive occurrence of key in line,
 * when one follows (after blanks); 0 otherwise.  *after: past it. */
static unsigned number_after(const char *line, const char *key,
                             const char **after)
{
    size_t n = strlen(key);
    char *end;
    unsigned long v;

    for (const char *p = line; *p != '\0'; p++) {
        if (strncasecmp(p, key, n) != 0)
            continue;
        p += n;
        while (*p == ' ')
            p++;
        if (*p < '0' || *p > '9')
            return 0;
        v = strtoul(p, &end, 10);
        *after = end;
        return v > 0 && v <= 0xffff ? (unsigned)v : 0;
    }
    return 0;
}

unsigned hpcl__slurm_skew_proto(const char *line)
{
    const char *after = NULL;
    unsigned v;

    if (line == NULL)
        return 0;
    if ((v = number_after(line, "Invalid Protocol Version", &after)) != 0)
        return v;
    if ((v = number_after(line, "protocol_version", &after)) != 0 &&
        strncmp(after, " not supported", 14) == 0)
        return v;
    if (strstr(line, "Incompatible versions of client and server") != NULL ||
        strstr(line, "Protocol version has changed") != NULL)
        return HPCL__SKEW_UNKNOWN;
    return 0;
}

hpcl_rc hpcl__slurm_skew_fail(hpcl_ctx *ctx, const char *site,
                              unsigned proto, const char *said)
{
    const char *theirs = hpcl__slurm_proto_release(proto);
    char other[64], rebuild[96];

    if (theirs != NULL) {
        snprintf(other, sizeof other, "Slurm %s", theirs);
        snprintf(rebuild, sizeof rebuild, "Slurm %s's libslurm", theirs);
    } else if (proto != HPCL__SKEW_UNKNOWN) {
        snprintf(other, sizeof other, "a different Slurm release "
                 "(protocol version %u)", proto);
        snprintf(rebuild, sizeof rebuild, "the site's libslurm");
    } else {
        snprintf(other, sizeof other, "a different Slurm release");
        snprintf(rebuild, sizeof rebuild, "the site's libslurm");
    }
    return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: its slurmctld "
                      "runs %s, and this hpclaunch's libslurm is %s: Slurm "
                      "does not connect a client and a controller of these "
                      "releases (libslurm said: %.200s); reach the site "
                      "through slurmrestd (driver = slurmrestd in [site %s] "
                      "of the site file), or rebuild hpclaunch against %s",
                      site, other, HPCL_SLURM_VERSION,
                      said != NULL ? said : "nothing", site, rebuild);
}

hpcl_rc hpcl__slurm_closed_fail(hpcl_ctx *ctx, const char *site,
                                const char *said)
{
    return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: its slurmctld closed the "
                      "connection without an answer, twice (%.200s), as a "
                      "slurmctld does with a request it cannot read or "
                      "verify: either it runs a different Slurm release "
                      "than this hpclaunch's libslurm (%s) -- then reach "
                      "the site through slurmrestd (driver = slurmrestd in "
                      "[site %s] of the site file), or rebuild hpclaunch "
                      "against the site's libslurm -- or it cannot verify "
                      "this host's credential (check that munged here uses "
                      "the site's munge key)",
                      site, said != NULL ? said : "", HPCL_SLURM_VERSION,
                      site);
}
