"""Native federation gates through ansible-playbook against the Rocket.Chat emulator: the licence's end (C-LIC-3)."""
import datetime

from tests.integration.rocketchat.conftest import ADMIN, ALICE, conn
from tests.support.ansible_run import run_tasks

NATIVE = {"domain": "chat.example.com"}


def iso_in(days):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def step(module, name, args, **extra):
    entry = {"name": name, "fedops.rocketchat.%s" % module: args}
    entry.update(extra)
    return entry


def test_licence_end_is_reported_and_warned_before(rocketchat_emulators):
    """C-LIC-3: federation_info reports when the licence ends; mode=native warns within license_expiry_warn_days
    (default 30) and says nothing when the end is further away."""
    rc = rocketchat_emulators("7.11")
    rc.reset()
    # Days, not seconds, separate the end from the thresholds: no timing window.
    rc.control("POST", "/_emulator/license", {"validPeriods": [
        {"validUntil": iso_in(10), "invalidBehavior": "invalidate_license"},
        {"validUntil": iso_in(2), "invalidBehavior": "start_fair_policy"},   # does not end the licence
    ]})
    res = run_tasks([
        step("federation_info", "facts", conn(rc, ADMIN)),
        step("federation", "native, end within 30 days", conn(rc, ADMIN, mode="native", native=NATIVE),
             check_mode=True),
        step("federation", "native, warn 5 days before",
             conn(rc, ADMIN, mode="native", native=dict(NATIVE, license_expiry_warn_days=5)), check_mode=True),
    ])
    assert [rec["status"] for rec in res.records] == ["ok", "ok", "ok"], res.output[-3000:]
    facts, warned, quiet = res.results
    assert facts["license"]["expiry_known"] is True and 9.9 < facts["license"]["days_left"] <= 10
    assert facts["license"]["expires_at"].endswith("Z")
    assert any("The Rocket.Chat licence ends on" in w and "native federation stops" in w
               for w in warned.get("warnings", [])), warned
    assert not any("licence ends" in w for w in quiet.get("warnings", [])), quiet
    assert 9.9 < warned["license"]["days_left"] <= 10
    assert rc.writes() == []


def test_permissions_module_manages_access_federation(rocketchat_emulators):
    """C-PERM-1, C-PERM-2 through fedops.rocketchat.permissions: --check predicts with a diff and writes nothing, the
    run writes once, the next run changes nothing, no ordinary user role is reported, and an unknown permission or a
    user without access-permissions fails naming why."""
    rc = rocketchat_emulators("7.11")
    rc.reset()
    pilot = {"access-federation": ["admin", "federated-external"]}
    res = run_tasks([
        step("permissions", "predict", conn(rc, ADMIN, permissions=pilot), check_mode=True, diff=True),
        step("permissions", "apply", conn(rc, ADMIN, permissions=pilot)),
        step("permissions", "again", conn(rc, ADMIN, permissions=pilot)),
        step("permissions", "misspelt", conn(rc, ADMIN, permissions={"access-federaton": ["admin"]}),
             ignore_errors=True),
        step("permissions", "not allowed", conn(rc, ALICE, permissions={"access-federation": ["admin", "user"]}),
             ignore_errors=True),
    ])
    assert [rec["status"] for rec in res.records] == ["ok", "ok", "ok", "failed", "failed"], res.output[-3000:]
    predicted, applied, again, misspelt, refused = res.results
    assert predicted["diff"] == {"before": {"access-federation": ["admin", "federated-external", "user"]},
                                 "after": {"access-federation": ["admin", "federated-external"]}}
    assert applied["changed_permissions"] == predicted["changed_permissions"] == ["access-federation"]
    assert not again["changed"] and again["requests"]["requests"] == 1
    for result in (predicted, applied, again):
        assert any("No ordinary user role holds access-federation" in w for w in result.get("warnings", []))
    assert "access-federaton does not exist on this server" in misspelt["msg"]
    assert "access-permissions" in refused["msg"]
    posts = [e for e in rc.log() if e["method"] == "POST" and "permissions" in e["path"]]
    assert len(posts) == 2          # the apply, and the refused one; never the check, the rerun or the misspelt
    status, listed = rc.api("GET", "/api/v1/permissions.listAll", ADMIN)
    assert [r["roles"] for r in listed["update"] if r["_id"] == "access-federation"] == [
        ["admin", "federated-external"]]
