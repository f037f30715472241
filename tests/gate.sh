#!/usr/bin/env bash
# The CI gates (--fail-on-leaks, --fail-if-inuse-above) on the real corpus:
# a crossed gate prints the same report as without the gate, then one line on
# stderr saying why, and exits 3; a gate that holds changes nothing (exit 0).
#  - 01-seed's heap-checker file (seed-heapcheck._main_-end.heap: the 100
#    leaked 200-byte objects of Leak20000Func) fails --fail-on-leaks; on heap
#    profiler dumps (01-seed's, 05-series's) the gate is a usage error (exit 2);
#  - 05-series: in-use bytes of the last dump, and growth over --base, against
#    limits just below and just above the real values (computed here from
#    --text --show_bytes, not written down).
# 77 when ../shared/corpus is absent.
set -u
: "${PPROF:?}" "${SRCDIR:?}"
corpus=$SRCDIR/../shared/corpus
[ -d "$corpus/01-seed" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
export LC_ALL=C
bp=--binary_path=$corpus/bin:$corpus/lib
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
bad() { echo "not ok: $*"; fail=1; }

# gate NAME WANT_RC WANT_STDERR_LAST_LINE ARGS... : report with the gate equals
# the report without it; rc and the last stderr line are as wanted
gate() {
  local name=$1 rc=$2 why=$3; shift 3
  local args=() gated=()
  for a in "$@"; do
    case $a in --fail-*) gated+=("$a") ;; *) args+=("$a") ;; esac
  done
  n=$((n + 1))
  "$PPROF" "${args[@]}" >"$tmp/$name.plain" 2>/dev/null || { bad "$name: plain run failed"; return; }
  "$PPROF" "${args[@]}" "${gated[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local got=$?
  [ "$got" = "$rc" ] || bad "$name: exit $got, want $rc ($(tail -1 "$tmp/$name.err"))"
  cmp -s "$tmp/$name.plain" "$tmp/$name.out" || bad "$name: the report differs from the ungated one"
  if [ -n "$why" ]; then
    [ "$(tail -1 "$tmp/$name.err")" = "$why" ] || bad "$name: stderr '$(tail -1 "$tmp/$name.err")', want '$why'"
  else
    grep -q '^pprof: .*\(leaked\|limit\)' "$tmp/$name.err" && bad "$name: a gate message although it holds"
  fi
}

hc=$corpus/01-seed/seed-heapcheck._main_-end.heap
gate leaks 3 "pprof: 100 leaked objects (20000 bytes)" --text --stacks "$bp" "$hc" --fail-on-leaks
gate leaks-focus-none 0 "" --text "$bp" --focus=NoSuchFunction "$hc" --fail-if-inuse-above=1

s=$corpus/05-series
last_bytes=$("$PPROF" --text --show_bytes "$bp" "$s/series.0007.heap" | sed -n 's/^Total: \(-\{0,1\}[0-9]*\) B$/\1/p')
growth=$("$PPROF" --text --show_bytes "$bp" --base="$s/series.0001.heap" "$s/series.0007.heap" | sed -n 's/^Total: \(-\{0,1\}[0-9]*\) B$/\1/p')
[ -n "$last_bytes" ] && [ -n "$growth" ] || { echo "not ok: no Total in the series reports"; exit 1; }
gate inuse-above 3 "pprof: $last_bytes bytes in use, above the limit of $((last_bytes - 1))" \
  --text "$bp" "$s/series.0007.heap" --fail-if-inuse-above=$((last_bytes - 1))
gate inuse-at 0 "" --text "$bp" "$s/series.0007.heap" --fail-if-inuse-above=$last_bytes
gate growth-above 3 "pprof: $growth bytes in use, above the limit of $((growth - 1))" \
  --text "$bp" --base="$s/series.0001.heap" "$s/series.0007.heap" --fail-if-inuse-above=$((growth - 1))
gate growth-at 0 "" --text "$bp" --base="$s/series.0001.heap" "$s/series.0007.heap" --fail-if-inuse-above=$growth
# --fail-on-leaks on what is not a heap checker's leak file (the same program's
# periodic heap profile, a series dump): usage error, exit 2, one line, no report
notleak() {
  local name=$1; shift
  n=$((n + 1))
  "$PPROF" "$@" --fail-on-leaks >"$tmp/$name.out" 2>"$tmp/$name.err"
  local got=$?
  [ "$got" = 2 ] || bad "$name: exit $got, want 2"
  [ "$(wc -l <"$tmp/$name.err")" = 1 ] && grep -q '^pprof: --fail-on-leaks needs a heap checker' "$tmp/$name.err" ||
    bad "$name: stderr '$(cat "$tmp/$name.err")'"
  [ -s "$tmp/$name.out" ] && bad "$name: a report was printed"
}
notleak notleak-dump --text "$bp" "$corpus/01-seed/seed-heapcheck.0001.heap"
notleak notleak-series --text "$bp" "$s/series.0007.heap"
notleak notleak-empty --text "$bp" "$corpus/01-seed/heapfile.0001.heap"

[ $fail = 0 ] && echo "ok: $n gate checks on the corpus"
exit $fail
