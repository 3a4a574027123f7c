"""In-process HTTP(S) servers for tests: a threaded server on a loopback address, and JSON answers.

``ThreadedServer`` is the base of the small servers of tests/support (appservice listener, TLS fronts): subclasses
set ``handler`` (its requests reach the instance as ``self.server.owner``) and call ``_start`` from ``start``.
``send_json`` writes a JSON answer, as the emulators and the listeners answer.
"""
import json
import threading
from http.server import ThreadingHTTPServer


def send_json(handler, status, body, headers=None):
    """Answer ``body`` as JSON with ``status`` and extra ``headers`` on a BaseHTTPRequestHandler."""
    data = json.dumps(body).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(data)


class ThreadedServer:
    """One ThreadingHTTPServer on ``host``:``port`` (0: a free port, known after start), served by a thread."""

    handler = None
    name = "server"

    def _start(self, tls_context=None):
        server = ThreadingHTTPServer((self.host, self.port), self.handler)
        server.daemon_threads = True
        server.owner = self
        if tls_context is not None:
            server.socket = tls_context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, name="%s-%s" % (self.name, self.host), daemon=True).start()
        return self

    def stop(self):
        if getattr(self, "_server", None) is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
