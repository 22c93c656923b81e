/* The site file: format, errors with FILE:LINE, lookup, tokens, path maps. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpcl_test.h"
#include "conf/sites.h"

#define SECRET "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.SIG-s3cr3t"

struct fixture {
    char dir[64];
    char conf[128];
    hpcl_ctx *ctx;
    char logs[8192]; /* every log line, to look for the token */
};

static void collect_log(hpcl_log_level level, const char *msg, void *arg)
{
    struct fixture *f = arg;

    (void)level;
    strncat(f->logs, msg, sizeof f->logs - strlen(f->logs) - 2);
    strcat(f->logs, "\n");
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/hpcl-sites-XXXXXX");
    if (mkdtemp(f->dir) == NULL || hpcl_ctx_create(&f->ctx, 0) != HPCL_OK)
        return -1;
    hpcl_ctx_set_log(f->ctx, collect_log, f);
    snprintf(f->conf, sizeof f->conf, "%s/hpclaunch.conf", f->dir);
    /* Nothing from the caller's environment may leak into a test. */
    setenv("HOME", f->dir, 1);
    unsetenv("HPCLAUNCH_CONF");
    unsetenv("XDG_CONFIG_HOME");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    hpcl_ctx_destroy(f->ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static struct hpcl__sites *parse_ok(struct fixture *f, const char *text)
{
    struct hpcl__sites *s = NULL;

    write_file(f->conf, text, 0644);
    if (hpcl__sites_parse(&s, f->ctx, f->conf) != HPCL_OK)
        fail_msg("unexpected error: %s", hpcl_ctx_errmsg(f->ctx));
    return s;
}

/* The parse fails with "CONF:line: ...want...". */
static void parse_fails(struct fixture *f, const char *text, int line,
                        const char *want)
{
    struct hpcl__sites *s = (struct hpcl__sites *)f;
    char prefix[160];

    write_file(f->conf, text, 0644);
    assert_int_equal(hpcl__sites_parse(&s, f->ctx, f->conf), HPCL_E_CONFIG);
    assert_null(s);
    snprintf(prefix, sizeof prefix, "%s:%d: ", f->conf, line);
    if (strncmp(hpcl_ctx_errmsg(f->ctx), prefix, strlen(prefix)) != 0 ||
        strstr(hpcl_ctx_errmsg(f->ctx), want) == NULL)
        fail_msg("for:\n%s\nwanted \"%s...%s\"\ngot \"%s\"", text, prefix,
                 want, hpcl_ctx_errmsg(f->ctx));
}

static const char example[] =
    "# Two sites: the home cluster and a partner behind slurmrestd.\n"
    "[defaults]\n"
    "home = alpha\n"
    "max_wait = 10m\n"
    "journal = ~/state/journal\n"
    "\n"
    "[site alpha]\n"
    "driver = slurm\n"
    "slurm_conf = /etc/slurm/slurm.conf\n"
    "partition = batch\n"
    "account = proj1\n"
    "\n"
    "[site beta]\n"
    "driver = slurmrestd\n"
    "url = https://rest.beta.example.org:6820/\n"
    "user = alice\n"
    "token_file = ~/.config/hpclaunch/beta.token\n"
    "ca_file = /etc/ssl/beta-ca.pem\n"
    "partition = gpu\n"
    "max_wait = 1h30m\n"
    "timeout = 5s\n"
    "map = /home/alice => /scratch/alice/\n"
    "map = /home/alice/data/ => /gpfs/data\n";

static void sites_example_parses(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f, example);
    const struct hpcl__site_conf *a = hpcl__sites_get(s, "alpha");
    const struct hpcl__site_conf *b = hpcl__sites_get(s, "beta");
    char want[128];

    assert_int_equal(s->nsites, 2);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(s->source, f->conf);
    assert_int_equal(s->home, 0);
    assert_int_equal(s->max_wait_s, 600);
    snprintf(want, sizeof want, "%s/state/journal", f->dir);
    assert_string_equal(s->journal, want);
    assert_int_equal(a->driver, HPCL__DRIVER_SLURM);
    assert_string_equal(a->slurm_conf, "/etc/slurm/slurm.conf");
    assert_string_equal(a->partition, "batch");
    assert_string_equal(a->account, "proj1");
    assert_int_equal(a->max_wait_s, 600);
    assert_int_equal(a->timeout_ms, HPCL__DEFAULT_TIMEOUT_MS);
    assert_int_equal(a->line, 7);
    assert_int_equal(b->driver, HPCL__DRIVER_SLURMRESTD);
    assert_string_equal(b->url, "https://rest.beta.example.org:6820");
    assert_string_equal(b->api_version, HPCL__DEFAULT_API_VERSION);
    assert_string_equal(b->user, "alice");
    snprintf(want, sizeof want, "%s/.config/hpclaunch/beta.token", f->dir);
    assert_string_equal(b->token_file, want);
    assert_null(b->token_env);
    assert_string_equal(b->ca_file, "/etc/ssl/beta-ca.pem");
    assert_int_equal(b->max_wait_s, 5400);
    assert_int_equal(b->timeout_ms, 5000);
    assert_int_equal(b->nmaps, 2);
    assert_string_equal(b->maps[0].from, "/home/alice");
    assert_string_equal(b->maps[0].to, "/scratch/alice");
    assert_string_equal(b->maps[1].from, "/home/alice/data");
    assert_null(hpcl__sites_get(s, "gamma"));
    hpcl__sites_free(s);
}

static void sites_defaults_apply_wherever_they_are(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f,
        "[site a]\ndriver = slurm\n"
        "[site b]\ndriver = slurm\nmax_wait = 0\ntimeout = 500ms\n"
        "[defaults]\nmax_wait = 2h\ntimeout = 20s\n");

    assert_int_equal(s->site[0].max_wait_s, 7200);
    assert_int_equal(s->site[0].timeout_ms, 20000);
    assert_int_equal(s->site[1].max_wait_s, 0);
    assert_int_equal(s->site[1].timeout_ms, 500);
    assert_null(s->journal);
    hpcl__sites_free(s);
    s = parse_ok(f, "[site a]\ndriver = slurm\n");
    assert_int_equal(s->site[0].max_wait_s, HPCL__DEFAULT_MAX_WAIT_S);
    hpcl__sites_free(s);
}

