"""Servers for the federation_dns integration tests.

Each DNS backend gets its own instance (built from the shared fixture classes) so that the server-side
message counters these tests assert on see only this module's traffic. In front of them sit two small
test-only relays: a DNS relay before BIND and an HTTP relay before the PowerDNS API, which count what
passes and can inject a competing change between the module's read and its write.
"""
import os
import socket
import socketserver
import struct
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.message
import dns.opcode
import dns.query
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import pytest

from tests.emulator.cloudflare import CloudflareEmulator
from tests.support.bind import BindServer
from tests.support.paths import OUTPUT, VENV_BIN
from tests.support.pdns import PowerDNSServer
from tests.support.procs import ServerProcess, free_port, tcp_open

# Real-size keys (2048-bit RSA, 442-character single-line SPKI) made as Rocket.Chat makes them, with node-rsa 1.1.1.
KEY_1 = ("-----BEGIN PUBLIC KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAilNpXGS/+d8GrdNnhkE8NSw8mCPt8g"
         "yNNlRpoahYre821ogfYvN6yqdRHr8D5mDaH8xIAt8jlHCnsl3af+f80Yz7Hgo/ocbkTDlCZUCgd+gM/FFUv76q0JYG7qb+zRvFwM"
         "Ejj/gq0PEVq2SvpXWiOx0xYbKixCnlBTuNPHE7H1FtraW9fm/E+ws0m4welBpBasbVS6gT8Zatr+DRFYVb+yilvWwc54TjJRHZPc"
         "mxbqmls7tnX90I9QnwPrZAr7gM6DIAXWBdEtsxoNsi/9nJK8genSF6AXj7jEHUYLbALIs68dwqxUCgx98spdPo1DnLwKbj60ExJu"
         "Ys53dYj1pQywIDAQAB-----END PUBLIC KEY-----")
KEY_2_MULTILINE = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkmM8w6jrGacTHqH7bJjU
KPskKnU6zPI3FgYZXyDeAdwqR4ys5ryKOTLRS+qTptdBeqBqkkZryBY6UjTe2PdZ
nkdp7ocTkmbl7VuIbkI8WG4AdPXL49pTO5CJzxp2mzJIHot8cuY6467pj3cdIG7u
Fq0HD8PzFI4F6cjJCVZmTQP1pndBET40SYbKooGRtRzMdKOVR5M8mHocCizPyJoc
WUAMjAiu0BkxvY5nUpuy6BFU9M4+A5j6N5LXRSgg4lw4gZWOOFQWHsSLEwiX39S9
po/awCfuVPvecyBZ1rtqQiwtgusF9VLKrLjYe/40ZXqY7jytu0KLMQ+wEwvzAimN
gQIDAQAB
-----END PUBLIC KEY-----
"""
KEY_2 = "".join(KEY_2_MULTILINE.split("\n"))  # the single-line form Rocket.Chat shows


def _workdir(name):
    os.makedirs(OUTPUT, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=OUTPUT)


# ---------------------------------------------------------------------------------------------------
# Real servers, one instance each for this package
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def dns_bind():
    """BIND primary for `fed.test` and `auto.test` (TSIG hmac-sha256), with the statistics channel."""
    server = BindServer(_workdir("dns-bind"), zones=("fed.test", "auto.test"))
    with server:
        yield server.start()


@pytest.fixture(scope="session")
def dns_pdns():
    """PowerDNS Authoritative: zone `pdns.test` through the HTTP API and RFC 2136 (TSIG)."""
    server = PowerDNSServer(_workdir("dns-pdns"), zones=("pdns.test", "rfc.pdns.test"))
    with server:
        yield server.start()


class MotoServer(ServerProcess):
    name = "moto"

    def start(self):
        self.host = "127.0.0.1"
        self.port = free_port(self.host)
        self.spawn([os.path.join(VENV_BIN, "moto_server"), "-H", self.host, "-p", str(self.port)])
        self.wait_until(lambda: tcp_open(self.host, self.port), 30, "moto_server")
        return self

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def client(self):
        import boto3
        return boto3.client("route53", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="session")
def moto():
    """moto's server (Route 53 API) on a free loopback port."""
    server = MotoServer(_workdir("moto"))
    with server:
        yield server.start()


@pytest.fixture
def cloudflare():
    """A fresh Cloudflare v4 API emulator with token `cf-token` and zone `example.org`."""
    emulator = CloudflareEmulator()
    emulator.add_token("cf-token")
    emulator.zone_id = emulator.add_zone("example.org")
    with emulator:
        yield emulator


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------
def keyring_of(server):
    return dns.tsigkeyring.from_text({server.tsig_name: (server.tsig_algorithm, server.tsig_secret)})


def direct_update(server, zone, port=None, **ops):
    """Apply an UPDATE directly (not through the module): replace={name: (rtype, ttl, [texts])}, delete=[(name, rtype)]."""
    update = dns.update.UpdateMessage(zone, keyring=keyring_of(server))
    for name, (rtype, ttl, texts) in (ops.get("replace") or {}).items():
        update.replace(name, ttl, rtype, *texts)
    for name, rtype in ops.get("delete") or []:
        update.delete(name, rtype)
    response = dns.query.tcp(update, server.host, port=port or server.port, timeout=5)
    assert response.rcode() == 0, response
    return response


