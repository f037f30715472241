#!/bin/bash
# lifecycle.sh - collector scenarios of issue 12 (items 4-6): stacks equal tcmalloc's, no lost
# or mixed dumps (prefix lock, clean-up, forked children), reports people see (closed stderr,
# verbose start line, sampled figures, clamped depth). Exit 0 pass, 1 fail, 77 skip.
# Usage: lifecycle.sh SCENARIO LIB PPROF STACKS TARGET SEED
set -u
scenario=$1 lib=$2 pprof=$3 stacks=$4 target=$5 seed=$6
[ "${HPC_SKIP:-0}" = 1 ] && { echo "skipped: collector tests never run under sanitizers"; exit 77; }
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpc-life.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

fail() { echo "FAIL($scenario): $*" >&2; exit 1; }
pre() { env LD_PRELOAD="$lib" "$@"; }
need_tcmalloc() { [ -e "$tcmalloc" ] || { echo "skipped: no libtcmalloc (libgoogle-perftools-dev)"; exit 77; }; }
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
    command -v sort >/dev/null || { echo "skipped: no sort"; exit 77; }
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
    # a daemon's stderr to a pipe: no duplicate keeps the pipe open once it closed fd 2
    start=$(date +%s%N)
    mkfifo fifo # the daemon waits in a builtin: an exec would close the descriptor anyway
    x=$(pre HEAPPROFILE="$tmp/dm" bash -c '(exec 0<&- 1>&- 2>&-; read -t 4 v <>fifo) & exit 0' 2>&1)
    [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 3000 ] || fail "a daemon's pipe held open"
    grep -q 'Dumping heap profile' <<<"$x" || fail "no message through the pipe: $x"
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
fork-quiet)
    # forked children that (almost) did not allocate write no exit dump; =0 is gperftools'
    pre HEAPPROFILE="$tmp/fk" "$target" fork >out 2>err || fail "exit status $?"
    child=$(sed -n 's/^child //p' out)
    [ -n "$child" ] || fail "no child pid"
    [ "$(ls fk*)" = fk.0001.heap ] || fail "files: $(ls fk*)"
    grep -q "fk_$child" err && fail "child dump message: $(cat err)"
    pre HEAPPROFILE="$tmp/fk" HEAP_PROFILE_FORK_DUMP=0 "$target" fork >out 2>err || fail "exit $?"
    child=$(sed -n 's/^child //p' out)
    [ -e "fk_$child.0001.heap" ] || fail "HEAP_PROFILE_FORK_DUMP=0: no child dump"
    # a shell script: 3 command substitutions and 3 subshells of builtins (6 forks, no exec)
    cat >sub.sh <<'SH'
s=0
for i in 1 2 3; do x=$(echo $i); ( s=$((s + x)) ); done
SH
    command -v bash >/dev/null || { echo "skipped: no bash"; exit 77; }
    rm -f fk*
    pre HEAPPROFILE="$tmp/sh" bash sub.sh 2>err || fail "bash exit $?"
    [ "$(ls sh*)" = sh.0001.heap ] || fail "bash files: $(ls sh*)"
    pre HEAPPROFILE="$tmp/sh" HEAP_PROFILE_FORK_DUMP=0 bash sub.sh 2>err || fail "bash exit $?"
    [ "$(ls sh_*.0001.heap | wc -l)" = 6 ] || fail "HEAP_PROFILE_FORK_DUMP=0: $(ls sh*)"
    ;;
