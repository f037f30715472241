#!/usr/bin/env bash
# profile.proto round trips (README "profile.proto"):
#  1. cpprof --proto, read by Go pprof (go tool pprof): the same totals for all
#     four sample types as cpprof --text, and the same functions with the same
#     flat values;
#  2. cpprof reading its own .pb.gz: byte-identical --text output to reading
#     the .heap (four sample types; functions, --lines, --addresses, --files),
#     also without the binaries (--symbolize=none) when everything was named;
#  3. the same on ../shared/corpus profiles when the corpus is there;
#  4. a .pb.gz written by Go pprof (go tool pprof -proto x.heap) read by
#     cpprof: the same totals as cpprof's report of the .heap;
#  5. malformed, truncated and non-heap (CPU) profiles: one-line errors, exit 1.
# Go pprof comes from golang-go (scripts/deps); without it parts 1 and 4 are
# skipped and said so, and the test exits 77 only if nothing else ran.
set -u
src=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
testdata=$src/testdata
corpus=$src/../shared/corpus
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0; checks=0
fail() { echo "FAIL $*"; status=1; }

have_go=0
if command -v go >/dev/null 2>&1; then
  export HOME=$tmp GOCACHE=$tmp/gocache GOPATH=$tmp/gopath GOTOOLCHAIN=local GOFLAGS=
  go tool pprof -h >/dev/null 2>&1 && have_go=1
fi
[ $have_go = 1 ] || echo "skipped: go tool pprof not found (golang-go): no Go pprof checks"
gopprof() { go tool pprof -symbolize=none "$@" 2>"$tmp/go.err"; }

metrics="inuse_space inuse_objects alloc_space alloc_objects"

# cpprof's reports of the .heap, once per profile: $tmp/want.METRIC[.GRAN]
make_wants() { # grans args...
  local grans=$1; shift
  for m in $metrics; do
    "$PPROF" --text --show_bytes --"$m" "$@" >"$tmp/want.$m" 2>/dev/null
  done
  for g in $grans; do
    "$PPROF" --text --show_bytes --inuse_space --"$g" "$@" >"$tmp/want.inuse_space.$g" 2>/dev/null
    [ "$g" = lines ] && "$PPROF" --text --show_bytes --alloc_objects --"$g" "$@" \
      >"$tmp/want.alloc_objects.$g" 2>/dev/null
  done
}
# "name flat" for every row with a non-zero flat value, sorted; rows of
# unnamed addresses ("?? ??:0", 0x...) are left out: Go pprof sums them as
# "??" or "<unknown>"; inlined and out-of-line instances of a function are
# summed (Go pprof prints one row, marked "(inline)" only when all are)
named_flat() {
  awk '$1 != 0 { f = $1; sub(/B$/, "", f); $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, "");
                 sub(/ \(inline\)$/, ""); if ($0 !~ /^(\?\?|0x|<unknown>)/) sum[$0] += f }
       END { for (n in sum) print n " " sum[n] }' | LC_ALL=C sort
}

# 1: Go pprof reads cpprof's .pb.gz with the same totals and flat values
check_go() { # label pb
  local label=$1 pb=$2
  [ $have_go = 1 ] || return 0
  for m in $metrics; do
    checks=$((checks + 1))
    gopprof -text -unit=B -nodefraction=0 -nodecount=100000 -sample_index="$m" "$pb" >"$tmp/go.out"
    local want got
    want=$(awk 'NR == 1 { print $2 }' "$tmp/want.$m")
    got=$(sed -n 's/^Showing nodes accounting for .* of \(-\{0,1\}[0-9]*\)B\{0,1\} total.*/\1/p' "$tmp/go.out")
    [ -n "$want" ] && [ "$want" = "$got" ] ||
      { fail "$label: Go pprof total of $m is '$got', cpprof's '$want'"; cat "$tmp/go.err"; }
    tail -n +2 "$tmp/want.$m" | named_flat >"$tmp/cp.flat"
    sed '1,/flat%/d' "$tmp/go.out" | named_flat >"$tmp/go.flat"
    diff -u "$tmp/cp.flat" "$tmp/go.flat" >"$tmp/flat.diff" ||
      { fail "$label: Go pprof's flat values of $m differ (-cpprof +go)"; head -20 "$tmp/flat.diff"; }
  done
}

