#!/usr/bin/env bash
# debuginfod.sh - debug info on demand. Starts elfutils' debuginfod on a free
# loopback port over a temporary folder of unstripped files (its own database
# there too), then checks with stripped local copies that:
#  - without DEBUGINFOD_URLS, or with --debuginfod=off, no request reaches the
#    server (its metrics) and the stripped program stays unnamed;
#  - with it, pprof prints exactly what it prints with the unstripped files
#    (testdata's seed; ../shared/corpus's shlib and its two libraries when
#    there), and says on stderr where the debug info came from;
#  - an executable missing locally is fetched by --buildid;
#  - a dwz file is fetched by its build-id (hp-addr2line on fxdwz-a);
#  - with the server stopped, the same runs are served from the cache, and an
#    unreachable server is reported once, not once per object.
# Needs PPROF, TESTDATA (and A2L, SHARED: optional). Exit 77 only when the
# debuginfod program is missing.
set -u
: "${PPROF:?}" "${TESTDATA:?}"
command -v debuginfod >/dev/null || { echo "skipped: no debuginfod program (Debian: debuginfod)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hp-debuginfod.XXXXXX") || exit 1
server_pid=
stop_server() {
    [ -n "$server_pid" ] || return 0
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
}
trap 'stop_server; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

fails=0 passes=0
pass() { passes=$((passes + 1)); echo "ok - $1"; }
fail() { fails=$((fails + 1)); echo "FAIL - $1"; }
check_same() { # NAME EXPECTED-FILE GOT-FILE
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1"; diff -u "$2" "$3" | head -20; fi
}
check_grep() { # NAME PATTERN FILE
    if grep -qF -- "$2" "$3"; then pass "$1"; else fail "$1: no '$2' in:"; cat "$3"; fi
}

# ---- the server ----------------------------------------------------------------
http_get() { # PORT PATH: the body, through bash's /dev/tcp (no curl needed)
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
    sed '1,/^\r*$/d' <&3
    exec 3<&-
}
metric() { # NAME{labels}: its value, 0 when absent
    http_get "$port" /metrics | awk -v m="$1" '$1 == m { v = $2 } END { print v + 0 }'
}
requests() { # buildid requests served so far (debuginfo, executable, source, section)
    http_get "$port" /metrics |
        awk '/^http_requests_total\{/ && !/type="metrics"/ { n += $2 } END { print n + 0 }'
}
start_server() { # serves $tmp/served; sets port and server_pid
    mkdir -p "$tmp/server-tmp"
    for try in 1 2 3 4 5 6 7 8; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        TMPDIR="$tmp/server-tmp" debuginfod -F "$tmp/served" -d "$tmp/server.sqlite" \
            -p "$port" -v >>"$tmp/server.log" 2>&1 &
        server_pid=$!
        for _ in $(seq 100); do
            kill -0 "$server_pid" 2>/dev/null || break # port taken: try another
            if [ "$(metric 'ready')" = 1 ] &&
                [ "$(metric 'thread_work_total{role="traverse"}')" -ge 1 ] &&
                [ "$(metric 'thread_work_pending{role="scan"}')" = 0 ] &&
                [ "$(metric 'thread_busy{role="scan"}')" = 0 ]; then
                return 0
            fi
            sleep 0.2
        done
        stop_server
    done
    echo "cannot start debuginfod:"
    tail -20 "$tmp/server.log"
    exit 1
}

# ---- the files: unstripped ones served, stripped copies used ------------------
mkdir -p "$tmp/served" "$tmp/full" "$tmp/stripped" "$tmp/empty"
cp "$TESTDATA/bin/seed" "$tmp/served/seed"
cp "$TESTDATA/bin/seed" "$tmp/full/seed"
strip -o "$tmp/stripped/seed" "$TESTDATA/bin/seed" || exit 1
# fxdwz-a's debug file and the dwz file it points to (by build-id)
cp "$TESTDATA/sysroot/.build-id/d0/d0aaaa00000000000000000000000000000001.debug" \
    "$tmp/served/fxdwz-a.debug"
cp "$TESTDATA/sysroot/.dwz/fxdwz.debug" "$tmp/served/fxdwz.debug"
seed_id=$(LC_ALL=C readelf -n "$TESTDATA/bin/seed" | awk '/Build ID/ { print $3 }')
[ -n "$seed_id" ] || { echo "no build-id in seed"; exit 1; }

