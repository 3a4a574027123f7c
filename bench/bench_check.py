#!/usr/bin/env python
"""Benchmark federation_check on the loopback lab: wall time of a full check (correct setup), concurrent vs
sequential, plus the DNS queries, HTTP requests and TLS connections one check costs, and the end-to-end time of
one ``ansible-playbook`` task.

Uses the integration lab of tests/integration/check (real BIND, Synapse with TLS, TLS fronts, the Rocket.Chat
emulator, an appservice listener) and needs root (port 443 on loopback). Writes bench/results/check.json and
bench/results/check.md.

    .venv/bin/python bench/bench_check.py [--runs 9]
"""
import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.support.paths import OUTPUT, ensure_collection_link  # noqa: E402


def _install_collection_finder():
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[ensure_collection_link()], scan_sys_paths=False)._install()


def _median_ms(values):
    return round(statistics.median(values) * 1000, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--playbook-runs", type=int, default=3)
    args = parser.parse_args(argv)
    load_at_start = "%.2f, %.2f, %.2f (1, 5, 15 min)" % os.getloadavg()
    _install_collection_finder()
    from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _keyserver, _orchestrate
    from tests.integration.check.conftest import Lab
    from tests.support.ansible_run import run_tasks

    os.makedirs(OUTPUT, exist_ok=True)
    lab = Lab(tempfile.mkdtemp(prefix="bench-check-", dir=OUTPUT), "127.77.%d" % random.randint(1, 250))
    lab.start()
    try:
        module_args = lab.args()
        options = dict(module_args, client_wellknown=True, resolve=None, fail_on_error=True)
        options["_expected_keys"] = _keyserver.normalise_expected(options.pop("expected_signing_key"))
        rows = {}
        stats = None
        for mode in ("concurrent", "sequential"):
            times = []
            for _iteration in range(args.runs):
                start = time.perf_counter()
                result = _orchestrate.run_checks(dict(options), sequential=(mode == "sequential"))
                times.append(time.perf_counter() - start)
                assert result["federation_ok"], result["report"]
                stats = result["stats"]
                checks = len(result["checks"])
            rows[mode] = {"runs": args.runs, "median_ms": _median_ms(times), "min_ms": round(min(times) * 1000, 1),
                          "max_ms": round(max(times) * 1000, 1), "checks": checks}
        playbook_times = []
        for _iteration in range(args.playbook_runs):
            start = time.perf_counter()
            res = run_tasks([{"name": "check", "fedops.rocketchat.federation_check": module_args}])
            playbook_times.append(time.perf_counter() - start)
            assert res.rc == 0 and res.last["federation_ok"], res.output[-3000:]
        noop_times = []
        for _iteration in range(args.playbook_runs):
            start = time.perf_counter()
            run_tasks([{"name": "noop", "ansible.builtin.ping": {}}])
            noop_times.append(time.perf_counter() - start)
    finally:
        lab.stop()
    speedup = round(rows["sequential"]["median_ms"] / rows["concurrent"]["median_ms"], 2)
    data = {
        "benchmark": "federation_check full check on loopback (correct setup)",
        "setup": "server name -> well-known -> SRV _matrix-fed._tcp -> 2 addresses (Synapse TLS + TLS proxy), "
                 "Rocket.Chat native discovery, client well-known + /versions, appservice ping through Synapse + "
                 "an empty transaction to the bridge, legacy Rocket.Chat SRV/TXT + /api/info at the SRV target "
                 "over TLS + settings API (emulator), expected signing key",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_at_start": load_at_start,
        "check": rows,
        "sequential_over_concurrent": speedup,
        "per_check": stats,
        "ansible_playbook": {"runs": args.playbook_runs, "median_ms": _median_ms(playbook_times),
                             "ping_task_median_ms": _median_ms(noop_times)},
        "peers": "the public federation tester (matrix-federation-tester) needs Internet access and public DNS; it "
                 "cannot be run against this private lab, so no ratio is given",
    }
    out_dir = os.path.join(REPO, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "check.json"), "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    lines = [
        "# federation_check benchmark",
        "",
        data["setup"] + ".",
        "",
        "| mode | runs | median ms | min ms | max ms | checks |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode in ("concurrent", "sequential"):
        row = rows[mode]
        lines.append("| %s | %d | %.1f | %.1f | %.1f | %d |" % (mode, row["runs"], row["median_ms"], row["min_ms"],
                                                                row["max_ms"], row["checks"]))
    lines += [
        "",
        "Sequential / concurrent: **%.2fx** (medians of the runs above, with their min/max; load average at the "
        "start: %s)." % (speedup, data.get("load_at_start", "not recorded")),
        "",
        "One check sends %(dns_queries)d DNS queries, %(http_requests)d HTTP requests over %(tls_connections)d "
        "TLS connections." % stats,
        "",
        "End to end through `ansible-playbook` (one task): median %.0f ms; an `ansible.builtin.ping` task takes "
        "%.0f ms on the same machine." % (data["ansible_playbook"]["median_ms"],
                                          data["ansible_playbook"]["ping_task_median_ms"]),
        "",
        "Peers: " + data["peers"] + ".",
        "",
        "Python %s, %d CPUs. Regenerate with `.venv/bin/python bench/bench_check.py`." % (data["python"],
                                                                                          data["cpus"]),
    ]
    with open(os.path.join(out_dir, "check.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
