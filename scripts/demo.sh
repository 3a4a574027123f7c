#!/usr/bin/env bash
# Placeholder until the playbooks land: build the collection and show what it ships.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
exec "$ROOT/scripts/build_check.sh"
