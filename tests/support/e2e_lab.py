"""Three organisations federating on this machine, provisioned by the collection's roles and playbooks.

- **A** ``chat-a.test``: a Rocket.Chat workspace on the Matrix bridge. Synapse deployed by the
  ``fedops.rocketchat.synapse`` role with the bridge registration that ``playbooks/matrix_bridge.yml`` wrote,
  Rocket.Chat's ``Federation_Matrix_*`` settings in the REST API emulator (written by the same playbook), and
  Rocket.Chat's own bridge library (``tests/support/node_peers.py`` ``BridgePeer``) as Rocket.Chat's side.
- **B** ``org-b.test``: a plain Matrix organisation, Synapse deployed by the role.
- **C** ``ext-c.test``: a third Synapse deployed by the role, shut out by A's allow list. Rocket.Chat's Matrix
  bridge has no allow/block list setting of its own; its documentation points at Synapse's
  ``federation_domain_whitelist``, i.e. the role's ``synapse_federation_domain_whitelist`` on A.

How (default): the collection provisions from an inventory the lab writes: ``federation_dns`` publishes every
homeserver's SRV and A records, ``playbooks/matrix_bridge.yml`` writes Rocket.Chat's settings and the bridge
registration (and A's SRV record), and the ``fedops.rocketchat.synapse`` role renders each homeserver's configuration
from its inventory variables (``synapse_federation_custom_ca_list``, ``synapse_federation_domain_whitelist``,
``synapse_rocketchat_bridge_registration_files``, ...). Synapse then runs on the host with that configuration; the
harness supplies only what belongs to the process (paths, listeners, database, secrets). Each Synapse resolves
through a private ``resolv.conf`` (mount namespace) pointing at the lab DNS.

``FEDOPS_E2E_BREAK`` (``allowlist``, ``ephemeral`` or ``media``) provisions the lab with that piece of federation
turned off, to watch the guarding row tests fail.
"""
import json
import os
import random
import subprocess
import time

import yaml

from tests.support.ansible_run import ansible_env
from tests.support.bind import BindServer
from tests.support.dns_relay import DNSRelay
from tests.support.federation_lab import FED_PORT, LAB_RATE_LIMITS, Account, Homeserver, register_account
from tests.support.paths import PYTHON, REPO, scratch_dir, venv_tool
from tests.support.node_peers import BridgePeer
from tests.support.pki import TestCA
from tests.support.procs import free_port

A, B, C = "chat-a.test", "org-b.test", "ext-c.test"
SERVERS = (A, B, C)
BREAKS = ("allowlist", "ephemeral", "media")


class LabServer(Homeserver):
    """One homeserver of the lab: a federation_lab Homeserver with its inventory host; Synapse is set on start."""

    def __init__(self, name, address, cert):
        super().__init__(name, address, None, cert)
        self.slug = name.split(".")[0]
        self.inventory_host = "lab-%s" % self.slug
        self.registration_shared_secret = None


