#!/usr/bin/env bash
# lines-check.sh HP_LINES_CHECK SRCDIR - the line-table reader (dwarf_lines.c)
# against libdwarf, table by table and row by row (hp-lines-check.c), over:
#  - every ELF file of testdata (fixtures: DWARF 4 and 5, zlib / zstd / mixed
#    compressed sections, split debug files, dwz files);
#  - libc's debug file from libc6-dbg (skipped with a note when absent);
#  - the host's libraries that carry DWARF (the sanitizer runtimes);
#  - testdata/src/lines/lines.c compiled now at -O2 with gcc (DWARF 2, 3, 4,
#    5, 64-bit DWARF, zlib-compressed) and clang (DWARF 4, 5, embedded source)
#    when they are installed;
#  - copies of the gcc DWARF 4 build with a damaged .debug_line (line_range 0,
#    a unit length past the section, version 7), which both must reject.
# Fails with the first difference hp-lines-check prints.
set -u
check=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
files=()
while IFS= read -r f; do
  [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && files+=("$f")
done < <(find "$src/testdata" -type f -size +1k | sort)
echo "testdata: ${#files[@]} ELF files"

libc=/lib/x86_64-linux-gnu/libc.so.6
id=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID/ {print $3}')
if [ -n "$id" ] && [ -f "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ]; then
  files+=("/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug")
else
  echo "note: no libc debug file (libc6-dbg), not checked"
fi
for f in /usr/lib/x86_64-linux-gnu/lib{asan,ubsan,tsan,lsan}.so.[0-9] /usr/bin/node; do
  [ -f "$f" ] && readelf -S "$f" 2>/dev/null | grep -q '\.debug_line' && files+=("$f")
done

n=0
build() { # compiler flags...
  local cc=$1; shift
  command -v "$cc" >/dev/null || { echo "note: no $cc"; return; }
  n=$((n + 1))
  if "$cc" -O2 -g "$@" -I"$src/testdata/src/lines" "$src/testdata/src/lines/lines.c" \
       -o "$tmp/lines$n" 2>"$tmp/cc.err"; then
    files+=("$tmp/lines$n"); echo "lines$n: $cc -O2 -g $*"
  else
    echo "note: $cc $* cannot build: $(head -1 "$tmp/cc.err")"
  fi
}
for f in -gdwarf-2 -gdwarf-3 -gdwarf-4 -gdwarf-5 "-gdwarf-5 -gdwarf64" "-gdwarf-4 -gz=zlib"; do
  build gcc $f
done
for f in -gdwarf-4 -gdwarf-5 "-gdwarf-5 -gembed-source"; do
  build clang $f
done
# damaged copies of the DWARF 4 build (lines3): byte offsets in its 32-bit header
if [ -f "$tmp/lines3" ] && objcopy --dump-section .debug_line="$tmp/dl" "$tmp/lines3" "$tmp/x"; then
  for d in range:14:0 length:0:+1000 version:4:7; do
    IFS=: read -r what at val <<<"$d"
    python3 - "$tmp/dl" "$tmp/dl-$what" "$at" "$val" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read()); at = int(sys.argv[3]); v = sys.argv[4]
if v.startswith('+'):
    struct.pack_into('<I', d, at, struct.unpack_from('<I', d, at)[0] + int(v[1:]))
else:
    d[at] = int(v)
open(sys.argv[2], 'wb').write(d)
PY
    objcopy --update-section .debug_line="$tmp/dl-$what" "$tmp/lines3" "$tmp/damaged-$what" &&
      files+=("$tmp/damaged-$what")
  done
fi
"$check" "${files[@]}"