# 2: reading the .pb.gz gives the report of the .heap, byte for byte
check_roundtrip() { # label pb grans nosym(0/1)
  local label=$1 pb=$2 grans=$3 nosym=$4
  for w in "$tmp"/want.*; do
    local m=${w#"$tmp"/want.} g=
    case $m in *.*) g=--${m#*.}; m=${m%%.*} ;; esac
    checks=$((checks + 1))
    "$PPROF" --text --show_bytes --"$m" $g "${BINARY_PATH_OPT[@]}" "$pb" >"$tmp/got" 2>/dev/null
    diff -u "$w" "$tmp/got" >"$tmp/rt.diff" ||
      { fail "$label: --text --$m $g of the .pb.gz differs"; head -20 "$tmp/rt.diff"; }
    [ "$nosym" = 1 ] || continue
    "$PPROF" --symbolize=none --text --show_bytes --"$m" $g "$pb" >"$tmp/got" 2>/dev/null
    diff -u "$w" "$tmp/got" >"$tmp/rt.diff" ||
      { fail "$label: --symbolize=none --text --$m $g of the .pb.gz differs"; head -20 "$tmp/rt.diff"; }
  done
}

# 4: Go pprof's own .pb.gz of a .heap (unsymbolized), read by cpprof with the
# binaries: the same reports as the .heap's, totals included
check_go_written() { # label heap
  local label=$1 heap=$2
  [ $have_go = 1 ] || return 0
  go tool pprof -symbolize=none -proto "$heap" >"$tmp/go.pb.gz" 2>"$tmp/go.err" ||
    { fail "$label: go tool pprof -proto failed"; cat "$tmp/go.err"; return; }
  # Go pprof keeps only objects/space (read as in-use) when a header's alloc
  # columns equal its in-use ones
  local ms="inuse_space inuse_objects"
  gzip -dc "$tmp/go.pb.gz" | grep -aq alloc_space && ms=$metrics
  for m in $ms; do
    checks=$((checks + 1))
    "$PPROF" --text --show_bytes --"$m" "${BINARY_PATH_OPT[@]}" "$tmp/go.pb.gz" >"$tmp/got" 2>/dev/null
    diff -u "$tmp/want.$m" "$tmp/got" >"$tmp/gw.diff" ||
      { fail "$label: --text --$m of Go pprof's .pb.gz differs"; head -20 "$tmp/gw.diff"; }
  done
}

# all of the above for one profile
check_profile() { # label grans nosym args...
  local label=$1 grans=$2 nosym=$3; shift 3
  rm -f "$tmp"/want.*
  "$PPROF" --proto "$@" >"$tmp/p.pb.gz" 2>"$tmp/err" || { fail "$label: --proto"; cat "$tmp/err"; return; }
  make_wants "$grans" "$@"
  check_roundtrip "$label" "$tmp/p.pb.gz" "$grans" "$nosym"
  check_go "$label" "$tmp/p.pb.gz"
  check_go_written "$label" "${@: -1}"
  cp "$tmp/p.pb.gz" "$tmp/$label.pb.gz"
}

# ---- the project's own testdata ------------------------------------------
cd "$testdata"
BINARY_PATH_OPT=()
check_profile seed "lines addresses files" 1 bin/seed heap/seed.0001.heap
check_profile phases1 "lines addresses files" 1 bin/phases heap/phases.0001.heap
check_profile phases2 "lines addresses files" 1 bin/phases heap/phases.0002.heap
# the output is deterministic: the same bytes twice, and --output writes them
"$PPROF" --proto --output="$tmp/seed2.pb.gz" bin/seed heap/seed.0001.heap
cmp "$tmp/seed.pb.gz" "$tmp/seed2.pb.gz" || fail "seed: --proto is not deterministic"
# sampled profiles: values are scaled then rounded, so only the MB reports match
for spec in "sampled heap/sampled.heap" "jemalloc heap/jemalloc.heap"; do
  set -- $spec; label=$1; shift
  "$PPROF" --proto --symbolize=none "$@" >"$tmp/$label.pb.gz" || { fail "$label: --proto"; continue; }
  for g in "" --lines --addresses; do
    for m in inuse_space alloc_space; do
      checks=$((checks + 1))
      diff -u <("$PPROF" --symbolize=none --text $g --$m "$@" 2>&1) \
        <("$PPROF" --symbolize=none --text $g --$m "$tmp/$label.pb.gz" 2>&1) ||
        fail "$label: --text $g --$m of the .pb.gz differs"
    done
  done
done
# .pb.gz files summed and subtracted keep every name, without the binaries
same_report() { # label "cpprof args of the .heap" "cpprof args of the .pb.gz"
  checks=$((checks + 1))
  # shellcheck disable=SC2086
  diff -u <("$PPROF" --text --show_bytes $2 2>&1) <("$PPROF" --symbolize=none --text --show_bytes $3 2>&1) ||
    fail "$1"
}
ph1=$tmp/phases1.pb.gz ph2=$tmp/phases2.pb.gz
same_report "phases: --base of .pb.gz files" "--base=heap/phases.0001.heap bin/phases heap/phases.0002.heap" \
  "--base=$ph1 $ph2"
same_report "phases: --lines --base of .pb.gz files" \
  "--alloc_space --lines --base=heap/phases.0001.heap bin/phases heap/phases.0002.heap" \
  "--alloc_space --lines --base=$ph1 $ph2"
same_report "phases: two .pb.gz files summed" "bin/phases heap/phases.0002.heap heap/phases.0001.heap" \
  "$ph2 $ph1"
# --base and --focus apply to what --proto writes
"$PPROF" --proto --base=heap/phases.0001.heap bin/phases heap/phases.0002.heap >"$tmp/diff.pb.gz"
checks=$((checks + 1))
diff -u <("$PPROF" --text --show_bytes --base=heap/phases.0001.heap bin/phases heap/phases.0002.heap 2>&1) \
  <("$PPROF" --text --show_bytes "$tmp/diff.pb.gz" 2>&1) || fail "phases: --proto --base"
"$PPROF" --proto --focus=Leak bin/seed heap/seed.0001.heap >"$tmp/focus.pb.gz"
checks=$((checks + 1))
diff -u <("$PPROF" --text --show_bytes --alloc_space --focus=Leak bin/seed heap/seed.0001.heap 2>&1) \
  <("$PPROF" --text --show_bytes --alloc_space "$tmp/focus.pb.gz" 2>&1) || fail "seed: --proto --focus"
# the reader detects profile.proto by content: uncompressed, any file name
gzip -dc "$tmp/seed.pb.gz" >"$tmp/seed.anyname"
checks=$((checks + 1))
diff -u <("$PPROF" --text bin/seed heap/seed.0001.heap 2>&1) <("$PPROF" --text "$tmp/seed.anyname" 2>&1) ||
  fail "seed: uncompressed profile.proto not read"

# ---- 5: malformed input ----------------------------------------------------
one_line_error() { # label file expected-message-part
  checks=$((checks + 1))
  local err rc
  err=$(timeout 20 "$PPROF" --symbolize=none --text "$2" 2>&1 >/dev/null); rc=$?
  [ $rc = 1 ] || fail "$1: exit $rc, want 1 ($err)"
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || { fail "$1: not a one-line error:"; printf '%s\n' "$err"; }
  case "$err" in *"$3"*) ;; *) fail "$1: error '$err' does not say '$3'" ;; esac
}
gzip -dc "$tmp/seed.pb.gz" >"$tmp/seed.pb"
size=$(stat -c %s "$tmp/seed.pb")
head -c $((size / 2)) "$tmp/seed.pb" | gzip -n >"$tmp/half.pb.gz"
one_line_error "truncated message" "$tmp/half.pb.gz" "pprof: $tmp/half.pb.gz: corrupt profile.proto"
head -c $(($(stat -c %s "$tmp/seed.pb.gz") - 9)) "$tmp/seed.pb.gz" >"$tmp/cut.pb.gz"
one_line_error "truncated gzip" "$tmp/cut.pb.gz" "truncated gzip data"
# every prefix of the message: a report or a one-line error, never a crash
for ((n = 1; n < size; n += 61)); do
  head -c $n "$tmp/seed.pb" >"$tmp/prefix.pb"
  timeout 20 "$PPROF" --symbolize=none --text "$tmp/prefix.pb" >/dev/null 2>"$tmp/err"
  rc=$?
  { [ $rc = 0 ] || [ $rc = 1 ]; } && [ "$(wc -l <"$tmp/err")" -le 1 ] ||
    { fail "prefix $n: exit $rc"; cat "$tmp/err"; break; }
