#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, type check, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run typecheck --silent
npm run lint --silent
npm test