/* The one time grammar (hpclaunch(7)): Slurm's forms and unit forms
 * give the same durations; a bare number is seconds. */
static void sites_durations_take_slurm_and_unit_forms(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f,
        "[site a]\ndriver = slurm\nmax_wait = 1:30:00\ntimeout = 1:30\n"
        "[site b]\ndriver = slurm\nmax_wait = 90m\ntimeout = 90m\n"
        "[site c]\ndriver = slurm\nmax_wait = 0-1:30\ntimeout = 90\n");

    assert_int_equal(s->site[0].max_wait_s, 5400);
    assert_int_equal(s->site[0].timeout_ms, 90000);
    assert_int_equal(s->site[1].max_wait_s, 5400);
    assert_int_equal(s->site[1].timeout_ms, 5400000);
    assert_int_equal(s->site[2].max_wait_s, 5400);
    assert_int_equal(s->site[2].timeout_ms, 90000);
    hpcl__sites_free(s);
}

static void sites_preference_orders_sites(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f,
        "[site a]\ndriver = slurm\n[site b]\ndriver = slurm\n"
        "[site c]\ndriver = slurm\n");

    /* Without preference keys: the file's order, and home is the first. */
    assert_int_equal(s->order[0], 0);
    assert_int_equal(s->order[1], 1);
    assert_int_equal(s->order[2], 2);
    assert_int_equal(s->home, 0);
    hpcl__sites_free(s);
    s = parse_ok(f, "[site a]\ndriver = slurm\npreference = 5\n"
                    "[site b]\ndriver = slurm\npreference = -1\n"
                    "[site c]\ndriver = slurm\npreference = 5\n"
                    "[site d]\ndriver = slurm\n");
    assert_int_equal(s->order[0], 1); /* b: -1 */
    assert_int_equal(s->order[1], 3); /* d: 4, its place in the file */
    assert_int_equal(s->order[2], 0); /* a: 5, before c by file order */
    assert_int_equal(s->order[3], 2);
    assert_int_equal(s->home, 1); /* no home key: the most preferred */
    hpcl__sites_free(s);
}