prefix-lock)
    true & dead1=$!; wait; true & dead2=$!; wait
    touch "p_$dead1.0001.heap" "p_$$.0001.heap" "p.0002.heap.$dead2.tmp" "p-$dead2.0001.heap" \
          "p.0003.heap.$$.tmp" p.0009.heap px.0001.heap
    (exec env LD_PRELOAD="$lib" HEAPPROFILE="$tmp/p" sleep 6 2>errA) &
    a=$!
    for _ in $(seq 50); do [ -s p.lock ] && break; sleep 0.1; done
    [ "$(cat p.lock)" = "$a" ] || fail "lock file: $(cat p.lock 2>&1)"
    # the first process cleaned up: old dumps and dead processes' files; not live ones
    [ "$(ls | grep '^p' | sort | tr '\n' ' ')" = "p.0003.heap.$$.tmp p.lock p_$$.0001.heap px.0001.heap " ] \
        || fail "after clean-up: $(ls)"
    touch p.0001.heap # stands for a dump of the first process
    pre HEAPPROFILE="$tmp/p" "$seed" >/dev/null 2>errB || fail "second process: exit $?"
    b=$(sed -n "s|^HeapProfiler: $tmp/p is in use by another process (pid $a); writing $tmp/p-\([0-9]*\)\.NNNN\.heap\$|\1|p" errB)
    [ -n "$b" ] || fail "second process's line: $(cat errB)"
    [ "$(grep -c HeapProfiler errB)" = 1 ] || fail "more than one line: $(cat errB)"
    grep -q "^Dumping heap profile to $tmp/p-$b.0001.heap (Exiting" errB || fail "dump: $(cat errB)"
    [ -e p.0001.heap ] && [ -e p.lock ] || fail "the second process deleted the first's files: $(ls)"
    grep -q '^   100:    20000 \[' "p-$b.0001.heap" || fail "second process's dump"
    wait $a || fail "first process: exit $?"
    grep -q "^Dumping heap profile to $tmp/p.0001.heap (Exiting" errA || fail "first: $(cat errA)"
    [ -e p.lock ] && fail "lock file left behind"
    # a third run owns the prefix again: removes both runs' dumps
    pre HEAPPROFILE="$tmp/p" "$seed" >/dev/null 2>errC || fail "third: exit $?"
    grep -q 'in use by another' errC && fail "third process did not get the prefix: $(cat errC)"
    [ -e "p-$b.0001.heap" ] && fail "dead second process's dump not cleaned up"
    [ "$(ls | grep '^p' | sort | tr '\n' ' ')" = "p.0001.heap p.0003.heap.$$.tmp p_$$.0001.heap px.0001.heap " ] \
        || fail "after the third run: $(ls)"
    ;;
sample-figures)
    # HEAP_PROFILE_SAMPLE: the exit figure and the in-use trigger count the bytes the file
    # stands for once unsampled (google-pprof's total), not glibc's usable sizes
    command -v google-pprof >/dev/null || { echo "skipped: no google-pprof"; exit 77; }
    total() { google-pprof --text --show_bytes "$stacks" "$1" 2>/dev/null | sed -n '1s/^Total: \([0-9]*\) B$/\1/p'; }
    pre HEAPPROFILE="$tmp/sa" HEAP_PROFILE_SAMPLE=512 HEAP_PROFILE_INUSE_INTERVAL=200000 \
        "$stacks" grow 2>err || fail "exit $?"
    pre HEAPPROFILE="$tmp/sb" HEAP_PROFILE_SAMPLE=4096 "$stacks" 2>errb || fail "exit $?"
    t=$(total sb.0001.heap)
    grep -q "^Dumping heap profile to $tmp/sb.0001.heap (Exiting, $((t >> 10)) kB in use)$" errb \
        || fail "exit figure, google-pprof says $t bytes: $(tail -1 errb)"
    n=$(ls sa.*.heap | wc -l)
    [ "$n" -ge 9 ] || fail "want >= 9 dumps of 2.2 MB by 200 kB, got $n: $(cat err)"
    last=$(printf 'sa.%04d.heap' "$n")
    t=$(total "$last")
    [ -n "$t" ] || fail "google-pprof read nothing from $last"
    if [ $((t >> 20)) -gt 0 ]; then fig="$((t >> 20)) MB"; else fig="$((t >> 10)) kB"; fi
    grep -q "^Dumping heap profile to $tmp/$last (Exiting, $fig in use)$" err \
        || fail "exit figure, google-pprof says $t bytes: $(tail -1 err)"
    # each dump came when the in-use estimate first passed the previous one's by 200000
    # (rounding: < 0.5 B a sample; lateness: the 12500-byte batches of the totals)
    prev=0
    for j in $(seq 1 $((n - 1))); do
        t=$(total "$(printf 'sa.%04d.heap' "$j")")
        [ "$t" -ge $((prev + 200000 - 2000)) ] && [ "$t" -lt $((prev + 200000 + 16000)) ] \
            || fail "dump $j: $t bytes in use, want just above $((prev + 200000))"
        prev=$t
    done
    ;;
*)
    fail "unknown scenario"
    ;;
esac
exit 0
