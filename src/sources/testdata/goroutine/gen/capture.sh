#!/bin/sh
# Re-captures ../debug0.pb.gz, ../debug1.txt and ../debug2.txt from main.go (Debian Go 1.19, GOPATH mode).
# Takes ~70 s: debug=2 only prints ", N minutes" once a goroutine has waited a minute (fact 7).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gdir="$here/.."
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
(cd "$here" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$bin" .)

start() { # start <out> <args...>: run the program, wait for its LISTENING line
  out=$1; shift
  "$bin" "$@" >"$out" &
  pid=$!
  i=0
  until grep -q LISTENING "$out"; do i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done
  url=$(sed -n 's/^LISTENING //p' "$out")
}

log=$(mktemp)
start "$log" -gc
sleep 65
curl -sf "$url/debug/pprof/goroutine?debug=0" >"$gdir/debug0.pb.gz"
curl -sf "$url/debug/pprof/goroutine?debug=1" >"$gdir/debug1.txt"
curl -sf "$url/debug/pprof/goroutine?debug=2" >"$gdir/debug2.txt"
kill $pid; wait $pid || true

rm -f "$log"
