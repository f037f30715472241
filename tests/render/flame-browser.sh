#!/usr/bin/env bash
# --flame / --icicle in a real browser: Debian's chromium, headless, opens the
# SVG at #zoom=N&search=RE (flame.js applies it as a click on frame N and a
# search) and dumps the DOM; flame-dom.py checks that frame N now spans the
# full width, its ancestors are full width and faded, its subtree is scaled,
# everything else is hidden, labels are re-fitted and the search highlighted
# the right frames with the right percentage. Then #zoom=0 restores the layout.
#   flame-browser.sh small   - testdata/ profiles
#   flame-browser.sh corpus  - ../shared/corpus (77 when absent)
# Skips (77) only when chromium is not installed (scripts/deps installs it).
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C TZ=UTC
here=$(cd "$(dirname "$0")" && pwd)
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "skipped: chromium not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "not ok: $*"; fail=1; }

# dump URL OUT: the DOM after the page's scripts ran
dump() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$tmp/profile" --dump-dom "$1" >"$2" 2>"$tmp/browser.err"
}

# zoom NAME RE PPROF-ARGS...
zoom() {
  local name=$1 rx=$2; shift 2
  local svg=$tmp/$name.svg
  "$PPROF" "$@" >"$svg" 2>/dev/null || { bad "$name: pprof failed"; return; }
  local n enc
  n=$(python3 "$here/flame-dom.py" pick "$svg") || { bad "$name: no frame to zoom on"; return; }
  enc=$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$rx")
  dump "file://$svg#zoom=$n&search=$enc" "$tmp/$name.dom" ||
    { bad "$name: chromium failed: $(tail -3 "$tmp/browser.err")"; return; }
  local out
  if out=$(python3 "$here/flame-dom.py" check "$svg" "$tmp/$name.dom" "$n" "$rx"); then
    echo "ok $name: $out"
  else
    echo "$out"; bad "$name: zoom/search"
  fi
  dump "file://$svg#zoom=0" "$tmp/$name.reset.dom" || { bad "$name: chromium failed"; return; }
  out=$(python3 "$here/flame-dom.py" reset "$svg" "$tmp/$name.reset.dom") && echo "ok $name: $out" ||
    { echo "$out"; bad "$name: reset"; }
}

case "${1:-small}" in
small)
  cd "$SRCDIR/testdata" || exit 1
  export PPROF_BINARY_PATH=bin
  zoom phases-lines 'Alloc' --flame --lines bin/phases heap/phases.0003.heap
  zoom small-icicle '0x0*4013' --icicle --symbolize=none render/small.heap
  ;;
corpus)
  c=$SRCDIR/../shared/corpus
  [ -d "$c/03-shlib" ] && [ -d "$c/bin" ] || { echo "skipped: no ../shared/corpus"; exit 77; }
  export PPROF_BINARY_PATH=$c/bin:$c/lib
  zoom shlib 'alloc|^_dl' --flame "$c/bin/shlib" "$c/03-shlib/shlib.0001.heap"
  zoom rich-icicle '^std::' --icicle --lines "$c/bin/rich-O2" "$c/02-rich/rich-O2.0001.heap"
  zoom scale 'leaf_alloc' --flame "$c/bin/scale" "$c/06-scale/scale.0001.heap"
  ;;
*) echo "usage: flame-browser.sh small|corpus" >&2; exit 2 ;;
esac
exit $fail
