#!/usr/bin/env bash
# Perl pprof's remaining options (issue 15 item 2): each is accepted with its Perl
# meaning or refused with a one-line reason, never "unknown option".
#  - every option of Perl pprof's usage text (google-pprof --help) is known;
#  - --tools: accepted, one note on stderr however often it is given, the report unchanged;
#  - --seconds, --contentions, --mean_delay, --total_delay, --test, --test_stride,
#    --debug, --gif: exit 2, one line naming the option and why;
#  - --add_lib=LIB: addresses at LIB's link-time .text addresses are named from LIB,
#    as Perl pprof names them (its --text output, run here, is the expectation);
#  - --lib_prefix=A,B: a library recorded at a path that does not exist is found
#    under a prefix (Perl's FindLibrary), its functions named as Perl names them.
# Needs ../shared/corpus (skips without it); the Perl comparisons need google-pprof.
set -u
src=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
pprof=${PPROF:-$src/build/cli/pprof}
corpus=$src/../shared/corpus
[ -d "$corpus/03-shlib" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
corpus=$(cd "$corpus" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "not ok: $*"; fail=1; }
export PPROF_BINARY_PATH=$corpus/bin:$corpus/lib
seed=$corpus/bin/seed
heap=$corpus/01-seed/seed-preload.0001.heap
perl=$(command -v google-pprof || true)

# every option Perl's usage text lists
if [ -n "$perl" ]; then
  opts=$("$perl" --help 2>&1 | grep -oE '^ +--[a-z_-]+' | tr -d ' ' | sort -u)
  for o in $opts; do
    case $o in --list|--disasm|--focus|--ignore|--base|--add_lib|--lib_prefix|--tools|--seconds|--nodecount|--nodefraction|--edgefraction|--maxdegree|--scale) arg="$o=1" ;; *) arg=$o ;; esac
    err=$("$pprof" "$arg" --help 2>&1 >/dev/null)
    if grep -q "unknown option" <<<"$err"; then bad "$o: $err"; fi
  done
  ok "every option of Perl pprof's usage text is known ($(wc -w <<<"$opts") options)"
else
  echo "skipped: no google-pprof: usage-text check"
fi

# --tools
"$pprof" --text "$seed" "$heap" >"$tmp/plain" 2>/dev/null
"$pprof" --tools=/opt/x --tools=/opt/y --text "$seed" "$heap" >"$tmp/tools" 2>"$tmp/tools.err"; rc=$?
n=$(grep -c -- "--tools ignored" "$tmp/tools.err")
if [ $rc = 0 ] && [ "$n" = 1 ] && cmp -s "$tmp/plain" "$tmp/tools"; then ok "--tools accepted, said once"
else bad "--tools: exit $rc, $n notes, report $(cmp -s "$tmp/plain" "$tmp/tools" && echo same || echo changed)"; fi

# options that mean nothing for heap profiles
for o in --seconds=5 --contentions --mean_delay --total_delay --test --test_stride=2 --debug --gif; do
  "$pprof" "$o" --text "$seed" "$heap" >/dev/null 2>"$tmp/err"; rc=$?
  name=${o%%=*}
  if [ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && { grep -q "^pprof: $name " "$tmp/err" || { [ "$name" = --gif ] && grep -q -- "--png" "$tmp/err"; }; } &&
     ! grep -q "unknown option" "$tmp/err"; then ok "$o refused: $(cut -c1-90 "$tmp/err")"
  else bad "$o: exit $rc: $(cat "$tmp/err")"; fi
done

# --add_lib: return addresses inside libcorpus_linked.so's functions, at link-time addresses
lib=$corpus/lib/libcorpus_linked.so
printf 'heap profile:    2:      300 [     2:      300] @ heapprofile\n     1:      100 [     1:      100] @ 0x000000000000117d 0x00000000000011cc\n     1:      200 [     1:      200] @ 0x00000000000011cc\n\nMAPPED_LIBRARIES:\n' >"$tmp/addlib.heap"
"$pprof" --text --add_lib="$lib" "$seed" "$tmp/addlib.heap" >"$tmp/addlib.got" 2>"$tmp/err"
if ! grep -q linked_lib_call_back "$tmp/addlib.got"; then bad "--add_lib: $(cat "$tmp/addlib.got" "$tmp/err")"
elif [ -n "$perl" ]; then
  "$perl" --text --add_lib="$lib" "$seed" "$tmp/addlib.heap" >"$tmp/addlib.ref" 2>/dev/null
  if cmp -s "$tmp/addlib.ref" "$tmp/addlib.got"; then ok "--add_lib as Perl pprof"
  else bad "--add_lib differs from Perl pprof"; diff "$tmp/addlib.ref" "$tmp/addlib.got"; fi
else ok "--add_lib names the library's functions (no google-pprof to compare)"; fi
"$pprof" --text --add_lib=/nonexistent.so "$seed" "$tmp/addlib.heap" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc != 0 ] && [ "$(wc -l <"$tmp/err")" = 1 ]; then ok "--add_lib of a missing file: $(cat "$tmp/err")"
else bad "--add_lib missing file: exit $rc: $(cat "$tmp/err")"; fi

# --lib_prefix: the libraries recorded under a folder that does not exist
sed "s#/opt/hprof-corpus/#/nonexistent/deep/#g" "$corpus/03-shlib/shlib.0001.heap" >"$tmp/shlib.heap"
fns='plugin_entry|lib_internal_alloc|linked_lib_alloc|linked_lib_call_back'
PPROF_BINARY_PATH= "$pprof" --text "$corpus/bin/shlib" "$tmp/shlib.heap" >"$tmp/np.got" 2>/dev/null
PPROF_BINARY_PATH= "$pprof" --text --lib_prefix=/nonexistent/x,"$corpus" "$corpus/bin/shlib" "$tmp/shlib.heap" >"$tmp/lp.got" 2>"$tmp/err"
if grep -qE "$fns" "$tmp/np.got"; then bad "--lib_prefix: libraries found without it (test is void)"
elif ! grep -qE "$fns" "$tmp/lp.got"; then bad "--lib_prefix: library functions not named: $(cat "$tmp/err")"
elif [ -n "$perl" ]; then
  PPROF_BINARY_PATH= "$perl" --text --lib_prefix=/nonexistent/x,"$corpus" "$corpus/bin/shlib" "$tmp/shlib.heap" 2>/dev/null >"$tmp/lp.ref"
  if diff <(grep -E " ($fns)\$" "$tmp/lp.ref") <(grep -E " ($fns)\$" "$tmp/lp.got") >"$tmp/d"; then
    ok "--lib_prefix: the libraries' rows as Perl pprof's ($(grep -cE " ($fns)\$" "$tmp/lp.got"))"
  else bad "--lib_prefix rows differ from Perl pprof"; cat "$tmp/d"; fi
else ok "--lib_prefix finds the libraries (no google-pprof to compare)"; fi
exit $fail
