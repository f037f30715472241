#!/usr/bin/env bash
# Recursion in the call graph and inlined frames in --collapsed, on a real
# reproduction: testdata/src/recurse.c (gcc -O2, profiled by libtcmalloc with
# ASLR on, scripts/make-recurse.sh). Nothing is freed; the stacks and their
# sizes follow from the program (its header comment), so the expected values
# are derived here from them, not from cpprof's output:
#  - --dot, --json graph: a caller -> callee edge weighs the value of the
#    samples whose stack passes it, once per sample however deep the recursion
#    (Go pprof's rule; Perl pprof adds every occurrence: checked too when
#    google-pprof is installed), never more than the total; node cum likewise;
#  - --callgrind: each call record (caller line -> callee line) once per sample;
#  - --collapsed: the inlined function is the one marked [inline] (Perl pprof's
#    and --callgrind's rule), not the function it was inlined into.
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C
cd "$SRCDIR/testdata"
bin=bin/recurse heap=heap/recurse.0001.heap
fail=0 n=0
check() { # NAME GOT WANT
  n=$((n + 1))
  if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1: got '$2', want '$3'"; fail=1; fi
}
MiB=1048576 KiB=1024
big=$MiB d64=$((64 * KiB)) p128=$((128 * KiB)) p32=$((32 * KiB)) g256=$((256 * KiB))
total=$((big + d64 + p128 + p32 + g256 + p128))

# edges "src -> dst weight" of a --dot output, node names resolved
dot_edges() {
  awk '/^N[0-9]+ \[label="/ { id = $1; s = $0; sub(/^[^"]*"/, "", s); sub(/\\n.*/, "", s); name[id] = s; next }
       / -> / { e[++k] = $0 }
       END { for (i = 1; i <= k; i++) { split(e[i], f, " "); w = e[i]; sub(/.*label=/, "", w); sub(/,.*/, "", w);
             print name[f[1]] " -> " name[f[3]] " " w } }'
}
edge() { awk -v e="$2 -> $3" 'index($0, e " ") == 1 { print $NF }' "$1"; }

"$PPROF" --dot --show_bytes "$bin" "$heap" 2>/dev/null | dot_edges >dot.$$ ; trap 'rm -f dot.$$ perl.$$ perl-heap.$$ cg.$$' EXIT
# per sample: Down -> Down is in the 1 MiB stack (5 times) and the 64 KiB one (twice)
check "dot Down -> Down" "$(edge dot.$$ Down Down)" $((big + d64))
check "dot main -> Down" "$(edge dot.$$ main Down)" $((big + d64))
# Ping -> Pong: Ping4's 128 KiB stack (twice), its 32 KiB stack, Pong4's 256 KiB stack (twice)
check "dot Ping -> Pong" "$(edge dot.$$ Ping Pong)" $((p128 + p32 + g256))
# Pong -> Ping: the same three stacks and Pong1's 128 KiB one
check "dot Pong -> Ping" "$(edge dot.$$ Pong Ping)" $((p128 + p32 + g256 + p128))
check "dot main -> Pong" "$(edge dot.$$ main Pong)" $((g256 + p128))
check "dot main -> Ping" "$(edge dot.$$ main Ping)" $((p128 + p32))
check "dot Down -> Grab" "$(edge dot.$$ Down Grab)" $big
check "dot Pong -> Grab" "$(edge dot.$$ Pong Grab)" $g256
check "dot no edge above the total" "$(awk -v t=$total '$NF > t' dot.$$)" ""
check "dot node cum of Down" "$("$PPROF" --dot --show_bytes "$bin" "$heap" 2>/dev/null |
  sed -n 's/.*label="Down\\n.*\\rof \([0-9]*\) .*/\1/p')" $((big + d64))

