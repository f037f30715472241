#!/bin/bash
# lifecycle.sh - collector scenarios of issue 12 (items 4-6): stacks equal tcmalloc's, no lost
# or mixed dumps (prefix lock, clean-up, forked children), reports people see (closed stderr,
# verbose start line, sampled figures, clamped depth). Exit 0 pass, 1 fail, 77 skip.
# Usage: lifecycle.sh SCENARIO LIB PPROF STACKS TARGET SEED
set -u
scenario=$1 lib=$2 pprof=$3 stacks=$4 target=$5 seed=$6
[ "${HPC_SKIP:-0}" = 1 ] && { echo "skip: collector tests never run under sanitizers"; exit 77; }
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpc-life.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

fail() { echo "FAIL($scenario): $*" >&2; exit 1; }
pre() { env LD_PRELOAD="$lib" "$@"; }
need_tcmalloc() { [ -e "$tcmalloc" ] || { echo "skip: no libtcmalloc (libgoogle-perftools-dev)"; exit 77; }; }
# symbolized stacks of a profile, one per line, names only (addresses differ between runs)
names() { "$pprof" --collapsed "$stacks" "$1" | sed 's/<[0-9a-f]*>//g' | sort; }

case $scenario in
stacks-tcmalloc)
    need_tcmalloc
    env LD_PRELOAD="$tcmalloc" HEAPPROFILE="$tmp/tc" "$stacks" 2>/dev/null || fail "tcmalloc run: $?"
    pre HEAPPROFILE="$tmp/hp" "$stacks" 2>/dev/null || fail "libheapprof run: $?"
    names tc.0001.heap >tc.txt && names hp.0001.heap >hp.txt || fail "pprof failed"
    [ "$(wc -l <tc.txt)" -ge 6 ] || fail "too few stacks from tcmalloc: $(cat tc.txt)"
    diff -u tc.txt hp.txt >&2 || fail "stacks (with values) differ from tcmalloc's"
    [ "$(head -1 tc.0001.heap)" = "$(head -1 hp.0001.heap)" ] || fail "totals differ"
    # the heap checker's leak file: the same stacks as tcmalloc's checker finds (values may
    # differ: tcmalloc misses leaks that stale words in dead thread stacks still point to)
    env LD_PRELOAD="$tcmalloc" HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal "$stacks" leak 2>/dev/null
    [ $? = 1 ] || fail "tcmalloc found no leak"
    mv "$tmp"/*._main_-end.heap tcleak.heap
    pre HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal PPROF_PATH="$pprof" "$stacks" leak 2>err
    [ $? = 1 ] || fail "libheapprof found no leak"
    mv "$tmp"/*._main_-end.heap hpleak.heap
    names tcleak.heap | sed 's/ [0-9]*$//' >tcl.txt
    names hpleak.heap | sed 's/ [0-9]*$//' >hpl.txt
    diff -u tcl.txt hpl.txt >&2 || fail "leak stacks differ from tcmalloc's"
    grep -q '^	@ [0-9a-f]* leaf_calloc' err || fail "leak report not symbolized: $(cat err)"
    grep -Eq 'main_wrapper|trampoline|__libc_start_main$' err && fail "collector frame in the leak report"
    ;;
stderr-closed)
    # coreutils sort closes stderr before exit; its leak check comes after that
    need_tcmalloc
    command -v sort >/dev/null || { echo "skip: no sort"; exit 77; }
    printf 'b\na\nc\n' >in
    env LD_PRELOAD="$tcmalloc" HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal sort <in >tcout 2>tcerr
    tcrc=$?
    pre HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal sort <in >out 2>err
    rc=$?
    [ $rc = $tcrc ] || fail "exit status $rc, tcmalloc's $tcrc"
    [ "$(cat out)" = "$(printf 'a\nb\nc')" ] || fail "sort output: $(cat out)"
    [ -s tcerr ] && ! grep -q '^WARNING' tcerr && fail "tcmalloc printed more than its warning"
    if [ $tcrc = 1 ]; then
        # the leak tcmalloc found (its leak file), now on the terminal
        set -- $(ls "$tmp"/sort.*._main_-end.heap)
        [ $# = 2 ] || fail "want 2 leak files, got $#"
        tcf=$1; [ "$(sed 's/.*sort\.\([0-9]*\)\..*/\1/' <<<"$1")" -gt "$(sed 's/.*sort\.\([0-9]*\)\..*/\1/' <<<"$2")" ] && tcf=$2
        read -r n b <<<"$(sed -n '1s/^heap profile: *\([0-9]*\): *\([0-9]*\) .*/\1 \2/p' "$tcf")"
        grep -q "^Leak check _main_ detected leaks of $b bytes in $n objects$" err \
            || fail "no leak report on the original stderr (tcmalloc: $b bytes in $n objects): $(cat err)"
    else
        grep -q '^No leaks found for check "_main_"' err || fail "no report: $(cat err)"
    fi
    ;;
verbose-start)
    need_tcmalloc
    env LD_PRELOAD="$tcmalloc" HEAPCHECK=normal PERFTOOLS_VERBOSE=10 "$seed" >/dev/null 2>tcerr
    pre HEAPCHECK=normal PERFTOOLS_VERBOSE=10 "$seed" >/dev/null 2>err
    pat='^(Starting tracking the heap|WARNING: Perftools heap leak checker is active.*)$'
    grep -Ex "$pat" tcerr >want
    [ "$(wc -l <want)" = 2 ] || fail "tcmalloc's lines: $(cat want)"
    grep -Ex "$pat" err | diff -u want - >&2 || fail "start lines differ from tcmalloc's"
    pre HEAPCHECK=normal PERFTOOLS_VERBOSE=9 "$seed" >/dev/null 2>err
    grep -q 'Starting tracking' err && fail "start line below level 10"
    ;;
depth-clamp)
    pre HEAPPROFILE="$tmp/dc" HEAP_PROFILE_MAX_DEPTH=100000 "$seed" >/dev/null 2>err || fail "exit $?"
    [ "$(grep -c 'HEAP_PROFILE_MAX_DEPTH' err)" = 1 ] || fail "no single clamp line: $(cat err)"
    grep -q '^HeapProfiler: HEAP_PROFILE_MAX_DEPTH=100000 clamped to the maximum, 256$' err \
        || fail "clamp line: $(cat err)"
    pre HEAPPROFILE="$tmp/dc" HEAP_PROFILE_MAX_DEPTH=256 "$seed" >/dev/null 2>err || fail "exit $?"
    grep -q 'clamped' err && fail "clamp line for an allowed depth"
    ;;
*)
    fail "unknown scenario"
    ;;
esac
exit 0
