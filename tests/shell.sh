#!/usr/bin/env bash
# The interactive shell against the one-shot command line: on the profiles of
# ../shared/corpus (and testdata/ without it), every report the shell writes
# (list, traces, dot, flame, tree, peek, proto) must equal what the one-shot
# `pprof --list=…` and friends print with the same options, byte for byte;
# `top`, `top5 --cum`, sample_index=alloc_space + top, focus, `top7 -RE` must
# be the rows Perl's PrintText keeps (top_rows), taken from one-shot --text
# reports. The committed transcript testdata/golden/shell.seed_top is checked
# against Perl's references in testdata/golden/ref/ and google-pprof. Where
# Perl pprof and /opt/hprof-corpus are there, `top` transcripts are also
# compared with google-pprof --interactive for the profiles whose --text
# output already matches Perl's reference. Then graph files, `web`, and the
# libedit path through a pseudo-terminal. Parts that cannot run say `skipped:`.
set -u
PPROF=$(readlink -f "${PPROF:?}")
src=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
testdata=$src/testdata
corpus=$src/../shared/corpus
recorded=/opt/hprof-corpus
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 checked=0 perl_checked=0
export LC_ALL=C

# compare NAME WANT GOT
compare() {
  checked=$((checked+1))
  if ! cmp -s "$2" "$3"; then
    echo "DIFF $1"; diff "$2" "$3" | head -10; fail=$((fail+1))
  fi
}

# top_rows N COL MB BYTES NAMES: the report Perl's interactive `topN` prints
# (PrintText with a line limit): every function of the profile, the invisible
# ones included (zero flat and cumulative: not printed, but counted towards N),
# sorted by column COL of the --show_bytes report BYTES (1 flat, 4 cumulative),
# then by name; the first N, as the rows of the report MB. NAMES is a report
# naming every function (--alloc_space): those missing from BYTES are zero.
# A name printed twice (unnamed addresses, "?? ??:0") is told apart by its
# rank among the rows of that name, so MB must be in BYTES' order for those.
top_rows() {
  local n=$1 col=$2 mb=$3 bytes=$4 names=$5
  awk -v col="$col" '
    FNR == 1 && /^Total:/ { next }
    { v = $col; sub(/^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ /, "") }
    FILENAME == ARGV[1] { seen[$0] = 1; print v "\t" $0 "\t" ++dup[$0]; next }
    !($0 in seen) { seen[$0] = 1; print "0\t" $0 "\t0" }' "$bytes" "$names" |
    LC_ALL=C sort -s -t "$(printf '\t')" -k1,1nr -k2,2 | head -n "$n" |
    awk -F '\t' '$3 != 0 { print $3 "\t" $2 }' >"$tmp/top_rows"
  awk 'FILENAME == ARGV[1] { want[++k] = $0; next }
       FNR == 1 && /^Total:/ { print; next }
       { line = $0; sub(/^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ /, ""); row[++dup[$0] "\t" $0] = line }
       END { for (j = 1; j <= k; j++) print (want[j] in row) ? row[want[j]] : "(no row) " want[j] }' \
    "$tmp/top_rows" "$mb"
}

