"""A DNS relay on loopback: passes raw DNS messages (UDP and TCP) to an upstream server and its answers back.

Two uses, one class:

* labs put it on ``<net>.53:53`` in front of a BIND that listens on a free port, because resolvers (Synapse's
  ``/etc/resolv.conf``) only talk to port 53 and BIND only binds addresses configured on an interface;
* the federation_dns tests put it on a free port in front of BIND to count the messages that pass (``seen``, by
  opcode), to run a competing change between the module's read and its write (``before_update``) or to play a
  server that goes down before the write (``drop_updates``).

The relay does not look inside the messages beyond their opcode: the upstream server answers every query.
"""
import socket
import socketserver
import struct
import threading

import dns.opcode

from tests.support.procs import free_port


class _UDPServer(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _recv_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class DNSRelay:
    """Relay from ``host:port`` (a free port when ``port`` is None) to ``upstream`` (a ``(host, port)`` pair)."""

    def __init__(self, upstream, host="127.0.0.1", port=None):
        self.upstream = tuple(upstream)
        self.host = host
        self.port = port if port is not None else free_port(host, udp_too=True)
        self.before_update = None   # callable run once before the next UPDATE is forwarded
        self.drop_updates = False   # True: UPDATE messages get no answer, as from a server that went down
        self.seen = []              # opcode of every message received, e.g. ["QUERY", "UPDATE"]
        self.servers = []

    def forward(self, data, tcp):
        """The upstream's answer to one message, or None when the message is to go unanswered."""
        opcode = dns.opcode.from_flags(struct.unpack("!H", data[2:4])[0])
        self.seen.append(dns.opcode.to_text(opcode))
        if opcode == dns.opcode.UPDATE and self.before_update is not None:
            hook, self.before_update = self.before_update, None
            hook()
        if opcode == dns.opcode.UPDATE and self.drop_updates:
            return None
        if tcp:
            with socket.create_connection(self.upstream, timeout=5) as conn:
                conn.sendall(struct.pack("!H", len(data)) + data)
                (length,) = struct.unpack("!H", _recv_exact(conn, 2))
                return _recv_exact(conn, length)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as conn:
            conn.settimeout(5)
            conn.sendto(data, self.upstream)
            return conn.recvfrom(65535)[0]

    def start(self):
        relay = self

        class UDPHandler(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                try:
                    answer = relay.forward(data, tcp=False)
                except OSError:
                    return
                if answer is not None:
                    sock.sendto(answer, self.client_address)

        class TCPHandler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    while True:
                        (length,) = struct.unpack("!H", _recv_exact(self.request, 2))
                        answer = relay.forward(_recv_exact(self.request, length), tcp=True)
                        if answer is None:
                            return
                        self.request.sendall(struct.pack("!H", len(answer)) + answer)
                except (OSError, ConnectionError):
                    return

        self.servers = [_UDPServer((self.host, self.port), UDPHandler), _TCPServer((self.host, self.port), TCPHandler)]
        for server in self.servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        return self

    def stop(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers = []
