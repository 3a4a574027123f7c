"""The collection playbooks (fedops.rocketchat.<name>) from the examples/ inventory against a lab: one Rocket.Chat
API emulator per workspace at its generation's release (6.9 legacy, 7.10 bridge and mixed, 7.11 and 8.6 native)
and BIND for the zone.

The tests share one lab and run in order, like a team's week: drift on a fresh fleet, federate (checked against its
own --check prediction), a second run, the peer-side check, drift after a hand-made change, key rotation, migration of
unfederate back to the zone as it was, and the migration of the bridge workspace to native after an upgrade.
"""
import base64
import datetime
import os
import xml.etree.ElementTree as ET

import pytest
import xmlschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.emulator.rocketchat.server import serve_in_thread
from tests.support.paths import REPO

pytestmark = pytest.mark.filterwarnings("ignore")

HOSTS = ("legacy.example.com", "bridge.example.com", "native.example.com", "native8.example.com",
         "mixed.example.com")


JUNIT = xmlschema.XMLSchema(os.path.join(REPO, "tests", "schemas", "junit.xsd"))


def reports(directory, kind):
    """The JUnit reports the playbook wrote (validated against the schema), by workspace, and the Markdown."""
    found = {}
    for host in HOSTS:
        path = os.path.join(directory, "%s-%s.xml" % (kind, host))
        if os.path.exists(path):
            JUNIT.validate(path)
            with open(os.path.join(directory, "%s-%s.md" % (kind, host)), encoding="utf-8") as handle:
                found[host] = (ET.parse(path).getroot(), handle.read())
    return found


def b64(data):
    return base64.b64encode(data).decode("ascii").rstrip("=")


