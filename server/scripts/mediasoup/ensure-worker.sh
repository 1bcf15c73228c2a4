#!/bin/sh
# Makes sure node_modules/mediasoup has a working mediasoup-worker binary.
# Run by `npm install`/`npm ci` (server postinstall) and by both README commands.
#
# 1. Already there for this mediasoup version and it runs -> done.
# 2. Online (self-hosters): mediasoup's official prebuilt worker for this exact version,
#    fetched the way mediasoup's own postinstall does (skipped when
#    MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD is set, as in mediasoup itself).
# 3. Offline: compile against Debian's system libraries with the shims in ./shims
#    (build-worker.sh), installing the apt packages it needs, and cache the result
#    outside the checkout, keyed by mediasoup version, recipe contents and library versions.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SERVER_DIR=$(cd "$HERE/../.." && pwd)
# mediasoup's "exports" hides package.json: resolve its entry point and walk up to the package root.
PKG=$(cd "$SERVER_DIR" && node -e "
const fs = require('node:fs'), path = require('node:path');
let d = path.dirname(require.resolve('mediasoup'));
while (!fs.existsSync(path.join(d, 'package.json')) || JSON.parse(fs.readFileSync(path.join(d, 'package.json'))).name !== 'mediasoup') d = path.dirname(d);
console.log(d);")
VER=$(node -p "require('$PKG/package.json').version")
OUT="$PKG/worker/out/Release"
BIN="$OUT/mediasoup-worker"
log() { echo "[hearth worker] $*"; }

runs() { # the worker exits 41 when started without MEDIASOUP_VERSION: proof it loads and links
  [ -x "$1" ] || return 1
  set +e; env -i "$1" >/dev/null 2>&1; rc=$?; set -e
  [ "$rc" = 41 ]
}

if [ -n "${MEDIASOUP_WORKER_BIN:-}" ]; then log "MEDIASOUP_WORKER_BIN given, using $MEDIASOUP_WORKER_BIN"; exit 0; fi
if [ "$(cat "$OUT/.built-version" 2>/dev/null)" = "$VER" ] && runs "$BIN"; then
  log "mediasoup-worker $VER ready"; exit 0
fi

if [ -z "${MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD:-}" ]; then
  if node "$HERE/fetch-prebuilt.mjs" "$PKG" && runs "$BIN"; then
    echo "$VER" > "$OUT/.built-version"; log "using mediasoup's official prebuilt worker $VER"; exit 0
  fi
  log "no prebuilt worker could be fetched; building it from source against Debian's libraries"
fi

sh "$HERE/system-deps.sh" build

KEY=$( {
  echo "$VER"; uname -m
  cat "$HERE/build-worker.sh" "$HERE/install-shims.sh"
  find "$HERE/shims" -type f | LC_ALL=C sort | xargs cat
  dpkg-query -W -f='${Package} ${Version}\n' $(sh "$HERE/system-deps.sh" list build) 2>/dev/null
} | sha256sum | cut -c1-16)
CACHE="${HEARTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth}/mediasoup-worker/$VER-$KEY"

if runs "$CACHE/mediasoup-worker"; then
  mkdir -p "$OUT"; cp "$CACHE/mediasoup-worker" "$BIN"; echo "$VER" > "$OUT/.built-version"
  log "restored mediasoup-worker $VER from cache $CACHE"; exit 0
fi

rm -f "$OUT/.built-version"
sh "$HERE/build-worker.sh" "$PKG"
mkdir -p "$CACHE" && cp "$BIN" "$CACHE/mediasoup-worker.tmp" && mv "$CACHE/mediasoup-worker.tmp" "$CACHE/mediasoup-worker" \
  || log "could not write the cache at $CACHE (not fatal)"
