/*
 * Durations: the one time grammar of hpclaunch (hpclaunch(7), TIME
 * FORMATS), read the same way by the library (the site file's max_wait
 * and timeout) and the CLI (-t, --max-wait, --timeout, jobs --since and
 * --prune), which compiles lib/core/duration.c in as curl's tool borrows
 * curlx sources.  Needs nothing else of the library.
 *
 *   Slurm's forms   MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS
 *   unit forms      30s, 10m, 2h, 1d, 1h30m, 1.5h, 500ms (units largest
 *                   first, each once)
 *   a bare number   in the caller's unit: minutes for -t (as sbatch),
 *                   seconds elsewhere
 *   UNLIMITED       (or INFINITE, or -1, as Slurm) where a limit may be
 *                   infinite
 */
#ifndef HPCL_CORE_DURATION_H
#define HPCL_CORE_DURATION_H

/* Flags of hpcl__duration_parse(). */
#define HPCL__DUR_BARE_MINUTES 0x1u /* a bare number counts minutes */
#define HPCL__DUR_UNLIMITED 0x2u    /* UNLIMITED accepted */
#define HPCL__DUR_SUBSECOND 0x4u    /* 500ms, 0.5 accepted */

/* What UNLIMITED gives in *out_ms. */
#define HPCL__DUR_INFINITE (-1LL)

/* Its results: 0, or why the text was refused. */
enum {
    HPCL__DUR_OK = 0,
    HPCL__DUR_ESYNTAX = -1,    /* not a duration */
    HPCL__DUR_ESUBSECOND = -2, /* finer than a second, not allowed */
    HPCL__DUR_ERANGE = -3,     /* longer than HPCL__DUR_MAX_DAYS */
    HPCL__DUR_EUNLIMITED = -4  /* UNLIMITED, not allowed */
};

/* Longer than this is a typo (Slurm keeps minutes in 32 bits). */
#define HPCL__DUR_MAX_DAYS 100000

/* text into milliseconds (HPCL__DUR_INFINITE for UNLIMITED): 0, or one
 * of the negative results above; *out_ms is untouched on error. */
int hpcl__duration_parse(long long *out_ms, const char *text,
                         unsigned flags);

/* Why a result refused the text ("not a duration", ...), static. */
const char *hpcl__duration_why(int result);

/* The forms accepted with flags, for error messages ("a bare number
 * counts seconds; accepted: 90, 1:30 (MM:SS), ..."), static. */
const char *hpcl__duration_forms(unsigned flags);

#endif
