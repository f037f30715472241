#!/usr/bin/env bash
# jemalloc dumps recorded with Debian's stripped libjemalloc2 (ASLR on;
# scripts/make-jemalloc.sh): testdata/heap/jethreads.heap (every allocation)
# and jethreads-sampled.heap (lg_prof_sample:10), of testdata/src/jethreads.c.
# cpprof is compared with jeprof (the reference for jemalloc dumps) on the same
# dump, per difference (README's compatibility table):
#  - rows of the program's own functions (main, MainAlloc, Worker*): identical;
#  - the "Total" line: identical (jeprof's "Total (tN):" with --thread=N);
#  - the flat column: the same values (as a multiset) - rows of stripped
#    libraries and inlined functions are named differently, nothing else;
#  - --stacks (jeprof has none): no frame of a stack lies in libjemalloc, and
#    the stacks summed by leaf function:line give jeprof's --lines flat values.
# Before the allocator's frames were dropped, one "?? ??:0" row (libjemalloc's
# prof_backtrace) held 100 % of the flat value.
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
command -v jeprof >/dev/null || { echo "skipped: jeprof missing (libjemalloc-dev)"; exit 77; }
td=$SRCDIR/testdata
prog=$td/bin/jethreads
ours='^(main|MainAlloc|WorkerBig|WorkerSmall|WorkerMixed)$'
fail=0 n=0
# jeprof (Perl pprof) names a PIE program's frames only when the program is at the
# path the dump recorded: the dumps are read through copies that record this
# checkout's testdata/bin/jethreads.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for h in jethreads jethreads-sampled; do
  sed -E "s#[^ ]*/testdata/bin/jethreads\$#$prog#" "$td/heap/$h.heap" >"$tmp/$h.heap"
done
rows() { awk -v re="$ours" 'NR>1 && $6 ~ re && NF==6'; }
flats() { awk 'NR>1 && $1 != 0 {print $1, $2}' | sort; }
for heap in "$tmp/jethreads.heap" "$tmp/jethreads-sampled.heap"; do
  threads=$(sed -n '2,/^@/s/^ *t\([0-9][0-9]*\):.*/\1/p' "$heap")
  for t in "" $(for x in $threads; do echo "--thread=$x"; done); do
    for v in "--show_bytes" "--alloc_objects"; do
      what="$(basename "$heap") $t $v"
      ref=$(jeprof --text $v $t "$prog" "$heap" 2>/dev/null) || { echo "not ok: jeprof failed: $what"; fail=1; continue; }
      got=$("$PPROF" --text $v $t "$prog" "$heap" 2>/dev/null) || { echo "not ok: pprof failed: $what"; fail=1; continue; }
      n=$((n + 1))
      [ "$(head -1 <<<"$ref")" = "$(head -1 <<<"$got")" ] ||
        { echo "not ok: $what: '$(head -1 <<<"$got")', jeprof '$(head -1 <<<"$ref")'"; fail=1; }
      [ -n "$(rows <<<"$ref")" ] || { echo "not ok: $what: jeprof shows none of the program's functions"; fail=1; }
      d=$(diff <(rows <<<"$ref") <(rows <<<"$got")) || { echo "not ok: $what: program rows differ:"; echo "$d"; fail=1; }
      d=$(diff <(flats <<<"$ref") <(flats <<<"$got")) || { echo "not ok: $what: flat values differ:"; echo "$d"; fail=1; }
    done
  done
  # --stacks: no libjemalloc frame; per leaf line the sum of jeprof's --lines
  ranges=$(awk '/^MAPPED_LIBRARIES/{m=1} m && /libjemalloc/ {split($1, a, "-"); print a[1], a[2]}' "$heap")
  [ -n "$ranges" ] || { echo "not ok: no libjemalloc mapping in $heap"; fail=1; }
  st=$("$PPROF" --text --stacks --show_bytes "$prog" "$heap" 2>/dev/null)
  # hex addresses padded to 16 digits compare as strings
  bad=$(awk -v r="$ranges" 'function pad(h) { h = sprintf("%16s", h); gsub(/ /, "0", h); return h }
        BEGIN{n=split(r, a, /[ \n]/)}
        /^ *[0-9]* *\(/ { s=$0; sub(/.*\(/, "", s); sub(/\).*/, "", s); x=pad(s);
          for (i=1; i<n; i+=2) if (x >= pad(a[i]) && x < pad(a[i+1])) print s }
        /^Leak of/ {exit}' <<<"$st")
  [ -z "$bad" ] || { echo "not ok: $(basename "$heap"): --stacks shows libjemalloc frames: $bad"; fail=1; }
  sums=$(awk '/^[0-9]/ && $2 ~ /^\(/ { f=$3; sub(/^.*\//, "", f); n=split(f, a, ":"); k=a[n] " " a[1] ":" a[2]; s[k]+=$1 }
        /^Leak of/ {exit} END{for (k in s) if (s[k]) print s[k], k}' <<<"$st" | grep -E " (MainAlloc|Worker[A-Za-z]*) " | sort)
  want=$(jeprof --text --lines --show_bytes "$prog" "$heap" 2>/dev/null |
    awk 'NR>1 && $6 ~ /^(MainAlloc|Worker[A-Za-z]*)$/ {f=$7; sub(/^.*\//, "", f); print $1, $6, f}' | sort)
  [ -n "$sums" ] && [ "$sums" = "$want" ] ||
    { echo "not ok: $(basename "$heap"): --stacks by leaf line:"; diff <(echo "$want") <(echo "$sums"); fail=1; }
done
echo "$n reports compared with jeprof"
exit $fail
