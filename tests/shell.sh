#!/usr/bin/env bash
# The interactive shell against the one-shot command line: on the profiles of
# ../shared/corpus (and testdata/ without it), every report the shell writes
# (top, top5 --cum, sample_index=alloc_space + top, focus, top -ignore, list,
# traces, dot) must equal what `pprof --text …` and friends print with the
# same options, byte for byte. Where Perl pprof and /opt/hprof-corpus are
# there, `top` transcripts are also compared with google-pprof --interactive
# for the profiles whose --text output already matches Perl's reference.
# Then graph files, `web`, and the libedit path through a pseudo-terminal.
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
  # top N prints Total, then at most N rows: the one-shot --nodecount gives the same rows
  oneshot() { ( cd "$dir" && "$PPROF" "$@" "$prog" "$prof" 2>/dev/null ); }
  rows() { grep -cv '^Total:\|^After ' "$1"; }
  # with a zero total --text prints no Total line; top always does
  strip_total() { if grep -q '^Total:' "$2"; then cat "$1"; else grep -v '^Total:' "$1"; fi; }
  local f want
  for f in top:--text topcum:"--text --cum" alloc:"--text --alloc_space" focus:"--text --focus=main"; do
    want=$o/want.${f%%:*}
    # shellcheck disable=SC2086
    oneshot ${f#*:} --nodecount="$(rows "$o/${f%%:*}")" "$@" >"$want"
    strip_total "$o/${f%%:*}" "$want" >"$o/got"
    compare "$name ${f%%:*}" "$want" "$o/got"
  done
  [ "$(rows "$o/top")" -le 10 ] || { echo "FAIL $name: top printed more than 10 rows"; fail=$((fail+1)); }
  [ "$(rows "$o/topcum")" -le 5 ] || { echo "FAIL $name: top5 printed more than 5 rows"; fail=$((fail+1)); }
  # top -RE: Total, "After ignoring", rows
  oneshot --text --ignore='Leak|std' --nodecount="$(rows "$o/ignore")" "$@" | grep -v '^Total:' >"$o/want.ignore"
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
  ( cd "$dir" && "$PPROF" --text "$recorded/bin/$prog" "$prof" 2>/dev/null ) | cmp -s - "$dir/$prof.text.txt" || return 0
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

# ---- the corpus: a few profiles of each kind (SHELL_TEST_ALL=1: every one) ----
some="seed-heapcheck.0001.heap heapfile.0003.heap rich-O0.0001.heap rich-O2.0001.heap
  shlib.0001.heap threads.0001.heap series.0004.heap scale.0001.heap sqlite3.0001.heap"
with_perl="seed-heapcheck.0001.heap rich-O0.0001.heap series.0004.heap"
if [ -d "$corpus/01-seed" ]; then
  perl=
  command -v google-pprof >/dev/null && [ -x "$recorded/bin/seed" ] && perl=1
  export PPROF_BINARY_PATH="$corpus/bin:$corpus/lib"
  for c in 01-seed 02-rich 03-shlib 04-threads 05-series 06-scale 07-stripped; do
    [ -f "$corpus/$c/commands.tsv" ] || continue
    while IFS=$'\t' read -r _ rc cmd; do
      [ "$rc" = 0 ] || continue
      set -- $cmd
      [ $# = 4 ] && [ "$2" = --text ] && [ -f "$corpus/$c/$4" ] || continue
      prog=$3 prof=$4
      [ -n "${SHELL_TEST_ALL:-}" ] || [[ " "$some" " = *[[:space:]]$prof[[:space:]]* ]] || continue
      [ -x "${prog/#$recorded/$corpus}" ] || { echo "no ${prog/#$recorded/$corpus}: $prof skipped"; continue; }
      check_profile "$corpus/$c" "${prog/#$recorded/$corpus}" "$prof" --source_path="$corpus/src"
      if [ -n "$perl" ] && [ "${prog#$recorded/bin/}" != "$prog" ] &&
         { [ -n "${SHELL_TEST_ALL:-}" ] || [[ " $with_perl " = *" $prof "* ]]; }; then
        perl_top "$corpus/$c" "$prof" "${prog#$recorded/bin/}"
      fi
    done <"$corpus/$c/commands.tsv"
  done
  unset PPROF_BINARY_PATH
  [ -n "$perl" ] || echo "no google-pprof or $recorded: transcripts not compared with Perl pprof"
else
  echo "no ../shared/corpus: only testdata/ checked"
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
  echo "pprof built without libedit: terminal test skipped"
elif ! command -v python3 >/dev/null; then
  echo "no python3: terminal test skipped"
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
