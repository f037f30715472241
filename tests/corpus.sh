#!/usr/bin/env bash
# Replays ../shared/corpus (next to the repository) with compare.sh and fails
# on any difference that is not listed in tests/corpus-deviations.txt (the
# documented deviations from Perl pprof, see README). Skips (77) without it.
set -u
src=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
corpus=$src/../shared/corpus
[ -x "$corpus/compare.sh" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
known=$src/tests/corpus-deviations.txt
out=$(mktemp); trap 'rm -f "$out"' EXIT
"$corpus/compare.sh" "$PPROF" >"$out" 2>&1
tail -1 "$out"
status=0
while read -r kind what _; do
  case "$kind" in DIFF|FAIL) ;; *) continue ;; esac
  what=${what%:}
  if ! grep -qxF "$what" <(sed 's/[[:space:]]*#.*//' "$known" 2>/dev/null); then
    echo "new difference: $kind $what"
    status=1
  fi
done <"$out"
# a listed deviation that now passes should be removed from the list
while read -r what; do
  [ -n "$what" ] || continue
  grep -q " $what[ :]" "$out" || grep -q " $what\$" "$out" || echo "now passes (remove from corpus-deviations.txt): $what"
done < <(sed 's/[[:space:]]*#.*//' "$known" 2>/dev/null)
exit $status
