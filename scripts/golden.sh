#!/usr/bin/env bash
# Golden tests: testdata/golden/NAME.cmd holds pprof's arguments (run from
# testdata/, with PPROF_BINARY_PATH=bin); NAME.out the expected stdout,
# NAME.err the expected stderr and NAME.rc the exit status (0 when absent);
# NAME.stdin, when present, is pprof's standard input (shell transcripts).
#   golden.sh --list          names of the cases
#   golden.sh --run NAME      run one case (diff -u on mismatch)
#   HP_UPDATE_GOLDEN=1 golden.sh --run NAME   rewrite the expected files
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
gold=$here/testdata/golden
case "${1:-}" in
--list)
  for f in "$gold"/*.cmd; do [ -e "$f" ] && basename "$f" .cmd; done
  exit 0 ;;
--run) name=$2 ;;
*) echo "usage: golden.sh --list | --run NAME" >&2; exit 2 ;;
esac
pprof=${PPROF:-$here/build/cli/pprof}
args=$(cat "$gold/$name.cmd")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
stdin=; [ -f "$gold/$name.stdin" ] && stdin=$gold/$name.stdin
( cd "$here/testdata" && { [ -z "$stdin" ] || exec <"$stdin"; } && eval "LC_ALL=C TZ=UTC PPROF_BINARY_PATH=bin \"$pprof\" $args" ) \
  >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ -n "${HP_UPDATE_GOLDEN:-}" ]; then
  cp "$tmp/out" "$gold/$name.out"
  if [ -s "$tmp/err" ]; then cp "$tmp/err" "$gold/$name.err"; else rm -f "$gold/$name.err"; fi
  if [ "$(cat "$tmp/rc")" != 0 ]; then cp "$tmp/rc" "$gold/$name.rc"; else rm -f "$gold/$name.rc"; fi
  exit 0
fi
status=0
diff -u "$gold/$name.out" "$tmp/out" || status=1
if [ -f "$gold/$name.err" ]; then diff -u "$gold/$name.err" "$tmp/err" || status=1
elif [ -s "$tmp/err" ]; then echo "unexpected stderr:"; cat "$tmp/err"; status=1; fi
want=0; [ -f "$gold/$name.rc" ] && want=$(cat "$gold/$name.rc")
[ "$(cat "$tmp/rc")" = "$want" ] || { echo "exit status $(cat "$tmp/rc"), want $want"; status=1; }
exit $status
