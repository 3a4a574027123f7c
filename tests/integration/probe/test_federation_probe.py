"""federation_probe through ansible-playbook between two real Synapse homeservers federating over TLS.

The probe passes (each side sees the other's message), check mode creates nothing, and with hs-b.test's
``federation_domain_whitelist`` shutting hs-a.test out it fails at the invite with the allow-list hint. After a
pass and after a failure neither probe account is in any room.

The federation_monitor role's scheduled run (``files/monitor.yml``, run with the command line and environment of its
systemd service) checks, probes and reads Rocket.Chat (the emulator, native licence) on this same lab, and its
textfile parses with Prometheus' own parser; broken once (wrong probe token, wrong and missing Rocket.Chat token,
expired licence), the metrics say so and the run still writes every file.
"""
import datetime
import json
import os
import shutil
import stat
import subprocess

import jinja2
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.rocketchat.conftest import ADMIN
from tests.support.ansible_run import run_module
from tests.support.paths import PYTHON, REPO, ensure_collection_link, scratch_dir, venv_tool

MODULE = "fedops.rocketchat.federation_probe"
NOTHING = {"hs-a.test": [], "hs-b.test": []}


def _steps(result):
    return dict((s["name"], s) for s in result["steps"])


def test_probe_passes_between_the_two_servers(probe_lab):
    rooms_before = probe_lab.total_rooms_a()
    result = run_module(MODULE, probe_lab.args())
    assert result["changed"] is False
    assert result["ok"] is True, result["verdict"]
    steps = _steps(result)
    assert [s["name"] for s in result["steps"]] == [
        "accounts", "create_room", "invite", "invite_received", "join", "message_to_remote", "message_to_local",
        "typing", "reaction", "media", "cleanup"]
    assert set(s["status"] for s in result["steps"]) == {"pass"}, json.dumps(result["steps"], indent=1)
    # the message sent on hs-a.test was seen, with its event id, by the account on hs-b.test (and back)
    assert steps["message_to_remote"]["detail"] == "%s saw %s from %s" % (
        probe_lab.b.user_id, result["event_ids"]["message_to_remote"], probe_lab.a.user_id)
    assert steps["message_to_local"]["detail"].startswith(probe_lab.a.user_id + " saw $")
    assert "client/v1 endpoint" in steps["media"]["detail"]
    # room version 12 (Synapse's default) ids carry no server name
    assert result["round_trip_ms"] > 0 and result["room_id"].startswith("!")
    assert result["verdict"].startswith("federation probe @probe:hs-a.test -> @probe:hs-b.test: OK")
    # a real room was made on hs-a.test, and nothing is left joined on either side
    assert probe_lab.total_rooms_a() == rooms_before + 1
    assert probe_lab.joined_rooms() == NOTHING
    output = result["_playbook"].output
    for token in (probe_lab.a.access_token, probe_lab.b.access_token):
        assert token not in output


def test_check_mode_does_nothing(probe_lab):
    rooms_before = probe_lab.total_rooms_a()
    result = run_module(MODULE, probe_lab.args(), check=True)
    assert result["changed"] is False and result["ok"] is None
    assert set(s["status"] for s in result["steps"]) == {"planned"}
    assert result["room_id"] is None
    assert probe_lab.total_rooms_a() == rooms_before
    assert probe_lab.joined_rooms() == NOTHING


def test_allow_list_excluding_the_local_server_fails_at_the_invite_with_the_hint(probe_lab):
    lab = probe_lab.lab
    lab.reconfigure("hs-b.test", {"federation_domain_whitelist": ["hs-b.test"]})
    try:
        result = run_module(MODULE, probe_lab.args(timeout=20), expect_failure=True)
        steps = _steps(result)
        assert result["failed_step"] == "invite", json.dumps(result["steps"], indent=1)
        assert "federation_domain_whitelist" in steps["invite"]["hint"]
        assert "hs-b.test" in steps["invite"]["hint"]
        assert all(steps[n]["status"] == "skip" for n in ("invite_received", "join", "message_to_remote"))
        assert steps["cleanup"]["status"] == "pass"
        assert result["msg"].startswith("federation probe @probe:hs-a.test -> @probe:hs-b.test: FAILED at invite")
        assert probe_lab.joined_rooms() == NOTHING
    finally:
        lab.reconfigure("hs-b.test", None)


