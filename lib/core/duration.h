/*
 * Durations, read one way by the library (the site file) and the CLI
 * (--max-wait), which compiles lib/core/duration.c in as curl's tool
 * borrows curlx sources: "90" (seconds), "30s", "10m", "1h30m", "2d",
 * "500ms"; units largest first, each once; at most 366 days.  Needs
 * nothing else of the library, so it may be built into the tool.
 */
#ifndef HPCL_CORE_DURATION_H
#define HPCL_CORE_DURATION_H

/* text into milliseconds: 0, or -1 when it is not a duration. */
int hpcl__duration_parse(long *out_ms, const char *text);

#endif