shared=${SHARED:-}
corpus=
if [ -n "$shared" ] && [ -f "$shared/corpus/03-shlib/shlib.0001.heap" ]; then
    corpus=$shared/corpus
    mkdir -p "$tmp/served/corpus" "$tmp/cfull" "$tmp/cstripped"
    for f in bin/shlib lib/libcorpus_linked.so lib/libcorpus_plugin.so; do
        cp "$corpus/$f" "$tmp/served/corpus/"
        cp "$corpus/$f" "$tmp/cfull/"
        strip -o "$tmp/cstripped/${f##*/}" "$corpus/$f" || exit 1
    done
    sed -E "s#/opt/hprof-corpus/(bin|lib)/#$tmp/cfull/#" \
        "$corpus/03-shlib/shlib.0001.heap" >"$tmp/cfull.heap"
    sed -E "s#/opt/hprof-corpus/(bin|lib)/#$tmp/cstripped/#" \
        "$corpus/03-shlib/shlib.0001.heap" >"$tmp/cstripped.heap"
fi

# seed profiles whose program is the unstripped, the stripped or a missing copy
for d in full stripped gone; do
    sed -E "s#[^ ]*/testdata/bin/seed\$#$tmp/$d/seed#" "$TESTDATA/heap/seed.0001.heap" \
        >"$tmp/$d.heap"
done

start_server
url="http://127.0.0.1:$port"
export DEBUGINFOD_CACHE_PATH="$tmp/cache" DEBUGINFOD_TIMEOUT=20
unset DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE
run() { # [RC=N] NAME ARGS...: stdout to $tmp/NAME.out, stderr to $tmp/NAME.err; the exit
    local want=0 name rc # status is checked (0 unless RC=N), so sanitizer reports fail too
    case $1 in RC=*) want=${1#RC=}; shift ;; esac
    name=$1
    shift
    env ${nourl:+-u DEBUGINFOD_URLS} "$PPROF" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        fail "$name: exit status $rc, not $want"
        cat "$tmp/$name.err"
    fi
}
nourl=
nourl() { nourl=1 run "$@"; } # run without DEBUGINFOD_URLS

# references: the unstripped files, debuginfod off
nourl ref --text --lines "$tmp/full.heap"
grep -q 'seed.cc:' "$tmp/ref.out" || { echo "reference run has no seed.cc lines:"; cat "$tmp/ref.out"; exit 1; }

# ---- off: nothing reaches the server --------------------------------------------
before=$(requests)
nourl nourl --text --lines "$tmp/stripped.heap"
DEBUGINFOD_URLS= run empty --text --lines "$tmp/stripped.heap"
DEBUGINFOD_URLS=$url run off --debuginfod=off --text --lines "$tmp/stripped.heap"
if grep -q 'seed.cc:' "$tmp/nourl.out"; then fail "stripped seed named without debuginfod"; else
    pass "stripped seed unnamed without debuginfod"; fi
check_same "empty DEBUGINFOD_URLS is off" "$tmp/nourl.out" "$tmp/empty.out"
check_same "--debuginfod=off" "$tmp/nourl.out" "$tmp/off.out"
after=$(requests)
if [ "$after" = "$before" ]; then pass "no request without DEBUGINFOD_URLS or with --debuginfod=off"
else fail "the server got $((after - before)) requests with debuginfod off"; fi
if [ -d "$tmp/cache" ]; then fail "a cache was made with debuginfod off"; else pass "no cache with debuginfod off"; fi
DEBUGINFOD_URLS= run RC=2 on --debuginfod=on --text "$tmp/stripped.heap"
check_grep "--debuginfod=on without DEBUGINFOD_URLS: usage error" "needs DEBUGINFOD_URLS" "$tmp/on.err"

# ---- on: the stripped program's debug info is fetched ---------------------------
export DEBUGINFOD_URLS=$url
before=$(metric 'http_requests_total{type="debuginfo"}')
run fetch --text --lines "$tmp/stripped.heap"
check_same "seed: debug info from debuginfod" "$tmp/ref.out" "$tmp/fetch.out"
check_grep "seed: stderr names the cached file" \
    "$tmp/stripped/seed: debug info from debuginfod: '$tmp/cache/$seed_id/debuginfo'" "$tmp/fetch.err"
[ -f "$tmp/cache/$seed_id/debuginfo" ] && pass "seed: cached" || fail "seed: not in the cache"
after=$(metric 'http_requests_total{type="debuginfo"}')
[ "$after" -gt "$before" ] && pass "seed: the server was asked" || fail "seed: the server got no request"
run fetch-on --debuginfod=on --text --lines "$tmp/stripped.heap"
check_same "seed: --debuginfod=on" "$tmp/ref.out" "$tmp/fetch-on.out"

