#!/usr/bin/env bash
# Structural checks of the call-graph images (hp_render_image via the CLI):
# SVG parses as XML with an <svg> root and shows every label line of the
# --dot graph; PDF has the %PDF- magic, one page and is byte-reproducible;
# PNG has the PNG magic and sane dimensions; PS has the PostScript header.
#   render.sh small   - testdata/render/small.heap, no binary needed
#   render.sh corpus  - ../shared/corpus 01-seed and 02-rich (77 when absent)
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "not ok: $*"; fail=1; }

# check_graph NAME ARGS... : renders every format and checks it
check_graph() {
  local name=$1; shift
  local d=$tmp/$name
  "$PPROF" --dot "$@" >"$d.dot" 2>/dev/null || { bad "$name: --dot failed"; return; }
  for f in svg pdf png ps; do
    "$PPROF" --$f "$@" >"$d.$f" 2>"$d.$f.err" || { bad "$name: --$f failed: $(cat "$d.$f.err")"; continue; }
    [ -s "$d.$f" ] || bad "$name: empty $f"
  done
  # SVG: well-formed XML, <svg> root, every label line present as text
  if command -v xmllint >/dev/null; then
    xmllint --noout "$d.svg" 2>/dev/null || bad "$name: SVG is not well-formed XML"
  elif command -v python3 >/dev/null; then
    python3 -c 'import sys,xml.dom.minidom as m; m.parse(sys.argv[1])' "$d.svg" ||
      bad "$name: SVG is not well-formed XML"
  else
    echo "skipped: no xmllint nor python3: $name SVG not parsed"
  fi
  grep -q '^<svg ' "$d.svg" || bad "$name: no <svg root"
  local lines=0 missing=0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    lines=$((lines + 1))
    esc=$(printf '%s' "$line" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
    grep -qF ">$esc</text>" "$d.svg" || { missing=$((missing + 1)); echo "  missing: $line"; }
  done < <(grep -o 'label="[^"]*"' "$d.dot" | sed -e 's/^label="//' -e 's/"$//' -e 's/\\[nlr]/\n/g' |
           sed -e 's/\\\(.\)/\1/g')
  [ "$lines" -gt 0 ] || bad "$name: no labels in the --dot output"
  [ "$missing" -eq 0 ] || bad "$name: $missing of $lines label lines missing from the SVG"
  local nodes; nodes=$(grep -c '^N[0-9]* \[' "$d.dot")
  [ "$(grep -c '<g id="node[0-9]*" class="node">' "$d.svg")" -eq $((nodes + 1)) ] ||
    bad "$name: SVG node count differs from the --dot graph ($nodes + legend)"
  # PDF: magic, one page, reproducible
  head -c 5 "$d.pdf" | grep -q '^%PDF-' || bad "$name: no %PDF- magic"
  local pages
  if command -v pdfinfo >/dev/null; then
    pages=$(pdfinfo "$d.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
  else
    pages=$(grep -a -c '/Type */Page[^s]' "$d.pdf")
  fi
  [ "$pages" = 1 ] || bad "$name: PDF has '$pages' pages, want 1"
  "$PPROF" --pdf "$@" >"$d.2.pdf" 2>/dev/null
  cmp -s "$d.pdf" "$d.2.pdf" || bad "$name: PDF output is not reproducible"
  # PNG: magic and dimensions from the IHDR chunk
  [ "$(head -c 8 "$d.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    bad "$name: no PNG magic"
  local w h
  w=$(od -An -tu1 -j16 -N4 "$d.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  h=$(od -An -tu1 -j20 -N4 "$d.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  { [ "$w" -ge 50 ] && [ "$w" -le 20000 ] && [ "$h" -ge 50 ] && [ "$h" -le 20000 ]; } ||
    bad "$name: PNG is ${w}x${h}"
  head -c 11 "$d.ps" | grep -q '^%!PS-Adobe' || bad "$name: no %!PS-Adobe header"
  echo "$name: $nodes nodes, $lines label lines, PNG ${w}x${h}, PDF $pages page"
}

case "${1:-small}" in
small)
  heap=$SRCDIR/testdata/render/small.heap
  check_graph small --symbolize=none "$heap"
  # -output=FILE and an unknown-free error path
  "$PPROF" --svg --symbolize=none -output="$tmp/out.svg" "$heap" 2>/dev/null &&
    grep -q '^<svg ' "$tmp/out.svg" || bad "-output=FILE did not write the SVG"
  check_graph small-heapcheck --symbolize=none --heapcheck --nodecount=3 "$heap"
  ;;
corpus)
  corpus=$SRCDIR/../shared/corpus
  [ -d "$corpus/01-seed" ] && [ -d "$corpus/bin" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
  export PPROF_BINARY_PATH=$corpus/bin:$corpus/lib
  check_graph seed "$corpus/bin/seed" "$corpus/01-seed/seed-preload.0001.heap"
  check_graph rich "$corpus/bin/rich-O2" "$corpus/02-rich/rich-O2.0001.heap"
  ;;
*) echo "usage: render.sh small|corpus" >&2; exit 2 ;;
esac
exit $fail
