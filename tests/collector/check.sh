#!/bin/bash
# check.sh - collector test driver: runs one scenario of the collector suite against the
# built libheapprof.so and checks the dumps it writes. Exit 0 pass, 1 fail, 77 skip.
# Usage: check.sh SCENARIO LIB TARGET SEED API NEWDEL PLUGIN THREADCHECK HOWTO7 CHECKAPI
set -u
scenario=$1 lib=$2 target=$3 seed=$4 api=$5 newdel=$6 plugin=$7
threadcheck=$8 howto7=$9 checkapi=${10}
[ "${HPC_SKIP:-0}" = 1 ] && { echo "skipped: collector tests never run under sanitizers"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpc-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

fail() { echo "FAIL($scenario): $*" >&2; exit 1; }
# header FILE -> "inuse_n inuse_b alloc_n alloc_b"
header() { sed -n '1s/^heap profile: *\([0-9]*\): *\([0-9]*\) \[ *\([0-9]*\): *\([0-9]*\)\].*/\1 \2 \3 \4/p' "$1"; }
# sum of the in-use fields of bucket lines must equal the header's
consistent() {
    awk 'NR==1{h1=$3; sub(":","",h1); h2=$4; next}
         /^MAPPED_LIBRARIES:/{exit}
         /^ *[0-9]+: +[0-9]+ \[/{n=$1; sub(":","",n); a+=n; b+=$2}
         END{exit !(a==h1+0 && b==h2+0)}' "$1" || fail "$1: bucket sums differ from header"
}
wellformed() {
    local f=$1
    [ -s "$f" ] || fail "$f missing"
    head -1 "$f" | grep -Eq '^heap profile: +[0-9]+: +[0-9]+ \[ *[0-9]+: +[0-9]+\] @ (heapprofile|heap_v2/[0-9]+)$' \
        || fail "$f: bad header: $(head -1 "$f")"
    grep -q '^MAPPED_LIBRARIES:$' "$f" || fail "$f: no MAPPED_LIBRARIES"
    grep -B1 '^MAPPED_LIBRARIES:$' "$f" | head -1 | grep -q '^$' || fail "$f: no blank line before maps"
    sed -n '/^MAPPED_LIBRARIES:/,$p' "$f" | sed 1d | grep -Evq '^[0-9a-f]{8,}-[0-9a-f]{8,} [-r][-w][-x][-ps] [0-9a-f]{8,} 00:00 [0-9]+ +' \
        && fail "$f: malformed maps line"
    consistent "$f"
}
pre() { env LD_PRELOAD="$lib" "$@"; }

case $scenario in
seed)
    pre HEAPPROFILE="$tmp/seed" "$seed" >out 2>err || fail "exit status $?"
    wellformed seed.0001.heap
    grep -q '^Starting tracking the heap$' err || fail "no start message"
    grep -Eq "^Dumping heap profile to $tmp/seed.0001.heap \(Exiting, [0-9]+ (kB|bytes) in use\)$" err \
        || fail "bad dump message: $(cat err)"
    grep -Eq '^   100:    20000 \[   100:    20000\] @ 0x[0-9a-f]{8,}( 0x[0-9a-f]{8,})+$' seed.0001.heap \
        || fail "no 100 x 200-byte bucket"
    grep -Eq '^     0:        0 \[    10:     1000\] @' seed.0001.heap || fail "no freed bucket"
    [ "$(ls seed.*.heap | wc -l)" = 1 ] || fail "extra files"
    ;;
seed-pprof)
    command -v google-pprof >/dev/null || { echo "skipped: no google-pprof"; exit 77; }
    pre HEAPPROFILE="$tmp/seed" "$seed" >/dev/null 2>&1 || fail "exit status $?"
    google-pprof --text --show_bytes "$seed" seed.0001.heap >txt 2>/dev/null || fail "pprof failed"
    grep -Eq '^ +20000 +[0-9.]+% +[0-9.]+% +20000 +[0-9.]+% Leak20000Func$' txt \
        || fail "Leak20000Func not symbolized: $(cat txt)"
    google-pprof --text --alloc_space --show_bytes "$seed" seed.0001.heap 2>/dev/null \
        | grep -Eq '^ +1000 .* NoLeak1000Func$' || fail "NoLeak1000Func not found"
    ;;
