#!/usr/bin/env python
"""Benchmark native federation: the message round trip between Rocket.Chat's own homeserver code
(``@rocket.chat/federation-sdk``, tests/peers/native_homeserver.js) and Synapse, in both directions.

Uses the native end-to-end lab (tests/support/e2e_lab.py ``NativeLab``: D ``rc-native.test`` provisioned by
``fedops.rocketchat.federate`` against the settings API emulator at 8.6 and BIND, B ``org-b.test`` a Synapse the
synapse role configured). D -> B: from the SDK's sendMessage call until bob's /sync on B shows the event id.
B -> D: from bob's send on B until the SDK delivered the message to Rocket.Chat (homeserver.matrix.message). Writes
bench/results/native.json and bench/results/native.md.

    .venv/bin/python bench/bench_native.py [--runs 12]
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.support.paths import ensure_collection_link  # noqa: E402


def _install_collection_finder():
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[ensure_collection_link()], scan_sys_paths=False)._install()


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    with open("/proc/%d/stat" % pid, encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(values):
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1), "all": [round(v, 1) for v in values]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args(argv)
    _install_collection_finder()
    from tests.integration.e2e.conftest import Side
    from tests.integration.e2e.test_native_rows import Native, Sides, _room_from_b
    from tests.support.e2e_lab import B, NativeLab, new_workdir

    load_at_start = os.getloadavg()
    lab = NativeLab(new_workdir("bench-native"))
    lab.start()
    try:
        class Accounts:
            pass
        accounts = Accounts()
        accounts.bob = lab.register(B, "bob")
        accounts.native = Native(lab)
        accounts.alice = accounts.native.user("alice")
        sides = Sides(lab, accounts)
        room = _room_from_b(sides)
        bob = Side(lab, accounts.bob)
        peer = lab.native
        cpu_before = {"native": cpu_seconds(peer.pid), "synapse_b": cpu_seconds(lab[B].synapse.proc.pid)}
        d_to_b, b_to_d = [], []
        for _run in range(args.runs):
            text = "d->b %s" % uuid.uuid4().hex[:8]
            start = time.perf_counter()
            event_id = peer.call("send", username="alice", room_id=room, body=text)["event_id"]
            bob.wait_event(room, lambda e, eid=event_id: e["event_id"] == eid, what="D's message")
            d_to_b.append((time.perf_counter() - start) * 1000)
            text = "b->d %s" % uuid.uuid4().hex[:8]
            start = time.perf_counter()
            bob.text(room, text)
            peer.wait_for(lambda e, t=text: e["kind"] == "message" and (e["data"].get("event") or e["data"]).get(
                "content", {}).get("body") == t, what="B's message")
            b_to_d.append((time.perf_counter() - start) * 1000)
        cpu = {"native": round(cpu_seconds(peer.pid) - cpu_before["native"], 2),
               "synapse_b": round(cpu_seconds(lab[B].synapse.proc.pid) - cpu_before["synapse_b"], 2)}
        sdk = peer.state()["sdk_version"]
        synapse = lab.synapse_version()
        timings = dict(lab.timings)
    finally:
        lab.stop()

    data = {
        "benchmark": "native federation message round trip, Rocket.Chat's federation-sdk <-> Synapse",
        "setup": "D rc-native.test: @rocket.chat/federation-sdk %s (in-memory collections) configured from the "
                 "settings fedops.rocketchat.federate wrote to the 8.6 settings API emulator; B org-b.test: Synapse "
                 "%s configured by the synapse role; TLS from a test CA, discovery through SRV _matrix-fed._tcp in "
                 "BIND, each server on its own 127.0.0.0/8 address (lab provisioned in %.0f s)"
                 % (sdk, synapse, timings.get("total_s", 0)),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_at_start": [round(v, 2) for v in load_at_start],
        "runs": args.runs,
        "d_to_b_ms": summary(d_to_b),
        "b_to_d_ms": summary(b_to_d),
        "round_trip_ms": summary([a + b for a, b in zip(d_to_b, b_to_d)]),
        "cpu_seconds_during_runs": cpu,
        "method": "D -> B: SDK sendMessage call until the event id is in bob's /sync on B (1 s long polls); "
                  "B -> D: bob's send until the SDK delivered homeserver.matrix.message (polled every 20 ms)",
    }
    out_dir = os.path.join(REPO, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "native.json"), "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    lines = [
        "# Native federation benchmark",
        "",
        data["setup"] + ".",
        "",
        "| direction | median ms | min ms | max ms | runs |",
        "|---|---:|---:|---:|---:|",
        "| D -> B (Rocket.Chat's SDK sends, Synapse user sees it) | %.0f | %.0f | %.0f | %d |" % (
            data["d_to_b_ms"]["median"], data["d_to_b_ms"]["min"], data["d_to_b_ms"]["max"], args.runs),
        "| B -> D (Synapse user sends, the SDK delivers it to Rocket.Chat) | %.0f | %.0f | %.0f | %d |" % (
            data["b_to_d_ms"]["median"], data["b_to_d_ms"]["min"], data["b_to_d_ms"]["max"], args.runs),
        "| round trip (D -> B, then B -> D) | %.0f | %.0f | %.0f | %d |" % (
            data["round_trip_ms"]["median"], data["round_trip_ms"]["min"], data["round_trip_ms"]["max"], args.runs),
        "",
        "How: %s." % data["method"],
        "",
        "CPU seconds during the %d round trips: Rocket.Chat's homeserver (node) %.2f s, B's Synapse %.2f s." % (
            args.runs, cpu["native"], cpu["synapse_b"]),
        "",
        "Load average at start: %s (the machine is shared). Python %s, %d CPUs. Regenerate with "
        "`.venv/bin/python bench/bench_native.py`." % (" ".join("%.2f" % v for v in load_at_start), data["python"],
                                                       data["cpus"]),
    ]
    with open(os.path.join(out_dir, "native.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
