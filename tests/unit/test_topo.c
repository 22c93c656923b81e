/* Topology loading: counts, GPU and NIC discovery, locality, errors. */
#include "config.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <hpclaunch/hwloc.h>
#include <jansson.h>

#include "hpcl_test.h"
#include "topo_util.h"

static hpcl_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    return hpcl_ctx_create(&ctx, 0) == HPCL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hpcl_ctx_destroy(ctx);
    return 0;
}

static hpcl_topo *load_xml(const char *path)
{
    hpcl_topo *t = NULL;

    assert_non_null(path);
    if (hpcl_topo_load_xml(&t, ctx, path, 0) != HPCL_OK)
        fail_msg("%s: %s", path, hpcl_ctx_errmsg(ctx));
    return t;
}

static void check_counts(const hpcl_topo *t, const unsigned want[7])
{
    for (int k = HPCL_TOPO_PACKAGE; k <= HPCL_TOPO_NIC; k++)
        if (hpcl_topo_count(t, (hpcl_topo_obj)k) != want[k])
            fail_msg("count %d: %u, expected %u", k,
                     hpcl_topo_count(t, (hpcl_topo_obj)k), want[k]);
}

struct gpu_want {
    const char *name, *pci, *vendor, *locality, *numa;
    int visible;
};

static void check_gpu(const hpcl_topo *t, unsigned i,
                      const struct gpu_want *w)
{
    assert_string_equal(hpcl_topo_gpu_name(t, i), w->name);
    assert_string_equal(hpcl_topo_gpu_pci(t, i), w->pci);
    assert_string_equal(hpcl_topo_gpu_vendor(t, i), w->vendor);
    assert_string_equal(hpcl_topo_gpu_locality(t, i), w->locality);
    assert_string_equal(hpcl_topo_gpu_numa(t, i), w->numa);
    assert_int_equal(hpcl_topo_gpu_visible_index(t, i), w->visible);
}

/* One GPU per PCI device however many OS devices name it; PCI-only GPUs
 * from NVIDIA/AMD/Intel count, BMC graphics and vendor-less devices
 * without a compute OS device do not; none of it crashes. */
static void topo_fixture_gpu_edge_cases(void **state)
{
    static const unsigned want[7] = {2, 2, 2, 16, 32, 4, 1};
    static const struct gpu_want gpus[] = {
        {"nvml0", "0000:17:00.0", "NVIDIA", "0-15", "0", 0},
        {"opencl0d1", "0000:2a:00.0", "unknown", "0-15", "0", -1},
        {"0000:b1:00.0", "0000:b1:00.0", "NVIDIA", "16-31", "1", 1},
        {"ze0", "0000:d9:00.0", "Intel", "16-31", "1", 0},
    };
    hpcl_topo *t = load_xml(fixture("gpu-edge-cases.xml"));

    (void)state;
    check_counts(t, want);
    for (unsigned i = 0; i < 4; i++)
        check_gpu(t, i, &gpus[i]);
    assert_string_equal(hpcl_topo_gpu_model(t, 0), "NVIDIA A100-SXM4-40GB");
    assert_string_equal(hpcl_topo_gpu_model(t, 1), "");
    assert_string_equal(hpcl_topo_nic_name(t, 0), "mlx5_0");
    assert_string_equal(hpcl_topo_nic_pci(t, 0), "0000:c4:00.0");
    assert_string_equal(hpcl_topo_nic_ucx(t, 0), "mlx5_0:1");
    assert_string_equal(hpcl_topo_nic_locality(t, 0), "16-31");
    assert_string_equal(hpcl_topo_nic_numa(t, 0), "1");
    hpcl_topo_destroy(t);
}

/* A PCI device split into partitions with their own OS devices gives one
 * GPU per partition, all with its PCI id. */
static void topo_fixture_partitions(void **state)
{
    static const unsigned want[7] = {4, 4, 12, 96, 192, 24, 4};
    hpcl_topo *t = load_xml(fixture("mi300a-cpx.xml"));
    char name[16], pci[16];

    (void)state;
    check_counts(t, want);
    for (unsigned i = 0; i < 24; i++) {
        snprintf(name, sizeof name, "rsmi%u", i);
        snprintf(pci, sizeof pci, "0000:%02x:00.0", 2 + 32 * (i / 6));
        assert_string_equal(hpcl_topo_gpu_name(t, i), name);
        assert_string_equal(hpcl_topo_gpu_pci(t, i), pci);
        assert_int_equal(hpcl_topo_gpu_visible_index(t, i), (int)i);
        assert_string_equal(hpcl_topo_gpu_vendor(t, i), "AMD");
    }
    for (unsigned i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "hsi%u", i);
        assert_string_equal(hpcl_topo_nic_name(t, i), name);
        assert_string_equal(hpcl_topo_nic_ucx(t, i), "");
    }
    hpcl_topo_destroy(t);
}

