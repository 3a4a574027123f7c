#!/usr/bin/env python
"""Benchmark federation_probe in the end-to-end lab: the median message round trip over N probes, each step's
median, the requests one probe sends, and one run through ansible-playbook.

Uses the lab of the end-to-end tests (tests/support/e2e_lab.py): Synapse for a Rocket.Chat workspace on the Matrix
bridge (chat-a.test, with Rocket.Chat's own bridge library) and for a Matrix organisation (org-b.test), running
the configuration the collection's synapse role renders, DNS from BIND with records published by federation_dns
and matrix_bridge.yml, TLS from a test CA. The probe's local account is a Rocket.Chat user on the bridge (the
application service token acting as it), the remote a user of org-b.test. Needs root (mount namespace). Writes
bench/results/probe.json and bench/results/probe.md.

    .venv/bin/python bench/bench_probe.py [--runs 10]
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.support.paths import ensure_collection_link  # noqa: E402


def _install_collection_finder():
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[ensure_collection_link()], scan_sys_paths=False)._install()


def _median(values):
    return round(statistics.median(values), 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    _install_collection_finder()
    from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _probe
    from tests.support.ansible_run import run_tasks
    from tests.support.e2e_lab import A, B, E2ELab, new_workdir

    results = []
    requests_per_probe = []
    lab = E2ELab(new_workdir("bench-probe"))
    try:
        lab.start()
        a = lab.rocketchat_user("probe.rc", "Probe (Rocket.Chat)")
        b = lab.register(B, "probe")
        # B keeps Synapse's default enable_authenticated_media, so Rocket.Chat's bridge cannot download B's files
        # (the lab's row 5 gap): the probe's bridge-way media download warns instead of failing the bench
        module_args = {"local": lab.probe_account(a), "remote": lab.probe_account(b), "timeout": 30,
                       "total_timeout": 150, "bridge_media": "warn"}
        params = dict(module_args, typing=True, reaction=True, media=True, room_name="fedops bench probe")
        for _iteration in range(args.runs):
            local = _probe.client_for(dict(params["local"], validate_certs=True), 30)
            remote = _probe.client_for(dict(params["remote"], validate_certs=True), 30)
            result = _probe.run_probe(local, remote, timeout=30, total_timeout=150, room_name=params["room_name"],
                                      bridge_media="warn")
            assert result["ok"], result["verdict"]
            results.append(result)
            requests_per_probe.append({"requests": local.stats["requests"] + remote.stats["requests"],
                                       "retries": local.stats["retries"] + remote.stats["retries"]})
        leftover = {A: lab.client(a).joined_rooms(), B: lab.client(b).joined_rooms()}
        assert leftover == {A: [], B: []}, leftover
        start = time.perf_counter()
        res = run_tasks([{"name": "probe", "fedops.rocketchat.federation_probe": module_args}])
        playbook_ms = (time.perf_counter() - start) * 1000
        assert res.rc == 0 and res.last["ok"], res.output[-3000:]
        playbook_probe_ms = res.last["duration_ms"]
        lab_timings = dict(lab.timings)
    finally:
        lab.stop()

    round_trips = [r["round_trip_ms"] for r in results]
    durations = [r["duration_ms"] for r in results]
    step_names = [s["name"] for s in results[0]["steps"]]
    steps = {}
    for name in step_names:
        values = [s["duration_ms"] for r in results for s in r["steps"] if s["name"] == name]
        steps[name] = {"median_ms": _median(values), "min_ms": min(values), "max_ms": max(values)}
    data = {
        "benchmark": "federation_probe between two Synapse homeservers on loopback",
        "setup": "the end-to-end lab: chat-a.test (a Rocket.Chat workspace on the Matrix bridge: the probe's local "
                 "account is a bridged Rocket.Chat user, acting through the bridge's as_token) and org-b.test, "
                 "Synapse over TLS from a test CA, each running the configuration the collection's synapse role "
                 "renders from the lab's inventory, each on its own 127.0.0.0/8 address, discovery through SRV _matrix-fed._tcp published "
                 "into BIND by federation_dns and matrix_bridge.yml; every probe runs all steps (typing, reaction "
                 "and media included) and leaves and forgets its room (lab provisioned in %.0f s)"
                 % lab_timings.get("total_s", 0),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "runs": args.runs,
        "round_trip_ms": {"median": _median(round_trips), "min": min(round_trips), "max": max(round_trips),
                          "all": round_trips},
        "probe_ms": {"median": _median(durations), "min": min(durations), "max": max(durations)},
        "round_trip_share_of_probe": round(statistics.median(round_trips) / statistics.median(durations), 2),
        "steps": steps,
        "requests_per_probe": {"median": _median([r["requests"] for r in requests_per_probe]),
                               "retries_total": sum(r["retries"] for r in requests_per_probe)},
        "ansible_playbook": {"wall_ms": round(playbook_ms, 1), "probe_duration_ms": playbook_probe_ms},
        "left_behind": "none: joined_rooms empty on both servers after the runs",
    }
    out_dir = os.path.join(REPO, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "probe.json"), "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    lines = [
        "# federation_probe benchmark",
        "",
        data["setup"] + ".",
        "",
        "Median message round trip over %d probes: **%.0f ms** (min %d, max %d): the message to the remote side "
        "plus the reply back, each until the other side saw it in its `/sync`." % (
            args.runs, data["round_trip_ms"]["median"], data["round_trip_ms"]["min"], data["round_trip_ms"]["max"]),
        "",
        "Whole probe (all steps and cleanup): median %.0f ms (min %d, max %d); the round trip is %.0f%% of it." % (
            data["probe_ms"]["median"], data["probe_ms"]["min"], data["probe_ms"]["max"],
            100 * data["round_trip_share_of_probe"]),
        "",
        "| step | median ms | min ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    for name in step_names:
        row = steps[name]
        lines.append("| %s | %.0f | %d | %d |" % (name, row["median_ms"], row["min_ms"], row["max_ms"]))
    lines += [
        "",
        "One probe sends a median of %.0f HTTP requests (sync long polls included); %d retries in all runs." % (
            data["requests_per_probe"]["median"], data["requests_per_probe"]["retries_total"]),
        "",
        "Through `ansible-playbook` (one task): %.0f ms wall time, of which the probe itself took %d ms." % (
            playbook_ms, playbook_probe_ms),
        "",
        "Nothing left behind: both probe accounts are in no room after the runs.",
        "",
        "Python %s, %d CPUs. Regenerate with `.venv/bin/python bench/bench_probe.py`." % (data["python"],
                                                                                          data["cpus"]),
    ]
    with open(os.path.join(out_dir, "probe.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
