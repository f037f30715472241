#!/usr/bin/env bash
# Golden tests: testdata/golden/NAME.cmd holds pprof's arguments (run from
# testdata/, with PPROF_BINARY_PATH=bin); NAME.out the expected stdout,
# NAME.err the expected stderr and NAME.rc the exit status (0 when absent);
# NAME.stdin, when present, is pprof's standard input (shell transcripts).
# Cases whose profiles pass through libc take it from testdata/sysroot
# (--lib_prefix=sysroot), never from the host.
#
# Perl pprof: testdata/golden/perl.tsv names each case's counterpart:
#   NAME <tab> HOW <tab> why
# HOW = none: no Perl counterpart (why: the cpprof-only option or mode);
# otherwise ref/NAME.txt is Perl pprof's stdout for the same arguments (and
# ref/NAME.rc its exit status when not 0; scripts/make-testdata.sh --refs) and
# NAME.out must equal it: HOW = text byte for byte, lines as line sets (README
# "Compatibility with Perl pprof": output order), symbols the `--- symbol`
# sections as line sets (the --raw row); ref/NAME.diff, when present, holds the
# only differences allowed, each under a comment naming its README row. pprof
# fails exactly when Perl does.
#   golden.sh --list          names of the cases
#   golden.sh --run NAME      run one case (diff -u on mismatch)
#   golden.sh --check-list NAME...   the cases registered at configure time
#                             against --list: an unregistered case is run
#                             here; each case has one perl.tsv row
#   golden.sh --hermetic      every case with the host's debug files hidden and
#                             another ELF at the host's libc path (root,
#                             unshare; else skipped)
#   HP_UPDATE_GOLDEN=1 golden.sh --run NAME   rewrite the expected files, then
#                             check them (against ref/ too)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
gold=$here/testdata/golden
self=$here/scripts/golden.sh

# the row of perl.tsv for case $1 (empty: none)
perl_row() { awk -F'\t' -v n="$1" '$1 == n' "$gold/perl.tsv"; }

# NAME.out (and NAME.rc) against Perl pprof's ref/NAME.txt as perl.tsv says
perl_check() {
  local name=$1 tmp=$2 how ref=$gold/ref/$1.txt
  how=$(perl_row "$name" | cut -f2)
  case "$how" in
  none) return 0 ;;
  text | lines | symbols) ;;
  *) echo "$name: no row (or HOW '$how') in testdata/golden/perl.tsv"; return 1 ;;
  esac
  [ -f "$ref" ] || { echo "$name: no Perl pprof reference ref/$name.txt (scripts/make-testdata.sh --refs)"; return 1; }
  case "$how" in
  text) cat "$ref" >"$tmp/perl"; cat "$gold/$name.out" >"$tmp/ours" ;;
  lines) LC_ALL=C sort "$ref" >"$tmp/perl"; LC_ALL=C sort "$gold/$name.out" >"$tmp/ours" ;;
  symbols)
    sed -n '/^--- symbol$/,/^---$/p' "$ref" | LC_ALL=C sort >"$tmp/perl"
    sed -n '/^--- symbol$/,/^---$/p' "$gold/$name.out" | LC_ALL=C sort >"$tmp/ours" ;;
  esac
  diff -a "$tmp/perl" "$tmp/ours" >"$tmp/pdiff"
  : >"$tmp/allowed"
  [ -f "$gold/ref/$name.diff" ] && grep -v '^#' "$gold/ref/$name.diff" >"$tmp/allowed"
  local status=0
  if ! cmp -s "$tmp/allowed" "$tmp/pdiff"; then
    echo "$name.out differs from Perl pprof's ref/$name.txt ($how) beyond ref/$name.diff:"
    diff -u "$tmp/allowed" "$tmp/pdiff"
    status=1
  fi
  local perl_rc=0 our_rc=0
  [ -f "$gold/ref/$name.rc" ] && perl_rc=$(cat "$gold/ref/$name.rc")
  [ -f "$gold/$name.rc" ] && our_rc=$(cat "$gold/$name.rc")
  if { [ "$perl_rc" = 0 ] && [ "$our_rc" != 0 ]; } || { [ "$perl_rc" != 0 ] && [ "$our_rc" = 0 ]; }; then
    echo "$name: exit status $our_rc, Perl pprof's $perl_rc (one fails, the other not)"
    status=1
  fi
  return $status
}

