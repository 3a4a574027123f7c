"""Session-wide real servers for the integration tests, started once on loopback and stopped by PID."""

import pytest

from tests.support.bind import BindServer
from tests.support.paths import scratch_dir
from tests.support.pdns import PowerDNSServer
from tests.support.synapse import SynapseServer


@pytest.fixture(scope="session")
def bind_server():
    """BIND 9 primary for `example.test`, `fed.test` and `auto.test`, TSIG hmac-sha256 updates, statistics channel.

    Shared by every integration test of one worker; a module that needs empty zones calls ``reset_zones()`` first.
    """
    server = BindServer(scratch_dir("bind"), zones=("example.test", "fed.test", "auto.test"))
    with server:
        yield server.start()


@pytest.fixture(scope="session")
def pdns_server():
    """PowerDNS Authoritative with SQLite: zones `pdns.test` and `rfc.pdns.test`, HTTP API and TSIG-signed RFC 2136."""
    server = PowerDNSServer(scratch_dir("pdns"), zones=("pdns.test", "rfc.pdns.test"))
    with server:
        yield server.start()


@pytest.fixture(scope="session")
def synapse_server():
    """One Synapse homeserver `hs1.test` with SQLite, shared by tests that only read from it."""
    server = SynapseServer(scratch_dir("synapse"), server_name="hs1.test")
    with server:
        yield server.start()


@pytest.fixture
def workdir():
    """A fresh scratch directory under tests/output for one test."""
    return scratch_dir("t")