static void sites_indented_keys_and_comments(void **state)
{
    struct fixture *f = *state;
    /* inih would read an indented key as the previous value's next line. */
    struct hpcl__sites *s = parse_ok(f,
        "\xEF\xBB\xBF; a comment\n"
        "  [site a]   # the home site\n"
        "    driver = slurm   # inline\n"
        "    partition = batch ; inline too\n"
        "\taccount = x#y\n");

    assert_string_equal(s->site[0].partition, "batch");
    assert_string_equal(s->site[0].account, "x#y");
    hpcl__sites_free(s);
}

static void sites_only_defaults_keeps_local(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f, "[defaults]\njournal = /j\n"
                                        "home = local\nmax_wait = 90\n");

    assert_int_equal(s->nsites, 1);
    assert_string_equal(s->site[0].name, "local");
    assert_int_equal(s->site[0].driver, HPCL__DRIVER_SLURM);
    assert_null(s->site[0].slurm_conf);
    assert_int_equal(s->site[0].max_wait_s, 90);
    assert_string_equal(s->journal, "/j");
    hpcl__sites_free(s);
}

static void sites_builtin_is_local_slurm(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s;

    assert_int_equal(hpcl__sites_builtin(&s, f->ctx), HPCL_OK);
    assert_int_equal(s->nsites, 1);
    assert_string_equal(s->site[0].name, "local");
    assert_int_equal(s->site[0].driver, HPCL__DRIVER_SLURM);
    assert_null(s->site[0].slurm_conf);
    assert_null(s->source);
    assert_int_equal(s->home, 0);
    assert_int_equal(s->order[0], 0);
    assert_int_equal(s->site[0].max_wait_s, HPCL__DEFAULT_MAX_WAIT_S);
    assert_int_equal(s->site[0].timeout_ms, HPCL__DEFAULT_TIMEOUT_MS);
    hpcl__sites_free(s);
    hpcl__sites_free(NULL);
}

