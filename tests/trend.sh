#!/usr/bin/env bash
# pprof --trend checked against independent reports:
#  - per function, the growth column of --trend --trend_all summed over the
#    stacks with that leaf equals the flat column of
#    `pprof --text --base=FIRST LAST` (each dump is symbolized and reported on
#    its own, the --base report subtracts by address: both must agree);
#  - the series is put in dump-number order whatever the argument order;
#  - --trend --svg is well-formed XML with one line per series and a tick per dump.
# trend.sh testdata   testdata/heap/phases.000{1,2,3}.heap (no ../shared needed)
# trend.sh corpus     ../shared/corpus/05-series, whose table is also compared
#                     with the hand-checked one below (77 when absent)
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "not ok: $*"; fail=1; }

# agree NAME FIRST LAST ARGS... : --trend over ARGS vs --text --base=FIRST LAST
agree() {
  local name=$1 first=$2 last=$3; shift 3
  "$PPROF" --trend --trend_all --show_bytes "$@" >"$tmp/$name.trend" 2>"$tmp/$name.err" ||
    { bad "$name: --trend failed: $(cat "$tmp/$name.err")"; return; }
  local prog=()
  [ "${TREND_PROG:-}" ] && prog=("$TREND_PROG")
  "$PPROF" --text --show_bytes --base="$first" ${TREND_BP:+"--binary_path=$TREND_BP"} \
    "${prog[@]}" "$last" >"$tmp/$name.base" 2>>"$tmp/$name.err" ||
    { bad "$name: --base failed"; return; }
  # trend rows: growth last mono spark stack; leaf = text before the first " < "
  sed -n '/^  growth /,$p' "$tmp/$name.trend" | tail -n +2 |
    sed -E 's/^ *(-?[0-9]+) +-?[0-9]+ +[0-9]+% +[^ ]+ +(.*)$/\2\t\1/' |
    awk -F'\t' '{ sub(/ < .*/, "", $1); s[$1] += $2 } END { for (k in s) if (s[k] != 0) print k "\t" s[k] }' |
    sort >"$tmp/$name.t"
  # --text rows: flat flat% sum% cum cum% name
  tail -n +2 "$tmp/$name.base" |
    sed -E 's/^ *(-?[0-9]+) +[^ ]+ +[^ ]+ +-?[0-9]+ +[^ ]+ (.*)$/\2\t\1/' |
    awk -F'\t' '{ s[$1] += $2 } END { for (k in s) if (s[k] != 0) print k "\t" s[k] }' |
    sort >"$tmp/$name.b"
  [ -s "$tmp/$name.b" ] || bad "$name: empty --base report"
  if ! diff -u "$tmp/$name.b" "$tmp/$name.t" >"$tmp/$name.diff"; then
    bad "$name: growth per leaf function differs from --base (- --base, + --trend)"
    cat "$tmp/$name.diff"
  fi
  echo "ok: $name: $(wc -l <"$tmp/$name.t") functions agree with --base"
}

# svg_check NAME LINES DUMPS ARGS...
svg_check() {
  local name=$1 lines=$2 dumps=$3; shift 3
  "$PPROF" --trend --svg "$@" >"$tmp/$name.svg" 2>"$tmp/$name.svg.err" ||
    { bad "$name: --trend --svg failed: $(cat "$tmp/$name.svg.err")"; return; }
  if command -v xmllint >/dev/null; then
    xmllint --noout "$tmp/$name.svg" || bad "$name: SVG is not well-formed XML"
  else
    echo "skipped: no xmllint (libxml2-utils): $name SVG not parsed"
  fi
  grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' "$tmp/$name.svg" || bad "$name: no <svg> root"
  [ "$(grep -c '<polyline' "$tmp/$name.svg")" = "$lines" ] || bad "$name: not $lines lines"
  [ "$(grep -c '<circle' "$tmp/$name.svg")" = $((lines * dumps)) ] || bad "$name: not one dot per dump"
  [ "$(grep -c 'text-anchor="middle">[0-9]*</text>' "$tmp/$name.svg")" = "$dumps" ] ||
    bad "$name: not one label per dump"
  grep -q '>0 MB</text>' "$tmp/$name.svg" || bad "$name: no 0 MB tick"
  echo "ok: $name: SVG with $lines lines over $dumps dumps"
}