# --- Rocket.Chat's bridge way of downloading remote media ----------------------------------------------------
AS_TOKEN = "probe-lab-bridge-as-token"
BRIDGE_USER = "@rc_probe:hs-a.test"


def _bridge_registration(lab):
    """An application service on hs-a.test as Rocket.Chat's bridge registers (no listener: url null)."""
    path = os.path.join(lab.workdir, "bridge-registration.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"id": "rocketchat", "url": None, "as_token": AS_TOKEN, "hs_token": "probe-lab-bridge-hs-token",
                   "sender_localpart": "rocketchat_bot", "rate_limited": False,
                   "namespaces": {"users": [{"exclusive": True, "regex": "@rc_.*:hs-a\\.test"}],
                                  "rooms": [], "aliases": []}}, handle)
    return path


def _anonymous_r0(lab, server, media_id):
    """What an unauthenticated r0 download on hs-a.test answers (status, errcode)."""
    response = requests.get("%s/_matrix/media/r0/download/%s/%s" % (lab["hs-a.test"].url, server, media_id),
                            verify=lab.ca.cert_path, timeout=60)
    return response.status_code, (response.json() if response.status_code != 200 else {}).get("errcode")


def test_bridge_media_fails_with_authenticated_media_and_passes_without(probe_lab):
    """A bridge account (as_token) on hs-a.test: Rocket.Chat's way of downloading hs-b.test's file (no token, r0 on
    hs-a.test) fails with the fix while either side keeps Synapse's default enable_authenticated_media, and passes
    with it off on both sides."""
    lab = probe_lab.lab
    appservice = {"app_service_config_files": [_bridge_registration(lab)]}
    args = probe_lab.args(local={"homeserver_url": lab["hs-a.test"].url, "as_token": AS_TOKEN,
                                 "user_id": BRIDGE_USER, "ca_path": lab.ca.cert_path},
                          typing=False, reaction=False, timeout=20)
    observed = {}
    try:
        lab.reconfigure("hs-a.test", appservice)
        requests.post("%s/_matrix/client/v3/register" % lab["hs-a.test"].url, verify=lab.ca.cert_path, timeout=60,
                      headers={"Authorization": "Bearer %s" % AS_TOKEN},
                      json={"type": "m.login.application_service", "username": "rc_probe"}).raise_for_status()
        observed["on/on"] = _anonymous_r0(lab, "hs-a.test", "NoSuchMediaIdAtAll")
        result = run_module(MODULE, args, expect_failure=True)
        media = _steps(result)["media"]
        assert result["failed_step"] == "media", json.dumps(result["steps"], indent=1)
        assert "/_matrix/media/r0/download/hs-b.test/" in media["detail"] and "404" in media["detail"]
        assert "enable_authenticated_media: false on hs-a.test" in media["hint"]
        assert "synapse_enable_authenticated_media" in media["hint"] and "hs-b.test must serve" in media["hint"]
        assert probe_lab.joined_rooms() == NOTHING
        # bridge_media=warn: the step passes, the warning carries the hint
        result = run_module(MODULE, dict(args, bridge_media="warn"))
        assert result["ok"] is True and "WARNING" in _steps(result)["media"]["detail"], result["verdict"]

        # off on the bridge's Synapse only: hs-b.test (authenticated media on) refuses the legacy federation path
        lab.reconfigure("hs-a.test", dict(appservice, enable_authenticated_media=False))
        observed["off/on"] = _anonymous_r0(lab, "hs-a.test", "NoSuchMediaIdAtAll")
        result = run_module(MODULE, args, expect_failure=True)
        assert result["failed_step"] == "media", json.dumps(result["steps"], indent=1)
        assert "hs-b.test must serve media" in _steps(result)["media"]["hint"]
        assert "404 M_NOT_FOUND" in _steps(result)["media"]["detail"]

        # off on both: Rocket.Chat's way works
        lab.reconfigure("hs-b.test", {"enable_authenticated_media": False})
        result = run_module(MODULE, args)
        assert result["ok"] is True, result["verdict"]
        assert "Rocket.Chat's bridge way (no token, /_matrix/media/r0/download on hs-a.test) fetched " \
               "mxc://hs-b.test/" in _steps(result)["media"]["detail"]
        assert probe_lab.joined_rooms() == NOTHING
        # a media id that cannot exist gets the same answer in both modes: federation_check cannot tell the modes
        # apart without a real file, which is why the probe checks this
        assert observed["on/on"] == observed["off/on"] == (404, "M_NOT_FOUND"), observed
    finally:
        lab.reconfigure("hs-b.test", None)
        lab.reconfigure("hs-a.test", None)


