"""fedops.rocketchat.signing_key through ansible-playbook: idempotence, check mode, diff, permissions, -vvv."""
import os
import stat

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys
from tests.integration.keys.conftest import assert_no_secret, snapshot
from tests.support.ansible_run import run_module, run_tasks

MODULE = "fedops.rocketchat.signing_key"


def seeds(path):
    with open(path, encoding="ascii") as handle:
        return [key.seed for key in _keys.parse_signing_keys(handle.read())]


def test_create_idempotent_check_mode_diff_and_vvv(keydir):
    path = os.path.join(keydir, "hs.signing.key")

    # check mode on a missing file: predicts a change, writes nothing
    predicted = run_module(MODULE, {"path": path}, check=True, diff=True)
    assert predicted["changed"] is True and not os.listdir(keydir)

    first = run_module(MODULE, {"path": path}, diff=True, verbosity=3)
    assert first["changed"] is True and first["action"] == "create"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    (seed,) = seeds(path)
    assert first["public_key"] == _keys.SigningKey("x", seed).public_key_b64
    assert_no_secret(first["_playbook"].output, seed)

    before = snapshot(path)
    second = run_module(MODULE, {"path": path})
    assert second["changed"] is False and second["key_id"] == first["key_id"]
    assert snapshot(path) == before

    # check mode with a change pending (rotation) touches neither file
    rotated = run_module(MODULE, {"path": path, "rotate": True, "version": "a_next"}, check=True, diff=True)
    assert rotated["changed"] is True and rotated["key_id"] == "ed25519:a_next"
    assert snapshot(path) == before and not os.path.exists(path + ".old_keys")
    assert "(new key)" not in rotated["_playbook"].output  # version known: predicted key id shown
    assert_no_secret(rotated["_playbook"].output, seed)


def test_wrong_permissions_corrected_and_reported(keydir):
    path = os.path.join(keydir, "k")
    run_module(MODULE, {"path": path})
    os.chmod(path, 0o644)
    content = snapshot(path)[0]
    checked = run_module(MODULE, {"path": path}, check=True)
    assert checked["changed"] is True and stat.S_IMODE(os.stat(path).st_mode) == 0o644
    fixed = run_module(MODULE, {"path": path}, diff=True)
    assert fixed["changed"] is True and fixed["action"] == "keep"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and snapshot(path)[0] == content
    assert "0644" in fixed["_playbook"].output and "0600" in fixed["_playbook"].output
    assert run_module(MODULE, {"path": path})["changed"] is False


def test_return_content_is_hidden_even_at_vvv(keydir):
    path = os.path.join(keydir, "k")
    out_file = os.path.join(keydir, "rc_value")
    res = run_tasks([
        {"name": "key", MODULE: {"path": path, "version": "a_rc", "return_content": True}, "register": "k"},
        {"name": "keep the Rocket.Chat value for the test", "no_log": True,
         "ansible.builtin.copy": {"dest": out_file, "mode": "0600",
                                  "content": "{{ k.rocketchat_settings.Federation_Service_Matrix_Signing_Key }}"}},
    ], verbosity=3, diff=True)
    assert res.rc == 0, res.output[-3000:]
    (seed,) = seeds(path)
    assert_no_secret(res.output, seed)
    assert "censored" in str(res.records[0]["result"])
    with open(out_file, encoding="ascii") as handle:
        rc_value = handle.read()
    # what Rocket.Chat stores: padded base64 of the same 32-byte seed
    assert _keys.from_rocketchat(rc_value, "a_rc").seed == seed and rc_value.endswith("=")


def test_malformed_file_names_the_line_and_is_untouched(keydir):
    path = os.path.join(keydir, "k")
    with open(path, "w", encoding="ascii") as handle:
        handle.write("ed25519 a_ok %s\n\ned25519 a_bad\n" % ("A" * 43))
    before = snapshot(path)
    res = run_tasks([{"name": "bad file", MODULE: {"path": path}, "ignore_errors": True}])
    assert res.records[-1]["status"] == "failed"
    msg = res.last["msg"]
    assert "line 3" in msg and "expected 3 fields" in msg and "left untouched" in msg
    assert snapshot(path) == before


def test_rotation_keeps_every_old_public_key(keydir):
    path = os.path.join(keydir, "k")
    steps = [
        {"path": path, "version": "a_one"},
        {"path": path, "version": "a_two", "rotate": True, "backup": True},
        {"path": path, "version": "a_three", "rotate": True},
        {"path": path, "version": "a_three", "rotate": True},  # idempotent once the version is there
        {"path": path},  # a plain run later still returns every old key
    ]
    res = run_tasks([{"name": "step %d" % i, MODULE: args} for i, args in enumerate(steps)])
    assert res.rc == 0, res.output[-3000:]
    one, two, three, again, later = res.results
    assert [r["changed"] for r in res.results] == [True, True, True, False, False]
    assert two["retired_keys"] == {
        "ed25519:a_one": {"key": one["public_key"], "expired_ts": two["retired_keys"]["ed25519:a_one"]["expired_ts"]}}
    assert os.path.exists(two["backup_file"])
    assert set(three["old_signing_keys"]) == {"ed25519:a_one", "ed25519:a_two"}
    assert three["old_signing_keys"]["ed25519:a_two"]["key"] == two["public_key"]
    assert again["old_signing_keys"] == later["old_signing_keys"] == three["old_signing_keys"]
    assert later["key_id"] == "ed25519:a_three" and again["retired_keys"] == {}
