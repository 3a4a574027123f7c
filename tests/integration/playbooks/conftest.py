"""A lab for the collection playbooks: one BIND primary for example.com and one Rocket.Chat API emulator per
workspace of the examples/ inventory, at the release that workspace's generation runs on.

The playbooks run with the examples/ inventory as it is; the tests only add connection facts (API URLs, the DNS
server and TSIG key, the nameservers a peer asks, the credentials the example keeps in its vault) in one extra-vars
file, and FEDOPS_STATE_DIR for the controller-side key and registration files.
"""
import json
import os
import re
import subprocess
import tempfile
import time

import dns.query
import dns.rdatatype
import dns.zone
import pytest

from tests.emulator.rocketchat.state import SEED_USERS
from tests.support.ansible_run import ansible_env
from tests.support.dnsutil import tsig_keyring
from tests.support.federation_lab import LabParts
from tests.support.paths import OUTPUT, REPO, venv_tool
from tests.support.pki import TestCA

INVENTORY = os.path.join(REPO, "examples", "inventory")
ZONE = "example.com"
# Workspace (inventory host) -> emulator release, per the generation its group runs.
RELEASES = {
    "legacy.example.com": "6.9",
    "bridge.example.com": "7.10",
    "native.example.com": "7.11",
    "native8.example.com": "8.6",
    "mixed.example.com": "7.10",
}
ADMIN = SEED_USERS[0]


class Run:
    """One ansible-playbook run: exit code, output and every task result (host, task, status, changed)."""

    def __init__(self, proc, records):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.records = records

    @property
    def output(self):
        return self.stdout + self.stderr

    def recap(self):
        """{host: changed count} from the PLAY RECAP."""
        tail = self.stdout.split("PLAY RECAP")[-1]
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+:.*?changed=(\d+)", tail, re.M)}

    def changed_by_task(self):
        """{(host, task, n): changed} where n counts repeats of a task name on a host."""
        seen = {}
        out = {}
        for rec in self.records:
            key = (rec["host"], rec["task"])
            seen[key] = seen.get(key, 0) + 1
            out[key + (seen[key],)] = bool(rec["result"].get("changed"))
        return out

    def changed_tasks(self, host=None):
        return sorted(k for k, v in self.changed_by_task().items() if v and (host is None or k[0] == host))


class Lab:
    def __init__(self, workdir, bind, emulators, fronts, ca_path):
        self.workdir = workdir
        self.bind = bind
        self.emulators = emulators  # host -> (server, url)
        self.fronts = fronts        # host -> its TLS front, where peers reach the workspace (the SRV target)
        self.ca_path = ca_path
        self.state_dir = os.path.join(workdir, "state")
        os.makedirs(self.state_dir)
        self.vars_file = os.path.join(workdir, "connection.json")
        self.runs = 0
        self.write_vars()

    def connection_vars(self):
        return {
            "fedops_lab_urls": {host: url for host, (_server, url) in self.emulators.items()},
            "federation_rocketchat_url": "{{ fedops_lab_urls[inventory_hostname] }}",
            "vault_rocketchat_user_id": ADMIN["_id"],
            "vault_rocketchat_auth_token": ADMIN["pats"][0][1],
            "federation_dns_rfc2136": {
                "server": self.bind.host, "port": self.bind.port, "key_name": self.bind.tsig_name,
                "key_algorithm": self.bind.tsig_algorithm, "key_secret": self.bind.tsig_secret},
            "federation_check_nameservers": ["%s:%d" % (self.bind.host, self.bind.port)],
            # A peer connects to the SRV target: here each workspace's TLS front, certificate from the lab CA.
            "fedops_lab_fronts": {host: "127.0.0.1:%d" % front.port for host, front in self.fronts.items()},
            "federation_check_resolve": "{{ {inventory_hostname: fedops_lab_fronts[inventory_hostname]} }}",
            "federation_check_ca_path": self.ca_path,
            # No homeserver answers for these workspaces here: the Matrix side is checked where Synapse runs.
            "federation_check_matrix": False,
        }

    def write_vars(self, extra=None):
        with open(self.vars_file, "w", encoding="utf-8") as handle:
            json.dump(dict(self.connection_vars(), **(extra or {})), handle)
        os.chmod(self.vars_file, 0o600)

    def store(self, host):
        return self.emulators[host][0].emulator.store

    def play(self, name, check=False, diff=False, limit=None, extra_vars=None, timeout=300):
        self.runs += 1
        results = os.path.join(self.workdir, "results-%d.jsonl" % self.runs)
        cmd = [venv_tool("ansible-playbook"), "-i", INVENTORY, "-e", "@" + self.vars_file, "-f", "5",
               "fedops.rocketchat." + name]
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if limit:
            cmd += ["--limit", limit]
        env = ansible_env({"FEDOPS_RESULTS_FILE": results, "FEDOPS_STATE_DIR": self.state_dir,
                           "ANSIBLE_PIPELINING": "1"})
        start = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                              cwd=self.workdir)
        # Wall time of each run, for the record (tests/output/playbooks-*/timings.jsonl); nothing asserts on it.
        with open(os.path.join(self.workdir, "timings.jsonl"), "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"playbook": name, "check": check, "limit": limit,
                                     "seconds": round(time.monotonic() - start, 1)}) + "\n")
        records = []
        if os.path.exists(results):
            with open(results, encoding="utf-8") as handle:
                records = [json.loads(line) for line in handle if line.strip()]
        return Run(proc, records)

    def zone(self):
        """Every RRset of the zone except the SOA (its serial counts updates), by AXFR."""
        keyring = tsig_keyring(self.bind)
        zone = dns.zone.from_xfr(dns.query.xfr(self.bind.host, ZONE, port=self.bind.port, keyring=keyring,
                                               keyname=self.bind.tsig_name, timeout=10, relativize=False),
                                 relativize=False)
        return sorted("%s %s" % (name, rdataset.to_text()) for name, node in zone.nodes.items()
                      for rdataset in node.rdatasets if rdataset.rdtype != dns.rdatatype.SOA)


@pytest.fixture(scope="module")
def lab():
    os.makedirs(OUTPUT, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="playbooks-", dir=OUTPUT)
    emulators = {}
    fronts = {}
    ca = TestCA(os.path.join(workdir, "pki"), common_name="fedops playbooks lab CA")
    cert = ca.issue("workspaces", list(RELEASES))
    parts = LabParts(workdir)
    try:
        bind = parts.bind((ZONE,), name="dns")
        for host, release in RELEASES.items():
            emulators[host] = server, _url = parts.workspace(release, insecure_legacy_federation=True)
            fronts[host] = parts.front("127.0.0.1", 0, cert, upstream=server.server_address[:2])
        yield Lab(workdir, bind, emulators, fronts, ca.cert_path)
    finally:
        parts.stop()
