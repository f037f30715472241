#!/usr/bin/env bash
# --json: every document is strict JSON, valid against docs/cpprof.schema.json
# (json-check.py), deterministic (two runs give the same bytes), and agrees
# with the plain reports of the same options: rows = --text --show_bytes,
# stacks sum to the rows' flat total, graph = --dot's nodes and edges.
#   json.sh small   - testdata/ profiles
#   json.sh corpus  - ../shared/corpus profiles (77 when absent)
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
py=$(command -v python3) || { echo "skipped: no python3"; exit 77; }
schema=$SRCDIR/docs/cpprof.schema.json
check=$SRCDIR/tests/json/json-check.py
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0

# check DIR ARGS... : one set of report options in directory DIR
check() {
  local dir=$1; shift
  n=$((n + 1))
  ( cd "$dir" &&
    "$PPROF" --json=rows,stacks,graph "$@" >"$tmp/a.json" 2>/dev/null &&
    "$PPROF" --json=rows,stacks,graph "$@" >"$tmp/b.json" 2>/dev/null &&
    "$PPROF" --text --show_bytes "$@" >"$tmp/t.txt" 2>/dev/null &&
    { "$PPROF" --dot "$@" >"$tmp/d.dot" 2>/dev/null || : >"$tmp/d.dot"; } ) ||
    { echo "not ok: pprof failed: $*"; fail=1; return; }
  cmp -s "$tmp/a.json" "$tmp/b.json" || { echo "not ok: not deterministic: $*"; fail=1; }
  if ! "$py" "$check" "$schema" "$tmp/a.json" --text "$tmp/t.txt" --dot "$tmp/d.dot" >"$tmp/why"; then
    echo "not ok: $*"; sed 's/^/    /' "$tmp/why"; fail=1
  fi
}

# mode NAME ARGS... : a bare --json with an output mode gives exactly these parts
mode() {
  local want=$1; shift
  n=$((n + 1))
  local got
  got=$(cd "$SRCDIR/testdata" && "$PPROF" --json "$@" 2>/dev/null |
        "$py" -c 'import json,sys; print(",".join(k for k in json.load(sys.stdin) if k not in ("schema","profile")))')
  [ "$got" = "$want" ] || { echo "not ok: --json $*: parts '$got', want '$want'"; fail=1; }
}

case "${1:-small}" in
small)
  td=$SRCDIR/testdata
  check "$td" bin/seed heap/seed.0001.heap
  check "$td" --lines bin/seed heap/seed.0001.heap
  check "$td" --addresses bin/phases heap/phases.0002.heap
  check "$td" --files bin/phases heap/phases.0003.heap
  check "$td" --alloc_objects bin/phases heap/phases.0003.heap
  check "$td" --base=heap/phases.0001.heap bin/phases heap/phases.0002.heap
  check "$td" --focus=PhaseTwo bin/phases heap/phases.0002.heap
  check "$td" --symbolize=none heap/sampled.heap
  check "$td" --symbolize=none --thread=1 heap/jemalloc-split.heap
  check "$td" heap/escapes.sym.heap
  mode rows bin/seed heap/seed.0001.heap
  mode rows,stacks --stacks bin/seed heap/seed.0001.heap
  mode stacks --traces bin/seed heap/seed.0001.heap
  mode graph --dot bin/seed heap/seed.0001.heap
  mode rows,graph --json=graph,rows bin/seed heap/seed.0001.heap
  ;;
corpus)
  corpus=$SRCDIR/../shared/corpus
  [ -d "$corpus/bin" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
  bp=--binary_path=../bin:../lib
  check "$corpus/01-seed" $bp ../bin/seed seed-preload.0001.heap
  check "$corpus/01-seed" $bp --inuse_objects ../bin/seed seed-heapcheck._main_-end.heap
  check "$corpus/02-rich" $bp ../bin/rich-O2 rich-O2.0001.heap
  check "$corpus/02-rich" $bp --lines ../bin/rich-O2 rich-O2.0001.heap
  check "$corpus/02-rich" $bp --addresses ../bin/rich-O0 rich-O0.0001.heap
  check "$corpus/03-shlib" $bp ../bin/shlib shlib.0001.heap
  check "$corpus/04-threads" $bp --alloc_space ../bin/threads threads.0001.heap
  check "$corpus/05-series" $bp --base=series.0001.heap ../bin/series series.0007.heap
  check "$corpus/06-scale" $bp ../bin/scale scale.0001.heap
  check "$corpus/07-stripped" python3.0001.heap
  ;;
esac
echo "$n checks"
exit $fail
