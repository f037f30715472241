#!/usr/bin/env bash
# Every malformed input of testdata/malformed gives a correct report or one
# line "pprof: FILE:LINE: what is wrong" and exit status 1: never a crash, a
# hang, or a second line. expect.tsv lists file, exit status, first stderr line.
set -u
cd "$TESTDATA/malformed"
status=0; n=0
while IFS=$'\t' read -r file rc msg; do
  n=$((n + 1))
  got_err=$(timeout 20 "$PPROF" --symbolize=none --text "$file" 2>&1 >/dev/null)
  got_rc=$?
  got_msg=$(printf '%s\n' "$got_err" | head -1)
  if [ "$got_rc" != "$rc" ] || [ "$got_msg" != "$msg" ]; then
    echo "FAIL $file: exit $got_rc (want $rc): '$got_msg' (want '$msg')"; status=1
  fi
  if [ "$rc" != 0 ] && [ "$(printf '%s\n' "$got_err" | wc -l)" != 1 ]; then
    echo "FAIL $file: error is not one line:"; printf '%s\n' "$got_err"; status=1
  fi
done < expect.tsv
# every file is listed
for f in *.heap; do grep -q "^$f	" expect.tsv || { echo "FAIL $f: not in expect.tsv"; status=1; }; done
echo "$n malformed inputs checked"
exit $status
