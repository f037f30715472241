#!/usr/bin/env bash
# Seeds of the DIE-skim fuzz target (tests/fuzz/fuzz-dwarf-skim.c): the
# .debug_abbrev and .debug_info sections of a few testdata programs (DWARF 4
# and 5, C and C++, -O0 and -O2) in the target's input format (flags byte,
# 32-bit .debug_abbrev size, .debug_abbrev, .debug_info), .debug_info cut
# after its first 64 KiB; also a truncated copy of each. Not run in CI.
#   scripts/make-skim-fuzz.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/testdata/fuzz/fuzz-dwarf-skim
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
k=0
for o in fx-O0 fx-dwarf4 fxx-O2 fx-O2-nopie; do
  k=$((k + 1))
  objcopy --decompress-debug-sections "$here/testdata/bin/$o" "$tmp/o" 2>/dev/null ||
    cp "$here/testdata/bin/$o" "$tmp/o"
  for s in debug_abbrev debug_info; do
    objcopy --dump-section ".$s=$tmp/$s" "$tmp/o" "$tmp/o2" 2>/dev/null || : >"$tmp/$s"
  done
  python3 - "$tmp" "$out/seed$k-$o" <<'PY'
import struct, sys
d, base = sys.argv[1], sys.argv[2]
rd = lambda n: open(d + '/' + n, 'rb').read()
abbrev, info = rd('debug_abbrev'), rd('debug_info')[:65536]
data = bytes([0]) + struct.pack('<I', len(abbrev)) + abbrev + info
open(base, 'wb').write(data)
open(base + '.truncated', 'wb').write(data[:5 + len(abbrev) + len(info) * 2 // 3])
PY
done
