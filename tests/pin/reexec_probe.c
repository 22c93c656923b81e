/* make check (tests/pin/reexec.sh): what an OpenMP program that calls
 * hpcl_pin_self() first sees.  Unlike a real program it writes one line
 * before the call, "start pid=P", so that the test counts how many times
 * main() began (twice when the library started the program again, in
 * the same process P).  Then one line per OpenMP thread:
 *
 *   thread=1/2 place=1 cpu=1 places={0},{1}
 *
 * place is the runtime's (omp_get_place_num: -1 when it never read
 * OMP_PLACES).  A pinning failure prints "pin: CODE MESSAGE", exit 3. */
#define _GNU_SOURCE /* sched_getcpu */
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <hpclaunch.h>

int main(void)
{
    const char *places;
    hpcl_ctx *ctx = NULL;
    hpcl_rc rc;

    /* Unbuffered: a line buffered before the execv would be lost. */
    dprintf(STDOUT_FILENO, "start pid=%ld\n", (long)getpid());
    rc = hpcl_ctx_create(&ctx, 0);
    if (rc == HPCL_OK)
        rc = hpcl_pin_self(ctx, 0);
    if (rc != HPCL_OK) {
        printf("pin: %d %s\n", (int)rc, ctx ? hpcl_ctx_errmsg(ctx) : "");
        hpcl_ctx_destroy(ctx);
        return 3;
    }
    hpcl_ctx_destroy(ctx);
    places = getenv("OMP_PLACES");
#pragma omp parallel
#pragma omp critical
    printf("thread=%d/%d place=%d cpu=%d places=%s\n", omp_get_thread_num(),
           omp_get_num_threads(), omp_get_place_num(), sched_getcpu(),
           places ? places : "-");
    return 0;
}
