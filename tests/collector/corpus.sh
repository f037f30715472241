#!/bin/bash
# corpus.sh - the heap checker on the corpus programs (issue 6: HEAPCHECK finds exactly the
# leaked objects of the corpus programs and none in a leak-free one). Each program runs with
# the built libheapprof.so preloaded and HEAPCHECK=normal; the leak file must list exactly the
# objects the program's source leaks at exit (after global destructors), object by object
# (size histogram), and the leak-free programs must report none. The expected sets are worked
# out from ../shared/corpus/src; where gperftools 2.10 differs (it reports posix_memalign(4096,
# 10000) as 12288 bytes, and misses objects whose addresses linger in dead stack slots, dead
# threads' cached stacks or its free-list links), these are the program's true leaks.
# Usage: corpus.sh LIB CORPUS_DIR     Exit 0 pass, 1 fail, 77 skip.
set -u
lib=$1 corpus=${2:-}
[ "${HPC_SKIP:-0}" = 1 ] && { echo "skipped: collector tests never run under sanitizers"; exit 77; }
if [ -n "$corpus" ] && [ -x "$corpus/bin/seed" ]; then
    :
elif [ -x /opt/hprof-corpus/bin/seed ]; then
    corpus=/opt/hprof-corpus
else
    echo "skipped: no corpus (../shared/corpus or /opt/hprof-corpus)"
    exit 77
fi
corpus=$(cd "$corpus" && pwd) || exit 1 # the programs run from a temporary directory
lib=$(realpath "$lib") || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpc-corpus.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# run NAME ARGS... -> status in $rc, stderr in err, leak file (or empty) in $leaks
run() {
    local prog=$1
    shift
    rm -f "$tmp"/*._main_-end.heap
    LD_LIBRARY_PATH="$corpus/lib" HEAPCHECK=normal HEAP_CHECK_DUMP_DIRECTORY="$tmp" \
        LD_PRELOAD="$lib" "$corpus/bin/$prog" "$@" >out 2>err
    rc=$?
    leaks=$(ls "$tmp"/"$prog".*._main_-end.heap 2>/dev/null)
}

# histogram FILE -> "COUNTxSIZE ..." of the one-object sample lines, sizes ascending
histogram() {
    awk '/^MAPPED_LIBRARIES:/{exit} /^ +1: +[0-9]+ \[ +1: +[0-9]+\] @/{print $2}' "$1" |
        sort -n | uniq -c | awk '{printf "%s%sx%s", (NR > 1 ? " " : ""), $1, $2}'
}

# leaky NAME BYTES OBJECTS HISTOGRAM|- ARGS...
leaky() {
    local prog=$1 bytes=$2 objects=$3 hist=$4
    shift 4
    run "$prog" "$@"
    [ $rc = 1 ] || { fail "$prog: exit status $rc, want 1: $(tail -3 err)"; return; }
    grep -q "^Leak check _main_ detected leaks of $bytes bytes in $objects objects\$" err ||
        { fail "$prog: want $bytes bytes in $objects objects: $(grep 'Leak check' err)"; return; }
    [ -n "$leaks" ] || { fail "$prog: no leak file"; return; }
    local head
    head=$(printf 'heap profile: %6d: %8d [%6d: %8d] @ heapprofile' "$objects" "$bytes" \
        "$objects" "$bytes")
    [ "$(head -1 "$leaks")" = "$head" ] || fail "$prog: leak file header: $(head -1 "$leaks")"
    local n
    n=$(awk '/^MAPPED_LIBRARIES:/{exit} /^ +1: +[0-9]+ \[/{n++} END{print n+0}' "$leaks")
    [ "$n" = "$objects" ] || fail "$prog: $n object lines, want $objects"
    if [ "$hist" != - ]; then
        local got
        got=$(histogram "$leaks")
        [ "$got" = "$hist" ] || fail "$prog: leaked objects differ
  want: $hist
  got:  $got"
    fi
}

# clean NAME MIN_REACHABLE ARGS...
clean() {
    local prog=$1 min=$2
    shift 2
    run "$prog" "$@"
    [ $rc = 0 ] || { fail "$prog: exit status $rc, want 0: $(grep -A2 'Leak check' err)"; return; }
    local n
    local msg='^No leaks found for check "_main_" (but no 100% guarantee that there aren.t any)'
    n=$(sed -n "s/$msg: found \([0-9]*\) reachable heap objects of [0-9]* bytes\$/\1/p" err)
    [ -n "$n" ] || { fail "$prog: no 'No leaks found' line: $(cat err)"; return; }
    [ "$n" -ge "$min" ] || fail "$prog: only $n reachable objects, want at least $min"
    [ -z "$leaks" ] || fail "$prog: leak file written"
}

# seed: Leak20000Func's 100 x 200 bytes, stored XOR-masked
leaky seed 20000 100 "100x200"

# rich: at exit ~vector destroys g_keep's buffer, so everything it held leaks: the static
# initializer's 3000; Recurse's 8 blocks of 64+depth (72..128) and its 4096 leaf; 25 x 512
# (MakeBuffer); the Registry (48) with its 97 map nodes (88), their key strings (25) and
# int vectors (16, capacity 4); records.Make(10) (1120), 10 Records (112), doubles.Make(77)
# (616); strdup (45), calloc(128, 16) (2048), the realloc chain's 8000 and 4 posix_memalign
# blocks of 10000. Run four builds, -O0 several times: a stale stack slot once hid the 2048.
rich="97x16 97x25 1x45 1x48 1x72 1x80 98x88 1x96 1x104 11x112 1x120 1x128 25x512 1x616"
rich+=" 1x1120 1x2048 1x3000 1x4096 1x8000 4x10000"
for prog in rich-O0 rich-O0 rich-O0 rich-O2 rich-O0-nopie rich-O2-nopie; do
    leaky "$prog" 86206 346 "$rich"
done

# threads: the 8 g_keep vectors are destroyed at exit: 200 x 64, 100 x 256, 300 strings
# (32-byte object + 101-byte buffer), 4 x 1 MiB, the realloc'd 25600, 10 x 4000, 50 x 13
leaky threads 4338854 965 "50x13 300x32 200x64 300x101 100x256 10x4000 1x25600 4x1048576"

# scale: one leaked object per kept path (XOR-masked); totals computed from the hash
leaky scale 26800672 99868 - 150000

# leak-free: series keeps its phases in a global array; shlib in globals of the program,
# of the linked and of the dlopen()ed library (the dlclose()d library's block too)
clean series 1024
clean shlib 37 "$corpus/lib"

exit $failed
