#!/usr/bin/env bash
# Rebuilds tests/callers/ref/ with Go pprof (the standalone github.com/google/pprof)
# from /opt/hprof-corpus binaries. Not run in CI; needs Debian's golang-go,
# golang-github-google-pprof-dev, golang-github-chzyer-readline-dev and
# golang-github-ianlancetaylor-demangle-dev.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/../../../shared/corpus
go_pprof=${GO_PPROF:-/tmp/pprof-go}
[ -x "$go_pprof" ] || (cd /tmp && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$go_pprof" github.com/google/pprof)
grep -v '^#' "$here/cases.tsv" | while IFS=$'\t' read -r name dir prog heap args; do
  ( cd "$corpus/$dir" && eval "\"$go_pprof\" $args /opt/hprof-corpus/bin/$prog $heap" ) \
    >"$here/ref/$name.txt" 2>/dev/null || true
done