# --- the federation_monitor role's scheduled run ------------------------------------------------------------
ROLE = os.path.join(REPO, "roles", "federation_monitor")


def _service_command(config_dir):
    """The role's fedops-monitor.service rendered for this machine: (argv, environment, working directory), as
    systemd would run ExecStart."""
    with open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8") as handle:
        role_vars = yaml.safe_load(handle)
    role_vars.update(federation_monitor_config_dir=config_dir, federation_monitor_python=PYTHON,
                     federation_monitor_ansible_playbook=venv_tool("ansible-playbook"),
                     federation_monitor_collections_path=ensure_collection_link(), ansible_managed="test")
    with open(os.path.join(ROLE, "templates", "fedops-monitor.service.j2"), encoding="utf-8") as handle:
        unit = jinja2.Template(handle.read(), trim_blocks=True).render(**role_vars)
    env = {"PATH": os.environ["PATH"]}
    argv = cwd = None
    for line in unit.splitlines():
        key, _sep, value = line.partition("=")
        if key == "Environment":
            name, _sep, val = value.partition("=")
            env[name] = val
        elif key == "ExecStart":
            argv = value.split()
        elif key == "WorkingDirectory":
            cwd = value
    assert argv and cwd == config_dir, unit
    return argv, env, cwd


def _install(workdir, workspaces):
    """What the role installs: monitor.yml and workspaces.json (0600) in the configuration directory."""
    config_dir = os.path.join(workdir, "etc")
    textfile_dir = os.path.join(workdir, "textfile")
    for path in (config_dir, textfile_dir):
        os.makedirs(path, exist_ok=True)
    shutil.copy(os.path.join(ROLE, "files", "monitor.yml"), config_dir)
    with open(os.path.join(config_dir, "workspaces.json"), "w", encoding="utf-8") as handle:
        json.dump({"workspaces": workspaces, "textfile_dir": textfile_dir}, handle, indent=4)
    os.chmod(os.path.join(config_dir, "workspaces.json"), 0o600)
    return config_dir, textfile_dir


def _run_monitor(config_dir, **extra_env):
    argv, env, cwd = _service_command(config_dir)
    env.update(extra_env)
    run = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    with open(os.path.join(os.path.dirname(config_dir), "run.log"), "w", encoding="utf-8") as handle:
        handle.write(run.stdout + run.stderr)   # what the journal would hold
    return run


def _metrics(textfile_dir, name):
    with open(os.path.join(textfile_dir, "fedops-%s.prom" % name), encoding="utf-8") as handle:
        text = handle.read()
    return {(s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k != "workspace"))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}, text