def public_from_seed(seed_b64):
    seed = base64.b64decode(seed_b64 + "=" * (-len(seed_b64) % 4))
    return b64(Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def assert_prediction(check_run, real_run):
    """--check predicted exactly what the real run changed, task by task."""
    assert check_run.rc == 0, check_run.output[-4000:]
    assert real_run.rc == 0, real_run.output[-4000:]
    predicted, real = check_run.changed_by_task(), real_run.changed_by_task()
    differ = sorted(k for k in set(predicted) | set(real) if predicted.get(k) != real.get(k))
    assert not differ, "check mode predicted %s, the real run did %s" % (
        {k: predicted.get(k) for k in differ}, {k: real.get(k) for k in differ})


def changes_by_host(run):
    """{host: federation_changes} as the role's summary task set them."""
    return {rec["host"]: rec["result"]["ansible_facts"]["federation_changes"] for rec in run.records
            if rec["task"].endswith("Collect what changed") and rec["status"] == "ok"}


def shown_changes(run):
    """The message of the federate playbook's last task: one for the whole play."""
    shown = [rec["result"]["msg"] for rec in run.records if rec["task"] == "Show what changed"]
    assert len(shown) == 1, shown
    return shown[0]


def settings_of(lab):
    """Every setting value of every workspace's emulator."""
    return {host: {k: lab.store(host).value(k) for k in lab.store(host).settings} for host in HOSTS}


@pytest.fixture(scope="module")
def zone_before(lab):
    return lab.zone()


def test_drift_on_a_fleet_never_applied(lab, zone_before, tmp_path):
    run = lab.play("drift", extra_vars={"federation_report_dir": str(tmp_path)})
    assert run.rc != 0
    for host in HOSTS:
        assert "%s drifted" % host in run.output
    # the pipeline report: one failing "in sync" case per workspace, the differences as its text
    written = reports(str(tmp_path), "drift")
    assert sorted(written) == sorted(HOSTS)
    junit, summary = written["legacy.example.com"]
    assert junit.get("failures") == "1" and junit.find("testsuite/testcase").get("name") == "in sync"
    assert "setting FEDERATION_Enabled" in junit.find("testsuite/testcase/failure").text
    assert "- **legacy.example.com**: FAILED" in summary
    assert "setting FEDERATION_Enabled" in run.output
    assert "dns create SRV _rocketchat._https.legacy.example.com." in run.output
    # Nothing was written anywhere.
    assert lab.zone() == zone_before
    assert lab.store("legacy.example.com").value("FEDERATION_Enabled") is False
    assert not os.listdir(lab.state_dir)


def test_drift_names_everything_federate_check_predicts(lab, zone_before):
    """drift (check_mode in the play) and federate --check (on the command line) list the same changes, item by item,
    on every generation; the native signing key setting among them."""
    drift = lab.play("drift")
    predicted = lab.play("federate", check=True)
    assert predicted.rc == 0, predicted.output[-4000:]
    drift_changes, check_changes = changes_by_host(drift), changes_by_host(predicted)
    assert sorted(check_changes) == sorted(HOSTS)
    for host in HOSTS:
        assert check_changes[host], host
        assert drift_changes[host] == check_changes[host], host
    for host in ("native.example.com", "native8.example.com"):
        assert "setting Federation_Service_Matrix_Signing_Key" in drift_changes[host]
    assert lab.zone() == zone_before
    assert not os.listdir(lab.state_dir)


def test_a_wrong_token_writes_nothing(lab, zone_before):
    """Every workspace fails on the credentials before a key file, a record, a registration or a setting is written."""
    before = settings_of(lab)
    run = lab.play("federate", extra_vars={"vault_rocketchat_auth_token": "a-token-rocketchat-does-not-know"})
    assert run.rc != 0
    failed = {rec["host"] for rec in run.records if rec["status"] == "failed"}
    assert failed == set(HOSTS)
    assert not [rec for rec in run.records if rec["result"].get("changed")]
    assert not os.listdir(lab.state_dir)
    assert lab.zone() == zone_before
    assert settings_of(lab) == before


def test_federate_does_what_check_mode_predicts(lab, zone_before):
    predicted = lab.play("federate", check=True, diff=True)
    assert lab.zone() == zone_before
    run = lab.play("federate")
    assert_prediction(predicted, run)
    for host in HOSTS:
        assert run.changed_tasks(host), "nothing changed on %s" % host
    assert shown_changes(run) == changes_by_host(run) and len(shown_changes(run)) == len(HOSTS)
    zone = "\n".join(lab.zone())
    # The SRV fields come from the inventory (group_vars/legacy.yml: port 443, priority 1, weight 1).
    assert "_rocketchat._https.legacy.example.com. 3600 IN SRV 1 1 443 legacy.example.com." in zone
    assert "_matrix-fed._tcp.bridge.example.com. 3600 IN SRV 10 0 8448 matrix.bridge.example.com." in zone
    assert "_matrix-fed._tcp.native8.example.com. 3600 IN SRV 10 0 443 native8.example.com." in zone
    # Side by side on purpose: the mixed workspace keeps both generations on.
    mixed = lab.store("mixed.example.com")
    assert mixed.value("FEDERATION_Enabled") is True and mixed.value("Federation_Matrix_enabled") is True
    # The bridge values come from one place: the registration file carries what Rocket.Chat has.
    bridge = lab.store("bridge.example.com")
    with open(os.path.join(lab.state_dir, "bridge.example.com.registration.yaml"), encoding="utf-8") as handle:
        registration = handle.read()
    assert bridge.value("Federation_Matrix_as_token") in registration
    assert bridge.value("Federation_Matrix_hs_token") in registration
    assert "de.sorunome.msc2409.push_ephemeral: false" in registration
    assert bridge.value("Federation_Matrix_enable_ephemeral_events") is False
    assert oct(os.stat(os.path.join(lab.state_dir, "native.example.com.signing.key")).st_mode & 0o777) == "0o600"
    # The peer-side check ran, and its report is lines, not one string with literal \n.
    assert '"federation check legacy.example.com: OK' in run.stdout
    assert "\\n" not in run.stdout


def test_federate_again_changes_nothing(lab):
    run = lab.play("federate")
    assert run.rc == 0, run.output[-4000:]
    assert run.recap() == {host: 0 for host in HOSTS}
    assert shown_changes(run) == "nothing changed"


def test_check_playbook_passes(lab, tmp_path):
    run = lab.play("check", extra_vars={"federation_report_dir": str(tmp_path)})
    assert run.rc == 0, run.output[-4000:]
    assert "federation check mixed.example.com: OK" in run.stdout
    written = reports(str(tmp_path), "check")
    # the workspaces whose inventory runs the peer-side check here (the others have nothing a peer could look up
    # in this lab: no check, no report)
    assert sorted(written) == ["legacy.example.com", "mixed.example.com"]
    for host, (junit, summary) in written.items():
        assert junit.get("failures") == "0" and junit.get("errors") == "0" and int(junit.get("tests")) >= 3, host
        assert "- **%s**: ok" % host in summary
    names = [c.get("name") for c in written["legacy.example.com"][0].iter("testcase")]
    assert any(name.startswith("rocketchat_srv") for name in names), names


def test_check_reports_what_a_peer_cannot_see_of_a_native_workspace(lab):
    """C-LIC-1, C-LIC-3, C-PERM-1: the check names a licence without the federation module (and fails), a licence
    that ends soon and a user role without access-federation (reported), and passes again once they are fixed."""
    host = "native.example.com"
    store = lab.store(host)
    ok = lab.play("check", limit=host)
    assert ok.rc == 0, ok.output[-4000:]
    assert "access-federation: admin, federated-external, user" in ok.stdout and "WARNING" not in ok.stdout
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with store.lock:
        store.permission_roles["access-federation"] = ["admin"]
        store.license_periods = [{"validUntil": soon, "invalidBehavior": "invalidate_license"}]
    warned = lab.play("check", limit=host)
    assert warned.rc == 0, warned.output[-4000:]
    assert "WARNING: the licence ends within 30 days" in warned.stdout
    assert "WARNING: No ordinary user role holds access-federation (roles: admin)" in warned.stdout
    saved = store.license_modules
    store.license_modules = ("auditing",)
    try:
        refused = lab.play("check", limit=host)
    finally:
        store.license_modules = saved
        with store.lock:
            store.permission_roles["access-federation"] = ["admin", "user", "federated-external"]
            store.license_periods = []
    assert refused.rc != 0
    assert "Native federation is off on native.example.com" in refused.output
    assert "lacks the 'federation' module" in refused.output
    assert lab.play("check", limit=host).rc == 0


@pytest.mark.parametrize("bad, option", [
    ({"federation_matrix_server_name": "Native.Example.com"}, "federation_matrix_server_name must be a lower-case"),
    ({"federation_matrix_server_name": "native.example.com:8448"}, "federation_matrix_server_name must be a lower-case"),
    ({"federation_matrix_server_name": "https://native.example.com"}, "use for example 'native.example.com'"),
    ({"federation_native_allow_list": ["example.org", "https://peer.example.org:8448"]},
     "federation_native_allow_list entries are domains"),
])
def test_native_gates_refuse_before_any_write(lab, bad, option):
    key_path = os.path.join(lab.state_dir, "gate.signing.key")
    domain = lab.store("native.example.com").value("Federation_Service_Domain")
    run = lab.play("federate", limit="native.example.com",
                   extra_vars=dict(bad, federation_native_signing_key_path=key_path))
    assert run.rc != 0
    assert option in run.output and "Nothing was changed" in run.output
    assert not os.path.exists(key_path)
    assert lab.store("native.example.com").value("Federation_Service_Domain") == domain


def test_native_on_a_server_that_cannot_run_it_writes_nothing(lab):
    """A 7.10 workspace, and an 8.6 one whose licence lacks the federation module: federate with federation_mode
    native fails on the release or the licence before the key file (or anything else) is written."""
    key_path = os.path.join(lab.state_dir, "refused.signing.key")
    before = settings_of(lab)
    old = lab.play("federate", limit="bridge.example.com",
                   extra_vars={"federation_mode": "native", "federation_native_signing_key_path": key_path,
                               "federation_matrix_server_name": "bridge.example.com"})
    assert old.rc != 0
    assert "needs Rocket.Chat 7.11 or later; this server runs 7.10" in old.output and "Nothing was changed" in old.output
    store = lab.store("native8.example.com")
    saved = store.license_modules
    store.license_modules = ("auditing",)
    try:
        unlicensed = lab.play("federate", limit="native8.example.com",
                              extra_vars={"federation_native_signing_key_path": key_path})
    finally:
        store.license_modules = saved
    assert unlicensed.rc != 0
    assert "which this server's licence lacks" in unlicensed.output and "Nothing was changed" in unlicensed.output
    assert not [rec for run in (old, unlicensed) for rec in run.records if rec["result"].get("changed")]
    assert not os.path.exists(key_path)
    assert settings_of(lab) == before


def test_drift_names_a_hand_made_change_and_clears_after_federate(lab):
    lab.store("legacy.example.com").set_value("FEDERATION_Enabled", False)
    run = lab.play("drift")
    assert run.rc != 0
    assert "legacy.example.com drifted: setting FEDERATION_Enabled" in run.output
    for host in HOSTS[1:]:
        assert "%s drifted" % host not in run.output
    assert lab.store("legacy.example.com").value("FEDERATION_Enabled") is False
    assert lab.play("federate", limit="legacy.example.com").rc == 0
    assert lab.play("drift").rc == 0


def test_rotate_keeps_rocketchat_in_step(lab):
    key_path = os.path.join(lab.state_dir, "native.example.com.signing.key")
    with open(key_path, encoding="ascii") as handle:
        _alg, old_version, old_seed = handle.read().split()
    # Refused by default: Rocket.Chat publishes no old keys, so the rotation needs an explicit opt-in.
    for check in (True, False):
        refused = lab.play("rotate", check=check, extra_vars={"federation_native_key_version": "a_rotated"},
                           limit="native")
        assert refused.rc != 0
        with open(key_path, encoding="ascii") as handle:
            assert handle.read().split() == [_alg, old_version, old_seed]
        assert "Refusing to rotate the native signing key" in refused.output
        assert "federation_native_rotate_accept_history_loss=true" in refused.output
    new = {"federation_native_key_version": "a_rotated", "federation_native_rotate_accept_history_loss": True}
    predicted = lab.play("rotate", check=True, extra_vars=new, limit="native")
    run = lab.play("rotate", extra_vars=new, limit="native")
    assert_prediction(predicted, run)
    with open(key_path, encoding="ascii") as handle:
        _alg, version, seed = handle.read().split()
    assert version == "a_rotated" and seed != old_seed
    store = lab.store("native.example.com")
    assert store.value("Federation_Service_Matrix_Signing_Version") == "a_rotated"
    assert public_from_seed(store.value("Federation_Service_Matrix_Signing_Key")) == public_from_seed(seed)
    with open(key_path + ".old_keys", encoding="ascii") as handle:
        old = handle.read()
    assert ("ed25519 %s " % old_version) in old and public_from_seed(old_seed) in old
    again = lab.play("rotate", extra_vars=new, limit="native")
    assert again.rc == 0 and again.recap() == {"native.example.com": 0, "native8.example.com": 0}


def test_unfederate_with_a_wrong_token_removes_nothing(lab):
    """unfederate removes records and the registration file without a settings call first: the credentials are
    checked before any removal."""
    zone, before = lab.zone(), settings_of(lab)
    registration = os.path.join(lab.state_dir, "mixed.example.com.registration.yaml")
    assert os.path.exists(registration)
    run = lab.play("unfederate", extra_vars={"vault_rocketchat_auth_token": "a-token-rocketchat-does-not-know"})
    assert run.rc != 0
    assert {rec["host"] for rec in run.records if rec["status"] == "failed"} == set(HOSTS)
    assert not [rec for rec in run.records if rec["result"].get("changed")]
    assert lab.zone() == zone
    assert os.path.exists(registration)
    assert settings_of(lab) == before


def test_unfederate_leaves_the_zone_as_before(lab, zone_before):
    predicted = lab.play("unfederate", check=True)
    run = lab.play("unfederate")
    assert_prediction(predicted, run)
    assert lab.zone() == zone_before
    for host in ("legacy.example.com", "mixed.example.com"):
        assert lab.store(host).value("FEDERATION_Enabled") is False
    assert lab.store("mixed.example.com").value("Federation_Matrix_enabled") is False
    assert lab.store("native8.example.com").value("Federation_Service_Enabled") is False
    assert not os.path.exists(os.path.join(lab.state_dir, "mixed.example.com.registration.yaml"))
    again = lab.play("unfederate")
    assert again.rc == 0 and again.recap() == {host: 0 for host in HOSTS}


def test_migrate_bridge_workspace_to_native(lab):
    host = "bridge.example.com"
    synapse_key = os.path.join(lab.state_dir, "bridge.example.com.synapse.signing.key")
    seed = b64(os.urandom(32))
    with open(synapse_key, "w", encoding="ascii") as handle:
        handle.write("ed25519 a_synapse %s\n" % seed)
    # Synapse reads its key through its group.
    os.chmod(synapse_key, 0o640)
    native_key = os.path.join(lab.state_dir, "bridge.example.com.signing.key")

    def synapse_key_file():
        stat = os.stat(synapse_key)
        with open(synapse_key, "rb") as handle:
            return oct(stat.st_mode & 0o7777), stat.st_uid, stat.st_gid, stat.st_mtime_ns, handle.read()

    synapse_before = synapse_key_file()
    # The bridge workspace federated again on 7.10; migrating now fails on the release before any change.
    assert lab.play("federate", limit=host).rc == 0
    for check in (True, False):
        early = lab.play("migrate_to_native", check=check, limit=host)
        assert early.rc != 0
        assert not os.path.exists(native_key)
        assert synapse_key_file() == synapse_before
        assert "Rocket.Chat 7.10" in early.output and "native federation needs 7.11 or later" in early.output
        assert "Nothing was changed" in early.output
        assert lab.store(host).value("Federation_Matrix_enabled") is True
    # Then its Rocket.Chat is upgraded to 7.11.
    server, url = serve_in_thread("7.11")
    old_server, _old_url = lab.emulators[host]
    lab.emulators[host] = (server, url)
    old_server.shutdown()
    old_server.server_close()
    lab.write_vars()
    predicted = lab.play("migrate_to_native", check=True, limit=host)
    assert not os.path.exists(native_key) and synapse_key_file() == synapse_before
    run = lab.play("migrate_to_native", limit=host)
    assert_prediction(predicted, run)
    # Synapse's key file is left exactly as it was (mode 0640, owner, content, not rewritten).
    assert synapse_key_file() == synapse_before
    store = lab.store(host)
    assert store.value("Federation_Service_Enabled") is True
    assert store.value("Federation_Service_Domain") == host
    assert store.value("Federation_Service_Matrix_Signing_Version") == "a_synapse"
    # Rocket.Chat derives the same public key from its setting as Synapse from its file.
    assert public_from_seed(store.value("Federation_Service_Matrix_Signing_Key")) == public_from_seed(seed)
    assert not os.path.exists(os.path.join(lab.state_dir, "bridge.example.com.registration.yaml"))
    zone = "\n".join(lab.zone())
    assert "_matrix-fed._tcp.bridge.example.com. 3600 IN SRV 10 0 443 bridge.example.com." in zone
    assert "matrix.bridge.example.com" not in zone
    again = lab.play("migrate_to_native", limit=host)
    assert again.rc == 0 and again.recap() == {host: 0}
