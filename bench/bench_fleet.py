#!/usr/bin/env python
"""Benchmark a fleet: the federate and drift playbooks over N = 1, 10, 100 workspaces in one inventory.

Each workspace is one inventory host: a Rocket.Chat 7.10 workspace with legacy federation (four settings, the
public key read back, an SRV and the two-string key TXT in DNS). All their records live in one BIND zone.

The emulator serves the fleet from one process: one emulator instance per workspace (its own settings, request
log and rate-limit buckets) on its own loopback port, each in a thread of this benchmark's process. A workspace
looks to the playbooks exactly like a separate server; one process instead of 100 saves 100 interpreter start-ups
and keeps the counting exact (each instance's request log is read directly). The emulator itself is unchanged.

For each N and tool, on a fresh fleet and an empty zone:
  start      (fedops tools) the federate playbook with a host pattern that selects no workspace: what a run costs
             before its first workspace (ansible-playbook's start, the inventory, the collection), --repeats times
  first      federate on workspaces never applied (everything is written), once
  converged  federate again (nothing may change or be written), --repeats times (default 3)
  drift      the drift playbook (check mode + diff; must exit 0 and write nothing), --repeats times
Tools: fedops.rocketchat.federate / .drift (project venv; the role's fleet path: one controller step converges the
batch), fedops-tasks (the same with federation_fleet=false: one task per step and workspace, the API modules in the
controller process), fedops-module (federation_fleet=false and FEDOPS_ROCKETCHAT_IN_PROCESS=false: every module
task runs as a module), and the peer playbook bench/fleet/peer.yml.in
(ansible.builtin.uri + community.general.nsupdate, PyPI `ansible` in .venv-peers; its drift run is the same playbook
with --check --diff). Both with the same forks and the same ANSIBLE_* settings, in the same run, against the same
servers. The peer-side check of federate is off (federation_check: false): the peer playbook has no such step.

Counted per run: Rocket.Chat requests and writes (POST) from every instance's request log, DNS messages by opcode
from BIND's statistics channel, tasks per host from the play recap, wall time of the whole ansible-playbook run,
CPU seconds (user + system) of the whole ansible-playbook process tree (getrusage of the reaped children: the
workers are reaped by ansible-playbook, ansible-playbook by this script), the 1-minute load average at its start,
and the zone's SRV/TXT record count at the end of each tool's runs.

    nice -n 10 .venv/bin/python bench/bench_fleet.py [--sizes 1,10,100,1000:1] [--forks 25] [--repeats 3]
        [--tools fedops,fedops-tasks@100,fedops-module@10,peer] [--runs start,first,converged,drift]
    .venv/bin/python bench/bench_fleet.py --render bench/results/fleet.json   (the tables again, nothing run)

Writes bench/results/fleet.json and bench/results/fleet.md.
"""
import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import dns.query
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import dns.zone
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.emulator.rocketchat.server import serve_in_thread  # noqa: E402
from tests.emulator.rocketchat.state import SEED_USERS  # noqa: E402
from tests.support.bind import BindServer  # noqa: E402
from tests.support.paths import OUTPUT, ensure_collection_link  # noqa: E402

VENV = os.path.join(REPO, ".venv", "bin")
PEERS = os.path.join(REPO, ".venv-peers", "bin")
PEER_PLAYBOOK = os.path.join(REPO, "bench", "fleet", "peer.yml.in")   # a playbook; .in keeps it out of ansible-lint
ADMIN = SEED_USERS[0]
RELEASE = "7.10"
ZONES = {"fedops": "fleet-ours.test", "fedops-tasks": "fleet-tasks.test", "fedops-module": "fleet-module.test",
         "peer": "fleet-peer.test"}
# What federation_mode=legacy with federation_legacy_domain=<domain> sets on 7.10 (the federation module's mapping);
# the peer playbook sets exactly these.
SETTINGS = {"FEDERATION_Domain": None, "FEDERATION_Discovery_Method": "dns", "FEDERATION_Enabled": True,
            "Federation_Matrix_enabled": False}