static void sites_errors_name_file_line_and_key(void **state)
{
    static const struct {
        const char *text;
        int line;
        const char *want;
    } cases[] = {
        {"[site a]\ndriver = slurm\npartiton = x\n", 3,
         "unknown key 'partiton' in [site a] (known keys: driver, "
         "slurm_conf, url"},
        {"[defaults]\ndriver = slurm\n", 2,
         "unknown key 'driver' in [defaults] (known keys: max_wait, "
         "timeout, home, journal, currency, power_per_core, "
         "power_per_gpu)"},
        {"[site a]\ndriver = slurm\n\n[site a]\ndriver = slurm\n", 4,
         "site 'a' is already defined at line 1"},
        {"[site a]\npartition = x\n[site b]\ndriver = slurm\n", 1,
         "site 'a' has no driver"},
        {"[site a]\n", 1, "site 'a' has no driver"},
        {"[site a]\ndriver = pbs\n", 2,
         "key 'driver' must be slurm or slurmrestd, not 'pbs'"},
        {"[site r]\ndriver = slurmrestd\ntoken_env = T\n", 1,
         "site 'r' (driver = slurmrestd) has no url"},
        {"[site r]\ndriver = slurmrestd\nurl = https://h\n", 1,
         "site 'r' (driver = slurmrestd) needs token_file or token_env"},
        {"[site r]\ndriver = slurmrestd\nurl = https://h\ntoken_env = T\n"
         "token_file = /t\n", 5, "site 'r' has both token_file and "
         "token_env"},
        {"[site a]\nurl = https://h\ndriver = slurm\n", 2,
         "key 'url' does not apply to site 'a' (driver = slurm)"},
        {"[site r]\ndriver = slurmrestd\nurl = https://h\ntoken_env = T\n"
         "slurm_conf = /s\n", 5, "key 'slurm_conf' does not apply to site "
         "'r' (driver = slurmrestd)"},
        {"[site a]\ndriver = slurm\npartition = x\npartition = y\n", 4,
         "key 'partition' is already set at line 3"},
        {"[site a]\ndriver =\n", 2, "key 'driver' has an empty value"},
        {"driver = slurm\n", 1, "key 'driver' is outside any section"},
        {"[sites a]\n", 1, "unknown section [sites a] (expected [defaults] "
         "or [site NAME])"},
        {"[site]\n", 1, "unknown section [site]"},
        {"[site a.b]\n", 1, "invalid site name 'a.b'"},
        {"[defaults]\nhome = b\n[site a]\ndriver = slurm\n", 2,
         "key 'home': there is no site 'b'"},
        {"[defaults]\n[defaults]\n", 2, "section [defaults] is already "
         "given at line 1"},
        {"[defaults]\nmax_wait = 10 minutes\n", 2,
         "key 'max_wait': '10 minutes' is not a duration; a bare number "
         "counts seconds; accepted: 90, 1:30 (MM:SS)"},
        {"[defaults]\nmax_wait = 1500ms\n", 2, "key 'max_wait': '1500ms' "
         "is finer than a second"},
        {"[defaults]\ntimeout = UNLIMITED\n", 2, "key 'timeout': "
         "'UNLIMITED' is unlimited, which is not allowed here"},
        {"[defaults]\ntimeout = 0\n", 2, "key 'timeout' must be more than 0"},
        {"[site a]\ndriver = slurm\nmap = /a -> /b\n", 3,
         "key 'map' must be FROM => TO"},
        {"[site a]\ndriver = slurm\nmap = a => /b\n", 3,
         "both sides must be absolute paths"},
        {"[site a]\ndriver = slurm\nmap = /a => /b\nmap = /a/ => /c\n", 4,
         "key 'map': /a is already mapped (to /b)"},
        {"[site a]\ndriver = slurm\nslurm_conf = slurm.conf\n", 3,
         "key 'slurm_conf' must be an absolute path or start with ~/"},
        {"[site a]\ndriver = slurm\npreference = first\n", 3,
         "key 'preference' must be an integer"},
        {"[site a]\ndriver = slurm\npartition = a b\n", 3,
         "key 'partition' must be one word"},
        {"[site r]\ndriver = slurmrestd\nurl = ftp://h\n", 3,
         "key 'url' must be https://HOST[:PORT]"},
        {"[site r]\ndriver = slurmrestd\napi_version = 0.0.38\n", 3,
         "key 'api_version' must be auto (the default) or an API version "
         "hpclaunch speaks: v0.0.42, v0.0.41, v0.0.40 or v0.0.38"},
        {"[site r]\ndriver = slurmrestd\ntoken_env = MY-TOKEN\n", 3,
         "key 'token_env' must be an environment variable name"},
        {"[site a]\ndriver = slurm\nthis line has no equals sign\n"
         "bogus = 1\n", 3, "syntax error"},
        {"[site a\ndriver = slurm\n", 1, "syntax error"},
    };
    struct fixture *f = *state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        parse_fails(f, cases[i].text, cases[i].line, cases[i].want);
}

static void sites_long_lines_are_refused_not_split(void **state)
{
    struct fixture *f = *state;
    char text[600];

    snprintf(text, sizeof text, "[site a]\ndriver = slurm\npartition = %0*d\n",
             400, 7);
    parse_fails(f, text, 3, "line is longer than");
}

static void sites_unreadable_files(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s;
    char path[160];

    snprintf(path, sizeof path, "%s/missing.conf", f->dir);
    assert_int_equal(hpcl__sites_parse(&s, f->ctx, path), HPCL_E_CONFIG);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "missing.conf"));
    assert_int_equal(hpcl__sites_parse(&s, f->ctx, f->dir), HPCL_E_CONFIG);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "not a regular file"));
    assert_int_equal(hpcl__sites_parse(NULL, f->ctx, path), HPCL_E_INVAL);
}

/* --- lookup order ------------------------------------------------------ */

