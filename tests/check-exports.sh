#!/bin/sh
# The shared library exports hpcl_[a-z]* and nothing else (TAP).
lib="${top_builddir:-.}/lib/.libs/libhpclaunch.so"
echo "1..2"
if [ ! -f "$lib" ]; then
    echo "not ok 1 - $lib exists (build the shared library)"; echo "ok 2 # SKIP"; exit 0
fi
names=$(nm -D --defined-only "$lib" | awk '{print $3}')
bad=$(printf '%s\n' "$names" | grep -v '^hpcl_[a-z]' | grep -v '^$')
if [ -z "$bad" ]; then echo "ok 1 - only hpcl_ symbols exported"
else echo "not ok 1 - symbols outside ^hpcl_[a-z]:"; printf '%s\n' "$bad" | sed 's/^/# /'; fi
if printf '%s\n' "$names" | grep -q '^hpcl_strerror$'; then echo "ok 2 - hpcl_strerror exported"
else echo "not ok 2 - hpcl_strerror not exported"; fi
