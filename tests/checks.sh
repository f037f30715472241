#!/usr/bin/env bash
# Input checks (issue 11 item 6) on testdata/heap/jethreads-tc.heap, a real
# tcmalloc HEAPPROFILE dump of testdata/src/jethreads.c (ASLR on):
#  - truncated files: the last sample lines dropped, or the file cut inside a
#    line: exit 0 and a warning with the missing amount, which is the header's
#    total minus the kept lines' sum (computed here with awk);
#  - tcmalloc's 1 MiB-capped dump (../shared/corpus/06-scale) names the limit;
#    a HEAP_PROFILE_MMAP dump (mmap buckets outside the header totals) is quiet;
#    a jemalloc dump cut before its final MAPPED_LIBRARIES section warns;
#  - "-" reads the profile from stdin (plain and gzipped): same report;
#  - old-style "start-end: /lib/x.so" map lines: the same report as the
#    /proc/self/maps lines they replace (Perl pprof's ParseLibraries reads both;
#    checked: google-pprof gives one report for both files too);
#  - [vdso], [heap], [stack] kept in the model and in --proto (read back too);
#  - stacks deeper than 4096 frames: truncated (leaf side kept), warned once;
#  - unwritable --output names the file and errno;
#  - hints for an ELF file, a script, swapped arguments, a CPU profile;
#  - summing or --base of profiles of different programs warns.
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
td=$SRCDIR/testdata
prog=$td/bin/jethreads
heap=$td/heap/jethreads-tc.heap
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "not ok: $*"; fail=1; }
run() { "$PPROF" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
expect_err() { # rc text
  [ "$(cat "$tmp/rc")" = "$1" ] || bad "exit $(cat "$tmp/rc"), want $1: $(head -1 "$tmp/err")"
  grep -qF -- "$2" "$tmp/err" || bad "stderr lacks '$2': $(cat "$tmp/err")"
}

# --- truncation: keep the header and the first K sample lines
hdr=$(head -1 "$heap" | tr -d '[]:' | awk '{print $4, $6}')
nlines=$(awk '/^MAPPED/{exit} NR>1 && /@/' "$heap" | wc -l)
for k in 1 5 $((nlines - 1)); do
  head -n $((k + 1)) "$heap" >"$tmp/cut.heap"
  # the first of in-use, allocated bytes whose sum differs from the header's
  set -- $(awk -v h="$hdr" 'NR>1 {gsub(/[\[\]:]/, " "); s[1] += $2; s[2] += $4}
             END{split(h, t, " "); for (i = 1; i <= 2; i++) if (s[i] != t[i]) {
               print s[i], t[i], (i == 1 ? "in use" : "allocated"); exit } }' "$tmp/cut.heap")
  sum=$1 want_hdr=$2 what="$3 ${4:-}"; what=${what% }
  miss=$((want_hdr - sum))
  run --text --show_bytes --symbolize=none "$tmp/cut.heap"
  if [ $miss -ge 104858 ]; then
    expect_err 0 "$(awk -v s=$sum -v h=$want_hdr -v m=$miss -v w="$what" 'BEGIN{
      printf "sample lines sum to %.1f MB %s, the header says %.1f MB: %.1f MB (", s/1048576, w, h/1048576, m/1048576}')"
  else
    expect_err 0 "sample lines sum to $sum bytes $what, the header says $want_hdr bytes: $miss bytes ("
  fi
  expect_err 0 "missing (truncated file?)"
done
head -c $(( $(head -n 4 "$heap" | wc -c) - 7 )) "$heap" >"$tmp/mid.heap"
run --text --symbolize=none "$tmp/mid.heap"
expect_err 0 "ends inside a sample line"
expect_err 0 "missing (truncated file?)"
run --text --symbolize=none "$heap"
[ ! -s "$tmp/err" ] || bad "the whole file warns: $(cat "$tmp/err")"
scale=$SRCDIR/../shared/corpus/06-scale/scale.0001.heap
if [ -f "$scale" ]; then
  run --text --symbolize=none "$scale"
  expect_err 0 "tcmalloc writes at most 1 MiB per dump"
fi

# a jemalloc dump cut before its final MAPPED_LIBRARIES section
head -n 12 "$td/heap/jethreads.heap" >"$tmp/je.heap"
run --text --symbolize=none "$tmp/je.heap"
expect_err 0 "no MAPPED_LIBRARIES section at the end of this jemalloc dump: the file is truncated"
run --text --symbolize=none "$td/heap/jethreads.heap"
[ ! -s "$tmp/err" ] || bad "the whole jemalloc dump warns: $(cat "$tmp/err")"

# tcmalloc's HEAP_PROFILE_MMAP buckets are outside its header totals: no warning
tc=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1)
if [ -n "$tc" ]; then
  env HEAP_PROFILE_MMAP=true HEAPPROFILE="$tmp/mm" LD_PRELOAD="$tc" "$prog" 2>/dev/null
  run --text --symbolize=none "$tmp/mm.0001.heap"
  [ "$(cat "$tmp/rc")" = 0 ] && [ ! -s "$tmp/err" ] || bad "HEAP_PROFILE_MMAP dump: $(cat "$tmp/err")"
fi