case "${1:-}" in
testdata)
  cd "$SRCDIR/testdata" || exit 1
  export PPROF_BINARY_PATH=bin
  TREND_PROG=bin/phases agree phases heap/phases.0001.heap heap/phases.0003.heap \
    bin/phases heap/phases.000*.heap
  TREND_PROG=bin/phases agree phases12 heap/phases.0001.heap heap/phases.0002.heap \
    bin/phases heap/phases.0001.heap heap/phases.0002.heap
  "$PPROF" --trend bin/phases heap/phases.000{1,2,3}.heap >"$tmp/sorted" &&
    "$PPROF" --trend bin/phases heap/phases.000{3,1,2}.heap >"$tmp/shuffled" &&
    cmp -s "$tmp/sorted" "$tmp/shuffled" || bad "phases: argument order changes the series"
  svg_check phases 2 3 bin/phases heap/phases.000*.heap
  ;;
corpus)
  corpus=$SRCDIR/../shared/corpus
  [ -d "$corpus/05-series" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
  s=$corpus/05-series
  bp=$corpus/bin:$corpus/lib
  TREND_BP=$bp agree series "$s/series.0001.heap" "$s/series.0007.heap" \
    --binary_path="$bp" "$s"/series.000*.heap
  TREND_BP=$bp agree series3-6 "$s/series.0003.heap" "$s/series.0006.heap" \
    --binary_path="$bp" "$s"/series.000{3,4,5,6}.heap
  # hand-checked against series.c: every phase holds 256 x 5000 bytes;
  # Phase1Load's chunk was partly allocated at the first dump (1050000);
  # Phase2Index's were freed by Phase4Evict (up, then back to 0); libc's
  # inline levels are those of addr2line -i on its libc6-dbg debug file
  cat >"$tmp/series.want" <<'EOF'
Trend of 7 dumps (inuse_space): S/series.0001.heap .. S/series.0007.heap
Total: 1050000 B -> 5124096 B (+4074096 B)
Growing stacks: 5 of 6; score = growth x monotonicity
  growth     last  mono  trend    stack (leaf first)
 1280000  1280000  100%  ____.*#  Chunk < Phase5Final < main < __libc_start_call_main < __libc_start_main_impl < _start
 1280000  1280000  100%  __:####  Phase3Cache < main < __libc_start_call_main < __libc_start_main_impl < _start
 1280000  1280000  100%  ___-###  Phase4Evict < main < __libc_start_call_main < __libc_start_main_impl < _start
  230000  1280000  100%  _######  Chunk < Phase1Load < main < __libc_start_call_main < __libc_start_main_impl < _start
    4096     4096  100%  ______#  __GI__IO_file_doallocate < __GI__IO_doallocbuf (inline) < __GI__IO_doallocbuf < _IO_new_file_overflow < _IO_new_file_xsputn (inline) < _IO_new_file_xsputn < __GI__IO_puts < main < __libc_start_call_main < __libc_start_main_impl < _start
EOF
  (cd "$s" && "$PPROF" --trend --show_bytes --binary_path="$bp" series.000{7,6,5,4,3,2,1}.heap) |
    sed 's/: series\./: S\/series./; s/ \.\. series\./ .. S\/series./' >"$tmp/series.got" ||
    bad "series: --trend failed"
  diff -u "$tmp/series.want" "$tmp/series.got" || bad "series: table differs from the hand-checked one"
  # the top 2 by --nodecount, and --focus keeps only Phase1Load's stacks
  [ "$("$PPROF" --trend --nodecount=2 --binary_path="$bp" "$s"/series.*.heap | grep -c ' < ')" = 2 ] ||
    bad "series: --nodecount=2"
  "$PPROF" --trend --show_bytes --focus=Phase1Load --binary_path="$bp" "$s"/series.*.heap |
    grep -q '^  230000  1280000  100%  _######  Chunk < Phase1Load' || bad "series: --focus"
  svg_check series 6 7 --binary_path="$bp" "$s"/series.*.heap
  ;;
*) echo "usage: trend.sh testdata|corpus" >&2; exit 2 ;;
esac
[ $fail = 0 ] && echo "all trend checks passed"
exit $fail