# ---- an executable missing locally, by --buildid --------------------------------
run gone --text --lines "--buildid=$seed_id" "$tmp/gone.heap"
check_same "missing seed: executable by --buildid" "$tmp/ref.out" "$tmp/gone.out"
check_grep "missing seed: stderr says so" \
    "'$tmp/gone/seed' not found; executable of build-id $seed_id from debuginfod" "$tmp/gone.err"
run gone-bad --text --buildid=00112233 "$tmp/stripped.heap"
check_grep "another build is not used" \
    "'$tmp/stripped/seed' is another build (build-id $seed_id); debuginfod has no executable for build-id 00112233" \
    "$tmp/gone-bad.err"

# ---- a dwz file by its build-id -----------------------------------------------------
if [ -n "${A2L:-}" ]; then
    addrs=$(for a in $(seq $((0x11b0)) 4 $((0x11ec))); do printf '%x ' "$a"; done)
    # shellcheck disable=SC2086
    "$A2L" --debug-root "$TESTDATA/sysroot" -e "$TESTDATA/bin/fxdwz-a" $addrs >"$tmp/dwz-ref.out"
    # shellcheck disable=SC2086
    "$A2L" --debuginfod --debug-root "$tmp/empty" -e "$TESTDATA/bin/fxdwz-a" --info $addrs \
        >"$tmp/dwz.out" 2>&1
    grep -q 'fxdz::TakeTwice' "$tmp/dwz-ref.out" || fail "dwz reference has no inlined names"
    check_same "dwz: names from the dwz file" "$tmp/dwz-ref.out" <(sed '1,/^warning: /d' "$tmp/dwz.out")
    check_grep "dwz: fetched by build-id" \
        "dwz file from debuginfod: '$tmp/cache/08351d71a812abb84ef294b5cc99025f5db09c4b/debuginfo'" \
        "$tmp/dwz.out"
else
    echo "skipped: no A2L (hp-addr2line): dwz case not run"
fi

# ---- the corpus: a program and two libraries, all stripped --------------------------
if [ -n "$corpus" ]; then
    nourl cref --text --lines "$tmp/cfull.heap"
    nourl cnone --text --lines "$tmp/cstripped.heap"
    if cmp -s "$tmp/cref.out" "$tmp/cnone.out"; then fail "corpus: stripping changed nothing"; fi
    run corpus --text --lines "$tmp/cstripped.heap"
    check_same "corpus shlib: debug info from debuginfod" "$tmp/cref.out" "$tmp/corpus.out"
    for f in shlib libcorpus_linked.so libcorpus_plugin.so; do
        check_grep "corpus $f: from debuginfod" "$tmp/cstripped/$f: debug info from debuginfod" \
            "$tmp/corpus.err"
    done
else
    echo "skipped: no ../shared/corpus: corpus case not run"
fi

# ---- the server stopped: the cache serves, an unreachable server is said once ---------
stop_server
run cached --text --lines "$tmp/stripped.heap"
check_same "seed: from the cache, server stopped" "$tmp/ref.out" "$tmp/cached.out"
check_grep "seed: cache hit reported" "debug info from debuginfod: '$tmp/cache/$seed_id/debuginfo'" \
    "$tmp/cached.err"
if [ -n "$corpus" ]; then
    run ccached --text --lines "$tmp/cstripped.heap"
    check_same "corpus shlib: from the cache, server stopped" "$tmp/cref.out" "$tmp/ccached.out"
    DEBUGINFOD_CACHE_PATH="$tmp/cache2" run cdown --text --lines "$tmp/cstripped.heap"
    check_same "corpus shlib: server down, no cache: as without debuginfod" "$tmp/cnone.out" "$tmp/cdown.out"
    n=$(grep -c 'no more requests in this run' "$tmp/cdown.err")
    [ "$n" = 1 ] && pass "unreachable server reported once" ||
        { fail "unreachable server reported $n times"; cat "$tmp/cdown.err"; }
else
    DEBUGINFOD_CACHE_PATH="$tmp/cache2" run down --text --lines "$tmp/stripped.heap"
    check_same "seed: server down, no cache: as without debuginfod" "$tmp/nourl.out" "$tmp/down.out"
    check_grep "unreachable server reported" "no more requests in this run" "$tmp/down.err"
fi

echo "$passes passed, $fails failed"
if [ "$fails" != 0 ]; then
    echo "--- server log (tail)"
    tail -20 "$tmp/server.log"
    exit 1
fi
exit 0
