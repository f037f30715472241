#!/bin/sh
# make-fixtures.sh - rebuild the ELF fixtures of testdata/bin and the fake
# sysroot of testdata/sysroot used by tests/symbolizer (not run in CI; the
# outputs are committed). Needs gcc, g++, clang, binutils (objcopy, strip).
# Built on Debian 12 with gcc 12.2 / binutils 2.40 (DWARF 5).
#
#   fx-O0         C, -O0 -g, PIE
#   fx-O2-nopie   C, -O2 -g, -no-pie (fx_inner inlined into fx_outer)
#   fx-zlib, fx-zstd  fx-O2-nopie with objcopy --compress-debug-sections=zlib /
#                 =zstd (SHF_COMPRESSED, ELFCOMPRESS_ZLIB / ELFCOMPRESS_ZSTD);
#                 the fuzz seed fx-zlib-corrupt flips bytes of its .debug_info
#   fx-mixed-zlib C, -O2 -g, -no-pie: mx-a.c, mx-b.c by gcc, mx-c.c by clang
#                 (no .debug_aranges set for its CU), debug sections zlib-compressed
#   fxx-O2        C++, -O2 -g, PIE (namespace, template, static, anonymous namespace)
#   libfx.so      C shared library, -O2 -g, .text at a non-zero file offset
#   fx-split      fx-O2 stripped + .gnu_debuglink to fx-split.debug (same dir)
#   fx-buildid    fx-O2 stripped, fixed build-id; debug file only in
#                 testdata/sysroot/.build-id/fe/ed...debug (use debug_root = testdata/sysroot)
#   fx-stripped   fx-O2 linked -rdynamic, strip --strip-all: .dynsym only
#   fx-dwarf4     C, -O2 -gdwarf-4 (.debug_ranges / DWARF 4 line table)
#   fxv, v2/fxv   fx.c built twice with different fixed build-ids (search path
#                 rules); store*/<build-id>/fxv: Go pprof's build-id layout
#                 (store-amb: two builds, store-bad: directory name != build-id);
#                 store/<fx-buildid's id>/fx-buildid: its debug file
#   fx-bidmis     stripped, build-id ba5e...; the sysroot's .build-id file for
#                 it is the debug file of another build (build-id mismatch)
#   fx-crcmis     stripped, no build-id, .gnu_debuglink to fx-crcmis.debug of
#                 another build (CRC mismatch)
#   fxdwz-a, -b   C++ (src/fxdwz*.cc), stripped; debug files run through
#                 `dwz -m`: fxdwz-a's in sysroot/.build-id with
#                 .gnu_debugaltlink -> /usr/lib/debug/.dwz/fxdwz.debug
#                 (DW_FORM_GNU_ref_alt / strp_alt), fxdwz-b's next to it via
#                 .gnu_debuglink with DWARF 5 .debug_sup ->
#                 /usr/lib/debug/.dwz/fxdwz5.debug (ref_sup4 / strp_sup); the
#                 common files are in sysroot/.dwz. Needs dwz (0.15).
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
objcopy --compress-debug-sections=zlib "$out/fx-O2-nopie" "$out/fx-zlib"
objcopy --compress-debug-sections=zstd "$out/fx-O2-nopie" "$out/fx-zstd"
tmpo=$(mktemp -d)
gcc -O2 -g $map -c -o "$tmpo/mx-a.o" mx-a.c
gcc -O2 -g $map -c -o "$tmpo/mx-b.o" mx-b.c
clang -O2 -g $map -c -o "$tmpo/mx-c.o" mx-c.c
gcc -no-pie -o "$tmpo/fx-mixed" "$tmpo/mx-a.o" "$tmpo/mx-b.o" "$tmpo/mx-c.o"
objcopy --compress-debug-sections=zlib "$tmpo/fx-mixed" "$out/fx-mixed-zlib"
rm -rf "$tmpo"
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

# search path by build-id
v1=f0f0000000000000000000000000000000000001
v2=f0f0000000000000000000000000000000000002
gcc -O2 -g $map -Wl,--build-id=0x$v1 -o "$out/fxv" fx.c
mkdir -p "$out/v2" "$out/store/$v1" "$out/store/$id" "$out/store-amb/$v1" "$out/store-amb/$v2" \
    "$out/store-bad/f0f0000000000000000000000000000000000003"
