/* Durations: see duration.h and hpclaunch(7), TIME FORMATS. */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "duration.h"

#define MS_PER_DAY (86400LL * 1000)
#define MAX_MS (HPCL__DUR_MAX_DAYS * MS_PER_DAY)
/* Digits of one number: enough for any accepted duration in ms, few
 * enough that no product below overflows a long long. */
#define MAX_DIGITS 13

/* Read the digits at *s (at most MAX_DIGITS) into *v; 0 when none. */
static int digits(const char **s, long long *v, int *count)
{
    int n = 0;

    *v = 0;
    for (; **s >= '0' && **s <= '9'; (*s)++)
        if (++n > MAX_DIGITS)
            return 0;
        else
            *v = *v * 10 + (**s - '0');
    if (count != NULL)
        *count = n;
    return n > 0;
}

/*
 * Slurm's forms, as sbatch --time reads them: [D-]fields, where without
 * days 2 fields are MM:SS and 3 are HH:MM:SS, and with days 1, 2 or 3
 * fields are HH, HH:MM, HH:MM:SS.  Slurm does not check that minutes are
 * below 60 ("0:90" is 90 s), nor does this.
 */
static int slurm_form(long long *out_ms, const char *text)
{
    const char *s = text, *dash = strchr(text, '-');
    long long days = 0, f[3] = {0, 0, 0};
    int n = 0;

    if (dash != NULL) {
        if (!digits(&s, &days, NULL) || s != dash)
            return HPCL__DUR_ESYNTAX;
        s++;
    }
    for (;;) {
        if (n == 3 || !digits(&s, &f[n++], NULL))
            return HPCL__DUR_ESYNTAX;
        if (f[n - 1] > 1000000000LL) /* hours beyond any limit */
            return HPCL__DUR_ERANGE;
        if (*s == '\0')
            break;
        if (*s++ != ':')
            return HPCL__DUR_ESYNTAX;
    }
    if (dash == NULL && n == 2) /* MM:SS */
        f[2] = f[1], f[1] = f[0], f[0] = 0;
    if (days > HPCL__DUR_MAX_DAYS)
        return HPCL__DUR_ERANGE;
    /* Each field is at most 10^9: the sum cannot overflow. */
    *out_ms = days * MS_PER_DAY + f[0] * 3600000LL + f[1] * 60000LL +
              f[2] * 1000LL;
    return *out_ms > MAX_MS ? HPCL__DUR_ERANGE : HPCL__DUR_OK;
}

static long long unit_ms(const char **s)
{
    /* "ms" before "m": the longest name first. */
    static const struct {
        const char *name;
        long long ms;
    } units[] = {{"ms", 1},      {"s", 1000},     {"m", 60000},
                 {"h", 3600000}, {"d", MS_PER_DAY}};

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);

        if (strncmp(*s, units[i].name, n) == 0) {
            *s += n;
            return units[i].ms;
        }
    }
    return 0;
}

/* One term "1", "1.5" (no unit yet): its whole and fraction parts. */
struct term {
    long long whole, frac, scale; /* value = whole + frac / scale */
};

static int read_term(const char **s, struct term *t)
{
    int n = 0;

    t->frac = 0;
    t->scale = 1;
    if (!digits(s, &t->whole, NULL))
        return 0;
    if (**s != '.')
        return 1;
    (*s)++;
    if (!digits(s, &t->frac, &n) || n > 9)
        return 0;
    while (n-- > 0)
        t->scale *= 10;
    return 1;
}

/*
 * Unit forms: terms "<number><unit>", units largest first and each once
 * ("30m1h" is most likely a typo), or one bare number in the caller's
 * unit.  "1h30" is refused: it might mean 1h30m or 1h30s.  A fraction
 * is rounded up to the millisecond.
 */
static int unit_form(long long *out_ms, const char *text, unsigned flags)
{
    const char *s = text;
    long long total = 0, prev = MAX_MS + 1;

    while (*s != '\0') {
        struct term t;
        long long unit;

        if (!read_term(&s, &t))
            return HPCL__DUR_ESYNTAX;
        if (*s == '\0' && total == 0 && prev > MAX_MS)
            unit = flags & HPCL__DUR_BARE_MINUTES ? 60000 : 1000;
        else if ((unit = unit_ms(&s)) == 0 || unit >= prev)
            return HPCL__DUR_ESYNTAX;
        if (t.whole > MAX_MS / unit)
            return HPCL__DUR_ERANGE;
        /* frac < 10^9 and unit <= 8.64e7: no overflow. */
        total += t.whole * unit + (t.frac * unit + t.scale - 1) / t.scale;
        if (total > MAX_MS)
            return HPCL__DUR_ERANGE;
        prev = unit;
    }
    *out_ms = total;
    return HPCL__DUR_OK;
}

static int is_unlimited(const char *text)
{
    /* Slurm's words for no limit, and its -1. */
    return strcasecmp(text, "UNLIMITED") == 0 ||
           strcasecmp(text, "INFINITE") == 0 || strcmp(text, "-1") == 0;
}

int hpcl__duration_parse(long long *out_ms, const char *text,
                         unsigned flags)
{
    long long ms = 0;
    int r;

    if (text == NULL || *text == '\0')
        return HPCL__DUR_ESYNTAX;
    if (is_unlimited(text)) {
        if (!(flags & HPCL__DUR_UNLIMITED))
            return HPCL__DUR_EUNLIMITED;
        *out_ms = HPCL__DUR_INFINITE;
        return HPCL__DUR_OK;
    }
    if (strpbrk(text, ":-") != NULL)
        r = slurm_form(&ms, text);
    else
        r = unit_form(&ms, text, flags);
    if (r != HPCL__DUR_OK)
        return r;
    if (!(flags & HPCL__DUR_SUBSECOND) && ms % 1000 != 0)
        return HPCL__DUR_ESUBSECOND;
    *out_ms = ms;
    return HPCL__DUR_OK;
}

const char *hpcl__duration_why(int result)
{
    switch (result) {
    case HPCL__DUR_OK:
        return "a duration";
    case HPCL__DUR_ESUBSECOND:
        return "finer than a second, which is not counted here";
    case HPCL__DUR_ERANGE:
        return "longer than 100000 days";
    case HPCL__DUR_EUNLIMITED:
        return "unlimited, which is not allowed here";
    }
    return "not a duration";
}

#define FORMS_COMMON                                                         \
    "1:30 (MM:SS), 1:30:00 (HH:MM:SS), 2-12 (D-HH), 2-12:30 (D-HH:MM), "    \
    "2-12:30:00 (D-HH:MM:SS), 30s, 10m, 2h, 1d, 1h30m, 1.5h"
#define FORMS(bare, sub, unl)                                                \
    "a bare number counts " bare "; accepted: 90, " FORMS_COMMON sub unl    \
    " (see hpclaunch(7))"
#define SUB ", 500ms, 2.5"
#define UNL ", UNLIMITED"

const char *hpcl__duration_forms(unsigned flags)
{
    /* Indexed by the flags: minutes, unlimited, sub-second. */
    static const char *const forms[8] = {
        FORMS("seconds", "", ""),
        FORMS("minutes (as sbatch --time)", "", ""),
        FORMS("seconds", "", UNL),
        FORMS("minutes (as sbatch --time)", "", UNL),
        FORMS("seconds", SUB, ""),
        FORMS("minutes (as sbatch --time)", SUB, ""),
        FORMS("seconds", SUB, UNL),
        FORMS("minutes (as sbatch --time)", SUB, UNL),
    };

    return forms[flags & 7u];
}