/* An RSMI device named otherwise than rsmiN (its subtype alone says
 * RSMI): still a GPU, numbered for ROCR_VISIBLE_DEVICES by its place in
 * PCI bus order, as any AMD GPU whose rsmi index is unknown.  The index
 * was read past the end of a name shorter than "rsmi" (fuzz_topo_xml,
 * tests/fuzz/corpus/topo_xml/regress-osdev-short-name; the sanitizer
 * build of make check sees it). */
static void topo_rsmi_device_named_otherwise(void **state)
{
    static const unsigned want[7] = {4, 4, 12, 96, 192, 24, 4};
    char path[] = "/tmp/hpcl-topo-XXXXXX", *text, *at;
    FILE *in = fopen(fixture("mi300a-cpx.xml"), "r");
    long len;
    hpcl_topo *t;
    int fd;

    (void)state;
    assert_non_null(in);
    fseek(in, 0, SEEK_END);
    len = ftell(in);
    rewind(in);
    assert_non_null(text = calloc(1, (size_t)len + 1));
    assert_int_equal(fread(text, 1, (size_t)len, in), (size_t)len);
    fclose(in);
    /* name="rsmi5" becomes name="mi5"+pad, the same length */
    assert_non_null(at = strstr(text, "name=\"rsmi5\""));
    memcpy(at, "name=\"mi5\"  ", 12); /* no NUL */
    assert_true((fd = mkstemp(path)) >= 0);
    assert_int_equal(write(fd, text, (size_t)len), len);
    close(fd);
    t = load_xml(path);
    unlink(path);
    free(text);
    check_counts(t, want);
    assert_string_equal(hpcl_topo_gpu_name(t, 5), "mi5");
    assert_int_equal(hpcl_topo_gpu_visible_index(t, 5), 5);
    assert_int_equal(hpcl_topo_gpu_visible_index(t, 6), 6);
    hpcl_topo_destroy(t);
}

/* What each real machine holds, as libhwloc 2.9 counts it with every I/O
 * object kept (a GPU: a PCI device with a compute OS device). */
static const struct {
    const char *file;
    unsigned count[7]; /* packages numa l3 cores pus gpus nics */
} machines[] = {
    {"aws-g4dn-metal-2x24c-8xt4.xml", {2, 2, 2, 48, 96, 8, 1}},
    {"dell-xe8640-2x56c-snc4-4xh100.xml", {2, 8, 2, 112, 224, 4, 4}},
    {"hpe-apollo70-thunderx2-2x32c-smt4.xml", {2, 2, 2, 64, 256, 2, 4}},
    {"hpe-ex235a-1x64c-4xmi250x-8gcd.xml", {1, 4, 8, 64, 128, 8, 4}},
    {"ibm-ac922-butte-2x22c-smt4-4xv100-pcionly.xml",
     {2, 6, 22, 44, 176, 4, 4}},
    {"ibm-ac922-lassen-2x20c-smt4-4xv100.xml", {2, 2, 20, 40, 160, 4, 4}},
    {"intel-knl7250-68c-smt4-snc4-flat.xml", {1, 8, 0, 68, 272, 0, 1}},
    {"sgi-uv2000-24x8c-smt2-384pu.xml", {24, 24, 24, 192, 384, 0, 1}},
    {"supermicro-as4124gs-2x24c-8xmi50.xml", {2, 2, 16, 48, 96, 8, 1}},
    {"supermicro-h11dsu-2x32c-epyc7551-8numa.xml", {2, 8, 16, 64, 128, 0, 1}},
};

static void topo_shared_counts(void **state)
{
    int n = 0;
    struct dirent **names = shared_names(&n);

    (void)state;
    SKIP_WITHOUT_SHARED(shared_dir());
    /* Every XML of the folder loads; the known ones hold what they
     * should. */
    for (int i = 0; i < n; i++) {
        size_t k = 0;
        hpcl_topo *t = load_xml(shared_xml(names[i]->d_name));

        while (k < sizeof machines / sizeof machines[0] &&
               strcmp(machines[k].file, names[i]->d_name) != 0)
            k++;
        print_message("# %s%s\n", names[i]->d_name,
                      k < sizeof machines / sizeof machines[0]
                          ? "" : ": loads (no expected counts)");
        if (k < sizeof machines / sizeof machines[0])
            check_counts(t, machines[k].count);
        hpcl_topo_destroy(t);
    }
    free_names(names, n);
}