# --json's graph: the same edges
json_edges() {
  python3 -c 'import json, sys
g = json.load(sys.stdin)["graph"]; name = {x["id"]: x["name"] for x in g["nodes"]}
for e in g["edges"]: print(name[e["from"]], "->", name[e["to"]], e["value"])'
}
"$PPROF" --json --dot --show_bytes "$bin" "$heap" 2>/dev/null | json_edges >perl.$$
check "json Down -> Down" "$(edge perl.$$ Down Down)" $((big + d64))
check "json Pong -> Ping" "$(edge perl.$$ Pong Ping)" $((p128 + p32 + g256 + p128))

# --callgrind: the recursive call site of Down (line of "Down(d - 1)") calling
# into Down at that same line: in both Down stacks once
rec=$(grep -n 'int r = Down(d - 1);' src/recurse.c | cut -d: -f1)
"$PPROF" --callgrind "$bin" "$heap" >cg.$$
# (names are compressed: "fn=(5) Down" the first time, "fn=(5)" after)
calls=$(awk -v l="$rec" 'function name(x,   id) { id = x; sub(/^c?fn=/, "", id); sub(/ .*/, "", id)
                                        if (x ~ /\) /) { sub(/^[^ ]* /, "", x); names[id] = x }; return names[id] }
  /^fn=/ { fn = name($0) } /^cfn=/ { cfn = name($0) }
  /^calls=/ { split($0, c, "[= ]"); getline; split($0, s, " ")
              if (fn == "Down" && cfn == "Down" && c[3] == l && s[1] == l) print c[2] }' cg.$$)
check "callgrind Down:$rec -> Down:$rec" "$calls" $((big + d64))
check "callgrind no call above the total" \
  "$(awk -v t=$total '/^calls=/ { split($0, c, "[= ]"); if (c[2] > t) print }' cg.$$)" ""

# --collapsed: Grab was inlined into Down (and Pong): Grab is marked, Down is not
want="main;Down;Down;Down;Down;Down;Down;Grab[inline] $big"
collapsed=$("$PPROF" --collapsed "$bin" "$heap" | sed -E 's/<[0-9a-f]+>//g')
check "collapsed inlined Grab" "$(echo "$collapsed" | grep -o "main;Down;Down;Down;Down;Down;Down;[^ ]* $big")" "$want"
want="main;Pong;Ping;Pong;Ping;Pong;Grab[inline] $g256"
check "collapsed inlined Grab in Pong" "$(echo "$collapsed" | grep -o "main;Pong;Ping;Pong;Ping;Pong;[^ ]* $g256")" "$want"

# Perl pprof, when installed: the same [inline] placement; its --dot edges
# count every occurrence (README, "Compatibility with Perl pprof")
if command -v google-pprof >/dev/null; then
  marks() { sed -E 's/<[0-9a-f]+>//g' | awk '{ n = split($1, f, ";"); m = ""; for (i = 1; i <= n; i++) m = m (f[i] ~ /\[inline\]$/ ? "I" : "F"); print m, $2 }' | sort; }
  # Perl names PIE frames only with the program at its recorded path: the
  # heap's mappings name the recording checkout's, made this one's
  sed "s|/[^ ]*/testdata/bin/recurse\$|$PWD/bin/recurse|" "$heap" >perl-heap.$$
  check "collapsed [inline] placement as Perl pprof" \
    "$("$PPROF" --collapsed "$bin" "$heap" | marks | tr '\n' ' ')" \
    "$(google-pprof --collapsed "$PWD/$bin" perl-heap.$$ 2>/dev/null | marks | tr '\n' ' ')"
  google-pprof --dot --show_bytes "$PWD/$bin" perl-heap.$$ 2>/dev/null | dot_edges >perl.$$
  check "Perl dot Down -> Down (every occurrence)" "$(edge perl.$$ Down Down)" $((5 * big + 2 * d64))
  check "Perl dot Pong -> Ping (every occurrence)" "$(edge perl.$$ Pong Ping)" $((2 * p128 + p32 + 2 * g256 + p128))
else
  echo "# google-pprof not installed: Perl comparisons skipped"
fi
echo "1..$n"
exit $fail
