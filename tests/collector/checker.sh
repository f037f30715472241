#!/bin/bash
# checker.sh - heap-checker scenarios of issue 12 ("never cry wolf"): checks while other
# threads run must report nothing in leak-free programs, and pointers into a block count.
# Usage: checker.sh SCENARIO STOPWORLD INTERIOR. Exit 0 pass, 1 fail, 77 skip.
set -u
scenario=$1 stopworld=$2 interior=$3
[ "${HPC_SKIP:-0}" = 1 ] && { echo "skipped: collector tests never run under sanitizers"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpc-checker.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail() { echo "FAIL($scenario): $*" >&2; exit 1; }
run() { HEAP_CHECK_DUMP_DIRECTORY="$tmp" HEAPCHECK=normal timeout 60 "$@"; }

case $scenario in
stopworld-set)
    # the reproduction, 20 runs of 20 checks each: not one false report
    for i in $(seq 20); do
        run "$stopworld" set >out 2>err || fail "run $i: exit status $?: $(grep -m3 'Leak' err)"
        grep -qx 'false reports: 0/20' out || fail "run $i: $(cat out)"
        grep -q 'detected leaks' err && fail "run $i: $(grep -m1 'detected leaks' err)"
        grep -q 'No leaks found for check "_main_"' err || fail "run $i: no final check"
    done
    ;;
stopworld-threads)
    run "$stopworld" busy64 >out 2>err || fail "busy64: exit status $?: $(cat out)"
    grep -qx 'false reports: 0/5' out || fail "busy64: $(cat out)"
    grep -qx 'threads: 64 running after the checks' out || fail "busy64: $(cat out)"
    run "$stopworld" register >out 2>err || fail "register: exit status $?: $(cat out)"
    grep -qx 'false reports: 0/5' out || fail "register: $(cat out)"
    # one thread blocks the stop signal behind every wrapper's back: its checks wait out
    # the timeout, then scan its whole stack block
    HEAP_CHECK_STOP_TIMEOUT_MS=100 run "$stopworld" masked >out 2>err \
        || fail "masked: exit status $?: $(cat out)"
    grep -qx 'false reports: 0/10' out || fail "masked: $(cat out)"
    grep -qx 'signals taken by sigwait: 0' out || fail "masked: $(cat out)"
    run "$stopworld" spawn >out 2>err || fail "spawn: exit status $?: $(cat out)"
    grep -qx 'false reports: 0/20' out || fail "spawn: $(cat out)"
    run "$stopworld" unregistered >out 2>err || fail "unregistered: exit status $?: $(cat out)"
    grep -qx 'false reports: 0/10' out || fail "unregistered: $(cat out)"
    # a main thread that called pthread_exit is a zombie without memory: nothing may read
    # through it (process_vm_readv on getpid() fails then) nor wait for it to stop
    run "$stopworld" main-exited >out 2>err || fail "main-exited: exit status $?: $(cat out)"
    grep -qx 'false reports: 0/3' out || fail "main-exited: $(cat out)"
    ;;
interior-ignore)
    run "$interior" ignore >out 2>err || fail "exit status $?: $(cat out) $(tail -3 err)"
    grep -qx 'ignore ok' out || fail "$(cat out)"
    # gperftools: 3 x sizeof(T) + the 8-byte array cookie, and the 100-byte block
    grep -q '^Leak check _main_ detected leaks of 132 bytes in 2 objects$' err \
        || fail "want the two un-ignored blocks: $(grep 'Leak check' err)"
    ;;
interior-offsets)
    # a global pointer to any of a block's first HEAP_CHECK_MAX_POINTER_OFFSET + 1 bytes
    # keeps it (gperftools' rule; tcmalloc 2.10 agrees for sizes up to 1024, all offsets)
    run "$interior" offsets 1 8 24 40 100 1000 >out 2>err \
        || fail "small: exit status $?: $(tail -3 err)"
    grep -qx 'blocks 1173 expected leaks 0 bytes in 0 objects' out || fail "small: $(cat out)"
    grep -q '^No leaks found for check "_main_"' err || fail "small: $(grep 'Leak check' err)"
    # offsets 1025.. leak: 3071 blocks of 4096 and 3975 of 5000 bytes (tcmalloc, whose lookup
    # rounds the limit up to a 128-byte granule, reports 127 fewer of each size)
    run "$interior" offsets 4096 5000 >out 2>err
    [ $? = 1 ] || fail "large: want exit status 1"
    grep -qx 'blocks 9096 expected leaks 32453816 bytes in 7046 objects' out \
        || fail "large: $(cat out)"
    grep -q '^Leak check _main_ detected leaks of 32453816 bytes in 7046 objects$' err \
        || fail "large: $(grep 'Leak check' err)"
    HEAP_CHECK_MAX_POINTER_OFFSET=-1 run "$interior" offsets 4096 5000 >out 2>err \
        || fail "unlimited: exit status $?: $(grep 'Leak check' err)"
    grep -qx 'blocks 9096 expected leaks 0 bytes in 0 objects' out || fail "unlimited: $(cat out)"
    ;;
*)
    fail "unknown scenario"
    ;;
esac
exit 0
