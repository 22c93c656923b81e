/*
 * Private to the placement layer: after hpcl_pin_self() bound the process
 * and set its variables, start the program again once, so that an OpenMP
 * runtime loaded before main() (GCC's libgomp reads OMP_* in its
 * constructor) reads them (lib/place/pin_reexec.c).
 */
#ifndef HPCL_PIN_REEXEC_H
#define HPCL_PIN_REEXEC_H

#include "core/core.h"

/* HPCL_PIN_REEXEC: when to re-execute. */
enum hpcl__reexec {
    HPCL__REEXEC_AUTO,   /* an OpenMP runtime is loaded and OMP_* changed */
    HPCL__REEXEC_ALWAYS, /* whenever OMP_* changed (static OpenMP runtimes) */
    HPCL__REEXEC_NEVER
};

/* The mode from HPCL_PIN_REEXEC (unset or empty: auto); HPCL_E_INVAL,
 * naming the values, for anything else.  Called before planning, so that
 * a bad value leaves the process as it was. */
hpcl_rc hpcl__pin_reexec_mode(hpcl_ctx *ctx, enum hpcl__reexec *mode);

/* Re-execute the program (/proc/self/exe with its original arguments)
 * when mode asks for it, no MPI library is initialized and this process
 * was not re-executed already; cpuset (the task's, just applied) goes to
 * HPCL_PINNED, so the new image's hpcl_pin_self() returns at once.
 * rebound: applying the plan changed the calling thread's binding, which
 * a runtime that binds its initial thread before main() (GCC 14's libgomp
 * with OMP_PROC_BIND set) had made: a restart lets it bind again, even
 * when the variables did not change.
 * Returns only when no re-execution was needed or possible (HPCL_OK, the
 * reason logged) or when execv() failed (HPCL_E_SYSTEM). */
hpcl_rc hpcl__pin_reexec(hpcl_ctx *ctx, enum hpcl__reexec mode,
                         const char *cpuset, int rebound);

#endif