api)
    "$api" >out 2>err || fail "exit status $?: $(cat err)"
    printf 'Starting tracking the heap\nDumping heap profile to heapfile.0001.heap (DumpOutReason1)\nDumping heap profile to heapfile.0002.heap (DumpOutReason2)\n' >want
    diff -u want err || fail "stderr differs"
    wellformed heapfile.0001.heap
    wellformed heapfile.0002.heap
    [ "$(header heapfile.0001.heap)" = "0 0 0 0" ] || fail "first dump not empty"
    [ "$(header heapfile.0002.heap)" = "100 20000 100 20000" ] || fail "second dump: $(header heapfile.0002.heap)"
    [ -e heapfile.0003.heap ] && fail "dump after stop"
    ldd "$api" | grep -q libheapprof || fail "not linked with -lheapprof"
    ;;
stress)
    pre HEAPPROFILE="$tmp/st" "$target" stress 2>err || fail "exit status $?"
    wellformed st.0001.heap
    grep -Eq '^  8000:   512000 \[  8000:   512000\] @' st.0001.heap || fail "leak bucket of 8000 x 64 missing"
    ;;
fork)
    # the child allocates 5000 bytes (+ stdio's buffer): under the default HEAP_PROFILE_FORK_DUMP
    pre HEAPPROFILE="$tmp/fk" HEAP_PROFILE_FORK_DUMP=1 "$target" fork >out 2>err || fail "exit status $?"
    child=$(sed -n 's/^child //p' out)
    [ -n "$child" ] || fail "no child pid"
    wellformed fk.0001.heap
    wellformed "fk_$child.0001.heap"
    grep -q ' 5000 \[' "fk_$child.0001.heap" || fail "child allocation missing"
    grep -q ' 5000 \[' fk.0001.heap && fail "child allocation in parent profile"
    grep -q "^Dumping heap profile to $tmp/fk_$child.0001.heap (Exiting" err || fail "child message"
    ;;
thread-exit)
    pre HEAPPROFILE="$tmp/te" "$target" thread-exit 2>err || fail "exit status $?"
    wellformed te.0001.heap
    ;;
dlopen)
    pre HEAPPROFILE="$tmp/dl" "$target" dlopen "$plugin" 2>err || fail "exit status $?: $(cat err)"
    wellformed dl.0001.heap
    grep -Eq '^     1:     3000 \[     1:     3000\] @' dl.0001.heap || fail "plugin allocation missing"
    ;;
edge)
    pre HEAPPROFILE="$tmp/ed" "$target" edge 2>err || fail "exit status $?: $(cat err)"
    wellformed ed.0001.heap
    grep -Eq '^     1:      777 \[     1:      777\] @' ed.0001.heap || fail "EdgeLeak bucket missing"
    # in use: the leak, plus at most stdio buffers
    ;;
newdel)
    [ "$newdel" = none ] && { echo "skipped: no C++ compiler"; exit 77; }
    pre HEAPPROFILE="$tmp/nd" "$newdel" >out 2>err || fail "exit status $?: $(cat err)"
    wellformed nd.0001.heap
    grep -Eq '^     1:      333 \[     1:      333\] @' nd.0001.heap || fail "new[] leak missing"
    ;;
intervals)
    pre HEAPPROFILE="$tmp/iv" HEAP_PROFILE_ALLOCATION_INTERVAL=10485760 HEAP_PROFILE_INUSE_INTERVAL=0 \
        "$target" churn 2>err || fail "exit status $?"
    n=$(grep -c 'MB allocated cumulatively, [0-9]* MB currently in use)$' err)
    [ "$n" -ge 5 ] || fail "expected >= 5 interval dumps, got $n: $(cat err)"
    wellformed iv.0002.heap
    pre HEAPPROFILE="$tmp/iv" HEAP_PROFILE_DEALLOCATION_INTERVAL=20971520 "$target" churn 2>err2 \
        || fail "exit status $?"
    grep -q 'MB freed cumulatively' err2 || fail "no deallocation dump"
    # HEAP_PROFILE_CLEANUP (default on) removed the files of the first run
    [ "$(ls iv.*.heap | wc -l)" -lt "$n" ] || fail "cleanup did not remove old files"
    pre HEAPPROFILE="$tmp/iu" HEAP_PROFILE_INUSE_INTERVAL=1 "$seed" >/dev/null 2>err3
    grep -q 'MB currently in use)$' err3 || fail "no in-use dump"
    ;;
