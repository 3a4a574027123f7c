"""Rocket.Chat's native federation as a live test peer: tests/peers/native_homeserver.js.

``NativeHomeserverPeer`` runs ``@rocket.chat/federation-sdk`` as a federating homeserver (TLS on ``listen``), with
its collections in memory (gone when the process stops) and its configuration read back from a Rocket.Chat settings
API (the ``Federation_Service_*`` settings ``fedops.rocketchat.federate`` wrote). Its control port (loopback) drives
Rocket.Chat's side through the SDK calls Rocket.Chat's federation service makes and lists what the SDK delivered to
Rocket.Chat (``events``: ``kind`` message, membership, reaction, redaction, typing, ...). Stopped by PID.
"""
import base64
import os

from tests.support.node_peers import ControlPeer


class NativeHomeserverPeer(ControlPeer):
    """Rocket.Chat-native homeserver (federation-sdk) on ``host:port`` with ``cert``; settings from ``rocketchat_url``."""

    name = "rocketchat-native"

    script = "native_homeserver.js"

    def __init__(self, workdir, rocketchat_url, user_id, auth_token, host, port, cert, dns_server=None,
                 ca_path=None):
        super().__init__(workdir, rocketchat_url, user_id, auth_token, dns_server, ca_path)
        self.host = host
        self.port = port
        self.cert = cert
        self.users = {}

    def start(self, timeout=60):
        return self._start_node(["--listen", "%s:%d" % (self.host, self.port), "--cert", self.cert.cert_path,
                                 "--key", self.cert.key_path], timeout,
                                env={"LOG_LEVEL": os.environ.get("FEDOPS_NATIVE_LOG_LEVEL", "warn")})

    def restart(self, timeout=60):
        """Stop and start again: a fresh homeserver (its rooms are gone) configured from the settings as they are
        now. Rocket.Chat's users live in Rocket.Chat's database, not the homeserver's: they are provisioned again."""
        self.stop()
        self.start(timeout)
        for username, name in self.users.items():
            self.call("provision", username=username, name=name)
        return self

    def call(self, action, **body):
        """Rocket.Chat's side: provision, create_room, invite, accept_invite, send, edit, redact, react, typing,
        send_file, download, reload (see tests/peers/native_homeserver.js)."""
        if action == "provision":
            self.users[body["username"]] = body.get("name")
        return super().call(action, **body)

    def send_file(self, username, room_id, name, mimetype, data):
        return self.call("send_file", username=username, room_id=room_id, name=name, type=mimetype,
                         data_b64=base64.b64encode(data).decode("ascii"))

    def download(self, mxc):
        encoded = self.call("download", mxc=mxc)["data_b64"]
        return base64.b64decode(encoded) if encoded is not None else None
