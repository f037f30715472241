#!/usr/bin/env bash
# Regenerates testdata/disasm/NAME.{txt,cmd}: Perl pprof's --disasm (google-pprof,
# which runs nm and objdump) on the shared corpus (../shared/corpus). The corpus was
# recorded at /opt/hprof-corpus, which must hold its bin/, lib/ and src/ as recorded:
# Perl finds the binaries and the sources there. Not run in CI; tests/disasm.sh
# compares cpprof's --disasm with these files under the README's rules.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS_DIR:-$here/../shared/corpus}
out=$here/testdata/disasm
mkdir -p "$out"
# name <TAB> case dir <TAB> profile <TAB> program <TAB> regex
while IFS=$'\t' read -r name dir heap prog re; do
  (cd "$corpus/$dir" && google-pprof --disasm="$re" "/opt/hprof-corpus/bin/$prog" "$heap" 2>/dev/null) \
    > "$out/$name.txt"
  printf '%s\t%s\t%s\t%s\n' "$dir" "$heap" "$prog" "$re" > "$out/$name.cmd"
done <<'LIST'
seed	01-seed	seed-preload.0001.heap	seed	Leak
rich-O0	02-rich	rich-O0.0001.heap	rich-O0	Use|Aligned|Recurse|MakeOne|Duplicate
rich-O0-nopie	02-rich	rich-O0-nopie.0001.heap	rich-O0-nopie	Use|Aligned|Recurse|MakeOne|Duplicate
rich-O2	02-rich	rich-O2.0001.heap	rich-O2	Use|Aligned|Recurse|MakeOne|Duplicate
rich-O2-nopie	02-rich	rich-O2-nopie.0001.heap	rich-O2-nopie	Use|Aligned|Recurse|MakeOne|Duplicate
shlib	03-shlib	shlib.0001.heap	shlib	plugin_entry|main_callback|lib_|linked_
LIST
