#!/usr/bin/env bash
# heapsight's main job on its bundled recordings: no Go, no service needed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
npm run build --silent
node dist/src/cli/main.js demo "$@"
