"""Run the collection's modules the way users do: `ansible-playbook` in a subprocess.

Each call writes a one-play playbook for localhost, runs it with the venv's interpreter set explicitly
(interpreter discovery is not trusted here), and returns the parsed task results together with the
complete stdout/stderr, so tests can assert on results, on `--diff` text and on `-vvv` output alike.
"""
import json
import os
import subprocess

import yaml

from tests.support.paths import OUTPUT, PYTHON, REPO, ensure_collection_link, scratch_dir, venv_tool

CALLBACKS = os.path.join(REPO, "tests", "support", "callbacks")


class PlaybookResult:
    def __init__(self, rc, stdout, stderr, records):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.records = records

    @property
    def output(self):
        return self.stdout + self.stderr

    @property
    def results(self):
        return [r["result"] for r in self.records]

    @property
    def last(self):
        if not self.records:
            raise AssertionError("no task results recorded:\n%s" % self.output[-4000:])
        return self.records[-1]["result"]

    def __repr__(self):
        return "PlaybookResult(rc=%r, tasks=%d)" % (self.rc, len(self.records))


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": ensure_collection_link(),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_PYTHON_INTERPRETER": PYTHON,
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_CALLBACKS_ENABLED": "fedops_results",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(OUTPUT, "ansible-tmp"),
        "PATH": os.path.dirname(PYTHON) + os.pathsep + env.get("PATH", ""),
    })
    if extra:
        env.update(extra)
    return env


def run_tasks(tasks, check=False, diff=False, verbosity=0, play_vars=None, env=None, timeout=600,
              gather_facts=False):
    """Run `tasks` (a list of task dicts) on localhost and return a PlaybookResult."""
    workdir = scratch_dir("play")
    play = [{"name": "fedops test play", "hosts": "localhost", "gather_facts": gather_facts,
             "vars": play_vars or {}, "tasks": tasks}]
    playbook = os.path.join(workdir, "play.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        yaml.safe_dump(play, handle, sort_keys=False)
    inventory = os.path.join(workdir, "inventory.ini")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PYTHON)
    results_file = os.path.join(workdir, "results.jsonl")
    cmd = [venv_tool("ansible-playbook"), "-i", inventory, playbook]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(cmd, env=ansible_env(dict(env or {}, FEDOPS_RESULTS_FILE=results_file)),
                          capture_output=True, text=True, timeout=timeout, cwd=workdir, check=False)
    records = []
    if os.path.exists(results_file):
        with open(results_file, encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    return PlaybookResult(proc.returncode, proc.stdout, proc.stderr, records)


def run_module(module, args, check=False, diff=False, verbosity=0, env=None, expect_failure=False):
    """Run one module task; return its result dict. Fails the test on an unexpected outcome."""
    name = module if "." in module else "fedops.rocketchat." + module
    task = {"name": "run " + name, name: args}
    if expect_failure:
        task["ignore_errors"] = True
    res = run_tasks([task], check=check, diff=diff, verbosity=verbosity, env=env)
    result = res.last
    failed = res.records[-1]["status"] == "failed" or bool(result.get("failed"))
    if failed != expect_failure:
        raise AssertionError("%s %s: %s\n--- output ---\n%s" % (
            name, "succeeded unexpectedly" if expect_failure else "failed",
            json.dumps(result, indent=1, default=str)[:4000], res.output[-4000:]))
    result["_playbook"] = res
    return result
