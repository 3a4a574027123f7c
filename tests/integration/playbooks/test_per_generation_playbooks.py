"""The per-generation playbooks (legacy.yml, native.yml, matrix_bridge.yml) apply cleanly to a lab and change nothing on the second run."""
import json
import os
import re
import subprocess

import dns.message
import dns.query
import pytest

from tests.emulator.rocketchat.server import serve_in_thread
from tests.emulator.rocketchat.state import SEED_USERS
from tests.support.ansible_run import ansible_env
from tests.support.paths import PYTHON, REPO, venv_tool
from tests.support.pki import TestCA
from tests.support.wellknown import FrontServer

ADMIN = SEED_USERS[0]


@pytest.fixture
def rocketchat_711():
    server, url = serve_in_thread("7.11")
    yield server, url
    server.shutdown()
    server.server_close()


def run_playbook(name, workdir, extra_vars, check=False, expect_rc=0):
    vars_file = os.path.join(workdir, "vars.json")
    with open(vars_file, "w", encoding="utf-8") as handle:
        json.dump(extra_vars, handle)
    inventory = os.path.join(workdir, "inventory.ini")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PYTHON)
    cmd = [venv_tool("ansible-playbook"), "-i", inventory, "-e", "@" + vars_file, os.path.join(REPO, "playbooks", name)]
    if check:
        cmd.append("--check")
    proc = subprocess.run(cmd, env=ansible_env(), capture_output=True, text=True, check=False, timeout=300)
    if expect_rc != 0:
        assert proc.returncode != 0, proc.stdout[-4000:]
        return None, proc.stdout
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return int(re.search(r"changed=(\d+)", proc.stdout.split("PLAY RECAP")[-1]).group(1)), proc.stdout


def test_native_playbook(rocketchat_711, bind_server, workdir):
    server, url = rocketchat_711
    key_path = os.path.join(workdir, "fed.test.signing.key")
    extra_vars = {
        "fedops_rocketchat_url": url, "fedops_rocketchat_user_id": ADMIN["_id"],
        "fedops_rocketchat_auth_token": ADMIN["pats"][0][1],
        "fedops_dns_provider": "rfc2136", "fedops_dns_zone": "fed.test",
        "fedops_dns_rfc2136": {"server": bind_server.host, "port": bind_server.port, "key_name": bind_server.tsig_name,
                               "key_secret": bind_server.tsig_secret, "key_algorithm": bind_server.tsig_algorithm},
        "fedops_matrix_server_name": "fed.test", "fedops_matrix_federation_host": "chat.fed.test",
        "fedops_native_signing_key_path": key_path, "fedops_native_allow_list": ["*.partner.test"],
    }
    predicted, _unused = run_playbook("native.yml", workdir, extra_vars, check=True)
    # Check mode predicts every task the real run changes, the key version setting included.
    assert predicted == 4
    assert not os.path.exists(key_path)
    assert store_value(server, "Federation_Service_Enabled") is False
    changed, output = run_playbook("native.yml", workdir, extra_vars)
    assert changed == 4
    assert os.stat(key_path).st_mode & 0o777 == 0o600
    with open(key_path, encoding="ascii") as handle:
        seed = handle.read().split()[2]
    assert seed not in output
    store = server.emulator.store
    values = {k: store.value(k) for k in store.settings if k.startswith("Federation_Service_")}
    assert values["Federation_Service_Enabled"] is True
    assert values["Federation_Service_Domain"] == "fed.test"
    assert values["Federation_Service_Matrix_Signing_Version"] == open(key_path, encoding="ascii").read().split()[1]
    srv = dns.query.udp(dns.message.make_query("_matrix-fed._tcp.fed.test.", "SRV"), bind_server.host,
                        port=bind_server.port, timeout=5)
    assert [r.to_text() for rr in srv.answer for r in rr] == ["10 0 443 chat.fed.test."]
    again, _unused = run_playbook("native.yml", workdir, extra_vars)
    assert again == 0
    # Drift check: someone turns federation off by hand; check mode reports it, the next run repairs it.
    store.set_value("Federation_Service_Enabled", False)
    drift, _unused = run_playbook("native.yml", workdir, extra_vars, check=True)
    assert drift == 1 and store_value(server, "Federation_Service_Enabled") is False
    repaired, _unused = run_playbook("native.yml", workdir, extra_vars)
    assert repaired == 1 and store_value(server, "Federation_Service_Enabled") is True


def store_value(server, setting_id):
    return server.emulator.store.value(setting_id)


