#!/bin/sh
# Regenerates the profiles under src/analysis/testdata/<case>-<rate>/ from leaks/ (Debian Go 1.19,
# GOPATH mode). Each case runs 6 steps; heap cases run at the default MemProfileRate (512 KiB) and
# at 4096 to show what sampling hides. Goroutine profiles do not depend on the rate, so they are kept
# from the default-rate run only.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)
bin=$(mktemp -d)/leaks
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$here/leaks" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$bin" .)
for c in maps syncmap ticker subslice queue body transport healthy; do
  for rate in 524288 4096; do
    rm -rf "$out/$c-$rate"
    "$bin" -case "$c" -rate "$rate" -steps 6 -out "$out/$c-$rate"
    if [ "$rate" != 524288 ]; then rm -f "$out/$c-$rate"/goroutine*; fi
  done
done
rm -rf "$out/chans"
"$bin" -case chans -steps 6 -out "$out/chans"