# check_profile DIR PROGRAM PROFILE FLAGS...: run the shell once, each report to
# its own file, then the same reports one-shot.
check_profile() {
  local dir=$1 prog=$2 prof=$3; shift 3
  local o=$tmp/o name="$(basename "$dir")/$prof"
  rm -rf "$o"; mkdir -p "$o"
  ( cd "$dir" && "$PPROF" --interactive "$@" "$prog" "$prof" >"$o/stdout" 2>"$o/stderr" <<EOF
top > $o/top
top5 --cum > $o/topcum
sample_index=alloc_space
top > $o/alloc
sample_index=
focus=main
top > $o/focus
focus
top7 -Leak|std > $o/ignore
list ^main\$ > $o/list
traces > $o/traces
dot > $o/dot
flame > $o/flame
tree > $o/tree
peek main > $o/peek
proto > $o/proto
EOF
  ) || { echo "FAIL $name: shell exit $?"; cat "$o/stderr"; fail=$((fail+1)); return; }
  # top N: Total, then the rows Perl's `topN` prints (top_rows), from one-shot reports
  oneshot() { ( cd "$dir" && "$PPROF" "$@" "$prog" "$prof" 2>/dev/null ); }
  want_top() { # N COL OPTS...
    local n=$1 col=$2; shift 2
    oneshot --text "$@" >"$o/mb"; oneshot --text --show_bytes "$@" >"$o/bytes"
    oneshot --text --alloc_space "$@" >"$o/names"
    top_rows "$n" "$col" "$o/mb" "$o/bytes" "$o/names"
  }
  # with a zero total --text prints no Total line; top always does
  strip_total() { if grep -q '^Total:' "$2"; then cat "$1"; else grep -v '^Total:' "$1"; fi; }
  local f
  for f in top:10:1: topcum:5:4:--cum alloc:10:1:--alloc_space focus:10:1:--focus=main; do
    local what=${f%%:*} spec=${f#*:}
    # shellcheck disable=SC2046
    want_top $(echo "$spec" | tr : ' ') "$@" >"$o/want.$what"
    grep -q '^Total:' "$o/$what" || { echo "FAIL $name $what: no Total line"; fail=$((fail+1)); }
    strip_total "$o/$what" "$o/want.$what" >"$o/got"
    compare "$name $what" "$o/want.$what" "$o/got"
  done
  # top -RE: Total, "After ignoring", rows
  want_top 7 1 --ignore='Leak|std' "$@" | grep -v '^Total:' >"$o/want.ignore"
  grep -v '^Total:\|^After ignoring' "$o/ignore" >"$o/got"
  compare "$name top -ignore" "$o/want.ignore" "$o/got"
  grep -q "^After ignoring 'Leak|std': " "$o/ignore" || { echo "FAIL $name: no 'After ignoring' line"; fail=$((fail+1)); }
  # list: Perl's interactive list prints Total first
  oneshot --list='^main$' "$@" >"$o/want.list"
  tail -n +2 "$o/list" >"$o/got"
  compare "$name list" "$o/want.list" "$o/got"
  oneshot -traces "$@" >"$o/want.traces"
  compare "$name traces" "$o/want.traces" "$o/traces"
  oneshot --dot "$@" >"$o/want.dot"
  compare "$name dot" "$o/want.dot" "$o/dot"
  oneshot --flame "$@" >"$o/want.flame"
  compare "$name flame" "$o/want.flame" "$o/flame"
  oneshot -tree "$@" >"$o/want.tree"
  compare "$name tree" "$o/want.tree" "$o/tree"
  oneshot -peek=main "$@" >"$o/want.peek"
  compare "$name peek" "$o/want.peek" "$o/peek"
  oneshot --proto "$@" >"$o/want.proto"
  compare "$name proto" "$o/want.proto" "$o/proto"
  [ -s "$o/stdout" ] && { echo "FAIL $name: reports written to stdout despite '>'"; fail=$((fail+1)); }
}

# perl_top DIR PROFILE PROGRAM REF...: google-pprof's transcript of `top` (and
# `top5 --cum` when the --cum reference matches too) equals ours.
perl_top() {
  local dir=$1 prof=$2 prog=$3 cmds="top"
  ( cd "$dir" && "$PPROF" --text "$recorded/bin/$prog" "$prof" 2>/dev/null ) | cmp -s - "$dir/$prof.text.txt" ||
    { echo "skipped: $prof: --text differs from Perl's reference, transcript not compared"; return 0; }
  if [ -f "$dir/$prof.text_cum.txt" ] &&
     ( cd "$dir" && "$PPROF" --text --cum "$recorded/bin/$prog" "$prof" 2>/dev/null ) | cmp -s - "$dir/$prof.text_cum.txt"; then
    cmds="top
top5 --cum
top3 -std|Leak"
  fi
  ( cd "$dir" && google-pprof --interactive "$recorded/bin/$prog" "$prof" <<<"$cmds" >"$tmp/perl.out" 2>"$tmp/perl.err" )
  ( cd "$dir" && "$PPROF" --interactive "$recorded/bin/$prog" "$prof" <<<"$cmds" >"$tmp/ours.out" 2>"$tmp/ours.err" )
  compare "$(basename "$dir")/$prof google-pprof --interactive stdout" "$tmp/perl.out" "$tmp/ours.out"
  # stderr: banner, prompts, "Ignoring samples …" (Perl adds "Using local file" lines,
  # cpprof its symbolization warnings)
  sed '/^Using local file/d' "$tmp/perl.err" >"$tmp/perl.err2"
  sed '/^pprof: warning: /d' "$tmp/ours.err" >"$tmp/ours.err2"
  compare "$(basename "$dir")/$prof google-pprof --interactive stderr" "$tmp/perl.err2" "$tmp/ours.err2"
  perl_checked=$((perl_checked+1))
}

# ---- the project's own profiles ----
PPROF_BINARY_PATH=bin check_profile "$testdata" bin/seed heap/seed.0001.heap --source_path=src
PPROF_BINARY_PATH=bin check_profile "$testdata" bin/phases heap/phases.0002.heap --show_bytes

# ---- the committed transcript testdata/golden/shell.seed_top (the golden suite
# compares pprof with it byte for byte) against Perl pprof: each `topN [--cum]`
# of its input gives top_rows of Perl's references in testdata/golden/ref/, and
# google-pprof --interactive, when installed, writes the same transcript
gold=$testdata/golden ref=$testdata/golden/ref
while read -r cmd opt; do
  n=${cmd#top}; n=${n:-10}
  if [ "$opt" = --cum ]; then
    top_rows "$n" 4 "$ref/seed.text_cum.txt" "$ref/seed.text_show_bytes.txt" "$ref/seed.text_alloc_space.txt"
  elif [[ "$cmd$opt" =~ ^top[0-9]*$ ]]; then
    top_rows "$n" 1 "$ref/seed.text.txt" "$ref/seed.text_show_bytes.txt" "$ref/seed.text_alloc_space.txt"
  else
    echo "(shell.seed_top.stdin: '$cmd $opt' has no reference)"
  fi
done <"$gold/shell.seed_top.stdin" >"$tmp/seed_top.want"
compare "golden shell.seed_top.out against Perl's --text references" "$tmp/seed_top.want" "$gold/shell.seed_top.out"
if command -v google-pprof >/dev/null; then
  # Perl finds the program by the path the profile recorded: make it this one
  sed -E "s#[^ ]*/testdata/bin/seed\$#$testdata/bin/seed#" "$testdata/heap/seed.0001.heap" >"$tmp/seed.heap"
  google-pprof --interactive "$testdata/bin/seed" "$tmp/seed.heap" <"$gold/shell.seed_top.stdin" \
    >"$tmp/perl.out" 2>"$tmp/perl.err"
  compare "golden shell.seed_top.out against google-pprof --interactive" "$tmp/perl.out" "$gold/shell.seed_top.out"
  sed '/^Using local file/d' "$tmp/perl.err" >"$tmp/perl.err2"
  compare "golden shell.seed_top.err against google-pprof --interactive" "$tmp/perl.err2" "$gold/shell.seed_top.err"
else
  echo "skipped: no google-pprof: shell.seed_top not compared with Perl pprof's transcript"
fi

# ---- the corpus: a few profiles of each kind (SHELL_TEST_ALL=1: every one) ----
some="seed-heapcheck.0001.heap heapfile.0003.heap rich-O0.0001.heap rich-O2.0001.heap
  shlib.0001.heap threads.0001.heap series.0004.heap scale.0001.heap sqlite3.0001.heap"
with_perl="seed-heapcheck.0001.heap rich-O0.0001.heap series.0004.heap"
if [ -d "$corpus/01-seed" ]; then
  perl=
  command -v google-pprof >/dev/null && [ -x "$recorded/bin/seed" ] && perl=1
  export PPROF_BINARY_PATH="$corpus/bin:$corpus/lib"
  for c in 01-seed 02-rich 03-shlib 04-threads 05-series 06-scale 07-stripped; do
    [ -f "$corpus/$c/commands.tsv" ] || { echo "skipped: no $c/commands.tsv"; continue; }
    while IFS=$'\t' read -r _ rc cmd; do
      [ "$rc" = 0 ] || continue
      set -- $cmd
      [ $# = 4 ] && [ "$2" = --text ] && [ -f "$corpus/$c/$4" ] || continue
      prog=$3 prof=$4
      [ -n "${SHELL_TEST_ALL:-}" ] || [[ " "$some" " = *[[:space:]]$prof[[:space:]]* ]] || continue
      [ -x "${prog/#$recorded/$corpus}" ] || { echo "skipped: $prof: no ${prog/#$recorded/$corpus}"; continue; }
      check_profile "$corpus/$c" "${prog/#$recorded/$corpus}" "$prof" --source_path="$corpus/src"
      if [ -n "$perl" ] && [ "${prog#$recorded/bin/}" != "$prog" ] &&
         { [ -n "${SHELL_TEST_ALL:-}" ] || [[ " $with_perl " = *" $prof "* ]]; }; then
        perl_top "$corpus/$c" "$prof" "${prog#$recorded/bin/}"
      fi
    done <"$corpus/$c/commands.tsv"
  done
  unset PPROF_BINARY_PATH
  [ -n "$perl" ] || echo "skipped: no google-pprof or $recorded: transcripts not compared with Perl pprof"
else
  echo "skipped: no ../shared/corpus: only testdata/ checked"
fi

# ---- graph files, callgrind, web ----
w=$tmp/files; mkdir -p "$w"
( cd "$w" && BROWSER=true PPROF_BINARY_PATH=$testdata/bin "$PPROF" --interactive "$testdata/bin/seed" \
    "$testdata/heap/seed.0001.heap" >out 2>err <<'EOF'
svg
svg Leak
pdf
callgrind cg.out
collapsed > folded.txt
web
quit
EOF
) || { echo "FAIL graph files: exit $?"; fail=$((fail+1)); }
for f in pprof001.svg pprof002.svg; do
  head -c 200 "$w/$f" 2>/dev/null | grep -q '<svg' || { echo "FAIL $f is not an SVG"; fail=$((fail+1)); }
done
head -c 5 "$w/pprof003.pdf" 2>/dev/null | grep -q '%PDF-' || { echo "FAIL pprof003.pdf is not a PDF"; fail=$((fail+1)); }
grep -q '^Generating report in pprof001.svg$' "$w/err" || { echo "FAIL no 'Generating report' line"; fail=$((fail+1)); }
grep -q '^Loading web page file://' "$w/err" || { echo "FAIL web opened nothing"; fail=$((fail+1)); }
for f in callgrind:cg.out collapsed:folded.txt; do
  ( cd "$testdata" && PPROF_BINARY_PATH=bin "$PPROF" --"${f%%:*}" bin/seed heap/seed.0001.heap ) >"$tmp/want.$f"
  compare "${f%%:*} to a file" "$tmp/want.$f" "$w/${f#*:}"
done
# only web prints something: Perl's "Total:" line
[ "$(cat "$w/out")" = "Total: 0.0 MB" ] || { echo "FAIL graph commands wrote to stdout"; cat "$w/out"; fail=$((fail+1)); }

# ---- a terminal: libedit prompt, completion, history ----
if ! ldd "$PPROF" | grep -q libedit; then
  echo "skipped: pprof built without libedit: no terminal test"
elif ! command -v python3 >/dev/null; then
  echo "skipped: no python3: no terminal test"
else
  mkdir -p "$tmp/home"
  if ! HOME=$tmp/home PPROF_BINARY_PATH=$testdata/bin python3 - "$PPROF" "$testdata" >"$tmp/pty.log" 2>&1 <<'EOF'
import os, pty, select, sys, time
pprof, testdata = sys.argv[1], sys.argv[2]
os.environ.pop("XDG_STATE_HOME", None)
pid, fd = pty.fork()
if pid == 0:
    os.chdir(testdata)
    # no output flag and stdout a terminal: the shell (Perl's rule)
    os.execv(pprof, [pprof, "bin/seed", "heap/seed.0001.heap"])
buf = b""
def until(pattern, count=1, timeout=20):
    global buf
    end = time.time() + timeout
    while buf.count(pattern) < count:
        left = end - time.time()
        if left <= 0:
            sys.exit("timeout waiting for %r; got:\n%s" % (pattern, buf.decode(errors="replace")))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
until(b"(pprof) ")
os.write(fd, b"top3\r")
until(b"Total: 0.0 MB")
until(b"(pprof) ", 2)
os.write(fd, b"\x1b[A\r")          # history: the previous line again
until(b"Total: 0.0 MB", 2)
until(b"(pprof) ", 3)
os.write(fd, b"trac\t\r")           # completion of a command name
until(b"-----------+", 1)
until(b"(pprof) ", 4)
os.write(fd, b"quit\r")
_, status = os.waitpid(pid, 0)
if status != 0:
    sys.exit("exit status %d" % status)
if b"Welcome to pprof!" not in buf:
    sys.exit("no banner")
print(buf.decode(errors="replace"))
EOF
  then
    echo "FAIL terminal session:"; cat "$tmp/pty.log"; fail=$((fail+1))
  elif ! grep -qx 'top3' "$tmp/home/.pprof_history" || ! grep -q '^traces' "$tmp/home/.pprof_history"; then
    echo "FAIL history not written to \$HOME/.pprof_history"; cat "$tmp/home/.pprof_history"; fail=$((fail+1))
  else
    checked=$((checked+1))
  fi
fi

echo "$checked compared ($perl_checked transcripts with Perl pprof), $fail failed"
[ $fail -eq 0 ]