def test_legacy_playbook_drift_check_and_srv_fields(bind_server, workdir):
    """A drift check of a workspace whose records do not exist reports drift; the SRV port and priority are honoured."""
    server, url = serve_in_thread("6.9", insecure_legacy_federation=True)
    # Peers connect to the SRV target (legacy.fed.test:8443): a TLS front of the emulator with a lab certificate.
    ca = TestCA(os.path.join(workdir, "pki"))
    front = FrontServer("127.0.0.1", 0, ca.issue("legacy", ["legacy.fed.test"]),
                        upstream=server.server_address[:2]).start()
    try:
        extra_vars = {
            "fedops_check_resolve": {"legacy.fed.test:8443": "127.0.0.1:%d" % front.port},
            "fedops_check_ca_path": ca.cert_path,
            "fedops_rocketchat_url": url, "fedops_rocketchat_user_id": ADMIN["_id"],
            "fedops_rocketchat_auth_token": ADMIN["pats"][0][1],
            "fedops_dns_provider": "rfc2136", "fedops_dns_zone": "fed.test",
            "fedops_dns_rfc2136": {"server": bind_server.host, "port": bind_server.port,
                                   "key_name": bind_server.tsig_name, "key_secret": bind_server.tsig_secret,
                                   "key_algorithm": bind_server.tsig_algorithm},
            "fedops_check_nameservers": ["%s:%d" % (bind_server.host, bind_server.port)],
            "fedops_legacy_domain": "legacy.fed.test", "fedops_legacy_port": 8443, "fedops_legacy_priority": 5,
        }
        predicted, _unused = run_playbook("legacy.yml", workdir, extra_vars, check=True)
        assert predicted == 2
        changed, output = run_playbook("legacy.yml", workdir, extra_vars)
        assert changed == 2
        assert "\\n" not in output
        srv = dns.query.udp(dns.message.make_query("_rocketchat._https.legacy.fed.test.", "SRV"), bind_server.host,
                            port=bind_server.port, timeout=5)
        assert [r.to_text() for rr in srv.answer for r in rr] == ["5 1 8443 legacy.fed.test."]
    finally:
        front.stop()
        server.shutdown()
        server.server_close()


def test_per_generation_playbooks_converge_together_and_validate_first(bind_server, workdir):
    """legacy.yml and matrix_bridge.yml on one 7.10 workspace: each leaves the other's generation on, so a second run
    of both changes nothing; the fedops_* names are read with a deprecation warning; a missing DNS variable fails
    before any setting is written."""
    server, url = serve_in_thread("7.10", insecure_legacy_federation=True)
    try:
        store = server.emulator.store
        extra_vars = {
            "fedops_rocketchat_url": url, "fedops_rocketchat_user_id": ADMIN["_id"],
            "fedops_rocketchat_auth_token": ADMIN["pats"][0][1],
            "fedops_dns_provider": "rfc2136", "fedops_dns_zone": "fed.test",
            "fedops_legacy_domain": "legacy.fed.test", "fedops_run_checks": False,
            "fedops_master_secret": "a master secret", "fedops_matrix_server_name": "fed.test",
            "fedops_homeserver_url": "https://matrix.fed.test", "fedops_bridge_url": "http://127.0.0.1:3300",
            "fedops_matrix_federation_host": "matrix.fed.test",
            "fedops_bridge_registration_path": os.path.join(workdir, "registration.yaml"),
        }
        before = {k: store.value(k) for k in store.settings}
        _unused, output = run_playbook("matrix_bridge.yml", workdir, extra_vars, expect_rc=1)
        assert "federation_dns_rfc2136" in output
        assert {k: store.value(k) for k in store.settings} == before
        assert not os.path.exists(extra_vars["fedops_bridge_registration_path"])
        extra_vars["fedops_dns_rfc2136"] = {
            "server": bind_server.host, "port": bind_server.port, "key_name": bind_server.tsig_name,
            "key_secret": bind_server.tsig_secret, "key_algorithm": bind_server.tsig_algorithm}
        first = [run_playbook(name, workdir, extra_vars)[0] for name in ("legacy.yml", "matrix_bridge.yml")]
        assert all(first), first
        assert store.value("FEDERATION_Enabled") is True and store.value("Federation_Matrix_enabled") is True
        again = [run_playbook(name, workdir, extra_vars) for name in ("legacy.yml", "matrix_bridge.yml")]
        assert [changed for changed, _output in again] == [0, 0]
        assert "[DEPRECATION WARNING] fedops_bridge_registration_path" in again[1][1]
        assert "federation_bridge_registration_path" in again[1][1]
        with open(extra_vars["fedops_bridge_registration_path"], encoding="utf-8") as handle:
            assert store.value("Federation_Matrix_hs_token") in handle.read()
    finally:
        server.shutdown()
        server.server_close()
