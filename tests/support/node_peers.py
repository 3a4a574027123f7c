"""Rocket.Chat's own published federation code as test peers (Node programs in tests/peers).

``BridgePeer`` runs tests/peers/bridge.js: Rocket.Chat's Matrix bridge built with
``@rocket.chat/forked-matrix-appservice-bridge`` from the ``Federation_Matrix_*`` settings it reads back from a
Rocket.Chat API. It listens on the bridge URL's port (the registration's ``url``) and on a control port on loopback,
records every event its handlers receive, and is stopped by PID. ``run_node`` runs a one-shot peer program
(native.js, legacy.js) and returns the JSON it prints.

The packages come from tests/peers/package-lock.json (``scripts/bootstrap.sh node``); nothing is fetched at run time.
"""
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from tests.support.paths import REPO
from tests.support.procs import ServerProcess, free_port, wait_until

PEERS_DIR = os.path.join(REPO, "tests", "peers")


def node_binary():
    """The node executable, after checking the pinned packages are installed."""
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(PEERS_DIR, "node_modules", "@rocket.chat")):
        raise RuntimeError("Rocket.Chat's federation libraries are not installed: run scripts/bootstrap.sh node")
    return node


def run_node(script, args=(), env=None, timeout=60, wrapper=()):
    """Run tests/peers/<script> and return the JSON object it prints on its last stdout line."""
    cmd = list(wrapper) + [node_binary(), os.path.join(PEERS_DIR, script)] + [str(a) for a in args]
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=PEERS_DIR, env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise AssertionError("%s failed (rc %s)\nstdout:\n%s\nstderr:\n%s"
                             % (script, proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
    return json.loads(lines[-1])


class PeerCallError(AssertionError):
    """A control call the peer refused: ``status`` and the Matrix ``errcode`` it mapped to (if any)."""

    def __init__(self, peer, action, status, body):
        self.status = status
        self.body = body
        self.errcode = body.get("errcode") if isinstance(body, dict) else None
        super().__init__("%s %s: HTTP %s %s" % (peer, action, status, body))


class ControlPeer(ServerProcess):
    """A peer program of tests/peers driven over its control port on loopback (JSON in, JSON out): ``state``,
    ``events`` (what Rocket.Chat's side received, oldest first) and ``call`` (an action of Rocket.Chat's side)."""

    script = None

    def __init__(self, workdir, rocketchat_url, user_id, auth_token, dns_server=None, ca_path=None):
        super().__init__(workdir)
        self.rocketchat_url = rocketchat_url
        self.user_id = user_id
        self.auth_token = auth_token
        self.dns_server = dns_server      # "host:port" of the DNS server for the peer's host name lookups
        self.ca_path = ca_path            # CA bundle to trust for TLS peers
        self.control_port = None

    def _start_node(self, args, timeout, env=None):
        """Run ``node <script> --rocketchat-url ... <args>`` with a fresh control port; wait until it runs."""
        self.control_port = free_port()
        cmd = [node_binary(), os.path.join(PEERS_DIR, self.script), "--rocketchat-url", self.rocketchat_url,
               "--user-id", self.user_id, "--auth-token", self.auth_token, "--control-port", str(self.control_port)]
        cmd += list(args) + (["--dns", self.dns_server] if self.dns_server else [])
        env = dict(os.environ, **(env or {}))
        if self.ca_path:
            env["NODE_EXTRA_CA_CERTS"] = self.ca_path
        self.spawn(cmd, env=env, cwd=PEERS_DIR)
        self.wait_until(lambda: self.state().get("running"), timeout, self.name)
        return self

    @property
    def control_url(self):
        return "http://127.0.0.1:%d" % self.control_port

    def _request(self, method, path, body=None, timeout=90):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.control_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec - loopback test peer
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raw = exc.read().decode("utf-8", "replace")
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = {"error": raw}
            raise PeerCallError(self.name, path.lstrip("/"), exc.code, parsed) from None

    def state(self):
        return self._request("GET", "/state", timeout=2)

    def events(self):
        return self._request("GET", "/events")

    def call(self, action, **body):
        return self._request("POST", "/" + action, body)

    def wait_for(self, predicate, timeout=30, what="event"):
        """Poll the recorded events until one matches ``predicate``; return it."""
        def found():
            return next((e for e in self.events() if predicate(e)), None)
        return wait_until(found, timeout, "%s %s" % (self.name, what), interval=0.02, proc=self.proc,
                          log_path=self.log_path)

    def saw(self, predicate):
        return any(predicate(e) for e in self.events())


class BridgePeer(ControlPeer):
    """Rocket.Chat's Matrix bridge (Bridge.ts of Rocket.Chat 7.10) on loopback, configured from the settings API.
    ``call`` actions: ping, provision, join, send, typing (see tests/peers/bridge.js); ``events``: what the bridge's
    handlers received (``handler``, ``event``, ...)."""

    name = "rocketchat-bridge"
    script = "bridge.js"

    def __init__(self, workdir, rocketchat_url, user_id, auth_token, dns_server=None, ca_path=None):
        super().__init__(workdir, rocketchat_url, user_id, auth_token, dns_server, ca_path)
        self.events_path = os.path.join(workdir, "bridge-events.jsonl")

    def start(self, timeout=60):
        """Start the bridge; the homeserver must already answer (the library checks it at start)."""
        return self._start_node(["--events", self.events_path], timeout)


class MatrixUser:
    """A user of a real Synapse, through its client-server API (password login)."""

    def __init__(self, synapse, localpart, password):
        self.synapse = synapse
        self.user_id = "@%s:%s" % (localpart, synapse.server_name)
        self.token = None
        self._txn = 0
        self.since = None
        # Shared-secret registration (what register_new_matrix_user does), which also returns an access token.
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(synapse.registration_shared_secret.encode("utf-8"), digestmod=hashlib.sha1)
        mac.update(b"\x00".join(x.encode("utf-8") for x in (nonce, localpart, password, "notadmin")))
        self.token = self.request("POST", "/_synapse/admin/v1/register", {
            "nonce": nonce, "username": localpart, "password": password, "admin": False,
            "mac": mac.hexdigest()})["access_token"]

    def request(self, method, path, body=None, timeout=30):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer %s" % self.token
        request = urllib.request.Request(self.synapse.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout,  # nosec - loopback test server
                                        context=self.synapse._context()) as response:  # pylint: disable=protected-access
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise AssertionError("Synapse %s %s: %s %s" % (method, path, exc.code, exc.read().decode()))

    def create_room(self, invite=()):
        return self.request("POST", "/_matrix/client/v3/createRoom",
                            {"preset": "private_chat", "invite": list(invite)})["room_id"]

    def send(self, room_id, body):
        self._txn += 1
        path = "/_matrix/client/v3/rooms/%s/send/m.room.message/fedops%d-%d" % (
            urllib.parse.quote(room_id), os.getpid(), self._txn)
        return self.request("PUT", path, {"msgtype": "m.text", "body": body})["event_id"]

    def typing(self, room_id, typing=True):
        path = "/_matrix/client/v3/rooms/%s/typing/%s" % (
            urllib.parse.quote(room_id), urllib.parse.quote(self.user_id))
        return self.request("PUT", path, {"typing": typing, "timeout": 30000})

    def sync_events(self, timeout_ms=1000):
        """Timeline events of the rooms this user joined since the previous call."""
        path = "/_matrix/client/v3/sync?timeout=%d" % timeout_ms
        if self.since:
            path += "&since=" + urllib.parse.quote(self.since)
        body = self.request("GET", path, timeout=timeout_ms / 1000 + 30)
        self.since = body["next_batch"]
        events = []
        for room_id, room in body.get("rooms", {}).get("join", {}).items():
            for event in room.get("timeline", {}).get("events", []):
                events.append(dict(event, room_id=room_id))
        return events

    def wait_for_message(self, predicate, timeout=30):
        seen = []

        def found():
            seen.extend(self.sync_events())
            return next((e for e in seen if e.get("type") == "m.room.message" and predicate(e)), None)
        return wait_until(found, timeout, "message in %s's /sync" % self.user_id)


class BridgeLab:
    """Rocket.Chat 7.10 (API emulator) + Synapse + Rocket.Chat's bridge, wired by the collection.

    ``playbooks/matrix_bridge.yml`` writes the ``Federation_Matrix_*`` settings and the registration file; the
    ``fedops.rocketchat.synapse`` role's own variables decide Synapse's appservice options
    (``app_service_config_files``, ``use_appservice_legacy_authorization``) from
    ``synapse_rocketchat_bridge_registration_files``; Synapse runs with them; the bridge peer reads its settings back
    from the API. ``role_vars`` overrides role variables (e.g. ``{"synapse_use_appservice_legacy_authorization":
    False}`` for a homeserver that sends the token in the header only).
    """

    def __init__(self, workdir, server_name="hs1.peers.test", ephemeral=True, role_vars=None, rc_version="7.10"):
        self.workdir = workdir
        self.server_name = server_name
        self.ephemeral = ephemeral
        self.role_vars = dict(role_vars or {})
        self.rc_version = rc_version
        self.rc_server = None
        self.parts = None
        self.rc_url = None
        self.synapse = None
        self.bridge = None
        self.registration_path = os.path.join(workdir, "rocketchat-registration.yaml")
        self.synapse_options = None
        self.playbook_output = ""

    @property
    def admin(self):
        from tests.emulator.rocketchat.state import SEED_USERS  # pylint: disable=import-outside-toplevel
        return SEED_USERS[0]

    def playbook_vars(self, bridge_port, synapse_port):
        return {
            "fedops_rocketchat_url": self.rc_url,
            "fedops_rocketchat_user_id": self.admin["_id"],
            "fedops_rocketchat_auth_token": self.admin["pats"][0][1],
            "fedops_validate_certs": False,
            "fedops_master_secret": "peers lab master secret",
            "fedops_matrix_server_name": self.server_name,
            "fedops_homeserver_url": "http://127.0.0.1:%d" % synapse_port,
            "fedops_bridge_url": "http://127.0.0.1:%d" % bridge_port,
            "fedops_bridge_registration_path": self.registration_path,
            "fedops_bridge_ephemeral_events": self.ephemeral,
            "fedops_dns_provider": "rfc2136",
        }

    def configure(self, bridge_port, synapse_port):
        """Run matrix_bridge.yml, then evaluate the synapse role's appservice options for its registration."""
        from tests.support.ansible_run import ansible_env  # pylint: disable=import-outside-toplevel
        from tests.support.paths import PYTHON, venv_tool  # pylint: disable=import-outside-toplevel
        import yaml  # pylint: disable=import-outside-toplevel
        options_path = os.path.join(self.workdir, "synapse-appservice-options.json")
        role_vars = {"synapse_server_name": self.server_name,
                     "synapse_rocketchat_bridge_registration_files": [self.registration_path]}
        role_vars.update(self.role_vars)
        site = [
            {"import_playbook": os.path.join(REPO, "playbooks", "matrix_bridge.yml")},
            {"name": "Synapse options of the fedops.rocketchat.synapse role for this registration",
             "hosts": "localhost", "gather_facts": False, "vars": role_vars,
             "tasks": [
                 {"name": "Load the role's variables", "ansible.builtin.include_role": {
                     "name": "fedops.rocketchat.synapse", "tasks_from": "validate.yml", "public": True}},
                 {"name": "Write the appservice options of homeserver.yaml", "ansible.builtin.copy": {
                     "dest": options_path, "mode": "0600",
                     "content": "{{ {'app_service_config_files': _synapse_config.app_service_config_files,"
                                " 'use_appservice_legacy_authorization':"
                                " _synapse_config.use_appservice_legacy_authorization} | to_json }}"}},
             ]},
        ]
        site_path = os.path.join(self.workdir, "site.yml")
        with open(site_path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(site, handle, sort_keys=False)
        vars_path = os.path.join(self.workdir, "lab-vars.json")
        with open(vars_path, "w", encoding="utf-8") as handle:
            json.dump(self.playbook_vars(bridge_port, synapse_port), handle)
        inventory = os.path.join(self.workdir, "inventory.ini")
        with open(inventory, "w", encoding="utf-8") as handle:
            handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PYTHON)
        proc = subprocess.run([venv_tool("ansible-playbook"), "-i", inventory, "-e", "@" + vars_path, site_path],
                              env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
        self.playbook_output = proc.stdout + proc.stderr
        if proc.returncode != 0:
            raise AssertionError("matrix_bridge.yml failed:\n%s" % self.playbook_output[-6000:])
        with open(options_path, encoding="utf-8") as handle:
            self.synapse_options = json.load(handle)
        return self.synapse_options

    def registration(self):
        """The registration file the playbook wrote (holds the tokens)."""
        import yaml  # pylint: disable=import-outside-toplevel
        with open(self.registration_path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    def appservice_args(self):
        """The appservice as the homeserver calls it: id, tokens, bridge URL, and whether Synapse here uses legacy
        authorization (the shape of federation_check's ``appservice`` option)."""
        data = self.registration()
        return {"id": data["id"], "as_token": data["as_token"], "hs_token": data["hs_token"], "url": data["url"],
                "legacy_authorization": bool(self.synapse_options["use_appservice_legacy_authorization"])}

    def start(self):
        from tests.support.federation_lab import LabParts  # pylint: disable=import-outside-toplevel
        self.parts = LabParts(self.workdir)
        self.rc_server, self.rc_url = self.parts.workspace(self.rc_version)
        bridge_port = free_port()
        self.synapse = self.parts.synapse("synapse", self.server_name, start=False)
        self.synapse.port = free_port()
        options = self.configure(bridge_port, self.synapse.port)
        self.synapse.extra_config = dict(options)
        self.synapse.start()
        self.bridge = self.parts.started(BridgePeer(os.path.join(self.workdir, "bridge"), self.rc_url,
                                                    self.admin["_id"], self.admin["pats"][0][1]))
        return self

    def stop(self):
        if self.parts is not None:
            self.parts.stop()
            self.parts = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
