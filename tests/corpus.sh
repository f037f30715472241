#!/usr/bin/env bash
# Replays ../shared/corpus (next to the repository) with compare.sh: every
# Perl pprof command's recorded output against cpprof's. Each output that
# differs goes to tests/corpus-rules/check.py, which runs Perl pprof again with
# cpprof's stated rules (README, "Compatibility with Perl pprof") applied one
# by one and fails on any difference no rule explains; it reports per rule how
# many differing lines it explained (DECISIONS 17). Skips (77) without the corpus.
# HP_CORPUS_NO_PERL=1 (scripts/test's ASan run) replays cpprof without the rule check.
set -u
src=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
corpus=$src/../shared/corpus
[ -x "$corpus/compare.sh" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
out=$(mktemp); trap 'rm -f "$out"' EXIT
"$corpus/compare.sh" "$PPROF" >"$out" 2>&1
tail -1 "$out"
status=0
rows=()
while read -r kind what _; do
  case "$kind" in
    FAIL) echo "not ok: $what (cpprof failed)"; status=1 ;;
    DIFF) rows+=("${what%:}") ;;
  esac
done <"$out"
[ ${#rows[@]} -eq 0 ] && exit $status
# scripts/test's second (ASan/UBSan) run replays cpprof only: Perl's answers
# are the same in both runs, so the first run alone checks them
if [ -n "${HP_CORPUS_NO_PERL:-}" ]; then
  echo "skipped: the per-rule check of ${#rows[@]} differing outputs (HP_CORPUS_NO_PERL)"
  exit $status
fi
# the rules are checked with Perl pprof on the corpus binaries at their recorded path
for need in google-pprof addr2line nm llvm-addr2line python3; do
  command -v "$need" >/dev/null || { echo "not ok: ${#rows[@]} outputs differ; checking them needs $need (scripts/deps)"; exit 1; }
done
if [ ! -d /opt/hprof-corpus/bin ]; then
  mkdir -p /opt/hprof-corpus && cp -r "$corpus/bin" "$corpus/lib" "$corpus/src" /opt/hprof-corpus/ ||
    { echo "not ok: ${#rows[@]} outputs differ; checking them needs /opt/hprof-corpus (root)"; exit 1; }
fi
python3 "$src/tests/corpus-rules/check.py" "$PPROF" "$corpus" "${rows[@]}" || status=1
exit $status
