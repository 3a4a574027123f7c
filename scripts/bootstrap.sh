#!/usr/bin/env bash
# Install what fedops.rocketchat needs to run its demo and its tests, idempotently.
#   scripts/bootstrap.sh [apt] [dev] [node] [peers] [image] [cores] [tools]   (no argument: apt dev node)
# apt    Debian packages for the real servers the tests start (BIND, PowerDNS, podman, ...)
# dev    the project venv .venv from requirements/dev.txt, the collection symlink tree under .build/,
#        and the offline get-pip stand-in that ansible-test needs
# node   Node.js + npm (Debian's nodejs npm, only when `node` is missing) and Rocket.Chat's published federation
#        libraries pinned in tests/peers/package-lock.json (npm ci), which the integration tests run as real peers
# peers  .venv-peers with the `ansible` package (community.general) for the peer comparisons in bench/
# image  the Debian 12 + systemd container image that Molecule scenarios boot (debootstrap, cached)
# cores  one venv per ansible-core minor the collection claims (.venv-core216 ...), from requirements/cores/
# tools  .venv-tools with the release and docs tools that must not touch .venv (ansible-builder, Sphinx)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${FEDOPS_PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
log() { printf '[bootstrap] %s\n' "$*" >&2; }

APT_PACKAGES=(bind9 bind9-dnsutils pdns-server pdns-backend-sqlite3 sqlite3 podman crun uidmap fuse-overlayfs
  slirp4netns runc debootstrap iproute2 rsync git make shellcheck pebble)

do_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "apt: all ${#APT_PACKAGES[@]} packages present"; return; fi
  log "apt: installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

venv_sync() {  # venv_sync DIR REQUIREMENTS
  local dir=$1 req=$2 stamp
  stamp=$(sha256sum "$req" | cut -c1-16)
  if [ -f "$dir/.fedops-stamp" ] && [ "$(cat "$dir/.fedops-stamp")" = "$stamp" ]; then
    log "venv $(basename "$dir"): up to date"; return
  fi
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir"
  log "venv $(basename "$dir"): installing $(basename "$req")"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check -U pip
  "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  echo "$stamp" > "$dir/.fedops-stamp"
}

do_dev() {
  venv_sync "$ROOT/.venv" "$ROOT/requirements/dev.txt"
  # Importable collection tree (ansible_collections/fedops/rocketchat -> the repository root).
  mkdir -p "$ROOT/.build/collections/ansible_collections/fedops"
  ln -sfn "$ROOT" "$ROOT/.build/collections/ansible_collections/fedops/rocketchat"
  # ansible-test bootstraps pip in its own venvs by downloading get-pip; offline it uses this cached file.
  # The stand-in installs pip from the interpreter's bundled wheel, then the requested pip from PyPI.
  local cache="$HOME/.ansible/test/cache"
  mkdir -p "$cache"
  install -m 0644 "$ROOT/scripts/get_pip_standin.py" "$cache/get_pip_24_2.py"
}

do_node() {
  local dir="$ROOT/tests/peers" stamp
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "node: installing Debian nodejs npm"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  stamp=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -c1-16)
  if [ -f "$dir/node_modules/.fedops-stamp" ] && [ "$(cat "$dir/node_modules/.fedops-stamp")" = "$stamp" ]; then
    log "node: tests/peers up to date ($(node --version))"; return
  fi
  log "node: npm ci in tests/peers ($(node --version), npm $(npm --version))"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$stamp" > "$dir/node_modules/.fedops-stamp"
}

do_peers() { venv_sync "$ROOT/.venv-peers" "$ROOT/requirements/peers.txt"; }

do_cores() {  # one venv per minor, side by side (pip spends most of its time waiting on downloads)
  local req m pids=() rc=0
  for req in "$ROOT"/requirements/cores/*.txt; do
    m=$(basename "$req" .txt)
    venv_sync "$ROOT/.venv-core${m//./}" "$req" & pids+=($!)
  done
  for m in "${pids[@]}"; do wait "$m" || rc=1; done
  return $rc
}

do_tools() { venv_sync "$ROOT/.venv-tools" "$ROOT/requirements/tools.txt"; }

do_image() { "$ROOT/scripts/build_image.sh"; }

[ $# -gt 0 ] || set -- apt dev node
for step in "$@"; do
  case $step in
    apt|dev|node|peers|image|cores|tools) ;;
    *) echo "unknown step: $step" >&2; exit 2 ;;
  esac
done
# apt first (the other steps use its packages), then the rest side by side: they fill separate directories.
pids=() names=()
for step in "$@"; do
  if [ "$step" = apt ]; then do_apt; continue; fi
  "do_$step" & pids+=($!) names+=("$step")
done
failed=()
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${names[$i]}"); done
[ ${#failed[@]} -eq 0 ] || { log "failed: ${failed[*]}"; exit 1; }
