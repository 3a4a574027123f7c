"""federation_dns, federation_check and federation_probe in the controller process (action plugins over
plugin_utils/_in_process.py) and as modules (FEDOPS_ROCKETCHAT_IN_PROCESS=false): the same tasks against the same
BIND give the same results and send the same messages."""
import json

from tests.support.ansible_run import run_tasks
from tests.support.procs import free_port

from .conftest import KEY_1

DOMAIN = "inproc.fed.test"
# timings, and the random id of each DNS message
VARYING = ("duration_ms", "round_trip_ms", "elapsed_ms", "stats", "seconds", "message_id")


def tasks(server):
    dns_args = {
        "provider": "rfc2136", "zone": "fed.test", "ttl": 300,
        "rfc2136": {"server": server.host, "port": server.port, "key_name": server.tsig_name,
                    "key_secret": server.tsig_secret, "key_algorithm": server.tsig_algorithm},
        "legacy": {"domain": DOMAIN, "target": "chat." + DOMAIN, "public_key": KEY_1},
    }
    closed = "127.0.0.1:%d" % free_port()

    def t(name, module, args, **extra):
        entry = {"name": name, "fedops.rocketchat." + module: args, "ignore_errors": True}
        entry.update(extra)
        return entry

    return [
        t("dns check", "federation_dns", dns_args, check_mode=True, diff=True),
        t("dns apply", "federation_dns", dns_args, diff=True),
        t("dns again", "federation_dns", dns_args),
        t("dns absent", "federation_dns", dict(dns_args, state="absent")),
        t("dns bad provider", "federation_dns", dict(dns_args, provider="bind")),
        t("dns no key secret", "federation_dns", dict(dns_args, rfc2136=dict(dns_args["rfc2136"], key_secret=""))),
        t("check closed port", "federation_check", {
            "server_name": DOMAIN, "nameservers": [server.host],
            "resolve": {DOMAIN + ":8448": closed}, "fail_on_error": False, "timeout": 2}),
        t("check bad option", "federation_check", {"server_name": DOMAIN, "colour": "red"}),
        t("probe check mode", "federation_probe", {
            "local": {"homeserver_url": "http://" + closed, "access_token": "probe-token-secret-1"},
            "remote": {"homeserver_url": "http://" + closed, "access_token": "probe-token-secret-2"}},
          check_mode=True),
    ]


def normal(value):
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items() if k not in VARYING and k != "exception"}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def test_in_process_equals_module(bind_server):
    play = tasks(bind_server)
    module = run_tasks(play, verbosity=3, env={"FEDOPS_ROCKETCHAT_IN_PROCESS": "false"})
    local = run_tasks(play, verbosity=3)
    assert len(local.records) == len(module.records) == len(play), local.output[-3000:]
    assert "AnsiballZ_federation_dns.py" in module.output and "AnsiballZ_" not in local.output
    for ours, theirs in zip(local.records, module.records):
        assert (ours["status"], normal(ours["result"])) == (theirs["status"], normal(theirs["result"])), \
            json.dumps([ours, theirs], indent=1, default=str)[:6000]
    r = local.results
    assert r[0]["changed"] and r[1]["changed"] and not r[2]["changed"] and r[3]["changed"]
    assert [rec["status"] for rec in local.records][4:6] == ["failed", "failed"]
    assert "Unsupported parameters for (fedops.rocketchat.federation_check) module: colour" in r[7]["msg"]
    assert "probe-token-secret" not in local.output
