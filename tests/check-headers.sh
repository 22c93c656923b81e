#!/bin/sh
# Each public header compiles alone, pedantic C99 and C++ (TAP).
src="${top_srcdir:-.}"; build="${top_builddir:-.}"
headers=$(cd "$src/include" && ls hpclaunch.h hpclaunch/*.h)
n=$(printf '%s\n' $headers | wc -l)
echo "1..$((n * 2))"
i=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for h in $headers; do
    printf '#include <%s>\nint hpcl_header_test;\n' "$h" > "$tmp/t.c"
    cp "$tmp/t.c" "$tmp/t.cpp"
    i=$((i + 1))
    if ${CC:-cc} -std=c99 -Wall -Wextra -pedantic -Werror -I"$src/include" -I"$build/include" \
        -c "$tmp/t.c" -o "$tmp/t.o" 2>"$tmp/err"; then echo "ok $i - $h alone as C99"
    else echo "not ok $i - $h alone as C99"; sed 's/^/# /' "$tmp/err"; fi
    i=$((i + 1))
    if ${CXX:-c++} -Wall -Wextra -pedantic -Werror -I"$src/include" -I"$build/include" \
        -c "$tmp/t.cpp" -o "$tmp/t.o" 2>"$tmp/err"; then echo "ok $i - $h alone as C++"
    else echo "not ok $i - $h alone as C++"; sed 's/^/# /' "$tmp/err"; fi
done
