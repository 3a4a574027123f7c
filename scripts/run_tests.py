"""Run the test layers of fedops.rocketchat in order and print one summary table.

Usage: scripts/run_tests.py [LAYER ...]   (default: every layer)
Layers: sanity units integration molecule lint docs build cores ee
Each layer's full output goes to tests/output/layers/<layer>.log and is echoed live, except the Molecule layer's when
it runs beside the others (its own lane, with its progress lines echoed and its log's end shown on failure;
FEDOPS_TEST_SERIAL=1 runs every layer in order). The process exits non-zero when any layer fails. The last line reads "summary: N passed, N failed".
"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

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


# Layers in a background lane write their log only and echo just their progress lines (see main()).
_LANE = threading.local()


def run(layer, cmd, cwd=ROOT):
    os.makedirs(LOGS, exist_ok=True)
    log_path = os.path.join(LOGS, layer + ".log")
    quiet = getattr(_LANE, "progress", None)
    print("\n=== %s: %s" % (layer, " ".join(cmd)), flush=True)
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
        for line in proc.stdout:
            if line.startswith("WARNING: Location 'file:///opt/"):
                continue  # pip noise from this machine's index configuration
            log.write(line)
            if quiet is None:
                sys.stdout.write(line)
            elif quiet.match(line):
                sys.stdout.write("[%s] %s" % (layer, line))
                sys.stdout.flush()
        rc = proc.wait()
    with open(log_path, encoding="utf-8") as log:
        text = log.read()
    if quiet is not None and rc:
        print("\n=== %s failed (rc=%d); the end of %s:\n%s" % (layer, rc, log_path, text[-12000:]), flush=True)
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


# Managed-side Pythons the collection claims (tests/config.yml: >=3.8) that ansible-test supports as targets;
# 3.11 is the controller's and gets the full sanity run.
SANITY_TARGET_PYTHONS = ("3.8", "3.9", "3.10", "3.12", "3.13")


def find_python(version):
    """Directory holding pythonX.Y on PATH or under pyenv, or None when this machine has no such interpreter."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python%s" % (version, version))),
                        reverse=True)
    candidates.append(shutil.which("python" + version))
    for exe in filter(None, candidates):
        if "/shims/" in exe:
            continue  # a pyenv shim answers for versions it was told to select only
        try:
            subprocess.run([exe, "-c", "pass"], check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        return os.path.dirname(exe)
    return None


def _sanity_counts(rc, text):
    tests = len(re.findall(r'^Running sanity test "', text, re.M))
    failed_match = re.search(r"The (\d+) sanity test\(s\) listed below \(out of (\d+)\) failed", text)
    failed = int(failed_match.group(1)) if failed_match else (1 if rc else 0)
    return tests - failed, failed


def layer_sanity():
    rc, text, secs = run("sanity", [os.path.join(ROOT, "scripts", "sanity.sh")])
    passed, failed = _sanity_counts(rc, text)
    # The compile test on every other managed-side Python available here (the import test, which builds a venv per
    # Python, runs on the controller's Python above: it checks what modules import, which no version changes).
    dirs = {v: find_python(v) for v in SANITY_TARGET_PYTHONS}
    missing = [v for v, d in dirs.items() if not d]
    if missing:
        print("sanity: no interpreter for Python %s on this machine; not tested" % ", ".join(missing))
    extra_path = os.pathsep.join(d for d in dirs.values() if d)
    for version in (v for v, d in dirs.items() if d):
        cmd = ["env", "PATH=%s%s%s" % (extra_path, os.pathsep, os.environ.get("PATH", "")),
               os.path.join(ROOT, "scripts", "sanity.sh"), "--test", "compile",
               "--python", version]
        rc_v, text_v, secs_v = run("sanity-py" + version, cmd)
        p, f = _sanity_counts(rc_v, text_v)
        passed, failed, secs, rc = passed + p, failed + f, secs + secs_v, rc or rc_v
    return rc, passed, failed, 0, secs


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
        # The first release's changelog lists every module, plugin, role and playbook (scratch copy).
        ("release", [os.path.join(VENV, "pytest"), "tests/release", "-q", "-p", "no:cacheprovider"]),
        # antsibull-docs + Sphinx, warnings as errors, offline (.venv-tools, scripts/bootstrap.sh tools).
        ("docsite", [os.path.join(ROOT, "scripts", "docsite.sh")]),
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


def layer_ee():
    """ansible-builder introspect and create, offline, list exactly the dependencies declared in _deps."""
    rc, text, secs = run("ee", [os.path.join(VENV, "python"), os.path.join(ROOT, "scripts", "ee_check.py")])
    passed = len(re.findall(r"^ok  ", text, re.M))
    failed = len(re.findall(r"^FAIL ", text, re.M))
    return rc, passed, failed or (1 if rc else 0), 0, secs


def layer_build():
    rc, _text, secs = run("build", [os.path.join(ROOT, "scripts", "build_check.sh")])
    return rc, 0 if rc else 1, 1 if rc else 0, 0, secs


def run_quiet(log_path, cmd, extra_env=None, cwd=ROOT, timeout=1800):
    """Run a command with its output in a log file only (for work that runs in parallel); (rc, text, secs)."""
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    e = env()
    e.update(extra_env or {})
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            rc = subprocess.call(cmd, cwd=cwd, env=e, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = 124
            log.write("\ntimed out after %ss\n" % timeout)
    with open(log_path, encoding="utf-8", errors="replace") as log:
        text = log.read()
    return rc, text, time.monotonic() - start


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


# ---- cores: units + a smoke playbook per module on every ansible-core minor the collection claims ----------------
CORES_DIR = os.path.join(ROOT, "requirements", "cores")
UNIT_ADDOPTS = "-p no:cacheprovider --import-mode=importlib -ra"  # pytest.ini's, without pytest-ansible's option


def claimed_cores():
    """ansible-core minors with a matrix venv: requirements/cores/<minor>.txt -> .venv-core<minor without dot>."""
    return sorted((os.path.basename(p)[:-4] for p in glob.glob(os.path.join(CORES_DIR, "*.txt"))),
                  key=lambda v: tuple(int(x) for x in v.split(".")))


def run_core(minor):
    venv = os.path.join(ROOT, ".venv-core" + minor.replace(".", ""))
    python = os.path.join(venv, "bin", "python")
    logs = os.path.join(LOGS, "cores")
    row = {"core": minor, "version": None, "units_passed": 0, "units_failed": 0, "units_skipped": 0,
           "smoke": "not run", "smoke_failures": [], "seconds": 0.0}
    start = time.monotonic()
    if not os.path.exists(os.path.join(venv, ".fedops-stamp")):
        row["smoke"] = "no venv: run scripts/bootstrap.sh cores"
        row["units_failed"] = 1
        return row
    core_env = {"PATH": os.path.join(venv, "bin") + os.pathsep + env()["PATH"], "ANSIBLE_PYTHON_INTERPRETER": python,
                "ANSIBLE_LOCAL_TEMP": os.path.join(tempfile.gettempdir(), "fedops-core-" + minor)}
    rc, text, _secs = run_quiet(os.path.join(logs, minor + "-version.log"),
                                [python, "-c", "import ansible.release as r; print(r.__version__)"], core_env)
    row["version"] = text.strip().splitlines()[-1] if rc == 0 and text.strip() else None
    junit = os.path.join(logs, minor + "-units.xml")
    rc, _text, _secs = run_quiet(os.path.join(logs, minor + "-units.log"),
                                 [python, "-m", "pytest", "tests/unit", "-q", "-o", "addopts=" + UNIT_ADDOPTS,
                                  "--junitxml", junit, "-o", "junit_family=xunit2"], core_env)
    row["units_passed"], row["units_failed"], row["units_skipped"] = junit_counts(junit)
    if rc not in (0, 1) and not row["units_failed"]:
        row["units_failed"] = 1
    # The smoke playbook gets its own Rocket.Chat emulator (its settings task expects a fresh one).
    port = free_port()
    emulator = subprocess.Popen([os.path.join(VENV, "python"), "-m", "tests.emulator.rocketchat", "--port", str(port),
                                 "--quiet"], cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scratch = tempfile.mkdtemp(prefix="fedops-smoke-%s-" % minor)
    try:
        if not wait_port(port, emulator):
            row["smoke"] = "FAILED"
            row["smoke_failures"] = ["the Rocket.Chat emulator did not start"]
        else:
            rc, text, _secs = run_quiet(
                os.path.join(logs, minor + "-smoke.log"),
                [os.path.join(venv, "bin", "ansible-playbook"), "tests/smoke/modules.yml",
                 "-e", "smoke_dir=" + scratch, "-e", "rc_url=http://127.0.0.1:%d" % port,
                 "-e", "closed_port=%d" % free_port(), "-e", "ansible_python_interpreter=" + python], core_env)
            failures = sorted(set(re.findall(r'"smoke: ([^"]+)"', text)))
            row["smoke"] = "ok" if rc == 0 else "FAILED"
            row["smoke_failures"] = failures or ([] if rc == 0 else ["ansible-playbook rc=%d" % rc])
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)
    row["seconds"] = round(time.monotonic() - start, 1)
    return row


def layer_cores():
    """Units and the module smoke playbook on each claimed ansible-core, two cores at a time."""
    print("\n=== cores: units + tests/smoke/modules.yml on ansible-core %s" % ", ".join(claimed_cores()), flush=True)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = list(pool.map(run_core, claimed_cores()))
    passed = failed = skipped = 0
    print("%-6s %-9s %6s %6s %5s  %s" % ("core", "version", "units", "failed", "smoke", "seconds"))
    for r in rows:
        smoke = "ok" if r["smoke"] == "ok" else "FAIL"
        print("%-6s %-9s %6d %6d %5s  %7.1f" % (r["core"], r["version"] or "?", r["units_passed"], r["units_failed"],
                                                smoke, r["seconds"]))
        for failure in r["smoke_failures"]:
            print("       smoke: %s" % failure[:300])
        passed += r["units_passed"] + (1 if r["smoke"] == "ok" else 0)
        failed += r["units_failed"] + (0 if r["smoke"] == "ok" else 1)
        skipped += r["units_skipped"]
    print("logs: %s" % os.path.join(LOGS, "cores"), flush=True)
    with open(os.path.join(LOGS, "cores.json"), "w", encoding="utf-8") as handle:
        json.dump(rows, handle, indent=1)
    return (1 if failed else 0), passed, failed, skipped, time.monotonic() - start


BACKGROUND_LANE = ("molecule",)
LAYERS = {
    "sanity": layer_sanity,
    "units": lambda: layer_pytest("units", "tests/unit"),
    "integration": lambda: layer_pytest("integration", "tests/integration", workers=os.cpu_count() or 2),
    "molecule": layer_molecule,
    "lint": layer_lint,
    "docs": layer_docs,
    "build": layer_build,
    "cores": layer_cores,
    "ee": layer_ee,
}


E2E_TABLE = os.path.join(ROOT, "tests", "output", "e2e-feature-table.json")


def print_e2e_table(since):
    """The end-to-end feature table sections the integration layer wrote in this run (tests/support/e2e_table.py)."""
    if not os.path.exists(E2E_TABLE) or os.path.getmtime(E2E_TABLE) < since:
        return
    with open(E2E_TABLE, encoding="utf-8") as handle:
        sections = json.load(handle).get("sections", {})
    for key, run in sections.items():
        if run.get("written", 0) < since:
            continue
        print("\nend-to-end feature rows, %s (commit %s, %s UTC%s):" % (
            key, run["commit"], run["date"], ", FEDOPS_E2E_BREAK=%s" % run["broken"] if run.get("broken") else ""))
        print("%-3s %-58s %-7s %7s  %s" % ("#", "row", "result", "seconds", "Rocket.Chat side acted by"))
        for r in run["rows"]:
            seconds = "-" if r["seconds"] is None else "%.1f" % r["seconds"]
            print("%-3s %-58s %-7s %7s  %s" % (run.get("prefix", "") + str(r["number"]), r["title"][:58],
                                               r["outcome"], seconds, r["acted_by"].get("rocketchat", "-")[:110]))
        for b in run.get("breaks", []):
            print("break %-11s row %-3s expected %-4s -> %s"
                  % (b["switch"], run.get("prefix", "") + str(b["row"]), b["expected"], b["outcome"][:90]))
    print("(full table: %s)" % E2E_TABLE.replace(".json", ".rst"))


def main(argv):
    wanted = argv or list(LAYERS)
    unknown = [w for w in wanted if w not in LAYERS]
    if unknown:
        print("unknown layer(s): %s; choose from %s" % (", ".join(unknown), ", ".join(LAYERS)))
        return 2
    start = time.monotonic()
    results = {}

    def run_layers(names, progress=None):
        _LANE.progress = progress
        for name in names:
            results[name] = LAYERS[name]()

    # The Molecule layer spends most of its time waiting on containers (boots, package installs, service starts), so
    # it runs beside the others in a lane of its own unless FEDOPS_TEST_SERIAL=1; its progress lines are echoed.
    background = [n for n in wanted if n in BACKGROUND_LANE and len(wanted) > 1
                  and os.environ.get("FEDOPS_TEST_SERIAL") != "1"]
    lane = None
    if background:
        lane = threading.Thread(target=run_layers, args=(background, re.compile(r"^(scenario |molecule: )")))
        lane.start()
    run_layers([n for n in wanted if n not in background])
    if lane:
        lane.join()
    rows = []
    for name in wanted:
        rc, passed, failed, skipped, secs = results[name]
        rows.append({"layer": name, "status": "ok" if rc == 0 and failed == 0 else "FAILED", "passed": passed,
                     "failed": failed, "skipped": skipped, "seconds": round(secs, 1)})
    total = time.monotonic() - start
    print_e2e_table(time.time() - total)
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
