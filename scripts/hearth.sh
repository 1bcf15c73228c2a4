#!/usr/bin/env bash
# The two README commands (and the benchmark) in one place:
#   npm start  -> bash scripts/hearth.sh start   install what is missing, build, run the server
#   npm test   -> bash scripts/hearth.sh test    install what is missing (Chromium too), build, run every test
#   npm run bench -> bash scripts/hearth.sh bench  performance tables (not tests)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

node_major=$(node -p 'process.versions.node.split(".")[0]')
npm_major=$(npm --version | cut -d. -f1)
if [ "$node_major" -lt 20 ] || [ "$npm_major" -lt 11 ]; then
  echo "Hearth needs Node.js >= 20.19 and npm >= 11 (npm 11 honours package.json allowScripts). Found node $(node --version), npm $(npm --version)." >&2
  exit 1
fi

install() {
  # npm ci when dependencies are missing or the lockfile changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  sh server/scripts/mediasoup/ensure-worker.sh
  sh server/scripts/mediasoup/system-deps.sh runtime
}

case "${1:-}" in
  start)
    install
    npx turbo run build --output-logs=errors-only
    exec node server/dist/main.js
    ;;
  test)
    install
    sh server/scripts/mediasoup/system-deps.sh test
    npx turbo run build typecheck --output-logs=errors-only
    # The guard rails: no dropped promises, no console, and the layers' import boundaries (eslint.config.js).
    npx eslint . --max-warnings 0
    exec npx vitest run
    ;;
  bench)
    install
    sh server/scripts/mediasoup/system-deps.sh test
    npx turbo run build --output-logs=errors-only
    exec node --import tsx tests/bench/run.ts
    ;;
  *)
    echo "usage: scripts/hearth.sh start|test|bench" >&2
    exit 2
    ;;
esac
