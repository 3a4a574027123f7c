"""A small TLS web front for federation tests: serves well-known JSON and redirects, proxies the rest upstream.

It plays the reverse proxy of a real deployment (nginx in front of Synapse): it terminates TLS with the
certificate it is given, answers the paths configured in ``routes`` itself and forwards everything else to an
``upstream`` plain-HTTP listener. Routes can be changed while it runs, so one server serves many scenarios.
Route values: ``(status, json_body)`` for a JSON answer, ``("redirect", status, location)`` for a redirect,
``("raw", status, bytes)`` for arbitrary bytes.
"""
import http.client
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler

from tests.support.httpserve import ThreadedServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fedops-front"

    def log_message(self, *args):
        pass

    def _send(self, status, body, headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else None
        front = self.server.owner
        path = self.path.split("?", 1)[0]
        with front.lock:
            front.hits.append((method, self.path, self.headers.get("Host")))
            route = front.routes.get(path)
        if route is not None:
            if route[0] == "redirect":
                return self._send(route[1], b"", {"Location": route[2]})
            if route[0] == "raw":
                return self._send(route[1], route[2], {"Content-Type": "application/json"})
            return self._send(route[0], json.dumps(route[1]).encode("utf-8"), {"Content-Type": "application/json"})
        if front.upstream is None:
            return self._send(404, b'{"errcode":"M_NOT_FOUND"}', {"Content-Type": "application/json"})
        conn = http.client.HTTPConnection(*front.upstream, timeout=30)
        try:
            headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in ("connection",))
            conn.request(method, self.path, body=payload, headers=headers)
            response = conn.getresponse()
            body = response.read()
            out = dict((k, v) for k, v in response.getheaders()
                       if k.lower() not in ("content-length", "transfer-encoding", "connection"))
            return self._send(response.status, body, out)
        finally:
            conn.close()

    def do_GET(self):  # noqa: N802
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_PUT(self):  # noqa: N802
        self._serve("PUT")


class FrontServer(ThreadedServer):
    """TLS front on ``host:port`` with certificate ``cert`` (a tests.support.pki.ServerCert)."""

    handler = _Handler
    name = "front"

    def __init__(self, host, port, cert, routes=None, upstream=None):
        self.host = host
        self.port = port
        self.routes = dict(routes or {})
        self.upstream = upstream
        self.lock = threading.Lock()
        self.hits = []
        self._cert = cert
        self._server = None

    def set_cert(self, cert):
        self._cert = cert
        self._server.socket.context.load_cert_chain(cert.cert_path, cert.key_path)

    def set_routes(self, routes):
        with self.lock:
            self.routes = dict(routes)

    def start(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._cert.cert_path, self._cert.key_path)
        return self._start(context)