static void expect_found(struct fixture *f, const char *explicit_path,
                         const char *system, const char *want)
{
    char *path = (char *)f;

    assert_int_equal(hpcl__sites_find(&path, f->ctx, explicit_path, system),
                     HPCL_OK);
    if (want == NULL)
        assert_null(path);
    else
        assert_string_equal(path, want);
    free(path);
}

static void sites_lookup_order(void **state)
{
    struct fixture *f = *state;
    char named[160], env[160], xdg[160], dot[160], sys[160], cmd[400];

    snprintf(named, sizeof named, "%s/named.conf", f->dir);
    snprintf(env, sizeof env, "%s/env.conf", f->dir);
    snprintf(xdg, sizeof xdg, "%s/xdg/hpclaunch/hpclaunch.conf", f->dir);
    snprintf(dot, sizeof dot, "%s/.config/hpclaunch/hpclaunch.conf", f->dir);
    snprintf(sys, sizeof sys, "%s/etc.conf", f->dir);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/xdg/hpclaunch %s/.config/hpclaunch",
             f->dir, f->dir);
    assert_int_equal(system(cmd), 0);
    expect_found(f, NULL, sys, NULL); /* nothing anywhere */
    write_file(sys, "", 0644);
    expect_found(f, NULL, sys, sys);
    write_file(dot, "", 0644);
    expect_found(f, NULL, sys, dot);
    write_file(xdg, "", 0644);
    snprintf(cmd, sizeof cmd, "%s/xdg", f->dir);
    setenv("XDG_CONFIG_HOME", cmd, 1);
    expect_found(f, NULL, sys, xdg);
    setenv("XDG_CONFIG_HOME", "relative/dir", 1); /* ignored, as XDG says */
    expect_found(f, NULL, sys, dot);
    write_file(env, "", 0644);
    setenv("HPCLAUNCH_CONF", env, 1);
    expect_found(f, NULL, sys, env);
    write_file(named, "", 0644);
    expect_found(f, named, sys, named);
    unsetenv("HPCLAUNCH_CONF");
    unsetenv("XDG_CONFIG_HOME");
}

static void sites_named_file_must_exist(void **state)
{
    struct fixture *f = *state;
    char missing[160], *path;

    snprintf(missing, sizeof missing, "%s/nope.conf", f->dir);
    assert_int_equal(hpcl__sites_find(&path, f->ctx, missing, NULL),
                     HPCL_E_CONFIG);
    assert_null(path);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "nope.conf"));
    setenv("HPCLAUNCH_CONF", missing, 1);
    assert_int_equal(hpcl__sites_find(&path, f->ctx, NULL, NULL),
                     HPCL_E_CONFIG);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "$HPCLAUNCH_CONF"));
    unsetenv("HPCLAUNCH_CONF");
}

static void sites_load_follows_lookup(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s;
    struct stat st;

    write_file(f->conf, example, 0644);
    assert_int_equal(hpcl__sites_load(&s, f->ctx, f->conf), HPCL_OK);
    assert_int_equal(s->nsites, 2);
    hpcl__sites_free(s);
    /* With no file at all: the local Slurm (unless this machine has a
     * system-wide file, which the test cannot move away). */
    if (stat(HPCL__SITES_SYSTEM_PATH, &st) == 0)
        skip();
    assert_int_equal(hpcl__sites_load(&s, f->ctx, NULL), HPCL_OK);
    assert_int_equal(s->nsites, 1);
    assert_string_equal(s->site[0].name, "local");
    hpcl__sites_free(s);
}

/* --- tokens ------------------------------------------------------------ */

static struct hpcl__site_conf token_site(char *file, char *env)
{
    struct hpcl__site_conf c = {0};

    c.name = "beta";
    c.driver = HPCL__DRIVER_SLURMRESTD;
    c.token_file = file;
    c.token_env = env;
    return c;
}

/* The token fails to load with want in the message, and the secret is
 * in neither the message nor the log. */
