/*
 * inih, loaded with dlopen() the first time a site file is read, like
 * jansson and libcurl (core/dl_load.h): placing and pinning never read
 * one, and so never load it.
 */
#ifndef HPCL_CONF_INIH_LOAD_H
#define HPCL_CONF_INIH_LOAD_H

#include <ini.h>

typedef int (*hpcl__ini_parse_stream_fn)(ini_reader reader, void *stream,
                                         ini_handler handler, void *user);

/* inih's ini_parse_stream(), its library loaded once per process; NULL
 * with a static sentence in *why (the soname, dlerror(), the package to
 * install) when it cannot be. */
hpcl__ini_parse_stream_fn hpcl__inih_load(const char **why);

#endif
