#!/usr/bin/env bash
# The command line and the shell offer the same output modes (one table,
# cli/dispatch.c), checked from the outside:
#  - the modes --help lists (an option is a mode when `--text --NAME` is
#    refused as a second output mode) and the reports the shell's `help` lists
#    are the same, except the modes that are whole runs and not reports
#    (--interactive: the shell itself; --symbols: stdin to names; --trend: a
#    series of profiles); each listed report runs both as `--NAME` and as the
#    shell's command and writes the same bytes (the viewers: a stand-in);
#  - --gif is not offered: no --gif in --help nor `gif` in the shell's help,
#    and asking for it answers one line naming --png, exit status 2;
#  - the shell's `base FILE` gives the rows of `--base=FILE` on the command line;
#  - --symbols names the program's addresses as google-pprof --symbols does
#    (Perl's addr2line and nm), "??" outside every mapping.
set -u
PPROF=$(readlink -f "${PPROF:?}")
src=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
testdata=$src/testdata
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 checked=0
export LC_ALL=C PPROF_BINARY_PATH=$testdata/bin
bad() { echo "FAIL $*"; fail=$((fail+1)); }
ok() { checked=$((checked+1)); }
prog=$testdata/bin/seed prof=$testdata/heap/seed.0001.heap

# ---- the modes of --help and of the shell's help ----
mkdir -p "$tmp/bin" "$tmp/w"
cd "$tmp/w" || exit 1 # --output=x below writes there
"$PPROF" --help >"$tmp/help" || bad "--help exit $?"
sed -n 's/^  --\([a-z_-]*\).*/\1/p' "$tmp/help" >"$tmp/options"
: >"$tmp/cli_modes"
while read -r name; do
  [ "$name" = text ] && { echo text >>"$tmp/cli_modes"; continue; }
  arg=; grep -q "^  --$name=" "$tmp/help" && arg==x
  if "$PPROF" --text "--$name$arg" "$prog" "$prof" 2>&1 >/dev/null </dev/null |
     grep -q '^pprof: only specify one output mode'; then
    echo "$name" >>"$tmp/cli_modes"
  fi
done <"$tmp/options"
grep -vxE 'interactive|symbols|trend' "$tmp/cli_modes" | sort >"$tmp/cli_reports"
echo help | "$PPROF" --interactive "$prog" "$prof" 2>"$tmp/shell_help" >/dev/null
# "Reports" lines: "  dot, svg, pdf [focus] [-ignore]", "  text[N], top[N] ...", "  list RE ..."
sed -n '/^Reports/,/^$/p' "$tmp/shell_help" | grep '^  [a-z]' | sed 's/^  //; s/  .*//' |
  tr ',' '\n' | sed 's/^ *//; s/[[ ].*//' | sort >"$tmp/shell_reports"
[ "$(wc -l <"$tmp/cli_reports")" -ge 15 ] || bad "too few modes found in --help: $(cat "$tmp/cli_reports")"
# the shell also knows top (Perl's name of text; Go's -top is an alias, not listed)
grep -vx top "$tmp/shell_reports" | diff "$tmp/cli_reports" - >"$tmp/d" && ok ||
  bad "--help's modes (<) and the shell's reports (>) differ: $(cat "$tmp/d")"

# ---- each report both ways, the same bytes ----
for v in gv evince; do printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/$v"; chmod +x "$tmp/bin/$v"; done
while read -r name; do
  case $name in gv|evince|web) continue ;; esac # a viewer: checked below
  arg= words=
  grep -q "^  --$name=" "$tmp/help" && arg==main words=main
  ( cd "$tmp/w" && "$PPROF" "--$name$arg" "$prog" "$prof" >"$tmp/oneshot.$name" 2>/dev/null ) ||
    bad "--$name: exit $?"
  ( cd "$tmp/w" && echo "$name $words > $tmp/shell.$name" | "$PPROF" --interactive "$prog" "$prof" \
      >/dev/null 2>"$tmp/err.$name" )
  grep -q 'Unknown command\|^pprof:' "$tmp/err.$name" && bad "shell $name: $(grep -v '^Welcome' "$tmp/err.$name")"
  case $name in
    text|list|disasm) # the shell's Perl header ("Total:") comes first; text: the top 10 rows
      [ "$(head -1 "$tmp/shell.$name")" = "$(grep -m1 '^Total:' "$tmp/shell.$name")" ] ||
        bad "shell $name: no Total line" ;;
    png|pdf|ps|svg) # Graphviz output: the same kind of file
      [ "$(head -c 4 "$tmp/oneshot.$name" | od -c)" = "$(head -c 4 "$tmp/shell.$name" | od -c)" ] &&
        [ -s "$tmp/shell.$name" ] || bad "shell $name: not the file --$name writes" ;;
    *) cmp -s "$tmp/oneshot.$name" "$tmp/shell.$name" || bad "shell $name differs from --$name" ;;
  esac
  ok
done <"$tmp/cli_reports"
for v in gv evince web; do
  ( cd "$tmp/w" && echo "$v" | PATH=$tmp/bin:$PATH BROWSER=true "$PPROF" --interactive "$prog" "$prof" \
      >/dev/null 2>"$tmp/err.$v" )
  grep -q '^Loading web page file://' "$tmp/err.$v" && ok || bad "shell $v: $(cat "$tmp/err.$v")"
