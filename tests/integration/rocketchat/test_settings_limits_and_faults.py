"""fedops.rocketchat.settings under Rocket.Chat's default rate limit, with wrong credentials, and with faults
injected into the emulator (5xx, timeouts, connections reset between the reads and the write and during it).

Every case asserts on what the module reports (requests, retries, rate-limit waits) and on what the emulator
logged and holds afterwards, never on wall time. Each test gets its own HOME, so the rate-limit windows the
module remembers between tasks (``~/.cache/fedops.rocketchat``) start empty.
"""
import pytest

from tests.integration.rocketchat.conftest import ADMIN, BAD, OPS, conn, each_profile
from tests.support.ansible_run import run_tasks

WINDOW_MS = 60000     # Rocket.Chat's default window: 10 calls per 60 s per client address, route and method

# eleven settings: read one by one they would take 11 calls on GET settings/:_id, one more than the window allows
ELEVEN = {
    "Site_Name": "Limits Chat", "Layout_Home_Title": "Welcome", "Message_MaxAllowedSize": 7000,
    "Message_AllowEditing": False, "Accounts_AllowRealNameChange": False, "Accounts_RegistrationForm": "Disabled",
    "Theme_Custom_Css": "body { color: black; }", "Accounts_OAuth_Custom_Roles": [],
    "Accounts_Default_User_Preferences_sidebarViewMode": "condensed",
    "Accounts_TwoFactorAuthentication_RememberFor": 900, "Language": "de",
}
TWELVE = dict(ELEVEN, API_Enable_Rate_Limiter_Dev=True)


def task(name, args, **extra):
    entry = {"name": name, "fedops.rocketchat.settings": args}
    entry.update(extra)
    return entry


def rate_limited(rc):
    return [e for e in rc.log() if e["status"] == 429]


def test_rate_limited_converged_run_reads_in_one_request_without_waiting(rcs, tmp_path):
    """Issue 15: a user under the default rate limit (not holding api-bypass-rate-limit) never waits for a
    window on a converged run; the read takes one GET /api/v1/settings on every release (6.x with a query
    selecting the ids, 7.0+ listing every visible setting with count=0)."""
    def tasks(rc):
        rc.set_settings({"API_Enable_Rate_Limiter_Limit_Time_Default": WINDOW_MS})
        args = conn(rc, OPS, settings=ELEVEN)
        return [task("apply", args), task("converged", args), task("converged again", args)]

    def verify(rc, res):
        assert res.rc == 0
        apply, converged, again = res.results
        assert apply["changed"] and not converged["changed"] and not again["changed"]
        for result in (converged, again):
            # /api/info + GET /api/v1/settings: the fewest this release allows
            assert result["requests"]["requests"] == 2, result["requests"]
            assert result["requests"]["rate_limit_waits"] == 0 and result["requests"]["rate_limit_wait"] == 0
            assert result["requests"]["rate_limited"] == 0
        assert rate_limited(rc) == []
        reads = [e for e in rc.log() if e["route"] in ("/api/v1/settings", "/api/v1/settings/:_id")
                 and e["method"] == "GET"]
        assert [e["route"] for e in reads] == ["/api/v1/settings"] * 3
        assert {k: rc.settings()[k] for k in ELEVEN} == ELEVEN

    each_profile(rcs, tasks, verify, env={"HOME": str(tmp_path)})


@pytest.mark.parametrize("version", ["7.10", "8.6"])
def test_wrong_token_then_right_token(rocketchat_emulators, tmp_path, version):
    """Issue 13.1 and 13.2: the wrong token fails at once naming the options, without waiting, however often it was
    tried before (Rocket.Chat authenticates before its limiter counts the call: C-RATE-2); the next run with the
    right admin token (exempt: no X-RateLimit headers) waits for nothing the wrong runs left behind."""
    rc = rocketchat_emulators(version)
    rc.reset()
    rc.set_settings({"API_Enable_Rate_Limiter_Limit_Time_Default": WINDOW_MS})
    for _dummy in range(10):      # earlier runs with the mistyped token
        rc.api("GET", "/api/v1/settings?count=1", BAD)
        rc.api("GET", "/api/v1/settings/Site_Name", BAD)
    assert rc.api("GET", "/api/v1/settings?count=1", BAD)[0] == 401
    before = rc.settings()
    res = run_tasks([task("wrong token", conn(rc, BAD, settings=TWELVE), ignore_errors=True),
                     task("right token", conn(rc, ADMIN, settings=TWELVE))], env={"HOME": str(tmp_path)})
    wrong, right = res.results
    assert [r["status"] for r in res.records] == ["failed", "ok"], res.output[-3000:]
    assert "rejected the credentials (HTTP 401" in wrong["msg"] and "user_id and auth_token" in wrong["msg"]
    assert wrong["requests"]["rate_limit_waits"] == 0 and wrong["requests"]["retries"] == 0
    assert wrong["requests"]["requests"] <= 2        # /api/info, the list (401)
    assert right["changed"] and right["requests"]["rate_limit_waits"] == 0
    assert right["requests"]["rate_limit_wait"] == 0 and right["requests"]["requests"] == 3   # info, list, write
    after = rc.settings()
    assert {k: after[k] for k in TWELVE} == TWELVE
    assert {k: v for k, v in after.items() if k not in TWELVE} == {k: v for k, v in before.items() if k not in TWELVE}