RUNS = ("start", "first", "converged", "drift")
NO_WORKSPACE = "no_workspace_selected"   # the start run's host pattern: matches no host of the inventory
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


def host_name(index):
    return "ws%03d" % index


class Fleet:
    """N emulator instances in threads of this process, one per workspace."""

    def __init__(self, size, latency_ms):
        self.servers = []
        for _index in range(size):
            server, url = serve_in_thread(RELEASE, latency=latency_ms / 1000.0)
            self.servers.append((server, url))

    def urls(self, n):
        return [url for _server, url in self.servers[:n]]

    def reset(self, n):
        for server, _url in self.servers[:n]:
            server.emulator.store.reset()

    def clear_logs(self, n):
        for server, _url in self.servers[:n]:
            store = server.emulator.store
            with store.lock:
                store.log = []

    def logs(self, n):
        return [list(server.emulator.store.log) for server, _url in self.servers[:n]]

    def stop(self):
        # each shutdown waits for its server's poll interval: all at once, not one after the other
        stopping = [threading.Thread(target=server.shutdown) for server, _url in self.servers]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        for server, _url in self.servers:
            server.server_close()


def empty_zone(bind, zone):
    """Delete every name of the zone but its apex (SOA, NS stay): the zone as BindServer made it."""
    keyring = dns.tsigkeyring.from_text({bind.tsig_name: (bind.tsig_algorithm, bind.tsig_secret)})
    xfr = dns.zone.from_xfr(dns.query.xfr(bind.host, zone, port=bind.port, keyring=keyring, keyname=bind.tsig_name,
                                          timeout=10))
    names = [name for name in xfr.nodes if str(name) not in ("@",)]
    update = dns.update.UpdateMessage(zone, keyring=keyring, keyname=bind.tsig_name)
    for name in names:
        if str(name) != "ns":
            update.delete(name)
    if names:
        dns.query.tcp(update, bind.host, port=bind.port, timeout=10)


def zone_records(bind, zone):
    keyring = dns.tsigkeyring.from_text({bind.tsig_name: (bind.tsig_algorithm, bind.tsig_secret)})
    xfr = dns.zone.from_xfr(dns.query.xfr(bind.host, zone, port=bind.port, keyring=keyring, keyname=bind.tsig_name,
                                          timeout=10))
    return sum(1 for _name, node in xfr.nodes.items() for rds in node.rdatasets
               if rds.rdtype in (dns.rdatatype.SRV, dns.rdatatype.TXT))


def write_inventory(path, tool, urls, bind):
    zone = ZONES[tool]
    dns_server = {"server": bind.host, "port": bind.port, "key_name": bind.tsig_name,
                  "key_secret": bind.tsig_secret, "key_algorithm": bind.tsig_algorithm}
    hosts = {}
    for index, url in enumerate(urls, 1):
        hosts[host_name(index)] = {"fleet_url": url}
    common = {"ansible_connection": "local", "fleet_zone": zone, "fleet_domain": "{{ inventory_hostname }}." + zone}
    if tool.startswith("fedops"):
        common.update({
            "ansible_python_interpreter": os.path.join(VENV, "python"),
            "federation_mode": "legacy",
            "federation_rocketchat_url": "{{ fleet_url }}",
            "federation_rocketchat_user_id": ADMIN["_id"],
            "federation_rocketchat_auth_token": ADMIN["pats"][0][1],
            "federation_legacy_domain": "{{ fleet_domain }}",
            "federation_legacy_port": 443, "federation_legacy_priority": 1, "federation_legacy_weight": 1,
            "federation_dns_provider": "rfc2136",
            "federation_dns_zone": zone,
            "federation_dns_rfc2136": dns_server,
            "federation_check": False,
            "federation_fleet": tool == "fedops",
        })
    else:
        settings = dict(SETTINGS, FEDERATION_Domain="{{ fleet_domain }}")
        common.update({
            "ansible_python_interpreter": os.path.join(PEERS, "python"),
            "rc_url": "{{ fleet_url }}", "rc_user_id": ADMIN["_id"], "rc_auth_token": ADMIN["pats"][0][1],
            "rc_settings": settings, "fleet_dns": dns_server,
        })
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"vars": common, "hosts": hosts}}, handle, sort_keys=False)


