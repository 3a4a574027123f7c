#!/usr/bin/env bash
# Run every Molecule scenario of every role and print one line per scenario:
#   scenario <role>/<name>: passed|failed <seconds>s
#   scripts/molecule.sh                    all roles, all scenarios
#   scripts/molecule.sh synapse            one role
#   scripts/molecule.sh synapse/default    one scenario
# Exit status is non-zero when any scenario failed. Logs go to .cache/molecule/<role>-<name>.log
# (shown on failure unless FEDOPS_MOLECULE_QUIET=1).
# FEDOPS_MOLECULE_JOBS=N runs N scenarios at once (default 2; 1 = one after the other), longest first. Each
# scenario has its own containers, each in its own network namespace, so they do not meet; most of a scenario's
# time is waiting (systemd boots, package installs, Synapse starts, the modules' retries), which another
# scenario's work fills.
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

# Longest first, so the last scenario to start is a short one (measured: synapse/workers ~8 min on a loaded
# machine, matrix_bridge/default and synapse/default next); scenarios not named here keep their order, after these.
ORDER="synapse/workers matrix_bridge/default synapse/default federation/default federation_monitor/default matrix_delegation/default"
ordered=()
for pair in $ORDER; do
  for p in "${pairs[@]}"; do [ "$p" = "$pair" ] && ordered+=("$p"); done
done
for p in "${pairs[@]}"; do
  case " $ORDER " in *" $p "*) ;; *) ordered+=("$p") ;; esac
done
pairs=("${ordered[@]}")

JOBS=${FEDOPS_MOLECULE_JOBS:-2}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { log "FEDOPS_MOLECULE_JOBS must be a positive integer, got '$JOBS'"; exit 2; }
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

run_scenario() {
  local pair=$1 role=${1%%/*} scen=${1#*/} logfile start status line
  logfile="$CACHE/molecule/$role-$scen.log"
  start=$(date +%s)
  log "running $pair (log: ${logfile#"$ROOT"/})"
  if (cd "$ROOT/roles/$role" && molecule test -s "$scen") >"$logfile" 2>&1; then
    status=passed
  else
    status=failed
    [ "${FEDOPS_MOLECULE_QUIET:-0}" = 1 ] || tail -n 60 "$logfile" >&2
  fi
  line="scenario $pair: $status $(( $(date +%s) - start ))s"
  echo "$line"
  echo "$line" >"$RESULTS/${role}-${scen}"
}

total_start=$(date +%s)
running=0
for pair in "${pairs[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$(( running - 1 ))
  fi
  run_scenario "$pair" &
  running=$(( running + 1 ))
done
wait
failed=0
for pair in "${pairs[@]}"; do
  result="$RESULTS/${pair%%/*}-${pair#*/}"
  if ! grep -q ': passed ' "$result" 2>/dev/null; then
    failed=1
    [ -s "$result" ] || echo "scenario $pair: failed (no result)"
  fi
done
echo "molecule: ${#pairs[@]} scenario(s) in $(( $(date +%s) - total_start ))s ($JOBS at a time)"
exit $failed