# --- stdin
"$PPROF" --text "$prog" "$heap" >"$tmp/file.txt" 2>/dev/null
run --text "$prog" - <"$heap"
cmp -s "$tmp/out" "$tmp/file.txt" || bad "'-' (stdin) gives another report"
gzip -c "$heap" >"$tmp/h.gz"
run --text "$prog" - <"$tmp/h.gz"
cmp -s "$tmp/out" "$tmp/file.txt" || bad "'-' (gzipped stdin) gives another report"
grep -q WorkerBig "$tmp/file.txt" || bad "the report names no WorkerBig"

# --- old-style map lines: each library's range as one "start-end: path" line
awk '/^MAPPED_LIBRARIES:/{m=1; print; next} !m{print; next}
     { p=$NF; if (p ~ /\.so(\.[0-9]+)*$/) { split($1,a,"-"); if (!(p in s)) {s[p]=a[1]; o[++n]=p} e[p]=a[2] } else print }
     END{for(i=1;i<=n;i++) print s[o[i]] "-" e[o[i]] ": " o[i]}' "$heap" >"$tmp/cooked.heap"
grep -q '^[0-9a-f]*-[0-9a-f]*: .*libc\.so' "$tmp/cooked.heap" || bad "no cooked libc line made"
for v in --text "--text --lines"; do
  "$PPROF" $v "$prog" "$heap" >"$tmp/a" 2>/dev/null
  "$PPROF" $v "$prog" "$tmp/cooked.heap" >"$tmp/b" 2>/dev/null
  grep -q __libc_start_call_main "$tmp/a" || bad "$v: libc is not symbolized"
  cmp -s "$tmp/a" "$tmp/b" || { bad "$v: old-style map lines give another report"; diff "$tmp/a" "$tmp/b" | head; }
done

# --- pseudo-paths
grep -q '\[vdso\]' "$heap" || bad "the dump has no [vdso] mapping"
for name in '[vdso]' '[heap]' '[stack]'; do
  grep -qF "$name" "$heap" || bad "the dump has no $name mapping"
  "$PPROF" --proto "$prog" "$heap" 2>/dev/null | gzip -dc | grep -aqF "$name" || bad "--proto drops $name"
done
# read back: the same report, and the pseudo mappings are still there (--proto again)
"$PPROF" --proto "$prog" "$heap" >"$tmp/p.pb.gz" 2>/dev/null
"$PPROF" --text --show_bytes "$prog" "$heap" >"$tmp/a" 2>/dev/null
"$PPROF" --text --show_bytes "$prog" "$tmp/p.pb.gz" >"$tmp/b" 2>/dev/null
cmp -s "$tmp/a" "$tmp/b" || bad "--proto with pseudo mappings reads back to another report"
"$PPROF" --proto "$prog" "$tmp/p.pb.gz" 2>/dev/null | gzip -dc | grep -aqF '[stack]' || bad "--proto of a .pb.gz drops [stack]"

# --- deep stacks: WorkerBig's sample line with 5000 more copies of its caller
awk -v n=5000 'NR==2 { line=$0; s=""; for (i=0; i<n; i++) s = s " " $(NF-1); sub(/@ [^ ]+/, "& " s, line); print line; next } {print}' "$heap" >"$tmp/deep.heap"
run --text --show_bytes --symbolize=none "$tmp/deep.heap"
expect_err 0 "a stack of 5003 frames: only the 4096 nearest the allocation are kept"
[ "$(grep -c warning "$tmp/err")" = 1 ] || bad "deep stack: not one warning: $(cat "$tmp/err")"
leaf=$(sed -n '2s/.*@ \(0x[0-9a-f]*\).*/\1/p' "$heap")
grep -q "^ *4194304 .* $(printf '0x%016x' "$leaf")\$" "$tmp/out" || bad "deep stack: the leaf lost its value: $(head -3 "$tmp/out")"

# --- --output
run --text --output=/nonexistent/dir/x.txt "$prog" "$heap"
expect_err 1 "pprof: cannot write '/nonexistent/dir/x.txt': No such file or directory"
run --svg --output=/ "$prog" "$heap"
expect_err 1 "pprof: cannot write '/': Is a directory"

# --- hints
run --text "$heap" "$prog"
expect_err 1 "jethreads: an ELF file (a program or library), not a heap profile: give the program first"
run --text "$prog" "$prog"
expect_err 1 "an ELF file"
run --text "$prog" "$SRCDIR/scripts/demo"
expect_err 1 "demo: a script, not a heap profile"
cpu=$(ls /usr/lib/*/libprofiler.so.0 2>/dev/null | head -1)
if [ -n "$cpu" ]; then
  env LD_PRELOAD="$cpu" CPUPROFILE="$tmp/cpu.prof" "$prog" 2>/dev/null
  run --text "$prog" "$tmp/cpu.prof"
  expect_err 1 "a CPU profile (CPUPROFILE), not a heap profile"
fi

# --- profiles of different programs
run --text --symbolize=none "$heap" "$heap"
[ ! -s "$tmp/err" ] || bad "one program summed twice warns: $(cat "$tmp/err")"
run --text --symbolize=none "$heap" "$td/heap/seed.0001.heap"
expect_err 0 "warning: summing profiles of different programs"
grep -qF "from /work/main/testdata/bin/seed" "$tmp/err" || bad "the warning names no program: $(cat "$tmp/err")"
run --text --symbolize=none --base="$td/heap/seed.0001.heap" "$heap"
expect_err 0 "warning: subtracting profiles of different programs"
[ $fail = 0 ] && echo "input checks: ok"
exit $fail
