#!/bin/sh
# Man pages agree with the headers and symbols.txt, render without warnings,
# and the code in each EXAMPLE section compiles (TAP).
src="${top_srcdir:-.}"; build="${top_builddir:-.}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
say() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

grep -ho '^HPCL_API[^(]*(' "$src"/include/hpclaunch/*.h | sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | sort -u > "$tmp/api"
awk '!/^#/ && NF {print $1}' "$src/man/symbols.txt" | sort -u > "$tmp/symbols"
# man3 also holds the Fortran module's page (hpclaunch-fortran.3): only
# hpcl_* pages are function pages.
(cd "$src/man/man3" && ls hpcl_*.3 | sed 's/\.3$//') | sort -u > "$tmp/man3"
pages=$(cd "$src/man" && ls man1/*.1 man3/*.3 man5/*.5 man7/*.7 2>/dev/null)
set -- $pages
echo "1..$((4 + $#))"

diff "$tmp/api" "$tmp/symbols" > "$tmp/d1"; say $? "symbols.txt lists exactly the public functions"
sed 's/^/# /' "$tmp/d1"
diff "$tmp/api" "$tmp/man3" > "$tmp/d2"; say $? "every public function has its man3 page, and no other man3 page"
sed 's/^/# /' "$tmp/d2"
cp "$src/man/pages.am" "$tmp/pages.am.old"
cp -r "$src/man" "$tmp/mancopy" && chmod -R u+w "$tmp/mancopy" && sh "$tmp/mancopy/update-pages.sh"
cmp -s "$tmp/pages.am.old" "$tmp/mancopy/pages.am"; say $? "man/pages.am is current (run man/update-pages.sh)"

# EXAMPLE sections: the text between .EX and .EE is a C program, except
# on the Fortran module's page (compiled against the built module when
# there is one) and the Python package's (compiled by python3 when found).
fails=0
for p in "$src"/man/man3/*.3 "$src"/man/man7/*.7; do
    [ -f "$p" ] || continue
    grep -q '^\.EX' "$p" || continue
    awk '/^\.SH EXAMPLE/{e=1;next} /^\.SH/{e=0} e&&/^\.EE/{x=0} e&&x{print} e&&/^\.EX/{x=1}' "$p" |
        sed -e 's/\\e/\\/g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g' > "$tmp/ex.c"
    [ -s "$tmp/ex.c" ] || continue
    case $p in
    *-fortran.3)
        [ -n "$FC" ] && [ -f "$build/fortran/hpclaunch.mod" ] || continue
        mv "$tmp/ex.c" "$tmp/ex.f90"
        compile() { $FC -fopenmp -I"$build/fortran" -fsyntax-only "$tmp/ex.f90"; } ;;
    *-python.7)
        command -v "${PYTHON:-python3}" >/dev/null 2>&1 || continue
        mv "$tmp/ex.c" "$tmp/ex.py"
        compile() { "${PYTHON:-python3}" -m py_compile "$tmp/ex.py"; } ;;
    *)
        compile() { ${CC:-cc} -std=c11 -Wall -Wextra -Werror -I"$src/include" \
            -I"$build/include" -c "$tmp/ex.c" -o "$tmp/ex.o"; } ;;
    esac
    if ! compile 2> "$tmp/err"; then
        echo "# EXAMPLE in $p does not compile:"; sed 's/^/#   /' "$tmp/err"; fails=1
    fi
done
say $fails "every EXAMPLE section compiles"

for page in "$@"; do
    (cd "$src/man" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null) > "$tmp/w"
    [ -s "$tmp/w" ]; ok=$((1 - $?))
    say $ok "man -l $page renders without warnings"
    sed 's/^/# /' "$tmp/w"
done
