/* Shared by the CMocka unit tests: TAP output for automake's driver. */
#ifndef HPCL_TEST_H
#define HPCL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define HPCL_TEST_MAIN(setup, teardown, ...)                               \
    int main(void)                                                         \
    {                                                                      \
        const struct CMUnitTest tests[] = {__VA_ARGS__};                   \
        /* A failure's message (stderr) next to its "not ok" (stdout). */  \
        setvbuf(stdout, NULL, _IOLBF, 0);                                  \
        cmocka_set_message_output(CM_OUTPUT_TAP);                          \
        return cmocka_run_group_tests(tests, setup, teardown);             \
    }

#endif
