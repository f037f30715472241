#!/usr/bin/env bash
# The libraries of single features are loaded on first use (common/hp_dlopen.h):
#  - none of libmicrohttpd, capstone, cairo, libgvc, libcgraph is a DT_NEEDED of pprof
#    (readelf -d), while the program does have its other NEEDED entries;
#  - with each of them made unloadable (a file of its SONAME that is no ELF object,
#    or a library without its functions, first in LD_LIBRARY_PATH: dlopen() finds
#    it before the system's copy), --text, --stacks and --collapsed still write
#    exactly what they write normally, and the feature that needs the library
#    (--http, --disasm, --png/--pdf/--ps/--svg) fails with exit status 1 and one
#    line "pprof: --OPTION: cannot load SONAME: <dlerror>", no crash.
set -u
PPROF=$(readlink -f "${PPROF:?}")
src=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
testdata=$src/testdata
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 checked=0
export LC_ALL=C PPROF_BINARY_PATH=$testdata/bin XDG_CACHE_HOME=$tmp/cache
bad() { echo "FAIL $*"; fail=$((fail+1)); }
ok() { checked=$((checked+1)); }
prog=$testdata/bin/seed prof=$testdata/heap/seed.0001.heap

# the SONAME the build links against, read from the development library
soname() {
  local so
  so=$(pkg-config --variable=libdir "$1")/lib$2.so
  readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p'
}
declare -A SONAME=(
  [microhttpd]=$(soname libmicrohttpd microhttpd) [capstone]=$(soname capstone capstone)
  [cairo]=$(soname cairo cairo) [gvc]=$(soname libgvc gvc) [cgraph]=$(soname libcgraph cgraph))

# ---- not NEEDED ----
readelf -d "$PPROF" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >"$tmp/needed"
grep -qx 'libc.so.6' "$tmp/needed" && ok || bad "readelf -d lists no libc.so.6 NEEDED: $(cat "$tmp/needed")"
for lib in "${!SONAME[@]}"; do
  [ -n "${SONAME[$lib]}" ] || { bad "no SONAME found for $lib"; continue; }
  if grep -qx "${SONAME[$lib]}" "$tmp/needed"; then bad "${SONAME[$lib]} is NEEDED by pprof"; else ok; fi
done

# ---- unloadable ----
for m in text stacks collapsed; do
  "$PPROF" "--$m" "$prog" "$prof" >"$tmp/$m.want" 2>/dev/null || bad "--$m exit $?"
done
# hide LIB [stub] -> LD_LIBRARY_PATH value with an unloadable SONAME of LIB
hide() {
  local d=$tmp/hide-$1-${2:-empty}
  mkdir -p "$d"
  if [ "${2:-}" = stub ]; then
    echo 'int hp_dlopen_test_stub;' >"$d/stub.c"
    ${CC:-cc} -shared -fPIC -o "$d/${SONAME[$1]}" "$d/stub.c" || bad "cannot build a stub library"
  else
    : >"$d/${SONAME[$1]}"
  fi
  echo "$d"
}
# expect_fail LIB KIND OPTION... : the one-line refusal of the feature
expect_fail() {
  local lib=$1 kind=$2 opt=$3; shift 3
  local dir rc
  dir=$(hide "$lib" "$kind")
  LD_LIBRARY_PATH=$dir timeout 60 "$PPROF" "$opt" "$@" "$prog" "$prof" \
    >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  local name=${opt%%=*}
  local want="pprof: $name: cannot load ${SONAME[$lib]}: $dir/${SONAME[$lib]}: "
  if [ "$rc" != 1 ]; then bad "$opt without $lib ($kind): exit $rc, want 1: $(cat "$tmp/err")"
  elif [ "$(grep -c '^pprof: ' "$tmp/err")" != 1 ] || ! grep -qF "$want" "$tmp/err"; then
    bad "$opt without $lib ($kind): stderr '$(cat "$tmp/err")', want one line '$want...'"
  elif [ -s "$tmp/out" ]; then bad "$opt without $lib ($kind) wrote output"
  else ok; fi
}
for kind in empty stub; do
  expect_fail microhttpd "$kind" --http=127.0.0.1:0
  expect_fail capstone "$kind" --disasm=main
  for f in png pdf ps svg; do expect_fail cairo "$kind" "--$f"; done
  expect_fail cgraph "$kind" --svg
  expect_fail gvc "$kind" --png
done
# the stub's message names the first missing function
dir=$(hide capstone stub)
LD_LIBRARY_PATH=$dir "$PPROF" --disasm=main "$prog" "$prof" 2>&1 >/dev/null |
  grep -q "undefined symbol: cs_" && ok || bad "--disasm with a stub capstone: no 'undefined symbol: cs_'"

# every library unloadable at once: the reports that need none of them are unchanged
all=
for lib in "${!SONAME[@]}"; do all=$all${all:+:}$(hide "$lib"); done
for m in text stacks collapsed; do
  if LD_LIBRARY_PATH=$all "$PPROF" "--$m" "$prog" "$prof" >"$tmp/$m.got" 2>"$tmp/err"; then
    cmp -s "$tmp/$m.want" "$tmp/$m.got" && ok || bad "--$m differs with the feature libraries hidden"
  else
    bad "--$m with the feature libraries hidden: exit $?: $(cat "$tmp/err")"
  fi
done

echo "dlopen: $checked checks, $fail failures"
[ "$fail" = 0 ]
