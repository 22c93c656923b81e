/*
 * libcurl, loaded with dlopen() the first time a slurmrestd site is used.
 * Linking it would make every program that links libhpclaunch load
 * libcurl and its ~30 dependencies at start-up (about 5 ms measured),
 * including `hpclaunch pin`, which runs once per MPI rank.
 */
#ifndef HPCL_CURL_LOAD_H
#define HPCL_CURL_LOAD_H

#include <curl/curl.h>

struct hpcl__curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list,
                                       const char *line);
    void (*slist_free_all)(struct curl_slist *list);
};

/* Filled once by hpcl__curl_load(); read it only after that returned
 * non-NULL in this thread or in one that handed over the site. */
extern struct hpcl__curl_api hpcl__curl;

/* libcurl loaded and globally initialised once per process, or NULL with
 * a static explanation in *why. */
const struct hpcl__curl_api *hpcl__curl_load(const char **why);

#endif
