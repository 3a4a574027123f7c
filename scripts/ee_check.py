"""Check that an execution environment built with fedops.rocketchat gets exactly the collection's dependencies.

Offline, with ansible-builder from .venv-tools:
1. build the collection tarball and install it into a scratch tree, as `ansible-builder build` does in its
   galaxy stage;
2. `ansible-builder introspect` on that tree must list exactly the Python requirements declared in
   plugins/module_utils/_deps.py (name and minimum version) and no system package;
3. `ansible-builder create` with a definition that installs the tarball must write a build context whose
   galaxy requirements name the tarball and whose Containerfile runs the introspection and the pip install.
Exit status 0 when all hold; every check prints one line.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, ".venv-tools", "bin")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import sync_deps  # noqa: E402  pylint: disable=wrong-import-position

FAILED = []


def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    if not ok:
        FAILED.append(what)


def run(cmd, cwd=ROOT):
    # Only the scratch tree counts: with the working tree on ANSIBLE_COLLECTIONS_PATH, ansible-galaxy would find the
    # collection "already installed" and install nothing.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_COLLECTIONS_PATH")}
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    if proc.returncode:
        print(proc.stdout)
        raise SystemExit("command failed (rc=%d): %s" % (proc.returncode, " ".join(cmd)))
    return proc.stdout


def main():
    if not os.path.exists(os.path.join(TOOLS, "ansible-builder")):
        raise SystemExit("ansible-builder missing: run scripts/bootstrap.sh tools")
    expected = {name: min_version for name, min_version, _why in sync_deps.dependencies()}
    work = tempfile.mkdtemp(prefix="fedops-ee-")
    try:
        dist = os.path.join(work, "dist")
        run([os.path.join(TOOLS, "ansible-galaxy"), "collection", "build", "--output-path", dist, ROOT])
        tarball = [f for f in os.listdir(dist) if f.endswith(".tar.gz")][0]
        installed = os.path.join(work, "installed")
        run([os.path.join(TOOLS, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", installed,
             os.path.join(dist, tarball)])
        check(os.path.exists(os.path.join(installed, "ansible_collections", "fedops", "rocketchat", "MANIFEST.json")),
              "the tarball installs into the scratch tree")

        out = run([os.path.join(TOOLS, "ansible-builder"), "introspect", "--sanitize", installed])
        data = yaml.safe_load(out[out.index("---"):]) if "---" in out else {}
        found = {}
        for line in data.get("python") or []:
            match = re.match(r"^([A-Za-z0-9_.-]+)>=([0-9.]+)\s+# from collection fedops\.rocketchat$", line)
            check(bool(match), "introspect python line %r is 'name>=version # from collection fedops.rocketchat'"
                  % line)
            if match:
                found[match.group(1)] = match.group(2)
        check(found == expected, "introspect lists exactly %s (got %s)" % (
            ", ".join("%s>=%s" % kv for kv in sorted(expected.items())),
            ", ".join("%s>=%s" % kv for kv in sorted(found.items()))))
        check(not data.get("system"), "introspect lists no system package (got %s)" % (data.get("system") or []))
        if FAILED:
            print("introspect output:\n" + out)

        definition = os.path.join(work, "execution-environment.yml")
        with open(definition, "w", encoding="utf-8") as handle:
            yaml.safe_dump({
                "version": 3,
                "images": {"base_image": {"name": "registry.example.invalid/ee-minimal:latest"}},
                "dependencies": {
                    "ansible_core": {"package_pip": "ansible-core>=2.16"},
                    "ansible_runner": {"package_pip": "ansible-runner"},
                    "galaxy": {"collections": [{"name": "/build/collections/" + tarball, "type": "file"}]},
                },
                "additional_build_files": [{"src": os.path.join(dist, tarball), "dest": "collections"}],
            }, handle)
        context = os.path.join(work, "context")
        run([os.path.join(TOOLS, "ansible-builder"), "create", "-f", definition, "-c", context,
             "--output-filename", "Containerfile"])
        with open(os.path.join(context, "Containerfile"), encoding="utf-8") as handle:
            containerfile = handle.read()
        with open(os.path.join(context, "_build", "requirements.yml"), encoding="utf-8") as handle:
            galaxy = yaml.safe_load(handle)
        names = [c.get("name") for c in galaxy.get("collections", [])]
        check(names == ["/build/collections/" + tarball], "create: galaxy requirements install the tarball (%s)"
              % names)
        check(os.path.exists(os.path.join(context, "_build", "collections", tarball)),
              "create: the tarball is in the build context")
        check("ansible-galaxy collection install" in containerfile, "create: Containerfile installs the collections")
        check("introspect" in containerfile and "pip_install" in containerfile,
              "create: Containerfile introspects the collections and pip-installs their requirements")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("ee: %d check(s) failed" % len(FAILED) if FAILED else "ee: all checks passed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
