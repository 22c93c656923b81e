/*
 * What the libFuzzer harnesses of tests/fuzz share: the input as a
 * NUL-terminated string, or as a file that the library opens by name
 * (a memfd: a regular file that never touches the disk, so that runs in
 * parallel do not collide and nothing is left behind).
 */
#ifndef HPCL_FUZZ_UTIL_H
#define HPCL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <hpclaunch.h>

/* data as a malloc'd NUL-terminated copy (NULs inside kept: the reader
 * sees the text up to the first one, as a C caller would). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* A file holding data: its path ("/proc/self/fd/N") in path, the
 * descriptor returned (close it after), -1 on failure. */
int fuzz_file(char *path, size_t len, const uint8_t *data, size_t size);

/* A context whose log goes nowhere (a finding must not hide in output). */
hpcl_ctx *fuzz_ctx(void);

#endif