done

# ---- --gif: refused, with what to use instead ----
grep -q -- '--gif' "$tmp/help" && bad "--help lists --gif"
grep -qw gif "$tmp/shell_help" && bad "the shell's help lists gif"
"$PPROF" --gif "$prog" "$prof" >"$tmp/gif.out" 2>"$tmp/gif.err"; rc=$?
[ "$rc" = 2 ] && [ ! -s "$tmp/gif.out" ] && [ "$(wc -l <"$tmp/gif.err")" = 1 ] &&
  grep -q 'GIF.*not supported.*--png' "$tmp/gif.err" && ok ||
  bad "--gif: exit $rc, stderr: $(cat "$tmp/gif.err")"
printf 'gif\ngif > %s/x.gif\n' "$tmp" | "$PPROF" --interactive "$prog" "$prof" >/dev/null 2>"$tmp/gif.err"
[ "$(grep -c 'GIF.*not supported.*use png' "$tmp/gif.err")" = 2 ] && [ ! -e "$tmp/x.gif" ] && ok ||
  bad "shell gif: $(cat "$tmp/gif.err")"

# ---- the shell's base: the rows of --base ----
p2=$testdata/heap/phases.0002.heap p1=$testdata/heap/phases.0001.heap phases=$testdata/bin/phases
for m in traces collapsed callgrind; do
  "$PPROF" "--$m" --base="$p1" "$phases" "$p2" >"$tmp/base.want" 2>/dev/null
  printf 'base %s\n%s > %s\n' "$p1" "$m" "$tmp/base.got" | "$PPROF" --interactive "$phases" "$p2" >/dev/null 2>&1
  [ -s "$tmp/base.want" ] && cmp -s "$tmp/base.want" "$tmp/base.got" && ok || bad "shell base + $m differs from --base --$m"
done
# text: every row (the shell's text1000 prints "Total:" first, as --text does)
"$PPROF" --text --base="$p1" "$phases" "$p2" >"$tmp/base.want" 2>/dev/null
printf 'base %s\ntext1000 > %s\n' "$p1" "$tmp/base.got" | "$PPROF" --interactive "$phases" "$p2" >/dev/null 2>&1
grep -v '^Total:' "$tmp/base.want" >"$tmp/want.rows"; grep -v '^Total:' "$tmp/base.got" >"$tmp/got.rows"
[ -s "$tmp/want.rows" ] && cmp -s "$tmp/want.rows" "$tmp/got.rows" && ok || bad "shell base + text differs from --base --text"

# ---- --symbols against google-pprof --symbols ----
# the profile's memory map (naming this checkout's program) and every address of its stacks
{ sed -n '/^MAPPED_LIBRARIES:/,$p' "$prof" | tail -n +2 | sed "s#[^ ]*/testdata/bin/seed\$#$prog#"
  grep -o '0x[0-9a-f]*' "$prof" | sort -u
  echo "0x10"; echo "text 0x$(grep -o '0x[0-9a-f]*' "$prof" | head -1 | cut -c3-) text"
} >"$tmp/sym.in"
naddr=$(grep -c '0x' "$tmp/sym.in")
"$PPROF" --symbols "$prog" <"$tmp/sym.in" >"$tmp/sym.out" 2>"$tmp/sym.err" || bad "--symbols exit $?"
[ "$(wc -l <"$tmp/sym.out")" = "$naddr" ] && [ "$(sed -n "$((naddr - 1))p" "$tmp/sym.out")" = "??" ] &&
  ok || bad "--symbols: $naddr addresses, got: $(cat "$tmp/sym.out" "$tmp/sym.err")"
if command -v google-pprof >/dev/null; then
  google-pprof --symbols "$prog" <"$tmp/sym.in" >"$tmp/sym.perl" 2>/dev/null
  # the program's own addresses (Perl's nm and addr2line on it); libc's differ by
  # design (Perl names an inlined callee), 0x10 is outside every mapping
  start=$((16#$(grep -m1 " r-xp .*$prog\$" "$tmp/sym.in" | cut -d- -f1)))
  end=$((16#$(grep -m1 " r-xp .*$prog\$" "$tmp/sym.in" | cut -d- -f2 | cut -d' ' -f1)))
  i=0 n=0
  while read -r line; do
    a=$(echo "$line" | grep -o '0x[0-9a-f]*') || continue
    i=$((i+1)); a=$((a))
    [ "$a" -ge "$start" ] && [ "$a" -lt "$end" ] || continue
    n=$((n+1))
    [ "$(sed -n "${i}p" "$tmp/sym.out")" = "$(sed -n "${i}p" "$tmp/sym.perl")" ] ||
      bad "--symbols line $i: $(sed -n "${i}p" "$tmp/sym.out"), google-pprof: $(sed -n "${i}p" "$tmp/sym.perl")"
  done <"$tmp/sym.in"
  [ "$n" -ge 5 ] && ok || bad "--symbols: only $n program addresses compared"
else
  echo "skipped: no google-pprof: --symbols not compared with Perl pprof"
fi

echo "$checked checked, $fail failed"
[ $fail -eq 0 ]
