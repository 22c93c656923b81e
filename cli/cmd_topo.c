/* hpclaunch topo: what a node holds -- packages, NUMA nodes, L3 groups,
 * cores, hardware threads, GPUs and NICs, with their locality. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_doc.h"
#include "options.h"
#include "json_read.h"

#define MAXCOL 8

/* Rows of cells printed in aligned columns; cells are owned. */
struct table {
    int ncol;
    size_t nrows;
    char **cells;
};

static void table_add(struct table *t, const char *const *row)
{
    char **grown = realloc(t->cells, (t->nrows + 1) * (size_t)t->ncol *
                                         sizeof *grown);

    if (grown == NULL)
        return; /* the row is left out; the rest still prints */
    t->cells = grown;
    for (int c = 0; c < t->ncol; c++)
        grown[t->nrows * (size_t)t->ncol + (size_t)c] =
            strdup(row[c] != NULL && row[c][0] != '\0' ? row[c] : "-");
    t->nrows++;
}

static void table_print(struct table *t)
{
    size_t width[MAXCOL] = {0};

    for (size_t i = 0; i < t->nrows * (size_t)t->ncol; i++) {
        size_t len = t->cells[i] ? strlen(t->cells[i]) : 1;
        if (len > width[i % (size_t)t->ncol])
            width[i % (size_t)t->ncol] = len;
    }
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncol; c++) {
            const char *cell = t->cells[r * (size_t)t->ncol + (size_t)c];
            printf("%-*s%s", c + 1 < t->ncol ? (int)width[c] : 0,
                   cell ? cell : "-", c + 1 < t->ncol ? "  " : "\n");
        }
    for (size_t i = 0; i < t->nrows * (size_t)t->ncol; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = 0;
}

