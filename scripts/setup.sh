#!/usr/bin/env bash
# Installs everything heapsight's tests need on a fresh Debian machine (as root): Debian's Go toolchain
# and client_golang for the example services, Prometheus and VictoriaMetrics for fleet tests, Chromium for report tests,
# then the npm dependencies from the lockfile, then the build.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/prometheus/client_golang/prometheus ] || need+=(golang-github-prometheus-client-golang-dev)
command -v prometheus >/dev/null || need+=(prometheus)
# bookworm's 1.79 (trixie's 1.112 stays pinned low): the fleet tests run against it too.
command -v victoria-metrics >/dev/null || need+=(victoria-metrics)
command -v chromium >/dev/null || need+=(chromium)
need_new=()
[ -x /usr/lib/go-1.27/bin/go ] || need_new+=(golang-1.27-go)
if [ ${#need[@]} -gt 0 ] || [ ${#need_new[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages (${need[*]} ${need_new[*]}); run as root or install them" >&2
    exit 1
  fi
  # Go 1.27 comes from trixie-backports, added as a second source pinned low (see apt-backports.sh).
  [ ${#need_new[@]} -gt 0 ] && bash scripts/apt-backports.sh
  apt-get update -qq
  if [ ${#need[@]} -gt 0 ]; then
    echo "setup: apt-get install ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if [ ${#need_new[@]} -gt 0 ]; then
    echo "setup: apt-get install -t trixie-backports ${need_new[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie-backports "${need_new[@]}" >/dev/null
  fi
fi
# trixie's client_golang 1.21 in a private GOPATH beside bookworm's 1.14 (see client-golang-trixie.sh).
if [ "$(id -u)" = 0 ]; then bash scripts/client-golang-trixie.sh >/dev/null; fi
# Debian's prometheus package starts a service on :9090; tests run their own on loopback ports.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then systemctl stop prometheus || true; fi
# Likewise victoria-metrics's service on :8428.
if command -v systemctl >/dev/null && systemctl is-active --quiet victoria-metrics 2>/dev/null; then systemctl stop victoria-metrics || true; fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
