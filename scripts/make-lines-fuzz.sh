#!/usr/bin/env bash
# Seeds of the line-table fuzz target (tests/fuzz/fuzz-dwarf-lines.c): the
# .debug_line, .debug_str and .debug_line_str sections of a few testdata
# programs and of testdata/src/lines/lines.c compiled with gcc and clang in
# several DWARF versions (2-5, 64-bit DWARF), in the target's input format
# (flags byte, two 16-bit section sizes, .debug_str, .debug_line_str,
# .debug_line); string sections over 64 KiB are cut (their strings past the
# cut then fail to resolve, which the reader must survive too). Also a
# truncated copy of each. Not run in CI.
#   scripts/make-lines-fuzz.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/testdata/fuzz/fuzz-dwarf-lines
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
src=$here/testdata/src/lines
objs=("$here/testdata/bin/fx-O0" "$here/testdata/bin/fx-dwarf4" "$here/testdata/bin/fx-zstd")
n=0
for v in "gcc -gdwarf-2" "gcc -gdwarf-3" "gcc -gdwarf-5 -gdwarf64" "clang -gdwarf-5 -gembed-source"; do
  set -- $v
  n=$((n + 1))
  command -v "$1" >/dev/null && "$1" -O2 -g "${@:2}" -I"$src" "$src/lines.c" -o "$tmp/lines$n" &&
    objs+=("$tmp/lines$n")
done
k=0
for o in "${objs[@]}"; do
  k=$((k + 1))
  objcopy --decompress-debug-sections "$o" "$tmp/o" 2>/dev/null || cp "$o" "$tmp/o"
  for s in debug_line debug_str debug_line_str; do
    objcopy --dump-section ".$s=$tmp/$s" "$tmp/o" "$tmp/o2" 2>/dev/null || : >"$tmp/$s"
  done
  python3 - "$tmp" "$out/seed$k-$(basename "$o")" <<'PY'
import struct, sys
d, base = sys.argv[1], sys.argv[2]
rd = lambda n: open(d + '/' + n, 'rb').read()
line, s, ls = rd('debug_line'), rd('debug_str')[:65535], rd('debug_line_str')[:65535]
data = bytes([0]) + struct.pack('<HH', len(s), len(ls)) + s + ls + line
open(base, 'wb').write(data)
open(base + '.truncated', 'wb').write(data[:5 + len(s) + len(ls) + len(line) * 2 // 3])
PY
done
ls -la "$out"
