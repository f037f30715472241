#!/usr/bin/env bash
# a2l-input.sh HP_ADDR2LINE OBJ - hp-addr2line's reading of addresses from
# stdin against binutils' addr2line (-a -f -i -C) on the same lines: blanks
# and tabs before the address, 0x / 0X, upper-case digits, words or a CR
# after it, leading zeros past 16 digits, "0x" with no digit after it, no
# newline after the last line. (Not signs: hp-addr2line reads them as
# strtoull does, addr2line 2.40 otherwise: "+10" is 10, "-1" is 0.) Lines with no address (empty, blanks
# only, no hex digit first, more than 16 significant digits) are skipped by
# hp-addr2line, where addr2line prints address 0 or all ones: the expected
# output is addr2line's on the input without those lines. Skipped without
# addr2line.
set -u
tool=$1 obj=$2
command -v addr2line > /dev/null || { echo "skipped: no addr2line (binutils)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# a few functions' addresses (and one past their start) to print real answers
mapfile -t addrs < <(nm "$obj" | awk '$2 ~ /^[Tt]$/ { print $1 }' | sed 's/^0*//' | sort -u | head -4)
[ "${#addrs[@]}" -ge 4 ] || { echo "no functions in $obj"; exit 1; }
a=${addrs[0]} b=${addrs[1]} c=${addrs[2]} d=${addrs[3]}
upper=$(printf '%X' $((16#$b + 1)))

# lines both read alike (1) and lines hp-addr2line skips (0); under 100
# bytes (addr2line reads 100 at a time)
cases=(
  "1|$a"
  "0|"
  "1|  $b"
  "1|$(printf '\t')$c"
  "0|   "
  "1|0x$d"
  "1|0X$a"
  "0|zz$a"
  "1|$upper"
  "1|$b trailing words"
  "1|$c$(printf '\r')"
  "0|11111111111111111"
  "1|00000000000000000000000$d"
  "1| $(printf '\t') 0x$a;comment"
  "1|0x"
  "1|0xg"
  "0|x$c"
  "1|$d"
)
: > "$tmp/all"
: > "$tmp/kept"
for i in "${!cases[@]}"; do
  line=${cases[$i]#*|}
  nl='\n'
  [ "$i" -eq $((${#cases[@]} - 1)) ] && nl=''   # the last line has no newline
  printf "%s$nl" "$line" >> "$tmp/all"
  [ "${cases[$i]%%|*}" = 1 ] && printf "%s$nl" "$line" >> "$tmp/kept"
done

addr2line -a -f -i -C -e "$obj" < "$tmp/kept" | sed 's/ (discriminator [0-9]*)$//' > "$tmp/expected"
"$tool" -a -e "$obj" < "$tmp/all" > "$tmp/got" || { echo "hp-addr2line failed"; exit 1; }
if ! diff -u "$tmp/expected" "$tmp/got"; then
  echo "hp-addr2line reads stdin otherwise than addr2line (- expected, + got)"
  exit 1
fi
# the same lines through a pipe (read in pieces, not at once as a file)
cat "$tmp/all" | "$tool" -a -e "$obj" | cmp -s - "$tmp/got" || { echo "stdin as a pipe differs"; exit 1; }
echo "ok: $(grep -c '^0x' "$tmp/got") addresses read as addr2line reads them"