gcc -O2 -g $map -Wl,--build-id=0x$v2 -o "$out/v2/fxv" fx.c
strip --strip-all "$out/fxv" "$out/v2/fxv"
cp "$out/fxv" "$out/store/$v1/fxv"
cp "$out/fxv" "$out/store-amb/$v1/fxv"
cp "$out/v2/fxv" "$out/store-amb/$v2/fxv"
cp "$out/fxv" "$out/store-bad/f0f0000000000000000000000000000000000003/fxv"
cp "$sys/.build-id/fe/${id#fe}.debug" "$out/store/$id/fx-buildid"

# debug files of another build
bad=ba5e000000000000000000000000000000000001
gcc -O2 -g $map -rdynamic -Wl,--build-id=0x$bad -o "$out/fx-bidmis" fx.c
mkdir -p "$sys/.build-id/ba"
gcc -O2 -g $map -Wl,--build-id=0x$v2 -o /tmp/fxv-full.$$ fx.c
objcopy --only-keep-debug /tmp/fxv-full.$$ "$sys/.build-id/ba/${bad#ba}.debug"
rm -f /tmp/fxv-full.$$
strip --strip-all "$out/fx-bidmis"
gcc -O2 -g $map -rdynamic -Wl,--build-id=none -o "$out/fx-crcmis" fx.c
objcopy --only-keep-debug "$out/fx-crcmis" "$out/fx-crcmis.debug"
strip --strip-all "$out/fx-crcmis"
(cd "$out" && objcopy --add-gnu-debuglink=fx-crcmis.debug fx-crcmis)
gcc -O1 -g $map -Wl,--build-id=none -o /tmp/fx-other.$$ fx.c
objcopy --only-keep-debug /tmp/fx-other.$$ "$out/fx-crcmis.debug"
rm -f /tmp/fx-other.$$

# dwz: two programs sharing fxdwz.h, their debug files run through dwz -m
tmp=$(mktemp -d)
da=d0d0aaaa00000000000000000000000000000001
db=d0d0bbbb00000000000000000000000000000002
g++ -O2 -g $map -Wl,--build-id=0x$da -o "$out/fxdwz-a" fxdwz-a.cc
g++ -O2 -g $map -Wl,--build-id=0x$db -o "$out/fxdwz-b" fxdwz-b.cc
for p in a b; do
    objcopy --only-keep-debug "$out/fxdwz-$p" "$tmp/$p.debug"
    cp "$tmp/$p.debug" "$tmp/$p.5.debug"
    strip --strip-all "$out/fxdwz-$p"
done
mkdir -p "$sys/.dwz" "$sys/.build-id/d0"
dwz -m "$sys/.dwz/fxdwz.debug" -M /usr/lib/debug/.dwz/fxdwz.debug "$tmp/a.debug" "$tmp/b.debug"
dwz -5 -m "$sys/.dwz/fxdwz5.debug" -M /usr/lib/debug/.dwz/fxdwz5.debug \
    "$tmp/a.5.debug" "$tmp/b.5.debug"
cp "$tmp/a.debug" "$sys/.build-id/d0/${da#d0}.debug"
cp "$tmp/b.5.debug" "$out/fxdwz-b.debug"
(cd "$out" && objcopy --add-gnu-debuglink=fxdwz-b.debug fxdwz-b)
rm -rf "$tmp"

# fuzz seeds: a small object and truncated / patched copies of it
seeds=$top/testdata/fuzz/fuzz-symbolize-elf
mkdir -p "$seeds"
cp "$out/fx-dwarf4" "$seeds/fx-dwarf4"
head -c 2048 "$out/fx-O0" > "$seeds/truncated-2k"
head -c 64 "$out/fx-O0" > "$seeds/ehdr-only"
# fx-zlib with 20 bytes of its compressed .debug_info (past the 24-byte
# compression header and the zlib stream's first bytes) flipped
python3 - "$out/fx-zlib" "$seeds/fx-zlib-corrupt" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
shoff = struct.unpack_from('<Q', d, 0x28)[0]
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
sh = lambda i: struct.unpack_from('<IIQQQQIIQQ', d, shoff + i * shentsize)
names = sh(shstrndx)[4]
for i in range(shnum):
    if d[names + sh(i)[0]:].split(b'\0')[0] == b'.debug_info':
        for k in range(40, 60):
            d[sh(i)[4] + k] ^= 0x5a
open(sys.argv[2], 'wb').write(d)
PY
