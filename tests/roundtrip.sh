#!/usr/bin/env bash
# --raw writes a symbolized profile that needs no binaries: reading it back
# must give the same --text report, with cpprof and (when installed) with
# Perl pprof; and --callgrind output must load in callgrind_annotate.
set -u
cd "$TESTDATA"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
for args in "bin/seed heap/seed.0001.heap" "bin/phases heap/phases.0002.heap"; do
  "$PPROF" --raw $args >"$tmp/raw.heap" 2>/dev/null || { echo "FAIL --raw $args"; status=1; continue; }
  "$PPROF" --text --show_bytes $args >"$tmp/want" 2>/dev/null
  "$PPROF" --text --show_bytes "$tmp/raw.heap" >"$tmp/got" 2>&1
  diff -u "$tmp/want" "$tmp/got" || { echo "FAIL cpprof reading --raw of $args"; status=1; }
  if command -v google-pprof >/dev/null; then
    google-pprof --text --show_bytes "$tmp/raw.heap" >"$tmp/perl" 2>/dev/null
    diff -u "$tmp/want" "$tmp/perl" || { echo "FAIL Perl pprof reading --raw of $args"; status=1; }
  else
    echo "skipped: no google-pprof: --raw of $args not read by Perl pprof"
  fi
done
if command -v callgrind_annotate >/dev/null; then
  "$PPROF" --callgrind bin/seed heap/seed.0001.heap >"$tmp/cg.out" 2>/dev/null
  callgrind_annotate "$tmp/cg.out" >"$tmp/cga" 2>&1 && grep -q "20,000 (100.0%)  PROGRAM TOTALS" "$tmp/cga" ||
    { echo "FAIL callgrind_annotate"; cat "$tmp/cga"; status=1; }
else
  echo "skipped: no callgrind_annotate (valgrind): --callgrind not loaded"
fi
exit $status
