"""Acceptance of issue 16 through ansible-playbook: the early Matrix bridge (5.4), servers whose licence lacks the
federation module (7.11 with another module, 8.0 without a licence), and a wrong-typed value for a setting outside
the collection's catalogue on 8.0, which the collection must refuse because Rocket.Chat 8.x stores it (C-SET-4)."""
from concurrent.futures import ThreadPoolExecutor

from tests.integration.rocketchat.conftest import ADMIN, conn
from tests.support.ansible_run import run_tasks

BRIDGE = {"homeserver_url": "http://127.0.0.1:9", "homeserver_domain": "example.com", "bridge_url": "http://rc:3300",
          "hs_token": "hs-" + "5e" * 22, "as_token": "as-" + "a7" * 22}
NATIVE = {"domain": "chat.example.com"}
EARLY_MISSING = {"Federation_Matrix_enable_ephemeral_events", "Federation_Matrix_max_size_of_public_rooms_users",
                 "Federation_Matrix_configuration_status", "Federation_Matrix_check_configuration_button"}


def step(module, name, args, **extra):
    entry = {"name": name, "fedops.rocketchat.%s" % module: args}
    entry.update(extra)
    return entry


def run_all(plays):
    """Run {key: (emulator, tasks)} side by side; returns {key: PlaybookResult}."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(run_tasks, tasks) for key, (_rc, tasks) in plays.items()}
    return {key: future.result() for key, future in futures.items()}


def reads_of(rc, ids):
    """Reads of ``ids`` the server answered (the conftest hides other settings on purpose: SETTINGS_HIDDEN)."""
    return [e["path"] for e in rc.log() if e["method"] == "GET" and e["path"].rsplit("/", 1)[-1] in ids]


def test_early_bridge_reports_missing_settings_as_unsupported(rocketchat_emulators):
    """C-CAT-2 on 5.4: facts list the settings the release lacks, the bridge converges, options and the check that
    need a later release are refused before any write, and no read of a missing setting is attempted."""
    rc = rocketchat_emulators("5.4")
    rc.reset()
    tasks = [
        step("federation_info", "facts", conn(rc, ADMIN)),
        step("federation", "bridge", conn(rc, ADMIN, mode="matrix_bridge", matrix_bridge=BRIDGE)),
        step("federation", "again", conn(rc, ADMIN, mode="matrix_bridge", matrix_bridge=BRIDGE)),
        step("federation", "ephemeral events", conn(rc, ADMIN, mode="matrix_bridge", matrix_bridge=dict(
            BRIDGE, enable_ephemeral_events=True)), ignore_errors=True),
        step("federation", "configuration check", conn(rc, ADMIN, mode="matrix_bridge", matrix_bridge=BRIDGE,
                                                       check_configuration=True), ignore_errors=True),
        step("settings", "a setting of a later release", conn(rc, ADMIN, settings={
            "Federation_Matrix_max_size_of_public_rooms_users": 50}), ignore_errors=True),
        step("federation_info", "facts after", conn(rc, ADMIN)),
    ]
    res = run_tasks(tasks)
    status = [rec["status"] for rec in res.records]
    assert status == ["ok", "ok", "ok", "failed", "failed", "failed", "ok"], res.output[-3000:]
    facts, bridge, again, ephemeral, check, later, after = res.results
    assert facts["version"] == "5.4.9" and set(facts["unsupported_settings"]) >= EARLY_MISSING
    assert facts["unsupported_settings"]["Federation_Matrix_enable_ephemeral_events"] == "6.7 to before 8.0"
    assert not set(facts["settings"]) & EARLY_MISSING and facts["license"]["checked"] is False
    assert bridge["changed"] and not again["changed"] and bridge["write_method"] == "method.call"
    assert "matrix_bridge.enable_ephemeral_events needs Rocket.Chat 6.7 or later" in ephemeral["msg"]
    assert "check_configuration needs Rocket.Chat 6.12 or later" in check["msg"]
    assert "Federation_Matrix_max_size_of_public_rooms_users does not exist on Rocket.Chat 5.4.9" in later["msg"]
    assert "6.0 to before 8.0" in later["msg"]
    assert after["active_mode"] == "matrix_bridge" and "push_ephemeral" not in \
        after["matrix_bridge"]["registration_file"]
    assert reads_of(rc, EARLY_MISSING) == []           # nothing missing was even asked for
    assert len(rc.writes()) == 1          # the one converging write
    assert rc.settings()["Federation_Matrix_homeserver_domain"] == "example.com"


def test_native_on_servers_without_the_federation_licence_module(rocketchat_emulators):
    """C-LIC-1, C-LIC-2: mode=native fails before any write, naming the licence; federation_info reports it; the
    server itself would have accepted the writes (and ignored them)."""
    plays = {}
    for version, modules in (("8.0", "none"), ("7.11", "auditing")):
        rc = rocketchat_emulators(version, modules)
        rc.reset()
        plays[version] = (rc, [
            step("federation", "native in check mode", conn(rc, ADMIN, mode="native", native=NATIVE),
                 check_mode=True, ignore_errors=True),
            step("federation", "native", conn(rc, ADMIN, mode="native", native=NATIVE), ignore_errors=True),
            step("federation_info", "facts", conn(rc, ADMIN)),
            step("federation", "disabled is fine", conn(rc, ADMIN, mode="disabled")),
        ])
    results = run_all(plays)
    for version, res in results.items():
        rc = plays[version][0]
        assert [rec["status"] for rec in res.records] == ["failed", "failed", "ok", "ok"], res.output[-3000:]
        check, real, facts, disabled = res.results
        for refused in (check, real):
            assert "mode=native needs a Rocket.Chat Enterprise licence with the 'federation' module" in refused["msg"]
            assert "nothing was written" in refused["msg"]
        expected = [] if version == "8.0" else ["auditing"]
        assert facts["license"] == {"checked": True, "federation_module": False, "active_modules": expected,
                                    "detail": "active licence modules: %s" % (", ".join(expected) or "none"),
                                    "expiry_known": version != "8.0", "expires_at": None, "days_left": None}
        assert facts["native"]["licensed"] is False and "license_warning" in facts["native"]
        assert not disabled["changed"]
        assert rc.writes() == []
        # the server would have taken the write and served the invalid value: only the collection refused
        assert rc.api("POST", "/api/v1/settings/Federation_Service_Enabled", ADMIN, {"value": True}) == \
            (200, {"success": True})
        status, listed = rc.api("GET", "/api/v1/settings?count=0", ADMIN)
        row = [s for s in listed["settings"] if s["_id"] == "Federation_Service_Enabled"][0]
        assert status == 200 and row["value"] is False and row["invalidValue"] is False


def test_wrong_typed_values_outside_the_catalogue_are_refused_by_the_collection_on_8x(rocketchat_emulators):
    """C-SET-4: Rocket.Chat 8.0 stores "yes" in a boolean setting; the collection refuses it (and 5 for a string
    setting, and NaN) from the type of the stored value, before any write."""
    rc = rocketchat_emulators("8.0")
    rc.reset()
    tasks = [
        step("settings", "string for a boolean", conn(rc, ADMIN, settings={"Message_AllowEditing": "yes"}),
             ignore_errors=True),
        step("settings", "number for a string", conn(rc, ADMIN, settings={"Layout_Home_Title": 5}),
             ignore_errors=True),
        step("settings", "not a number", conn(rc, ADMIN, settings={"Accounts_OAuth_Custom_Roles": float("nan")}),
             ignore_errors=True),
        step("settings", "right type", conn(rc, ADMIN, settings={"Message_AllowEditing": False,
                                                                 "Layout_Home_Title": "Welcome"})),
    ]
    res = run_tasks(tasks)
    assert [rec["status"] for rec in res.records] == ["failed", "failed", "failed", "ok"], res.output[-3000:]
    boolean, string, nan, right = res.results
    assert "Message_AllowEditing currently holds a JSON boolean (True)" in boolean["msg"]
    assert "Layout_Home_Title currently holds a JSON string ('Home')" in string["msg"]
    assert "not a finite number" in nan["msg"]
    assert right["changed"] and right["changed_settings"] == ["Message_AllowEditing", "Layout_Home_Title"]
    assert len(rc.writes()) == 1
    # the emulator, like Rocket.Chat 8.0, would have stored the wrong type: the refusal was the collection's
    assert rc.api("POST", "/api/v1/settings/Message_AllowEditing", ADMIN, {"value": "yes"}) == (200, {"success": True})
    assert rc.settings()["Message_AllowEditing"] == "yes"