static void token_fails(struct fixture *f, struct hpcl__site_conf *c,
                        const char *want)
{
    char *token = (char *)f;

    assert_int_equal(hpcl__site_load_token(&token, f->ctx, c), HPCL_E_AUTH);
    assert_null(token);
    if (strstr(hpcl_ctx_errmsg(f->ctx), want) == NULL)
        fail_msg("wanted \"%s\", got \"%s\"", want, hpcl_ctx_errmsg(f->ctx));
    assert_null(strstr(hpcl_ctx_errmsg(f->ctx), "s3cr3t"));
    assert_null(strstr(f->logs, "s3cr3t"));
}

static void token_file_is_read_and_trimmed(void **state)
{
    struct fixture *f = *state;
    char path[160], *token;
    struct hpcl__site_conf c = token_site(path, NULL);

    snprintf(path, sizeof path, "%s/beta.token", f->dir);
    write_file(path, SECRET "\r\n", 0600);
    assert_int_equal(hpcl__site_load_token(&token, f->ctx, &c), HPCL_OK);
    assert_string_equal(token, SECRET);
    hpcl__token_free(token);
    write_file(path, SECRET, 0400);
    assert_int_equal(hpcl__site_load_token(&token, f->ctx, &c), HPCL_OK);
    assert_string_equal(token, SECRET);
    hpcl__token_free(token);
    hpcl__token_free(NULL);
}

static void token_file_refused_unless_private(void **state)
{
    struct fixture *f = *state;
    char path[160], want[400];
    struct hpcl__site_conf c = token_site(path, NULL);

    snprintf(path, sizeof path, "%s/beta.token", f->dir);
    write_file(path, SECRET "\n", 0644);
    snprintf(want, sizeof want, "token file %s for site beta is readable by "
             "group or others (mode 0644): chmod 600 %s", path, path);
    token_fails(f, &c, want);
    assert_string_equal(hpcl_ctx_errmsg(f->ctx), want);
    write_file(path, SECRET "\n", 0620);
    token_fails(f, &c, "is writable by group or others (mode 0620)");
    write_file(path, SECRET "\n", 0604);
    token_fails(f, &c, "(mode 0604)");
    if (geteuid() == 0) { /* only root can give a file away */
        write_file(path, SECRET "\n", 0600);
        assert_int_equal(chown(path, 65534, 65534), 0);
        token_fails(f, &c, "belongs to uid 65534, not to you (uid 0)");
    }
}

