#!/usr/bin/env bash
# Regenerates testdata/web/*.png, the web UI's screenshots in README: the
# browser test (tests/web/web-browser.py) on corpus 02-rich (../shared) or,
# without it, on testdata's phases profile, saving each view it checks.
# Needs a build (build/cli/pprof), chromium, chromedriver, python3-selenium.
# Not run in CI.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/testdata/web"
what=corpus
[ -d "$top/../shared/corpus/02-rich" ] || what=small
PPROF=${PPROF:-$top/build/cli/pprof} SRCDIR=$top \
  /usr/bin/python3 "$top/tests/web/web-browser.py" "$what" --screenshots "$top/testdata/web"
ls -l "$top/testdata/web"
