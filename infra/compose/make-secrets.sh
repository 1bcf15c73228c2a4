#!/bin/sh
# Makes the three secrets compose.yaml reads, each 48 random bytes in base64, readable by their owner only.
# Never overwrites one that exists: to rotate a secret, delete its file, run this again, `docker compose up -d`.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
for name in admin-key turn-secret metrics-token; do
  if [ -s "secrets/$name" ]; then echo "secrets/$name exists, kept"; continue; fi
  openssl rand -base64 48 | tr -d '\n' > "secrets/$name"
  echo "secrets/$name written"
done
# The container runs as uid 1000 (node): let it read the files compose mounts.
chown 1000:1000 secrets/* 2>/dev/null || true
