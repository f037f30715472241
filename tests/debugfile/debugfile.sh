#!/usr/bin/env bash
# debugfile.sh - separate debug files and rebuilt programs on a real
# reproduction (scripts/make-debugfile.sh): testdata/heap/split.heap is a
# libtcmalloc profile of testdata/bin/debugfile/split (ASLR on); the other
# binaries there are that build stripped, with its debug file next to it
# (.gnu_debuglink), under DIR/.build-id/, or named by .gnu_debuglink in a
# --binary_path folder, plus a debug file of another build and a rebuilt
# program. Expected frames: Perl pprof's report on the unstripped program
# (testdata/golden/ref/split.perl-*.txt, recorded with the program at its
# recorded path), rows of split.c only (libc's rows depend on the machine).
set -u
td=${TESTDATA:?}
pprof=${PPROF:?}
bin=$td/bin/debugfile
heap=$td/heap/split.heap
ref=$td/golden/ref
t=$(mktemp -d)
trap 'umount "$t/ov/m" 2>/dev/null; rm -rf "$t"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
rows() { grep '/testdata/src/split\.c:' "$1" | sed 's/  *$//'; }
own() { grep -E ' (inner|outer|main|pad)( |$)' "$1"; }
unset PPROF_BINARY_PATH

# run NAME ARGS...: stdout to $t/NAME.out, stderr to $t/NAME.err
run() { local n=$1; shift; "$pprof" "$@" >"$t/$n.out" 2>"$t/$n.err"; }
same_as_perl() { # NAME: split.c rows equal Perl's on the unstripped program
  if diff <(rows "$ref/split.perl-lines.txt") <(rows "$t/$1.out") >"$t/d"; then ok "$1: frames as Perl on the unstripped program"
  else fail "$1: frames differ from Perl's on the unstripped program"; cat "$t/d" "$t/$1.err"; fi
}
quiet() { # NAME: no warning (but DECISIONS 6's for a program argument of another name)
  if grep -v "is not the profile's executable" "$t/$1.err" | grep -q .; then fail "$1: unexpected warning"; cat "$t/$1.err"; else ok "$1: no warning"; fi
}
silent() { # NAME: nothing at all on stderr
  if [ -s "$t/$1.err" ]; then fail "$1: unexpected warning"; cat "$t/$1.err"; else ok "$1: silent"; fi
}
grep -q ' outer ' "$ref/split.perl-lines.txt" || fail "reference lacks outer"
# the deliberate difference: Perl on the stripped program with its debug file drops outer
own "$ref/split-link.perl-lines.txt" | grep -q ' outer ' && fail "Perl's stripped reference has outer"

# 1. .gnu_debuglink next to the program
run link --text --lines "$bin/split-link" "$heap"; same_as_perl link; quiet link
# 2. DIR/.build-id/xx/rest.debug through --binary_path (PPROF_BINARY_PATH alike)
run bid --text --lines --binary_path="$bin/dbg" "$bin/split-bid" "$heap"; same_as_perl bid; quiet bid
PPROF_BINARY_PATH=$bin/dbg run bid-env --text --lines "$bin/split-bid" "$heap"; same_as_perl bid-env
run bid-none --text --lines "$bin/split-bid" "$heap"
grep -q 'split-bid: no debug info and no symbols' "$t/bid-none.err" && ! own "$t/bid-none.out" >/dev/null &&
  ok "bid-none: without the folder, no debug info and no names" || fail "bid-none"
# 3. the .gnu_debuglink name found in a --binary_path folder
run far --text --lines --binary_path="$bin/dbg" "$bin/split-far" "$heap"; same_as_perl far; quiet far
# --list takes the function's own lines from the debug file too: as unstripped
run list --list=outer --source_path="$td/src" --binary_path="$bin/dbg" "$bin/split-far" "$heap"
run list-full --list=outer --source_path="$td/src" "$bin/split" "$heap"
grep -q 'ROUTINE ====================== outer' "$t/list.out" && cmp -s "$t/list.out" "$t/list-full.out" &&
  ok "list: outer listed as from the unstripped program" || fail "list"
