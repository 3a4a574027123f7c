"""fedops.rocketchat.federation_metrics through ansible-playbook: the file parses with Prometheus' text-format parser,
check mode writes nothing, bad input fails naming the option."""
import os

from prometheus_client.parser import text_string_to_metric_families

from tests.support.ansible_run import run_tasks

INFO = {"version": "7.11.0", "active_mode": "native", "native": {"enabled": True},
        "license": {"checked": True, "federation_module": True, "expiry_known": True, "expires_at": "2030-01-01T00:00:00Z"}}
CHECK = {"federation_ok": True, "checks": [
    {"name": "tls_certificate", "target": "192.0.2.10:8448", "status": "pass", "data": {"not_after_ts": 4102444800}}]}


def task(name, **args):
    return {"name": name, "fedops.rocketchat.federation_metrics": args, "ignore_errors": True}


def test_metrics_file_parses_and_bad_input_is_named(tmp_path):
    prom = str(tmp_path / "fedops.prom")
    key = tmp_path / "signing.key"
    key.write_text("ed25519 a_AAAA secret\n")
    os.utime(str(key), (1_700_000_000, 1_700_000_000))
    res = run_tasks([
        dict(task("predict", path=prom, workspace="ws1", check=CHECK), check_mode=True),
        task("write", path=prom, workspace="ws1", check=CHECK, probe={"ok": True, "round_trip_ms": 350},
             signing_key_path=str(key), rocketchat=INFO),
        task("gone option", path=prom, workspace="ws1", license_expires="2030-01-01T00:00:00Z"),
        task("missing key", path=prom, workspace="ws1", signing_key_path=str(tmp_path / "nope")),
    ])
    predict, write, bad, missing = res.results
    assert [r["status"] for r in res.records] == ["ok", "ok", "failed", "failed"]
    assert predict["changed"] and write["changed"]
    with open(prom, encoding="utf-8") as handle:
        text = handle.read()
    assert text == write["metrics"]
    samples = {s.name: s for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples["fedops_federation_ok"].value == 1 and samples["fedops_federation_probe_ok"].value == 1
    assert samples["fedops_federation_probe_round_trip_seconds"].value == 0.35
    assert samples["fedops_signing_key_age_days"].value > 365
    assert 0 < samples["fedops_license_days_left"].value < 365 * 5
    assert samples["fedops_tls_certificate_days_left"].labels == {"workspace": "ws1", "target": "192.0.2.10:8448"}
    assert "secret" not in text
    assert "license_expires" in bad["msg"] and "Unsupported parameters" in bad["msg"]   # read from Rocket.Chat now
    assert "signing_key_path: cannot read" in missing["msg"]
