#!/usr/bin/env python
"""Benchmark fedops.rocketchat.federation against the ansible.builtin.uri way of setting Rocket.Chat settings.

Workloads (Rocket.Chat emulator, one per release, on loopback, with --latency-ms of server-side work per call):
  bridge  - the full Matrix bridge configuration on 7.10 (12 settings; bulk write through method.call/saveSettings)
  native  - native federation on 8.6 (11 settings; bulk write through POST /api/v1/settings)

For each workload, tool and user, two runs in a row: "first" (everything differs) and "converged" (nothing
does). Tools: fedops.rocketchat.federation (bench/settings/fedops.yml) and a uri playbook doing GET then POST per
setting as users write it today (bench/settings/uri_baseline.yml). Users: an admin PAT (exempt from rate
limits) and a non-admin PAT whose role may edit settings but is rate-limited (10 calls per window per route,
Rocket.Chat's default; --rate-window-ms, default 60000 as in Rocket.Chat).

HTTP requests, writes, 429 answers and distinct TCP connections are counted from the emulator's request log;
"API time" is first to last request of the run, "wall" the whole ansible-playbook run.

    .venv/bin/python bench/bench_settings.py [--rate-window-ms 60000] [--latency-ms 10] [--workloads bridge,native]

Writes bench/results/settings.json and bench/results/settings.md.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.support.paths import OUTPUT, PYTHON, ensure_collection_link  # noqa: E402
from tests.support.procs import ServerProcess, free_port, tcp_open  # noqa: E402

import urllib.request  # noqa: E402  pylint: disable=wrong-import-order

ADMIN = ("rcadmin0000000001", "admin-pat-bypass-2fa-0000000000000000000000001")
NON_ADMIN = ("rcops000000000001", "ops-pat-bypass-2fa-000000000000000000000000001")

WORKLOADS = {
    "bridge": {"version": "7.10", "intent": {"mode": "matrix_bridge", "matrix_bridge": {
        "homeserver_url": "https://matrix.example.com", "homeserver_domain": "example.com",
        "bridge_url": "http://rocketchat:3300", "bridge_localpart": "rocket.cat.bridge",
        "appservice_id": "rocketchat_example", "hs_token": "hs" + "3a" * 23, "as_token": "as" + "c7" * 23,
        "enable_ephemeral_events": True, "serve_well_known": False, "max_public_room_users": 250}}},
    "native": {"version": "8.6", "intent": {"mode": "native", "native": {
        "domain": "chat.example.com", "allow_list": ["*.example.org", "*.partner.example"],
        "max_public_room_size": 250, "edu_typing": True, "edu_presence": True, "edu_receipts": True,
        "join_encrypted_rooms": True, "join_non_private_rooms": True, "validate_user_domain": True}}},
}


def intent_settings(intent, version):
    """The settings the intent maps to on that release (what the uri playbook must set to do the same job)."""
    from tests.conftest import _install_collection_finder  # noqa: F401  pylint: disable=import-outside-toplevel
    from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._federation import (  # noqa: E402
        desired_settings)
    from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import RocketChatVersion

    desired, _secrets, _warnings = desired_settings(intent["mode"], dict(intent, disable_other_modes=True),
                                                    RocketChatVersion(version))
    return desired


class Emulator(ServerProcess):
    name = "rocketchat-bench"

    def __init__(self, workdir, version, window_ms, latency_ms):
        super().__init__(workdir)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.cmd = [PYTHON, "-m", "tests.emulator.rocketchat", "--version", version, "--port", str(self.port),
                    "--quiet", "--rate-limit-window-ms", str(window_ms), "--latency-ms", str(latency_ms),
                    "--deployment-id", "bench-%s" % version]

    def start(self):
        self.spawn(self.cmd, env=dict(os.environ, PYTHONPATH=REPO), cwd=REPO)
        self.wait_until(lambda: tcp_open("127.0.0.1", self.port), timeout=30)
        return self

    def control(self, method, path):
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method != "GET" else None)
        with urllib.request.urlopen(req, timeout=10) as answer:
            return json.loads(answer.read().decode())


def run_playbook(playbook, extra_vars, workdir, home):
    vars_file = os.path.join(workdir, "vars-%d.json" % time.time_ns())
    with open(vars_file, "w", encoding="utf-8") as handle:
        json.dump(extra_vars, handle)
    inventory = os.path.join(workdir, "inventory.ini")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PYTHON)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=ensure_collection_link(), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_PYTHON_INTERPRETER=PYTHON, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_LOCAL_TEMP=os.path.join(OUTPUT, "ansible-tmp"),
               ANSIBLE_DEPRECATION_WARNINGS="0", HOME=home)
    started = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(PYTHON), "ansible-playbook"), "-i", inventory, playbook,
                           "-e", "@" + vars_file], env=env, capture_output=True, text=True, check=False, cwd=workdir)
    return proc.returncode, time.monotonic() - started, proc.stdout + proc.stderr


def measure(emulator, playbook, extra_vars, workdir, home):
    emulator.control("DELETE", "/_emulator/log")
    rc, wall, output = run_playbook(playbook, extra_vars, workdir, home)
    log = emulator.control("GET", "/_emulator/log")["log"]
    api_time = (log[-1]["time"] - log[0]["time"]) if log else 0.0
    return {
        "ok": rc == 0,
        "requests": len(log),
        "reads": sum(1 for e in log if e["method"] == "GET"),
        "writes": sum(1 for e in log if e["method"] == "POST"),
        "rate_limited": sum(1 for e in log if e["status"] == 429),
        "connections": len(set(e["client_port"] for e in log)),
        "api_time_s": round(api_time, 3),
        "wall_s": round(wall, 2),
        "error": None if rc == 0 else _last_error(output),
    }


def _last_error(output):
    for line in reversed(output.splitlines()):
        if "FAILED" in line or "[ERROR]" in line:
            return line.strip()[:300]
    return output.strip().splitlines()[-1][:300] if output.strip() else "failed"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate-window-ms", type=int, default=60000)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--workloads", default="bridge,native")
    args = parser.parse_args()
    os.makedirs(OUTPUT, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="bench-settings-", dir=OUTPUT)
    playbooks = {"fedops.rocketchat.federation": os.path.join(REPO, "bench", "settings", "fedops.yml"),
                 "ansible.builtin.uri": os.path.join(REPO, "bench", "settings", "uri_baseline.yml")}
    rows = []
    for name in args.workloads.split(","):
        workload = WORKLOADS[name]
        settings = intent_settings(workload["intent"], workload["version"])
        with Emulator(os.path.join(workdir, name), workload["version"], args.rate_window_ms,
                      args.latency_ms) as emulator:
            emulator.start()
            for user_label, (user_id, token) in (("admin", ADMIN), ("non-admin (rate-limited)", NON_ADMIN)):
                for tool, playbook in playbooks.items():
                    emulator.control("POST", "/_emulator/reset")     # fresh server, empty rate-limit buckets
                    # and a fresh HOME: no rate-limit windows remembered from the server before its reset
                    home = tempfile.mkdtemp(prefix="home-", dir=workdir)
                    extra = {"rc_url": emulator.url, "rc_user_id": user_id, "rc_auth_token": token,
                             "rc_intent": workload["intent"], "rc_settings": settings}
                    for run in ("first", "converged"):
                        result = measure(emulator, playbook, extra, workdir, home)
                        labels = dict(workload=name, release=workload["version"], settings=len(settings), tool=tool,
                                      user=user_label, run=run)
                        result.update(labels)
                        rows.append(result)
                        print("%-7s %-29s %-25s %-9s ok=%-5s req=%-3d writes=%-3d 429=%-2d conn=%-2d api=%.2fs wall=%.1fs"
                              % (name, tool, user_label, run, result["ok"], result["requests"], result["writes"],
                                 result["rate_limited"], result["connections"], result["api_time_s"],
                                 result["wall_s"]), flush=True)
    write_results(rows, args)


def write_results(rows, args):
    results_dir = os.path.join(REPO, "bench", "results")
    os.makedirs(results_dir, exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "rate_window_ms": args.rate_window_ms,
            "latency_ms": args.latency_ms, "emulator": "tests/emulator/rocketchat (Rocket.Chat REST emulator)"}
    with open(os.path.join(results_dir, "settings.json"), "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "rows": rows}, handle, indent=1)
    lines = [
        "# Settings benchmark: fedops.rocketchat.federation vs ansible.builtin.uri",
        "",
        "Generated by `bench/bench_settings.py` on %s (%s CPUs, Python %s). Rocket.Chat emulator with %g ms of "
        "server-side work per call; rate limit 10 calls per %d ms per route for users without "
        "`api-bypass-rate-limit` (Rocket.Chat's default window is 60000 ms). Counts come from the emulator's request "
        "log; API time is first to last request, wall the whole `ansible-playbook` run (start-up included). Each "
        "row is one run: no min/max and no load at the start, so no wall-time ratio between the tools is claimed "
        "from them; the request, read, write and 429 counts are exact."
        % (meta["date"], meta["cpus"], meta["python"], args.latency_ms, args.rate_window_ms),
        "",
        "| workload | release | settings | tool | user | run | result | requests | reads | writes | 429s "
        "| connections | API time (s) | wall (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %d | %d | %d | %d | %d | %.2f | %.1f |" % (
            r["workload"], r["release"], r["settings"], r["tool"], r["user"], r["run"],
            "ok" if r["ok"] else "**failed**", r["requests"], r["reads"], r["writes"], r["rate_limited"],
            r["connections"], r["api_time_s"], r["wall_s"]))
    failures = [r for r in rows if not r["ok"]]
    if failures:
        lines += ["", "Failures:", ""]
        lines += ["- %s / %s / %s / %s: `%s`" % (r["workload"], r["tool"], r["user"], r["run"], r["error"])
                  for r in failures]
    lines += [
        "",
        "Reading the table:",
        "",
        "- fedops reads all managed settings with one `GET /api/v1/settings` (the unpaged list, `count=0`, from "
        "Rocket.Chat 7.0; a `query` selecting them before), then by id only what that list does not carry (secrets, "
        "which 8.6 masks in the list; hidden ids). It writes all differences in one call "
        "(`method.call/saveSettings` before 8.6, `POST /api/v1/settings` from 8.6) and sends no write at all when "
        "converged. Its other read is `/api/info` (release); for the bridge, `uniqueID` and both tokens (the "
        "derivable-default check) come from the same list.",
        "- The uri playbook sends one GET per setting and one POST per differing setting, each a separate task "
        "iteration and connection.",
        "- For a rate-limited user, fedops follows `X-RateLimit-Remaining`/`X-RateLimit-Reset` and would wait for "
        "the next window instead of running into 429; with one list read per run it stays far below Rocket.Chat's "
        "default of 10 calls per minute and route, so it does not wait. The uri playbook fails on the first 429.",
    ]
    with open(os.path.join(results_dir, "settings.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("wrote bench/results/settings.json and bench/results/settings.md")


if __name__ == "__main__":
    main()