case "${1:-}" in
--list)
  for f in "$gold"/*.cmd; do [ -e "$f" ] && basename "$f" .cmd; done
  exit 0 ;;
--check-list)
  shift
  status=0 ran=0
  for c in $("$self" --list); do
    [[ " $* " = *" $c "* ]] && continue
    echo "golden case $c is not registered (meson setup --reconfigure BUILDDIR makes it a test of its own); running it here:"
    "$self" --run "$c" || status=1
    ran=$((ran + 1))
  done
  for c in "$@"; do
    [ -f "$gold/$c.cmd" ] || { echo "golden case $c is registered but gone: run meson setup --reconfigure BUILDDIR"; status=1; }
  done
  for c in $("$self" --list); do
    [ "$(perl_row "$c" | wc -l)" = 1 ] || { echo "golden case $c: not one row in testdata/golden/perl.tsv"; status=1; }
  done
  for c in $(cut -f1 "$gold/perl.tsv" | grep -v '^#'); do
    [ -f "$gold/$c.cmd" ] || { echo "testdata/golden/perl.tsv names $c, which has no $c.cmd"; status=1; }
  done
  [ $status = 0 ] && echo "$# golden cases registered, $ran run here; each has one perl.tsv row" \
    "($(grep -c "	none	" "$gold/perl.tsv") without a Perl counterpart)"
  exit $status ;;
--hermetic)
  pprof=$(readlink -f "${PPROF:-$here/build/cli/pprof}")
  [ "$(id -u)" = 0 ] || { echo "skipped: --hermetic needs root (mount namespaces)"; exit 77; }
  jail=$(mktemp -d); trap 'rm -rf "$jail"' EXIT
  mkdir "$jail/empty" "$jail/lib"
  unshare -m sh -c "mount --bind '$jail/empty' '$jail/lib'" 2>/dev/null ||
    { echo "skipped: --hermetic: unshare -m / mount --bind do not work here"; exit 77; }
  libc=$(ldd "$pprof" | awk '$1 == "libc.so.6" {print $3}')
  ldso=$(ldd "$pprof" | awk '$1 ~ /^\/.*ld-linux/ {print $1}')
  [ -f "$libc" ] && [ -x "$ldso" ] || { echo "skipped: --hermetic: no libc.so.6 or ld.so in ldd $pprof"; exit 77; }
  cp "$libc" "$jail/lib/libc.so.6"
  # the libc path the profiles record, replaced by another ELF of the host
  recorded=$(grep -ho '/[^ ]*/libc\.so\.6$' "$here"/testdata/heap/*.heap | sort -u | head -1)
  other=$(dirname "$libc")/libm.so.6
  export HP_GOLDEN_JAIL=$jail HP_GOLDEN_LDSO=$ldso HP_GOLDEN_LIBC=$recorded HP_GOLDEN_OTHER=$other
  # the jail bites: without --lib_prefix=sysroot libc's frames are not named
  if (cd "$here/testdata" && PPROF_BINARY_PATH=bin "$self" --jailed "$pprof" --text bin/seed heap/seed.0001.heap 2>&1) |
    grep -q __libc_start_main; then
    echo "--hermetic: pprof still named libc's frames from the host (no jail?)"; exit 1
  fi
  echo "hidden: /usr/lib/debug; at $recorded: $other; pprof runs with a copy of $libc"
  n=0 failed=0
  for c in $("$self" --list); do
    n=$((n + 1))
    "$self" --run "$c" >"$jail/log" 2>&1 || { failed=$((failed + 1)); echo "FAILED: $c"; cat "$jail/log"; }
  done
  echo "$n golden cases without the host's libc and debug files: $failed failed"
  [ $failed = 0 ]; exit ;;
--jailed) # pprof ARGS... in a mount namespace: no debug files, another libc
  shift
  exec unshare -m sh -c '
    [ ! -d /usr/lib/debug ] || mount --bind "$HP_GOLDEN_JAIL/empty" /usr/lib/debug || exit 97
    [ ! -e "$HP_GOLDEN_LIBC" ] || mount --bind "$HP_GOLDEN_OTHER" "$HP_GOLDEN_LIBC" || exit 97
    exec "$HP_GOLDEN_LDSO" --library-path "$HP_GOLDEN_JAIL/lib" "$@"' sh "$@" ;;
--run) name=$2 ;;
*) echo "usage: golden.sh --list | --run NAME | --check-list NAME... | --hermetic" >&2; exit 2 ;;
esac
pprof=$(readlink -f "${PPROF:-$here/build/cli/pprof}")
args=$(cat "$gold/$name.cmd")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
stdin=; [ -f "$gold/$name.stdin" ] && stdin=$gold/$name.stdin
launch=; [ -n "${HP_GOLDEN_JAIL:-}" ] && launch="\"$self\" --jailed"
( cd "$here/testdata" && { [ -z "$stdin" ] || exec <"$stdin"; } && eval "LC_ALL=C TZ=UTC PPROF_BINARY_PATH=bin $launch \"$pprof\" $args" ) \
  >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ -n "${HP_UPDATE_GOLDEN:-}" ]; then # then checked as usual: against ref/ too
  cp "$tmp/out" "$gold/$name.out"
  if [ -s "$tmp/err" ]; then cp "$tmp/err" "$gold/$name.err"; else rm -f "$gold/$name.err"; fi
  if [ "$(cat "$tmp/rc")" != 0 ]; then cp "$tmp/rc" "$gold/$name.rc"; else rm -f "$gold/$name.rc"; fi
fi
status=0
perl_check "$name" "$tmp" || status=1
diff -u "$gold/$name.out" "$tmp/out" || status=1
if [ -f "$gold/$name.err" ]; then diff -u "$gold/$name.err" "$tmp/err" || status=1
elif [ -s "$tmp/err" ]; then echo "unexpected stderr:"; cat "$tmp/err"; status=1; fi
want=0; [ -f "$gold/$name.rc" ] && want=$(cat "$gold/$name.rc")
[ "$(cat "$tmp/rc")" = "$want" ] || { echo "exit status $(cat "$tmp/rc"), want $want"; status=1; }
exit $status