def test_missing_permission_fails_at_once(rocketchat_emulators, tmp_path):
    """Issue 13.2: a user without view-privileged-setting is told so at once (12 settings, no waiting)."""
    rc = rocketchat_emulators("7.10")
    rc.reset()
    alice = {"user_id": "rcalice0000000001", "auth_token": "alice-pat-bypass-2fa-0000000000000000000000001"}
    res = run_tasks([task("no permission", conn(rc, alice, settings=TWELVE), ignore_errors=True)],
                    env={"HOME": str(tmp_path)})
    result = res.last
    assert res.records[-1]["status"] == "failed"
    assert "needs the view-privileged-setting permission" in result["msg"]
    assert result["requests"]["rate_limit_waits"] == 0 and result["requests"]["retries"] == 0
    # /api/info, the list (public settings only), then the first private setting read by id: 403 ends it
    assert result["requests"]["requests"] <= 4
    assert not rc.writes()


# --- the fault table -------------------------------------------------------------------------------------------
WRITE_PATHS = {"7.10": "/api/v1/method.call/saveSettings", "8.6": "/api/v1/settings"}

# (case, rules (the write path as {write}), expect ok?, text in the error, settings after: "before" | "desired")
FAULTS = [
    ("5xx on the read", [{"path": "/api/v1/settings", "method": "GET", "action": "status", "status": 503,
                          "times": 99}], False, "answered HTTP 503", "before"),
    ("one 5xx on the read, then answers", [{"path": "/api/v1/settings", "method": "GET", "action": "status",
                                            "status": 502, "times": 1}], True, None, "desired"),
    ("read times out", [{"path": "/api/v1/settings", "method": "GET", "action": "hang", "seconds": 2.5,
                         "times": 99}], False, "Check url and that the server is up", "before"),
    ("connection reset between the reads and the write", [{"path": "{write}", "method": "POST", "action": "reset",
                                                           "times": 99}],
     False, "Check url and that the server is up", "before"),
    ("connection reset during the write, after the server applied it",
     [{"path": "{write}", "method": "POST", "action": "reset_after", "times": 1}], True, None, "desired"),
    ("5xx on the write", [{"path": "{write}", "method": "POST", "action": "status", "status": 500, "times": 99}],
     False, "answered HTTP 500", "before"),
]


@pytest.mark.parametrize("version", ["7.10", "8.6"])
def test_fault_table(rocketchat_emulators, tmp_path, version):
    """Issue 13.8: each fault is a clear error or a bounded number of retries with backoff, and leaves the
    settings either as they were or fully written (the write is one atomic call), never half-applied."""
    rc = rocketchat_emulators(version)
    rc.reset()
    tasks = []
    for number, (name, rules, _ok, _text, _after) in enumerate(FAULTS):
        desired = dict(ELEVEN, Site_Name="Fault case %d" % number, Message_MaxAllowedSize=1000 + number)
        rules = [dict(r, path=r["path"].replace("{write}", WRITE_PATHS[version])) for r in rules]
        tasks.extend([
            {"name": "%s: before" % name, "ansible.builtin.uri": {"url": rc.url + "/_emulator/settings"}},
            {"name": "%s: inject" % name, "ansible.builtin.uri": {
                "url": rc.url + "/_emulator/faults", "method": "POST", "body_format": "json", "body": rules}},
            task(name, conn(rc, ADMIN, settings=desired, retries=2, timeout=1), ignore_errors=True),
            {"name": "%s: after" % name, "ansible.builtin.uri": {"url": rc.url + "/_emulator/settings"}},
        ])
    tasks.append(task("auth errors are never retried", conn(rc, BAD, settings=ELEVEN, retries=5),
                      ignore_errors=True))
    res = run_tasks(tasks, env={"HOME": str(tmp_path)})
    errors = []
    for number, (name, _rules, ok, text, after) in enumerate(FAULTS):
        before_rec, _inject, run_rec, after_rec = res.records[4 * number:4 * number + 4]
        result = run_rec["result"]
        before = before_rec["result"]["json"]["settings"]
        state = after_rec["result"]["json"]["settings"]
        desired = dict(ELEVEN, Site_Name="Fault case %d" % number, Message_MaxAllowedSize=1000 + number)
        try:
            assert (run_rec["status"] == "ok") is ok, result.get("msg")
            if text:
                assert text in result["msg"], result["msg"]
            assert result["requests"]["retries"] <= 2        # retries: 2 bounds them
            if after == "before":
                assert state == before
            else:
                assert {k: state[k] for k in desired} == desired
                assert {k: v for k, v in state.items() if k not in desired} == \
                    {k: v for k, v in before.items() if k not in desired}
        except AssertionError as exc:
            errors.append("%s: %s" % (name, exc))
    auth = res.records[-1]["result"]
    if not (res.records[-1]["status"] == "failed" and auth["requests"]["retries"] == 0
            and "rejected the credentials (HTTP 401" in auth["msg"]):
        errors.append("auth: %s" % auth)
    assert not errors, "\n".join(errors) + "\n" + res.output[-3000:]
    # the retried 5xx and resets are in the emulator's log, with backoff between them (bounded: 3 attempts)
    faults = [e for e in rc.log() if e.get("fault")]
    assert len([e for e in faults if e["status"] == 503]) == 3 and len([e for e in faults if e["status"] == 500]) == 3
