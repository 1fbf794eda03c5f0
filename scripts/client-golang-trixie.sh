#!/usr/bin/env bash
# Extracts trixie's client_golang (1.21) and the Go sources it imports into a private GOPATH, so that
# example programs can be built against a current client_golang as well as bookworm's 1.14, which stays
# installed as it is under /usr/share/gocode. Why not apt-get install: the trixie -dev packages would
# replace bookworm's. The packages are downloaded with apt-get download and unpacked with dpkg -x.
# Prints the GOPATH. Needs scripts/apt-backports.sh's source (run as root).
set -euo pipefail
dest=/opt/heapsight/gopath-trixie
if [ -d "$dest/src/github.com/prometheus/client_golang/prometheus" ]; then echo "$dest"; exit 0; fi
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/apt-backports.sh" >&2
[ -n "$(apt-cache madison golang-github-prometheus-client-golang-dev 2>/dev/null | grep trixie)" ] || apt-get update -qq
# client_golang's prometheus, promhttp and collectors packages import exactly these (found by building).
pkgs=(golang-github-prometheus-client-golang-dev golang-github-beorn7-perks-dev golang-github-cespare-xxhash-dev
  golang-github-klauspost-compress-dev golang-github-prometheus-client-model-dev golang-github-prometheus-common-dev
  golang-github-prometheus-procfs-dev golang-google-protobuf-dev golang-github-munnerz-goautoneg-dev
  golang-golang-x-sys-dev)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
for p in "${pkgs[@]}"; do
  (cd "$tmp" && apt-get download -qq "$p/trixie" 2>/dev/null) || { echo "client-golang-trixie: apt-get download $p/trixie failed" >&2; exit 1; }
done
mkdir -p "$tmp/root"
for d in "$tmp"/*.deb; do dpkg -x "$d" "$tmp/root"; done
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.partial"
mv "$tmp/root/usr/share/gocode" "$dest.partial"
mv "$dest.partial" "$dest"
echo "$dest"