sample)
    pre HEAPPROFILE="$tmp/sa" HEAP_PROFILE_SAMPLE=1024 "$target" stress 2>err || fail "exit status $?"
    wellformed sa.0001.heap
    head -1 sa.0001.heap | grep -q '@ heap_v2/1024$' || fail "header type"
    ;;
unwritable)
    # a missing directory fails even for root; the program must still succeed
    pre HEAPPROFILE="$tmp/missing/x" "$seed" >/dev/null 2>err || fail "exit status $?"
    grep -q "^Failed dumping heap profile to $tmp/missing/x.0001.heap$" err || fail "no failure message"
    ;;
heapcheck-leak)
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal pre "$seed" >/dev/null 2>err
    rc=$?
    [ $rc = 1 ] || fail "exit status $rc, want 1"
    grep -q '^Leak check _main_ detected leaks of 20000 bytes in 100 objects$' err || fail "summary: $(cat err)"
    grep -q '^Leak of 20000 bytes in 100 objects allocated from:$' err || fail "group"
    grep -q -- '--inuse_objects --lines --heapcheck  --edgefraction=1e-10 --nodefraction=1e-10 --gv$' err \
        || fail "pprof command"
    f=$(ls "$tmp"/*._main_-end.heap) || fail "no leak file"
    wellformed "$f"
    [ "$(grep -c '^     1:      200 \[     1:      200\] @' "$f")" = 100 ] || fail "leak file lines"
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal HEAP_CHECK_IDENTIFY_LEAKS=1 pre "$seed" >/dev/null 2>err
    rc=$?
    [ $rc = 134 ] || fail "IDENTIFY_LEAKS exit status $rc, want 134"
    [ "$(grep -c '^leaked 200 byte object 0x' err)" = 100 ] || fail "identify lines"
    grep -q '^Whole-program memory leaks found.$' err || fail "identify final line"
    ;;
heapcheck-noleak)
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal pre "$seed" noleak >/dev/null 2>err \
        || fail "exit status $?: $(cat err)"
    grep -q '^No leaks found for check "_main_" (but no 100% guarantee that there aren.t any): found [0-9]* reachable heap objects of [0-9]* bytes$' err \
        || fail "no-leak message: $(cat err)"
    HEAPCHECK=bogus pre "$seed" >/dev/null 2>err
    [ $? = 134 ] || fail "bogus mode must abort"
    grep -q '^Unsupported heap_check flag: bogus$' err || fail "bogus message"
    ;;
howto7)
    [ "$howto7" = none ] && { echo "skipped: no C++ compiler"; exit 77; }
    ldd "$howto7" | grep -q libheapprof || fail "not linked with -lheapprof"
    "$howto7" >out 2>err || fail "exit status $?: $(cat err)"
    printf 'Starting tracking the heap\nDumping heap profile to heapfile.0001.heap (DumpOutReason1)\nDumping heap profile to heapfile.0002.heap (DumpOutReason2)\n' >want
    diff -u want err || fail "stderr differs"
    wellformed heapfile.0001.heap
    wellformed heapfile.0002.heap
    grep -Eq '^   100:    20000 \[   100:    20000\] @' heapfile.0001.heap || fail "leak bucket"
    # the how-to's run command, with the heap checker on: the 100 leaks are found
    rm -f heapfile.*
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal "$howto7" >out 2>err
    rc=$?
    [ $rc = 1 ] || fail "HEAPCHECK exit status $rc, want 1: $(cat err)"
    # The how-to's program keeps its last pointer in a local that may survive
    # in a dead stack slot or register: a conservative scan (gperftools' too)
    # may then see 99 of the 100 blocks as reachable.
    grep -Eq '^Leak check _main_ detected leaks of (20000 bytes in 100|19800 bytes in 99) objects$' err ||
        fail "summary: $(cat err)"
    ;;
checkapi)
    [ "$checkapi" = none ] && { echo "skipped: no C++ compiler"; exit 77; }
    "$checkapi" inactive >out 2>err || fail "inactive: exit status $?: $(cat err)"
    grep -q '^checkapi ok$' out || fail "inactive: no ok"
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal "$checkapi" active >out 2>err
    rc=$?
    grep FAIL err && fail "active: $(grep FAIL err)"
    [ $rc = 1 ] || fail "active: exit status $rc, want 1 (at-exit leaks): $(cat err)"
    grep -q '^checkapi ok$' out || fail "active: no ok"
    grep -q '^cleanup ran$' err || fail "REGISTER_HEAPCHECK_CLEANUP did not run"
    grep -q '^Leak check leaky detected leaks of 300 bytes in 1 objects$' err || fail "leaky summary"
    grep -q '^No leaks found for check "clean" ' err || fail "clean message"
    grep -q '^Start check "clean" profile: ' err || fail "start message"
    [ -s "$tmp/hpc-checkapi.$(sed -n 's/^.*hpc-checkapi\.\([0-9]*\)\.leaky-end\.heap.*$/\1/p' err | head -1).leaky-end.heap" ] \
        || fail "no leaky-end.heap file"
    [ "$(grep -c '^Leak check _main_ detected leaks of 7700 bytes in 100 objects$' err)" = 2 ] \
        || fail "NoGlobalLeaks and at-exit check: $(grep 'Leak check _main_' err)"
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal "$checkapi" active cancel >out 2>err \
        || fail "cancel: exit status $?: $(cat err)"
    grep -q '^Canceling the automatic at-exit whole-program memory leak check$' err || fail "cancel message"
    [ "$(grep -c 'Leak check _main_' err)" = 1 ] || fail "at-exit check not canceled"
    ;;
heaprofile-alias)
    # the how-to's run command, verbatim but for the paths
    env HEAPCHECK=normal HEAPROFILE="$tmp/heapprofile" HEAP_CHECK_IDENTIFY_LEAKS=1 \
        HEAP_CHECK_DUMP_DIRECTORY="$tmp" LD_PRELOAD="$lib" "$seed" >out 2>err
    rc=$?
    [ $rc = 134 ] || fail "exit status $rc, want 134: $(cat err)"
    [ "$(grep -c 'HEAPROFILE' err)" = 1 ] || fail "no single misspelling line: $(cat err)"
    grep -q '^HeapProfiler: reading HEAPROFILE as HEAPPROFILE (misspelling accepted)$' err || fail "alias line"
    wellformed heapprofile.0001.heap
    grep -Eq '^   100:    20000 \[   100:    20000\] @' heapprofile.0001.heap || fail "leak bucket"
    [ "$(grep -c '^leaked 200 byte object 0x' err)" = 100 ] || fail "identify lines"
    # both set: HEAPPROFILE wins
    env HEAPPROFILE="$tmp/right" HEAPROFILE="$tmp/wrong" LD_PRELOAD="$lib" "$seed" >out 2>err \
        || fail "both: exit status $?"
    [ -s right.0001.heap ] || fail "HEAPPROFILE did not win"
    ls wrong.* >/dev/null 2>&1 && fail "HEAPROFILE used although HEAPPROFILE is set"
    [ "$(grep -c 'HEAPROFILE' err)" = 1 ] || fail "both: no single note: $(cat err)"
    ;;
heapcheck-threads)
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal pre "$threadcheck" hold >out 2>err
    rc=$?
    [ $rc = 1 ] || fail "hold: exit status $rc, want 1: $(cat err)"
    grep -q '^Leak check _main_ detected leaks of 999 bytes in 1 objects$' err \
        || fail "hold: want exactly the 999-byte leak: $(grep -A3 'Leak check' err)"
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal pre "$threadcheck" noleak >out 2>err \
        || fail "noleak: exit status $?: $(cat err)"
    grep -q '^No leaks found for check "_main_"' err || fail "noleak message: $(cat err)"
    ;;
heapcheck-stale)
    # the only references to the block are in dead stack slots under the exit path's frames
    for mode in stale stale-exit; do
        HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal pre "$threadcheck" $mode >out 2>err
        rc=$?
        [ $rc = 1 ] || fail "$mode: exit status $rc, want 1: $(cat err)"
        grep -q '^Leak check _main_ detected leaks of 777 bytes in 1 objects$' err \
            || fail "$mode: want exactly the 777-byte leak: $(grep -A3 'Leak check' err)"
    done
    ;;
heapcheck-symbolize)
    # a stand-in for "pprof --symbols": records its input, names each address
    cat >fakepprof <<'SH'
#!/bin/sh
[ "$1" = --symbols ] || exit 5
cat >"$(dirname "$0")/symin"
grep '^0x' "$(dirname "$0")/symin" | sed 's/^0x/sym_/'
SH
    chmod +x fakepprof
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal PPROF_PATH="$tmp/fakepprof" pre "$seed" >/dev/null 2>err
    [ $? = 1 ] || fail "exit status"
    grep -q 'Cannot convert' err && fail "symbolizer not used: $(cat err)"
    grep -Eq '^[0-9a-f]{8,}-[0-9a-f]{8,} r' symin || fail "no maps sent: $(head -3 symin)"
    a=$(grep -m1 -P '^\t@ ' err | sed 's/^\t@ \([0-9a-f]*\) \(.*\)$/\1 \2/')
    set -- $a
    [ "$2" = "sym_$1" ] || fail "frame not symbolized: $a"
    # without a usable PPROF_PATH: gperftools' warning
    HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal PPROF_PATH="$tmp/none" pre "$seed" >/dev/null 2>err
    grep -q "^\*\*\* Reason: Cannot find 'pprof' (is PPROF_PATH set correctly?)$" err || fail "no warning"
    # the real cpprof pprof, when it implements --symbols
    pp=$(dirname "$(dirname "$lib")")/cli/pprof
    if [ -x "$pp" ] && printf '' | "$pp" --symbols "$seed" >/dev/null 2>&1; then
        HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal PPROF_PATH="$pp" pre "$seed" >/dev/null 2>err
        grep -Pq '^\t@ [0-9a-f]+ Leak20000Func$' err || fail "cpprof --symbols: $(cat err)"
    else
        echo "skipped: no $pp with --symbols: PPROF_PATH=cpprof not tried"
    fi
    ;;
mmap)
    pre HEAPPROFILE="$tmp/mm" HEAP_PROFILE_MMAP=true "$target" mmap 2>err || fail "exit status $?: $(cat err)"
    f=mm.0001.heap
    sed -n 2p "$f" | grep -Eq '^     1:  1048576 \[     1:  1048576\] @' || fail "1 MiB mapping not first: $(head -3 "$f")"
    grep -Eq '^     0:        0 \[     1:    65536\] @' "$f" || fail "unmapped 64 KiB region"
    grep -Eq '^     1:     4321 \[     1:     4321\] @' "$f" || fail "malloc bucket missing"
    inuse=$(header "$f" | cut -d' ' -f2)
    [ "$inuse" -lt 1048576 ] || fail "mappings counted in the header: $inuse"
    pre HEAPPROFILE="$tmp/mo" HEAP_PROFILE_ONLY_MMAP=1 "$target" mmap 2>err || fail "only: exit status $?"
    [ "$(header mo.0001.heap)" = "0 0 0 0" ] || fail "only-mmap header: $(header mo.0001.heap)"
    grep -Eq '^     1:  1048576 \[' mo.0001.heap || fail "only-mmap: no mapping"
    pre HEAPPROFILE="$tmp/mn" "$target" mmap 2>err || fail "plain: exit status $?"
    wellformed mn.0001.heap
    grep -q ' 1048576 \[' mn.0001.heap && fail "mapping recorded without HEAP_PROFILE_MMAP"
    ;;
lighter)
    # HPC_LIGHTER: tests/collector/lighter.c. Memory of the address table for a million live
    # blocks against the bound the design gives: the shadow map's 4 bytes per 16-byte granule
    # of the heap's span, plus at most 4 MiB of fixed tables (stack table pages, overflow
    # shards, bucket slab, per-thread counters, rule cache, libunwind).
    prog=${HPC_LIGHTER:?}
    n=1000000
    "$prog" live $n >plain || fail "plain run: exit status $?"
    for mode in prof check; do
        if [ $mode = prof ]; then
            pre HEAPPROFILE="$tmp/lv" "$prog" live $n >out 2>err || fail "$mode: exit status $?"
        else
            pre HEAPCHECK=normal "$prog" live $n >out 2>err || fail "$mode: exit status $?"
        fi
        heap=$(sed -n 's/^heap //p' out) rss0=$(sed -n 's/^rss //p' plain) rss1=$(sed -n 's/^rss //p' out)
        [ "$heap" = "$(sed -n 's/^heap //p' plain)" ] || fail "$mode: heap span differs from the plain run"
        bound=$((heap / 4 / 1024 + 4096))
        [ $((rss1 - rss0)) -le $bound ] ||
            fail "$mode: $((rss1 - rss0)) kB more than plain for $n live blocks (bound $bound kB)"
    done
    wellformed lv.0001.heap
    # in use at exit: LiveBlocks' n blocks of 8 + 23 * (i % 5) bytes (54 on average),
    # ShrunkBlocks' 1000 x 969 bytes kept in 1000-byte chunks (the overflow table's case),
    # BigBlocks' 3 x 300000 (mmap'd chunks), the array of n + 1003 pointers
    want="$((n + 1004)) $((n * 54 + 969000 + 900000 + (n + 1003) * 8))"
    [ "$(header lv.0001.heap | cut -d' ' -f1-2)" = "$want" ] ||
        fail "in use: $(header lv.0001.heap), want $want"
    # the checker's walk of its table sees what the profiler counted
    read -r in_n in_b _ < <(header lv.0001.heap)
    grep -q "found $in_n reachable heap objects of $in_b bytes" err ||
        fail "checker: $(grep -i 'leak' err | head -2), profile has $in_n objects of $in_b bytes"
    ;;
unwind)
    # The cached CFI walk gives the stacks libunwind gives: recursion, a frame whose CFA
    # comes from rbp (variable-length array), calls through a pointer, a signal handler
    # (the fallback), a second thread.
    command -v google-pprof >/dev/null || { echo "skip: no google-pprof"; exit 77; }
    prog=${HPC_LIGHTER:?}
    pre HEAPPROFILE="$tmp/wf" "$prog" walk 2>err || fail "exit status $?"
    pre HEAPPROFILE="$tmp/ws" HEAP_PROFILE_UNWIND=libunwind "$prog" walk 2>err ||
        fail "libunwind: exit status $?"
    for f in wf ws; do
        google-pprof --text --cum --lines --alloc_space --show_bytes "$prog" $f.0001.heap \
            >$f.txt 2>/dev/null || fail "google-pprof failed on $f.0001.heap"
    done
    diff -u ws.txt wf.txt >&2 || fail "stacks differ from libunwind's"
    # what walk() allocates: Recurse 150 x 111 bytes, WithVla 150 x (223 + 10) bytes (a
    # byte of the 1-filled array is added to malloc's 222 and realloc's 9), 50 of each
    # through ViaPointer, OnSignal 333 bytes; the
    # thread runs 50 of each. Per function: flat bytes summed over its lines, and for the
    # callers (not recursive) the cumulative bytes too.
    sum() { awk -v fn="$1" -v col="$2" '$6 == fn && $7 ~ /lighter\.c:/ {s += $col} END {print s + 0}' wf.txt; }
    [ "$(sum Recurse 1)" = 16650 ] || fail "Recurse: $(sum Recurse 1) bytes"
    [ "$(sum WithVla 1)" = 34950 ] || fail "WithVla: $(sum WithVla 1) bytes"
    [ "$(sum OnSignal 1)" = 333 ] || fail "OnSignal: $(sum OnSignal 1) bytes"
    [ "$(sum ViaPointer 4)" = 17200 ] || fail "ViaPointer: $(sum ViaPointer 4) bytes"
    [ "$(sum Worker 4)" = 17200 ] || fail "Worker: $(sum Worker 4) bytes"
    ;;
*)
    fail "unknown scenario"
    ;;
esac
echo "ok $scenario"
exit 0
