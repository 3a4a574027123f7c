"""Real Synapse homeservers federating over TLS on loopback, with DNS from one BIND and TLS from a test CA.

Each homeserver has its own server name and its own 127.0.0.0/8 address (``<net>.11``, ``<net>.12``, ...; the
net is random per lab so parallel labs never collide) and one TLS listener on port 8448 serving the client and
federation APIs. Discovery is the production one: the DNS records (``_matrix-fed._tcp.<name>`` SRV pointing at
``matrix.<name>`` and its A record) are published into BIND by the collection's ``federation_dns`` module, and
each Synapse resolves them through its own ``/etc/resolv.conf``, bind-mounted in a private mount namespace.

Resolvers only talk to port 53, and BIND only binds addresses configured on an interface, so BIND runs on
127.0.0.1 on a free port and a small relay on ``<net>.53:53`` (any loopback address can be bound by a program)
passes the raw DNS messages, UDP and TCP, to it and back. The relay does not look inside the messages: BIND
answers every query.

Every Synapse trusts the lab CA for federation (``federation_custom_ca_list``) and may talk to loopback
addresses (``ip_range_whitelist``). Users are registered with the shared secret (the admin API's HMAC
registration, as ``register_new_matrix_user`` does), which also gives their access token.

Reuse: ``FederationLab(workdir, servers=("hs-a.test", "hs-b.test", ...), synapse_config={name: {...}})``,
``start()``, ``register(name, localpart)``, ``account_args(account)`` for module arguments,
``client(account)`` for assertions through the collection's own Matrix client, ``reconfigure(name, extra)`` to
restart one homeserver with other options, ``stop()``. ``started_lab(...)`` is the context manager fixtures use.
"""
import contextlib
import hashlib
import hmac
import os
import random
import secrets
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.ansible_run import run_tasks
from tests.support.bind import BindServer
from tests.support.dns_relay import DNSRelay
from tests.support.paths import scratch_dir
from tests.support.pki import TestCA
from tests.support.synapse import SynapseServer

FED_PORT = 8448
# Generous limits: the probe and the benchmark send many events in a short time from few accounts.
LAB_RATE_LIMITS = {
    "rc_message": {"per_second": 1000, "burst_count": 10000},
    "rc_joins": {"local": {"per_second": 1000, "burst_count": 10000},
                 "remote": {"per_second": 1000, "burst_count": 10000}},
    "rc_invites": {"per_room": {"per_second": 1000, "burst_count": 10000},
                   "per_user": {"per_second": 1000, "burst_count": 10000}},
    "rc_login": {"address": {"per_second": 1000, "burst_count": 10000},
                 "account": {"per_second": 1000, "burst_count": 10000}},
}