#define XE8640 "dell-xe8640-2x56c-snc4-4xh100.xml"
#define TIOGA "hpe-ex235a-1x64c-4xmi250x-8gcd.xml"
#define LASSEN "ibm-ac922-lassen-2x20c-smt4-4xv100.xml"
#define AWS "aws-g4dn-metal-2x24c-8xt4.xml"

/* Locality and numbering, cross-checked with hwloc-calc (e.g.
 * hwloc-calc --if xml -i FILE os=cuda0 --intersect numa --po). */
static void topo_shared_gpu_locality(void **state)
{
    static const struct gpu_want xe_gpus[] = {
        {"nvml1", "0000:5f:00.0", "NVIDIA", "14-27,126-139", "1", 1},
        {"nvml0", "0000:4e:00.0", "NVIDIA", "42-55,154-167", "3", 0},
        {"nvml3", "0000:db:00.0", "NVIDIA", "70-83,182-195", "5", 3},
        {"nvml2", "0000:cb:00.0", "NVIDIA", "98-111,210-223", "7", 2},
    };
    static const struct gpu_want tioga0 = {
        "rsmi4", "0000:d1:00.0", "AMD", "0-7,64-71", "0", 4};
    static const struct gpu_want lassen3 = {
        "nvml3", "0035:04:00.0", "NVIDIA", "96-175", "8", 3};
    hpcl_topo *t;

    (void)state;
    SKIP_WITHOUT_SHARED(shared_xml(XE8640));
    SKIP_WITHOUT_SHARED(shared_xml(TIOGA));
    SKIP_WITHOUT_SHARED(shared_xml(LASSEN));
    SKIP_WITHOUT_SHARED(shared_xml(AWS));
    t = load_xml(shared_xml(XE8640));
    for (unsigned i = 0; i < 4; i++)
        check_gpu(t, i, &xe_gpus[i]);
    /* mlx5_2's only port is down: reported, still listed. */
    assert_string_equal(hpcl_topo_nic_name(t, 0), "mlx5_2");
    hpcl_topo_destroy(t);
    /* Each GCD is local to one L3 (8 cores). */
    t = load_xml(shared_xml(TIOGA));
    check_gpu(t, 0, &tioga0);
    assert_string_equal(hpcl_topo_nic_name(t, 0), "hsi2");
    hpcl_topo_destroy(t);
    /* NUMA 0 and 8; PUs 0-7 are not allowed. */
    t = load_xml(shared_xml(LASSEN));
    check_gpu(t, 3, &lassen3);
    hpcl_topo_destroy(t);
    t = load_xml(shared_xml(AWS)); /* EFA: an OpenFabrics NIC UCX can't use */
    assert_string_equal(hpcl_topo_nic_name(t, 0), "rdmap197s0");
    assert_string_equal(hpcl_topo_nic_ucx(t, 0), "");
    assert_string_equal(hpcl_topo_nic_numa(t, 0), "1");
    hpcl_topo_destroy(t);
}

static void topo_synthetic(void **state)
{
    static const unsigned want[7] = {2, 2, 4, 16, 32, 0, 0};
    hpcl_topo *t = NULL;

    (void)state;
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx,
                                              "pack:2 [numa] l3:2 core:4 pu:2",
                                              0),
                     HPCL_OK);
    check_counts(t, want);
    assert_null(hpcl_topo_gpu_name(t, 0));
    assert_null(hpcl_topo_nic_name(t, 0));
    assert_int_equal(hpcl_topo_gpu_visible_index(t, 0), -1);
    assert_int_equal(hpcl_topo_count(t, (hpcl_topo_obj)99), 0);
    hpcl_topo_destroy(t);
    /* No Core objects: each PU is a core. */
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx, "pack:2 pu:3", 0),
                     HPCL_OK);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_CORE), 6);
    hpcl_topo_destroy(t);
}

