"""Servers for the federation_dns integration tests.

BIND and PowerDNS are the session-wide servers of tests/integration/conftest.py; the server-side message
counters these tests assert on are read before and after each module run, so other tests of the session do
not disturb them. In front of them sit two small test-only relays: the DNS relay of tests/support/dns_relay.py
before BIND and an HTTP relay before the PowerDNS API, which count what passes and can inject a competing
change between the module's read and its write.
"""
import os
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.message
import dns.query
import dns.rdatatype
import dns.update
import pytest

from tests.emulator.cloudflare import CloudflareEmulator
from tests.support.dns_relay import DNSRelay
from tests.support.dnsutil import tsig_keyring
from tests.support.paths import VENV_BIN, scratch_dir
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


# ---------------------------------------------------------------------------------------------------
# Real servers: BIND and PowerDNS are the session-wide ones of tests/integration/conftest.py
# ---------------------------------------------------------------------------------------------------
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
    server = MotoServer(scratch_dir("moto"))
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
def direct_update(server, zone, port=None, **ops):
    """Apply an UPDATE directly (not through the module): replace={name: (rtype, ttl, [texts])}, delete=[(name, rtype)]."""
    update = dns.update.UpdateMessage(zone, keyring=tsig_keyring(server))
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


@pytest.fixture
def bind_relay(bind_server):
    relay = DNSRelay((bind_server.host, bind_server.port)).start()
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
def pdns_relay(pdns_server):
    relay = HTTPRelay(pdns_server.api_url).start()
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
