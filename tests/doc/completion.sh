#!/usr/bin/env bash
# completion/pprof.bash driven as bash does it: COMP_WORDS split at blanks and at
# readline's word breaks "=" and ":", COMP_CWORD, COMP_LINE/COMP_POINT, then
# _pprof, then COMPREPLY compared with what the case provably expects:
#  - options: `--` offers exactly the options `pprof --help` lists, "-tex" gives
#    "-text", "--samp" gives "--sample_index=";
#  - values: every value offered for -sample_index, --symbolize, --debuginfod,
#    --json is accepted by pprof (run on a profile), -sample_index offers every
#    value pprof's help names, regexes (--focus=, --peek) get nothing;
#  - files in a folder made here: the first argument offers profiles,
#    executables and folders, the later ones and --base profiles and folders,
#    --output every file, --binary_path=A:B the folders after the colon; a
#    value given as the next word is not counted as an argument.
set -u
: "${PPROF:?}" "${SRCDIR:?}"
export LC_ALL=C
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "skipped: bash-completion is not installed ($bc)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/d/sub" "$tmp/d/subdir2"
ln -s "$(cd "$(dirname "$PPROF")" && pwd)/$(basename "$PPROF")" "$tmp/bin/pprof"
touch "$tmp/d/a.heap" "$tmp/d/b.heap.gz" "$tmp/d/c.pb.gz" "$tmp/d/notes.txt"
printf '#!/bin/sh\n' >"$tmp/d/prog"; chmod +x "$tmp/d/prog"
heap=$SRCDIR/testdata/heap/seed.0001.heap

cat >"$tmp/drive.sh" <<'DRIVE'
# complete LINE: prints COMPREPLY sorted, one per line (LINE ends where the cursor is)
source "$BC"; source "$SRC/completion/pprof.bash"
complete_line() {
  local line=$1 w=() cur="" i c
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    case $c in
      " ") [ -n "$cur" ] && w+=("$cur"); cur="" ;;
      "=" | ":") [ -n "$cur" ] && w+=("$cur"); w+=("$c"); cur="" ;;
      *) cur+=$c ;;
    esac
  done
  w+=("$cur")
  COMP_WORDS=("${w[@]}"); COMP_CWORD=$((${#w[@]} - 1))
  COMP_LINE=$line; COMP_POINT=${#line}; COMPREPLY=()
  _pprof
  printf '%s\n' "${COMPREPLY[@]}" | grep . | sort
}
complete_line "$1"
DRIVE
comp() { (cd "$tmp" && PATH="$tmp/bin:$PATH" BC=$bc SRC=$SRCDIR bash "$tmp/drive.sh" "$1"); }
fail=0 n=0
bad() { echo "not ok: $*"; fail=1; }
# expect LINE WORD... : COMPREPLY is exactly these words
expect() {
  local line=$1; shift
  n=$((n + 1))
  local got want
  got=$(comp "$line" | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | grep . | sort | tr '\n' ' ')
  [ "$got" = "$want" ] || bad "'$line': got [$got], want [$want]"
}

# options
"$PPROF" --help | sed -n 's/^ \{1,\}\(--[A-Za-z0-9_-]\{1,\}\).*/\1/p' | sort >"$tmp/help.opts"
comp "pprof --" | sed 's/=$//' | sort >"$tmp/comp.opts"
n=$((n + 1))
diff "$tmp/help.opts" "$tmp/comp.opts" >/dev/null || bad "'pprof --' offers other options than --help lists"
expect "pprof -tex" -text
expect "pprof --samp" --sample_index=
expect "pprof --text --icic" --icicle

# values
expect "pprof -sample_index=al" alloc_space alloc_objects
expect "pprof --symbolize=" local none
expect "pprof --debuginfod o" on off
expect "pprof --json=rows,st" rows,stacks
expect "pprof --focus=Le"
expect "pprof --peek "
for opt in sample_index symbolize debuginfod json; do
  vals=$(comp "pprof --$opt=")
  [ -n "$vals" ] || bad "no values offered for --$opt"
  for v in $vals; do
    n=$((n + 1))
    DEBUGINFOD_URLS= "$PPROF" --text --symbolize=none "--$opt=$v" "$heap" >/dev/null 2>"$tmp/err"
    if grep -qiE "invalid|unsupported|must be one of" "$tmp/err"; then
      bad "--$opt=$v offered, refused by pprof: $(cat "$tmp/err")"
    fi
  done
done
listed=$("$PPROF" --help | sed -n 's/^ *--sample_index=[A-Z]* *//p' | tr '|' '\n' | sort | tr '\n' ' ')
[ "$listed" = "$(comp 'pprof -sample_index=' | tr '\n' ' ')" ] ||
  bad "-sample_index= offers [$(comp 'pprof -sample_index=' | tr '\n' ' ')], --help names [$listed]"

# files
expect "pprof d/" d/a.heap d/b.heap.gz d/c.pb.gz d/prog d/sub d/subdir2
expect "pprof --text d/" d/a.heap d/b.heap.gz d/c.pb.gz d/prog d/sub d/subdir2
expect "pprof d/prog d/" d/a.heap d/b.heap.gz d/c.pb.gz d/sub d/subdir2
expect "pprof --nodecount 5 d/" d/a.heap d/b.heap.gz d/c.pb.gz d/prog d/sub d/subdir2
expect "pprof --base d/" d/a.heap d/b.heap.gz d/c.pb.gz d/sub d/subdir2
expect "pprof --base=d/a" d/a.heap
expect "pprof -diff_base=d/b" d/b.heap.gz
expect "pprof --output d/n" d/notes.txt
expect "pprof --binary_path=/nonexistent:d/su" d/sub/ d/subdir2/
expect "pprof --source_path d/sub" d/sub/ d/subdir2/
expect "pprof --lib_prefix=/nonexistent,d/su" /nonexistent,d/sub/ /nonexistent,d/subdir2/

# zsh's: parsed only (its _arguments reads --help itself)
if command -v zsh >/dev/null; then
  zsh -n "$SRCDIR/completion/_pprof" || bad "completion/_pprof: zsh -n fails"
else
  echo "skipped: zsh -n completion/_pprof (no zsh)"
fi

[ $fail = 0 ] && echo "ok: $n completion cases"
exit $fail
