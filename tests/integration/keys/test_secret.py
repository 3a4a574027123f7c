"""fedops.rocketchat.secret through ansible-playbook: the result is hidden, values are stable, files are safe."""
import hashlib
import hmac
import os
import stat

from ansible_collections.fedops.rocketchat.plugins.module_utils import _secrets
from tests.integration.keys.conftest import assert_no_secret, snapshot
from tests.support.ansible_run import run_tasks

MASTER = "integration master secret 0123456789"


def secret_play(args, out_file, check=False, diff=False, verbosity=0):
    """Run the secret module and copy its value to `out_file` (a no_log task) so the test can see it."""
    tasks = [{"name": "secret", "fedops.rocketchat.secret": args, "register": "s"}]
    if not check:
        tasks.append({"name": "keep the value for the test", "no_log": True,
                      "ansible.builtin.copy": {"dest": out_file, "content": "{{ s.value }}", "mode": "0600"}})
    res = run_tasks(tasks, check=check, diff=diff, verbosity=verbosity)
    assert res.rc == 0, res.output[-3000:]
    return res


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_derived_is_stable_and_hidden(workdir):
    out = os.path.join(workdir, "value")
    args = {"master_secret": MASTER, "label": "rocketchat.bridge.as_token", "alphabet": "hex", "length": 64}
    res = secret_play(args, out, verbosity=3)
    value = read(out)
    assert value == hmac.new(MASTER.encode(), b"rocketchat.bridge.as_token", hashlib.sha256).hexdigest()
    assert res.records[0]["result"].get("changed") is False
    assert_no_secret(res.output, value)
    assert_no_secret(res.output, MASTER)
    again = secret_play(args, out)
    assert read(out) == value and again.records[0]["result"].get("changed") is False


def test_random_file_lifecycle(workdir):
    path = os.path.join(workdir, "macaroon")
    out = os.path.join(workdir, "value")
    args = {"path": path, "length": 48}

    predicted = secret_play(args, out, check=True, diff=True)
    assert predicted.records[0]["result"]["changed"] is True and not os.path.exists(path)

    first = secret_play(args, out, diff=True, verbosity=3)
    value = read(out)
    assert first.records[0]["result"]["changed"] is True
    assert read(path) == value + "\n" and len(value) == 48
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert_no_secret(first.output, value)

    before = snapshot(path)
    second = secret_play(args, out, verbosity=3)
    assert second.records[0]["result"]["changed"] is False and read(out) == value
    assert snapshot(path) == before
    assert_no_secret(second.output, value)

    # wrong permissions: check mode reports and leaves them, a real run fixes them and reports a change
    os.chmod(path, 0o644)
    before = snapshot(path)
    checked = secret_play(args, out, check=True, diff=True)
    assert checked.records[0]["result"]["changed"] is True and snapshot(path) == before
    fixed = secret_play(dict(args, group=None), out, diff=True, verbosity=3)
    assert fixed.records[0]["result"]["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and read(out) == value
    assert_no_secret(fixed.output, value)


def test_derived_value_written_for_synapse_path_option(workdir):
    path = os.path.join(workdir, "registration_shared_secret")
    args = {"master_secret": MASTER, "label": "synapse.registration_shared_secret", "path": path, "mode": "0640"}
    res = run_tasks([{"name": "first", "fedops.rocketchat.secret": args},
                     {"name": "second", "fedops.rocketchat.secret": args}])
    assert res.rc == 0, res.output[-3000:]
    assert [r["changed"] for r in res.results] == [True, False]
    expected = _secrets.derive(MASTER, "synapse.registration_shared_secret", 64, "alphanumeric")
    assert read(path) == expected + "\n" and stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert_no_secret(res.output, expected)


def test_failure_message_is_shown(workdir):
    res = run_tasks([{"name": "secret", "fedops.rocketchat.secret": {"master_secret": MASTER}, "ignore_errors": True}])
    assert res.records[-1]["status"] == "failed"
    assert "label" in res.last["msg"] and "label" in res.output
    assert_no_secret(res.output, MASTER)
