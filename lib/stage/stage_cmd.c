/*
 * The commands staging runs: rsync and ssh with a config file in a
 * private folder (the identity file is named there, so that no key
 * material and no option that could carry it is in any argv), and the
 * process runner that keeps their stderr for the message.  Children die
 * with the caller (PR_SET_PDEATHSIG): a transfer left running after a
 * crash would race the rerun's copy of the same file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "job/job-internal.h"
#include "stage/stage-internal.h"

const char *hpcl__rsync_prog(void)
{
    const char *p = getenv("HPCL_RSYNC");

    return p != NULL && p[0] != '\0' ? p : "rsync";
}

/* One ssh config value, quoted (ssh_config(5) takes "..." for blanks). */
static int conf_ok(const char *v)
{
    return strpbrk(v, "\"\n\r") == NULL;
}

hpcl_rc hpcl__ssh_open(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *name,
                       const struct hpcl__site_conf *c)
{
    const struct hpcl__site_econ *e = &c->econ;
    const char *tmp = getenv("TMPDIR");
    FILE *f;
    int fd;

    memset(s, 0, sizeof *s);
    s->site = c;
    s->name = name;
    if (e->data_host == NULL)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s has no data_endpoint "
                          "(hpclaunch.conf(5)): its files cannot be staged",
                          name);
    if ((e->identity_file && !conf_ok(e->identity_file)) ||
        (e->known_hosts && !conf_ok(e->known_hosts)))
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: identity_file and "
                          "known_hosts must not hold quotes or newlines",
                          name);
    if (tmp == NULL || tmp[0] != '/' || strpbrk(tmp, " \t'\"") != NULL ||
        strlen(tmp) > 200)
        tmp = "/tmp";
    snprintf(s->dir, sizeof s->dir, "%s/hpcl-stage-XXXXXX", tmp);
    if (mkdtemp(s->dir) == NULL)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "mkdtemp %s: %s", s->dir,
                          strerror(errno));
    snprintf(s->config, sizeof s->config, "%s/ssh_config", s->dir);
    snprintf(s->rsh, sizeof s->rsh, "ssh -F %s", s->config);
    fd = open(s->config, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        hpcl_rc rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "%s: %s", s->config,
                                strerror(errno));
        if (fd >= 0)
            close(fd);
        hpcl__ssh_close(s);
        return rc;
    }
    fprintf(f, "Host hpcl-site\n  HostName %s\n  Port %d\n  User %s\n"
            "  BatchMode yes\n  StrictHostKeyChecking yes\n"
            "  ConnectTimeout %ld\n  LogLevel ERROR\n  ControlMaster no\n"
            "  ForwardAgent no\n  ClearAllForwardings yes\n",
            e->data_host, e->data_port, e->data_user,
            c->timeout_ms > 1000 ? c->timeout_ms / 1000 : 1);
    if (e->identity_file != NULL)
        fprintf(f, "  IdentityFile \"%s\"\n  IdentitiesOnly yes\n",
                e->identity_file);
    if (e->known_hosts != NULL)
        fprintf(f, "  UserKnownHostsFile \"%s\"\n", e->known_hosts);
    if (fclose(f) != 0) {
        hpcl_rc rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "%s: %s", s->config,
                                strerror(errno));
        hpcl__ssh_close(s);
        return rc;
    }
    return HPCL_OK;
}

void hpcl__ssh_close(struct hpcl__ssh *s)
{
    if (s->config[0] != '\0')
        unlink(s->config);
    if (s->dir[0] != '\0')
        rmdir(s->dir);
    s->dir[0] = s->config[0] = '\0';
}

/* Read what the child writes until both pipes close. */
static void drain(int out, int err, FILE *keep, char *tail, size_t cap)
{
    struct pollfd p[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
    size_t tlen = 0;
    char buf[8192];

    while (p[0].fd >= 0 || p[1].fd >= 0) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        for (int k = 0; k < 2; k++) {
            ssize_t n;
            if (p[k].fd < 0 || p[k].revents == 0)
                continue;
            n = read(p[k].fd, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                p[k].fd = -1;
                continue;
            }
            if (k == 0 && keep != NULL)
                fwrite(buf, 1, (size_t)n, keep);
            if (k == 1) {
                /* Keep the last cap - 1 bytes of stderr. */
                for (ssize_t i = 0; i < n; i++) {
                    if (tlen == cap - 1) {
                        memmove(tail, tail + 1, cap - 2);
                        tlen--;
                    }
                    tail[tlen++] = buf[i];
                }
            }
        }
    }
    tail[tlen] = '\0';
    while (tlen > 0 && (tail[tlen - 1] == '\n' || tail[tlen - 1] == '\r'))
        tail[--tlen] = '\0';
}