def run_playbook(tool, run, inventory, forks, workdir):
    if tool.startswith("fedops"):
        cmd = [os.path.join(VENV, "ansible-playbook"), "-i", inventory,
               "fedops.rocketchat." + ("drift" if run == "drift" else "federate")]
        if run == "start":
            cmd += ["-e", "fedops_workspaces=" + NO_WORKSPACE]
        env_extra = {"ANSIBLE_COLLECTIONS_PATH": ensure_collection_link(), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
                     "FEDOPS_ROCKETCHAT_IN_PROCESS": "false" if tool == "fedops-module" else "true"}
    else:
        cmd = [os.path.join(PEERS, "ansible-playbook"), "-i", inventory, PEER_PLAYBOOK]
        if run == "drift":
            cmd += ["--check", "--diff"]
        env_extra = {}
    cmd += ["-f", str(forks)]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_HOST_KEY_CHECKING="0",
               ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"), HOME=os.path.join(workdir, "home"), **env_extra)
    env.pop("FEDOPS_RESULTS_FILE", None)
    load = os.getloadavg()[0]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=workdir, check=False)
    wall = time.monotonic() - started
    spent = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (spent.ru_utime - usage.ru_utime) + (spent.ru_stime - usage.ru_stime)
    return proc, wall, cpu, load


def measure(fleet, bind, tool, run, n, inventory, forks, workdir):
    fleet.clear_logs(n)
    before = bind.opcode_counts()
    proc, wall, cpu, load = run_playbook(tool, run, inventory, forks, workdir)
    after = bind.opcode_counts()
    logs = fleet.logs(n)
    recap = {m.group(1): [int(g) for g in m.groups()[1:]] for m in RECAP.finditer(proc.stdout.split("PLAY RECAP")[-1])}
    hosts = 0 if run == "start" else n
    ok = proc.returncode == 0 and len(recap) == hosts and not any(r[3] for r in recap.values())
    requests = sum(len(log) for log in logs)
    writes = sum(1 for log in logs for e in log if e["method"] == "POST")
    queries = after.get("QUERY", 0) - before.get("QUERY", 0)
    updates = after.get("UPDATE", 0) - before.get("UPDATE", 0)
    row = {
        "tool": tool, "run": run, "n": n, "forks": forks, "ok": ok, "rc": proc.returncode,
        "wall_s": round(wall, 2), "wall_per_workspace_s": round(wall / n, 3),
        "cpu_s": round(cpu, 2), "cpu_per_workspace_s": round(cpu / n, 3), "load_1m_at_start": round(load, 2),
        "rc_requests": requests, "rc_requests_per_workspace": round(requests / float(n), 2),
        "rc_writes": writes, "rc_429": sum(1 for log in logs for e in log if e["status"] == 429),
        "dns_queries": queries, "dns_updates": updates,
        "dns_messages_per_workspace": round((queries + updates) / float(n), 2),
        "changed_hosts": sum(1 for r in recap.values() if r[1] > 0),
        "tasks_per_host": round(sum(r[0] + r[4] for r in recap.values()) / float(max(len(recap), 1)), 1),
        "tasks_run_per_host": round(sum(r[0] for r in recap.values()) / float(max(len(recap), 1)), 1),
        "writes_total": writes + updates,
    }
    if not ok:
        row["error"] = (proc.stdout[-1500:] + proc.stderr[-1500:]).strip()
    return row


