#!/usr/bin/env bash
# Build the docsite offline, with Sphinx warnings as errors: antsibull-docs renders the collection (modules,
# roles, guides, the changelog of the coming release) to RST, Sphinx builds HTML into .build/docsite/html.
# Tools come from .venv-tools (scripts/bootstrap.sh tools). The last line reads "docsite: N warning(s)".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="$ROOT/.venv-tools/bin"
CONF="$ROOT/docs/docsite/sphinx"
OUT="$ROOT/.build/docsite"
[ -x "$TOOLS/sphinx-build" ] || { echo "missing $TOOLS/sphinx-build: run scripts/bootstrap.sh tools" >&2; exit 1; }
export PATH="$TOOLS:$PATH"
rm -rf "$OUT"
mkdir -p "$OUT"
chmod 700 "$OUT"  # antsibull-docs writes only into a directory no one else can write to

# A scratch copy of the collection (the files git knows), where the changelog of the coming release is rendered
# from the fragments and added to the guides as the "Changelog" page.
COPY="$OUT/collections/ansible_collections/fedops/rocketchat"
mkdir -p "$COPY"
cd "$ROOT"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | rsync -a --from0 --files-from=- ./ "$COPY/"
version=$(sed -n 's/^version: *//p' "$COPY/galaxy.yml")
(cd "$COPY" && antsibull-changelog release --version "$version" >/dev/null)
{ printf '.. _ansible_collections.fedops.rocketchat.docsite.changelog:\n\n'; cat "$COPY/CHANGELOG.rst"; } > "$COPY/docs/docsite/rst/changelog.rst"
printf '  - title: Changelog\n    toctree:\n      - changelog\n' >> "$COPY/docs/docsite/extra-docs.yml"

# The intersphinx inventory, compiled from its readable source.
mkdir -p "$OUT/conf/intersphinx"
cp "$CONF/conf.py" "$OUT/conf/conf.py"
python3 - "$CONF/intersphinx/ansible_devel.txt" "$OUT/conf/intersphinx/ansible_devel.inv" <<'PY'
import sys
import zlib
lines = []
for raw in open(sys.argv[1], encoding="utf-8"):
    if raw.strip() and not raw.startswith("#"):
        label, uri, title = raw.rstrip("\n").split(" ", 2)
        lines.append("%s std:label -1 %s %s\n" % (label, uri, title))
head = b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
head += b"# The remainder of this file is compressed using zlib.\n"
open(sys.argv[2], "wb").write(head + zlib.compress("".join(lines).encode("utf-8")))
PY

mkdir -p "$OUT/rst"
chmod 700 "$OUT/rst"
cp "$CONF/index.rst" "$OUT/rst/index.rst"
ANSIBLE_COLLECTIONS_PATH="$OUT/collections" antsibull-docs --config-file "$CONF/antsibull-docs.cfg" collection \
  --use-current --fail-on-error --dest-dir "$OUT/rst" fedops.rocketchat
rc=0
sphinx-build -b html -c "$OUT/conf" -W --keep-going -q "$OUT/rst" "$OUT/html" 2> "$OUT/warnings.log" || rc=$?
cat "$OUT/warnings.log" >&2
warnings=$(grep -c 'WARNING\|ERROR' "$OUT/warnings.log" || true)
pages=$(find "$OUT/html/collections/fedops/rocketchat" -name '*.html' | wc -l)
echo "docsite: $pages page(s) for fedops.rocketchat in $OUT/html"
echo "docsite: $warnings warning(s)"
[ "$rc" -eq 0 ] && [ "$warnings" -eq 0 ]
