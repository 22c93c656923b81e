/*
 * A large /jobs answer read as the REST driver reads it (rest_slim.c: cut
 * down as it arrives, then parsed), beside the peer it replaced: the
 * whole text held and parsed by jansson.  Each in its own child process,
 * so that each peak RSS is its own.
 *   bench_slim MB   a v0.0.42-like answer of about MB megabytes
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/rest/rest.h"

#define PIECE 16384 /* what curl hands its write callback */

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* A job record of about 10 KB, as slurmrestd 24.11 writes one (a
 * script, an environment, resources, many small members). */
static size_t record(char *out, unsigned id)
{
    size_t n = (size_t)sprintf(out,
        "%s{\"account\": \"proj\", \"job_id\": %u, \"name\": \"sim-%u\", "
        "\"job_state\": [\"PENDING\"], \"state_reason\": \"Priority\", "
        "\"comment\": \"hpcl-%032x\", \"user_name\": \"alice\", "
        "\"partition\": \"batch\", \"nodes\": \"\", \"exit_code\": "
        "{\"status\": [\"SUCCESS\"], \"return_code\": {\"set\": true, "
        "\"infinite\": false, \"number\": 0}}, \"time_limit\": {\"set\": "
        "true, \"infinite\": false, \"number\": 60}, \"script\": \"",
        id > 1 ? ",\n" : "", id, id, id);
    for (int i = 0; i < 120; i++)
        n += (size_t)sprintf(out + n, "srun ./step_%03d --input data/%u.h5\\n",
                             i, id);
    n += (size_t)sprintf(out + n, "\", \"environment\": [");
    for (int i = 0; i < 40; i++)
        n += (size_t)sprintf(out + n, "%s\"VAR_%02d=/some/value/%u\"",
                             i ? ", " : "", i, id);
    n += (size_t)sprintf(out + n, "], \"job_resources\": {\"nodes\": "
                         "{\"count\": 1}}}");
    return n;
}

static char *answer(size_t mb, size_t *len, unsigned *njobs)
{
    size_t cap = mb * 1048576 + 65536, n;
    char *t = malloc(cap);

    if (t == NULL)
        exit(1);
    n = (size_t)sprintf(t, "{\"meta\": {\"plugin\": {\"type\": \"openapi/"
                        "slurmctld\"}}, \"errors\": [], \"jobs\": [\n");
    for (*njobs = 0; n + 32768 < mb * 1048576;)
        n += record(t + n, ++*njobs);
    n += (size_t)sprintf(t + n, "]}\n");
    *len = n;
    return t;
}

/* Resident MiB now. */
static double resident(void)
{
    long size = 0, pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL || fscanf(f, "%ld %ld", &size, &pages) != 2)
        pages = 0;
    if (f != NULL)
        fclose(f);
    return pages * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* In a child: read text one way, parse it; print ms and the peak MiB it
 * took above what the child started with (the text, shared). */
static void measure(const char *what, const char *text, size_t len,
                    int slim, size_t piece)
{
    struct rusage ru;
    double t0;
    int st;
    pid_t pid;

    fflush(stdout);
    if ((pid = fork()) == 0) {
        struct hpcl__rest_reply r;
        json_t *root;
        const char *why;
        double base = resident();

        memset(&r, 0, sizeof r);
        if (hpcl__jansson_load(&why) != 0)
            _exit(2);
        t0 = now();
        if (slim && hpcl__rest_slim_start(&r, hpcl__rest_job_keys) != 0)
            _exit(3);
        for (size_t off = 0; off < len; off += piece) {
            size_t n = len - off < piece ? len - off : piece;
            if ((slim ? hpcl__rest_slim_feed(&r, text + off, n)
                      : hpcl__rest_reply_put(&r, text + off, n)) != 0)
                _exit(3);
        }
        if (slim && hpcl__rest_slim_end(&r) != 0)
            _exit(3);
        if ((root = hpcl__rest_parse(&r)) == NULL)
            _exit(4);
        getrusage(RUSAGE_SELF, &ru);
        printf("%-44s %9.0f %9.1f %9zu\n", what, (now() - t0) * 1000,
               ru.ru_maxrss / 1024.0 - base,
               json_array_size(json_object_get(root, "jobs")));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("%-44s failed (status %d)\n", what, st);
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 200, len;
    unsigned njobs;
    char *text = answer(mb, &len, &njobs);
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    printf("a /jobs answer of %.1f MB, %u jobs (this process: %.1f MiB "
           "with the text)\n", len / 1048576.0, njobs, ru.ru_maxrss / 1024.0);
    printf("%-44s %9s %9s %9s\n", "read as", "ms", "more_MiB", "jobs");
    /* As curl hands it over: piece by piece. */
    measure("(a) whole text, then jansson (the peer)", text, len, 0, PIECE);
    measure("(b) slimmed as it arrives, then jansson", text, len, 1, PIECE);
    /* hpclaunch before: the whole text read, slimmed, parsed. */
    measure("(c) whole text, slimmed, then jansson", text, len, 1, len);
    free(text);
    return 0;
}
