#!/usr/bin/env bash
# The man pages checked against the program and the sources they describe:
#  - both render without a warning (groff -ww -z -man; man -l renders them);
#  - pprof.1's OPTIONS (read from the page as groff renders it) are exactly the
#    options `pprof --help` lists, in both directions;
#  - each command of README's usage block is in pprof.1's EXAMPLES;
#  - pprof.1's EXIT STATUS lists each exit code cli/*.c defines (EXIT_* = N);
#  - pprof.1's ENVIRONMENT names every variable cli/, analyzer/, symbolizer/ and
#    render/ read with getenv; libheapprof.3's every variable collector/ reads
#    (hpc_getenv / hpc_env_ll / hpc_env_bool), and every function the collector's
#    headers declare.
# man.sh PPROF.1 LIBHEAPPROF.3
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C
page1=$1 page3=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "not ok: $*"; fail=1; }
command -v groff >/dev/null || { echo "skipped: groff is not installed"; exit 77; }

for p in "$page1" "$page3"; do
  groff -ww -z -man "$p" >"$tmp/warn" 2>&1
  [ -s "$tmp/warn" ] && bad "groff -ww warns on $p: $(head -3 "$tmp/warn")"
  if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$p" >"$tmp/man.txt" 2>"$tmp/man.err" || bad "man -l $p failed"
    [ -s "$tmp/man.err" ] && bad "man -l $p warns: $(head -3 "$tmp/man.err")"
    grep -q '^DESCRIPTION' "$tmp/man.txt" || bad "man -l $p: no DESCRIPTION"
  else
    echo "skipped: man -l (man-db is not installed)"
  fi
done

# section SECTION FILE: the lines of one section of a page rendered as plain text
render() { groff -man -Tascii -P-cbou -rLL=200n "$1" 2>/dev/null; }
section() { awk -v s="$1" '/^[A-Z]/ { on = ($0 == s) ; next } on' "$2"; }
render "$page1" >"$tmp/p1.txt"
render "$page3" >"$tmp/p3.txt"

# options: the page's tags (lines "       --name...") vs --help's
"$PPROF" --help >"$tmp/help" || bad "pprof --help failed"
sed -n 's/^ \{1,\}\(--[A-Za-z0-9_-]\{1,\}\).*/\1/p' "$tmp/help" | sort >"$tmp/help.opts"
section OPTIONS "$tmp/p1.txt" | sed -n 's/^ \{7\}\(--[A-Za-z0-9_-]\{1,\}\).*/\1/p' | sort >"$tmp/man.opts"
[ "$(wc -l <"$tmp/help.opts")" -gt 20 ] || bad "--help lists only $(wc -l <"$tmp/help.opts") options"
diff "$tmp/help.opts" "$tmp/man.opts" >"$tmp/d" ||
  bad "options of --help (<) and pprof.1 (>) differ: $(grep '^[<>]' "$tmp/d" | tr '\n' ' ')"
# and each with the help's metavar
sed -n 's/^ \{1,\}\(--[A-Za-z0-9_-]\{1,\}\(\[\{0,1\}=[A-Z]*\]\{0,1\}\)\{0,1\}\).*/\1/p' "$tmp/help" |
  while read -r o; do
    section OPTIONS "$tmp/p1.txt" | grep -qxF -- "       $o" ||
      section OPTIONS "$tmp/p1.txt" | grep -qF -- "       $o " ||
      echo "$o"
  done >"$tmp/nometa"
[ -s "$tmp/nometa" ] && bad "pprof.1 lacks these as --help spells them: $(tr '\n' ' ' <"$tmp/nometa")"

# examples: README's usage block, command by command
awk '/^## Usage/ { u = 1; next } u && /^```/ { if (b) exit; b = 1; next } b' "$SRCDIR/README.md" |
  sed -e 's/ # .*//' -e 's/ *$//' | grep . >"$tmp/readme.cmds"
[ "$(wc -l <"$tmp/readme.cmds")" -gt 5 ] || bad "no usage block found in README.md"
section EXAMPLES "$tmp/p1.txt" | sed 's/^ *//' >"$tmp/examples"
while read -r c; do
  grep -qxF -- "$c" "$tmp/examples" || bad "EXAMPLES lacks README's '$c'"
done <"$tmp/readme.cmds"

# exit status: the codes main.c returns
codes=$(cat "$SRCDIR"/cli/*.c | grep -o 'EXIT_[A-Z_]* = [0-9]*' | sed 's/.* = //' | sort -u)
[ -n "$codes" ] || bad "no EXIT_* = N found in cli/*.c"
for c in 0 $codes; do
  section "EXIT STATUS" "$tmp/p1.txt" | grep -qE "^ {7}$c( |$)" || bad "EXIT STATUS lacks $c"
done

# environment variables
envs() { grep -rhoE "$1\(\"[A-Z_]+\"" "${@:2}" | sed 's/.*("//;s/"//' | sort -u; }
for v in $(envs 'getenv' "$SRCDIR"/cli "$SRCDIR"/analyzer "$SRCDIR"/symbolizer "$SRCDIR"/render); do
  section ENVIRONMENT "$tmp/p1.txt" | grep -qw "$v" || bad "pprof.1 ENVIRONMENT lacks $v"
done
vars=$(envs 'hpc_(getenv|env_ll|env_bool)' "$SRCDIR"/collector)
[ "$(echo "$vars" | wc -w)" -gt 10 ] || bad "found only $(echo $vars) in collector/"
for v in $vars; do
  section ENVIRONMENT "$tmp/p3.txt" | grep -qw "$v" || bad "libheapprof.3 ENVIRONMENT lacks $v"
done
# the C declarations: "[PERFTOOLS_DLL_DECL] type name(args);" at the start of a line
fns=$(grep -hE '^[A-Za-z_][^(=]* \**[A-Za-z_]+\(.*\); *(/\*.*)?$' "$SRCDIR"/collector/gperftools/*.h |
  sed -E 's/^[^(]*[ *]([A-Za-z_]+)\(.*/\1/' | sort -u)
[ "$(echo "$fns" | wc -w)" -gt 10 ] || bad "found only $(echo $fns) in collector/gperftools/*.h"
for f in $fns; do grep -qw "$f" "$tmp/p3.txt" || bad "libheapprof.3 lacks $f"; done

[ $fail = 0 ] && echo "ok: $(wc -l <"$tmp/help.opts") options, $(wc -l <"$tmp/readme.cmds") examples, exit codes 0 $(echo $codes), $(echo "$vars" | wc -w) collector variables, $(echo "$fns" | wc -w) functions"
exit $fail
