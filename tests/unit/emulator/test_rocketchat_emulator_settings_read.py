"""Pin the emulator's list read of settings (the client's bulk read) and its test-only fault injection.

Contract clauses pinned here (one test each):

* C-RD-1 ``GET /api/v1/settings?count=0`` returns every setting that is not hidden in one page while
  ``API_Allow_Infinite_Count`` is on (its shipped default); with it off, ``count=0`` means ``API_Default_Count``;
  a count above ``API_Upper_Count_Limit`` is clamped. Source: Rocket.Chat
  ``apps/meteor/app/api/server/helpers/getPaginationItems.ts`` and ``apps/meteor/app/api/server/v1/settings.ts``
  (route ``settings``, 4.x @0797578a and 7.x @c4e792b7).
* C-RD-2 The list needs only a login; without ``view-privileged-setting`` it carries public settings only.
  Source: ``v1/settings.ts`` (``ourQuery.public = true``), same commits.
* C-RD-3 Before 7.0 the deprecated ``query`` parameter is honoured (``{"_id": {"$in": [...]}}`` selects ids);
  from 7.0 it is ignored unless ``ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS`` is set. Source:
  ``apps/meteor/app/api/server/helpers/parseJsonQuery.ts`` (6.x: parsed with a deprecation warning; 7.x: gated
  on the variable, "will be removed in 8.0.0"; 8.x: no longer returns a query).
* C-RD-4 From 8.6 the list masks secret and password values (``value: ''`` and ``hasValue``).
* C-RD-5 The list route is rate limited as its own bucket (client address + route pattern + method), apart
  from ``settings/:_id``; holders of ``api-bypass-rate-limit`` get no ``X-RateLimit-*`` headers.
  Source: ``apps/meteor/app/api/server/api.ts`` rate limiter, defaults in ``server/settings/rate.ts``.
* C-EMU-2 (test-only) ``/_emulator/faults`` injects 5xx answers, dropped connections, hangs and resets after the
  request was handled, for the fault table of the settings tests.
"""
import json
import socket
import urllib.error
import urllib.request

import pytest

from tests.emulator.rocketchat.server import serve_in_thread
from tests.unit.emulator.test_rocketchat_emulator import ADMIN, ALICE, OPS, call, make


def listed(emu, who, query=None):
    path = "/api/v1/settings?count=0"
    if query is not None:
        path += "&query=" + urllib.request.quote(json.dumps(query))
    status, headers, body = call(emu, "GET", path, who)
    return status, headers, body


@pytest.mark.parametrize("version", ["6.9", "7.10", "8.6"])
def test_c_rd_1_count_zero_is_one_page_of_everything_visible(version):
    emu = make(version)
    emu.store.settings["API_Upper_Count_Limit"].value = 10      # fewer than the catalogue holds
    emu.store.settings["API_Default_Count"].value = 5
    visible = [s for s in emu.store.settings.values() if not s.hidden]
    status, _headers, body = listed(emu, ADMIN)
    assert status == 200 and body["count"] == body["total"] == len(visible) > 10
    assert call(emu, "GET", "/api/v1/settings?count=500", ADMIN)[2]["count"] == 10
    emu.store.settings["API_Allow_Infinite_Count"].value = False
    assert listed(emu, ADMIN)[2]["count"] == 5


def test_c_rd_2_without_view_privileged_setting_only_public_settings():
    emu = make("7.10")
    ids = {row["_id"] for row in listed(emu, ALICE)[2]["settings"]}
    assert "Site_Name" in ids and "API_Upper_Count_Limit" not in ids


@pytest.mark.parametrize("version,honoured", [("6.9", True), ("7.10", False)])
def test_c_rd_3_query_selects_ids_only_before_7_0(version, honoured):
    emu = make(version)
    body = listed(emu, ADMIN, {"_id": {"$in": ["Site_Name", "Language"]}})[2]
    ids = sorted(row["_id"] for row in body["settings"])
    if honoured:
        assert ids == ["Language", "Site_Name"]
    else:
        assert len(ids) > 2 and "Site_Name" in ids


def test_c_rd_4_secrets_masked_in_the_list_from_8_6():
    for version, masked in (("7.10", False), ("8.6", True)):
        emu = make(version)
        emu.store.settings["SMTP_Password"].value = "s3cret"
        row = [r for r in listed(emu, ADMIN)[2]["settings"] if r["_id"] == "SMTP_Password"][0]
        assert (row == dict(row, value="", hasValue=True)) is masked
        assert call(emu, "GET", "/api/v1/settings/SMTP_Password", ADMIN)[2]["value"] == "s3cret"


def test_c_rd_5_list_is_its_own_rate_limit_bucket_and_exempt_callers_get_no_headers():
    emu = make("7.10")
    for _dummy in range(10):
        assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 200
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 429
    status, headers, _body = listed(emu, OPS)
    assert status == 200 and headers["X-RateLimit-Remaining"] == "9"
    status, headers, _body = listed(emu, ADMIN)
    assert status == 200 and not any(k.startswith("X-RateLimit") for k in headers)


def _get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as answer:
        return answer.status


def test_c_emu_2_fault_injection():
    server, url = serve_in_thread("7.10")
    try:
        emu = server.emulator
        _post(url + "/_emulator/faults", [{"path": "/api/info", "action": "status", "status": 503, "times": 2}])
        assert [_get(url + "/api/info") for _dummy in range(3)] == [503, 503, 200]
        _post(url + "/_emulator/faults", {"path": "/api/info", "action": "reset"})
        with pytest.raises((ConnectionError, urllib.error.URLError, socket.error)):
            _get(url + "/api/info")
        _post(url + "/_emulator/faults", {"path": "/api/info", "action": "hang", "seconds": 1.5})
        with pytest.raises((socket.timeout, urllib.error.URLError, TimeoutError)):
            _get(url + "/api/info", timeout=0.5)
        faults = [e.get("fault") for e in emu.store.log if e.get("fault")]
        assert faults[:2] == ["status", "status"] and "reset" in faults
        # reset_after: the request is handled (logged as usual), then the connection is dropped
        _post(url + "/_emulator/faults", {"path": "/api/v1/settings/Site_Name", "action": "reset_after"})
        req = urllib.request.Request(url + "/api/v1/settings/Site_Name", method="POST",
                                     data=json.dumps({"value": "after"}).encode(),
                                     headers={"Content-Type": "application/json", "X-User-Id": ADMIN[0],
                                              "X-Auth-Token": ADMIN[1]})
        with pytest.raises((ConnectionError, urllib.error.URLError, socket.error)):
            urllib.request.urlopen(req, timeout=5)
        assert emu.store.value("Site_Name") == "after"
        assert _post(url + "/_emulator/reset", {}) == 200 and emu.faults == []
    finally:
        server.shutdown()
        server.server_close()
