#!/bin/sh
# make-fixtures.sh - rebuild the ELF fixtures of testdata/bin and the fake
# sysroot of testdata/sysroot used by tests/symbolizer (not run in CI; the
# outputs are committed). Needs gcc, g++, binutils (objcopy, strip).
# Built on Debian 12 with gcc 12.2 / binutils 2.40 (DWARF 5).
#
#   fx-O0         C, -O0 -g, PIE
#   fx-O2-nopie   C, -O2 -g, -no-pie (fx_inner inlined into fx_outer)
#   fxx-O2        C++, -O2 -g, PIE (namespace, template, static, anonymous namespace)
#   libfx.so      C shared library, -O2 -g, .text at a non-zero file offset
#   fx-split      fx-O2 stripped + .gnu_debuglink to fx-split.debug (same dir)
#   fx-buildid    fx-O2 stripped, fixed build-id; debug file only in
#                 testdata/sysroot/.build-id/fe/ed...debug (use debug_root = testdata/sysroot)
#   fx-stripped   fx-O2 linked -rdynamic, strip --strip-all: .dynsym only
#   fx-dwarf4     C, -O2 -gdwarf-4 (.debug_ranges / DWARF 4 line table)
set -eu
unset DEBUGINFOD_URLS
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/testdata/bin/src
out=$top/testdata/bin
sys=$top/testdata/sysroot
# -ffile-prefix-map keeps the build machine's paths out of the DWARF: sources
# are recorded as /fixtures/src/<file>.
map="-ffile-prefix-map=$src=/fixtures/src -fno-asynchronous-unwind-tables"
cd "$src"
gcc -O0 -g $map -o "$out/fx-O0" fx.c
gcc -O2 -g $map -no-pie -o "$out/fx-O2-nopie" fx.c
g++ -O2 -g $map -o "$out/fxx-O2" fxx.cc
gcc -O2 -g $map -shared -fPIC -o "$out/libfx.so" libfx.c
gcc -O2 -gdwarf-4 $map -o "$out/fx-dwarf4" fx.c

gcc -O2 -g $map -o "$out/fx-split" fx.c
objcopy --only-keep-debug "$out/fx-split" "$out/fx-split.debug"
strip --strip-all "$out/fx-split"
(cd "$out" && objcopy --add-gnu-debuglink=fx-split.debug fx-split)

id=feedfacecafef00d0123456789abcdef01234567
gcc -O2 -g $map -Wl,--build-id=0x$id -o "$out/fx-buildid" fx.c
mkdir -p "$sys/.build-id/fe"
objcopy --only-keep-debug "$out/fx-buildid" "$sys/.build-id/fe/${id#fe}.debug"
strip --strip-all "$out/fx-buildid"

gcc -O2 -g $map -rdynamic -o "$out/fx-stripped" fx.c
strip --strip-all "$out/fx-stripped"

# fuzz seeds: a small object and truncated / patched copies of it
seeds=$top/testdata/fuzz/fuzz-symbolize-elf
mkdir -p "$seeds"
cp "$out/fx-dwarf4" "$seeds/fx-dwarf4"
head -c 2048 "$out/fx-O0" > "$seeds/truncated-2k"
head -c 64 "$out/fx-O0" > "$seeds/ehdr-only"
