/*
 * A loopback HTTP/1.1 server for tests/unit/test_rest.c: a forked child
 * on 127.0.0.1 that answers canned slurmrestd replies (recorded in
 * tests/data/rest/) and saves every request it reads, so that tests can
 * look at what the driver sent and over how many connections.
 */
#ifndef HPCL_REST_SERVER_H
#define HPCL_REST_SERVER_H

#include <sys/types.h>

/* One canned answer: method and path must match exactly; the body is the
 * fixture file (under HPCL_REST_FIXTURES) or the text. */
struct rest_route {
    const char *method;
    const char *path;
    int status;
    const char *file;
    const char *text;
};

struct rest_opts {
    int delay_ms;   /* wait this long before each answer */
    int close_from; /* from this request on (0-based), read it and close
                     * the connection without answering; -1: never */
    int then_refuse; /* and stop listening then: reconnects are refused */
};

struct rest_server {
    pid_t pid;
    int port;
    char dir[128]; /* req-NNN.txt per request, "conns" per connection */
};

/* Start a server for routes (terminated by a NULL method).  A request
 * without a route gets slurmrestd's 404.  Returns 0 or -1. */
int rest_server_start(struct rest_server *s, const struct rest_route *routes,
                      const struct rest_opts *opts);
void rest_server_stop(struct rest_server *s);

/* Connections accepted and requests read so far. */
int rest_server_conns(const struct rest_server *s);
int rest_server_nreq(const struct rest_server *s);

/* Request n (0-based) as read, headers and body (malloc'd), or NULL. */
char *rest_server_req(const struct rest_server *s, int n);

/* A loopback port where nothing listens (connections are refused). */
int rest_closed_port(void);

#endif
