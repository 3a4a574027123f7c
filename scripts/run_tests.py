"""Run the test layers of fedops.rocketchat in order and print one summary table.

Usage: scripts/run_tests.py [LAYER ...]   (default: every layer)
Layers: sanity units integration molecule lint docs build
Each layer's full output goes to tests/output/layers/<layer>.log and is echoed live. The process exits
non-zero when any layer fails. The last line reads "summary: N passed, N failed".
"""
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv", "bin")
LOGS = os.path.join(ROOT, "tests", "output", "layers")
COLLECTIONS = os.path.join(ROOT, ".build", "collections")


def env():
    e = dict(os.environ)
    e["PATH"] = VENV + os.pathsep + e.get("PATH", "")
    e["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS
    e["ANSIBLE_PYTHON_INTERPRETER"] = os.path.join(VENV, "python")
    e.setdefault("ANSIBLE_NOCOLOR", "1")
    e.setdefault("NO_COLOR", "1")
    e.pop("PYTHONPATH", None)
    return e


def run(layer, cmd, cwd=ROOT):
    os.makedirs(LOGS, exist_ok=True)
    log_path = os.path.join(LOGS, layer + ".log")
    print("\n=== %s: %s" % (layer, " ".join(cmd)), flush=True)
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
        for line in proc.stdout:
            if line.startswith("WARNING: Location 'file:///opt/"):
                continue  # pip noise from this machine's index configuration
            sys.stdout.write(line)
            log.write(line)
        rc = proc.wait()
    with open(log_path, encoding="utf-8") as log:
        text = log.read()
    return rc, text, time.monotonic() - start


def junit_counts(path):
    if not os.path.exists(path):
        return 0, 0, 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - failed - skipped, failed, skipped


def layer_pytest(name, path, workers=None):
    junit = os.path.join(LOGS, name + ".xml")
    cmd = [os.path.join(VENV, "pytest"), path, "-q", "--junitxml", junit, "-o", "junit_family=xunit2"]
    if workers:
        # One file's tests share a worker, so module-scoped servers are started once per file.
        cmd += ["-n", str(workers), "--dist", "loadfile"]
    rc, _text, secs = run(name, cmd)
    passed, failed, skipped = junit_counts(junit)
    if rc == 5:  # no tests collected: a layer with content must run something
        failed += 1
    return rc, passed, failed, skipped, secs


def layer_sanity():
    rc, text, secs = run("sanity", [os.path.join(ROOT, "scripts", "sanity.sh")])
    tests = len(re.findall(r'^Running sanity test "', text, re.M))
    failed_match = re.search(r"The (\d+) sanity test\(s\) listed below \(out of (\d+)\) failed", text)
    failed = int(failed_match.group(1)) if failed_match else (1 if rc else 0)
    return rc, tests - failed, failed, 0, secs


def layer_molecule():
    rc, text, secs = run("molecule", [os.path.join(ROOT, "scripts", "molecule.sh")])
    passed = len(re.findall(r"^scenario \S+: passed", text, re.M))
    failed = len(re.findall(r"^scenario \S+: failed", text, re.M))
    if rc and not failed:
        failed = 1
    return rc, passed, failed, 0, secs


def layer_lint():
    rc, text, secs = run("lint", [os.path.join(VENV, "ansible-lint"), "--offline", "--profile", "production",
                                  "--format", "brief"])
    match = re.search(r"(\d+) failure\(s\), (\d+) warning\(s\) in (\d+) files? processed", text)
    if match:
        files, failures = int(match.group(3)), int(match.group(1))
        return rc, files if rc == 0 else 0, failures or (1 if rc else 0), 0, secs
    ok = re.search(r"(\d+) files? processed", text) or re.search(r"Passed: .*?(\d+) files?", text)
    files = int(ok.group(1)) if ok else 0
    return rc, files if rc == 0 else 0, 1 if rc else 0, 0, secs


def layer_docs():
    checks = [
        ("docs", [os.path.join(VENV, "antsibull-docs"), "lint-collection-docs", "--plugin-docs",
                  "--check-extra-docs-refs", os.path.join(COLLECTIONS, "ansible_collections", "fedops", "rocketchat")]),
        ("changelog", [os.path.join(VENV, "antsibull-changelog"), "lint"]),
    ]
    passed = failed = 0
    total = 0.0
    for name, cmd in checks:
        rc, _text, secs = run(name, cmd)
        total += secs
        if rc:
            failed += 1
        else:
            passed += 1
    return (1 if failed else 0), passed, failed, 0, total


def layer_build():
    rc, _text, secs = run("build", [os.path.join(ROOT, "scripts", "build_check.sh")])
    return rc, 0 if rc else 1, 1 if rc else 0, 0, secs


LAYERS = {
    "sanity": layer_sanity,
    "units": lambda: layer_pytest("units", "tests/unit"),
    "integration": lambda: layer_pytest("integration", "tests/integration", workers=os.cpu_count() or 2),
    "molecule": layer_molecule,
    "lint": layer_lint,
    "docs": layer_docs,
    "build": layer_build,
}


def main(argv):
    wanted = argv or list(LAYERS)
    unknown = [w for w in wanted if w not in LAYERS]
    if unknown:
        print("unknown layer(s): %s; choose from %s" % (", ".join(unknown), ", ".join(LAYERS)))
        return 2
    rows = []
    start = time.monotonic()
    for name in wanted:
        rc, passed, failed, skipped, secs = LAYERS[name]()
        rows.append({"layer": name, "status": "ok" if rc == 0 and failed == 0 else "FAILED", "passed": passed,
                     "failed": failed, "skipped": skipped, "seconds": round(secs, 1)})
    total = time.monotonic() - start
    print("\n%-12s %-7s %7s %7s %8s %9s" % ("layer", "status", "passed", "failed", "skipped", "seconds"))
    for r in rows:
        print("%-12s %-7s %7d %7d %8d %9.1f" % (r["layer"], r["status"], r["passed"], r["failed"], r["skipped"],
                                                r["seconds"]))
    print("%-12s %-7s %7s %7s %8s %9.1f" % ("total", "", "", "", "", total))
    with open(os.path.join(LOGS, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump({"layers": rows, "seconds": round(total, 1)}, handle, indent=1)
    n_passed = sum(r["passed"] for r in rows)
    n_failed = sum(r["failed"] for r in rows)
    print("summary: %d passed, %d failed" % (n_passed, n_failed))
    return 1 if any(r["status"] != "ok" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
