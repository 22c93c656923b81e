/* Values of sbatch options that need more than a number: --begin and
 * --signal, read as sbatch 22.05 reads them (its parse_time() and
 * get_signal_opts()). */
#define _POSIX_C_SOURCE 200809L /* localtime_r */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* A decimal number of at most 9 digits at *s, advanced past it. */
static int number(const char **s, long *v)
{
    char *end;

    if (!isdigit((unsigned char)**s))
        return -1;
    errno = 0;
    *v = strtol(*s, &end, 10);
    if (errno != 0 || end - *s > 9)
        return -1;
    *s = end;
    return 0;
}

/* "now+N[units]": seconds by default, as sbatch. */
static long long relative(const char *s, time_t now)
{
    static const struct {
        const char *unit;
        long seconds;
    } units[] = {{"", 1},          {"s", 1},          {"sec", 1},
                 {"second", 1},    {"seconds", 1},    {"m", 60},
                 {"min", 60},      {"minute", 60},    {"minutes", 60},
                 {"h", 3600},      {"hour", 3600},    {"hours", 3600},
                 {"d", 86400},     {"day", 86400},    {"days", 86400},
                 {"w", 604800},    {"week", 604800},  {"weeks", 604800}};
    long v;
    int sign;

    if (*s == '\0')
        return now;
    if (*s != '+' && *s != '-')
        return -1;
    sign = *s++ == '-' ? -1 : 1;
    if (number(&s, &v) != 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strcasecmp(s, units[i].unit) == 0)
            return now + sign * (long long)v * units[i].seconds;
    return -1;
}

/* HH:MM[:SS] at *s into tm, s advanced. */
static int clock_time(const char **s, struct tm *tm)
{
    long h, m, sec = 0;

    if (number(s, &h) != 0 || **s != ':' || (++*s, number(s, &m)) != 0)
        return -1;
    if (**s == ':' && (++*s, number(s, &sec)) != 0)
        return -1;
    if (h > 23 || m > 59 || sec > 59)
        return -1;
    tm->tm_hour = (int)h;
    tm->tm_min = (int)m;
    tm->tm_sec = (int)sec;
    return 0;
}

/* YYYY-MM-DD[THH:MM[:SS]] or MM/DD[/YY][-HH:MM[:SS]] into tm: 0, 1 when
 * no year was given, -1 on error. */
static int date(const char *s, struct tm *tm)
{
    long a, b, c = -1;

    if (number(&s, &a) != 0)
        return -1;
    if (*s == '-') { /* ISO */
        if ((++s, number(&s, &b)) != 0 || *s != '-' ||
            (++s, number(&s, &c)) != 0)
            return -1;
        tm->tm_year = (int)a - 1900;
        tm->tm_mon = (int)b - 1;
        tm->tm_mday = (int)c;
        if (*s == 'T')
            return (++s, clock_time(&s, tm)) != 0 || *s != '\0' ? -1 : 0;
        return *s == '\0' ? 0 : -1;
    }
    if (*s != '/' || (++s, number(&s, &b)) != 0)
        return -1;
    if (*s == '/' && ((++s, number(&s, &c)) != 0 || c > 99))
        return -1;
    tm->tm_mon = (int)a - 1;
    tm->tm_mday = (int)b;
    if (c >= 0)
        tm->tm_year = (int)c + 100;
    if ((*s == '-' || *s == 'T') &&
        ((++s, clock_time(&s, tm)) != 0 || *s != '\0'))
        return -1;
    return *s != '\0' ? -1 : c < 0;
}

long long cli_parse_begin(const char *text, time_t now)
{
    static const struct {
        const char *word;
        int hour, day;
    } words[] = {{"midnight", 0, 1}, {"noon", 12, 0},  {"elevenses", 11, 0},
                 {"fika", 15, 0},    {"teatime", 16, 0}, {"today", 0, 0},
                 {"tomorrow", 0, 1}};
    struct tm tm;
    const char *s = text;
    time_t t;
    int yearless;

    if (strncasecmp(text, "now", 3) == 0)
        return relative(text + 3, now);
    if (localtime_r(&now, &tm) == NULL)
        return -1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcasecmp(text, words[i].word) == 0) {
            tm.tm_hour = words[i].hour;
            tm.tm_mday += words[i].day;
            /* A time of day already past means tomorrow's, as sbatch. */
            if ((t = mktime(&tm)) < now && words[i].hour > 0) {
                tm.tm_mday++;
                t = mktime(&tm);
            }
            return t;
        }
    if (strchr(text, '/') == NULL && strchr(text, '-') == NULL) {
        if (clock_time(&s, &tm) != 0 || *s != '\0')
            return -1;
        if ((t = mktime(&tm)) < now) {
            tm.tm_mday++;
            t = mktime(&tm);
        }
        return t;
    }
    if ((yearless = date(text, &tm)) < 0 || tm.tm_mon < 0 ||
        tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    /* MM/DD already past this year means next year's, as sbatch. */
    if ((t = mktime(&tm)) < now && yearless) {
        tm.tm_year++;
        t = mktime(&tm);
    }
    return t;
}

static int signal_number(const char *s, size_t len)
{
    static const struct {
        const char *name;
        int no;
    } names[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},
                 {"ABRT", SIGABRT}, {"KILL", SIGKILL}, {"ALRM", SIGALRM},
                 {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
                 {"URG", SIGURG},   {"CONT", SIGCONT}, {"STOP", SIGSTOP},
                 {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
                 {"XCPU", SIGXCPU}, {"PWR", SIGPWR}};
    long v;

    if (isdigit((unsigned char)s[0])) {
        const char *p = s;
        return number(&p, &v) == 0 && (size_t)(p - s) == len && v > 0 &&
                       v < 65
                   ? (int)v
                   : -1;
    }
    if (len > 3 && strncasecmp(s, "SIG", 3) == 0) {
        s += 3;
        len -= 3;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i].name) == len &&
            strncasecmp(s, names[i].name, len) == 0)
            return names[i].no;
    return -1;
}

int cli_parse_signal(const char *text, int *signo, unsigned *seconds,
                     unsigned *flags)
{
    const char *at, *s = text;
    long t = 60; /* sbatch's default warning time */

    *flags = 0;
    if ((s[0] == 'B' || s[0] == 'R') && s[1] == ':') {
        *flags = s[0] == 'B' ? HPCL_SIGNAL_BATCH_ONLY
                             : HPCL_SIGNAL_RESERVATION;
        s += 2;
    } else if (strncmp(s, "RB:", 3) == 0 || strncmp(s, "BR:", 3) == 0) {
        *flags = HPCL_SIGNAL_BATCH_ONLY | HPCL_SIGNAL_RESERVATION;
        s += 3;
    }
    at = strchr(s, '@');
    if ((*signo = signal_number(s, at ? (size_t)(at - s) : strlen(s))) < 0)
        return -1;
    if (at != NULL) {
        const char *p = at + 1;
        if (number(&p, &t) != 0 || *p != '\0' || t > 0xffff)
            return -1;
    }
    *seconds = (unsigned)t;
    return 0;
}