# 4. a debug file of another build is named as rejected, never used
run bidmis --text --lines --binary_path="$bin/dbg" "$bin/split-bidmis" "$heap"
want="pprof: warning: $bin/split-bidmis: debug file '$bin/dbg/.build-id/5b/17000000000000000000000000000000000005.debug' rejected: build-id mismatch (its build-id 5b17000000000000000000000000000000000006, the object's 5b17000000000000000000000000000000000005); no symbols"
if [ "$(grep -v "is not the profile's executable" "$t/bidmis.err")" = "$want" ] && ! own "$t/bidmis.out" >/dev/null; then ok "bidmis: rejected, named"
else fail "bidmis"; cat "$t/bidmis.err"; fi

# 5. rebuilt after profiling. The profile's paths point at $t/run/split.
mkdir -p "$t/run" "$t/keep"
rec=$(grep -m1 -o '/[^ ]*/split$' "$heap")
sed "s#$rec\$#$t/run/split#" "$heap" >"$t/p.heap"
grep -q "$t/run/split" "$t/p.heap" || fail "cannot rewrite the profile's paths"
# an unchanged copy (another inode, newer than the profile): no warning
cp "$bin/split" "$t/run/split"
run copy --text --lines "$t/p.heap"; same_as_perl copy; silent copy
# a symlink to it as the program argument (python3 -> python3.11)
ln -s "$t/run/split" "$t/prog"
run link-arg --text --lines "$t/prog" "$t/p.heap"; same_as_perl link-arg; silent link-arg
# the rebuilt program at the recorded path: one warning, no names from it
cp "$bin/split-rebuilt" "$t/run/split"
run rebuilt --text --lines "$t/p.heap"
n=$(grep -c . "$t/rebuilt.err")
if [ "$n" = 1 ] && grep -q "^pprof: warning: $t/run/split: not the build that was profiled ([23] of 3 return addresses follow no call instruction; inode [0-9]* when profiled, [0-9]* now): its frames are left unnamed\$" "$t/rebuilt.err" &&
   ! own "$t/rebuilt.out" >/dev/null; then ok "rebuilt: one warning, frames unnamed"
else fail "rebuilt"; cat "$t/rebuilt.err" "$t/rebuilt.out"; fi
# ... with a kept copy of the build that ran in --binary_path: that copy
cp "$bin/split" "$t/keep/split"
run rebuilt-keep --text --lines --binary_path="$t/keep" "$t/p.heap"
same_as_perl rebuilt-keep
if [ "$(grep -c . "$t/rebuilt-keep.err")" = 1 ] &&
   grep -q "^pprof: warning: $t/run/split: not the build that was profiled (.*): using '$t/keep/split' from the binary path\$" "$t/rebuilt-keep.err"
then ok "rebuilt-keep: one warning naming both"; else fail "rebuilt-keep"; cat "$t/rebuilt-keep.err"; fi
# ... and as the program argument (recorded path missing)
rm "$t/run/split"
run rebuilt-arg --text --lines "$bin/split-rebuilt" "$t/p.heap"
if grep -q "^pprof: warning: $bin/split-rebuilt: not the build that was profiled ([23] of 3 return addresses follow no call instruction): its frames are left unnamed\$" "$t/rebuilt-arg.err" &&
   ! own "$t/rebuilt-arg.out" >/dev/null; then ok "rebuilt-arg: warned, frames unnamed"
else fail "rebuilt-arg"; cat "$t/rebuilt-arg.err"; fi

# 6. overlayfs (root only): recorded on an overlay mount, the file then
# copied up to the upper layer (its inode may change with the kernel's
# overlay options): the same code, no warning
tc=$(ls /usr/lib/*/libtcmalloc.so 2>/dev/null | head -1)
ov=$t/ov
mkdir -p "$ov/l" "$ov/u" "$ov/w" "$ov/m"
cp "$bin/split" "$ov/l/split"
if [ -n "$tc" ] && mount -t overlay overlay -o "lowerdir=$ov/l,upperdir=$ov/u,workdir=$ov/w" "$ov/m" 2>/dev/null; then
  (cd "$t" && HEAPPROFILE=$t/ovp HEAP_PROFILE_ALLOCATION_INTERVAL=1073741824 LD_PRELOAD=$tc "$ov/m/split" 2>/dev/null)
  touch "$ov/m/split" # copy-up
  run overlay --text --lines "$t/ovp.0001.heap"; same_as_perl overlay; silent overlay
  umount "$ov/m"
else
  echo "skipped: overlay (needs root, overlayfs and libtcmalloc)"
fi

echo "$fails failed"
[ $fails -eq 0 ]
