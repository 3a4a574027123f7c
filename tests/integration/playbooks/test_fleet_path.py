"""The federation role's fleet path (fedops.rocketchat.federation_fleet) against four Rocket.Chat 7.10 workspaces and
one BIND zone: each workspace gets the result it gets from the per-host tasks (federation_fleet=false), with
--check, --diff, --limit, serial, a wrong token on one workspace, a server error on another and a concurrent edit
of one workspace's records; the writes of a batch go out in one DNS UPDATE.

BIND is reached through a DNS relay that counts the messages by opcode and runs the concurrent edit between the
fleet step's reads and its UPDATE.
"""
import json
import os
import subprocess

import dns.message
import dns.query
import dns.rdatatype
import dns.update
import pytest

from tests.emulator.rocketchat.server import serve_in_thread
from tests.emulator.rocketchat.state import SEED_USERS
from tests.support.ansible_run import ansible_env
from tests.support.dns_relay import DNSRelay
from tests.support.dnsutil import tsig_keyring
from tests.support.paths import PYTHON, scratch_dir, venv_tool

ZONE = "auto.test"
HOSTS = ["ws1", "ws2", "ws3", "ws4"]
ADMIN = SEED_USERS[0]
MESSAGES = {}   # fleet path (True/False) -> {host: failure message}, for the wrong token / server error test
SERIAL_PLAY = [{"name": "Federate two workspaces at a time", "hosts": "all", "gather_facts": False, "serial": 2,
                "roles": [{"role": "fedops.rocketchat.federation"}]}]


class Fleet:
    def __init__(self, bind, workdir):
        self.bind = bind
        self.workdir = workdir
        self.relay = DNSRelay((bind.host, bind.port)).start()
        self.servers = dict((host, serve_in_thread("7.10")) for host in HOSTS)
        self.runs = 0

    def stop(self):
        self.relay.stop()
        for server, _url in self.servers.values():
            server.shutdown()
            server.server_close()

    def store(self, host):
        return self.servers[host][0].emulator.store

    def reset(self):
        self.bind.reset_zones()
        for host in HOSTS:
            self.store(host).reset()
            self.servers[host][0].emulator.faults = []
        self.clear()

    def clear(self):
        self.relay.seen = []
        for host in HOSTS:
            with self.store(host).lock:
                self.store(host).log = []

    def writes(self, host):
        return [e["route"] for e in self.store(host).log if e["method"] == "POST"]

    def updates(self):
        return self.relay.seen.count("UPDATE")

    def inventory(self, fleet, host_vars=None):
        hosts = {}
        for host in HOSTS:
            hosts[host] = dict({"federation_rocketchat_url": self.servers[host][1],
                                "federation_legacy_domain": "%s.%s" % (host, ZONE)}, **(host_vars or {}).get(host, {}))
        common = {
            "ansible_connection": "local", "ansible_python_interpreter": PYTHON,
            "federation_fleet": fleet, "federation_mode": "legacy", "federation_check": False,
            "federation_rocketchat_user_id": ADMIN["_id"], "federation_rocketchat_auth_token": ADMIN["pats"][0][1],
            "federation_rocketchat_timeout": 5,
            "federation_dns_provider": "rfc2136", "federation_dns_zone": ZONE,
            "federation_dns_rfc2136": {"server": self.relay.host, "port": self.relay.port,
                                       "key_name": self.bind.tsig_name, "key_secret": self.bind.tsig_secret,
                                       "key_algorithm": self.bind.tsig_algorithm},
        }
        path = os.path.join(self.workdir, "inventory-%d.json" % self.runs)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"all": {"vars": common, "hosts": hosts}}, handle)
        return path

    def play(self, playbook="fedops.rocketchat.federate", fleet=True, check=False, diff=False, limit=None,
             host_vars=None):
        self.runs += 1
        results = os.path.join(self.workdir, "results-%d.jsonl" % self.runs)
        if isinstance(playbook, list):
            path = os.path.join(self.workdir, "play-%d.json" % self.runs)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(playbook, handle)
            playbook = path
        cmd = [venv_tool("ansible-playbook"), "-i", self.inventory(fleet, host_vars), playbook, "-f", "4"]
        cmd += (["--check"] if check else []) + (["--diff"] if diff else []) + (["--limit", limit] if limit else [])
        proc = subprocess.run(cmd, env=ansible_env({"FEDOPS_RESULTS_FILE": results}), capture_output=True, text=True,
                              timeout=300, check=False, cwd=self.workdir)
        records = []
        if os.path.exists(results):
            with open(results, encoding="utf-8") as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        return Outcome(proc, records)

    def records_in_zone(self):
        keyring = tsig_keyring(self.bind)
        found = []
        for host in HOSTS:
            for name, rtype in (("_rocketchat._https.%s.%s." % (host, ZONE), "SRV"),
                                ("rocketchat-public-key.%s.%s." % (host, ZONE), "TXT")):
                answer = dns.query.tcp(_query(name, rtype, keyring, self.bind.tsig_name), self.bind.host,
                                       port=self.bind.port, timeout=5)
                if answer.answer:
                    found.append((host, rtype))
        return found


