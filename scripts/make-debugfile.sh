#!/bin/sh
# make-debugfile.sh - rebuilds the inputs of tests/debugfile (not run in CI;
# the outputs are committed): testdata/src/split.c built -O2 -g as a PIE
# under several layouts of separate debug files, one heap profile of it
# recorded with gperftools' libtcmalloc (ASLR on), and Perl pprof's reports
# of that profile (the reference). Built on Debian 12 (gcc 12.2, binutils
# 2.40). Every binary has the code of the one that ran (same build, another
# fixed build-id of the same length), except split-rebuilt.
#
# testdata/bin/debugfile/
#   split          the program that ran (build-id 5b17...01), unstripped
#   split-link     stripped, .gnu_debuglink -> split-link.debug (same folder)
#   split-bid      stripped; its debug file only in dbg/.build-id/5b/17...03.debug
#   split-far      stripped, .gnu_debuglink -> split-far.debug, only in dbg/
#   split-bidmis   stripped; dbg/.build-id/5b/17...05.debug is the debug file
#                  of another build (-O1, build-id 5b17...06)
#   split-rebuilt  -DREBUILT, no build-id: code moved (item "rebuilt after profiling")
# testdata/heap/split.heap                     the profile (exit dump)
# testdata/golden/ref/split.perl-text.txt      google-pprof --text split
# testdata/golden/ref/split.perl-lines.txt     google-pprof --text --lines split
# testdata/golden/ref/split-link.perl-lines.txt  the same with split stripped and
#                  its debug file beside it (Perl drops the inlined-into caller)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/testdata/bin/debugfile
dbg=$out/dbg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out" "$dbg/.build-id/5b"
id=5b17000000000000000000000000000000000
cc="gcc -O2 -g -ffile-prefix-map=$top/testdata/src=/testdata/src"
src=$top/testdata/src/split.c
$cc -Wl,--build-id=0x${id}001 -o "$out/split" "$src"
for v in link:002 bid:003 far:004 bidmis:005; do
    $cc -Wl,--build-id=0x$id${v#*:} -o "$out/split-${v%:*}" "$src"
done
objcopy --only-keep-debug "$out/split-link" "$out/split-link.debug"
objcopy --only-keep-debug "$out/split-bid" "$dbg/.build-id/5b/17${id#5b17}003.debug"
objcopy --only-keep-debug "$out/split-far" "$dbg/split-far.debug"
gcc -O1 -g -Wl,--build-id=0x${id}006 -o "$tmp/other" "$src"
objcopy --only-keep-debug "$tmp/other" "$dbg/.build-id/5b/17${id#5b17}005.debug"
strip --strip-all "$out/split-link" "$out/split-bid" "$out/split-far" "$out/split-bidmis"
(cd "$out" && objcopy --add-gnu-debuglink=split-link.debug split-link &&
    objcopy --add-gnu-debuglink="$dbg/split-far.debug" split-far)
$cc -DREBUILT -Wl,--build-id=none -o "$out/split-rebuilt" "$src"

# the profile: the program run from a scratch folder, ASLR on
tc=$(ls /usr/lib/*/libtcmalloc.so | head -1)
cp "$out/split" "$tmp/split"
(cd "$tmp" && env -i PATH=/usr/bin:/bin HEAPPROFILE="$tmp/split" \
    HEAP_PROFILE_ALLOCATION_INTERVAL=1073741824 LD_PRELOAD="$tc" ./split 2>/dev/null)
cp "$tmp/split.0001.heap" "$top/testdata/heap/split.heap"
ref=$top/testdata/golden/ref
google-pprof --text "$tmp/split" "$tmp/split.0001.heap" >"$ref/split.perl-text.txt" 2>/dev/null
google-pprof --text --lines "$tmp/split" "$tmp/split.0001.heap" \
    >"$ref/split.perl-lines.txt" 2>/dev/null
cp "$out/split-link" "$tmp/split"
cp "$out/split-link.debug" "$tmp/split-link.debug"
google-pprof --text --lines "$tmp/split" "$tmp/split.0001.heap" \
    >"$ref/split-link.perl-lines.txt" 2>/dev/null
