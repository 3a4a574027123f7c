"""The licence's end from licenses.info (C-LIC-3) and the warning before it."""
import datetime

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _license
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._federation import license_state
from tests.unit.plugins.module_utils._rocketchat.fakes import FakeClient

NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


def info(*periods):
    return {"activeModules": ["federation"], "license": {"validation": {"validPeriods": list(periods)}}}


def test_the_earliest_invalidating_period_ends_the_licence():
    state = _license.license_expiry(info(
        {"validUntil": "2027-03-01T00:00:00.000Z", "invalidBehavior": "invalidate_license"},
        {"validUntil": "2026-12-11T12:00:00Z", "invalidBehavior": "invalidate_license"},
        {"validUntil": "2026-12-02T00:00:00Z", "invalidBehavior": "start_fair_policy"},
        {"validFrom": "2026-01-01T00:00:00Z", "invalidBehavior": "invalidate_license"},
    ), now=NOW)
    assert state == {"expires_at": "2026-12-11T12:00:00Z", "days_left": 10.5, "expiry_known": True}


def test_no_licence_in_the_answer_or_no_end():
    assert _license.license_expiry({"activeModules": []}, now=NOW) == {
        "expires_at": None, "days_left": None, "expiry_known": False}
    assert _license.license_expiry(None) == {"expires_at": None, "days_left": None, "expiry_known": False}
    assert _license.license_expiry(info(), now=NOW) == {"expires_at": None, "days_left": None, "expiry_known": True}
    odd = info({"validUntil": "not a date", "invalidBehavior": "invalidate_license"})
    assert _license.license_expiry(odd, now=NOW)["expires_at"] is None


def test_fractions_of_any_length_and_naive_timestamps_parse():
    for text in ("2026-12-31T00:00:00.1Z", "2026-12-31T00:00:00.123456789Z", "2026-12-31T00:00:00"):
        end = _license.license_expiry(info({"validUntil": text, "invalidBehavior": "invalidate_license"}), now=NOW)
        assert end["expires_at"] == "2026-12-31T00:00:00Z", text


def test_warning_within_the_configured_days_only():
    soon = {"expires_at": "2026-12-11T12:00:00Z", "days_left": 10.5}
    assert "ends on 2026-12-11T12:00:00Z (in 10.5 days)" in _license.expiry_warning(soon, 30)
    assert _license.expiry_warning(soon, 10) is None
    assert _license.expiry_warning(dict(soon, days_left=-1), 0).startswith("The Rocket.Chat licence ended on")
    assert _license.expiry_warning({"expires_at": None, "days_left": None}, 30) is None


def test_license_state_carries_the_end():
    client = FakeClient("https://chat.example.com", version="7.11.0")
    state = license_state(client)
    assert state["federation_module"] is True and state["expiry_known"] is False and state["days_left"] is None
