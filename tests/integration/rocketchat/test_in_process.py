"""The API-only modules run in the controller process when the task runs on the controller (action plugins over
plugin_utils/_in_process.py); with FEDOPS_ROCKETCHAT_IN_PROCESS=false they run as modules. Both paths, on the same
fresh emulator and the same tasks, must give the same results: changed, check mode, diff, no_log masking, warnings,
validation failures and API failures."""
import json

from tests.integration.rocketchat.conftest import ADMIN, BAD, conn
from tests.support.ansible_run import run_tasks

SECRET = "smtp-secret-value-4711"


def tasks(rc):
    def t(name, module, args, **extra):
        entry = {"name": name, "fedops.rocketchat." + module: args, "ignore_errors": True}
        entry.update(extra)
        return entry

    return [
        t("settings check", "settings", conn(rc, ADMIN, settings={"Site_Name": "Fleet", "Message_MaxAllowedSize": 7000},
                                             secret_settings={"SMTP_Password": SECRET}), check_mode=True, diff=True),
        t("settings apply", "settings", conn(rc, ADMIN, settings={"Site_Name": "Fleet", "Message_MaxAllowedSize": 7000},
                                             secret_settings={"SMTP_Password": SECRET}), diff=True),
        t("settings again", "settings", conn(rc, ADMIN, settings={"Site_Name": "Fleet", "Message_MaxAllowedSize": 7000},
                                             secret_settings={"SMTP_Password": SECRET})),
        t("secret in settings", "settings", conn(rc, ADMIN, settings={"SMTP_Password": "exposed-on-purpose"})),
        t("unknown option", "settings", conn(rc, ADMIN, settings={"Site_Name": "x"}, colour="red")),
        t("bad type", "settings", conn(rc, ADMIN, settings={"Site_Name": "x"}, retries="many")),
        t("empty url", "settings", conn(rc, ADMIN, settings={"Site_Name": "x"}, url=" ")),
        t("no settings", "settings", conn(rc, ADMIN)),
        t("bad token", "settings", conn(rc, BAD, settings={"Site_Name": "x"})),
        t("federation", "federation", conn(rc, ADMIN, mode="native", native={"domain": "chat.example.com"}),
          diff=True),
        t("federation again", "federation", conn(rc, ADMIN, mode="native", native={"domain": "chat.example.com"})),
        t("facts", "federation_info", conn(rc, ADMIN)),
    ]


def run(rc, in_process):
    rc.reset()
    return run_tasks(tasks(rc), verbosity=3, env={"FEDOPS_ROCKETCHAT_IN_PROCESS": "true" if in_process else "false"})


def normal(record):
    result = dict(record["result"])
    result.pop("exception", None)       # a module's traceback at -vvv (ansible-core < 2.19); never in-process
    return {"task": record["task"], "status": record["status"], "result": result}


def test_in_process_equals_module(rocketchat_emulators):
    rc = rocketchat_emulators("8.6")
    module = run(rc, in_process=False)
    module_writes = rc.writes()
    local = run(rc, in_process=True)
    local_writes = rc.writes()
    assert len(local.records) == len(module.records) == len(tasks(rc)), local.output[-3000:]
    # the paths really differ: only the module path ships a payload
    assert "AnsiballZ_settings.py" in module.output and "AnsiballZ_" not in local.output
    for ours, theirs in zip(local.records, module.records):
        assert normal(ours) == normal(theirs), json.dumps([normal(ours), normal(theirs)], indent=1, default=str)
    assert [(w["method"], w["path"]) for w in local_writes] == [(w["method"], w["path"]) for w in module_writes]
    status = [r["status"] for r in local.records]
    assert status == ["ok", "ok", "ok", "ok", "failed", "failed", "failed", "failed", "failed", "ok", "ok", "ok"]
    r = local.results
    assert r[0]["changed"] and r[1]["changed"] and not r[2]["changed"] and not r[10]["changed"]
    assert SECRET not in local.output and SECRET not in json.dumps(r)
    assert "SMTP_Password" in " ".join(r[3].get("warnings", []))
    assert "Unsupported parameters for (fedops.rocketchat.settings) module: colour" in r[4]["msg"]
    assert "retries" in r[5]["msg"] and "url is empty" in r[6]["msg"]
    assert r[8]["status"] == 401 and "Traceback" not in r[8]["msg"]
    assert r[11]["native"]["domain"] == "chat.example.com"
