"""A tiny application service listener, as Rocket.Chat's bridge answers Synapse: it checks the hs_token.

``POST /_matrix/app/v1/ping`` and ``PUT /_matrix/app/v1/transactions/<id>`` answer 200 ``{}`` when the request
carries ``Authorization: Bearer <hs_token>``, else 403 ``M_FORBIDDEN`` (what the spec asks of an appservice).
``hs_token`` can be changed while it runs, to play a bridge whose token no longer matches the registration.
"""
import threading
from http.server import BaseHTTPRequestHandler

from tests.support.httpserve import ThreadedServer, send_json


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body):
        send_json(self, status, body)

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        listener = self.server.owner
        with listener.lock:
            listener.requests.append((self.command, self.path, self.headers.get("Authorization")))
            expected = "Bearer %s" % listener.hs_token
        if self.headers.get("Authorization") != expected:
            return self._send(403, {"errcode": "M_FORBIDDEN", "error": "Bad token"})
        if self.path.startswith("/_matrix/app/v1/ping") or self.path.startswith("/_matrix/app/v1/transactions/"):
            return self._send(200, {})
        return self._send(404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"})

    def do_POST(self):  # noqa: N802
        self._serve()

    def do_PUT(self):  # noqa: N802
        self._serve()

    def do_GET(self):  # noqa: N802
        self._serve()


class AppserviceListener(ThreadedServer):
    handler = _Handler
    name = "appservice"

    def __init__(self, hs_token, host="127.0.0.1", port=0):
        self.hs_token = hs_token
        self.host = host
        self.port = port
        self.lock = threading.Lock()
        self.requests = []
        self._server = None

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def start(self):
        return self._start()