static void topo_errors(void **state)
{
    hpcl_topo *t = (hpcl_topo *)&t;

    (void)state;
    assert_int_equal(hpcl_topo_load_xml(&t, ctx, "/nonexistent/x.xml", 0),
                     HPCL_E_TOPOLOGY);
    assert_null(t);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "/nonexistent/x.xml"));
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx, "pack:2 bogus:3", 0),
                     HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "bogus"));
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx, "pu:2", 1),
                     HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "flags"));
    assert_int_equal(hpcl_topo_load(&t, NULL, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_topo_load(NULL, ctx, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_topo_load_xml(&t, ctx, NULL, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx, NULL, 0),
                     HPCL_E_INVAL);
    assert_int_equal(hpcl_topo_wrap(&t, ctx, NULL, 0), HPCL_E_INVAL);
    assert_null(t);
    hpcl_topo_destroy(NULL);
    assert_int_equal(hpcl_topo_count(NULL, HPCL_TOPO_PU), 0);
    assert_null(hpcl_topo_gpu_pci(NULL, 0));
    assert_null(hpcl_topo_hwloc(NULL));
}

/* This machine: as many PUs as the process may run on. */
static void topo_this_machine(void **state)
{
    hpcl_topo *t = NULL;
    cpu_set_t mask;

    (void)state;
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_int_equal(hpcl_topo_load(&t, ctx, 0), HPCL_OK);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_PU), CPU_COUNT(&mask));
    assert_true(hpcl_topo_count(t, HPCL_TOPO_CORE) >= 1);
    assert_true(hpcl_topo_count(t, HPCL_TOPO_NUMA) >= 1);
    assert_non_null(hpcl_topo_hwloc(t));
    hpcl_topo_destroy(t);
}

/* A wrapped topology whose allowed cpuset leaves PUs out: they are not
 * used, and the caller's topology stays the caller's. */
static void topo_wrap_honours_allowed_cpuset(void **state)
{
    hwloc_topology_t hw;
    hwloc_bitmap_t allow = hwloc_bitmap_alloc();
    hpcl_topo *t = NULL;

    (void)state;
    assert_int_equal(hwloc_topology_init(&hw), 0);
    assert_int_equal(hwloc_topology_set_synthetic(hw, "pack:2 [numa] "
                                                  "core:4 pu:2"), 0);
    assert_int_equal(hwloc_topology_set_flags(
                         hw, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED), 0);
    assert_int_equal(hwloc_topology_load(hw), 0);
    hwloc_bitmap_set_range(allow, 2, 7); /* cores 1-3 of package 0 */
    assert_int_equal(hwloc_topology_allow(hw, allow, NULL,
                                          HWLOC_ALLOW_FLAG_CUSTOM), 0);
    assert_int_equal(hpcl_topo_wrap(&t, ctx, hw, 0), HPCL_OK);
    hwloc_topology_destroy(hw);
    hwloc_bitmap_free(allow);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_PU), 6);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_CORE), 3);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_PACKAGE), 1);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_NUMA), 1);
    hpcl_topo_destroy(t);
}

static void topo_summary_json(void **state)
{
    hpcl_topo *t = load_xml(fixture("gpu-edge-cases.xml"));
    json_t *j, *gpu;
    char *text = NULL;

    (void)state;
    assert_int_equal(hpcl_topo_summary_json(&text, t, 1), HPCL_E_INVAL);
    assert_null(text);
    assert_int_equal(hpcl_topo_summary_json(&text, t, 0), HPCL_OK);
    assert_non_null(j = json_loads(text, 0, NULL));
    assert_int_equal(json_integer_value(json_object_get(j, "cores")), 16);
    assert_int_equal(json_integer_value(json_object_get(j, "smt")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "cpuset")),
                        "0-31");
    assert_int_equal(json_array_size(json_object_get(j, "numa")), 2);
    assert_int_equal(json_array_size(json_object_get(j, "gpus")), 4);
    gpu = json_array_get(json_object_get(j, "gpus"), 0);
    assert_string_equal(json_string_value(json_object_get(gpu, "name")),
                        "nvml0");
    assert_int_equal(json_array_size(json_object_get(gpu, "os_devices")), 3);
    assert_int_equal(json_integer_value(json_object_get(gpu, "package")), 0);
    gpu = json_array_get(json_object_get(j, "nics"), 0);
    assert_true(json_is_true(json_object_get(gpu, "active")));
    json_decref(j);
    free(text);
    hpcl_topo_destroy(t);
}

HPCL_TEST_MAIN(setup, teardown,
               cmocka_unit_test(topo_fixture_gpu_edge_cases),
               cmocka_unit_test(topo_fixture_partitions),
               cmocka_unit_test(topo_rsmi_device_named_otherwise),
               cmocka_unit_test(topo_shared_counts),
               cmocka_unit_test(topo_shared_gpu_locality),
               cmocka_unit_test(topo_synthetic),
               cmocka_unit_test(topo_errors),
               cmocka_unit_test(topo_this_machine),
               cmocka_unit_test(topo_wrap_honours_allowed_cpuset),
               cmocka_unit_test(topo_summary_json))