done
seeds=$testdata/fuzz/fuzz-proto-read
gzip -nc "$seeds/cpu.pb" >"$tmp/cpu.pb.gz"
one_line_error "CPU profile" "$tmp/cpu.pb.gz" \
  "pprof: $tmp/cpu.pb.gz: not a heap profile (sample types: samples/count, cpu/nanoseconds)"
one_line_error "dangling function id" "$seeds/bad-function-ref.pb" \
  "pprof: $seeds/bad-function-ref.pb: profile.proto: a line refers to function 5, which does not exist"

# ---- 3: the corpus ---------------------------------------------------------
if [ -d "$corpus/02-rich" ]; then
  BINARY_PATH_OPT=(--binary_path="$corpus/bin:$corpus/lib")
  # program "-": found from the profile's own paths (system programs)
  for spec in "01-seed seed-heapcheck._main_-end.heap seed" "02-rich rich-O2.0001.heap rich-O2" \
              "02-rich rich-O0-nopie.0001.heap rich-O0-nopie" "03-shlib shlib.0001.heap shlib" \
              "04-threads threads.0001.heap threads" "07-stripped sqlite3.0001.heap -"; do
    set -- $spec
    args=("${BINARY_PATH_OPT[@]}")
    [ "$3" = - ] || args+=("$corpus/bin/$3")
    check_profile "$1-$2" "lines addresses" 0 "${args[@]}" "$corpus/$1/$2"
  done
else
  echo "skipped: no ../shared/corpus: no corpus checks"
fi

echo "$checks checks"
exit $status
