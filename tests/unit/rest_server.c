/* The loopback HTTP server of tests/unit/test_rest.c; see rest_server.h. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rest_server.h"

#define REQ_MAX (4 << 20)

/* --- the child ---------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    if (f != NULL)
        fclose(f);
    return buf;
}

static void save(const char *dir, const char *name, const char *data,
                 size_t len, int append)
{
    char path[256];
    int fd;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC),
              0600);
    if (fd >= 0) {
        if (write(fd, data, len) != (ssize_t)len)
            _exit(3);
        close(fd);
    }
}

/* Read one request (headers and Content-Length body) into buf; returns
 * its length, or 0 when the peer closed first. */
static size_t read_request(int fd, char *buf)
{
    size_t have = 0, need = 0;
    char *end;

    for (;;) {
        ssize_t r = read(fd, buf + have, REQ_MAX - 1 - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        have += (size_t)r;
        buf[have] = '\0';
        if (need == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            char *cl = strcasestr(buf, "\r\nContent-Length:");
            need = (size_t)(end + 4 - buf);
            if (cl != NULL && cl < end)
                need += strtoul(cl + 17, NULL, 10);
        }
        if (need > 0 && have >= need)
            return have;
        if (have >= REQ_MAX - 1)
            _exit(4);
    }
}

static const struct rest_route *route_of(const struct rest_route *routes,
                                         const char *req)
{
    for (; routes->method != NULL; routes++) {
        size_t m = strlen(routes->method), p = strlen(routes->path);
        /* "PREFIX*" matches any path that starts with PREFIX. */
        int star = p > 0 && routes->path[p - 1] == '*';
        const char *path = req + m + 1;

        if (strncmp(req, routes->method, m) != 0 || req[m] != ' ' ||
            strncmp(path, routes->path, p - (size_t)star) != 0)
            continue;
        if (star ? strcspn(path, " ") >= p - 1 : path[p] == ' ')
            return routes;
    }
    return NULL;
}

/* Answer as slurmrestd does: errors close the connection.  Returns 1
 * when the connection stays open. */
static int answer(int fd, const struct rest_route *rt)
{
    static const char nf[] = "Unable find requested URL. Please view "
                             "/openapi/v3 for API reference.";
    char head[256], path[512];
    size_t len = 0;
    char *body;
    int status = rt != NULL ? rt->status : 404, keep = status == 200;

    if (rt != NULL && rt->file != NULL) {
        snprintf(path, sizeof path, "%s/%s", HPCL_REST_FIXTURES, rt->file);
        if ((body = slurp(path, &len)) == NULL)
            _exit(5);
    } else {
        body = strdup(rt != NULL && rt->text ? rt->text : nf);
        len = strlen(body);
    }
    snprintf(head, sizeof head, "HTTP/1.1 %d X\r\n%sContent-Length: %zu\r\n"
             "Content-Type: %s\r\n\r\n", status,
             keep ? "" : "Connection: Close\r\n", len,
             rt != NULL && rt->file != NULL ? "application/json"
                                            : "text/plain");
    if (write(fd, head, strlen(head)) < 0 || write(fd, body, len) < 0)
        keep = 0;
    free(body);
    return keep;
}

/* One request on fd; returns 1 to keep the connection open, 0 to close
 * it, -1 to close it and stop listening. */
static int serve_one(int fd, const struct rest_route *routes,
                     const struct rest_opts *o, const char *dir, int *nreq,
                     char *buf)
{
    char name[32];
    size_t len = read_request(fd, buf);

    if (len == 0)
        return 0;
    snprintf(name, sizeof name, "req-%03d.txt", *nreq);
    save(dir, name, buf, len, 0);
    if (o->close_from >= 0 && *nreq >= o->close_from) {
        (*nreq)++;
        return o->then_refuse ? -1 : 0;
    }
    (*nreq)++;
    if (o->delay_ms > 0) {
        struct timespec ts = {o->delay_ms / 1000,
                              (long)(o->delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return answer(fd, route_of(routes, buf));
}

/* Up to MAX_CONNS connections at once (a client's parallel requests),
 * served one request at a time; one more closes the oldest. */
#define MAX_CONNS 8

static void serve(int lfd, const struct rest_route *routes,
                  const struct rest_opts *o, const char *dir)
{
    char *buf = malloc(REQ_MAX);
    int cfd[MAX_CONNS], n = 0, nreq = 0;

    if (buf == NULL)
        _exit(2);
    for (;;) {
        struct pollfd p[MAX_CONNS + 1] = {{lfd, POLLIN, 0}};

        for (int i = 0; i < n; i++)
            p[i + 1] = (struct pollfd){cfd[i], POLLIN, 0};
        if (poll(p, (nfds_t)n + 1, -1) < 0)
            continue;
        if (p[0].revents & POLLIN) {
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0)
                continue;
            if (n == MAX_CONNS) {
                close(cfd[0]);
                memmove(cfd, cfd + 1, (size_t)--n * sizeof *cfd);
            }
            cfd[n++] = fd;
            save(dir, "conns", "c", 1, 1);
            continue;
        }
        for (int i = n - 1; i >= 0; i--) {
            int keep;

            if (p[i + 1].revents == 0)
                continue;
            keep = serve_one(cfd[i], routes, o, dir, &nreq, buf);
            if (keep <= 0) {
                close(cfd[i]);
                memmove(cfd + i, cfd + i + 1, (size_t)(n - i - 1) * sizeof *cfd);
                n--;
            }
            if (keep < 0) {
                close(lfd);
                lfd = -1; /* poll skips it */
            }
        }
    }
}

/* --- the parent --------------------------------------------------------- */

static int listen_any(int *port, int do_listen)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (do_listen && listen(fd, 16) != 0) ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

int rest_closed_port(void)
{
    int port = 0, fd = listen_any(&port, 0);

    if (fd < 0)
        return -1;
    close(fd); /* bound, never listened: the port refuses */
    return port;
}

int rest_server_start(struct rest_server *s, const struct rest_route *routes,
                      const struct rest_opts *opts)
{
    static const struct rest_opts dflt = {0, -1, 0};
    int lfd;

    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/hpcl-rest-XXXXXX");
    if (mkdtemp(s->dir) == NULL || (lfd = listen_any(&s->port, 1)) < 0)
        return -1;
    fflush(NULL);
    if ((s->pid = fork()) < 0) {
        close(lfd);
        return -1;
    }
    if (s->pid == 0) {
        serve(lfd, routes, opts != NULL ? opts : &dflt, s->dir);
        _exit(0);
    }
    close(lfd);
    return 0;
}

void rest_server_stop(struct rest_server *s)
{
    DIR *d;
    struct dirent *e;
    char path[512];

    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->dir[0] == '\0' || (d = opendir(s->dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(s->dir);
    s->dir[0] = '\0';
}

int rest_server_conns(const struct rest_server *s)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof path, "%s/conns", s->dir);
    return stat(path, &st) == 0 ? (int)st.st_size : 0;
}

int rest_server_nreq(const struct rest_server *s)
{
    char path[256];
    int n = 0;

    for (;; n++) {
        snprintf(path, sizeof path, "%s/req-%03d.txt", s->dir, n);
        if (access(path, F_OK) != 0)
            return n;
    }
}

char *rest_server_req(const struct rest_server *s, int n)
{
    char path[256];
    size_t len;

    snprintf(path, sizeof path, "%s/req-%03d.txt", s->dir, n);
    return slurp(path, &len);
}
