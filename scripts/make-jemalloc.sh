#!/usr/bin/env bash
# Records the jemalloc dumps of testdata/heap/jethreads*.heap: the program of
# testdata/src/jethreads.c under Debian's libjemalloc2 (stripped), ASLR on,
# one exact dump (lg_prof_sample:0) and one sampled dump (lg_prof_sample:10,
# 1 KiB mean). tests/jemalloc.sh compares cpprof with jeprof on them.
# Not run in CI: the committed files are the test inputs.
set -eu
cd "$(dirname "$0")/.."
je=$(ls /usr/lib/*/libjemalloc.so.2 | head -1)
gcc -g -O0 -pthread -o testdata/bin/jethreads testdata/src/jethreads.c
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
record() { # name lg_prof_sample
  mkdir -p "$tmp/$1"
  env -i PATH=/usr/bin:/bin LD_PRELOAD="$je" \
    MALLOC_CONF="prof:true,prof_accum:true,lg_prof_sample:$2,prof_final:true,prof_prefix:$tmp/$1/jeprof" \
    testdata/bin/jethreads
  cp "$tmp/$1"/jeprof.*.f.heap "testdata/heap/$1.heap"
}
record jethreads 0
record jethreads-sampled 10
# the same program under tcmalloc's heap profiler (tests/checks.sh cuts it,
# rewrites its maps, feeds it through stdin)
tc=$(ls /usr/lib/*/libtcmalloc.so.4 | head -1)
env -i PATH=/usr/bin:/bin LD_PRELOAD="$tc" HEAPPROFILE="$tmp/tc" testdata/bin/jethreads 2>/dev/null
cp "$tmp/tc.0001.heap" testdata/heap/jethreads-tc.heap
