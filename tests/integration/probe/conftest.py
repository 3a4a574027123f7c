"""Two Synapse homeservers federating over TLS on loopback (tests/support/federation_lab.py), one per module.

``hs-a.test`` and ``hs-b.test`` each get a probe account and ``hs-a.test`` an admin account (to count rooms
through the admin API, which sees rooms a user has forgotten).
"""
import pytest

from tests.support.federation_lab import started_lab


class ProbeLab:
    def __init__(self, lab):
        self.lab = lab
        self.a = lab.register("hs-a.test", "probe")
        self.b = lab.register("hs-b.test", "probe")
        self.admin_a = lab.register("hs-a.test", "admin", admin=True)

    def args(self, **extra):
        args = {"local": self.lab.account_args(self.a), "remote": self.lab.account_args(self.b),
                "timeout": 30, "total_timeout": 150}
        args.update(extra)
        return args

    def joined_rooms(self):
        """Rooms the two probe accounts are joined to, per server."""
        return {"hs-a.test": self.lab.client(self.a).joined_rooms(),
                "hs-b.test": self.lab.client(self.b).joined_rooms()}

    def total_rooms_a(self):
        """Rooms hs-a.test knows, also those every local user left and forgot."""
        return self.lab.client(self.admin_a).json("GET", "/_synapse/admin/v1/rooms", query={"limit": "1"})[
            "total_rooms"]


@pytest.fixture(scope="module")
def probe_lab():
    with started_lab(prefix="probe-lab") as lab:
        yield ProbeLab(lab)


# The Rocket.Chat emulator of the Rocket.Chat integration tests (one process per profile and session), for the
# scheduled monitor's licence read.
from tests.integration.rocketchat.conftest import rocketchat_emulators  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
