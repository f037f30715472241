#!/usr/bin/env bash
# Rebuilds the several-runs test data of tests/runs.sh (issue 11 items 1 and 4):
#  testdata/bin/runs + testdata/bin/librunsobj.so (stripped) from testdata/src,
#  and profiles recorded WITH ASLR ON (no setarch -R), one run per file:
#   runs-tc{1,2,3}.0001.heap  libtcmalloc (HEAPPROFILE), run 3 with one argument (k = 2)
#   runs-hp{1,2}.0001.heap    our collector build/collector/libheapprof.so
#   seed-run{1,2,3}.0001.heap libtcmalloc, the PIE testdata/bin/seed
# The programs run from /tmp/cpprof-runs so the recorded paths name no checkout:
# the tests give the program on the command line and PPROF_BINARY_PATH=testdata/bin.
# Refuses to write profiles whose runs did not load at different addresses.
# Not run in CI: the committed files are the test inputs.
set -eu
cd "$(dirname "$0")/.."
here=$(pwd)
bin=testdata/bin; out=testdata/heap
tc=$(ls /usr/lib/*/libtcmalloc.so | head -1)
hp=$here/build/collector/libheapprof.so
[ -f "$hp" ] || { echo "build the collector first (ninja -C build)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gcc -g -O1 -fPIC -shared -o "$tmp/librunsobj.so" testdata/src/librunsobj.c
strip --strip-all -o "$bin/librunsobj.so" "$tmp/librunsobj.so"
gcc -g -O1 -o "$bin/runs" testdata/src/runs.c -L"$bin" -lrunsobj -Wl,-rpath,'$ORIGIN'
run=/tmp/cpprof-runs
rm -rf "$run"; mkdir -p "$run"
cp "$bin/runs" "$bin/librunsobj.so" "$bin/seed" "$run/"
record() { # NAME PRELOAD PROGRAM ARGS...
  local name=$1 pre=$2; shift 2
  rm -f "$tmp/$name".*.heap
  env -i PATH=/usr/bin:/bin HEAPPROFILE="$tmp/$name" LD_PRELOAD="$pre" "$@" >/dev/null 2>&1
  cp "$tmp/$name.0001.heap" "$out/$name.0001.heap"
}
record runs-tc1 "$tc" "$run/runs"
record runs-tc2 "$tc" "$run/runs"
record runs-tc3 "$tc" "$run/runs" twice
record runs-hp1 "$hp" "$run/runs"
record runs-hp2 "$hp" "$run/runs"
record seed-run1 "$tc" "$run/seed"
record seed-run2 "$tc" "$run/seed"
record seed-run3 "$tc" "$run/seed"
# ASLR must have moved the program and its library between runs
for set in "runs-tc1 runs-tc2 runs-tc3" "runs-hp1 runs-hp2" "seed-run1 seed-run2 seed-run3"; do
  n=$(for f in $set; do grep -E ' r-xp .*/(runs|librunsobj.so|seed)$' "$out/$f.0001.heap"; done |
      awk '{print $1}' | sort -u | wc -l)
  want=$(( $(echo $set | wc -w) * $(grep -cE ' r-xp .*/(runs|librunsobj.so|seed)$' "$out/${set%% *}.0001.heap") ))
  [ "$n" = "$want" ] || { echo "runs $set share addresses: record again with ASLR on" >&2; exit 1; }
done
rm -rf "$run"