# --- the parts every lab is built from ---------------------------------------------------------------------
class LabParts:
    """Starts the servers of a lab and stops every one it started (by PID or shutdown), last started first.

    The one place the integration labs assemble BIND, Synapse, Pebble, TLS fronts, appservice listeners and
    Rocket.Chat API emulators: :class:`FederationLab` and the module fixtures of tests/integration build on it.
    """

    def __init__(self, workdir):
        self.workdir = workdir
        self._stack = contextlib.ExitStack()

    def path(self, name):
        return os.path.join(self.workdir, name)

    def started(self, server, *args):
        """Start ``server`` (anything with start and stop) and stop it with the lab."""
        self._stack.callback(server.stop)
        return server.start(*args)

    def bind(self, zones, name="bind", server_class=BindServer):
        return self.started(server_class(self.path(name), zones=tuple(zones)))

    def dns_relay(self, bind, host, port=53):
        return self.started(DNSRelay((bind.host, bind.port), host=host, port=port))

    def synapse(self, name, server_name, start=True, **options):
        """A SynapseServer in ``<workdir>/<name>``; started unless ``start=False`` (then the caller starts it, and
        the lab still stops it)."""
        server = SynapseServer(self.path(name), server_name=server_name, **options)
        if not start:
            self._stack.callback(server.stop)
            return server
        return self.started(server)

    def pebble(self, bind, host, name="pebble"):
        from tests.support.pebble import PebbleServer  # pylint: disable=import-outside-toplevel
        return self.started(PebbleServer(self.path(name), dns_server="%s:%d" % (bind.host, bind.port), host=host))

    def front(self, host, port, cert, routes=None, upstream=None):
        from tests.support.wellknown import FrontServer  # pylint: disable=import-outside-toplevel
        return self.started(FrontServer(host, port, cert, routes, upstream=upstream))

    def appservice(self, hs_token, host):
        from tests.support.appservice import AppserviceListener  # pylint: disable=import-outside-toplevel
        return self.started(AppserviceListener(hs_token, host=host))

    def workspace(self, release, host="127.0.0.1", **options):
        """A Rocket.Chat API emulator at ``release`` in this process: ``(server, url)``."""
        from tests.emulator.rocketchat.server import serve_in_thread  # pylint: disable=import-outside-toplevel
        server, url = serve_in_thread(release, host=host, **options)
        self._stack.callback(server.server_close)
        self._stack.callback(server.shutdown)
        return server, url

    def stop(self):
        self._stack.close()


# --- accounts -----------------------------------------------------------------------------------------------
class Account:
    def __init__(self, server, user_id, access_token, password):
        self.server = server
        self.user_id = user_id
        self.access_token = access_token
        self.password = password

    def __repr__(self):
        return "Account(%s)" % self.user_id  # never the token


