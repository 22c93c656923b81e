/*
 * Libraries loaded with dlopen() on first use rather than linked: jansson
 * (core/jansson_load.h), inih (conf/inih_load.h) and libcurl
 * (backend/rest/curl_load.h).  A program that only places and pins --
 * hpcl_pin_self(), `hpclaunch pin`, once per MPI rank -- then loads hwloc
 * alone; each of the others comes in with the first feature that needs
 * it.  Needs nothing else of the library, so the tool may compile it in.
 */
#ifndef HPCL_CORE_DL_LOAD_H
#define HPCL_CORE_DL_LOAD_H

#include <stddef.h>

/* One function of a table of function pointers. */
struct hpcl__dl_sym {
    const char *name; /* its symbol in the library */
    size_t offset;    /* where its address goes in the table */
};

/* dlopen() soname and store the address of each of the n functions of
 * syms in table.  0, or -1 with a sentence in why that names soname and,
 * to install it, the Debian package.  The library stays loaded. */
int hpcl__dl_load(void *table, const char *soname, const char *package,
                  const struct hpcl__dl_sym *syms, size_t n, char *why,
                  size_t why_len);

#endif
