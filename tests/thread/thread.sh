#!/usr/bin/env bash
# --thread=N on jemalloc heap_v2 dumps:
#  - testdata/heap/jemalloc-threads.heap (a real dump: the corpus "threads"
#    program under libjemalloc 5.3 with prof:true): every stack belongs to one
#    thread, so the per-thread totals add up to the whole profile's, and each
#    thread's report holds only stacks that have a line for that thread;
#  - with ../shared/corpus (symbolized with its "threads" program): each worker
#    thread's report shows its own Worker* function and no other one.
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
py=$(command -v python3) || { echo "skipped: no python3"; exit 77; }
td=$SRCDIR/testdata
heap=$td/heap/jemalloc-threads.heap
fail=0
threads=$(sed -n '2,/^@/s/^ *t\([0-9][0-9]*\):.*/\1/p' "$heap")
[ -n "$threads" ] || { echo "not ok: no thread lines in $heap"; exit 1; }
total() { "$PPROF" --symbolize=none --json "$@" "$heap" | "$py" -c 'import json,sys; print(repr(json.load(sys.stdin)["profile"]["total"]))'; }
all=$(total) || { echo "not ok: pprof failed"; exit 1; }
sum=0
for t in $threads; do
  v=$(total --thread="$t") || { echo "not ok: --thread=$t failed"; fail=1; continue; }
  sum=$("$py" -c "print(repr($sum + $v))")
  # the stacks of thread t: those followed by a "t<t>:" line
  want=$(awk -v t="$t" '/^@/{s=$0} $1=="t"t":" && s{n++} /^MAPPED/{exit} END{print n+0}' "$heap")
  got=$("$PPROF" --symbolize=none --json=stacks --thread="$t" "$heap" | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)["stacks"]))')
  [ "$got" = "$want" ] || { echo "not ok: thread $t: $got stacks, want $want"; fail=1; }
done
"$py" -c "import sys; a,b=$all,$sum; sys.exit(abs(a-b) > 1e-9*max(1,abs(a)))" ||
  { echo "not ok: the threads' totals add up to $sum, the profile's is $all"; fail=1; }
echo "threads: $(echo $threads | wc -w), total $all"

corpus=$SRCDIR/../shared/corpus
if [ -x "$corpus/bin/threads" ]; then
  # thread uid -> the Worker* functions its report names
  for t in $threads; do
    ws=$("$PPROF" --text --thread="$t" "$corpus/bin/threads" "$heap" 2>/dev/null | grep -o 'Worker[A-Za-z0-9]*' | sed 's/Level2$//; s/Deep3$/Deep/' | sort -u | tr '\n' ' ')
    n=$(echo $ws | wc -w)
    [ "$n" -le 1 ] || { echo "not ok: thread $t shows several workers: $ws"; fail=1; }
    echo "thread $t: ${ws:-(no worker: main thread or library)}"
  done
  "$PPROF" --text --thread=7 "$corpus/bin/threads" "$heap" 2>/dev/null | grep -q 'WorkerBig' ||
    { echo "not ok: thread 7 (4 MiB in 4 blocks) is not WorkerBig's"; fail=1; }
else
  echo "skipped: no ../shared/corpus: worker names per thread not checked"
fi
exit $fail
