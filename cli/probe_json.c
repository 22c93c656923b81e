/* A site's probe as the JSON document's site object (hpclaunch-json(7)),
 * the shape of each entry of a decision's "sites" (lib/job/decision.c):
 * probe and sites print the same one. */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json_doc.h"

static void kstr_or_null(struct hpcl__jw *w, const char *key, const char *s)
{
    hpcl__jw_kstr(w, key, s != NULL && s[0] != '\0' ? s : NULL);
}

/* The figures of an answered probe; all null when there is none. */
static void figures(struct hpcl__jw *w, const hpcl_probe *probe)
{
    time_t start = probe != NULL ? hpcl_probe_start_time(probe) : 0;
    time_t now = time(NULL);

    /* 0: the site gave no estimate, unknown */
    hpcl__jw_key(w, "start_time");
    if (start != 0)
        hpcl__jw_int(w, (long long)start);
    else
        hpcl__jw_null(w);
    hpcl__jw_key(w, "wait_seconds");
    if (start != 0)
        hpcl__jw_int(w, start > now ? (long long)(start - now) : 0);
    else
        hpcl__jw_null(w);
    if (probe == NULL) {
        static const char *const none[] = {
            "pending_jobs", "idle_nodes", "total_nodes", "partition",
            "nodelist", "api_version", "slurm_release"};
        for (size_t k = 0; k < sizeof none / sizeof none[0]; k++) {
            hpcl__jw_key(w, none[k]);
            hpcl__jw_null(w);
        }
        return;
    }
    hpcl__jw_kint(w, "pending_jobs", hpcl_probe_pending_jobs(probe));
    hpcl__jw_kint(w, "idle_nodes", hpcl_probe_idle_nodes(probe));
    hpcl__jw_kint(w, "total_nodes", hpcl_probe_total_nodes(probe));
    kstr_or_null(w, "partition", hpcl_probe_partition(probe));
    kstr_or_null(w, "nodelist", hpcl_probe_nodelist(probe));
    kstr_or_null(w, "api_version", hpcl_probe_api_version(probe));
    kstr_or_null(w, "slurm_release", hpcl_probe_slurm_release(probe));
}

void cli_site_json(struct hpcl__jw *w, hpcl_ctx *ctx, const char *site,
                   const hpcl_probe *probe, const char *error)
{
    size_t i, n = hpcl_ctx_site_count(ctx);

    for (i = 0; i < n; i++)
        if (strcmp(hpcl_ctx_site_name(ctx, i), site) == 0)
            break;
    hpcl__jw_open(w, '{');
    hpcl__jw_kstr(w, "site", site);
    hpcl__jw_kstr(w, "driver", i < n ? hpcl_ctx_site_driver(ctx, i) : NULL);
    hpcl__jw_key(w, "home");
    hpcl__jw_bool(w, i < n && hpcl_ctx_site_is_home(ctx, i));
    hpcl__jw_key(w, "reachable");
    hpcl__jw_bool(w, probe != NULL);
    hpcl__jw_kstr(w, "probe", probe != NULL ? "ok" : "failed");
    figures(w, probe);
    /* one probe on its own: its time is not measured */
    hpcl__jw_key(w, "probe_seconds");
    hpcl__jw_null(w);
    kstr_or_null(w, "error", probe != NULL ? NULL : error);
    /* staging and cost figures: only a decision weighs them */
    hpcl__jw_key(w, "economics");
    hpcl__jw_null(w);
    hpcl__jw_close(w, '}');
}
