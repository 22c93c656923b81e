/*
 * hwloc XML through hpcl_topo_load_xml() (a file named by the user:
 * hpclaunch plan --topology) and a plan on what it loaded.  Byte 0 gives
 * the plan's shape: tasks (low 3 bits + 1), threads per task (next 2
 * bits + 1), GPUs per task (top bits).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* hwloc's XML plugin loads libxml2 and unloads it after each load; the
 * parser's global state then looks leaked to LeakSanitizer (frames in
 * "<unknown module>", nothing to suppress by).  Kept loaded, nothing
 * leaks, and the fast unwinder is enough (about 100x the executions of
 * the slow one). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dlopen("libxml2.so.2", RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hpcl_ctx *ctx;
    hpcl_topo *topo = NULL;
    hpcl_plan *plan = NULL;
    char path[64], *out = NULL;
    int fd;

    if (size < 1)
        return 0;
    ctx = fuzz_ctx();
    fd = fuzz_file(path, sizeof path, data + 1, size - 1);
    if (fd >= 0 && hpcl_topo_load_xml(&topo, ctx, path, 0) == HPCL_OK) {
        if (hpcl_plan_create(&plan, topo) == HPCL_OK &&
            hpcl_plan_set_ntasks(plan, (data[0] & 7) + 1) == HPCL_OK &&
            hpcl_plan_set_threads_per_task(plan, ((data[0] >> 3) & 3) + 1) ==
                HPCL_OK &&
            hpcl_plan_set_gpus_per_task(plan, data[0] >> 5) == HPCL_OK &&
            hpcl_plan_compute(plan) == HPCL_OK) {
            if (hpcl_plan_to_json(&out, plan, 0) == HPCL_OK)
                free(out);
            out = NULL;
            if (hpcl_plan_to_table(&out, plan, 0) == HPCL_OK)
                free(out);
        }
        hpcl_plan_destroy(plan);
        hpcl_topo_destroy(topo);
    }
    if (fd >= 0)
        close(fd);
    hpcl_ctx_destroy(ctx);
    return 0;
}
