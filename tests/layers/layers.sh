#!/usr/bin/env bash
# scripts/check-layers (the forbidden-include check of CI):
#  - the tree itself has no forbidden include;
#  - a small tree with one file per layer and only allowed arrows (a header chain
#    cli -> analyzer -> symbolizer, generated config.h, a commented-out include) passes;
#  - the same tree with one forbidden include of each kind fails with exactly the lines
#    the rules give (written here from the table in scripts/check-layers: render may
#    include analyzer and common, analyzer symbolizer and common, symbolizer common,
#    common and the collector nothing), direct, through a header, by path, with <>.
set -u
: "${SRCDIR:?}"
check=$SRCDIR/scripts/check-layers
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "not ok: $*"; fail=1; }

out=$("$check" "$SRCDIR" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] || bad "the tree: exit $rc: $out"
[ $fail = 0 ] && echo "ok: the tree includes nothing its layers forbid"

t=$tmp/ok
mkdir -p "$t"/{common,symbolizer,analyzer,render,cli,collector}
printf '#include <stdint.h>\n' >"$t/common/hp_c.h"
printf '#include "hp_c.h"\n' >"$t/symbolizer/hp_sym.h"
printf '#include "hp_c.h"\n#include "hp_sym.h"\n' >"$t/analyzer/hp_an.h"
printf '#include "hp_c.h"\n' >"$t/analyzer/hp_model.h"
printf '#include "hp_model.h"\n' >"$t/render/hp_r.h"
printf '#include "config.h"\n#include "hp_r.h"\n// #include "hp_sym.h"\n' >"$t/render/r.c"
printf '#include "hp_r.h"\n#include "hp_an.h"\n#include "hp_sym.h"\n' >"$t/cli/m.c"
printf '#include <stdio.h>\n#include "hpc.h"\n' >"$t/collector/k.c"
printf '#include <stdint.h>\n' >"$t/collector/hpc.h"
out=$("$check" "$t" 2>&1); rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then echo "ok: allowed arrows pass"; else bad "allowed arrows: exit $rc: $out"; fi

b=$tmp/bad
cp -r "$t" "$b"
printf '#include "hp_model.h"\n#include "hp_sym.h"\n#include "hp_an.h"\n' >"$b/render/r.c"
printf '#include "hp_r.h"\n#include "../cli/hp_cli.h"\n' >"$b/analyzer/a.c"
printf '\n' >"$b/cli/hp_cli.h"
printf '#include <hp_an.h>\n' >"$b/symbolizer/s.c"
printf '#include "symbolizer/hp_sym.h"\n' >"$b/common/c.c"
printf '#include "hpc.h"\n#include "hp_an.h"\n#include "hp_c.h"\n' >"$b/collector/k.c"
cat >"$tmp/want" <<'W'
analyzer/a.c:1: includes render/hp_r.h (analyzer may not include render)
analyzer/a.c:2: includes cli/hp_cli.h (analyzer may not include cli)
collector/k.c:2: includes analyzer/hp_an.h (collector may not include analyzer)
collector/k.c:3: includes common/hp_c.h (collector may not include common)
common/c.c:1: includes symbolizer/hp_sym.h (common may not include symbolizer)
render/r.c:2: includes symbolizer/hp_sym.h (render may not include symbolizer)
render/r.c:3: includes analyzer/hp_an.h -> symbolizer/hp_sym.h (render may not include symbolizer)
symbolizer/s.c:1: includes analyzer/hp_an.h (symbolizer may not include analyzer)
W
"$check" "$b" >"$tmp/got" 2>&1; rc=$?
if [ $rc = 1 ] && diff -u "$tmp/want" "$tmp/got"; then
  echo "ok: each forbidden include is named"
else
  bad "forbidden includes: exit $rc (want 1)"
fi
exit $fail