static void token_file_bad_contents(void **state)
{
    struct fixture *f = *state;
    char path[160];
    struct hpcl__site_conf c = token_site(path, NULL);

    snprintf(path, sizeof path, "%s/beta.token", f->dir);
    write_file(path, "\n\n", 0600);
    token_fails(f, &c, "is empty");
    write_file(path, SECRET "\nX-Evil: 1\n", 0600);
    token_fails(f, &c, "must hold the token alone, on one line");
    write_file(path, "Bearer " SECRET "\n", 0600);
    token_fails(f, &c, "blank, control or non-ASCII");
    snprintf(path, sizeof path, "%s/absent.token", f->dir);
    token_fails(f, &c, "cannot open token file");
    snprintf(path, sizeof path, "%s", f->dir);
    token_fails(f, &c, "is not a regular file");
    snprintf(path, sizeof path, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    token_fails(f, &c, "is not a regular file");
}

static void token_file_too_large(void **state)
{
    struct fixture *f = *state;
    char path[160], *big = malloc(20000);
    struct hpcl__site_conf c = token_site(path, NULL);

    assert_non_null(big);
    memset(big, 'a', 19999);
    big[19999] = '\0';
    snprintf(path, sizeof path, "%s/beta.token", f->dir);
    write_file(path, big, 0600);
    token_fails(f, &c, "is larger than");
    free(big);
}

static void token_env_is_read(void **state)
{
    struct fixture *f = *state;
    struct hpcl__site_conf c = token_site(NULL, "HPCL_TEST_TOKEN");
    char *token;

    setenv("HPCL_TEST_TOKEN", SECRET "\n", 1);
    assert_int_equal(hpcl__site_load_token(&token, f->ctx, &c), HPCL_OK);
    assert_string_equal(token, SECRET);
    hpcl__token_free(token);
    setenv("HPCL_TEST_TOKEN", "", 1);
    token_fails(f, &c, "environment variable HPCL_TEST_TOKEN (token_env of "
                "site beta) is not set or empty");
    unsetenv("HPCL_TEST_TOKEN");
    token_fails(f, &c, "is not set or empty");
    setenv("HPCL_TEST_TOKEN", SECRET " x", 1);
    token_fails(f, &c, "environment variable HPCL_TEST_TOKEN for site beta "
                "holds a blank");
    unsetenv("HPCL_TEST_TOKEN");
    c.token_env = NULL;
    token_fails(f, &c, "site beta has no token_file or token_env");
}

/* --- path maps --------------------------------------------------------- */

static void expect_map(struct fixture *f, const struct hpcl__site_conf *c,
                       const char *in, const char *want)
{
    char *out = (char *)f;

    assert_int_equal(hpcl__site_map_path(&out, f->ctx, c, in), HPCL_OK);
    if (want == NULL)
        assert_null(out);
    else if (strcmp(out, want) != 0)
        fail_msg("%s mapped to %s, wanted %s", in, out, want);
    free(out);
}

static void map_longest_prefix_wins(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f,
        "[site b]\ndriver = slurm\n"
        "map = /home/alice => /scratch/alice\n"
        "map = /home/alice/data/ => /gpfs/data\n"
        "map = /opt => /\n"
        "[site root]\ndriver = slurm\nmap = / => /remote\n"
        "[site none]\ndriver = slurm\n");
    const struct hpcl__site_conf *b = hpcl__sites_get(s, "b");

    expect_map(f, b, "/home/alice/run/a.out", "/scratch/alice/run/a.out");
    expect_map(f, b, "/home/alice", "/scratch/alice");
    expect_map(f, b, "/home/alice/", "/scratch/alice/");
    expect_map(f, b, "/home/alice/data/x.h5", "/gpfs/data/x.h5");
    expect_map(f, b, "/home/alice/database", "/scratch/alice/database");
    expect_map(f, b, "/home/alicexyz/f", "/home/alicexyz/f");
    expect_map(f, b, "/opt/app/bin", "/app/bin");
    expect_map(f, b, "/opt", "/");
    expect_map(f, b, "out-%j.txt", "out-%j.txt"); /* relative: unchanged */
    expect_map(f, b, NULL, NULL);
    expect_map(f, hpcl__sites_get(s, "root"), "/home/a", "/remote/home/a");
    expect_map(f, hpcl__sites_get(s, "root"), "/", "/remote/");
    expect_map(f, hpcl__sites_get(s, "none"), "/home/a", "/home/a");
    assert_int_equal(hpcl__site_map_path(NULL, f->ctx, b, "/x"),
                     HPCL_E_INVAL);
    hpcl__sites_free(s);
}

static void sites_http_url_warns(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f,
        "[site r]\ndriver = slurmrestd\nurl = http://h:6820\n"
        "token_env = T\napi_version = v0.0.40\n");

    assert_string_equal(s->site[0].api_version, "v0.0.40");
    assert_non_null(strstr(f->logs, ":3: site 'r' uses http://"));
    hpcl__sites_free(s);
    /* Loopback traffic stays on the machine: no warning. */
    f->logs[0] = '\0';
    s = parse_ok(f, "[site r]\ndriver = slurmrestd\n"
                    "url = http://127.0.0.1:6820\ntoken_env = T\n");
    assert_null(strstr(f->logs, "uses http://"));
    hpcl__sites_free(s);
}

/* accounting = auto (the default) | yes | no, per site; anything else is
 * refused, naming the line and the values. */
