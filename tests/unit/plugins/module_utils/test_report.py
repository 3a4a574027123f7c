"""_report: cases from check, probe and drift results, JUnit XML valid against tests/schemas/junit.xsd, Markdown."""
import os
import xml.etree.ElementTree as ET

import pytest
import xmlschema

from ansible_collections.fedops.rocketchat.plugins.module_utils import _report

SCHEMA = xmlschema.XMLSchema(os.path.join(os.path.dirname(__file__), "..", "..", "..", "schemas", "junit.xsd"))

CHECK = {"federation_ok": False, "checks": [
    {"name": "wellknown_server", "target": "example.org", "status": "pass", "detail": "found", "hint": None},
    {"name": "tls_certificate", "target": "192.0.2.10:8448", "status": "fail",
     "detail": "certificate is for other.example.org", "hint": "issue a certificate for matrix.example.org"},
    {"name": "srv", "target": None, "status": "warn", "detail": "no SRV record", "hint": "fine with .well-known"},
    {"name": "key_response", "target": None, "status": "skip", "detail": "an earlier check failed", "hint": None},
]}
PROBE = {"ok": False, "steps": [
    {"name": "accounts", "status": "pass", "duration_ms": 120, "detail": "both answer", "hint": ""},
    {"name": "invite_received", "status": "fail", "duration_ms": 30000, "detail": "no invite at remote",
     "hint": "one side cannot reach the other: run federation_check on both server names"},
    {"name": "join", "status": "skip", "duration_ms": 0, "detail": "not reached", "hint": ""},
    {"name": "typing", "status": "planned", "duration_ms": 0, "detail": "check mode", "hint": ""},
]}


def parse(kind, workspaces):
    text = _report.junit_xml(kind, workspaces)
    SCHEMA.validate(text)          # raises when the report does not follow the schema
    return ET.fromstring(text.split("\n", 1)[1])


def test_check_cases_carry_the_hint_as_the_failure_message_and_validate():
    cases = _report.cases_for("check", CHECK)
    root = parse("check", [("ws1", cases), ("ws2", _report.cases_for("check", {"msg": "bad options"}))])
    assert root.attrib == {"name": "fedops.rocketchat check", "tests": "5", "failures": "1", "errors": "1",
                           "skipped": "1", "time": "0.000"}
    suite = root.find("testsuite")
    names = [c.get("name") for c in suite.findall("testcase")]
    assert names == ["wellknown_server example.org", "tls_certificate 192.0.2.10:8448", "srv", "key_response"]
    failure = suite.findall("testcase")[1].find("failure")
    assert failure.get("message") == "issue a certificate for matrix.example.org"
    assert failure.text == "certificate is for other.example.org"
    assert suite.findall("testcase")[2].find("failure") is None          # a warning passes ...
    assert "fine with .well-known" in suite.findall("testcase")[2].find("system-out").text   # ... with its hint
    assert suite.findall("testcase")[3].find("skipped") is not None
    error = root.findall("testsuite")[1].find("testcase/error")
    assert error.get("message") == "bad options"


def test_probe_steps_have_their_durations_and_planned_steps_are_skipped():
    root = parse("probe", [("ws1", _report.cases_for("probe", PROBE))])
    cases = root.findall("testsuite/testcase")
    assert [c.get("time") for c in cases] == ["0.120", "30.000", "0.000", "0.000"]
    assert cases[1].find("failure").get("message").startswith("one side cannot reach the other")
    assert [c.find("skipped") is not None for c in cases] == [False, False, True, True]
    assert root.get("time") == "30.120"


def test_drift_is_one_case_per_workspace_failing_with_the_differences():
    root = parse("drift", [("ws1", _report.cases_for("drift", ["Site_Url: a -> b", "SRV record"])),
                           ("ws2", _report.cases_for("drift", []))])
    failed, in_sync = root.findall("testsuite/testcase")
    assert failed.find("failure").get("message").startswith("2 difference(s) from the inventory")
    assert failed.find("failure").text == "Site_Url: a -> b\nSRV record"
    assert list(in_sync) == [] and in_sync.get("classname") == "drift.ws2"


def test_the_report_is_deterministic_and_escapes_what_it_quotes():
    hostile = {"checks": [{"name": "x", "status": "fail", "detail": "<b>&\"", "hint": "a | b\nc"}]}
    one = _report.junit_xml("check", [("ws", _report.cases_for("check", hostile))])
    assert one == _report.junit_xml("check", [("ws", _report.cases_for("check", hostile))])
    SCHEMA.validate(one)
    assert ET.fromstring(one.split("\n", 1)[1]).find("testsuite/testcase/failure").text == "<b>&\""
    summary = _report.markdown("check", [("ws", _report.cases_for("check", hostile))])
    assert "| FAIL | x | a \\| b c |" in summary


def test_schema_rejects_what_readers_would_not_show():
    """The schema guards something: a testcase without its name or with a negative count does not pass."""
    good = _report.junit_xml("check", [("ws", _report.cases_for("check", CHECK))])
    assert SCHEMA.is_valid(good)
    assert not SCHEMA.is_valid(good.replace('tests="4"', 'tests="-4"', 1))
    assert not SCHEMA.is_valid(good.replace('<testcase name="srv"', '<testcase', 1))


def test_markdown_lists_failures_and_warnings_with_their_fix_only():
    summary = _report.markdown("check", [("ws1", _report.cases_for("check", CHECK))])
    assert summary.splitlines()[0] == "### fedops.rocketchat peer-side check"
    assert "- **ws1**: FAILED, 1 passed, 1 failed, 1 warning(s), 1 skipped" in summary
    assert "| FAIL | tls_certificate 192.0.2.10:8448 | issue a certificate for matrix.example.org |" in summary
    assert "| warn | srv | fine with .well-known |" in summary
    assert "wellknown_server" not in summary and "key_response" not in summary
    ok = _report.markdown("drift", [("ws2", _report.cases_for("drift", []))])
    assert "- **ws2**: ok, 1 passed, 0 failed" in ok and "|" not in ok


def test_bad_input_names_what_is_expected():
    with pytest.raises(ValueError, match="kind must be one of drift, check, probe"):
        _report.cases_for("lint", {})
    with pytest.raises(ValueError, match="registered result of federation_check"):
        _report.cases_for("check", ["not", "a", "result"])
    with pytest.raises(ValueError, match="list of changes"):
        _report.cases_for("drift", "Site_Url")