def _token_file(workdir, name, token):
    path = os.path.join(workdir, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return path


def _licence_ends_in(rc, days):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    rc.control("POST", "/_emulator/license", {"validPeriods": [
        {"validUntil": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "invalidBehavior": "invalidate_license"}]})


def _workspace(probe_lab, name, server_name, rocketchat, probe=None):
    lab = probe_lab.lab
    workspace = {"name": name, "server_name": server_name, "timeout": 5, "ca_path": lab.ca.cert_path,
                 "nameservers": ["%s:%d" % (lab.bind.host, lab.bind.port)],
                 "signing_key_path": lab[server_name].synapse.signing_key_path, "rocketchat": rocketchat}
    if probe:
        workspace["probe"] = probe
    return workspace


def test_scheduled_monitor_run_exports_check_probe_and_licence(probe_lab, rocketchat_emulators):
    lab = probe_lab.lab
    rc = rocketchat_emulators("7.11")
    rc.reset()
    _licence_ends_in(rc, 40)   # days, not seconds, from the thresholds: no timing window
    workdir = scratch_dir("monitor")
    rocketchat = {"url": rc.url, "user_id": ADMIN["user_id"],
                  "auth_token_file": _token_file(workdir, "rc.token", ADMIN["auth_token"])}
    probe = {"local": lab.account_args(probe_lab.a), "remote": lab.account_args(probe_lab.b)}
    config_dir, textfile_dir = _install(workdir, [_workspace(probe_lab, "hs-a.test", "hs-a.test", rocketchat, probe)])

    run = _run_monitor(config_dir)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    got, text = _metrics(textfile_dir, "hs-a.test")
    checks = {labels: value for (name, labels), value in got.items() if name == "fedops_federation_check_ok"}
    assert checks and set(checks.values()) == {1}, checks
    assert got[("fedops_federation_ok", ())] == 1
    certs = [value for (name, _labels), value in got.items() if name == "fedops_tls_certificate_days_left"]
    not_after = lab["hs-a.test"].cert.certificate.not_valid_after_utc
    days_left = (not_after - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 86400
    assert certs and all(abs(days - days_left) < 0.1 for days in certs), (certs, days_left)   # the lab CA's 30 days
    assert got[("fedops_federation_probe_ok", ())] == 1
    assert 0 < got[("fedops_federation_probe_round_trip_seconds", ())] < 150
    assert 0 <= got[("fedops_signing_key_age_days", ())] < 1
    assert got[("fedops_rocketchat_up", ())] == 1
    assert 39.9 < got[("fedops_license_days_left", ())] <= 40
    assert got[("fedops_license_federation_module", ())] == 1
    modes = {labels: value for (name, labels), value in got.items() if name == "fedops_federation_mode"}
    assert list(modes.values()) == [1] and ("fedops_native_federation_enabled", ()) in got, modes
    assert probe_lab.joined_rooms() == NOTHING
    secrets = (ADMIN["auth_token"], probe_lab.a.access_token, probe_lab.b.access_token)
    with open(os.path.join(config_dir, "workspaces.json"), encoding="utf-8") as handle:
        installed = handle.read()
    for secret in secrets:
        assert secret not in run.stdout + run.stderr and secret not in text
    assert ADMIN["auth_token"] not in installed   # the Rocket.Chat token stays in its own file
    assert stat.S_IMODE(os.stat(os.path.join(textfile_dir, "fedops-hs-a.test.prom")).st_mode) == 0o644

    # Broken once: the probe's remote token, Rocket.Chat's token (wrong, then missing), the licence expired.
    _licence_ends_in(rc, -3)
    broken = [
        _workspace(probe_lab, "wrong-tokens", "hs-a.test",
                   dict(rocketchat, auth_token_file=_token_file(workdir, "bad.token", "not-the-token-0000000001")),
                   {"local": probe["local"], "remote": dict(probe["remote"], access_token="syt_not_a_token")}),
        _workspace(probe_lab, "expired", "hs-b.test", rocketchat),
        _workspace(probe_lab, "no-token-file", "hs-b.test",
                   dict(rocketchat, auth_token_file=os.path.join(workdir, "missing.token"))),
    ]
    config_dir, textfile_dir = _install(scratch_dir("monitor-broken"), broken)
    run = _run_monitor(config_dir, ANSIBLE_VERBOSITY="1")   # as when someone looks closer: results printed
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]   # a failed read is a metric, not a crash
    wrong, _text = _metrics(textfile_dir, "wrong-tokens")
    assert wrong[("fedops_federation_probe_ok", ())] == 0
    assert ("fedops_federation_probe_round_trip_seconds", ()) not in wrong
    assert wrong[("fedops_rocketchat_up", (("error", "auth"),))] == 0
    assert not [key for key in wrong if key[0] == "fedops_license_days_left"]
    assert wrong[("fedops_federation_ok", ())] == 1   # the check does not depend on the tokens
    expired, _text = _metrics(textfile_dir, "expired")
    assert expired[("fedops_rocketchat_up", ())] == 1
    assert -3.1 < expired[("fedops_license_days_left", ())] <= -2.9
    missing, _text = _metrics(textfile_dir, "no-token-file")
    assert missing[("fedops_rocketchat_up", (("error", "config"),))] == 0
    assert probe_lab.joined_rooms() == NOTHING
    for secret in secrets:
        assert secret not in run.stdout + run.stderr
    assert '"error_kind": "auth"' in run.stdout   # the reason is in the journal, the tokens are not
