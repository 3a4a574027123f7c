"""Issue 15: a converged `fedops.rocketchat.federate` run by a user under Rocket.Chat's default rate limit (10 calls
per 60 s per client address, route and method; the user lacks `api-bypass-rate-limit`) sends only the requests
the release requires, never waits for a window and never meets a 429, on 7.10 and on 8.x.

The requests a converged run requires, per settings task: `GET /api/info` (the release) and one bulk read
`GET /api/v1/settings?count=0` (every visible setting in one page, C-RD-1); on 8.6 also `GET licenses.info` (native
federation needs the licence) and `GET settings/Federation_Service_Matrix_Signing_Key` (8.6 masks secrets in the
list, C-RD-4); the key-version task reads its one setting by id. The legacy workspace's public key comes from the
same list read, so the DNS step adds no request.
"""
import json
import subprocess

import pytest
import yaml

from tests.emulator.rocketchat.server import serve_in_thread
from tests.emulator.rocketchat.state import SEED_USERS
from tests.support.ansible_run import ansible_env
from tests.support.paths import PYTHON, venv_tool

OPS = SEED_USERS[3]      # role settings-editor: may edit settings, rate limited
# workspace -> (release, its variables, requests a converged run requires)
WORKSPACES = {
    "legacy710.rl.test": ("7.10", {"federation_mode": "legacy", "federation_legacy_domain": "legacy710.rl.test"},
                          ["GET /api/info", "GET /api/v1/settings"]),
    "native86.rl.test": ("8.6", {"federation_mode": "native", "federation_matrix_server_name": "native86.rl.test"},
                         # the settings task, then the key-version task (one setting: read by id)
                         ["GET /api/info", "GET /api/v1/licenses.info", "GET /api/v1/settings",
                          "GET /api/v1/settings/:_id", "GET /api/info", "GET /api/v1/settings/:_id"]),
}


@pytest.fixture(scope="module")
def rate_lab(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("rate-limited-federate")
    servers = {host: serve_in_thread(release) for host, (release, _vars, _req) in WORKSPACES.items()}
    hosts = {}
    for host, (_release, host_vars, _req) in WORKSPACES.items():
        hosts[host] = dict(host_vars, federation_rocketchat_url=servers[host][1])
    inventory = {"all": {"vars": {
        "ansible_connection": "local", "ansible_python_interpreter": PYTHON,
        "federation_rocketchat_user_id": OPS["_id"], "federation_rocketchat_auth_token": OPS["pats"][0][1],
        "federation_native_signing_key_path": str(workdir) + "/{{ inventory_hostname }}.signing.key",
        "federation_dns_provider": "none", "federation_check": False,
    }, "hosts": hosts}}
    path = workdir / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (workdir / "home").mkdir()
    try:
        yield workdir, path, {host: server for host, (server, _url) in servers.items()}
    finally:
        for server, _url in servers.values():
            server.shutdown()
            server.server_close()


def federate(workdir, inventory, name):
    results = workdir / ("%s.jsonl" % name)
    # One HOME for both runs: the rate-limit windows the modules remember carry over, as for a user's second run.
    env = ansible_env({"FEDOPS_RESULTS_FILE": str(results), "HOME": str(workdir / "home")})
    proc = subprocess.run([venv_tool("ansible-playbook"), "-i", str(inventory), "fedops.rocketchat.federate"],
                          env=env, capture_output=True, text=True, timeout=300, check=False, cwd=str(workdir))
    records = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if results.exists() else []
    return proc, records


def test_converged_federate_under_the_default_rate_limit(rate_lab):
    workdir, inventory, servers = rate_lab
    first, _records = federate(workdir, inventory, "first")
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    for server in servers.values():
        store = server.emulator.store
        # Rocket.Chat's defaults (C-RATE-1)
        assert store.value("API_Enable_Rate_Limiter_Limit_Calls_Default") == 10
        assert store.value("API_Enable_Rate_Limiter_Limit_Time_Default") == 60000
        with store.lock:
            store.log = []
    converged, records = federate(workdir, inventory, "converged")
    assert converged.returncode == 0, (converged.stdout + converged.stderr)[-4000:]
    assert "changed=0" in converged.stdout and "changed=1" not in converged.stdout
    for host, (_release, _vars, required) in WORKSPACES.items():
        log = servers[host].emulator.store.log
        assert ["%s %s" % (e["method"], e["route"]) for e in log] == required, (host, [e["path"] for e in log])
        assert all(e["status"] == 200 for e in log), (host, log)     # no 429, nothing refused
        results = [item for r in records if r["host"] == host for item in r["result"].get("results", [r["result"]])]
        reports = [result["requests"] for result in results if isinstance(result, dict) and "requests" in result]
        assert len(reports) == (1 if host.startswith("legacy") else 2), records
        for report in reports:
            assert report["rate_limit_waits"] == 0 and report["rate_limit_wait"] == 0, report
            assert report["rate_limited"] == 0, report
