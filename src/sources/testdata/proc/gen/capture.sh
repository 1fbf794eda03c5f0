#!/bin/sh
# Re-captures ../status-*.txt and ../smaps_rollup-*.txt from main.go (Debian Go 1.19, GOPATH mode).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pdir="$here/.."
bin=$(mktemp)
out=$(mktemp)
trap 'rm -f "$bin" "$out"' EXIT
(cd "$here" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$bin" .)

capture() { # capture <name> <args...>
  name=$1; shift
  : >"$out"
  "$bin" "$@" >"$out" &
  pid=$!
  i=0
  until grep -q READY "$out"; do i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done
  cat /proc/$pid/status >"$pdir/status-$name.txt"
  cat /proc/$pid/smaps_rollup >"$pdir/smaps_rollup-$name.txt"
  kill $pid; wait $pid || true
}

capture heap64 -heap-mb 64
export GODEBUG=madvdontneed=0
capture released-madvfree -heap-mb 64 -release
