#!/usr/bin/env bash
# The symbol cache and --threads change no output: every golden case
# (testdata/golden/*.cmd) and the symbol-heavy rows of every corpus case
# (../shared/corpus/*/commands.tsv: `--text --lines`, and the first row of
# each case), run with the cache off and default threads (the reference),
# then with a cold cache, a warm cache, every cache file corrupted (a flipped
# byte, a truncated file, a foreign version), --threads=1 and --threads=8
# (more threads than objects: an object's CUs are then decoded on two
# threads, dwarf_split.c, which the default rarely does here), must give
# byte-identical stdout, stderr and exit status. A corrupted file must be
# rewritten (it is never trusted), and the warm run must not write.
# Corpus rows are skipped (said so) when ../shared is absent.
set -u
pprof=$(readlink -f "${PPROF:?}")
src=${SRCDIR:?}
shared=$src/../shared/corpus
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0 files_seen=0

# run NAME DIR MODE ARGS: stdout+stderr+rc of pprof in DIR to $tmp/NAME.MODE
run() {
  local name=$1 dir=$2 mode=$3 args=$4 env=(env -u CPPROF_SYMBOL_CACHE XDG_CACHE_HOME="$tmp/xdg")
  case $mode in
    ref) env+=(CPPROF_SYMBOL_CACHE=off) ;;
    threads1) env+=(CPPROF_SYMBOL_CACHE=off); args="--threads=1 $args" ;;
    threads8) env+=(CPPROF_SYMBOL_CACHE=off); args="--threads=8 $args" ;;
  esac
  ( cd "$dir" && eval "LC_ALL=C TZ=UTC ${env[*]@Q} \"$pprof\" $args" ) >"$tmp/out" 2>"$tmp/err" </dev/null
  echo "rc=$?" >>"$tmp/err"
  cat "$tmp/out" "$tmp/err" >"$tmp/$mode"
}

# corrupt every cache file a different way; prints how many there were
corrupt() {
  local k=0 f
  for f in "$tmp/xdg/cpprof"/*.cpsym; do
    [ -e "$f" ] || continue
    case $((k % 3)) in
      0) printf '\x55' | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") / 2 )) conv=notrunc status=none ;;
      1) truncate -s $(( $(stat -c %s "$f") * 2 / 3 )) "$f" ;;
      2) printf '\x09' | dd of="$f" bs=1 seek=8 conv=notrunc status=none ;; # version 9
    esac
    cp "$f" "$f.bad"
    k=$((k + 1))
  done
  echo $k
}

check() { # NAME DIR ARGS
  local name=$1 dir=$2 args=$3 mode
  n=$((n + 1))
  rm -rf "$tmp/xdg"
  run "$name" "$dir" ref "$args"
  run "$name" "$dir" cold "$args"
  local first inodes
  first=$(cd "$tmp/xdg/cpprof" 2>/dev/null && md5sum -- *.cpsym 2>/dev/null)
  inodes=$(ls -i "$tmp/xdg/cpprof" 2>/dev/null)
  run "$name" "$dir" warm "$args"
  [ "$inodes" = "$(ls -i "$tmp/xdg/cpprof" 2>/dev/null)" ] ||
    { echo "FAIL $name: the warm run rewrote the cache"; fail=1; }
  local nbad; nbad=$(corrupt)
  files_seen=$((files_seen + nbad))
  run "$name" "$dir" corrupt "$args"
  for f in "$tmp/xdg/cpprof"/*.cpsym.bad; do
    [ -e "$f" ] || continue
    if cmp -s "$f" "${f%.bad}"; then echo "FAIL $name: corrupted ${f%.bad} was kept"; fail=1; fi
    rm -f "$f"
  done
  [ "$first" = "$(cd "$tmp/xdg/cpprof" 2>/dev/null && md5sum -- *.cpsym 2>/dev/null)" ] ||
    { echo "FAIL $name: the rewritten cache differs from the cold run's"; fail=1; }
  run "$name" "$dir" threads1 "$args"
  run "$name" "$dir" threads8 "$args"
  for mode in cold warm corrupt threads1 threads8; do
    if ! cmp -s "$tmp/ref" "$tmp/$mode"; then
      echo "FAIL $name ($mode): output differs from the run without cache"
      diff -u "$tmp/ref" "$tmp/$mode" | head -20
      fail=1
    fi
  done
}

export PPROF_BINARY_PATH=bin
for f in "$src"/testdata/golden/*.cmd; do
  [ -f "${f%.cmd}.stdin" ] && continue # shell transcripts: tests/shell.sh
  check "golden/$(basename "$f" .cmd)" "$src/testdata" "$(cat "$f")"
done

if [ -d "$shared" ]; then
  export PPROF_BINARY_PATH="$shared/bin:$shared/lib"
  for d in "$shared"/0*/; do
    first=1
    while IFS=$'\t' read -r o rc cmd; do
      case "$cmd" in "google-pprof "*) ;; *) continue ;; esac
      args=${cmd#google-pprof }
      case "$args" in "--text --lines "*) ;; *) [ $first = 1 ] || continue ;; esac
      case "$args" in *--svg*|*--pdf*|*-png*|*--gv*|*--web*) continue ;; esac
      first=0
      check "$(basename "$d")/$o" "$d" "${args//\/opt\/hprof-corpus/$shared}"
    done <"$d/commands.tsv"
  done
else
  echo "skipped: corpus cases ($shared absent)"
fi
[ $files_seen -gt 0 ] || { echo "FAIL: no run wrote a cache file"; fail=1; }
echo "$n cases, $files_seen cache files corrupted and rewritten"
exit $fail
