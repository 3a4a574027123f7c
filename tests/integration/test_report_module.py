"""fedops.rocketchat.report through ansible-playbook: check mode writes nothing and predicts, the second run changes
nothing, the files are 0644 and valid JUnit, bad input fails naming the option."""
import os
import stat

import xmlschema

from tests.support.ansible_run import run_tasks
from tests.support.paths import REPO

JUNIT = xmlschema.XMLSchema(os.path.join(REPO, "tests", "schemas", "junit.xsd"))
CHECK = {"federation_ok": False, "checks": [
    {"name": "tls_certificate", "target": "192.0.2.10:8448", "status": "fail",
     "detail": "certificate is for other.example.org", "hint": "issue a certificate for matrix.example.org"},
    {"name": "srv", "target": None, "status": "pass", "detail": "found", "hint": None}]}


def report(name, directory, **extra):
    args = {"kind": "check", "workspace": "ws1", "result": CHECK, "junit_path": os.path.join(directory, "c.xml"),
            "markdown_path": os.path.join(directory, "c.md")}
    args.update(extra)
    args = {k: v for k, v in args.items() if v is not None}
    return {"name": name, "fedops.rocketchat.report": args, "ignore_errors": True}


def test_report_module_check_mode_idempotence_and_errors(tmp_path):
    out = str(tmp_path)
    res = run_tasks([
        dict(report("predict", out), check_mode=True),
        report("write", out),
        report("again", out),
        dict(report("predict again", out), check_mode=True),
        report("no such directory", out, junit_path=os.path.join(out, "missing", "c.xml")),
        report("not a check result", out, result=["x"]),
        report("no path", out, junit_path=None, markdown_path=None),
    ], diff=True)
    predict, write, again, predict_again, missing, wrong, nopath = res.results
    assert [r["status"] for r in res.records] == ["ok", "ok", "ok", "ok", "failed", "failed", "failed"]
    assert predict["changed"] and write["changed"] and not again["changed"] and not predict_again["changed"]
    assert predict["counts"] == {"tests": 2, "failures": 1, "errors": 0, "skipped": 0, "warnings": 0}
    assert sorted(os.listdir(out)) == ["c.md", "c.xml"]      # check mode wrote nothing, the bad paths nothing
    JUNIT.validate(os.path.join(out, "c.xml"))
    assert oct(stat.S_IMODE(os.stat(os.path.join(out, "c.xml")).st_mode)) == "0o644"
    with open(os.path.join(out, "c.md"), encoding="utf-8") as handle:
        assert handle.read() == write["summary"]
    assert "issue a certificate for matrix.example.org" in write["summary"]
    assert "the directory %s does not exist" % os.path.join(out, "missing") in missing["msg"]
    assert "result: a check result is a mapping" in wrong["msg"]
    assert "one of the following is required: junit_path, markdown_path" in nopath["msg"]
