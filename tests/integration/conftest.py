"""Session-wide real servers for the integration tests, started once on loopback and stopped by PID."""
import os
import tempfile

import pytest

from tests.support.bind import BindServer
from tests.support.paths import OUTPUT
from tests.support.pdns import PowerDNSServer
from tests.support.synapse import SynapseServer


def _workdir(name):
    os.makedirs(OUTPUT, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=OUTPUT)


@pytest.fixture(scope="session")
def bind_server():
    """BIND 9 primary for `example.test` and `fed.test`, TSIG hmac-sha256 updates, statistics channel."""
    server = BindServer(_workdir("bind"), zones=("example.test", "fed.test"))
    with server:
        yield server.start()


@pytest.fixture(scope="session")
def pdns_server():
    """PowerDNS Authoritative with SQLite: zone `pdns.test`, HTTP API and TSIG-signed RFC 2136."""
    server = PowerDNSServer(_workdir("pdns"), zones=("pdns.test",))
    with server:
        yield server.start()


@pytest.fixture(scope="session")
def synapse_server():
    """One Synapse homeserver `hs1.test` with SQLite, shared by tests that only read from it."""
    server = SynapseServer(_workdir("synapse"), server_name="hs1.test")
    with server:
        yield server.start()


@pytest.fixture
def workdir():
    """A fresh scratch directory under tests/output for one test."""
    return _workdir("t")
