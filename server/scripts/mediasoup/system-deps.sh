#!/bin/sh
# Debian packages Hearth needs. Usage:
#   system-deps.sh build|runtime|test        install what is missing (as root; otherwise prints the command)
#   system-deps.sh list build|runtime|test   print the package names
set -eu
RUNTIME="libsrtp2-1 libssl3 libuv1 libusrsctp2 liburing2"
BUILD="build-essential pkg-config ninja-build meson flatbuffers-compiler libssl-dev libuv1-dev libsrtp2-dev \
libusrsctp-dev libabsl-dev libflatbuffers-dev liburing-dev $RUNTIME"
# Browser tests: Chromium; weak-link tests and the benchmark (tests/support/netns.ts): namespaces, tbf, nftables
# loss, iptables NFQUEUE + a small C delay program built with gcc; espeak-ng speaks the fake microphone's file;
# coturn is the TURN server the relay-only browser test starts on loopback (the test starts it, not systemd);
# caddy is the TLS reverse proxy the https browser test starts with infra/caddy/Caddyfile (and the two-node test,
# with infra/caddy/Caddyfile.cluster); redis-server is the directory the scale-out tests start on loopback.
TEST="chromium iproute2 nftables iptables libnetfilter-queue-dev gcc libc6-dev espeak-ng coturn systemd strace caddy redis-server"
pkgs() { case "$1" in build) echo "$BUILD";; runtime) echo "$RUNTIME";; test) echo "$TEST";; *) echo "unknown set $1" >&2; exit 2;; esac; }

if [ "$1" = list ]; then pkgs "$2"; exit 0; fi
missing=""
for p in $(pkgs "$1"); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "[hearth] missing Debian packages:$missing" >&2
  echo "[hearth] install them with: sudo apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi
echo "[hearth] installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# apt's lists may be absent on a fresh machine; refresh once if the first install fails.
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 || {
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; }