static void child(char *const *argv, int out[2], int err[2])
{
    int null = open("/dev/null", O_RDONLY);

    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (null >= 0)
        dup2(null, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execvp(argv[0], argv);
    dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
    _exit(127);
}

hpcl_rc hpcl__stage_run(hpcl_ctx *ctx, char *const *argv, char **out,
                        const char *what)
{
    int po[2], pe[2], st = 0;
    char tail[400];
    size_t olen = 0;
    FILE *keep = NULL;
    pid_t pid;

    if (out != NULL) {
        *out = NULL;
        if ((keep = open_memstream(out, &olen)) == NULL)
            return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 ||
        (pid = fork()) < 0) {
        if (keep != NULL)
            fclose(keep);
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "%s: cannot start %s: %s",
                          what, argv[0], strerror(errno));
    }
    if (pid == 0)
        child(argv, po, pe);
    close(po[1]);
    close(pe[1]);
    drain(po[0], pe[0], keep, tail, sizeof tail);
    close(po[0]);
    close(pe[0]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (keep != NULL && fclose(keep) != 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return HPCL_OK;
    if (out != NULL) {
        free(*out);
        *out = NULL;
    }
    if (WIFSIGNALED(st))
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "%s: %s killed by signal %d%s"
                          "%s", what, argv[0], WTERMSIG(st),
                          tail[0] ? ": " : "", tail);
    return hpcl__fail(ctx, WEXITSTATUS(st) == 255 ? HPCL_E_UNREACHABLE
                                                  : HPCL_E_SYSTEM,
                      "%s: %s exited with %d%s%s", what, argv[0],
                      WEXITSTATUS(st), tail[0] ? ": " : "", tail);
}

hpcl_rc hpcl__ssh_cmd(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *cmd,
                      const char *prefix, char *const *args, size_t n,
                      char **out, const char *what)
{
    char *line = NULL, *argv[6];
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    hpcl_rc rc;

    if (f == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    /* ssh hands the remote shell one string: every path quoted. */
    fputs(cmd, f);
    for (size_t i = 0; i < n; i++) {
        char *word = NULL;
        fputc(' ', f);
        if (asprintf(&word, "%s%s", prefix, args[i]) < 0) {
            fclose(f);
            free(line);
            return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        }
        hpcl__shell_quote(f, word);
        free(word);
    }
    if (fclose(f) != 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    argv[0] = "ssh";
    argv[1] = "-F";
    argv[2] = s->config;
    argv[3] = "hpcl-site";
    argv[4] = line;
    argv[5] = NULL;
    rc = hpcl__stage_run(ctx, argv, out, what);
    free(line);
    return rc;
}

size_t hpcl__sha_parse(const char *text, const char *strip,
                       char *const *paths, size_t n,
                       char (*sums)[HPCL__SHA256_HEX])
{
    size_t found = 0, sl = strlen(strip);

    while (text != NULL && *text != '\0') {
        const char *nl = strchr(text, '\n'), *p = text + 66;
        size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);

        /* "HASH  PATH": 64 hex digits, two blanks (binary: " *"). */
        if (len > 66 && strspn(text, "0123456789abcdef") == 64 &&
            (len - 66 >= sl && strncmp(p, strip, sl) == 0)) {
            for (size_t i = 0; i < n; i++)
                if (strlen(paths[i]) == len - 66 - sl &&
                    strncmp(p + sl, paths[i], len - 66 - sl) == 0) {
                    memcpy(sums[i], text, 64);
                    sums[i][64] = '\0';
                    found++;
                }
        }
        text = nl != NULL ? nl + 1 : NULL;
    }
    return found;
}
