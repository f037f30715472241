#!/usr/bin/env bash
# Structural checks of --flame / --icicle (render/flame.c) on real profiles:
# valid XML (xmllint), deterministic bytes, and flame-check.py against the
# --text --show_bytes report of the same profile and options (root = Total,
# widths proportional, tree well formed, per-name values = flat and cum).
#   flame.sh small   - testdata/ profiles (programs in testdata/bin)
#   flame.sh corpus  - ../shared/corpus, every case (77 when absent)
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
bad() { echo "not ok: $*"; fail=1; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }

# check NAME [--exact] -- PPROF-ARGS...
check() {
  local name=$1 exact=; shift
  [ "$1" = --exact ] && { exact=--exact; shift; }
  [ "$1" = -- ] && shift
  local d=$tmp/$name
  n=$((n + 1))
  "$PPROF" --flame --show_bytes "$@" >"$d.svg" 2>"$d.err" || { bad "$name: --flame failed: $(head -3 "$d.err")"; return; }
  "$PPROF" --text --show_bytes "$@" >"$d.txt" 2>/dev/null || { bad "$name: --text failed"; return; }
  if command -v xmllint >/dev/null; then
    xmllint --noout "$d.svg" || bad "$name: not well-formed XML"
  else
    echo "skipped: no xmllint (libxml2-utils): $name SVG not parsed"
  fi
  local out
  out=$(python3 "$here/flame-check.py" $exact "$d.svg" "$d.txt") || { echo "$out"; bad "$name: flame-check"; return; }
  echo "ok $name: $out"
  # deterministic, and --icicle draws the same frames with the root on top
  "$PPROF" --flame --show_bytes "$@" 2>/dev/null | cmp -s - "$d.svg" || bad "$name: output differs between runs"
  "$PPROF" --icicle --show_bytes "$@" >"$d.ice.svg" 2>/dev/null
  python3 "$here/flame-check.py" $exact "$d.ice.svg" "$d.txt" >/dev/null || bad "$name: --icicle fails the checks"
  [ "$(grep -c '<g class="f">' "$d.ice.svg")" = "$(grep -c '<g class="f">' "$d.svg")" ] ||
    bad "$name: --icicle draws another number of frames"
}

case "${1:-small}" in
small)
  cd "$SRCDIR/testdata" || exit 1
  export PPROF_BINARY_PATH=bin
  check seed --exact -- bin/seed heap/seed.0001.heap
  check phases --exact -- bin/phases heap/phases.0003.heap
  check phases-lines --exact -- --lines bin/phases heap/phases.0003.heap
  check phases-sum --exact -- bin/phases heap/phases.0001.heap heap/phases.0002.heap
  check phases-base -- --base=heap/phases.0001.heap bin/phases heap/phases.0003.heap
  check sampled-objects --exact -- --symbolize=none --inuse_objects heap/sampled.heap
  check sampled-alloc --exact -- --symbolize=none --alloc_space heap/sampled.heap
  check jemalloc --exact -- --symbolize=none heap/jemalloc.heap
  check small --exact -- --symbolize=none render/small.heap
  # -output=FILE, and an empty report still gives a valid document
  "$PPROF" --flame -output="$tmp/o.svg" bin/seed heap/seed.0001.heap 2>/dev/null &&
    xmllint --noout "$tmp/o.svg" || bad "-output=FILE"
  "$PPROF" --flame --focus=NoSuchFunction bin/seed heap/seed.0001.heap >"$tmp/empty.svg" 2>/dev/null &&
    xmllint --noout "$tmp/empty.svg" && [ "$(grep -c '<g class="f">' "$tmp/empty.svg")" = 1 ] ||
    bad "an empty --focus result is not a valid one-frame graph"
  ;;
corpus)
  c=$SRCDIR/../shared/corpus
  [ -d "$c/01-seed" ] && [ -d "$c/bin" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
  export PPROF_BINARY_PATH=$c/bin:$c/lib
  check seed --exact -- "$c/bin/seed" "$c/01-seed/seed-preload.0001.heap"
  check seed-heapcheck --exact -- "$c/bin/seed" "$c/01-seed/seed-heapcheck._main_-end.heap"
  for v in O0 O2 O2-nopie; do
    check rich-$v --exact -- "$c/bin/rich-$v" "$c/02-rich/rich-$v.0001.heap"
    check rich-$v-lines --exact -- --lines "$c/bin/rich-$v" "$c/02-rich/rich-$v.0001.heap"
  done
  check rich-alloc-objects --exact -- --alloc_objects "$c/bin/rich-O2" "$c/02-rich/rich-O2.0001.heap"
  check rich-files --exact -- --files "$c/bin/rich-O0" "$c/02-rich/rich-O0.0001.heap"
  check rich-templates --exact -- --no_strip_temp "$c/bin/rich-O0" "$c/02-rich/rich-O0.0001.heap"
  grep -q "std::allocator&lt;" "$tmp/rich-templates.svg" || bad "rich-templates: no escaped template name"
  check shlib --exact -- "$c/bin/shlib" "$c/03-shlib/shlib.0001.heap"
  check threads --exact -- "$c/bin/threads" "$c/04-threads/threads.0001.heap"
  check series-7 --exact -- "$c/bin/series" "$c/05-series/series.0007.heap"
  check series-base -- --base="$c/05-series/series.0002.heap" "$c/bin/series" "$c/05-series/series.0007.heap"
  check scale -- "$c/bin/scale" "$c/06-scale/scale.0001.heap"
  check python3 -- "$c/07-stripped/python3.0003.heap"
  check sqlite3-alloc -- --alloc_space "$c/07-stripped/sqlite3.0002.heap"
  # the 50 MB heap-checker profile: time and size stay reasonable
  big=$c/06-scale/scale._main_-end.heap.gz
  if [ -f "$big" ]; then
    start=$(date +%s%N)
    "$PPROF" --flame "$c/bin/scale" "$big" >"$tmp/big.svg" 2>/dev/null || bad "scale (50 MB): --flame failed"
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    size=$(stat -c %s "$tmp/big.svg")
    xmllint --noout --huge "$tmp/big.svg" || bad "scale (50 MB): not well-formed XML"
    echo "scale (50 MB profile): ${ms} ms, $size bytes, $(grep -c '<g class="f">' "$tmp/big.svg") frames"
    [ "$size" -lt 20000000 ] || bad "scale (50 MB): SVG of $size bytes"
  else
    echo "skipped: no $big"
  fi
  ;;
*) echo "usage: flame.sh small|corpus" >&2; exit 2 ;;
esac
echo "$n profiles checked"
exit $fail