def expected(row):
    """The invariants each run must meet (a failed run is reported, never hidden)."""
    if row["run"] == "start":
        return row["ok"] and row["rc_requests"] == 0 and row["writes_total"] == 0
    if row["run"] == "first":
        return row["ok"] and row["changed_hosts"] == row["n"]
    # converged and drift: nothing changed, nothing written; the peer's nsupdate reads with prerequisite-only
    # UPDATE messages (BIND counts them as UPDATE), so for it only Rocket.Chat writes and changes count.
    no_dns_writes = row["dns_updates"] == 0 if row["tool"].startswith("fedops") else True
    return row["ok"] and row["changed_hosts"] == 0 and row["rc_writes"] == 0 and no_dns_writes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--tools", default="fedops,peer")
    parser.add_argument("--runs", default=",".join(RUNS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--output", default=os.path.join(REPO, "bench", "results"))
    parser.add_argument("--render", metavar="FLEET_JSON",
                        help="write fleet.md and fleet.json again from the rows of an earlier run, run nothing")
    args = parser.parse_args(argv)
    if args.render:
        with open(args.render, encoding="utf-8") as handle:
            earlier = json.load(handle)
        meta = earlier["meta"]
        args.forks, args.latency_ms = meta["forks"], meta["latency_ms"]
        write_results(earlier["rows"], args, meta["load_1_5_15_before"], meta["load_1_5_15_after"], quiet=True,
                      date=meta["date"])
        return 0
    # "N:R" runs the converged and drift runs of size N R times instead of --repeats (a long N=1000 run once)
    repeats = dict((int(s.split(":")[0]), int(s.split(":")[1]) if ":" in s else args.repeats)
                   for s in args.sizes.split(","))
    sizes = sorted(repeats)
    # "tool@N" limits a tool to fleets of at most N workspaces (fedops-module@10: the module path for comparison)
    limits = dict((t.split("@")[0], int(t.split("@")[1]) if "@" in t else None) for t in args.tools.split(","))
    tools = list(limits)
    if "peer" in tools and not os.path.exists(os.path.join(PEERS, "ansible-playbook")):
        sys.exit("missing .venv-peers: run scripts/bootstrap.sh peers")
    os.makedirs(OUTPUT, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="bench-fleet-", dir=OUTPUT)
    os.makedirs(os.path.join(workdir, "home"))
    load_before = os.getloadavg()
    rows = []
    fleet = Fleet(max(sizes), args.latency_ms)
    try:
        with BindServer(os.path.join(workdir, "bind"), zones=sorted(set(ZONES.values()))) as bind:
            bind.start()
            for n in sizes:
                for tool in tools:
                    if limits[tool] is not None and n > limits[tool]:
                        continue
                    fleet.reset(n)
                    empty_zone(bind, ZONES[tool])
                    inventory = os.path.join(workdir, "inventory-%s-%d.yml" % (tool, n))
                    write_inventory(inventory, tool, fleet.urls(n), bind)
                    plan = [(run, repeat) for run in args.runs.split(",")
                            if run != "start" or tool.startswith("fedops")
                            for repeat in range(1 if run == "first" else repeats[n])]
                    for run, repeat in plan:
                        row = measure(fleet, bind, tool, run, n, inventory, args.forks, workdir)
                        row["repeat"] = repeat + 1
                        row["as_expected"] = expected(row)
                        rows.append(row)
                        print("N=%-4d %-13s %-9s ok=%-5s wall=%6.1fs cpu=%6.1fs load=%5.2f req/ws=%5.2f writes=%-3d dns/ws=%5.2f "
                              "upd=%-3d tasks/host=%s changed=%d%s" % (
                                  n, tool, run, row["ok"], row["wall_s"], row["cpu_s"], row["load_1m_at_start"],
                                  row["rc_requests_per_workspace"],
                                  row["rc_writes"], row["dns_messages_per_workspace"], row["dns_updates"],
                                  row["tasks_per_host"], row["changed_hosts"],
                                  "" if row["as_expected"] else "  ** NOT AS EXPECTED **"), flush=True)
                        if not row["ok"]:
                            print(row["error"][-2000:], flush=True)
                    records = zone_records(bind, ZONES[tool])
                    rows[-1]["zone_records_at_end"] = records
                    if records != 2 * n:
                        print("N=%d %s: zone holds %d SRV/TXT RRsets, expected %d" % (n, tool, records, 2 * n))
                        rows[-1]["as_expected"] = False
                # results so far, so that an interrupted run still leaves its numbers
                write_results(rows, args, load_before, os.getloadavg(), quiet=True)
    finally:
        fleet.stop()
    load_after = os.getloadavg()
    write_results(rows, args, load_before, load_after)
    return 0 if all(r["as_expected"] for r in rows) else 1


def spread(rows, tool, n, run, key):
    """(min, median, max) of ``key`` over the repeats of one tool/N/run, or None."""
    values = [r[key] for r in rows if r["tool"] == tool and r["n"] == n and r["run"] == run]
    if not values:
        return None
    return min(values), statistics.median(values), max(values)


def ratio(rows, n, run, key):
    ours = spread(rows, "fedops", n, run, key)
    peer = spread(rows, "peer", n, run, key)
    if not ours or not peer or not ours[1]:
        return None
    return round(peer[1] / float(ours[1]), 2)


def summary(rows):
    """Per tool, N and run: min/median/max of wall and CPU seconds, and CPU per workspace (median)."""
    out = []
    for tool in sorted(set(r["tool"] for r in rows)):
        for n in sorted(set(r["n"] for r in rows)):
            for run in RUNS:
                wall = spread(rows, tool, n, run, "wall_s")
                if wall is None:
                    continue
                cpu = spread(rows, tool, n, run, "cpu_s")
                loads = [r["load_1m_at_start"] for r in rows if r["tool"] == tool and r["n"] == n and r["run"] == run]
                out.append({"tool": tool, "n": n, "run": run, "runs": len(loads), "wall_s": wall, "cpu_s": cpu,
                            # a start run selects no workspace: its CPU is the run's, not a workspace's
                            "cpu_per_workspace_s": None if run == "start" else round(cpu[1] / float(n), 3),
                            "load_1m_at_start": loads})
    return out


def linearity(stats):
    """Per tool and run, between consecutive N, how the CPU per workspace changes (medians; linear: within 25 %):
    - as measured: the run's CPU / N. A run's fixed cost (ansible-playbook's start, the inventory, the collection)
      weighs on it at small N, so it falls as that cost is shared by more workspaces;
    - net of the start: (the run's CPU - the start run's CPU at the same N) / N, what the workspaces themselves cost;
    - marginal: (CPU at the larger N - CPU at the smaller) / the workspaces added, and its change from the interval
      before."""
    per_workspace, net, marginal = {}, {}, {}
    for tool in sorted(set(s["tool"] for s in stats)):
        start = dict((s["n"], s["cpu_s"][1]) for s in stats if s["tool"] == tool and s["run"] == "start")
        for run in ("first", "converged", "drift"):
            cpu = dict((s["n"], s["cpu_s"][1]) for s in stats if s["tool"] == tool and s["run"] == run)
            sizes = sorted(cpu)
            for lo, hi in zip(sizes, sizes[1:]):
                key = "%s/%s/%d->%d" % (tool, run, lo, hi)
                per_workspace[key] = percent(cpu[lo] / float(lo), cpu[hi] / float(hi))
                marginal[key] = round((cpu[hi] - cpu[lo]) / float(hi - lo), 3)
                if lo in start and hi in start:
                    net_lo, net_hi = (cpu[lo] - start[lo]) / float(lo), (cpu[hi] - start[hi]) / float(hi)
                    net[key] = {"from_s": round(net_lo, 3), "to_s": round(net_hi, 3),
                                "change_percent": percent(net_lo, net_hi)}
    change = {}
    for key, value in marginal.items():
        tool, run, span = key.split("/")
        lo = int(span.split("->")[0])
        before = [v for k, v in marginal.items() if k.startswith("%s/%s/" % (tool, run)) and k.endswith("->%d" % lo)]
        if before and before[0] > 0:
            change[key] = percent(before[0], value)
    return {"cpu_per_workspace_change_percent": per_workspace, "net_of_start_cpu_per_workspace": net,
            "marginal_cpu_per_workspace_s": marginal, "marginal_change_percent": change}


def signed(value):
    return "-" if value is None else "%+.1f %%" % value


def percent(before, after):
    return round(100.0 * (after - before) / before, 1) if before else None


def write_results(rows, args, load_before, load_after, quiet=False, date=None):
    os.makedirs(args.output, exist_ok=True)
    sizes = sorted(set(r["n"] for r in rows))
    comparison = {}
    for n in sizes:
        for run in ("first", "converged", "drift"):
            comparison["%d/%s" % (n, run)] = {
                "wall_ratio": ratio(rows, n, run, "wall_s"),
                "rc_request_ratio": ratio(rows, n, run, "rc_requests"),
                "dns_message_ratio": ratio(rows, n, run, "dns_messages_per_workspace"),
            }
    growth = {}
    for tool in ("fedops", "peer"):
        for run in ("first", "converged", "drift"):
            by_n = {}
            for n in sorted(set(r["n"] for r in rows)):
                wall = spread(rows, tool, n, run, "wall_s")
                if wall:
                    by_n[n] = wall[1]
            if len(by_n) >= 2:
                lo, hi = min(by_n), max(by_n)
                growth["%s/%s" % (tool, run)] = {
                    "wall_by_n": by_n,
                    "marginal_s_per_workspace": round((by_n[hi] - by_n[lo]) / float(hi - lo), 3),
                    "fixed_s": round(by_n[lo] - lo * (by_n[hi] - by_n[lo]) / float(hi - lo), 2),
                }
    stats = summary(rows)
    linear = linearity(stats)
    goal = {}
    for run in ("drift", "converged"):
        wall = spread(rows, "fedops", 100, run, "wall_s")
        clean = all(r["ok"] and r["writes_total"] == 0 for r in rows
                    if r["tool"] == "fedops" and r["n"] == 100 and r["run"] == run)
        goal["%s over 100 workspaces under 20 s (median) with zero writes" % run] = bool(wall) and clean and \
            wall[1] < 20
    first = spread(rows, "fedops", 100, "first", "wall_s")
    goal["first federate over 100 workspaces under 30 s"] = bool(first) and first[1] < 30
    meta = {"date": date or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "python": platform.python_version(),
            "cpus": os.cpu_count(), "forks": args.forks, "latency_ms": args.latency_ms, "release": RELEASE,
            "load_1_5_15_before": [round(x, 2) for x in load_before],
            "load_1_5_15_after": [round(x, 2) for x in load_after],
            "workload": "legacy federation per workspace: 4 settings, public key read, SRV + 2-string TXT"}
    with open(os.path.join(args.output, "fleet.json"), "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "rows": rows, "summary": stats, "cpu_linearity": linear,
                   "comparison": comparison, "growth": growth, "goal": goal}, handle,
                  indent=1)
        handle.write("\n")
    lines = [
        "# Fleet benchmark: federate and drift over N workspaces",
        "",
        "Generated by `bench/bench_fleet.py` on %s (%d CPUs, Python %s, forks %d, load average before %s, after %s). "
        "Each workspace is one inventory host: Rocket.Chat %s (API emulator, one instance per workspace on its own "
        "port, %g ms of server-side work per call) with legacy federation: 4 settings, the public key read back, "
        "SRV + two-string key TXT in one BIND 9 zone for the whole fleet. Requests from the emulator's request logs, "
        "DNS messages from BIND's statistics channel; wall time of the whole `ansible-playbook` run. fedops = "
        "`fedops.rocketchat.federate` / `drift` (peer-side check off); peer = `bench/fleet/peer.yml.in` "
        "(`ansible.builtin.uri` + `community.general.nsupdate`; drift = the same with `--check --diff`)."
        % (meta["date"], meta["cpus"], meta["python"], args.forks, meta["load_1_5_15_before"],
           meta["load_1_5_15_after"], RELEASE, args.latency_ms),
        "",
        "Repeated runs: min / median / max (CPU = user + system seconds of the whole ansible-playbook process "
        "tree; load = 1-minute load average at the start of each run, on a machine shared with other work):",
        "",
        "| N | tool | run | runs | wall min / median / max (s) | CPU min / median / max (s) | CPU per workspace "
        "(s, median) | load at start |",
        "|---:|---|---|---:|---|---|---:|---|",
    ]
    for st in stats:
        lines.append("| %d | %s | %s | %d | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %s | %s |" % (
            st["n"], st["tool"], st["run"], st["runs"], st["wall_s"][0], st["wall_s"][1], st["wall_s"][2],
            st["cpu_s"][0], st["cpu_s"][1], st["cpu_s"][2],
            "-" if st["cpu_per_workspace_s"] is None else "%.3f" % st["cpu_per_workspace_s"],
            ", ".join("%.1f" % x for x in st["load_1m_at_start"])))
    if linear["marginal_cpu_per_workspace_s"]:
        lines += ["", "CPU per workspace from one N to the next (medians; linear: within 25 %): as measured (the run's "
                  "CPU / N), net of the start run at the same N ((the run's CPU - the start's) / N: what the "
                  "workspaces themselves cost, without ansible-playbook's own start), and the marginal CPU (CPU "
                  "difference / workspaces added) with its change from the interval before:", "",
                  "| tool / run / N | as measured: change | net of the start (s) | net: change | marginal (s) "
                  "| marginal: change |",
                  "|---|---:|---:|---:|---:|---:|"]
        for key, value in linear["marginal_cpu_per_workspace_s"].items():
            net = linear["net_of_start_cpu_per_workspace"].get(key)
            lines.append("| %s | %s | %s | %s | %.3f | %s |" % (
                key, signed(linear["cpu_per_workspace_change_percent"].get(key)),
                "%.3f -> %.3f" % (net["from_s"], net["to_s"]) if net else "-",
                signed(net["change_percent"]) if net else "-", value,
                signed(linear["marginal_change_percent"].get(key))))
    lines += [
        "",
        "Every run:",
        "",
        "| N | tool | run | # | result | wall (s) | CPU (s) | load | RC requests / ws | RC writes | 429s "
        "| DNS QUERY | DNS UPDATE | DNS messages / ws | tasks per host (run + skipped) | hosts changed | zone records |",
        "|---:|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append("| %d | %s | %s | %d | %s | %.1f | %.1f | %.2f | %.2f | %d | %d | %d | %d | %.2f | %s (%s + %s) "
                     "| %d | %s |" % (  # noqa: E128
            r["n"], r["tool"], r["run"], r.get("repeat", 1), "ok" if r["as_expected"] else "**not as expected**",
            r["wall_s"], r.get("cpu_s", 0), r.get("load_1m_at_start", 0),
            r["rc_requests_per_workspace"], r["rc_writes"], r["rc_429"],
            r["dns_queries"], r["dns_updates"], r["dns_messages_per_workspace"], r["tasks_per_host"],
            r["tasks_run_per_host"], round(r["tasks_per_host"] - r["tasks_run_per_host"], 1), r["changed_hosts"],
            r.get("zone_records_at_end", "")))
    lines += ["", "Peer divided by fedops (higher: fedops is cheaper; medians of the repeated runs; the request "
              "and message columns are counts and do not vary between runs).", "",
              "| N | run | wall time | RC requests | DNS messages |", "|---:|---|---:|---:|---:|"]
    for key, comp in comparison.items():
        n, run = key.split("/")
        lines.append("| %s | %s | %s | %s | %s |" % (n, run, *[
            ("%.2fx" % comp[k]) if comp[k] is not None else "-"
            for k in ("wall_ratio", "rc_request_ratio", "dns_message_ratio")]))
    lines += ["", "Growth with N (straight line through the smallest and largest N):", "",
              "| tool / run | wall by N (s) | marginal s per workspace | fixed s per run |", "|---|---|---:|---:|"]
    for key, g in growth.items():
        wall = ", ".join("%d: %.1f" % kv for kv in sorted(g["wall_by_n"].items()))
        lines.append("| %s | %s | %.3f | %.2f |" % (key, wall, g["marginal_s_per_workspace"], g["fixed_s"]))
    lines += ["", "| goal | met |", "|---|---|"]
    for name, met in goal.items():
        lines.append("| %s | %s |" % (name, "yes" if met else "**no**"))
    notes = os.path.join(REPO, "bench", "fleet", "notes.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as handle:
            lines += ["", handle.read().strip()]
    with open(os.path.join(args.output, "fleet.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    if not quiet:
        print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
