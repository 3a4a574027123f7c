"""Rocket.Chat emulator instances, one per version profile, started once per session on 127.0.0.1.

Each test gets its profile's emulator reset to a fresh server (catalog defaults, seeded users, empty rate-limit
buckets and request log, the machine's clock). The rate-limit window is shortened to RATE_WINDOW_MS so the 429
tests wait seconds, not a minute; the limit of 10 calls is Rocket.Chat's default. Tests that need calls to land in
one window, or a TOTP code to stay valid, freeze the emulator's clock (C-EMU-3) rather than count on the machine's
speed.
"""
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.emulator.rocketchat.totp import totp
from tests.support.ansible_run import run_tasks
from tests.support.paths import OUTPUT, REPO
from tests.support.procs import ServerProcess, free_port, tcp_open

PROFILES = ["6.9", "7.10", "7.11", "8.6"]
RATE_WINDOW_MS = 2500
HIDDEN = "SMTP_Host,Federation_Matrix_bridge_localpart,Federation_Service_Join_Encrypted_Rooms"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

ADMIN = {"user_id": "rcadmin0000000001", "auth_token": "admin-pat-bypass-2fa-0000000000000000000000001"}
ADMIN_PLAIN = {"user_id": "rcadmin0000000001", "auth_token": "admin-pat-plain-00000000000000000000000000001"}
SECADMIN_PLAIN = {"user_id": "rcsecadmin0000001", "auth_token": "secadmin-pat-plain-000000000000000000000000001"}
SECADMIN_BYPASS = {"user_id": "rcsecadmin0000001", "auth_token": "secadmin-pat-bypass-2fa-00000000000000000001"}
ALICE = {"user_id": "rcalice0000000001", "auth_token": "alice-pat-bypass-2fa-0000000000000000000000001"}
OPS = {"user_id": "rcops000000000001", "auth_token": "ops-pat-bypass-2fa-000000000000000000000000001"}
BAD = {"user_id": "rcadmin0000000001", "auth_token": "not-a-valid-token-000000000000000000000000001"}


def frozen_totp(rc, skip_on_429=True):
    """Freeze ``rc``'s clock (C-EMU-3) and return the TOTP code of that moment: it stays valid however long
    ansible-playbook takes to start. With ``skip_on_429`` a 429 moves the frozen clock to the window's reset (as if
    the caller had waited), so a frozen window never holds a client for good."""
    state = rc.clock({"freeze": True, "skip_on_429": skip_on_429})
    return totp(TOTP_SECRET, at=state["now"])


class RocketChatEmulatorProcess(ServerProcess):
    def __init__(self, workdir, version, license_modules="federation"):
        self.name = "rocketchat-%s-%s" % (version, license_modules.replace(",", "+"))
        super().__init__(workdir)
        self.version = version
        self.license = license_modules
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port

    def start(self):
        env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.spawn([sys.executable, "-m", "tests.emulator.rocketchat", "--version", self.version, "--host", "127.0.0.1",
                    "--port", str(self.port), "--deployment-id", "dep-%s" % self.version, "--quiet",
                    "--rate-limit-window-ms", str(RATE_WINDOW_MS), "--hidden", HIDDEN,
                    "--federation-tester-host", "http://127.0.0.1:9", "--license", self.license], env=env, cwd=REPO)
        self.wait_until(lambda: tcp_open("127.0.0.1", self.port), timeout=30, what="Rocket.Chat emulator %s"
                        % self.version)
        return self

    # --- test-only control endpoints -------------------------------------------------------------
    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as answer:
            return json.loads(answer.read().decode())

    def reset(self):
        self.control("POST", "/_emulator/reset")

    def log(self):
        return self.control("GET", "/_emulator/log")["log"]

    def clock(self, body=None):
        """The emulator's clock (C-EMU-3): its state, or changed by ``body``; a reset restores the machine's."""
        return self.control("POST" if body else "GET", "/_emulator/clock", body)

    def writes(self):
        """Requests that can change settings: every POST except login/logout."""
        return [e for e in self.log() if e["method"] == "POST" and e["path"] not in ("/api/v1/login",
                                                                                     "/api/v1/logout")]

    def settings(self):
        return self.control("GET", "/_emulator/settings")["settings"]

    def set_settings(self, values):
        self.control("POST", "/_emulator/settings", values)

    def api(self, method, path, auth=None, body=None):
        """A plain API call as a client would make it; returns (status, body)."""
        headers = {"Content-Type": "application/json"}
        if auth:
            headers.update({"X-User-Id": auth["user_id"], "X-Auth-Token": auth["auth_token"]})
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode() if body is not None else None,
                                     method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as answer:
                return answer.status, json.loads(answer.read().decode())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read().decode() or "{}")


@pytest.fixture(scope="session")
def rocketchat_emulators():
    os.makedirs(OUTPUT, exist_ok=True)
    started = {}

    def get(version, license_modules="federation"):
        """The emulator of ``version``; ``license_modules`` 'none' is a server without a licence."""
        key = (version, license_modules)
        if key not in started:
            workdir = tempfile.mkdtemp(prefix="rc-%s-" % version, dir=OUTPUT)
            started[key] = RocketChatEmulatorProcess(workdir, version, license_modules).start()
        return started[key]

    yield get
    for proc in started.values():
        proc.stop()


@pytest.fixture
def rcs(rocketchat_emulators):
    """The emulators of every version profile, each reset to a fresh server."""
    emulators = {}
    for version in PROFILES:
        emulators[version] = rocketchat_emulators(version)
        emulators[version].reset()
    return emulators


def each_profile(rcs, make_tasks, verify, **run_kw):
    """Run the playbook ``make_tasks(rc)`` against every profile at once (ansible-playbook start-up dominates
    the cost, so two profiles run side by side), then ``verify(rc, result)`` each; report all failures."""
    def one(version):
        return run_tasks(make_tasks(rcs[version]), **run_kw)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(rcs, pool.map(one, rcs)))
    errors = []
    for version, res in results.items():
        try:
            verify(rcs[version], res)
        except AssertionError as exc:
            errors.append("--- profile %s: %s\n%s" % (version, exc, res.output[-2500:]))
    assert not errors, "\n\n".join(errors)
    return results


def conn(rc, auth, **extra):
    """Connection options for a module task."""
    args = {"url": rc.url}
    args.update(auth)
    args.update(extra)
    return args
