#!/usr/bin/env bash
# -tree and -peek against Go pprof: runs each case of cases.tsv on
# ../shared/corpus and compares with ref/NAME.txt (Go pprof's output, made by
# make-ref.sh). Both sides pass through the same normalization: glibc's
# symbol aliases (Go's symbolizer names __libc_start_main what libc6-dbg
# names __libc_start_main_impl) and the number in "Dropped N nodes" (Go also
# counts stripped glibc's inner inline levels, which cpprof does not expand,
# see README). Skips (77) without ../shared/corpus.
set -u
: "${PPROF:?}" "${SRCDIR:?}"
here=$SRCDIR/tests/callers
corpus=$SRCDIR/../shared/corpus
[ -d "$corpus/bin" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
export LC_ALL=C TZ=UTC
norm() { sed -e 's/__libc_start_main_impl/__libc_start_main/g' -e 's/__GI__IO_puts$/_IO_puts/' -e 's/ __printf$/ printf/' -e 's/^Dropped [0-9]* nodes/Dropped N nodes/'; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
while IFS=$'\t' read -r name dir prog heap args; do
  case "$name" in ''|'#'*) continue ;; esac
  n=$((n + 1))
  ( cd "$corpus/$dir" && eval "\"$PPROF\" $args --binary_path=../bin:../lib ../bin/$prog $heap" ) \
    >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ -s "$here/ref/$name.txt" ]; then
    if [ $rc != 0 ] || ! diff -u <(norm <"$here/ref/$name.txt") <(norm <"$tmp/out") >"$tmp/diff"; then
      echo "not ok $name (exit $rc): differs from Go pprof"; head -40 "$tmp/diff"; cat "$tmp/err"; fail=1
    else
      echo "ok $name"
    fi
  else
    echo "skipped: $name: no Go pprof reference ref/$name.txt (make-ref.sh)"
  fi
done <"$here/cases.tsv"
echo "$n cases"
exit $fail
