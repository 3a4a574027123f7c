"""A federation lab on loopback for federation_check: BIND, Synapse with TLS, web fronts, a bridge stand-in, built
from the shared lab parts (tests/support/federation_lab.py ``LabParts``).

One lab per module: a test CA; BIND serving zone ``check.test`` (records changed with TSIG-signed RFC 2136
updates between scenarios); one Synapse ``hs1.check.test`` with a TLS federation listener on ``<net>.11:8448``
and a plain listener on ``<net>.11:8008`` for the fronts; TLS fronts (reverse proxies to that plain listener)
with a good certificate (``.14``), an untrusted one (``.12``) and one for the wrong name (``.13``); the
well-known front on ``hs1.check.test:443`` (``.10``); an appservice listener (``.30``) registered in Synapse;
and the Rocket.Chat emulator for the settings API (``.20``), behind a TLS front on ``rc.check.test:443`` where
the legacy SRV record sends peers. Each module gets its own ``127.77.N.0/24`` so parallel
suites never collide. Scenarios change DNS records and front routes only: Synapse starts once.
"""
import os
import random
import secrets
import tempfile

import dns.query
import dns.rcode
import dns.update
import pytest
import yaml

from tests.support.dnsutil import tsig_keyring
from tests.support.federation_lab import LabParts
from tests.support.paths import OUTPUT
from tests.support.pki import TestCA, untrusted_ca

ZONE = "check.test"
SERVER_NAME = "hs1.check.test"
AS_ID = "rocketchat_fedops"
RC_ADMIN_ID = "rcadmin0000000001"
RC_ADMIN_PAT = "admin-pat-bypass-2fa-0000000000000000000000001"


def _split(text, size=100):
    return [text[i:i + size] for i in range(0, len(text), size)]


