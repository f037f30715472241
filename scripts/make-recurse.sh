#!/usr/bin/env bash
# Rebuilds testdata/bin/recurse and testdata/heap/recurse.0001.heap (tests/recurse.sh)
# from testdata/src/recurse.c: gcc -g -O2, profiled by gperftools' libtcmalloc
# (LD_PRELOAD, HEAPPROFILE) with ASLR on. Not run in CI: the files are committed.
set -eu
cd "$(dirname "$0")/.."
tc=$(ls /usr/lib/*/libtcmalloc.so | head -1)
gcc -g -O2 -o testdata/bin/recurse testdata/src/recurse.c
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
env -i PATH=/usr/bin:/bin HEAPPROFILE="$tmp/recurse" LD_PRELOAD="$tc" testdata/bin/recurse 2>/dev/null
cp "$tmp/recurse.0001.heap" testdata/heap/recurse.0001.heap
