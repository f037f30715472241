#!/usr/bin/env bash
# Seeds of the symbol-cache fuzz target (tests/fuzz/fuzz-symbol-cache.c):
# the cache files pprof writes for a few testdata programs (each prefixed with
# its identity string and a NUL, the target's input format), and damaged
# copies (truncated, a flipped byte, a foreign version). Not run in CI.
#   scripts/make-cache-fuzz.sh [BUILDDIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pprof=$here/${1:-build}/cli/pprof
out=$here/testdata/fuzz/fuzz-symbol-cache
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
cd "$here/testdata"
for case in "bin/seed heap/seed.0001.heap" "bin/recurse heap/recurse.0001.heap" \
            "bin/phases heap/phases.0001.heap"; do
  set -- $case
  [ -f "$2" ] || { echo "no $2, skipped"; continue; }
  XDG_CACHE_HOME=$tmp/xdg CPPROF_SYMBOL_CACHE=on PPROF_BINARY_PATH=bin "$pprof" --text "$1" "$2" >/dev/null 2>&1 || true
done
k=0
for f in "$tmp"/xdg/cpprof/*.cpsym; do
  [ -e "$f" ] && [ "$(stat -c %s "$f")" -lt 65536 ] || continue # testdata stays small
  k=$((k + 1))
  python3 - "$f" "$out/seed$k" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
strings_off, = struct.unpack_from('<Q', data, 32)
ident, = struct.unpack_from('<I', data, 48)
start = strings_off + ident
name = data[start:data.index(b'\0', start)]
base = sys.argv[2]
open(base + '.valid', 'wb').write(name + b'\0' + data)
open(base + '.truncated', 'wb').write(name + b'\0' + data[:len(data) * 2 // 3])
flip = bytearray(data); flip[len(data) // 2] ^= 0x55
open(base + '.flipped', 'wb').write(name + b'\0' + bytes(flip))
ver = bytearray(data); ver[8] = 9
open(base + '.version', 'wb').write(name + b'\0' + bytes(ver))
PY
done
echo "$k cache files -> $out"
ls -la "$out"
