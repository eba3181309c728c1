/* A minimal TAP producer for the core's unit tests, read by `prove`.
 * The plan is printed at the end ("done_testing"), so tests can be added
 * without counting them. */
#ifndef LEADS_TAP_H
#define LEADS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_run;
static int tap_failed;

static inline int tap_ok(int cond, const char *name, const char *file,
                         int line)
{
    tap_run++;
    printf("%sok %d - %s\n", cond ? "" : "not ", tap_run, name);
    if (!cond) {
        tap_failed++;
        printf("#   Failed test '%s'\n#   at %s line %d.\n", name, file, line);
    }
    return cond;
}

static inline int tap_is_str(const char *got, const char *expected,
                             const char *name, const char *file, int line)
{
    int same = (got == NULL || expected == NULL) ? got == expected
                                                 : strcmp(got, expected) == 0;

    if (!tap_ok(same, name, file, line)) {
        printf("#          got: %s%s%s\n", got ? "'" : "", got ? got : "NULL",
               got ? "'" : "");
        printf("#     expected: %s%s%s\n", expected ? "'" : "",
               expected ? expected : "NULL", expected ? "'" : "");
    }
    return same;
}

static inline int tap_is_int(long long got, long long expected,
                             const char *name, const char *file, int line)
{
    if (!tap_ok(got == expected, name, file, line)) {
        printf("#          got: %lld\n#     expected: %lld\n", got, expected);
        return 0;
    }
    return 1;
}

/* Prints the plan; the program's exit status says whether all passed. */
static inline int tap_done(void)
{
    printf("1..%d\n", tap_run);
    return tap_failed != 0;
}

#define ok(cond, name)  tap_ok((cond) ? 1 : 0, (name), __FILE__, __LINE__)
#define is_str(got, expected, name) \
    tap_is_str((got), (expected), (name), __FILE__, __LINE__)
#define is_int(got, expected, name) \
    tap_is_int((got), (expected), (name), __FILE__, __LINE__)

#endif