static const struct cli_opt topo_json_opt[] = {
    {OPT_JSON, "json", NULL, "print hpcl_topo_summary_json()", NULL},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_topo = {
    "topo", "summarise a node: CPUs, NUMA nodes, GPUs, NICs", cmd_topo,
    "hpclaunch topo [--topology FILE | --synthetic DESC] [--json]",
    "Summarise a node: packages, NUMA nodes (CPU-less ones too), L3 "
    "groups,\ncores and hardware threads; each GPU (name, PCI id, vendor, "
    "model, NUMA\nnodes, local CPUs, index in its device variable) and "
    "high-speed NIC\n(name, PCI id, NUMA nodes, local CPUs, UCX device).",
    {{"Topology options (default: $HPCL_HWLOC_XMLFILE, else this machine):", cli_topo_opts},
     {NULL, topo_json_opt},
     {NULL, cli_help_opt}},
    "0 success, 1 library error, 2 usage error.", 0, NULL};

static const char *where(const struct cli_plan_opts *o, char *buf,
                         size_t len)
{
    const char *env = getenv("HPCL_HWLOC_XMLFILE");

    if (o->xml != NULL)
        return o->xml;
    if (o->synthetic != NULL)
        snprintf(buf, len, "synthetic \"%s\"", o->synthetic);
    else if (env != NULL && *env != '\0')
        snprintf(buf, len, "%s (HPCL_HWLOC_XMLFILE)", env);
    else
        snprintf(buf, len, "this machine");
    return buf;
}

/* A NUMA node without CPUs of its own: none near it, or memory of a
 * special kind (MCDRAM, HBM, GPUMemory) beside the DRAM of its CPUs --
 * hwloc gives those the locality of the CPUs they are attached to. */
static int cpuless(const struct cli_json *numa)
{
    const char *kind = cli_json_str(cli_json_get(numa, "subtype"));

    return cli_json_int(cli_json_get(numa, "cores")) == 0 ||
           (kind != NULL && strcmp(kind, "DRAM") != 0);
}

/* Counts, from the summary. */
static void print_counts(const struct cli_plan_opts *o,
                         const struct cli_json *sum)
{
    const struct cli_json *n;
    size_t nless = 0;
    char buf[512];

#define NUM(key) ((long)cli_json_int(cli_json_get(sum, key)))
    for (n = cli_json_items(cli_json_get(sum, "numa")); n; n = n->next)
        nless += cpuless(n) != 0;
    printf("topology:          %s\n", where(o, buf, sizeof buf));
    printf("packages:          %ld\n", NUM("packages"));
    printf("NUMA nodes:        %ld (%zu CPU-less)\n", NUM("numa_nodes"),
           nless);
    printf("L3 groups:         %ld\n", NUM("l3"));
    printf("cores:             %ld\n", NUM("cores"));
    printf("hardware threads:  %ld (at most %ld per core)\n", NUM("pus"),
           NUM("smt"));
    printf("usable CPUs:       %s\n",
           cli_json_str(cli_json_get(sum, "cpuset")));
#undef NUM
}

static void print_numa(const struct cli_json *sum)
{
    struct table t = {5, 0, NULL};
    static const char *const head[] = {"NUMA", "CPUS", "CORES", "MEMORY",
                                       "KIND"};
    const struct cli_json *n;

    table_add(&t, head);
    for (n = cli_json_items(cli_json_get(sum, "numa")); n; n = n->next) {
        char id[16], cores[16], mem[32];
        const char *row[] = {id, cli_json_str(cli_json_get(n, "cpuset")),
                             cores, mem,
                             cli_json_str(cli_json_get(n, "subtype"))};
        snprintf(id, sizeof id, "%lld",
                 cli_json_int(cli_json_get(n, "os_index")));
        snprintf(cores, sizeof cores, "%lld",
                 cli_json_int(cli_json_get(n, "cores")));
        snprintf(mem, sizeof mem, "%.1f GiB",
                 (double)cli_json_int(cli_json_get(n, "memory")) /
                     (1024.0 * 1024 * 1024));
        table_add(&t, row);
    }
    table_print(&t);
}

static void print_gpus(const hpcl_topo *topo)
{
    struct table t = {8, 0, NULL};
    static const char *const head[] = {"GPU",  "NAME", "PCI",      "VENDOR",
                                       "MODEL", "NUMA", "LOCALITY",
                                       "VISIBLE"};
    unsigned n = hpcl_topo_count(topo, HPCL_TOPO_GPU);

    if (n == 0)
        return;
    table_add(&t, head);
    for (unsigned i = 0; i < n; i++) {
        char id[16], vis[16];
        const char *row[] = {id,
                             hpcl_topo_gpu_name(topo, i),
                             hpcl_topo_gpu_pci(topo, i),
                             hpcl_topo_gpu_vendor(topo, i),
                             hpcl_topo_gpu_model(topo, i),
                             hpcl_topo_gpu_numa(topo, i),
                             hpcl_topo_gpu_locality(topo, i),
                             vis};
        snprintf(id, sizeof id, "%u", i);
        snprintf(vis, sizeof vis, "%d", hpcl_topo_gpu_visible_index(topo, i));
        table_add(&t, row);
    }
    printf("\n");
    table_print(&t);
}

static void print_nics(const hpcl_topo *topo)
{
    struct table t = {6, 0, NULL};
    static const char *const head[] = {"NIC",  "NAME",     "PCI",
                                       "NUMA", "LOCALITY", "UCX"};
    unsigned n = hpcl_topo_count(topo, HPCL_TOPO_NIC);

    if (n == 0)
        return;
    table_add(&t, head);
    for (unsigned i = 0; i < n; i++) {
        char id[16];
        const char *row[] = {id,
                             hpcl_topo_nic_name(topo, i),
                             hpcl_topo_nic_pci(topo, i),
                             hpcl_topo_nic_numa(topo, i),
                             hpcl_topo_nic_locality(topo, i),
                             hpcl_topo_nic_ucx(topo, i)};
        snprintf(id, sizeof id, "%u", i);
        table_add(&t, row);
    }
    printf("\n");
    table_print(&t);
}

/* Print the summary (JSON as is, or as tables); returns the exit status.
 * The tables read the JSON with the tool's own reader: topo loads no JSON
 * library. */
static int print_topo(hpcl_ctx *ctx, const hpcl_topo *topo,
                      const struct cli_plan_opts *o)
{
    char *text = NULL;
    struct cli_json *sum = NULL;
    hpcl_rc rc = hpcl_topo_summary_json(&text, topo, 0);

    if (rc != HPCL_OK)
        return cli_lib_error("topo", ctx, rc);
    if (o->json) {
        struct hpcl__jw *w = cli_doc_member("topology");
        if (w != NULL)
            hpcl__jw_raw(w, text);
    } else if ((sum = cli_json_parse(text)) != NULL) {
        print_counts(o, sum);
        printf("\n");
        print_numa(sum);
        print_gpus(topo);
        print_nics(topo);
        cli_json_free(sum);
    }
    free(text);
    if (!o->json && sum == NULL)
        return cli_lib_error("topo", ctx, HPCL_E_NOMEM);
    return EXIT_OK;
}

static int parse_topo(int argc, char **argv, struct cli_plan_opts *o)
{
    struct cli_parser p;
    int opt, status;

    cli_parser_init(&p, &cli_cmd_topo, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0)
        if ((status = cli_plan_option("topo", o, opt, p.arg)) != EXIT_OK)
            return status;
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
    if (optind < argc)
        return cli_usage_error("topo", "unexpected argument '%s'",
                               argv[optind]);
    return EXIT_OK;
}

int cmd_topo(int argc, char **argv)
{
    struct cli_plan_opts o;
    hpcl_ctx *ctx;
    hpcl_topo *topo = NULL;
    int status;

    cli_plan_opts_init(&o);
    if ((status = parse_topo(argc, argv, &o)) != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    cli_doc_set_json(o.json);
    if ((ctx = cli_ctx_create("topo")) == NULL)
        return EXIT_LIBRARY;
    status = cli_load_topo("topo", ctx, &o, &topo);
    if (status == EXIT_OK)
        status = print_topo(ctx, topo, &o);
    hpcl_topo_destroy(topo);
    hpcl_ctx_destroy(ctx);
    return status;
}
