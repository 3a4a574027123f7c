#!/usr/bin/env bash
# Run every Molecule scenario of every role and print one line per scenario:
#   scenario <role>/<name>: passed|failed <seconds>s
#   scripts/molecule.sh                    all roles, all scenarios
#   scripts/molecule.sh synapse            one role
#   scripts/molecule.sh synapse/default    one scenario
# Exit status is non-zero when any scenario failed. Logs go to .cache/molecule/<role>-<name>.log
# (shown on failure unless FEDOPS_MOLECULE_QUIET=1).
#
# Environment set up here:
#   CONTAINERS_CONF          podman settings this host needs (written by scripts/build_image.sh)
#   ANSIBLE_COLLECTIONS_PATH only this collection (.build/collections): the roles cannot silently use another
#                            collection. The scenarios reach their containers with a small podman exec
#                            connection plugin of their own (pipelining), so containers.podman is not needed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${FEDOPS_VENV:-$ROOT/.venv}
log() { printf '[molecule] %s\n' "$*" >&2; }

[ -x "$VENV/bin/molecule" ] || { log "no molecule in $VENV: run scripts/bootstrap.sh dev"; exit 2; }

CACHE="$ROOT/.cache"
mkdir -p "$CACHE/molecule"
mkdir -p "$ROOT/.build/collections/ansible_collections/fedops"
[ -e "$ROOT/.build/collections/ansible_collections/fedops/rocketchat" ] || \
  ln -sfn "$ROOT" "$ROOT/.build/collections/ansible_collections/fedops/rocketchat"

"$ROOT/scripts/build_image.sh" || { log "image build failed"; exit 1; }
export CONTAINERS_CONF="$CACHE/podman/containers.conf"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.build/collections"
export ANSIBLE_PYTHON_INTERPRETER="$VENV/bin/python"   # localhost plays; containers set their own
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_NOCOLOR=1
export MOLECULE_NO_LOG=false
export PATH="$VENV/bin:$PATH"

# Collect role/scenario pairs.
selection=("$@")
pairs=()
for role_dir in "$ROOT"/roles/*/; do
  role=$(basename "$role_dir")
  for scen_dir in "$role_dir"molecule/*/; do
    [ -f "$scen_dir/molecule.yml" ] || continue
    scen=$(basename "$scen_dir")
    if [ ${#selection[@]} -gt 0 ]; then
      match=0
      for s in "${selection[@]}"; do [ "$s" = "$role" ] || [ "$s" = "$role/$scen" ] && match=1; done
      [ $match -eq 1 ] || continue
    fi
    pairs+=("$role/$scen")
  done
done
[ ${#pairs[@]} -gt 0 ] || { log "no scenario matches: ${selection[*]:-(all)}"; exit 2; }

failed=0
summary=()
total_start=$(date +%s)
for pair in "${pairs[@]}"; do
  role=${pair%%/*} scen=${pair#*/}
  logfile="$CACHE/molecule/$role-$scen.log"
  start=$(date +%s)
  log "running $pair (log: ${logfile#"$ROOT"/})"
  if (cd "$ROOT/roles/$role" && molecule test -s "$scen") >"$logfile" 2>&1; then
    status=passed
  else
    status=failed; failed=1
    [ "${FEDOPS_MOLECULE_QUIET:-0}" = 1 ] || tail -n 60 "$logfile" >&2
  fi
  line="scenario $pair: $status $(( $(date +%s) - start ))s"
  summary+=("$line")
  echo "$line"
done
echo "molecule: ${#pairs[@]} scenario(s) in $(( $(date +%s) - total_start ))s"
exit $failed
