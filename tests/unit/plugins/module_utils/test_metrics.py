"""_metrics: the exposition text parses with Prometheus' own text-format parser (prometheus_client) and carries
what the check and the probe found."""
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.fedops.rocketchat.plugins.module_utils import _metrics

NOW = 1_800_000_000.0
CHECK = {"federation_ok": False, "checks": [
    {"name": "wellknown_server", "target": "example.org", "status": "pass"},
    {"name": "tls_certificate", "target": "192.0.2.10:8448", "status": "pass",
     "data": {"not_after_ts": int(NOW + 30 * 86400)}},
    {"name": "tls_certificate", "target": "[2001:db8::1]:8448", "status": "fail",
     "data": {"not_after_ts": int(NOW - 86400)}},
    {"name": "srv", "target": None, "status": "warn"},
    {"name": "key_response", "target": None, "status": "skip"},
]}
PROBE = {"ok": True, "round_trip_ms": 412, "steps": []}
# federation_info's result (the fields the metrics read), as registered.
INFO = {"changed": False, "version": "7.11.0", "active_mode": "native", "native": {"enabled": True},
        "license": {"checked": True, "federation_module": True, "expiry_known": True,
                    "expires_at": "2027-03-01T20:00:00Z", "days_left": 45.5}}


def parsed(text):
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_parse_with_prometheus_and_say_what_was_found():
    text = _metrics.render(_metrics.samples('chat "one"', NOW, check=CHECK, probe=PROBE,
                                            signing_key_mtime=NOW - 10 * 86400, rocketchat=INFO)
                           + _metrics.samples("two", NOW, probe={"ok": False, "round_trip_ms": None}))
    got = parsed(text)
    ws = ("workspace", 'chat "one"')
    assert got[("fedops_federation_ok", (ws,))] == 0
    assert got[("fedops_federation_check_ok", (("check", "tls_certificate [2001:db8::1]:8448"), ws))] == 0
    assert got[("fedops_federation_check_ok", (("check", "srv"), ws))] == 1             # a warning passes
    assert ("fedops_federation_check_ok", (("check", "key_response"), ws)) not in got  # skipped: no sample
    assert got[("fedops_tls_certificate_days_left", (("target", "192.0.2.10:8448"), ws))] == 30
    assert got[("fedops_tls_certificate_days_left", (("target", "[2001:db8::1]:8448"), ws))] == -1
    assert got[("fedops_federation_probe_round_trip_seconds", (ws,))] == 0.412
    assert got[("fedops_signing_key_age_days", (ws,))] == 10
    assert got[("fedops_license_days_left", (ws,))] == 45.5   # 2027-03-01T20:00:00Z is NOW + 45.5 days
    assert got[("fedops_rocketchat_up", (ws,))] == 1
    assert got[("fedops_license_federation_module", (ws,))] == 1
    assert got[("fedops_federation_mode", (("mode", "native"), ws))] == 1
    assert got[("fedops_native_federation_enabled", (ws,))] == 1
    assert got[("fedops_federation_probe_ok", (("workspace", "two"),))] == 0
    assert ("fedops_federation_probe_round_trip_seconds", (("workspace", "two"),)) not in got
    assert got[("fedops_monitor_last_run_timestamp_seconds", (("workspace", "two"),))] == NOW
    assert text.count("# TYPE fedops_federation_probe_ok gauge") == 1     # one family for both workspaces


def test_a_check_that_did_not_run_gives_only_the_timestamp():
    text = _metrics.render(_metrics.samples("ws", NOW, check={"msg": "failed"}))
    assert [f.name for f in text_string_to_metric_families(text)] == ["fedops_monitor_last_run_timestamp_seconds"]


def test_unknown_metric_names_are_refused():
    try:
        _metrics.render([("fedops bad", {}, 1)])
    except ValueError as exc:
        assert "unknown metric" in str(exc)
    else:
        raise AssertionError("rendered an unknown metric")


def test_a_failed_rocketchat_read_is_a_metric_with_its_kind():
    """A read kept with failed_when=false (failed is then false), one that failed outright, one refused before any
    request (no error_kind), and one that did not run."""
    kept = {"failed": False, "failed_when_result": False, "msg": "401", "error_kind": "auth"}
    text = _metrics.render(_metrics.samples("a", NOW, rocketchat=kept)
                           + _metrics.samples("b", NOW, rocketchat={"failed": True, "msg": "x", "error_kind": "tls"})
                           + _metrics.samples("c", NOW, rocketchat={"failed": True, "msg": "auth_token is empty"})
                           + _metrics.samples("d", NOW, rocketchat={"skipped": True, "changed": False}))
    got = parsed(text)
    assert got[("fedops_rocketchat_up", (("error", "auth"), ("workspace", "a")))] == 0
    assert got[("fedops_rocketchat_up", (("error", "tls"), ("workspace", "b")))] == 0
    assert got[("fedops_rocketchat_up", (("error", "config"), ("workspace", "c")))] == 0
    assert not [key for key in got if key[0] == "fedops_rocketchat_up" and ("workspace", "d") in key[1]]
    assert not [key for key in got if key[0] == "fedops_license_days_left"]


def test_a_licence_that_never_ends_or_is_not_shown_has_no_days_left():
    for licence in ({"checked": True, "federation_module": True, "expiry_known": True, "expires_at": None},
                    {"checked": True, "federation_module": False, "expiry_known": False, "expires_at": None}):
        got = parsed(_metrics.render(_metrics.samples("ws", NOW, rocketchat=dict(INFO, license=licence))))
        assert ("fedops_license_days_left", (("workspace", "ws"),)) not in got
        assert got[("fedops_license_federation_module", (("workspace", "ws"),))] == int(licence["federation_module"])
