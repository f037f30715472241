#!/usr/bin/env bash
# Rebuilds the profiles of testdata/heap from the programs of testdata/src,
# with gperftools' libtcmalloc (the reference collector) and ASLR off, and
# the reference outputs of testdata/golden/ref/ with google-pprof (Perl).
# Not run in CI: the committed files are the test inputs.
set -eu
cd "$(dirname "$0")/.."
out=testdata/heap; bin=testdata/bin; ref=testdata/golden/ref
mkdir -p "$out" "$bin" "$ref"
tc=$(ls /usr/lib/*/libtcmalloc.so | head -1)
g++ -g -O0 -o "$bin/seed" testdata/src/seed.cc
gcc -g -O2 -o "$bin/phases" testdata/src/phases.c -ltcmalloc
here=$(pwd)
( cd "$out" && rm -f seed.*.heap phases.*.heap &&
  setarch -R env -i PATH=/usr/bin:/bin HEAPPROFILE=seed LD_PRELOAD="$tc" "$here/$bin/seed" &&
  setarch -R env -i PATH=/usr/bin:/bin HEAPPROFILE=phases "$here/$bin/phases" ) 2>/dev/null
# phases dumps: .0001 (phase one), .0002 (phase two), .0003 (exit)
for args in "--text" "--text --show_bytes" "--text --lines" "--text --addresses" \
            "--text --inuse_objects" "--text --alloc_space" "--text --cum" "--dot"; do
  name=seed.$(echo "$args" | tr -d '-' | tr ' ' '_')
  google-pprof $args "$here/$bin/seed" "$out/seed.0001.heap" >"$ref/$name.txt" 2>/dev/null || true
done
google-pprof --text --show_bytes --base="$out/phases.0001.heap" "$here/$bin/phases" \
  "$out/phases.0002.heap" >"$ref/phases.base.txt" 2>/dev/null || true
