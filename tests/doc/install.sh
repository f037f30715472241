#!/usr/bin/env bash
# `meson install` into a scratch DESTDIR puts every file where a user (and the
# Debian package, debian/*.install) expects it: the program, both man pages, the
# bash completion where bash-completion's pkg-config says (under this prefix),
# the zsh completion, and with the collector the versioned library (soname
# libheapprof.so.0), the headers and libheapprof.pc, with which a program that
# includes <gperftools/heap-profiler.h> compiles and links.
# install.sh BUILDDIR COLLECTOR(true|false)
set -u
build=$1 collector=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "not ok: $*"; fail=1; }
meson install -C "$build" --destdir "$tmp" --no-rebuild --quiet >"$tmp/log" 2>&1 ||
  { cat "$tmp/log"; echo "not ok: meson install failed"; exit 1; }
intro=$(meson introspect --buildoptions "$build")
opt() { python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1]][0])' "$1" <<<"$intro"; }
prefix=$(opt prefix) libdir=$(opt libdir) mandir=$(opt mandir) datadir=$(opt datadir)
abs() { case $1 in /*) echo "$tmp$1" ;; *) echo "$tmp$prefix/$1" ;; esac; }
has() { [ -e "$1" ] || bad "not installed: ${1#"$tmp"}"; }
has "$(abs "$(opt bindir)")/pprof"
has "$(abs "$mandir")/man1/pprof.1"
compdir=$(pkg-config --define-variable=datadir="$prefix/$datadir" --variable=completionsdir bash-completion 2>/dev/null)
[ -n "$compdir" ] || compdir=$prefix/$datadir/bash-completion/completions
has "$tmp$compdir/pprof"
find "$tmp" -name _pprof | grep -q . || bad "zsh completion _pprof not installed"
if [ "$collector" = true ]; then
  lib=$(abs "$libdir")
  has "$(abs "$mandir")/man3/libheapprof.3"
  has "$lib/libheapprof.so"
  soname=$(readelf -d "$lib/libheapprof.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = libheapprof.so.0 ] || bad "soname '$soname', want libheapprof.so.0"
  has "$lib/$soname"
  has "$(abs "$(opt includedir)")/heapprof/gperftools/heap-profiler.h"
  has "$(abs "$(opt includedir)")/heapprof/gperftools/heap-checker.h"
  printf '#include <gperftools/heap-profiler.h>\nint main(void) { return IsHeapProfilerRunning(); }\n' >"$tmp/t.c"
  flags=$(PKG_CONFIG_SYSROOT_DIR=$tmp PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --cflags --libs libheapprof) ||
    bad "pkg-config libheapprof failed"
  # shellcheck disable=SC2086
  cc -o "$tmp/t" "$tmp/t.c" $flags 2>"$tmp/cc.err" || bad "compiling with libheapprof.pc: $(head -3 "$tmp/cc.err")"
  [ -x "$tmp/t" ] && { LD_LIBRARY_PATH=$lib "$tmp/t" || bad "a program linked with -lheapprof failed to run"; }
fi
[ $fail = 0 ] && echo "ok: $(find "$tmp" -type f | wc -l) files installed where expected"
exit $fail