class Lab:
    def __init__(self, workdir, net):
        self.workdir = workdir
        self.parts = LabParts(workdir)
        self.net = net
        self.ip = lambda last: "%s.%d" % (net, last)
        self.bind = None
        self.synapse = None
        self.fronts = {}
        self.appservice = None
        self.rc_server = None
        self.rc_url = None
        self.rc_key = None
        self.as_token = secrets.token_hex(16)
        self.hs_token = secrets.token_hex(16)

    # --- DNS ---------------------------------------------------------------------------------------
    def update(self, changes):
        """``changes``: list of (name, rdtype, [rdata text]); an empty list deletes the RRset. One UPDATE message."""
        keyring = tsig_keyring(self.bind)
        update = dns.update.UpdateMessage(ZONE, keyring=keyring, keyalgorithm=self.bind.tsig_algorithm)
        for name, rdtype, values in changes:
            update.delete(name, rdtype)
            for value in values:
                update.add(name, 60, rdtype, value)
        response = dns.query.tcp(update, self.bind.host, port=self.bind.port, timeout=5)
        assert response.rcode() == dns.rcode.NOERROR, response

    def baseline(self):
        """The correct setup: every scenario starts from here."""
        rc_txt = " ".join('"%s"' % chunk for chunk in _split(self.rc_key))
        self.update([
            ("hs1", "A", [self.ip(10)]),
            ("matrix", "A", [self.ip(11)]),
            ("_matrix-fed._tcp.matrix", "SRV", ["10 5 8448 fed.check.test."]),
            ("_matrix._tcp.matrix", "SRV", []),
            ("fed", "A", [self.ip(11), self.ip(14)]),
            ("fed-untrusted", "A", [self.ip(12)]),
            ("fed-wrongname", "A", [self.ip(13)]),
            ("alias", "CNAME", ["fed.check.test."]),
            ("_rocketchat._https.rc", "SRV", ["1 1 443 rc.check.test."]),
            ("_rocketchat._tcp.rc", "SRV", []),
            ("rocketchat-tcp-protocol.rc", "TXT", []),
            ("rc", "A", [self.ip(20)]),
            ("rocketchat-public-key.rc", "TXT", [rc_txt]),
        ])
        self.fronts["wellknown"].set_routes(self.wellknown_routes())
        self.appservice.hs_token = self.hs_token

    def wellknown_routes(self, m_server="matrix.check.test"):
        return {
            "/.well-known/matrix/server": (200, {"m.server": m_server}),
            "/.well-known/matrix/client": (200, {"m.homeserver": {"base_url": "https://matrix.check.test:8448"}}),
        }

    def args(self, **extra):
        """Module arguments for the lab (nameserver, CA) plus ``extra``."""
        args = {"server_name": SERVER_NAME, "nameservers": ["%s:%d" % (self.bind.host, self.bind.port)],
                "ca_path": self.ca.cert_path, "timeout": 5,
                "appservice": {"id": AS_ID, "as_token": self.as_token, "hs_token": self.hs_token,
                               "url": self.appservice.url},
                "rocketchat": {"domain": "rc.%s" % ZONE, "url": self.rc_url, "user_id": RC_ADMIN_ID,
                               "auth_token": RC_ADMIN_PAT},
                "expected_signing_key": self.published_key}
        args.update(extra)
        return args

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self):
        wd = self.workdir
        ip = self.ip
        self.ca = TestCA(os.path.join(wd, "pki"))
        synapse_cert = self.ca.issue("synapse", ["matrix.check.test", SERVER_NAME])
        wellknown_cert = self.ca.issue("wellknown", [SERVER_NAME])
        good_cert = self.ca.issue("front-good", ["matrix.check.test"])
        wrong_cert = self.ca.issue("front-wrong", ["other.check.test"])
        untrusted_cert = untrusted_ca(os.path.join(wd, "pki")).issue("front-untrusted", ["matrix.check.test"])

        self.bind = self.parts.bind((ZONE,))

        self.appservice = self.parts.appservice(self.hs_token, ip(30))
        registration = os.path.join(wd, "appservice.yaml")
        with open(registration, "w", encoding="utf-8") as handle:
            yaml.safe_dump({"id": AS_ID, "url": self.appservice.url, "as_token": self.as_token,
                            "hs_token": self.hs_token, "sender_localpart": "rocket.cat",
                            "namespaces": {k: [{"exclusive": False, "regex": ".*"}]
                                           for k in ("users", "rooms", "aliases")}}, handle)
        listeners = [
            {"port": 8448, "bind_addresses": [ip(11)], "type": "http", "tls": True, "x_forwarded": False,
             "resources": [{"names": ["client", "federation"], "compress": False}]},
            {"port": 8008, "bind_addresses": [ip(11)], "type": "http", "tls": False, "x_forwarded": False,
             "resources": [{"names": ["client", "federation"], "compress": False}]},
        ]
        self.synapse = self.parts.synapse(
            "synapse", SERVER_NAME, start=False, host=ip(11), port=8448,
            tls_certificate_path=synapse_cert.cert_path, tls_private_key_path=synapse_cert.key_path,
            extra_config={"listeners": listeners, "app_service_config_files": [registration]})
        upstream = (ip(11), 8008)
        self.fronts["wellknown"] = self.parts.front(ip(10), 443, wellknown_cert, self.wellknown_routes())
        self.fronts["untrusted"] = self.parts.front(ip(12), 8448, untrusted_cert, upstream=upstream)
        self.fronts["wrongname"] = self.parts.front(ip(13), 8448, wrong_cert, upstream=upstream)
        self.fronts["good"] = self.parts.front(ip(14), 8448, good_cert, upstream=upstream)
        self.synapse.start()

        from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys  # pylint: disable=import-outside-toplevel
        with open(self.synapse.signing_key_path, "rb") as handle:
            key = _keys.parse_signing_keys(handle.read())[0]
        self.published_key = {"key_id": key.key_id, "public_key": key.public_key_b64}

        self.rc_server, self.rc_url = self.parts.workspace("6.9", host=ip(20))
        self.rc_key = self.rc_server.emulator.store.value("FEDERATION_Public_Key")
        # the workspace as legacy peers reach it: TLS on the SRV target rc.check.test:443, proxied to the API
        self.fronts["rocketchat"] = self.parts.front(ip(20), 443, self.ca.issue("rocketchat", ["rc.%s" % ZONE]),
                                                     upstream=(ip(20), self.rc_server.server_address[1]))
        self.baseline()
        return self

    def stop(self):
        self.parts.stop()


@pytest.fixture(scope="module")
def lab():
    if os.geteuid() != 0:
        pytest.fail("the federation lab binds port 443 on loopback and needs root (as CI runs)")
    os.makedirs(OUTPUT, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="check-lab-", dir=OUTPUT)
    net = "127.77.%d" % random.randint(1, 250)
    instance = Lab(workdir, net)
    try:
        yield instance.start()
    finally:
        instance.stop()


@pytest.fixture
def baseline(lab):
    """The correct setup, restored before each scenario."""
    lab.baseline()
    return lab