def _query(name, rtype, keyring, keyname):
    message = dns.message.make_query(name, rtype)
    message.use_tsig(keyring, keyname=keyname)
    return message


class Outcome:
    def __init__(self, proc, records):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.records = records

    def failed(self):
        """{host: the message of the task that failed it (of its failed loop item)}."""
        out = {}
        for record in self.records:
            if record["status"] == "failed":
                result = record["result"]
                items = [i.get("msg", "") for i in result.get("results", []) if isinstance(i, dict) and i.get("failed")]
                out[record["host"]] = " ".join(items) or result.get("msg", "")
        return out

    def changes(self):
        """{host: federation_changes} as the role's summary set them."""
        return dict((r["host"], r["result"]["ansible_facts"]["federation_changes"]) for r in self.records
                    if r["task"].endswith("Collect what changed") and r["status"] == "ok")

    def changed_hosts(self):
        return sorted(set(r["host"] for r in self.records if r["result"].get("changed")))


@pytest.fixture(scope="module")
def fleet(bind_server):
    lab = Fleet(bind_server, scratch_dir("fleet-path"))
    yield lab
    lab.stop()


def test_check_mode_predicts_the_real_run_per_host_and_one_update_writes_the_batch(fleet):
    fleet.reset()
    per_host = fleet.play(fleet=False, check=True, diff=True)
    predicted = fleet.play(check=True, diff=True)
    assert predicted.rc == 0 and per_host.rc == 0, predicted.output[-3000:]
    assert not any(fleet.writes(h) for h in HOSTS) and fleet.updates() == 0 and fleet.records_in_zone() == []
    # The fleet path predicts what the per-host tasks predict, workspace by workspace.
    assert predicted.changes() == per_host.changes()
    assert sorted(predicted.changes()) == HOSTS and all(len(c) == 4 for c in predicted.changes().values())
    assert "+_rocketchat._https.ws3.auto.test." in predicted.output      # the zone diff of --diff
    fleet.clear()
    real = fleet.play()
    assert real.rc == 0, real.output[-3000:]
    assert real.changes() == predicted.changes()
    assert fleet.updates() == 1                                         # four workspaces, one UPDATE
    assert len(fleet.records_in_zone()) == 8
    fleet.clear()
    again = fleet.play()
    assert again.rc == 0 and again.changed_hosts() == [] and fleet.updates() == 0
    assert not any(fleet.writes(h) for h in HOSTS)


def test_limit_and_serial_converge_only_their_hosts(fleet):
    fleet.reset()
    limited = fleet.play(limit="ws2")
    assert limited.rc == 0, limited.output[-3000:]
    assert [h for h in HOSTS if fleet.writes(h)] == ["ws2"]
    assert fleet.records_in_zone() == [("ws2", "SRV"), ("ws2", "TXT")]
    fleet.clear()
    batches = fleet.play(SERIAL_PLAY)
    assert batches.rc == 0, batches.output[-3000:]
    assert [h for h in HOSTS if fleet.writes(h)] == ["ws1", "ws3", "ws4"]
    assert sorted(batches.changes()) == HOSTS and batches.changes()["ws2"] == []
    # One converge step per batch: ws1 alone in the first (ws2 was done), ws3 and ws4 together in the second.
    assert fleet.updates() == 2
    assert len(fleet.records_in_zone()) == 8


