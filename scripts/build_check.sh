#!/usr/bin/env bash
# Build the collection tarball, install it into a scratch path and list its modules with ansible-doc.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/.build/dist"
rm -rf "$OUT" && mkdir -p "$OUT/installed"
export PATH="$ROOT/.venv/bin:$PATH"
cd "$ROOT"
ansible-galaxy collection build --force --output-path "$OUT" .
tarball=$(ls "$OUT"/fedops-rocketchat-*.tar.gz)
ansible-galaxy collection install "$tarball" -p "$OUT/installed" --force 2>&1 | grep -v "is not part of the configured"
# ansible-doc must find every module from the installed tarball and render each one.
modules=$(ANSIBLE_COLLECTIONS_PATH="$OUT/installed" ansible-doc -l fedops.rocketchat | awk '{print $1}')
echo "$modules"
count=0
for m in $modules; do
  ANSIBLE_COLLECTIONS_PATH="$OUT/installed" ansible-doc "$m" >/dev/null
  count=$((count + 1))
done
echo "built $(basename "$tarball"), installed, ansible-doc rendered $count module(s)"
[ "$count" -gt 0 ]
