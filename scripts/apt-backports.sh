#!/usr/bin/env bash
# Adds Debian's newer suites (bookworm-backports, trixie, trixie-backports) as a second apt source, pinned
# low (priority 100) so that nothing already installed is upgraded from them; only packages asked for with
# `-t SUITE` come from there. Why: bookworm has Go 1.19 only, and our users run Go 1.25–1.27, which Debian
# carries in trixie-backports as golang-1.27-go. The mirror and keyring are read from the machine's own
# debian.sources entry, so no host name is written here.
set -euo pipefail
src=/etc/apt/sources.list.d/debian.sources
out=/etc/apt/sources.list.d/heapsight-newer.sources
pin=/etc/apt/preferences.d/heapsight-newer
if [ -f "$out" ] && [ -f "$pin" ]; then exit 0; fi
[ -f "$src" ] || { echo "apt-backports: $src not found; cannot tell which Debian mirror this machine uses" >&2; exit 1; }
# The first stanza whose Suites name plain bookworm (not bookworm-security) gives the URI and keyring.
read -r uri keyring < <(awk '
  BEGIN { RS=""; FS="\n" }
  {
    u=""; k=""; s=""
    for (i=1;i<=NF;i++) {
      if ($i ~ /^URIs:/) { u=$i; sub(/^URIs:[ \t]*/, "", u); split(u, a, /[ \t]+/); u=a[1] }
      if ($i ~ /^Signed-By:/) { k=$i; sub(/^Signed-By:[ \t]*/, "", k) }
      if ($i ~ /^Suites:/) { s=$i }
    }
    if (s ~ /(^|[ \t])bookworm([ \t]|$)/ && u != "") { print u, k; exit }
  }' "$src")
[ -n "${uri:-}" ] || { echo "apt-backports: no bookworm entry with URIs in $src" >&2; exit 1; }
{
  echo "Types: deb"
  echo "URIs: $uri"
  echo "Suites: bookworm-backports trixie trixie-backports"
  echo "Components: main"
  [ -n "${keyring:-}" ] && echo "Signed-By: $keyring"
} > "$out"
cat > "$pin" <<PIN
Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 100
PIN
echo "apt-backports: added $out (pinned at 100 in $pin)"