def register_account(url, server_name, shared_secret, ca_path, localpart, admin=False):
    """Register ``@localpart:server_name`` on the Synapse at ``url`` through the admin API's HMAC registration
    (as ``register_new_matrix_user`` does); returns an :class:`Account` with its access token."""
    url = url + "/_synapse/admin/v1/register"
    nonce = requests.get(url, verify=ca_path, timeout=30).json()["nonce"]
    password = secrets.token_urlsafe(12)
    mac = hmac.new(shared_secret.encode("utf-8"), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                             b"admin" if admin else b"notadmin"]))
    response = requests.post(url, verify=ca_path, timeout=30, json={
        "nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac.hexdigest()})
    response.raise_for_status()
    body = response.json()
    return Account(server_name, body["user_id"], body["access_token"], password)


class Homeserver:
    """One lab homeserver: its Synapse, address, URL and TLS certificate."""

    def __init__(self, name, address, synapse, cert):
        self.name = name
        self.address = address
        self.synapse = synapse
        self.cert = cert

    @property
    def url(self):
        return "https://%s:%d" % (self.address, FED_PORT)


class FederationLab:
    def __init__(self, workdir, servers=("hs-a.test", "hs-b.test"), net=None, synapse_config=None):
        self.workdir = workdir
        self.names = list(servers)
        self.net = net or "127.%d.%d" % (random.randint(100, 199), random.randint(1, 250))
        self.synapse_config = dict(synapse_config or {})
        self.ca = None
        self.bind = None
        self.relay = None
        self.homeservers = {}
        self.resolv_conf = os.path.join(workdir, "resolv.conf")
        self.parts = LabParts(workdir)
        self.dns_result = None

    def address(self, index):
        return "%s.%d" % (self.net, 11 + index)

    @property
    def dns_address(self):
        return "%s.53" % self.net

    def __getitem__(self, name):
        return self.homeservers[name]

    # --- lifecycle ------------------------------------------------------------------------------------------
    def start(self):
        wd = self.workdir
        self.ca = TestCA(os.path.join(wd, "pki"), common_name="fedops lab CA")
        self.bind = self.parts.bind(self.names)
        self.relay = self.parts.dns_relay(self.bind, self.dns_address)
        with open(self.resolv_conf, "w", encoding="ascii") as handle:
            handle.write("nameserver %s\noptions timeout:2 attempts:2\n" % self.dns_address)
        self.publish_dns()
        for index, name in enumerate(self.names):
            address = self.address(index)
            cert = self.ca.issue(name, [name, "matrix.%s" % name, address])
            synapse = self.parts.synapse(name, name, start=False, host=address, port=FED_PORT,
                                         tls_certificate_path=cert.cert_path, tls_private_key_path=cert.key_path,
                                         resolv_conf=self.resolv_conf, extra_config=self._config(name))
            self.homeservers[name] = Homeserver(name, address, synapse, cert)
        with ThreadPoolExecutor(len(self.names)) as pool:
            for future in [pool.submit(hs.synapse.start, 120) for hs in self.homeservers.values()]:
                future.result()
        return self

    def _config(self, name, extra=None):
        config = {"federation_custom_ca_list": [self.ca.cert_path], "presence": {"enabled": False}}
        config.update(LAB_RATE_LIMITS)
        config.update(self.synapse_config.get(name) or {})
        config.update(extra or {})
        return config

    def reconfigure(self, name, extra=None):
        """Restart homeserver ``name`` with ``extra`` options on top of the lab's (None: back to the lab's)."""
        synapse = self.homeservers[name].synapse
        synapse.extra_config = self._config(name, extra)
        synapse.restart(timeout=120)

    def stop(self):
        self.parts.stop()

    # --- DNS through the collection -------------------------------------------------------------------------
    def dns_task(self, index, name):
        return {
            "name": "publish %s" % name,
            "fedops.rocketchat.federation_dns": {
                "provider": "rfc2136",
                "rfc2136": {"server": self.bind.host, "port": self.bind.port, "key_name": self.bind.tsig_name,
                            "key_secret": self.bind.tsig_secret, "key_algorithm": self.bind.tsig_algorithm},
                "zone": name,
                "matrix": {"server_name": name, "target": "matrix.%s" % name, "port": FED_PORT},
                "records": [{"name": "matrix.%s" % name, "type": "A", "values": [self.address(index)]}],
            },
        }

    def publish_dns(self):
        """Publish every homeserver's SRV and A records with fedops.rocketchat.federation_dns (one playbook)."""
        result = run_tasks([self.dns_task(i, n) for i, n in enumerate(self.names)])
        failed = [r for r in result.records if r["status"] == "failed"]
        if result.rc != 0 or failed or len(result.records) != len(self.names):
            raise RuntimeError("federation_dns failed in the lab:\n%s" % result.output[-4000:])
        self.dns_result = result
        return result

    # --- accounts -------------------------------------------------------------------------------------------
    def register(self, name, localpart, admin=False):
        """Register ``@localpart:name`` with the shared secret; returns an :class:`Account` with its token."""
        hs = self.homeservers[name]
        return register_account(hs.url, name, hs.synapse.registration_shared_secret, self.ca.cert_path, localpart,
                                admin=admin)

    def account_args(self, account, **extra):
        """The federation_probe options for one account (token, URL, the lab CA)."""
        args = {"homeserver_url": self.homeservers[account.server].url, "access_token": account.access_token,
                "ca_path": self.ca.cert_path}
        args.update(extra)
        return args

    def client(self, account):
        """The collection's Matrix client for ``account``, verifying TLS against the lab CA."""
        from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixClient  # pylint: disable=import-outside-toplevel
        return MatrixClient(self.homeservers[account.server].url, account.access_token, verify=self.ca.cert_path)


@contextlib.contextmanager
def started_lab(prefix="fedlab", **kwargs):
    """A started :class:`FederationLab` under tests/output, stopped (by PID) on exit. Needs root (mount namespace)."""
    if os.geteuid() != 0:
        raise RuntimeError("the federation lab bind-mounts resolv.conf in a mount namespace and needs root (as CI runs)")
    lab = FederationLab(scratch_dir(prefix), **kwargs)
    try:
        yield lab.start()
    finally:
        lab.stop()
