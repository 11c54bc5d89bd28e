#!/usr/bin/env bash
# Runs scripts/device/gpuJobCheck.ts on the device machine, which has no Node: this machine prepares .gpucarry/
# (Node's binary gzipped, the check bundled with esbuild, the job shim, better-sqlite3's built module), the device
# tool carries it. Usage here: bash scripts/device/gpuJobCheck.sh prepare; there: bash scripts/device/gpuJobCheck.sh run
set -euo pipefail
case "${1:-}" in
  prepare)
    grep -qx '/.gpucarry/' .git/info/exclude || echo '/.gpucarry/' >> .git/info/exclude
    rm -rf .gpucarry && mkdir -p .gpucarry/node_modules
    gzip -1 -c "$(readlink -f "$(command -v node)")" > .gpucarry/node.gz
    npx esbuild scripts/device/gpuJobCheck.ts --bundle --platform=node --format=esm --target=node20 --outfile=.gpucarry/gpuJobCheck.mjs \
      --external:better-sqlite3 --external:cpu-features --external:node-pty --log-level=warning \
      --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
    cp dist/core/jobShim.mjs .gpucarry/
    for m in better-sqlite3 bindings file-uri-to-path; do
      mkdir -p ".gpucarry/node_modules/$m"
      (cd "node_modules/$m" && cp -r package.json $(ls -d lib build/Release/better_sqlite3.node bindings.js index.js 2>/dev/null) "../../.gpucarry/node_modules/$m/" 2>/dev/null || true)
    done
    mkdir -p .gpucarry/node_modules/better-sqlite3/build/Release && cp node_modules/better-sqlite3/build/Release/better_sqlite3.node .gpucarry/node_modules/better-sqlite3/build/Release/
    du -sh .gpucarry ;;
  run)
    gunzip -c .gpucarry/node.gz > /tmp/node && chmod +x /tmp/node
    cp -r .gpucarry/node_modules /tmp/gpucarry-modules 2>/dev/null || true
    NODE_PATH=$PWD/.gpucarry/node_modules /tmp/node .gpucarry/gpuJobCheck.mjs ;;
  *) echo "usage: $0 prepare|run" >&2; exit 2 ;;
esac