class E2ELab:
    """The A/B/C lab. ``start()`` provisions, ``stop()`` stops everything it started (by PID)."""

    def __init__(self, workdir, net=None, broken=None):
        self.breaks = set(filter(None, (broken or "").split(",")))
        if self.breaks - set(BREAKS):
            raise ValueError("FEDOPS_E2E_BREAK is a comma-separated list of %s" % ", ".join(BREAKS))
        self.workdir = workdir
        self.broken = broken or None
        self.net = net or "127.%d.%d" % (random.randint(100, 199), random.randint(1, 250))
        self.ca = None
        self.bind = None
        self.relay = None
        self.rc_server = None
        self.rc_url = None
        self.bridge = None
        self.servers = {}
        self.registration_path = os.path.join(workdir, "bridge", "rocketchat-registration.yaml")
        self.resolv_conf = os.path.join(workdir, "resolv.conf")
        self.timings = {}
        self.playbook_output = ""
        self.break_results = []   # (switch, row number, expected, outcome, seconds) of the break tests

    def __getitem__(self, name):
        return self.servers[name]

    @property
    def dns_address(self):
        return "%s.53" % self.net

    @property
    def admin(self):
        from tests.emulator.rocketchat.state import SEED_USERS  # pylint: disable=import-outside-toplevel
        return SEED_USERS[0]

    # --- lifecycle ------------------------------------------------------------------------------------------
    def start(self):
        started = time.monotonic()
        os.makedirs(os.path.dirname(self.registration_path), exist_ok=True)
        self._start_host_servers(SERVERS, 11, "fedops e2e lab CA", "7.10", started)
        self._provision_timed()
        mark = time.monotonic()
        self.bridge = BridgePeer(os.path.join(self.workdir, "bridge-peer"), self.rc_url, self.admin["_id"],
                                 self.admin["pats"][0][1], dns_server="%s:53" % self.dns_address,
                                 ca_path=self.ca.cert_path).start()
        return self._timed_rocketchat_side(mark, started)

    def _start_host_servers(self, names, first_host, ca_name, rc_version, started, extra_zones=()):
        """The lab's CA, one address and certificate per homeserver in ``names`` (hosts ``first_host``, ...),
        BIND with their zones (and ``extra_zones``), the DNS relay the Synapses resolve through, and the settings
        API emulator of Rocket.Chat ``rc_version``."""
        wd = self.workdir
        self.ca = TestCA(os.path.join(wd, "pki"), common_name=ca_name)
        for index, name in enumerate(names):
            address = "%s.%d" % (self.net, first_host + index)
            self.servers[name] = LabServer(name, address, self.ca.issue(name, [name, "matrix.%s" % name, address]))
        self.bind = BindServer(os.path.join(wd, "bind"), zones=tuple(names) + tuple(extra_zones)).start()
        self.relay = DNSRelay((self.bind.host, self.bind.port), host=self.dns_address, port=53).start()
        with open(self.resolv_conf, "w", encoding="ascii") as handle:
            handle.write("nameserver %s\noptions timeout:2 attempts:2\n" % self.dns_address)
        from tests.emulator.rocketchat.server import serve_in_thread  # pylint: disable=import-outside-toplevel
        self.rc_server, self.rc_url = serve_in_thread(rc_version)
        self.timings["host_servers_s"] = round(time.monotonic() - started, 1)

    def _provision_timed(self):
        mark = time.monotonic()
        self.provision()
        self.timings["playbooks_s"] = round(time.monotonic() - mark, 1)

    def _timed_rocketchat_side(self, mark, started):
        """Record how long Rocket.Chat's side (started at ``mark``) and the whole lab took to start."""
        self.timings["rocketchat_s"] = round(time.monotonic() - mark, 1)
        self.timings["total_s"] = round(time.monotonic() - started, 1)
        return self

    # --- provisioning through the collection ----------------------------------------------------------------
    def host_vars(self, server):
        allow_list = None if "allowlist" in self.breaks else [A, B]
        extra = {"presence": {"enabled": False},
                 # the row tests create a room or two each, from few accounts
                 "rc_room_creation": {"per_second": 1000, "burst_count": 10000},
                 # Synapse lets only admins publish to the room directory by default; a Rocket.Chat workspace
                 # whose public channels other organisations can find publishes them
                 "room_list_publication_rules": [{"action": "allow"}]}
        extra.update(LAB_RATE_LIMITS)
        if "media" in self.breaks:
            # media federation off: neither A nor B fetches the other's media
            extra["prevent_media_downloads_from"] = [n for n in (A, B) if n != server.name]
        values = {
            "ansible_connection": "local",
            "ansible_python_interpreter": PYTHON,
            "lab_role_config_path": self.role_config_path(server),
            "synapse_server_name": server.name,
            "synapse_http_port": 8008,
            "synapse_http_bind_addresses": [server.address],
            "synapse_http_x_forwarded": False,
            "synapse_health_url": "http://%s:8008/health" % server.address,
            "synapse_tls_listener_enabled": True,
            "synapse_tls_port": FED_PORT,
            "synapse_tls_bind_addresses": [server.address],
            "synapse_tls_resources": ["client", "federation"],
            "synapse_tls_certificate_path": server.cert.cert_path,
            "synapse_tls_private_key_path": server.cert.key_path,
            "synapse_federation_custom_ca_list": [self.ca.cert_path],
            "synapse_ip_range_whitelist": ["127.0.0.0/8"],
            "synapse_trusted_key_servers": [],
            "synapse_suppress_key_server_warning": True,
            "synapse_allow_public_rooms_over_federation": True,
            "synapse_config_extra": extra,
        }
        if server.name == A:
            # Rocket.Chat's bridge downloads media from its homeserver without a token (Bridge.ts
            # getReadStreamForFileFromUrl: the bot SDK's mxcToHttp, the legacy /_matrix/media/r0/download), which
            # Synapse serves only with authenticated media off
            extra["enable_authenticated_media"] = False
            values["synapse_federation_domain_whitelist"] = allow_list
            values["synapse_rocketchat_bridge_registration_files"] = [self.registration_path]
        return values

    def inventory(self):
        bind = self.bind
        localhost = {
            "ansible_connection": "local",
            "ansible_python_interpreter": PYTHON,
            # playbooks/matrix_bridge.yml for workspace A
            "fedops_rocketchat_url": self.rc_url,
            "fedops_rocketchat_user_id": self.admin["_id"],
            "fedops_rocketchat_auth_token": self.admin["pats"][0][1],
            "fedops_validate_certs": False,
            "fedops_master_secret": "e2e lab master secret",
            "fedops_matrix_server_name": A,
            "fedops_homeserver_url": "https://matrix.%s:%d" % (A, FED_PORT),
            "fedops_bridge_url": "http://127.0.0.1:%d" % free_port(),
            "fedops_bridge_registration_path": self.registration_path,
            "fedops_bridge_ephemeral_events": "ephemeral" not in self.breaks,
            "fedops_dns_provider": "rfc2136",
            "fedops_dns_rfc2136": {"server": bind.host, "port": bind.port, "key_name": bind.tsig_name,
                                   "key_secret": bind.tsig_secret, "key_algorithm": bind.tsig_algorithm},
            "fedops_dns_zone": A,
            "fedops_matrix_federation_host": "matrix.%s" % A,
            "fedops_matrix_federation_port": FED_PORT,
            "lab_dns": [{"zone": s.name, "address": s.address} for s in self.servers.values()],
        }
        return {"all": {"children": {
            "lab_synapse": {"hosts": {s.inventory_host: self.host_vars(s) for s in self.servers.values()}},
            "lab_controller": {"hosts": {"localhost": localhost}},
        }}}

    # Process plumbing the harness owns on the host (paths, listeners, database, secrets in memory); everything
    # else of homeserver.yaml is what the synapse role rendered from the inventory.
    HOST_OWNED = ("listeners", "database", "log_config", "media_store_path", "signing_key_path", "old_signing_keys",
                  "registration_shared_secret_path", "macaroon_secret_key_path", "form_secret_path", "pid_file",
                  "tls_certificate_path", "tls_private_key_path")

    def role_config_path(self, server):
        return os.path.join(self.workdir, server.slug, "role-homeserver.json")

    def site(self):
        return [
            {"name": "Publish every homeserver's SRV and A records into the lab zone",
             "hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "Publish the homeserver records", "loop": "{{ lab_dns }}",
                        "fedops.rocketchat.federation_dns": {
                            "provider": "rfc2136", "rfc2136": "{{ fedops_dns_rfc2136 }}", "zone": "{{ item.zone }}",
                            "matrix": {"server_name": "{{ item.zone }}", "target": "matrix.{{ item.zone }}",
                                       "port": FED_PORT},
                            "records": [{"name": "matrix.{{ item.zone }}", "type": "A",
                                         "values": ["{{ item.address }}"]}]}}]},
            {"name": "Synapse configuration as the synapse role renders it", "hosts": "lab_synapse",
             "gather_facts": False,
             "tasks": [
                 {"name": "Load the role's variables", "ansible.builtin.include_role": {
                     "name": "fedops.rocketchat.synapse", "tasks_from": "validate.yml", "public": True}},
                 {"name": "Write the configuration the role renders", "ansible.builtin.copy": {
                     "dest": "{{ lab_role_config_path }}", "mode": "0600",
                     "content": "{{ _synapse_config | to_nice_json }}"}}]},
            {"import_playbook": os.path.join(REPO, "playbooks", "matrix_bridge.yml")},
        ]

    def provision(self):
        """Run the collection's playbooks from the lab inventory, then each Synapse with what the role rendered."""
        from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel
        from tests.support.synapse import SynapseServer  # pylint: disable=import-outside-toplevel
        for server in self.servers.values():
            os.makedirs(os.path.join(self.workdir, server.slug), exist_ok=True)
        self._run_playbook(self.inventory(), self.site())
        with ThreadPoolExecutor(len(self.servers)) as pool:
            futures = []
            for server in self.servers.values():
                extra = {k: v for k, v in self.role_config(server.name).items() if k not in self.HOST_OWNED}
                server.synapse = SynapseServer(os.path.join(self.workdir, server.slug, "synapse"),
                                               server_name=server.name, host=server.address, port=FED_PORT,
                                               tls_certificate_path=server.cert.cert_path,
                                               tls_private_key_path=server.cert.key_path,
                                               resolv_conf=self.resolv_conf, extra_config=extra)
                server.registration_shared_secret = server.synapse.registration_shared_secret
                futures.append(pool.submit(server.synapse.start, 300))
            for future in futures:
                future.result()

    def _run_playbook(self, inventory_data, site_data):
        wd = self.workdir
        inventory = os.path.join(wd, "inventory.yml")
        site = os.path.join(wd, "site.yml")
        for path, data in ((inventory, inventory_data), (site, site_data)):
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(data, handle, sort_keys=False)
            os.chmod(path, 0o600)
        env = ansible_env({"ANSIBLE_FORKS": "5"})
        env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
        log_path = os.path.join(wd, "site.log")
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.run([venv_tool("ansible-playbook"), "-i", inventory, site], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, text=True, timeout=1800, check=False)
        with open(log_path, encoding="utf-8") as log:
            self.playbook_output = log.read()
        if proc.returncode != 0:
            raise RuntimeError("provisioning the e2e lab failed (log in %s/site.log):\n%s"
                               % (wd, self.playbook_output[-6000:]))

    def homeserver_config(self, name):
        """The homeserver.yaml Synapse runs with, parsed."""
        with open(self.servers[name].synapse.config_path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    def role_config(self, name):
        """What the synapse role rendered for ``name``."""
        with open(self.role_config_path(self.servers[name]), encoding="utf-8") as handle:
            return json.load(handle)

    def registration(self):
        with open(self.registration_path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    def stop(self):
        if self.bridge is not None:
            self.bridge.stop()
        for server in self.servers.values():
            if getattr(server, "synapse", None) is not None:
                server.synapse.stop()
        if self.rc_server is not None:
            self.rc_server.shutdown()
            self.rc_server.server_close()
            self.rc_server = None
        if self.relay is not None:
            self.relay.stop()
        if self.bind is not None:
            self.bind.stop()

    # --- accounts -------------------------------------------------------------------------------------------
    def register(self, name, localpart, admin=False):
        """A Matrix user of homeserver ``name`` (shared-secret registration, which also returns its token)."""
        server = self.servers[name]
        return register_account(server.url, name, server.registration_shared_secret, self.ca.cert_path, localpart,
                                admin=admin)

    def rocketchat_user(self, username, name=None):
        """A Rocket.Chat user on the bridge (Bridge.ts createUser()), as an account acting through the as_token."""
        user_id = self.bridge.call("provision", username=username, name=name or username)["user_id"]
        return Account(A, user_id, None, None)

    def client(self, account, timeout=30):
        """The collection's Matrix client for ``account``; a bridged Rocket.Chat user acts through the as_token."""
        from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixClient  # pylint: disable=import-outside-toplevel
        url = self.servers[account.server].url
        if account.access_token is None:
            return MatrixClient(url, self.registration()["as_token"], user_id=account.user_id, assert_user=True,
                                verify=self.ca.cert_path, timeout=timeout)
        return MatrixClient(url, account.access_token, verify=self.ca.cert_path, timeout=timeout)

    def probe_account(self, account):
        """federation_probe's options for one account."""
        args = {"homeserver_url": self.servers[account.server].url, "ca_path": self.ca.cert_path}
        if account.access_token is None:
            args.update(as_token=self.registration()["as_token"], user_id=account.user_id)
        else:
            args["access_token"] = account.access_token
        return args


def new_workdir(prefix="e2e-lab"):
    return scratch_dir(prefix)


def broken_from_env():
    value = os.environ.get("FEDOPS_E2E_BREAK") or None
    return value


def dump_json(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)


# --- native federation: Rocket.Chat's own homeserver code (federation-sdk) as workspace D ---------------------------
D = "rc-native.test"
# Rocket.Chat serves federation on its web port; here a port Synapse's fallback (8448) does not reach, so D is found
# only through the _matrix-fed._tcp record federate publishes.
NATIVE_PORT = 8443


class NativeLab(E2ELab):
    """D ``rc-native.test``: a Rocket.Chat 8.6 workspace (settings API emulator) provisioned by
    ``fedops.rocketchat.federate`` from an inventory like any user's, its homeserver Rocket.Chat's own
    ``@rocket.chat/federation-sdk`` (tests/support/native_peer.py) configured from the settings federate wrote;
    B ``org-b.test`` a Synapse deployed by the synapse role whose ``federation_domain_whitelist`` admits D; C
    ``ext-c.test`` a Synapse outside D's allow list."""

    NATIVE_SERVERS = (B, C)

    def __init__(self, workdir, net=None):
        super().__init__(workdir, net=net)
        self.native = None
        self.native_address = None
        self.native_cert = None
        self.signing_key_path = os.path.join(workdir, "state", "%s.signing.key" % D)

    def start(self):
        started = time.monotonic()
        os.makedirs(os.path.dirname(self.signing_key_path), exist_ok=True)
        self._start_host_servers(self.NATIVE_SERVERS, 12, "fedops native lab CA", "8.6", started, extra_zones=(D,))
        self.native_address = "%s.14" % self.net
        self.native_cert = self.ca.issue(D, [D, self.native_address])
        self._provision_timed()
        mark = time.monotonic()
        self.start_native()
        return self._timed_rocketchat_side(mark, started)

    def start_native(self):
        from tests.support.native_peer import NativeHomeserverPeer  # pylint: disable=import-outside-toplevel
        self.native = NativeHomeserverPeer(os.path.join(self.workdir, "native-peer"), self.rc_url, self.admin["_id"],
                                           self.admin["pats"][0][1], self.native_address, NATIVE_PORT,
                                           self.native_cert, dns_server="%s:53" % self.dns_address,
                                           ca_path=self.ca.cert_path).start()
        return self.native

    def host_vars(self, server):
        values = super().host_vars(server)
        if server.name == B:
            # B federates with D only by name: the break ``whitelist`` takes D out again
            values["synapse_federation_domain_whitelist"] = [B, D]
        # Rocket.Chat's homeserver supports room versions up to 11; Synapse creates version 12 rooms by default (C
        # too: it is shut out by D's allow list, not by the room version)
        values["synapse_config_extra"]["default_room_version"] = "11"
        return values

    def native_vars(self):
        """D's inventory host: the federation role's variables, as examples/inventory sets them for native."""
        bind = self.bind
        return {
            "ansible_connection": "local",
            "ansible_python_interpreter": PYTHON,
            "federation_mode": "native",
            "federation_rocketchat_url": self.rc_url,
            "federation_rocketchat_user_id": self.admin["_id"],
            "federation_rocketchat_auth_token": self.admin["pats"][0][1],
            "federation_validate_certs": False,
            "federation_dns_provider": "rfc2136",
            "federation_dns_zone": D,
            "federation_dns_rfc2136": {"server": bind.host, "port": bind.port, "key_name": bind.tsig_name,
                                       "key_secret": bind.tsig_secret, "key_algorithm": bind.tsig_algorithm},
            "federation_matrix_server_name": D,
            "federation_matrix_federation_host": D,
            "federation_matrix_federation_port": NATIVE_PORT,
            "federation_native_signing_key_path": self.signing_key_path,
            "federation_native_allow_list": ["*.%s" % B],
            # Rocket.Chat's homeserver starts from these settings; the peer-side check runs once it answers
            # (tests/integration/e2e/test_native_rows.py)
            "federation_check": False,
        }

    def inventory(self):
        bind = self.bind
        localhost = {
            "ansible_connection": "local",
            "ansible_python_interpreter": PYTHON,
            "fedops_dns_rfc2136": {"server": bind.host, "port": bind.port, "key_name": bind.tsig_name,
                                   "key_secret": bind.tsig_secret, "key_algorithm": bind.tsig_algorithm},
            "lab_dns": [{"zone": s.name, "address": s.address} for s in self.servers.values()],
            "lab_native": {"zone": D, "address": self.native_address},
        }
        return {"all": {"children": {
            "lab_synapse": {"hosts": {s.inventory_host: self.host_vars(s) for s in self.servers.values()}},
            "lab_controller": {"hosts": {"localhost": localhost}},
            "lab_native": {"hosts": {D: self.native_vars()}},
        }}}

    def site(self):
        plays = super().site()[:2]
        plays[0]["tasks"].append(
            {"name": "Publish the Rocket.Chat workspace's address (federate publishes its SRV record)",
             "fedops.rocketchat.federation_dns": {
                 "provider": "rfc2136", "rfc2136": "{{ fedops_dns_rfc2136 }}", "zone": "{{ lab_native.zone }}",
                 "records": [{"name": "{{ lab_native.zone }}", "type": "A", "values": ["{{ lab_native.address }}"]}]}})
        plays.append({"import_playbook": os.path.join(REPO, "playbooks", "federate.yml"),
                      "vars": {"fedops_workspaces": "lab_native"}})
        return plays

    def stop(self):
        if self.native is not None:
            self.native.stop()
        super().stop()

    def store(self):
        """The Rocket.Chat settings store D's workspace runs with (the emulator's)."""
        return self.rc_server.emulator.store

    def play(self, name, extra_vars=None):
        """``ansible-playbook fedops.rocketchat.<name>`` over the lab's inventory: (rc, output)."""
        inventory = os.path.join(self.workdir, "inventory.yml")
        cmd = [venv_tool("ansible-playbook"), "-i", inventory, "fedops.rocketchat." + name,
               "-e", json.dumps(dict({"fedops_workspaces": "lab_native"}, **(extra_vars or {})))]
        env = ansible_env()
        env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False,
                              cwd=self.workdir)
        return proc.returncode, proc.stdout + proc.stderr

    def write_setting(self, setting_id, value):
        """Change one of D's Rocket.Chat settings through the settings API, as an administrator would."""
        import requests  # pylint: disable=import-outside-toplevel
        response = requests.post("%s/api/v1/settings/%s" % (self.rc_url, setting_id), json={"value": value},
                                 headers={"X-User-Id": self.admin["_id"], "X-Auth-Token": self.admin["pats"][0][1]},
                                 timeout=30)
        assert response.status_code == 200, response.text

    def restart_synapse(self, name, **overrides):
        """Restart ``name``'s Synapse with role-rendered options overridden (a break), or as provisioned."""
        server = self.servers[name]
        server.synapse.stop()
        extra = {k: v for k, v in self.role_config(name).items() if k not in self.HOST_OWNED}
        extra.update(overrides)
        server.synapse.extra_config = extra
        server.synapse.start(300)

    def synapse_version(self, name=B):
        """The Synapse version ``name`` reports over federation (for the table)."""
        import requests  # pylint: disable=import-outside-toplevel
        body = requests.get(self.servers[name].url + "/_matrix/federation/v1/version", verify=self.ca.cert_path,
                            timeout=30).json()
        return body["server"]["version"].split()[0]
