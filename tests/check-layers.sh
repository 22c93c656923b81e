#!/bin/sh
# The library's layers (tests/check-layers.py): no file-level cycle among
# its objects, dependencies pointing down only (TAP).
exec python3 "${top_srcdir:-.}/tests/check-layers.py" "${top_srcdir:-.}" \
    "${top_builddir:-.}/lib"
