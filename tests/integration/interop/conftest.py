"""Rocket.Chat's published federation code against real Synapse and real BIND, wired by the collection.

``bridge_lab``: Rocket.Chat 7.10 (API emulator), Synapse and Rocket.Chat's Matrix bridge (the real
``@rocket.chat/forked-matrix-appservice-bridge``) configured by ``playbooks/matrix_bridge.yml`` and the
``fedops.rocketchat.synapse`` role's variables, ephemeral events on. One Synapse for every test of a module.
``bridge_lab_legacy_off``: the same with ``synapse_use_appservice_legacy_authorization: false``, the homeserver a
bridge cannot work with (transactions answered 403, ping still fine) - for tests that must detect that setup.
Both yield a ``tests.support.node_peers.BridgeLab``: ``.bridge`` (the running bridge peer), ``.synapse``,
``.registration_path`` and ``.appservice_args()`` (id, tokens, url, legacy_authorization). Another test package
uses them with ``from tests.integration.interop.conftest import bridge_lab_legacy_off`` in its conftest.
"""

import pytest

from tests.support.paths import scratch_dir
from tests.support.node_peers import BridgeLab, MatrixUser


@pytest.fixture(scope="module")
def bridge_lab():
    with BridgeLab(scratch_dir("bridge-lab")) as lab:
        yield lab.start()


@pytest.fixture(scope="module")
def bridge_lab_legacy_off():
    with BridgeLab(scratch_dir("bridge-lab-noauth"),
                   role_vars={"synapse_use_appservice_legacy_authorization": False}) as lab:
        yield lab.start()


@pytest.fixture(scope="module")
def alice(bridge_lab):
    """A Synapse user of the bridge lab's homeserver."""
    return MatrixUser(bridge_lab.synapse, "alice", "alice-password-1")
