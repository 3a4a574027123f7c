"""Rocket.Chat's native federation as a live test peer: tests/peers/native_homeserver.js.

``NativeHomeserverPeer`` runs ``@rocket.chat/federation-sdk`` as a federating homeserver (TLS on ``listen``), with
its collections in memory (gone when the process stops) and its configuration read back from a Rocket.Chat settings
API (the ``Federation_Service_*`` settings ``fedops.rocketchat.federate`` wrote). Its control port (loopback) drives
Rocket.Chat's side through the SDK calls Rocket.Chat's federation service makes and lists what the SDK delivered to
Rocket.Chat. Stopped by PID.
"""
import base64
import json
import os
import urllib.error
import urllib.request

from tests.support.peers import PEERS_DIR, node_binary
from tests.support.procs import ServerProcess, free_port, wait_until


class PeerCallError(AssertionError):
    """A control call the SDK refused: ``status`` and the Matrix ``errcode`` it mapped to."""

    def __init__(self, action, status, body):
        self.status = status
        self.body = body
        self.errcode = body.get("errcode") if isinstance(body, dict) else None
        super().__init__("native peer %s: HTTP %s %s" % (action, status, body))


class NativeHomeserverPeer(ServerProcess):
    """Rocket.Chat-native homeserver (federation-sdk) on ``host:port`` with ``cert``; settings from ``rocketchat_url``."""

    name = "rocketchat-native"

    def __init__(self, workdir, rocketchat_url, user_id, auth_token, host, port, cert, dns_server=None,
                 ca_path=None):
        super().__init__(workdir)
        self.rocketchat_url = rocketchat_url
        self.user_id = user_id
        self.auth_token = auth_token
        self.host = host
        self.port = port
        self.cert = cert
        self.dns_server = dns_server
        self.ca_path = ca_path
        self.control_port = None
        self.users = {}

    @property
    def control_url(self):
        return "http://127.0.0.1:%d" % self.control_port

    def start(self, timeout=60):
        self.control_port = free_port()
        cmd = [node_binary(), os.path.join(PEERS_DIR, "native_homeserver.js"),
               "--rocketchat-url", self.rocketchat_url, "--user-id", self.user_id, "--auth-token", self.auth_token,
               "--listen", "%s:%d" % (self.host, self.port), "--cert", self.cert.cert_path,
               "--key", self.cert.key_path, "--control-port", str(self.control_port)]
        if self.dns_server:
            cmd += ["--dns", self.dns_server]
        env = dict(os.environ, LOG_LEVEL=os.environ.get("FEDOPS_NATIVE_LOG_LEVEL", "warn"))
        if self.ca_path:
            env["NODE_EXTRA_CA_CERTS"] = self.ca_path
        self.spawn(cmd, env=env, cwd=PEERS_DIR)
        self.wait_until(lambda: self.state().get("running"), timeout, "Rocket.Chat native peer")
        return self

    def restart(self, timeout=60):
        """Stop and start again: a fresh homeserver (its rooms are gone) configured from the settings as they are
        now. Rocket.Chat's users live in Rocket.Chat's database, not the homeserver's: they are provisioned again."""
        self.stop()
        self.start(timeout)
        for username, name in self.users.items():
            self.call("provision", username=username, name=name)
        return self

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
            raise PeerCallError(path.lstrip("/"), exc.code, parsed)

    def state(self):
        return self._request("GET", "/state", timeout=2)

    def events(self):
        """What the SDK delivered to Rocket.Chat (``kind``: message, membership, reaction, redaction, typing, ...)."""
        return self._request("GET", "/events")

    def call(self, action, **body):
        """Rocket.Chat's side: provision, create_room, invite, accept_invite, send, edit, redact, react, typing,
        send_file, download, reload (see tests/peers/native_homeserver.js)."""
        if action == "provision":
            self.users[body["username"]] = body.get("name")
        return self._request("POST", "/" + action, body)

    def send_file(self, username, room_id, name, mimetype, data):
        return self.call("send_file", username=username, room_id=room_id, name=name, type=mimetype,
                         data_b64=base64.b64encode(data).decode("ascii"))

    def download(self, mxc):
        encoded = self.call("download", mxc=mxc)["data_b64"]
        return base64.b64decode(encoded) if encoded is not None else None

    def wait_for(self, predicate, timeout=30, what="event"):
        """Poll what the SDK delivered until one entry matches ``predicate``; return it."""
        def found():
            return next((e for e in self.events() if predicate(e)), None)
        return wait_until(found, timeout, "native peer %s" % what, interval=0.02, proc=self.proc,
                          log_path=self.log_path)
