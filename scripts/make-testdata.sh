#!/usr/bin/env bash
# Rebuilds testdata (not run in CI: the committed files are the test inputs).
#   make-testdata.sh            the profiles of testdata/heap from the programs of
#                               testdata/src, with gperftools' libtcmalloc (the
#                               reference collector) and ASLR off; then --sysroot
#                               and --refs
#   make-testdata.sh --sysroot  testdata/sysroot/usr: the host's libraries the golden
#                               profiles pass through (libc), with their debug files
#                               (libc6-dbg), trimmed to what the symbolizers read
#                               (scripts/make-sysroot.py). The host's libc must be
#                               the one the profiles were recorded with: the goldens
#                               take it from there (--lib_prefix=sysroot)
#   make-testdata.sh --refs     testdata/golden/ref/NAME.txt (and NAME.rc when not 0):
#                               Perl pprof (google-pprof) with the arguments of each
#                               case testdata/golden/perl.tsv gives a counterpart, on
#                               copies of the profiles naming the programs' absolute
#                               paths (Perl names PIE frames only then), that path
#                               cut from its output; as root the host's debug files
#                               are hidden (unshare), so Perl reads the sysroot's
set -eu
cd "$(dirname "$0")/.."

sysroot() {
  rm -rf testdata/sysroot/usr
  scripts/make-sysroot.py testdata/sysroot testdata/heap/seed.0001.heap testdata/heap/phases.000[123].heap
}

refs() {
  local t=$PWD/testdata tmp empty name how why
  tmp=$(mktemp -d); empty=$tmp/empty
  mkdir "$tmp/heap" "$empty"
  for h in testdata/heap/*.heap; do
    sed "s#[^ ]*/testdata/bin/\([A-Za-z0-9_.-]*\)\$#$t/bin/\1#" "$h" >"$tmp/heap/${h##*/}"
  done
  local hide=()
  if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null && [ -d /usr/lib/debug ]; then
    hide=(unshare -m sh -c 'mount --bind "$0" /usr/lib/debug && exec "$@"' "$empty")
  else
    echo "make-testdata.sh: not root: Perl may read the host's debug files" >&2
  fi
  grep -v '^#' testdata/golden/perl.tsv | while IFS=$'\t' read -r name how why; do
    [ "$how" = none ] && continue
    local args ref=testdata/golden/ref/$name stdin=/dev/null
    args=$(sed "s#\(^\| \)bin/#\1$t/bin/#g; s#\(^\| \|=\)heap/#\1$tmp/heap/#g" "testdata/golden/$name.cmd")
    if [ -f "testdata/golden/$name.stdin" ]; then
      stdin=$tmp/stdin; sed "s#heap/#$tmp/heap/#g" "testdata/golden/$name.stdin" >"$stdin"
    fi
    eval "set -- $args"
    rc=0
    (cd testdata && "${hide[@]}" google-pprof "$@") <"$stdin" >"$ref.txt" 2>/dev/null || rc=$?
    sed -i "s#$t/##g; s#$tmp/##g" "$ref.txt"
    if [ $rc != 0 ]; then echo $rc >"$ref.rc"; else rm -f "$ref.rc"; fi
  done
  rm -rf "$tmp"
}

case "${1:-}" in
--sysroot) sysroot; exit ;;
--refs) refs; exit ;;
esac
out=testdata/heap; bin=testdata/bin; ref=testdata/golden/ref
mkdir -p "$out" "$bin" "$ref"
tc=$(ls /usr/lib/*/libtcmalloc.so | head -1)
g++ -g -O0 -o "$bin/seed" testdata/src/seed.cc
gcc -g -O2 -o "$bin/phases" testdata/src/phases.c -ltcmalloc
here=$(pwd)
( cd "$out" && rm -f seed.*.heap phases.*.heap &&
  setarch -R env -i PATH=/usr/bin:/bin HEAPPROFILE=seed LD_PRELOAD="$tc" "$here/$bin/seed" &&
  setarch -R env -i PATH=/usr/bin:/bin HEAPPROFILE=phases "$here/$bin/phases" ) 2>/dev/null
# phases dumps: .0001 (phase one), .0002 (phase two), .0003 (exit)
sysroot
refs
