"""The synapse role's native federation gates against a real Synapse: rooms are created at a version Rocket.Chat's
native federation can join (11; the SDK supports 3 to 11, Synapse's own default is 12), and authenticated media stays
on unless Rocket.Chat's Matrix bridge, which downloads through the unauthenticated media API, is configured."""
import json
import os
import urllib.request

import pytest

from tests.support.ansible_run import run_tasks
from tests.support.synapse import SynapseServer

ROLE = "fedops.rocketchat.synapse"
# @rocket.chat/federation-sdk 0.8.0 (the pinned peer): supportedRoomVersions.
SDK_ROOM_VERSIONS = [str(v) for v in range(3, 12)]


@pytest.fixture(scope="module")
def role_options():
    """homeserver.yaml options the role renders, by default and with a bridge registration."""
    pick = "{{ _synapse_config | dict2items | selectattr('key', 'in', ['default_room_version', " \
           "'enable_authenticated_media']) | items2dict }}"
    res = run_tasks([
        {"name": "validate", "ansible.builtin.include_role": {"name": ROLE, "tasks_from": "validate.yml",
                                                              "public": True}},
        {"name": "default", "ansible.builtin.set_fact": {"default": pick}},
        {"name": "bridge", "ansible.builtin.set_fact": {"bridge": pick},
         "vars": {"synapse_rocketchat_bridge_registration_files": ["/etc/matrix-synapse/rocketchat.yaml"]}},
        {"name": "unpinned", "ansible.builtin.set_fact": {"unpinned": pick}, "vars": {"synapse_default_room_version": ""}},
        {"name": "out", "ansible.builtin.set_fact": {"out": {"default": "{{ default }}", "bridge": "{{ bridge }}",
                                                             "unpinned": "{{ unpinned }}"}}},
    ], play_vars={"synapse_server_name": "rooms.test"})
    assert res.rc == 0, res.output[-4000:]
    return res.last["ansible_facts"]["out"]


def test_role_renders_the_pins(role_options):
    assert role_options["default"] == {"default_room_version": "11", "enable_authenticated_media": True}
    assert role_options["bridge"] == {"default_room_version": "11", "enable_authenticated_media": False}
    assert role_options["unpinned"] == {"enable_authenticated_media": True}


def _create_room_version(synapse, user):
    assert synapse.register_user(user, "pw-" + user).returncode == 0
    login = json.dumps({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
                        "password": "pw-" + user}).encode()

    def call(method, path, body=None, token=None):
        req = urllib.request.Request(synapse.base_url + path, data=body, method=method,
                                     headers=dict({"Content-Type": "application/json"},
                                                  **({"Authorization": "Bearer " + token} if token else {})))
        with urllib.request.urlopen(req, timeout=10) as answer:
            return json.loads(answer.read())

    token = call("POST", "/_matrix/client/v3/login", login)["access_token"]
    room = call("POST", "/_matrix/client/v3/createRoom", b"{}", token)["room_id"]
    create = call("GET", "/_matrix/client/v3/rooms/%s/state/m.room.create/" % room, token=token)
    return create.get("room_version", "1")


@pytest.mark.parametrize("case", ["default", "unpinned"])
def test_rooms_synapse_creates_are_joinable_for_rocketchat_native(role_options, tmp_path, case):
    """With the role's options Synapse creates version 11 rooms, which the SDK supports; without the pin it creates
    rooms a Rocket.Chat native user cannot join."""
    synapse = SynapseServer(str(tmp_path / "synapse"), server_name="rooms.test", extra_config=role_options[case])
    with synapse:
        synapse.start()
        version = _create_room_version(synapse, "creator")
    if case == "default":
        assert version == "11" and version in SDK_ROOM_VERSIONS
    else:
        assert version not in SDK_ROOM_VERSIONS, version


def test_synapse_config_check_accepts_the_options_and_refuses_an_unknown_version(role_options, tmp_path):
    """Synapse's own config loading (the check the role runs before a configuration goes live) accepts the rendered
    options and refuses a room version it does not know, so the pin is a real, checked option."""
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel
    checker = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "synapse", "files",
                           "synapse-config-check")
    for options, expect in ((role_options["bridge"], 0), (dict(role_options["default"], default_room_version="99"), 1)):
        synapse = SynapseServer(str(tmp_path / ("check-%d" % expect)), server_name="rooms.test", extra_config=options)
        os.makedirs(synapse.workdir, exist_ok=True)
        synapse.write_config()
        with open(synapse.signing_key_path, "w", encoding="ascii") as handle:
            handle.write("ed25519 a_1 nZ1yrOF8Om8cM5EkOTJkcN3T6DNvmLGlDb0lDyWJjVo\n")
        proc = subprocess.run([sys.executable, checker, synapse.config_path], capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode == expect, proc.stdout + proc.stderr
        if expect:
            assert "default_room_version" in proc.stderr or "room version" in proc.stderr.lower(), proc.stderr