def lookup(server, name, rtype, port=None):
    """The answer RRset for name/type (None when absent), straight from the server."""
    query = dns.message.make_query(name, rtype, use_edns=0, payload=4096)
    response = dns.query.udp(query, server.host, port=port or server.port, timeout=5)
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rtype):
            return rrset
    return None


def joined_txt(rrset):
    return b"".join(rrset[0].strings)


# ---------------------------------------------------------------------------------------------------
# DNS relay in front of BIND: counts messages by opcode and can act before forwarding an UPDATE
# ---------------------------------------------------------------------------------------------------
class DNSRelay:
    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self.host = "127.0.0.1"
        self.port = free_port(self.host, udp_too=True)
        self.before_update = None
        self.drop_updates = False   # True: UPDATE messages get no answer, as from a server that went down
        self.seen = []
        relay = self

        class UDPHandler(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                answer = relay.forward(data, tcp=False)
                sock.sendto(answer, self.client_address)

        class TCPHandler(socketserver.BaseRequestHandler):
            def handle(self):
                while True:
                    head = self.request.recv(2)
                    if len(head) < 2:
                        return
                    (length,) = struct.unpack("!H", head)
                    data = b""
                    while len(data) < length:
                        more = self.request.recv(length - len(data))
                        if not more:
                            return
                        data += more
                    answer = relay.forward(data, tcp=True)
                    self.request.sendall(struct.pack("!H", len(answer)) + answer)

        socketserver.ThreadingUDPServer.allow_reuse_address = True
        self.udp = socketserver.ThreadingUDPServer((self.host, self.port), UDPHandler)
        self.tcp = socketserver.ThreadingTCPServer((self.host, self.port), TCPHandler)
        self.udp.daemon_threads = self.tcp.daemon_threads = True

    def forward(self, data, tcp):
        opcode = dns.opcode.from_flags(struct.unpack("!H", data[2:4])[0])
        self.seen.append(dns.opcode.to_text(opcode))
        if opcode == dns.opcode.UPDATE and self.before_update is not None:
            hook, self.before_update = self.before_update, None
            hook()
        if opcode == dns.opcode.UPDATE and self.drop_updates:
            raise ConnectionAbortedError("the DNS server is down (test relay)")
        if tcp:
            with socket.create_connection(self.upstream, timeout=5) as conn:
                conn.sendall(struct.pack("!H", len(data)) + data)
                head = conn.recv(2)
                (length,) = struct.unpack("!H", head)
                answer = b""
                while len(answer) < length:
                    answer += conn.recv(length - len(answer))
                return answer
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as conn:
            conn.settimeout(5)
            conn.sendto(data, self.upstream)
            return conn.recvfrom(65535)[0]

    def start(self):
        for server in (self.udp, self.tcp):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        for server in (self.udp, self.tcp):
            server.shutdown()
            server.server_close()


@pytest.fixture
def bind_relay(dns_bind):
    relay = DNSRelay(dns_bind.host, dns_bind.port).start()
    yield relay
    relay.stop()


# ---------------------------------------------------------------------------------------------------
# HTTP relay in front of the PowerDNS API: records calls, can act before forwarding
# ---------------------------------------------------------------------------------------------------
class HTTPRelay:
    def __init__(self, upstream):
        self.upstream = upstream.rstrip("/")
        self.calls = []
        self.before = None  # callable(method, path) -> None, run before forwarding (once per call)
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                relay.calls.append((self.command, self.path))
                if relay.before is not None:
                    relay.before(self.command, self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("x-api-key", "content-type", "accept")}
                request = urllib.request.Request(relay.upstream + self.path, data=body, method=self.command, headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:  # nosec - loopback
                        status, data, ctype = response.status, response.read(), response.headers.get("Content-Type")
                except urllib.error.HTTPError as exc:
                    status, data, ctype = exc.code, exc.read(), exc.headers.get("Content-Type")
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def count(self, method):
        return sum(1 for m, dummy in self.calls if m == method)

    def start(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def pdns_relay(dns_pdns):
    relay = HTTPRelay(dns_pdns.api_url).start()
    yield relay
    relay.stop()


def unused_udp_tcp_port():
    return free_port("127.0.0.1", udp_too=True)


def run_cmd(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def run_ok(module, args, check=False, diff=False):
    """Run one task that must succeed; return its result (with the play under `_playbook`)."""
    from tests.support.ansible_run import run_tasks
    play = run_tasks([{"name": "expect success", module: args}], check=check, diff=diff)
    record = play.records[-1] if play.records else None
    if record is None or record["status"] != "ok":
        raise AssertionError("%s did not succeed: %r\n%s" % (module, record, play.output[-3000:]))
    result = dict(record["result"])
    result["_playbook"] = play
    return result


def run_failing(module, args, check=False, diff=False):
    """Run one task expected to fail; return its result with `failed` set from the task status.

    (ansible-core 2.19 does not leave `failed` in the recorded result dict; the callback's status
    field says how the task ended.)
    """
    from tests.support.ansible_run import run_tasks
    play = run_tasks([{"name": "expect failure", module: args, "ignore_errors": True}], check=check, diff=diff)
    record = play.records[-1] if play.records else None
    if record is None or record["status"] != "failed":
        raise AssertionError("%s did not fail: %r\n%s" % (module, record, play.output[-3000:]))
    result = dict(record["result"])
    result["failed"] = True
    result["_playbook"] = play
    return result


def statuses(play):
    """[(status, result)] of every task of a play."""
    return [(r["status"], r["result"]) for r in play.records]
