"""A trivial upstream for the Molecule scenarios: answers every request with JSON naming itself, the method,
the path, the request headers and the body size. Standard library only.
Usage: echo_upstream.py NAME PORT"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME, PORT = sys.argv[1], int(sys.argv[2])


class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)
        body = json.dumps({
            'upstream': NAME, 'method': self.command, 'path': self.path,
            'headers': {k.lower(): v for k, v in self.headers.items()}, 'body_bytes': length - remaining,
        }).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