@pytest.mark.parametrize("fleet_path", [False, True], ids=["per-host", "fleet"])
def test_a_wrong_token_and_a_server_error_fail_only_their_workspaces(fleet, fleet_path):
    fleet.reset()
    fleet.servers["ws3"][0].emulator.faults = [{"path": "/api/v1/settings", "action": "status", "status": 500,
                                                "times": 100}]
    run = fleet.play(fleet=fleet_path, host_vars={"ws1": {"federation_rocketchat_auth_token": "not-the-token"}})
    assert run.rc != 0
    failed = run.failed()
    assert sorted(failed) == ["ws1", "ws3"], run.output[-3000:]
    assert "rejected the credentials" in failed["ws1"] or "401" in failed["ws1"], failed["ws1"]
    assert "500" in failed["ws3"], failed["ws3"]
    MESSAGES.setdefault(fleet_path, failed)
    if len(MESSAGES) == 2:   # the fleet path fails each workspace with the per-host task's message
        assert all(MESSAGES[False][h] in MESSAGES[True][h] for h in ("ws1", "ws3")), MESSAGES
    assert [h for h in HOSTS if fleet.writes(h)] == ["ws2", "ws4"]
    assert sorted(set(h for h, _t in fleet.records_in_zone())) == ["ws2", "ws4"]
    assert sorted(run.changes()) == ["ws2", "ws4"]


def test_a_concurrent_edit_fails_only_the_workspace_it_touched(fleet):
    fleet.reset()
    keyring = tsig_keyring(fleet.bind)

    def someone_else_writes_ws2():
        update = dns.update.UpdateMessage(ZONE, keyring=keyring, keyname=fleet.bind.tsig_name)
        update.add("rocketchat-public-key.ws2", 300, "TXT", '"written by someone else"')
        dns.query.tcp(update, fleet.bind.host, port=fleet.bind.port, timeout=5)

    fleet.relay.before_update = someone_else_writes_ws2
    run = fleet.play()
    assert run.rc != 0
    failed = run.failed()
    assert list(failed) == ["ws2"], run.output[-3000:]
    assert "changed between the read and the write" in failed["ws2"]
    # The combined UPDATE was refused; each workspace's own was sent: three written, ws2's records left alone.
    assert fleet.updates() == 1 + 4
    assert sorted(h for h, _t in fleet.records_in_zone()) == ["ws1", "ws1", "ws2", "ws3", "ws3", "ws4", "ws4"]
    fleet.clear()
    rerun = fleet.play()
    assert rerun.rc == 0, rerun.output[-3000:]
    assert rerun.changed_hosts() == ["ws2"] and len(fleet.records_in_zone()) == 8


@pytest.mark.parametrize("fleet_path", [False, True], ids=["per-host", "fleet"])
def test_a_bad_variable_fails_only_its_workspace_before_any_write(fleet, fleet_path):
    fleet.reset()
    run = fleet.play(fleet=fleet_path, host_vars={"ws2": {"federation_legacy_port": "https"},
                                                  "ws4": {"federation_legacy_domain": ""}})
    assert run.rc != 0
    failed = run.failed()
    assert sorted(failed) == ["ws2", "ws4"], run.output[-3000:]
    # ws2 breaks the role's argument spec (the role's own check: the playbook leaves Ansible's out), ws4 a rule.
    assert failed["ws2"].startswith("Validation of arguments failed") and "federation_legacy_port" in failed["ws2"]
    assert "federation_legacy_domain is required for legacy federation" in failed["ws4"]
    assert "Validating arguments against arg spec" not in run.output
    assert [h for h in HOSTS if fleet.writes(h)] == ["ws1", "ws3"]
    assert sorted(set(h for h, _t in fleet.records_in_zone())) == ["ws1", "ws3"]
