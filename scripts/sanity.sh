#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the working tree placed at ansible_collections/fedops/rocketchat,
# which is where ansible-test requires a collection to be. ansible-test lists files through git, so the
# copy gets its own throw-away repository with every file staged. Extra arguments go to ansible-test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# One copy per run, so that concurrent runs never share a tree.
BASE=$(mktemp -d "$ROOT/.build/sanity.XXXXXX")
trap 'rm -rf "$BASE"' EXIT
DEST="$BASE/ansible_collections/fedops/rocketchat"
mkdir -p "$DEST"
cd "$ROOT"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | rsync -a --from0 --files-from=- ./ "$DEST/"
cd "$DEST"
git init -q
git add -A >/dev/null
export PATH="$ROOT/.venv/bin:$PATH"
ansible-test sanity --python 3.11 --color no "$@"
