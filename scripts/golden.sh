#!/usr/bin/env bash
# Golden tests: testdata/golden/NAME.cmd holds pprof's arguments (run from
# testdata/, with PPROF_BINARY_PATH=bin); NAME.out the expected stdout,
# NAME.err the expected stderr and NAME.rc the exit status (0 when absent);
# NAME.stdin, when present, is pprof's standard input (shell transcripts).
# ref/NAME.txt, when present, is Perl pprof's output for the same arguments
# (scripts/make-testdata.sh): NAME.out must equal it, except for --dot (Perl's
# edge order is its hash order, its legend the absolute program path).
#   golden.sh --list          names of the cases
#   golden.sh --run NAME      run one case (diff -u on mismatch)
#   golden.sh --check-list NAME...   the cases registered at configure time
#                             are those of --list (else: reconfigure)
#   HP_UPDATE_GOLDEN=1 golden.sh --run NAME   rewrite the expected files, then
#                             check them (against ref/ too)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
gold=$here/testdata/golden
case "${1:-}" in
--list)
  for f in "$gold"/*.cmd; do [ -e "$f" ] && basename "$f" .cmd; done
  exit 0 ;;
--check-list)
  shift
  status=0
  for c in $("$0" --list); do
    [[ " $* " = *" $c "* ]] || { echo "golden case $c is not registered: run meson setup --reconfigure BUILDDIR"; status=1; }
  done
  for c in "$@"; do
    [ -f "$gold/$c.cmd" ] || { echo "golden case $c is registered but gone: run meson setup --reconfigure BUILDDIR"; status=1; }
  done
  [ $status = 0 ] && echo "$# golden cases, all registered"
  exit $status ;;
--run) name=$2 ;;
*) echo "usage: golden.sh --list | --run NAME | --check-list NAME..." >&2; exit 2 ;;
esac
pprof=$(readlink -f "${PPROF:-$here/build/cli/pprof}")
args=$(cat "$gold/$name.cmd")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
stdin=; [ -f "$gold/$name.stdin" ] && stdin=$gold/$name.stdin
( cd "$here/testdata" && { [ -z "$stdin" ] || exec <"$stdin"; } && eval "LC_ALL=C TZ=UTC PPROF_BINARY_PATH=bin \"$pprof\" $args" ) \
  >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ -n "${HP_UPDATE_GOLDEN:-}" ]; then # then checked as usual: against ref/ too
  cp "$tmp/out" "$gold/$name.out"
  if [ -s "$tmp/err" ]; then cp "$tmp/err" "$gold/$name.err"; else rm -f "$gold/$name.err"; fi
  if [ "$(cat "$tmp/rc")" != 0 ]; then cp "$tmp/rc" "$gold/$name.rc"; else rm -f "$gold/$name.rc"; fi
fi
status=0
if [ -f "$gold/ref/$name.txt" ] && ! grep -q -- --dot "$gold/$name.cmd"; then
  diff -u "$gold/ref/$name.txt" "$gold/$name.out" ||
    { echo "$name.out differs from Perl pprof's ref/$name.txt"; status=1; }
fi
diff -u "$gold/$name.out" "$tmp/out" || status=1
if [ -f "$gold/$name.err" ]; then diff -u "$gold/$name.err" "$tmp/err" || status=1
elif [ -s "$tmp/err" ]; then echo "unexpected stderr:"; cat "$tmp/err"; status=1; fi
want=0; [ -f "$gold/$name.rc" ] && want=$(cat "$gold/$name.rc")
[ "$(cat "$tmp/rc")" = "$want" ] || { echo "exit status $(cat "$tmp/rc"), want $want"; status=1; }
exit $status
