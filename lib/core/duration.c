/* Durations: see duration.h. */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "duration.h"

/* A year and a day: anything longer is a typo, not a wait. */
#define DURATION_MAX_MS (366LL * 86400 * 1000)

static long long unit_ms(const char **s)
{
    static const struct {
        const char *name;
        long long ms;
    } units[] = {{"ms", 1},          {"s", 1000},       {"m", 60000},
                 {"h", 3600000},     {"d", 86400000}};

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);

        if (strncmp(*s, units[i].name, n) == 0) {
            *s += n;
            return units[i].ms;
        }
    }
    return 0;
}

int hpcl__duration_parse(long *out_ms, const char *text)
{
    const char *s = text;
    long long total = 0, prev = DURATION_MAX_MS;

    if (text == NULL || *text == '\0')
        return -1;
    while (*s != '\0') {
        const char *start = s;
        long long v = 0, unit;

        if (*s < '0' || *s > '9')
            return -1;
        for (; *s >= '0' && *s <= '9'; s++)
            if ((v = v * 10 + (*s - '0')) > DURATION_MAX_MS)
                return -1;
        /* A bare number is seconds, but only on its own: "1h30" might
         * mean 1h30m or 1h30s, so it is refused. */
        unit = *s == '\0' && start == text ? 1000 : unit_ms(&s);
        /* Units largest first, each once: "30m1h" is most likely a typo. */
        if (unit == 0 || unit >= prev ||
            (total += v * unit) > DURATION_MAX_MS || total > LONG_MAX)
            return -1;
        prev = unit;
    }
    *out_ms = (long)total;
    return 0;
}