static void sites_accounting_key(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s;

    s = parse_ok(f, "[site a]\ndriver = slurm\n"
                    "[site b]\ndriver = slurm\naccounting = yes\n"
                    "[site c]\ndriver = slurmrestd\n"
                    "url = https://c.example.org\ntoken_env = T\n"
                    "accounting = no\n"
                    "[site d]\ndriver = slurm\naccounting = auto\n");
    assert_int_equal(s->site[0].accounting, HPCL__ACCT_AUTO);
    assert_int_equal(s->site[1].accounting, HPCL__ACCT_YES);
    assert_int_equal(s->site[2].accounting, HPCL__ACCT_NO);
    assert_int_equal(s->site[3].accounting, HPCL__ACCT_AUTO);
    hpcl__sites_free(s);
    parse_fails(f, "[site a]\ndriver = slurm\naccounting = maybe\n", 3,
                "key 'accounting' must be yes, no or auto, not 'maybe'");
    parse_fails(f, "[defaults]\naccounting = yes\n", 2, "accounting");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* Economics and data keys (site_econ.c): units, the endpoint's parts,
 * [defaults] inheritance and the one-currency rule. */
static void sites_econ_keys(void **state)
{
    struct fixture *f = *state;
    struct hpcl__sites *s = parse_ok(f,
        "[defaults]\ncurrency = EUR\npower_per_core = 12\n"
        "[site a]\ndriver = slurm\nprice_core_hour = 0.02\n"
        "carbon_intensity = 400\n"
        "[site b]\ndriver = slurm\nprice_gpu_hour = 2.5\n"
        "data_endpoint = alice@dtn.example.org:2222:/scratch/stage/\n"
        "identity_file = /home/alice/.ssh/id_stage\nbandwidth = 125M\n"
        "rtt = 20ms\nbwlimit = 20M\n");
    const struct hpcl__site_econ *a = &s->site[0].econ, *b = &s->site[1].econ;

    assert_true(a->price_core_hour == 0.02 && a->have_carbon &&
                a->carbon_g_kwh == 400 && a->power_core_w == 12 &&
                a->power_gpu_w == 300);
    assert_string_equal(a->currency, "EUR");
    assert_null(a->data_host);
    assert_false(b->have_carbon);
    assert_string_equal(b->data_user, "alice");
    assert_string_equal(b->data_host, "dtn.example.org");
    assert_int_equal(b->data_port, 2222);
    assert_string_equal(b->data_root, "/scratch/stage");
    assert_true(b->bandwidth_bps == 125e6 && b->rtt_ms == 20 &&
                b->bwlimit_kbps == 20000 && b->price_gpu_hour == 2.5);
    hpcl__sites_free(s);
    parse_fails(f, "[site a]\ndriver = slurm\ndata_endpoint = dtn:22:/x\n",
                3, "USER@HOST:PORT:/ROOT");
    parse_fails(f, "[site a]\ndriver = slurm\n"
                "data_endpoint = u@dtn:99999:/x\n", 3, "from 1 to 65535");
    parse_fails(f, "[site a]\ndriver = slurm\nbandwidth = fast\n", 3,
                "bytes per second");
    parse_fails(f, "[site a]\ndriver = slurm\nprice_core_hour = -1\n", 3,
                "a price per core-hour");
    parse_fails(f, "[site a]\ndriver = slurm\ncurrency = EUR\n"
                "[site b]\ndriver = slurm\ncurrency = USD\n", 4,
                "does not convert currencies");
}

HPCL_TEST_MAIN(NULL, NULL,
               T(sites_example_parses),
               T(sites_defaults_apply_wherever_they_are),
               T(sites_durations_take_slurm_and_unit_forms),
               T(sites_preference_orders_sites),
               T(sites_indented_keys_and_comments),
               T(sites_only_defaults_keeps_local),
               T(sites_builtin_is_local_slurm),
               T(sites_errors_name_file_line_and_key),
               T(sites_long_lines_are_refused_not_split),
               T(sites_unreadable_files),
               T(sites_lookup_order),
               T(sites_named_file_must_exist),
               T(sites_load_follows_lookup),
               T(token_file_is_read_and_trimmed),
               T(token_file_refused_unless_private),
               T(token_file_bad_contents),
               T(token_file_too_large),
               T(token_env_is_read),
               T(map_longest_prefix_wins),
               T(sites_http_url_warns),
               T(sites_accounting_key),
               T(sites_econ_keys))
